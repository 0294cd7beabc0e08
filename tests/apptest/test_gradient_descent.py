"""AppTest runs of the gradient-descent page through the router (app.py, whose default page it is): every
surface and optimizer, extreme widget values, start modes and clicks, server-side checks of session state
and query parameters, the side panel that follows the player's step, and the views below the player.

jax's compiled runs and ``st.cache_data`` live for the whole process, so a fresh AppTest is cheap once a
(surface, optimizer) pair has compiled; the loops rerun one AppTest with changed values.
Set LLL_FULL_MATRIX=1 to run every optimizer on every surface.
"""

import importlib
import inspect
import json
import os
import re

import numpy as np
import pytest

from engine import random_starts
from landscapes import LANDSCAPES
from optimizers import OPTIMIZERS
from tests.apptest import helpers
from tests.apptest.helpers import assert_healthy, component_args, decode, figure, float32s, select, widget
from ui.controls import MAX_STEPS, clean_number, format_number

DEFAULT_LANDSCAPE, DEFAULT_OPTIMIZER, DEFAULT_STEPS = "quadratic", "sgd", 100
STEP_TEXT = re.compile(r"\*\*Step (\d+) of (\d+)\*\* · loss J = `(\S+)` · ‖∇J‖ = `(\S+)`")
DIVERGED = re.compile(r"Diverged at step (\d+)")
RAN_OFF = re.compile(r"Ran off the map at step (\d+)")
STABLE_HINT = re.compile(r"stays finite here is η = (\S+)\.")
VECTOR = re.compile(r"\\begin\{bmatrix\}(\S+) \\\\ (\S+)\\end\{bmatrix\}")


# ---------------------------------------------------------------------------------------------- helpers

def fresh(query=None):
    """A new AppTest of the router (this page is its default), with optional query parameters, run."""
    return helpers.fresh(None, query)


def path(at):
    """The one path the player draws, as (n + 1, 2) float32."""
    runs = helpers.player_runs(at)
    assert len(runs) == 1, len(runs)
    return runs[0]


def player_loss(at):
    """The loss per step the player shows beside the path (float32, as the engine computed it)."""
    return float32s(component_args(at, "player")["figure"]["runs"][0]["loss"])


def chart_keys(at):
    """The keys of every component (player and charts) on the page."""
    return [json.loads(e.proto.json_args).get("key") for e in at.get("component_instance")]


def step_panel(at):
    """(k, last, loss text, gradient-norm text) read from the side panel's '**Step k of last**' line."""
    found = [m for m in map(STEP_TEXT.search, (md.value for md in at.markdown)) if m]
    assert len(found) == 1, [md.value for md in at.markdown]
    k, last, loss, norm = found[0].groups()
    return int(k), int(last), loss, norm


def update_vectors(at):
    """The 2-vectors written in the step panel's equation, in order, as the text the page wrote."""
    equation = at.latex[0].value
    return [match.groups() for match in VECTOR.finditer(equation)]


def warnings(at):
    """Every warning's text."""
    return [w.value for w in at.warning]


def found_step(pattern, at):
    """The step named in the first warning matching ``pattern``, or None."""
    found = [int(m.group(1)) for m in map(pattern.search, warnings(at)) if m]
    return found[0] if found else None


def url(at):
    """The page's query parameters after its run, as {name: last value}."""
    return {k: v[-1] if isinstance(v, list) else v for k, v in dict(at.query_params).items()}


def in_bounds(point, landscape_key):
    """True where the point lies inside the surface's rectangle."""
    (xmin, xmax), (ymin, ymax) = LANDSCAPES[landscape_key].bounds
    return xmin <= point[0] <= xmax and ymin <= point[1] <= ymax


def check_run(at, landscape_key, steps, context):
    """A drawn run is consistent: a healthy page, one finite path whose length matches the step panel and
    the loss curve, cut where a warning says the run diverged or left the map."""
    assert_healthy(at, context)
    drawn = path(at)
    assert np.all(np.isfinite(drawn)), context
    assert in_bounds(drawn[0], landscape_key), context
    k, last, _, _ = step_panel(at)
    assert len(drawn) == last + 1 and 0 <= k <= last, context
    assert len(player_loss(at)) == last + 1, context
    if "loss" in chart_keys(at):
        assert len(decode(figure(at, "loss")["data"][0]["y"])) == last + 1, context
    diverged, ran_off = found_step(DIVERGED, at), found_step(RAN_OFF, at)
    if diverged is not None:
        assert LANDSCAPES[landscape_key].min_value is not None, context
    if ran_off is not None:
        assert LANDSCAPES[landscape_key].min_value is None, context
    stop = diverged if diverged is not None else ran_off
    assert last == (steps if stop is None else stop - 1), context
    assert stop is None or 1 <= stop <= steps, context
    return drawn


def options(at, key):
    """The numeric stops of a select_slider (its options are the formatted labels)."""
    return [float(label) for label in widget(at, "select_slider", key).options]


# ------------------------------------------------------------------------------------------ default run


def test_default_run_draws_the_lesson():
    at = fresh()
    assert_healthy(at, "default run")
    assert [t.value for t in at.title] == ["Gradient descent"]
    assert chart_keys(at) == ["player", "loss"], "the player and the loss curve; no 3D surface unasked"
    assert widget(at, "selectbox", "landscape").value == DEFAULT_LANDSCAPE
    assert widget(at, "selectbox", "optimizer").value == DEFAULT_OPTIMIZER
    drawn = check_run(at, DEFAULT_LANDSCAPE, DEFAULT_STEPS, "default")
    assert helpers.player_names(at) == ["path so far"]
    np.testing.assert_array_equal(drawn[0], np.float32(LANDSCAPES[DEFAULT_LANDSCAPE].start))
    args = component_args(at, "player")
    assert args["step"] == 0 and args["figure"]["clickable"], "opens on step 0; a click sets the start"
    minimum = next(t for t in args["figure"]["static"] if t.get("name") == "global minimum")
    assert list(zip(minimum["x"], minimum["y"], strict=True)) == list(LANDSCAPES[DEFAULT_LANDSCAPE].minima)
    assert step_panel(at)[:2] == (0, DEFAULT_STEPS)
    # Gradient descent goes downhill: the loss curve is the player's loss, and it ends far below its start.
    loss = player_loss(at)
    np.testing.assert_array_equal(decode(figure(at, "loss")["data"][0]["y"]), loss)
    assert loss[-1] < 1e-3 * loss[0]
    # The −∇J arrow of step 0 points along the first step (plain GD: W₁ − W₀ = −η ∇J).
    tips = float32s(args["figure"]["runs"][0]["tips"]).reshape(-1, 2)
    arrow, first = tips[0] - drawn[0], drawn[1] - drawn[0]
    cosine = arrow @ first / np.linalg.norm(arrow) / np.linalg.norm(first)
    assert cosine == pytest.approx(1.0, abs=1e-5)  # float32 points: direction good to ~1e-7
    assert not warnings(at), "the default SGD run on the bowl converges"
    assert url(at) == {}, "defaults stay out of the URL"


# --------------------------------------------------------------------------------- surfaces x optimizers


def test_every_landscape_with_the_default_optimizer():
    at = fresh()
    for key, landscape in LANDSCAPES.items():
        select(at, landscape=key)
        drawn = check_run(at, key, DEFAULT_STEPS, key)
        np.testing.assert_array_equal(drawn[0], np.float32(landscape.start), err_msg=key)
        assert f"**{landscape.name}**" in helpers.texts(at), key
        # The surface's own parameter sliders exist exactly for this surface.
        own = {w.key for w in [*at.slider, *at.select_slider] if w.key.startswith(f"{key}.")}
        assert own == {f"{key}.{h.name}" for h in landscape.params}, key


def test_every_optimizer_on_the_default_landscape_with_its_rule_and_code():
    at = fresh()
    select(at, view="rule")
    for key, spec in OPTIMIZERS.items():
        select(at, optimizer=key)
        check_run(at, DEFAULT_LANDSCAPE, DEFAULT_STEPS, key)
        assert chart_keys(at) == ["player"], key
        sliders = {w.key for w in [*at.slider, *at.select_slider] if w.key.startswith(f"{key}.")}
        assert sliders == {f"{key}.{h.name}" for h in spec.hyperparams}, key
        source = inspect.getsource(importlib.import_module(spec.module)).strip()
        assert [c.value.strip() for c in at.code] == [source] and "def make(" in source, key
        assert spec.latex in [block.value.strip("$\n") for block in at.latex], key


def _pairs():
    """Every non-default optimizer on each surface once (a Latin diagonal), or all pairs on request."""
    keys = [k for k in OPTIMIZERS if k != DEFAULT_OPTIMIZER]
    if os.environ.get("LLL_FULL_MATRIX"):
        return [(land, opt) for land in LANDSCAPES for opt in OPTIMIZERS]
    return [(land, keys[i % len(keys)]) for i, land in enumerate(LANDSCAPES)]


def test_optimizers_across_landscapes():
    at = fresh()
    for landscape_key, optimizer_key in _pairs():
        select(at, landscape=landscape_key, optimizer=optimizer_key)
        check_run(at, landscape_key, DEFAULT_STEPS, f"{landscape_key} x {optimizer_key}")


# --------------------------------------------------------------------------------------- extreme values


def test_extreme_hyperparameters_of_every_optimizer():
    at = fresh()
    select(at, steps=MAX_STEPS)
    for key, spec in OPTIMIZERS.items():
        select(at, optimizer=key)
        for h in spec.hyperparams:
            name = f"{key}.{h.name}"
            slider = widget(at, "select_slider", name)
            if slider is not None:
                assert (slider.options[0], slider.options[-1]) == (format_number(h.min), format_number(h.max))
            else:
                slider = widget(at, "slider", name)
                assert (slider.min, slider.max) == (h.min, h.max), name
            for value in (h.min, h.max):
                select(at, **{name: value})
                check_run(at, DEFAULT_LANDSCAPE, MAX_STEPS, f"{name}={value}")
                assert at.session_state[name] == pytest.approx(value), name
            select(at, **{name: h.default})


def test_step_count_at_its_ends():
    at = fresh()
    slider = widget(at, "slider", "steps")
    assert (slider.min, slider.max) == (1, MAX_STEPS)
    for steps in (1, MAX_STEPS):
        select(at, steps=steps)
        check_run(at, DEFAULT_LANDSCAPE, steps, f"steps={steps}")
        assert step_panel(at)[:2] == (0, steps)


def test_condition_number_and_angle_at_their_ends():
    """SGD at the default rate 0.15 is stable iff 0.15 κ < 2: it converges at κ = 1, diverges at κ = 100."""
    at = fresh()
    stops = options(at, "quadratic.condition")
    assert (stops[0], stops[-1]) == (1.0, 100.0)
    select(at, **{"quadratic.condition": stops[0]})
    check_run(at, "quadratic", DEFAULT_STEPS, "kappa min")
    assert found_step(DIVERGED, at) is None
    select(at, **{"quadratic.condition": stops[-1]})
    check_run(at, "quadratic", DEFAULT_STEPS, "kappa max")
    assert found_step(DIVERGED, at) is not None
    angle = widget(at, "slider", "quadratic.angle")
    for value in (angle.min, angle.max):
        select(at, **{"quadratic.condition": 10.0, "quadratic.angle": value})
        check_run(at, "quadratic", DEFAULT_STEPS, f"angle={value}")


def test_starts_at_the_corners_of_every_landscape():
    at = fresh()
    for key, landscape in LANDSCAPES.items():
        select(at, landscape=key)
        (xmin, xmax), (ymin, ymax) = landscape.bounds
        for corner in ((xmin, ymin), (xmin, ymax), (xmax, ymin), (xmax, ymax)):
            select(at, **{f"x0.{key}": float(corner[0]), f"y0.{key}": float(corner[1])})
            drawn = check_run(at, key, DEFAULT_STEPS, f"{key} from {corner}")
            np.testing.assert_array_equal(drawn[0], np.float32(corner), err_msg=key)


def test_largest_learning_rate_diverges_and_names_a_stable_one():
    at = fresh()
    select(at, **{"sgd.learning_rate": options(at, "sgd.learning_rate")[-1]})
    check_run(at, "quadratic", DEFAULT_STEPS, "lr max")
    diverged = found_step(DIVERGED, at)
    assert diverged is not None, warnings(at)
    assert len(path(at)) == diverged, "the path stops at the last finite point"
    images = component_args(at, "player")["figure"]["layout"]["images"]
    assert [image["source"][:6] for image in images] == ["cache/"], "the surface is still drawn behind it"
    assert [t["name"] for t in figure(at, "loss")["data"]][1:] == [f"diverged at step {diverged}"]
    # The rate the warning suggests is a stop of the slider, and a run at that rate stays finite.
    hint = [m for m in map(STABLE_HINT.search, warnings(at)) if m]
    assert len(hint) == 1, warnings(at)
    stable = float(hint[0].group(1))
    assert stable in options(at, "sgd.learning_rate") and stable < 10.0
    select(at, **{"sgd.learning_rate": stable})
    check_run(at, "quadratic", DEFAULT_STEPS, "the suggested rate")
    assert found_step(DIVERGED, at) is None, warnings(at)


def test_saddle_runs_off_the_map():
    at = fresh()
    select(at, landscape="saddle", steps=MAX_STEPS, **{"sgd.learning_rate": 1.0})
    check_run(at, "saddle", MAX_STEPS, "saddle")
    assert found_step(RAN_OFF, at) is not None, warnings(at)
    assert found_step(DIVERGED, at) is None, "a surface without a minimum does not 'diverge'"


def test_smallest_learning_rate_barely_moves():
    at = fresh()
    lr = options(at, "sgd.learning_rate")[0]
    select(at, **{"sgd.learning_rate": lr, "steps": MAX_STEPS})
    drawn = check_run(at, "quadratic", MAX_STEPS, "lr min")
    assert lr == 1e-4 and not warnings(at)
    assert 0 < np.linalg.norm(drawn[-1] - drawn[0]) < np.linalg.norm(drawn[0])


def _stepped_sliders():
    """(owner key, HyperParam) of every select_slider the page can show."""
    owners = [(k, s.hyperparams) for k, s in OPTIMIZERS.items()] + [
        (k, land.params) for k, land in LANDSCAPES.items()]
    return [(owner, h) for owner, specs in owners for h in specs if h.log or h.near_one]


def test_stop_labels_are_distinct_and_exact():
    """Streamlit maps a select_slider's labels back to values: two stops with one label could not both be
    chosen (this caught Adam's β₂ stops 0.99995 and 0.99999, once both labelled "1")."""
    at = fresh()
    checked = _stepped_sliders()
    assert len(checked) >= 10 and ("adam", "b2") in {(owner, h.name) for owner, h in checked}
    for owner, spec in checked:
        select(at, **({"optimizer": owner} if owner in OPTIMIZERS else {"landscape": owner}))
        labels = widget(at, "select_slider", f"{owner}.{spec.name}").options
        assert len(set(labels)) == len(labels), (owner, spec.name, labels)
        assert float(labels[0]) == pytest.approx(spec.min, rel=1e-9, abs=1e-12), (owner, spec.name)
        assert float(labels[-1]) == pytest.approx(spec.max, rel=1e-9), (owner, spec.name)


# ------------------------------------------------------------------------------- the path and its start


def test_learning_rate_changes_the_plotted_path():
    at = fresh()
    select(at, **{"sgd.learning_rate": 0.01})
    slow = path(at).astype(np.float64)
    select(at, **{"sgd.learning_rate": 0.1})
    fast = path(at).astype(np.float64)
    assert slow.shape == fast.shape == (DEFAULT_STEPS + 1, 2)
    np.testing.assert_array_equal(slow[0], fast[0])
    assert not np.allclose(slow, fast)
    # Plain gradient descent: the first step is −η g, so its length scales with the rate. The points are
    # float32 (relative error ~1e-7 on steps of length 0.3 and 3 from a start of size 3).
    ratio = np.linalg.norm(fast[1] - fast[0]) / np.linalg.norm(slow[1] - slow[0])
    assert ratio == pytest.approx(10.0, rel=1e-5)


def test_typed_start_is_the_first_point():
    at = fresh()
    assert any("click anywhere on the plot" in c.value for c in at.caption)
    select(at, **{"x0.quadratic": 1.3, "y0.quadratic": -0.7})
    np.testing.assert_array_equal(path(at)[0], np.float32((1.3, -0.7)))
    select(at, landscape="rosenbrock")
    select(at, **{"x0.rosenbrock": -1.0, "y0.rosenbrock": 2.5})
    np.testing.assert_array_equal(path(at)[0], np.float32((-1.0, 2.5)))
    assert float(url(at)["x0.rosenbrock"]) == -1.0 and "x0.quadratic" not in url(at), "the shown surface's"


def test_random_start_follows_the_seed_with_seed_and_sigma_at_their_ends():
    at = fresh()
    select(at, start="random")
    assert_healthy(at, "random")
    assert widget(at, "number_input", "x0.quadratic") is None, "typed boxes hidden in random mode"
    seed, sigma = widget(at, "number_input", "seed"), widget(at, "number_input", "sigma")
    assert (seed.min, seed.max, sigma.min, sigma.max) == (0, 2**31 - 1, 0.01, 10.0)

    def first_point(seed, sigma=1.0):
        select(at, seed=seed, sigma=sigma)
        check_run(at, "quadratic", DEFAULT_STEPS, f"seed {seed}, sigma {sigma}")
        return path(at)[0]

    one, two, one_again = first_point(1), first_point(2), first_point(1)
    assert not np.array_equal(one, two)
    np.testing.assert_array_equal(one, one_again)
    np.testing.assert_array_equal(one, random_starts(1, 1.0, 1)[0])
    for seed in (0, 2**31 - 1):
        np.testing.assert_array_equal(first_point(seed, 0.01), random_starts(seed, 0.01, 1)[0])
        assert not any("moved to its edge" in c.value for c in at.caption)
        wide = first_point(seed, 10.0)  # ten standard deviations of 10 leave [-3, 3]² unless both |z| < 0.3
        expected = np.clip(random_starts(seed, 10.0, 1)[0], -3.0, 3.0)
        np.testing.assert_array_equal(wide, expected)
        moved = not np.array_equal(expected, random_starts(seed, 10.0, 1)[0])
        assert moved == any("moved to its edge" in c.value for c in at.caption), seed


# ---------------------------------------------------------------------------------- clicks on the player


def report(at, **value):
    """Send what the player sends from the browser (a step it settled on, a click) and run the page.

    AppTest cannot drive a custom component: the value goes in with the other widgets' states, as the
    browser's would, through AppTest's internals (``_tree``, ``_run``). ``reset`` defaults to the token
    the player was drawn with.
    """
    element = next(e for e in at.get("component_instance")
                   if json.loads(e.proto.json_args).get("key") == "player")
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = element.proto.id
    state.json_value = json.dumps({"reset": component_args(at, "player")["reset"], **value})
    return at._run(states)


def test_a_click_on_the_plot_starts_the_run_there():
    at = fresh()
    select(at, start="random")
    report(at, step=12, whole=False, click_seq=1, click=[1.0, -1.5])
    check_run(at, "quadratic", DEFAULT_STEPS, "clicked")
    np.testing.assert_array_equal(path(at)[0], np.float32((1.0, -1.5)))
    assert widget(at, "radio", "start").value == "point", "a click switches to the typed/clicked start"
    assert (at.session_state["x0.quadratic"], at.session_state["y0.quadratic"]) == (1.0, -1.5)
    assert at.session_state["step"] == 12 and step_panel(at)[0] == 12
    report(at, step=3, click_seq=2, click=[50.0, -1e9])  # outside the plot: moved to its edge
    np.testing.assert_array_equal(path(at)[0], np.float32((3.0, -3.0)))
    report(at, step=5, click_seq=3, click=[0.5, 0.5], reset="stale")  # sent before the view changed
    np.testing.assert_array_equal(path(at)[0], np.float32((3.0, -3.0)))
    assert at.session_state["step"] == 3
    report(at, step=7, click_seq=4, click=[float("nan"), 1.0])  # not a point: ignored
    np.testing.assert_array_equal(path(at)[0], np.float32((3.0, -3.0)))
    # Forged values from the browser: each ignored, none raises, the run stays where it was.
    for seq, (step, click) in enumerate([("abc", ["abc", 1]), (True, [5]), (-7, "x"), (10**9, {"x": 1}),
                                         (None, [1.0, float("inf")]), (2.5, [True, 1.0])], start=5):
        report(at, step=step, click_seq=seq, click=click)
        assert_healthy(at, f"forged step {step!r}, click {click!r}")
        np.testing.assert_array_equal(path(at)[0], np.float32((3.0, -3.0)))
        assert at.session_state["step"] == 7, "the last valid step, from the report before"
    assert_healthy(at, "after the clicks")


def test_numbers_too_big_for_a_float_are_clamped():
    assert clean_number(10**400, 0.0, 1.0, 0.5) == 0.5, "not a finite float: the default"
    assert clean_number(-(10**400), -1.0, 1.0, 0.0) == 0.0
    assert clean_number("1e309", 0.0, 1.0, 0.5) == 0.5
    assert clean_number(1e300, 0.0, 1.0, 0.5) == 1.0, "a finite float beyond the range: clamped"


# ---------------------------------------------------------------------------------- server validation


@pytest.mark.parametrize("value", [1e9, -1e9])
def test_out_of_range_values_in_session_state_stay_in_bounds(value):
    at = fresh()
    for key in ("x0.quadratic", "y0.quadratic", "steps", "sgd.learning_rate", "quadratic.angle", "step"):
        at.session_state[key] = value
    at.run()
    drawn = check_run(at, "quadratic", at.session_state["steps"], f"session state {value}")
    assert 1 <= at.session_state["steps"] <= MAX_STEPS
    assert 1e-4 <= at.session_state["sgd.learning_rate"] <= 10.0
    assert in_bounds(drawn[0], "quadratic")
    select(at, **{"x0.quadratic": value})
    assert_healthy(at, "set_value beyond the bounds")
    assert in_bounds(path(at)[0], "quadratic")


def test_out_of_range_seed_and_sigma_in_session_state():
    at = fresh()
    select(at, start="random")
    at.session_state["seed"] = -3
    at.session_state["sigma"] = 1e6
    at.run()
    check_run(at, "quadratic", DEFAULT_STEPS, "seed -3, sigma 1e6")


def widget_values(at):
    """Every keyed widget's value by key."""
    return {w.key: w.value for kind in helpers.WIDGET_KINDS for w in getattr(at, kind) if w.key}


def numeric_end(w, top):
    """A numeric widget's largest (``top``) or smallest value; None for widgets that are not numbers."""
    kind = type(w).__name__
    if kind == "SelectSlider":
        return float(w.options[-1 if top else 0])
    if kind in ("Slider", "NumberInput"):
        return w.max if top else w.min
    return None


NOT_NUMBERS = {"nan": "nan", "NaN": "NaN", "inf": "inf", "-inf": "-inf", "1e309": "1e309",
               "-1e309": "-1e309", "empty": "", "word": "abc", "long": "7" * 5000, "10^400": "1" + "0" * 400,
               "attribute": "__class__"}


@pytest.mark.parametrize("text", NOT_NUMBERS.values(), ids=NOT_NUMBERS.keys())
def test_query_params_that_are_no_numbers_fall_back_to_the_defaults(text):
    defaults = widget_values(fresh())
    at = fresh({key: text for key in [*defaults, "step"]})
    check_run(at, DEFAULT_LANDSCAPE, DEFAULT_STEPS, repr(text[:20]))
    assert widget_values(at) == defaults
    assert at.session_state["step"] == 0 and url(at) == {}, "the bogus values leave the URL"


@pytest.mark.parametrize("top", [True, False], ids=["huge", "-huge"])
def test_huge_integers_in_query_params_are_clamped(top):
    default = fresh()
    huge = ("" if top else "-") + "1" + "0" * 30
    at = fresh({key: huge for key in [*widget_values(default), "step"]})
    assert_healthy(at, huge)
    for key, w in widget_values(default).items():
        end = numeric_end(helpers.find(default, key), top)
        assert widget_values(at)[key] == (w if end is None else end), key
    k, last, _, _ = step_panel(at)
    assert k == last, "step 1000 (or −1: the end) shows the run's last step"
    assert set(url(at)) <= {*widget_values(at), "step"}


def test_unknown_keys_and_other_pages_keys_are_ignored():
    defaults = widget_values(fresh())
    query = {"nonsense": "1", "sgd.learning_rate.x": "2", "lr.small": "0.001", "schedule": "cosine",
             "eta": "5", "race": "adam", "x0.trap": "1", "w1": "2", "landscape": ["booth", "nowhere"]}
    at = fresh(query)
    check_run(at, DEFAULT_LANDSCAPE, DEFAULT_STEPS, "foreign keys")
    assert widget_values(at) == defaults
    assert url(at) == {}, "keys this page does not know leave its URL"


def test_valid_query_params_are_honoured():
    at = fresh({"landscape": "rosenbrock", "optimizer": "adam", "steps": "250", "adam.b1": "0.95",
                "x0.rosenbrock": "0.5", "step": "40", "view": "surface", "log_loss": "1"})
    check_run(at, "rosenbrock", 250, "valid query")
    assert widget(at, "selectbox", "landscape").value == "rosenbrock"
    assert widget(at, "selectbox", "optimizer").value == "adam"
    assert widget(at, "select_slider", "adam.b1").value == 0.95
    assert path(at)[0][0] == np.float32(0.5)
    assert step_panel(at)[0] == 40 and component_args(at, "player")["step"] == 40
    assert chart_keys(at) == ["player", "surface"]
    assert url(at)["step"] == "40" and url(at)["view"] == "surface"


# ------------------------------------------------------------------------------------- the step panel


def written(point):
    """A point as the panel writes it: 4 significant digits of the float32 numbers the player draws."""
    return tuple(f"{v:.4g}" for v in point)


def _four_digits(text, expected, scale):
    """A number written with 4 significant digits is within half a unit of its 4th digit of ``expected``,
    plus float32 noise on a difference of points (``scale``: the size of the numbers subtracted)."""
    assert float(text) == pytest.approx(expected, rel=5.01e-4, abs=1e-6 * float(scale)), (text, expected)


def test_step_panel_follows_the_step_field():
    at = fresh()
    drawn, loss, rate = path(at), player_loss(at), 0.15
    for k in (0, 7, 42, DEFAULT_STEPS - 1):
        at.session_state["step"] = k
        at.run()
        assert_healthy(at, f"step {k}")
        shown, last, loss_text, norm_text = step_panel(at)
        assert (shown, last) == (k, DEFAULT_STEPS) and loss_text == f"{loss[k]:.6g}"
        next_point, point, grad = update_vectors(at)
        assert point == written(drawn[k]) and next_point == written(drawn[k + 1])
        # Plain GD: the gradient written is (W_k − W_k+1) / η.
        expected = (drawn[k].astype(np.float64) - drawn[k + 1]) / rate
        for text, value in zip(grad, expected, strict=True):
            _four_digits(text, value, np.abs(drawn[k]).max() / rate)
        _four_digits(norm_text, np.hypot(*expected), np.abs(drawn[k]).max() / rate)
        assert url(at).get("step") == (str(k) if k else None)
    assert component_args(at, "player")["step"] == 0, "the player keeps its own step; it is not sent back"


def test_step_panel_of_another_rule_writes_the_step_it_took():
    at = fresh()
    select(at, optimizer="momentum")
    drawn = path(at)
    at.session_state["step"] = 5
    at.run()
    next_point, point, step, plain = update_vectors(at)
    assert point == written(drawn[5]) and next_point == written(drawn[6])
    for text, value in zip(step, drawn[6].astype(np.float64) - drawn[5], strict=True):
        _four_digits(text, value, np.abs(drawn[5]).max())
    assert len(plain) == 2 and "plain GD" in at.latex[0].value


def test_step_beyond_the_run_shows_its_last_step():
    at = fresh()
    drawn = path(at)
    for step in (MAX_STEPS, -1):  # −1 stands for the end of the run
        at.session_state["step"] = step
        at.run()
        assert step_panel(at)[:2] == (DEFAULT_STEPS, DEFAULT_STEPS), step
        assert update_vectors(at)[0] == written(drawn[-1]), "W at the last step"
        assert any("last step shown" in c.value for c in at.caption)
    at.session_state["step"] = 50
    at.run()
    select(at, steps=10)
    assert step_panel(at)[:2] == (10, 10), "a shorter run shows its own last step"


def test_run_that_diverges_at_once_has_one_step():
    """Goldstein-Price from its default start blows up on SGD's first step at η = 10."""
    at = fresh()
    select(at, landscape="goldstein_price", **{"sgd.learning_rate": 10.0})
    check_run(at, "goldstein_price", DEFAULT_STEPS, "zero valid steps")
    assert found_step(DIVERGED, at) == 1 and len(path(at)) == 1
    at.session_state["step"] = 30
    at.run()
    assert_healthy(at, "a step beyond a one-point run")
    assert step_panel(at)[:2] == (0, 0)


# ------------------------------------------------------------------------------ the views below the player


def test_surface_view_is_drawn_only_when_asked_and_follows_the_step():
    at = fresh()
    assert widget(at, "button_group", "view").value == "loss"
    assert "surface" not in chart_keys(at)
    select(at, view="surface")
    assert_healthy(at, "surface view")
    assert chart_keys(at) == ["player", "surface"], "the loss curve leaves when the 3D view is asked"
    drawn = path(at)
    for k in (0, 23):
        at.session_state["step"] = k
        at.run()
        fig = figure(at, "surface")
        assert [t["type"] for t in fig["data"]] == ["surface", "scatter3d", "scatter3d"]
        marker = fig["data"][2]
        assert marker["name"] == f"step {k}"
        assert (marker["x"][0], marker["y"][0]) == (float(drawn[k][0]), float(drawn[k][1]))
        # The path on the surface is rounded to 4 decimals for a plot 6 wide (``plotting.frames.rounded``).
        np.testing.assert_allclose(fig["data"][1]["x"], drawn[:, 0], rtol=0, atol=5.01e-5)
    assert url(at)["view"] == "surface"
    select(at, view="rule")
    assert chart_keys(at) == ["player"]
    select(at, view="loss")
    assert chart_keys(at) == ["player", "loss"]


def test_log_loss_axis():
    at = fresh()
    assert figure(at, "loss")["layout"]["yaxis"]["type"] == "linear"
    select(at, log_loss=True)
    assert_healthy(at, "log loss")
    fig = figure(at, "loss")
    assert fig["layout"]["yaxis"]["type"] == "log"
    assert np.all(decode(fig["data"][0]["y"]) > 0)
    select(at, landscape="saddle")  # no minimum: J goes negative, the gap to min J is drawn instead
    assert_healthy(at, "log loss on the saddle")
    assert np.all(decode(figure(at, "loss")["data"][0]["y"]) > 0)
    assert url(at)["log_loss"] == "1"
