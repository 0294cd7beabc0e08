"""AppTest runs of the overfitting page: the default run against a fresh training, every preset doing
what its name says (underfit, overfit, rescue by dropout, L2 and early stopping), checked on the
numbers of fresh trainings; extreme settings and bogus query parameters.

Trainings are cached per settings and compile once per network shape (a few seconds each); a run
with cached settings costs a few milliseconds, a new one about 0.2 s: the preset tests share one
AppTest, the extreme settings another.
"""

import json
import re

import numpy as np
import pytest

from engine.boundary import BOUNDS
from engine.training import train
from models import datasets, mlp
from models.datasets import NAMES
from pages.overfitting import lesson
from plotting import style
from tests.apptest import helpers
from tests.apptest.helpers import WIDGET_KINDS, assert_healthy, decode, figure, select

PAGE = "pages/overfitting/page.py"
NUMBER = r"(-?\d+(?:\.\d+)?)"
VERDICT = re.compile(r"training accuracy (\d+)%, validation accuracy (\d+)%; validation loss " + NUMBER
                     + r" at the end, " + NUMBER + r" at its best \(step (\d+)\)")
PAIR = ("without regularization", "with regularization")
DEFAULTS = dict(lesson.OVERFIT, data_seed=0, patience=10, log_loss=False)
GRID = 40  # the boundary's grid (engine.boundary's default size)
PRINTED = 5e-4  # the verdict prints losses to 3 decimals: half a unit of the last digit
TWO_IN_A_HUNDRED = 0.015  # accuracies are printed as whole per cents: half a per cent, and float32


def fresh(query=None):
    """A new AppTest on this page, with optional query parameters, after its first run."""
    return helpers.fresh(PAGE, query, timeout=180)


def components(at):
    """The keys of the page's components, in order."""
    return [json.loads(c.proto.json_args)["key"] for c in at.get("component_instance")]


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
    return at.button(key=f"preset.{name}").click().run()


def settings_of(at):
    """The page's settings as lesson.training reads them, from the session (what the widgets hold)."""
    state = at.session_state
    keys = ("dataset", "points", "noise", "data_seed", "depth", "width", "activation", "lr", "batch",
            "train_steps", "dropout", "l2", "early", "patience")
    return {key: state[key] for key in keys}


def history_of(s, regularized=True):
    """A fresh training of settings ``s`` (as the page trains them), or of the same run without
    dropout, L2 and early stopping."""
    x, y = datasets.make(s["dataset"], s["data_seed"], s["points"], s["noise"])
    train_set, val_set = datasets.split(x, y, lesson.VALIDATION_FRACTION, s["data_seed"])
    on = regularized
    return train((2, *([s["width"]] * s["depth"]), 1), s["activation"], "adam", {"learning_rate": s["lr"]},
                 train_set, val_set, steps=s["train_steps"], batch_size=s["batch"], seed=s["data_seed"],
                 dropout_rate=s["dropout"] if on else 0.0, l2=s["l2"] if on else 0.0,
                 patience=s["patience"] if on and s["early"] else lesson.NO_STOP, eval_every=20, snapshots=21)


def preset_history(name, regularized=True):
    """A fresh training of a preset (data seed 0, the default patience where the preset names none)."""
    return history_of(dict(DEFAULTS, **lesson.PRESETS[name][1]), regularized)


KEPT = re.compile(r"kept the step-(\d+) model: training accuracy (\d+)%, validation accuracy (\d+)%, "
                  r"validation loss " + NUMBER)


def assert_kept_model_is(text, history, context):
    """An early-stopped run's verdict gives the kept (best-validation) model's numbers, as printed."""
    match = KEPT.search(text)
    assert match, f"{context}: {text}"
    step, train_acc, val_acc, loss = match.groups()
    best = list(history.eval_steps).index(history.best_step)
    assert int(step) == int(history.best_step), context
    assert int(train_acc) / 100 == pytest.approx(float(history.train_accuracy[best]), abs=TWO_IN_A_HUNDRED)
    assert int(val_acc) / 100 == pytest.approx(float(history.val_accuracy[best]), abs=TWO_IN_A_HUNDRED)
    assert float(loss) == pytest.approx(float(history.val_loss[best]), abs=PRINTED), context


def assert_verdict_is(text, history, context):
    """The verdict's numbers are the training's, as printed (the kept model's where training stopped)."""
    if history.stopped_at >= 0:
        assert_kept_model_is(text, history, context)
        return
    train_acc, val_acc, end, best, step = numbers(text)
    assert train_acc == pytest.approx(float(history.train_accuracy[-1]), abs=TWO_IN_A_HUNDRED), context
    assert val_acc == pytest.approx(float(history.val_accuracy[-1]), abs=TWO_IN_A_HUNDRED), context
    assert end == pytest.approx(float(history.val_loss[-1]), abs=PRINTED), context
    assert best == pytest.approx(float(history.val_loss.min()), abs=PRINTED), context
    assert step == int(history.best_step), context


def assert_page(at, context, runs=("this run",)):
    """Healthy, both charts drawn, one verdict per run, and the curves chart has two finite traces per
    run; the boundary has one contour per run, a frame per snapshot and one for the model kept."""
    assert_healthy(at, context)
    assert components(at) == ["boundary", "curves"], f"{context}: {components(at)}"
    assert list(verdicts(at)) == list(runs), f"{context}: {verdicts(at)}"
    curves, boundary = figure(at, "curves"), figure(at, "boundary")
    names = [t["name"] for t in curves["data"] if t.get("showlegend", True)]  # a stopped run's faint rest
    assert names == [f"{r}: {kind}" for r in runs for kind in ("training", "validation")], names
    for trace in curves["data"]:
        values = np.array([np.nan if v is None else v for v in trace["y"]], float)
        assert np.isfinite(values).all(), f"{context}: {trace['name']} has a non-finite loss"
    contours = [t for t in boundary["data"] if t["type"] == "contour"]
    assert len(contours) == len(runs), context
    steps = at.session_state["train_steps"]
    assert [f["name"] for f in boundary["frames"]][-2:] == [str(steps), "model kept"], context
    assert len(boundary["frames"]) == 22, context
    assert max(max(t["x"]) for t in curves["data"] if t["name"].startswith(runs[0])) == steps, context
    for trace in contours:
        z = decode(trace["z"])
        assert z.dtype == np.uint8 and z.shape == (GRID, GRID), context
    return boundary, curves


def frame_grids(boundary, frame):
    """The probability grids (uint8, × 255) of one frame, one per panel."""
    return [decode(t["z"]) for t in boundary["frames"][frame]["data"] if t["type"] == "contour"]


def probability_grid(params, activation):
    """p(class 1) × 255 on the boundary's grid, from the network's weights (a fresh forward pass)."""
    xs = np.linspace(BOUNDS[0][0], BOUNDS[0][1], GRID, dtype=np.float32)
    ys = np.linspace(BOUNDS[1][0], BOUNDS[1][1], GRID, dtype=np.float32)
    points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    return np.asarray(mlp.predict_proba(params, points, activation=activation)).reshape(GRID, GRID) * 255


def assert_grid_is(drawn, params, activation, context):
    """A drawn grid is the network's probabilities, rounded to bytes: within one unit (a probability
    at a rounding edge may land either side between two float32 evaluations)."""
    expected = probability_grid(params, activation)
    assert np.abs(drawn.astype(np.float64) - expected).max() <= 1.0, context


def last_snapshot(history):
    """The weights of the last snapshot (the end of training)."""
    return [(w[-1], b[-1]) for w, b in history.snapshots]


@pytest.fixture(scope="module")
def at():
    """One session for the preset tests (the clicks share the cache and the compilations)."""
    return fresh()


# ------------------------------------------------------------------------------------------ default run


def test_default_run_is_the_overfitting_run_and_is_drawn_as_trained(at):
    boundary, curves = assert_page(at, "default")
    assert [t.value for t in at.title] == ["Overfitting & regularization"]
    for key, value in DEFAULTS.items():
        assert at.session_state[key] == value, key
    assert dict(at.query_params) == {}, "a page on its defaults has a bare URL"
    history = history_of(settings_of(at))
    assert_verdict_is(verdicts(at)["this run"], history, "default")
    # Curves: the losses at every evaluation, printed to 5 significant digits (rel 1e-4 covers it).
    assert curves["data"][0]["x"] == np.asarray(history.eval_steps).tolist()
    np.testing.assert_allclose(curves["data"][0]["y"], history.train_loss, rtol=1e-4)
    np.testing.assert_allclose(curves["data"][1]["y"], history.val_loss, rtol=1e-4)
    # The boundary opens on the model kept (the last one: no early stopping), which is the last frame.
    opened = decode(boundary["data"][0]["z"])
    np.testing.assert_array_equal(opened, frame_grids(boundary, -1)[0])
    assert_grid_is(opened, last_snapshot(history), "relu", "default, model kept")
    first = [(w[0], b[0]) for w, b in history.snapshots]
    assert_grid_is(frame_grids(boundary, 0)[0], first, "relu", "default, step 0")


# ------------------------------------------------------------------------------------------- presets


def test_overfitting_preset_overfits(at):
    history = preset_history("overfit")
    gap = float(history.val_loss[-1] - history.val_loss.min())
    assert gap > 0.5, f"validation loss rises {gap:.2f} above its minimum (about 4.6 measured)"
    assert float(history.train_loss[-1]) < 0.05, "the training loss falls to nearly zero"
    assert float(history.train_accuracy[-1]) > float(history.val_accuracy[-1]) + 0.1
    assert history.stopped_at == -1
    click(at, "overfit")
    assert_page(at, "overfit preset")
    text = verdicts(at)["this run"]
    assert "overfitting" in text
    assert_verdict_is(text, history, "overfit preset")


def test_underfitting_preset_underfits(at):
    """Too small a model: it cannot even fit its training data, where the overfitting one fits all."""
    history = preset_history("underfit")
    assert float(history.train_accuracy[-1]) < 0.8, "a 2-unit network cannot fit the spiral"
    assert float(history.train_loss[-1]) > 0.3, "its training loss stays high"
    assert float(preset_history("overfit").train_accuracy[-1]) > 0.95
    click(at, "underfit")
    assert_page(at, "underfit preset")
    assert at.session_state["width"] == 2 and at.session_state["depth"] == 1
    text = verdicts(at)["this run"]
    assert_verdict_is(text, history, "underfit preset")
    # Its validation loss rises too (about 0.27), but a model that cannot fit its own training data is
    # too small, not too big: the verdict must say underfitting, never overfitting.
    assert "**underfitting**" in text and "overfitting**" not in text, text


@pytest.mark.parametrize("name", ["dropout", "l2"])
def test_regularizer_presets_rescue(at, name):
    """With the regularizer the final validation loss is over 1 lower, and it rises less than a fifth
    as much above its best, as without it (which is the overfitting run, at the preset's rate)."""
    plain, regular = preset_history(name, regularized=False), preset_history(name)
    click(at, "overfit")
    overfit = verdicts(at)["this run"]
    click(at, name)
    assert at.toggle(key="compare").value, "the rescue presets switch side by side on"
    boundary, _ = assert_page(at, f"{name} preset", runs=PAIR)
    found = verdicts(at)
    assert_verdict_is(found[PAIR[0]], plain, f"{name} without")
    assert_verdict_is(found[PAIR[1]], regular, f"{name} with")
    if name == "dropout":
        assert found[PAIR[0]] == overfit, "the unregularized run is the overfitting run"
    else:  # the L2 preset trains with η = 0.01 (at 0.02 Adam and L2 collapse the network): it overfits too
        assert "overfitting" in found[PAIR[0]]
    gaps = [float(h.val_loss[-1] - h.val_loss.min()) for h in (plain, regular)]
    assert float(regular.val_loss[-1]) < float(plain.val_loss[-1]) - 1.0, (name, gaps)
    assert gaps[1] < gaps[0] / 5, f"{name}: the validation loss rises {gaps[1]} vs {gaps[0]} without"
    # No worse on validation accuracy, give or take one of its 50 points (0.02).
    assert float(regular.val_accuracy[-1]) >= float(plain.val_accuracy[-1]) - 0.02, name
    titles = [a["text"] for a in boundary["layout"]["annotations"]]
    assert titles == list(PAIR)


def test_a_rescue_that_still_rises_is_compared_with_the_run_without_it(at):
    """Dropout on 50 training points still lets the validation loss rise a little (about 0.17, where the
    unregularized run rises about 4.6): the verdict says so, with the two rises side by side, instead of
    calling the rescue clean or repeating the unregularized numbers."""
    regular, plain = preset_history("dropout"), preset_history("dropout", regularized=False)
    rises = [float(h.val_loss[-1] - h.val_loss.min()) for h in (regular, plain)]
    click(at, "dropout")
    text = verdicts(at)[PAIR[1]]
    assert_verdict_is(text, regular, "dropout with")
    if rises[0] > lesson.OVERFIT_RISE:
        assert f"it rose by {rises[0]:.2f}" in text, text
        ratio = f"{rises[1] / rises[0]:.0f} times less than without regularization (a rise of {rises[1]:.2f})"
        assert ratio in text, text
    else:
        assert "**no overfitting**" in text, text


def test_early_stopping_preset_stops_early(at):
    history, plain = preset_history("early"), preset_history("early", regularized=False)
    assert 0 <= history.best_step < history.stopped_at < history.eval_steps[-1], "it stops before the end"
    assert float(history.val_loss.min()) < float(history.val_loss[-1]) - 1.0, "it stops a real overfitting"
    click(at, "early")
    boundary, curves = assert_page(at, "early preset", runs=PAIR)
    text = verdicts(at)[PAIR[1]]
    assert f"early stopping stopped at step {history.stopped_at}" in text
    # The numbers are the kept model's, not the end of the run's (which the unregularized run shows).
    assert_kept_model_is(text, history, "early preset")
    assert f"would have ended at {float(history.val_loss[-1]):.3f}: **overfitting**" in text
    notes = [a["text"] for a in curves["layout"]["annotations"]]
    assert f"early stop (with regularization): {history.stopped_at}" in notes
    assert f"best (with regularization): {history.best_step}" in notes
    rows = [a["yshift"] for a in curves["layout"]["annotations"]]
    assert len(set(rows)) == len(rows), "labels of nearby steps on rows of their own"
    # Both runs stay visible: the unregularized one whole and wider; the stopped one solid to its
    # stop, then faint (training early stopping did not keep).
    lines = {t["name"]: t for t in curves["data"]}
    plain_val = lines["without regularization: validation"]
    kept_val = lines["with regularization: validation"]
    after = lines["with regularization: validation after the stop (not kept)"]
    assert plain_val["x"][-1] == int(plain.eval_steps[-1])
    assert plain_val["line"]["width"] > kept_val["line"]["width"]
    assert kept_val["x"][-1] == history.stopped_at == after["x"][0] and after["opacity"] < 1
    # The last frame shows the model kept: for the stopped run the best-validation one, which differs
    # from the step-2000 snapshot before it; for the unregularized run (never stopped) that snapshot.
    last_plain, last_stopped = frame_grids(boundary, -2)
    kept_plain, kept_stopped = frame_grids(boundary, -1)
    np.testing.assert_array_equal(kept_plain, last_plain)
    assert not np.array_equal(kept_stopped, last_stopped)
    assert_grid_is(kept_stopped, history.best_params, "relu", "early, model kept")
    assert_grid_is(last_stopped, last_snapshot(history), "relu", "early, step 2000")
    assert_grid_is(kept_plain, last_snapshot(plain), "relu", "early, unregularized")


def test_a_preset_after_edits_sets_every_control_it_names(at):
    select(at, depth=1, width=2, train_steps=500, l2=0.001, early=True)  # a network the extremes train
    assert_page(at, "edited", runs=PAIR if at.session_state["compare"] else ("this run",))
    click(at, "overfit")
    assert_page(at, "overfit again")
    for key, value in lesson.OVERFIT.items():
        assert at.session_state[key] == value, key
    assert dict(at.query_params) == {}, "the overfitting preset is the page's defaults"


# ------------------------------------------------------------------------------------------- extremes


EXTREMES = [
    dict(depth=6, width=32, train_steps=500),
    dict(depth=1, width=2, train_steps=500, points=500, batch=250, noise=0.5),
    dict(depth=1, width=2, train_steps=500, activation="tanh", dataset="xor", dropout=0.8, lr=0.1),
    dict(depth=1, width=2, train_steps=500, activation="sigmoid", dataset="spiral", l2=0.01, lr=0.001),
    dict(depth=1, width=2, train_steps=500, dataset="gaussians", batch=1, noise=0.0),
    dict(depth=1, width=2, train_steps=500, dataset="moons", points=50, batch=25, data_seed=2**31 - 1),
    dict(depth=1, width=2, train_steps=500, early=True, patience=1, log_loss=True),
    dict(depth=1, width=2, train_steps=500, early=True, patience=50, compare=True),
]


def test_extreme_settings_are_healthy():
    at = fresh()
    for values in EXTREMES:
        if "points" in values:  # first: the batch slider's range follows the number of points
            select(at, **{key: value for key, value in values.items() if key != "batch"})
        select(at, **values)
        runs = PAIR if at.session_state["compare"] else ("this run",)
        assert_page(at, str(values), runs=runs)
        set_now = {w.key: w.value for kind in WIDGET_KINDS for w in getattr(at, kind) if w.key in values}
        assert set_now == values, "the page kept every extreme value"
        history = history_of(settings_of(at))
        assert_verdict_is(verdicts(at)[runs[-1]], history, str(values))
        if at.session_state["early"] and at.session_state["patience"] == 1:
            assert history.stopped_at >= 0, "a patience of one evaluation stops early"
        if values.get("log_loss"):
            assert figure(at, "curves")["layout"]["yaxis"]["type"] == "log"


def test_batch_follows_the_training_set_size():
    """The batch slider runs 1 … n_train (half the points): fewer points clamp a larger batch."""
    at = fresh()
    select(at, depth=1, width=2, train_steps=500, points=500)
    select(at, batch=250)
    assert at.slider(key="batch").max == 250
    select(at, points=50)
    assert_page(at, "50 points after a batch of 250")
    assert at.slider(key="batch").max == 25 and at.session_state["batch"] == 25


# ---------------------------------------------------------------------------------- bogus query params


HUGE = "9" * 400  # a whole number past float's range: float() makes it inf
LONG = "1" * 3000  # past the URL text limit
BOGUS = [  # (query, the values that differ from the defaults, the URL written back)
    ({"dataset": "nope", "activation": "softmax", "lr": "abc", "early": "maybe", "compare": ""}, {}, {}),
    ({"noise": "nan", "depth": "NaN", "dropout": "inf", "l2": "-inf", "batch": "nan", "patience": "nan"},
     {}, {}),
    ({"noise": "1e309", "depth": HUGE, "dropout": "1e309", "batch": HUGE, "data_seed": HUGE, "lr": "1e309"},
     {}, {}),
    ({"noise": "", "depth": "", "width": "", "points": "", "train_steps": "", "log_loss": ""}, {}, {}),
    ({"noise": LONG, "dropout": LONG, "points": LONG, "dataset": "circle" * 400}, {}, {}),
    ({"bogus": "1", "preset.overfit": "1", "race": "adam", "step": "3"}, {}, {}),
    # Numbers out of range are clamped, and stops take the nearest stop (in log for positive stops).
    # (The network and data shapes here are ones the extreme settings compiled.)
    ({"points": "7", "width": "1e-9", "depth": "-5", "train_steps": "7", "l2": "-1", "noise": "1e30",
      "patience": "1e30", "dropout": "-1", "data_seed": "-3"},
     {"points": 50, "width": 2, "depth": 1, "train_steps": 500, "noise": 0.5, "patience": 50},
     {"points": 50, "width": 2, "depth": 1, "train_steps": 500, "noise": 0.5, "patience": 50}),
]


def url_values(at_or_url):
    """The URL's values, numbers as floats (how the URL spells a number is ui/state.py's business)."""
    query = at_or_url if isinstance(at_or_url, dict) else dict(at_or_url.query_params)

    def value(text):
        try:
            return float(text)
        except (TypeError, ValueError):
            return text

    return {key: value(text) for key, text in query.items()}


@pytest.mark.parametrize("query, changed, url", BOGUS, ids=[",".join(q)[:60] for q, _, _ in BOGUS])
def test_bogus_query_params_fall_back_quietly(query, changed, url):
    at = fresh(query)
    assert_page(at, str(query)[:200])
    assert not at.warning, [w.value for w in at.warning]
    for key, value in dict(DEFAULTS, **changed).items():
        assert at.session_state[key] == value, (key, at.session_state[key])
    assert at.session_state["dataset"] in NAMES
    assert url_values(at) == url_values(url), "the URL is rewritten with the valid values only"


def test_teal_marks_a_regularized_run_and_grey_a_plain_one():
    """Teal means what the lecture recommends on every page (plotting.style.RECOMMENDED): here a
    regularized network; a run with every regularizer off is grey."""
    at = fresh()
    select(at, dropout=0.0, l2=0.0, early=False, compare=False)
    colours = {t["line"]["color"] for t in figure(at, "curves")["data"]}
    assert colours == {style.PLAIN}, colours
    select(at, dropout=0.2)
    assert {t["line"]["color"] for t in figure(at, "curves")["data"]} == {style.RECOMMENDED}
