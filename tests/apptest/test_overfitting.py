"""AppTest runs of the overfitting page: the default run, every preset doing what the lecture says
(underfit, overfit, rescue by dropout, L2 and early stopping), extreme settings and bogus query
parameters. Trainings are cached per settings and compile once per network shape."""

import json
import re

import numpy as np
import pytest

from engine.training import train
from models import datasets
from tests.apptest import helpers
from tests.apptest.helpers import assert_healthy, select
from ui import overfit_lesson as lesson

PAGE = "pages/overfitting.py"
NUMBER = r"(-?\d+(?:\.\d+)?)"
VERDICT = re.compile(r"training accuracy (\d+)%, validation accuracy (\d+)%; validation loss " + NUMBER
                     + r" at the end, " + NUMBER + r" at its best \(step (\d+)\)")


def fresh(query=None):
    """A new AppTest on this page, with optional query parameters, after its first run."""
    return helpers.fresh(PAGE, query, timeout=180)


def charts(at):
    """The page's Plotly figures by key (the key ends the element id)."""
    return {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def verdicts(at):
    """{run name: verdict text} from the "**Name**: ..." markdown lines."""
    found = {}
    for block in at.markdown:
        match = re.match(r"\*\*(.+?)\*\*: (.*)", block.value, flags=re.S)
        if match and "accuracy" in match.group(2):
            found[match.group(1).lower()] = match.group(2)
    return found


def numbers(text):
    """(train accuracy, validation accuracy, final val loss, best val loss, best step) from a verdict."""
    match = VERDICT.search(text)
    assert match, text
    a, b, end, best, step = match.groups()
    return int(a) / 100, int(b) / 100, float(end), float(best), int(step)


def click(at, name):
    """Click a preset button and rerun."""
    return next(b for b in at.button if b.key == f"preset.{name}").click().run()


def preset_history(name):
    """Train the preset exactly as ui.compute.training does for the page's settings (seed 0)."""
    p = lesson.PRESETS[name][1]
    x, y = datasets.make(p["dataset"], 0, p["points"], p["noise"])
    train_set, val_set = datasets.split(x, y, lesson.VALIDATION_FRACTION, 0)
    patience = p["patience"] if p["early"] else lesson.NO_STOP
    return train((2, *([p["width"]] * p["depth"]), 1), p["activation"], "adam", {"learning_rate": p["lr"]},
                 train_set, val_set, steps=p["train_steps"], batch_size=p["batch"], seed=0,
                 dropout_rate=p["dropout"], l2=p["l2"], patience=patience, eval_every=20, snapshots=21)


def assert_page(at, context, runs=("this run",)):
    """Healthy, both charts drawn, one verdict per run, and the curves chart has two traces per run."""
    assert_healthy(at, context)
    figures = charts(at)
    assert set(figures) == {"boundary", "curves"}, f"{context}: {sorted(figures)}"
    assert set(verdicts(at)) == set(runs), f"{context}: {verdicts(at)}"
    names = [t["name"] for t in figures["curves"]["data"]]
    assert names == [f"{r}: {kind}" for r in runs for kind in ("training", "validation")], names
    for trace in figures["curves"]["data"]:
        values = np.array([np.nan if v is None else v for v in trace["y"]], float)
        assert np.isfinite(values).all(), f"{context}: {trace['name']} has a non-finite loss"
    return figures


@pytest.fixture(scope="module")
def at():
    """One session for the preset tests (the clicks share the cache and the compilations)."""
    return fresh()


def test_default_run_is_healthy(at):
    figures = assert_page(at, "default")
    # One frame per snapshot (21, 100 steps apart), then one for the model kept.
    assert len(figures["boundary"]["frames"]) == 22
    assert figures["boundary"]["frames"][-1]["name"] == "model kept"
    train_acc, val_acc, end, best, _ = numbers(verdicts(at)["this run"])
    assert 0 <= val_acc <= 1 and best <= end + 1e-3


def test_overfitting_preset_overfits(at):
    history = preset_history("overfit")
    gap = float(history.val_loss[-1] - history.val_loss.min())
    assert gap > 0.5, f"validation loss rises {gap:.2f} above its minimum (about 3 measured)"
    assert float(history.train_loss[-1]) < 0.05, "the training loss falls to nearly zero"
    assert history.stopped_at == -1
    click(at, "overfit")
    assert_page(at, "overfit preset")
    text = verdicts(at)["this run"]
    assert "overfitting" in text
    _, _, end, best, step = numbers(text)
    assert end == pytest.approx(float(history.val_loss[-1]), abs=2e-3)
    assert best == pytest.approx(float(history.val_loss.min()), abs=2e-3) and step == history.best_step


def test_underfitting_preset_underfits(at):
    click(at, "underfit")
    assert_page(at, "underfit preset")
    train_acc, _, _, _, _ = numbers(verdicts(at)["this run"])
    assert train_acc < 0.8, f"a 2-unit network cannot fit the spiral: training accuracy {train_acc:.0%}"
    assert preset_history("underfit").train_accuracy[-1] < 0.8


@pytest.mark.parametrize("name", ["dropout", "l2"])
def test_regularizer_presets_rescue(at, name):
    click(at, "overfit")
    overfit = verdicts(at)["this run"]
    click(at, name)
    assert at.toggle(key="compare").value, "the rescue presets switch side by side on"
    figures = assert_page(at, f"{name} preset", runs=("without regularization", "with regularization"))
    found = verdicts(at)
    if name == "dropout":
        assert found["without regularization"] == overfit, "the unregularized run is the overfitting run"
    else:  # the L2 preset trains with η = 0.01 (at 0.02 Adam and L2 collapse the network): it overfits too
        assert "overfitting" in found["without regularization"]
    plain, regular = numbers(found["without regularization"])[2], numbers(found["with regularization"])[2]
    assert regular < plain - 1.0, f"{name}: final validation loss {regular} vs {plain} without"
    gaps = [end - best for _, _, end, best, _ in map(numbers, (found["without regularization"],
                                                               found["with regularization"]))]
    assert gaps[1] < gaps[0] / 5, f"{name}: the validation loss rises {gaps[1]} vs {gaps[0]} without"
    if name == "dropout":  # L2's run rises 0.09 above its best, too close to the verdict's 0.1 to assert
        assert "overfitting" not in found["with regularization"]
    titles = [a["text"] for a in figures["boundary"]["layout"]["annotations"]]
    assert titles == ["without regularization", "with regularization"]
    heatmaps = [t for t in figures["boundary"]["frames"][-1]["data"] if t["type"] == "heatmap"]
    assert len(heatmaps) == 2


def test_early_stopping_preset_stops_early(at):
    history = preset_history("early")
    assert 0 <= history.stopped_at < history.eval_steps[-1], "early stopping triggers before the end"
    assert history.best_step <= history.stopped_at
    click(at, "early")
    figures = assert_page(at, "early preset", runs=("without regularization", "with regularization"))
    text = verdicts(at)["with regularization"]
    assert f"early stopping stops at step {history.stopped_at}" in text
    assert f"keeps the step-{history.best_step} model" in text
    notes = [a["text"] for a in figures["curves"]["layout"]["annotations"]]
    assert f"early stop (with regularization): {history.stopped_at}" in notes
    assert f"best (with regularization): {history.best_step}" in notes
    # The last frame shows the kept (step-best) model: for the stopped run it differs from the
    # step-2000 snapshot before it; for the unregularized run (never stopped) it is that snapshot.
    last, kept = figures["boundary"]["frames"][-2:]
    heat = [[t["z"] for t in frame["data"] if t["type"] == "heatmap"] for frame in (last, kept)]
    assert heat[0][0] == heat[1][0] and heat[0][1] != heat[1][1]


EXTREMES = [
    dict(depth=6, width=32),
    dict(depth=1, width=2, train_steps=500),
    dict(depth=1, width=2, train_steps=500, activation="tanh", dataset="xor", dropout=0.8, lr=0.1),
    dict(depth=1, width=2, train_steps=500, activation="sigmoid", dataset="spiral", l2=0.01, lr=0.001),
    dict(depth=1, width=2, train_steps=500, dataset="gaussians", batch=1),
    dict(depth=1, width=2, train_steps=500, dataset="moons", batch=50),
]


def test_extreme_settings_are_healthy():
    at = fresh()
    for values in EXTREMES:
        select(at, **values)
        figures = assert_page(at, str(values))
        set_now = {w.key: w.value for kind in helpers.WIDGET_KINDS for w in getattr(at, kind)
                   if w.key in values}
        assert set_now == values, "the page kept every extreme value"
        steps = values.get("train_steps", 2000)
        assert [f["name"] for f in figures["boundary"]["frames"][-2:]] == [str(steps), "model kept"]
        assert figures["curves"]["data"][0]["x"][-1] == steps


def test_bogus_query_parameters_fall_back():
    at = fresh({"dataset": "nope", "points": "7", "width": "3", "lr": "abc", "l2": "-1"})
    assert_page(at, "bogus query")
    assert at.selectbox(key="dataset").value == "circle"
    assert at.select_slider(key="points").value == 100
    assert at.select_slider(key="width").value == 32
    assert at.select_slider(key="lr").value == 0.02
    assert at.select_slider(key="l2").value == 0.0
