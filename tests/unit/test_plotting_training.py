"""The training figures: the decision-boundary animation and the loss curves with their marks."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from plotting.training import boundary_animation, training_curves

G = 12
STEPS = (0, 100, 200, 300)


def panel(seed):
    """A run's probabilities per snapshot (a different field each step) and its train/val points."""
    rng = np.random.default_rng(seed)
    probs = np.stack([np.full((G, G), k / (len(STEPS) - 1)) for k in range(len(STEPS))])
    x = rng.uniform(-1, 1, (20, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    return dict(probs=probs, train=(x[:10], y[:10]), val=(x[10:], y[10:]))


def animation(count):
    xs = ys = np.linspace(-1.6, 1.6, G)
    titles = ["this run"] if count == 1 else ["without regularization", "with regularization"]
    return boundary_animation(xs, ys, [panel(i) for i in range(count)], STEPS, titles=titles)


def no_nan(fig):
    """The figure serialises to strict JSON (NaN is not JSON)."""
    json.loads(json.dumps(fig.to_dict(), allow_nan=False))


@pytest.mark.parametrize("count", [1, 2])
def test_boundary_animation_validates_and_has_a_frame_per_snapshot(count):
    fig = animation(count)
    checked = go.Figure(fig.to_dict())  # plotly validates every property
    assert [f.name for f in checked.frames] == [str(s) for s in STEPS]
    for frame in checked.frames:
        assert sum(t.type == "heatmap" for t in frame.data) == count
        assert len(frame.data) == len(frame.traces) == 2 * count  # heatmap and contour per panel
    assert checked.layout.sliders[0].active == len(STEPS) - 1, "opens on the last snapshot"
    heatmaps = [t for t in checked.data if t.type == "heatmap"]
    assert len(heatmaps) == count
    for heatmap in heatmaps:
        assert np.allclose(np.asarray(heatmap.z), 1.0), "the figure shows the trained (last) model"
    first = [t for t in checked.frames[0].data if t.type == "heatmap"][0]
    assert np.allclose(np.asarray(first.z), 0.0)
    assert [a.text for a in checked.layout.annotations] == (
        ["this run"] if count == 1 else ["without regularization", "with regularization"])
    no_nan(fig)


def test_two_panels_sit_side_by_side_on_their_own_axes():
    fig = go.Figure(animation(2).to_dict())
    assert {t.xaxis for t in fig.data} == {"x", "x2"}
    left, right = fig.layout.xaxis.domain, fig.layout.xaxis2.domain
    assert left[1] < right[0], "the panels do not overlap"
    moving = fig.frames[-1].traces
    assert all(fig.data[i].type in ("heatmap", "contour") for i in moving), "frames only redraw the fields"


def curves_run(name, colour, stopped_at=None, nan_at=None):
    steps = np.arange(0, 220, 20)
    train = np.linspace(0.7, 0.01, steps.size)
    val = np.r_[np.linspace(0.7, 0.4, 4), np.linspace(0.45, 1.5, steps.size - 4)]
    if nan_at is not None:
        val[nan_at] = np.nan
    return dict(name=name, colour=colour, eval_steps=steps, train_loss=train, val_loss=val, best_step=60,
                stopped_at=stopped_at)


def test_training_curves_mark_best_and_stop():
    fig = training_curves([curves_run("without regularization", "#6b7280"),
                           curves_run("with regularization", "#2a9d8f", stopped_at=160)])
    checked = go.Figure(fig.to_dict())
    assert [t.name for t in checked.data] == [
        "without regularization: training", "without regularization: validation",
        "with regularization: training", "with regularization: validation"]
    lines = [(s.x0, s.line.dash) for s in checked.layout.shapes]
    assert lines == [(60, "dot"), (60, "dot"), (160, "dashdot")]
    assert [a.text for a in checked.layout.annotations] == [
        "best (without regularization): 60", "best (with regularization): 60",
        "early stop (with regularization): 160"]
    assert checked.layout.yaxis.type == "linear"
    log = training_curves([curves_run("a", "#000")], log_y=True)
    assert go.Figure(log.to_dict()).layout.yaxis.type == "log"
    no_nan(fig)


def test_training_curves_write_a_missing_value_for_a_non_finite_loss():
    fig = training_curves([curves_run("this run", "#2a9d8f", nan_at=5)])
    values = fig.to_dict()["data"][1]["y"]
    assert values[5] is None and all(v is not None for i, v in enumerate(values) if i != 5)
    no_nan(fig)
