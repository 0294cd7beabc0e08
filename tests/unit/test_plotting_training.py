"""The training figures: the decision-boundary animation and the loss curves with their marks."""

import base64
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


def probabilities(trace):
    """A contour trace's z: p(class 1) × 255 as a uint8 typed array {dtype, bdata, shape}, decoded."""
    z = trace["z"]
    assert z["dtype"] == "u1"
    rows, cols = (int(n) for n in z["shape"].split(","))
    return np.frombuffer(base64.b64decode(z["bdata"]), np.uint8).reshape(rows, cols)


@pytest.mark.parametrize("count", [1, 2])
def test_boundary_animation_validates_and_has_a_frame_per_snapshot(count):
    fig = animation(count)
    spec = fig.to_dict()
    checked = go.Figure(spec)  # plotly validates every property
    assert [f.name for f in checked.frames] == [str(s) for s in STEPS]
    for frame in spec["frames"]:
        # One contour trace per panel colours p(class 1) and draws the p = 0.5 line: the grid sent once.
        assert [t["type"] for t in frame["data"]] == ["contour"] * count
        assert len(frame["traces"]) == count
    assert checked.layout.sliders[0].active == len(STEPS) - 1, "opens on the last snapshot"
    contours = [t for t in spec["data"] if t["type"] == "contour"]
    assert len(contours) == count
    for contour in contours:
        assert (contour["zmin"], contour["zmax"]) == (0, 255)
        assert contour["contours"]["start"] == contour["contours"]["end"] == 127.5, "the p = 0.5 line"
        assert np.all(probabilities(contour) == 255), "the figure shows the trained (last) model"
    for k, frame in enumerate(spec["frames"]):
        for trace in frame["data"]:
            # Snapshot k has p = k / 3 everywhere: rounded to the nearest of 256 levels.
            assert probabilities(trace).shape == (G, G)
            assert np.all(probabilities(trace) == round(255 * k / (len(STEPS) - 1)))
    assert [a.text for a in checked.layout.annotations] == (
        ["this run"] if count == 1 else ["without regularization", "with regularization"])
    no_nan(fig)


def test_probabilities_round_to_bytes_and_clip():
    xs = ys = np.linspace(-1, 1, 3)
    probs = np.array([[0.0, 0.5, 1.0], [0.002, 0.998, 1.7], [-0.3, 0.25, 0.75]])
    fig = boundary_animation(xs, ys, [dict(probs=probs[None], train=(np.zeros((1, 2)), np.zeros(1)),
                                           val=(np.zeros((1, 2)), np.ones(1)))], (0,), titles=["one"])
    z = probabilities(fig.to_dict()["data"][0])
    np.testing.assert_array_equal(z, [[0, 128, 255], [1, 254, 255], [0, 64, 191]])  # rint(p × 255)


def test_two_panels_sit_side_by_side_on_their_own_axes():
    spec = animation(2).to_dict()
    fig = go.Figure(spec)
    assert {t.xaxis for t in fig.data} == {"x", "x2"}
    left, right = fig.layout.xaxis.domain, fig.layout.xaxis2.domain
    assert left[1] < right[0], "the panels do not overlap"
    moving = spec["frames"][-1]["traces"]
    assert [spec["data"][i]["type"] for i in moving] == ["contour"] * 2, "frames redraw only the fields"
    assert [spec["data"][i]["xaxis"] for i in moving] == ["x", "x2"]


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
        "with regularization: training", "with regularization: training after the stop (not kept)",
        "with regularization: validation", "with regularization: validation after the stop (not kept)"]
    # The stopped run: solid up to its stop, faint from it on; the other run whole and wider below it.
    plain, stopped = checked.data[:2], checked.data[2:]
    assert all(list(t.x) == list(range(0, 220, 20)) for t in plain)
    assert plain[0].line.width > stopped[0].line.width
    for kept, after in (stopped[0:2], stopped[2:4]):
        assert max(kept.x) == 160 and min(after.x) == 160 and max(after.x) == 200
        assert after.opacity < 1 and after.showlegend is False and after.legendgroup == kept.legendgroup
    lines = [(s.x0, s.line.dash) for s in checked.layout.shapes]
    assert lines == [(60, "dot"), (60, "dot"), (160, "dashdot")]
    assert [a.text for a in checked.layout.annotations] == [
        "best (without regularization): 60", "best (with regularization): 60",
        "early stop (with regularization): 160"]
    rows = [a.yshift for a in checked.layout.annotations]
    assert len(set(rows)) == len(rows), "every label on its own row: nearby steps do not overwrite"
    assert checked.layout.yaxis.type == "linear"
    log = training_curves([curves_run("a", "#000")], log_y=True)
    assert go.Figure(log.to_dict()).layout.yaxis.type == "log"
    no_nan(fig)


def test_training_curves_write_a_missing_value_for_a_non_finite_loss():
    fig = training_curves([curves_run("this run", "#2a9d8f", nan_at=5)])
    values = fig.to_dict()["data"][1]["y"]
    assert values[5] is None and all(v is not None for i, v in enumerate(values) if i != 5)
    no_nan(fig)
