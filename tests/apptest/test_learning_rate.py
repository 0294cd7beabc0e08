"""AppTest runs of the learning-rate page through the router (app.py): the three regimes and their
verdicts, the lecture's presets, every surface, optimizer and schedule, extreme rates, step counts and
starts, the quadratic bowl's theory against the sweep, the player's step and bogus query parameters.

jax's compiled runs and ``st.cache_data`` live for the whole process, so a fresh AppTest is cheap
once a (surface, optimizer) pair has compiled; the loops rerun one AppTest.
"""

import json
import re

import jax.numpy as jnp
import numpy as np
import pytest

from engine import SCHEDULES
from landscapes import LANDSCAPES
from optimizers import OPTIMIZERS
from pages.learning_rate import lesson
from tests.apptest import helpers
from tests.apptest.helpers import assert_healthy, component_args, decode, figure, select, widget
from ui.controls import MAX_STEPS

PAGE = "pages/learning_rate/page.py"
DEFAULTS = dict(landscape="trap", optimizer="sgd", schedule="constant", steps=200)
REGIMES = ("small", "large", "stable")
VERDICT = re.compile(r"^\*\*(Small|Large|Stable)\*\* η = (\S+): (.*)\.$")
THEORY = re.compile(r"λmin = (\S+) and λmax = (\S+)\. .*η < 2/λmax = \*\*(\S+)\*\*.*"
                    r"2/\(λmin \+ λmax\) = \*\*(\S+)\*\*")
SCHEDULE_CHART = "schedule_chart"
TOLERANCE = 1e-3  # the page's: a run reached the minimum when J − J* ≤ 0.001


# ---------------------------------------------------------------------------------------------- helpers

def fresh(query=None):
    """A new AppTest on this page, with optional query parameters, after its first run."""
    return helpers.fresh(PAGE, query)


def options(at, key):
    """The numeric stops of a select_slider (its options are the formatted labels)."""
    return [float(label) for label in widget(at, "select_slider", key).options]


def click(at, key):
    """Click the button with ``key`` and rerun."""
    return at.button(key=key).click().run()


def chart_keys(at):
    """The keys of the page's components (the player and the charts), in order."""
    return [json.loads(e.proto.json_args).get("key") for e in at.get("component_instance")]


def paths(at):
    """{regime: the (n + 1, 2) float32 path its panel draws}."""
    names = helpers.player_names(at)
    assert names == [f"{regime} η" for regime in REGIMES], names
    return dict(zip(REGIMES, helpers.player_runs(at), strict=True))


def verdicts(at):
    """{regime: (rate text, verdict text)} from the three '**Small** η = …: …' markdowns."""
    found = {}
    for markdown in at.markdown:
        match = VERDICT.match(markdown.value)
        if match:
            found[match.group(1).lower()] = (match.group(2), match.group(3))
    return found


def url(at):
    """The page's query parameters after its run, as {name: last value}."""
    return {k: v[-1] if isinstance(v, list) else v for k, v in dict(at.query_params).items()}


def loss_at(at, point):
    """J at ``point`` on the surface the page shows, with its sliders' values (float32, as the engine)."""
    key = at.session_state["landscape"]
    landscape = LANDSCAPES[key]
    theta = landscape.theta(**{h.name: at.session_state[f"{key}.{h.name}"] for h in landscape.params})
    return float(landscape.fn_with(jnp.asarray(point, jnp.float32), theta))


def check_page(at, context):
    """A drawn lesson: healthy; three panels from one start whose lengths and ends match their verdicts;
    the sweep with a dashed line at each regime's rate."""
    assert_healthy(at, context)
    assert chart_keys(at)[:2] == ["player", "sweep"], (context, chart_keys(at))
    key, steps = at.session_state["landscape"], at.session_state["steps"]
    start = np.float32((at.session_state[f"x0.{key}"], at.session_state[f"y0.{key}"]))
    found = verdicts(at)
    assert set(found) == set(REGIMES), (context, [m.value for m in at.markdown])
    runs = component_args(at, "player")["figure"]["runs"]
    assert [run["panel"] for run in runs] == [0, 1, 2], context
    for regime, drawn in paths(at).items():
        rate = at.session_state[f"lr.{regime}"]
        assert found[regime][0] == f"{rate:.3g}", (context, regime)
        assert np.all(np.isfinite(drawn)), (context, regime)
        np.testing.assert_array_equal(drawn[0], start, err_msg=f"{context}, {regime}")
        diverged = re.match(r"diverged at step (\d+)", found[regime][1])
        assert len(drawn) == (int(diverged.group(1)) if diverged else steps + 1), (context, regime)
        if found[regime][1].startswith("reached the global minimum"):
            gap = loss_at(at, drawn[-1]) - LANDSCAPES[key].min_value
            assert gap <= TOLERANCE + 1e-6, (context, regime, gap)  # float32 J near 1: 1e-7
    marks = sorted(s["x0"] for s in figure(at, "sweep")["layout"]["shapes"]
                   if s.get("line", {}).get("dash") == "dash")
    assert marks == sorted(float(f"{at.session_state[f'lr.{r}']:.6g}") for r in REGIMES), context


# ------------------------------------------------------------------------------------------ default run


def test_default_run_draws_three_regimes_and_the_sweep():
    at = fresh()
    check_page(at, "default")
    assert [t.value for t in at.title] == ["Setting the learning rate"]
    assert chart_keys(at) == ["player", "sweep"], "no schedule chart for a constant rate"
    for key, value in DEFAULTS.items():
        assert at.session_state[key] == value, key
    for regime in REGIMES:
        assert at.session_state[f"lr.{regime}"] == lesson.REGIMES[regime].default, regime
    layout = component_args(at, "player")["figure"]["layout"]
    assert [a["text"] for a in layout["annotations"]] == [f"{regime} η" for regime in REGIMES]
    # The page opens on the "small" preset's settings: its sentence shows, and every verdict with it.
    assert [i.value for i in at.info] == [f"**The lecture:** {lesson.SENTENCES['small']}"]
    found = verdicts(at)
    for regime, (_, words) in PRESET_VERDICTS.items():
        assert words in found[regime][1], (regime, found)
    assert any(f"{DEFAULTS['steps']} steps each" in c.value for c in at.caption)
    assert url(at) == {}


# --------------------------------------------------------------------------------------------- presets


PRESET_VERDICTS = {"small": ("small", "stuck in a false minimum"), "large": ("large", "diverged at step"),
                   "stable": ("stable", "reached the global minimum")}


def test_presets_show_the_lecture_sentence_and_its_picture():
    at = fresh()
    before = helpers.player_runs(at)
    # The small preset is the page's default view, so click it last: every click then changes the paths.
    for name in ("large", "stable", "small"):
        at.session_state["step"] = 57
        at.run()
        token = component_args(at, "player")["reset"]
        click(at, f"preset.{name}")
        check_page(at, f"preset {name}")
        preset = lesson.PRESETS[name]
        assert [i.value for i in at.info] == [f"**The lecture:** {lesson.SENTENCES[name]}"], name
        assert at.session_state["landscape"] == preset["landscape"], name
        assert at.session_state["steps"] == preset["steps"], name
        for regime, rate in preset["rates"].items():
            assert widget(at, "select_slider", f"lr.{regime}").value == pytest.approx(rate), (name, regime)
        regime, words = PRESET_VERDICTS[name]
        assert words in verdicts(at)[regime][1], (name, verdicts(at))
        for path_regime, drawn in paths(at).items():  # all three runs start at the preset's start
            np.testing.assert_array_equal(drawn[0], np.float32(preset["start"]), err_msg=path_regime)
        drawn = helpers.player_runs(at)
        assert any(a.shape != b.shape or not np.array_equal(a, b) for a, b in zip(drawn, before, strict=True))
        before = drawn
        # A preset is a new view: the player starts it from step 0, whatever step it was on.
        args = component_args(at, "player")
        assert at.session_state["step"] == 0 and args["step"] == 0 and args["reset"] != token, name


def test_the_lecture_note_leaves_once_the_preset_is_changed():
    at = fresh()
    click(at, "preset.small")
    assert any(lesson.SENTENCES["small"] in box.value for box in at.info)
    select(at, **{"lr.small": 0.02})  # the picture no longer is the preset's
    assert not any("The lecture" in box.value for box in at.info)
    click(at, "preset.small")
    assert any(lesson.SENTENCES["small"] in box.value for box in at.info)


# --------------------------------------------------------------------------- surfaces, optimizers, ends


def test_every_landscape_with_the_default_settings():
    at = fresh()
    for key, landscape in LANDSCAPES.items():
        select(at, landscape=key)
        check_page(at, key)
        assert at.session_state[f"x0.{key}"] == landscape.start[0], key


def test_every_optimizer_with_its_other_settings_at_their_ends():
    at = fresh()
    for key, spec in OPTIMIZERS.items():
        select(at, optimizer=key)
        check_page(at, key)
        others = [h for h in spec.hyperparams if h.name != "learning_rate"]
        shown = {w.key for w in [*at.slider, *at.select_slider] if w.key.startswith(f"{key}.")}
        assert shown == {f"{key}.{h.name}" for h in others}, key
        for end in (0, -1):  # every other slider at its lowest stop together, then at its highest
            values = {f"{key}.{h.name}": (options(at, f"{key}.{h.name}") if h.log or h.near_one
                                          else [h.min, h.max])[end] for h in others}
            if values:
                select(at, **values)
                check_page(at, f"{key} at {values}")
        select(at, **{f"{key}.{h.name}": h.default for h in others})


def test_extreme_learning_rates():
    at = fresh()
    for regime in REGIMES:
        stops = options(at, f"lr.{regime}")
        assert (stops[0], stops[-1]) == (1e-4, 10.0), regime
        for rate in (stops[0], stops[-1]):
            select(at, **{f"lr.{regime}": rate})
            check_page(at, f"lr.{regime}={rate}")
        select(at, **{f"lr.{regime}": lesson.REGIMES[regime].default})
    # The largest rate blows up on the trap; the smallest crawls.
    select(at, **{"lr.large": 10.0, "lr.small": 1e-4})
    assert "diverged at step" in verdicts(at)["large"][1]
    assert verdicts(at)["small"][1].startswith("still on its way")


def test_step_count_at_its_ends():
    at = fresh()
    slider = widget(at, "slider", "steps")
    assert (slider.min, slider.max) == (1, MAX_STEPS)
    for steps in (1, MAX_STEPS):
        select(at, steps=steps)
        check_page(at, f"steps={steps}")  # a path per verdict: steps + 1 points, or up to its divergence
        assert any(f"{steps} steps each" in c.value for c in at.caption), steps


def test_starts_at_the_corners_of_the_trap():
    at = fresh()
    x, y = widget(at, "number_input", "x0.trap"), widget(at, "number_input", "y0.trap")
    assert (x.min, x.max, y.min, y.max) == (-4.0, 4.0, -2.0, 2.0)
    for corner in ((x.min, y.min), (x.min, y.max), (x.max, y.min), (x.max, y.max)):
        select(at, **{"x0.trap": corner[0], "y0.trap": corner[1]})
        check_page(at, f"start {corner}")  # every panel starts at the corner


def test_every_schedule_with_its_parameters_at_their_ends():
    at = fresh()
    constant = helpers.player_runs(at)
    for kind, schedule in SCHEDULES.items():
        select(at, schedule=kind)
        check_page(at, kind)
        assert (SCHEDULE_CHART in chart_keys(at)) == (kind != "constant"), kind
        for h in schedule.params:
            key = f"schedule.{kind}.{h.name}"
            stops = options(at, key) if widget(at, "select_slider", key) else None
            low, high = (stops[0], stops[-1]) if stops else (h.min, h.max)
            # A near-one slider stops short of 1 (its last stop is 0.99999): ends within the spec's range.
            assert low == pytest.approx(h.min) and h.max - 1e-4 <= high <= h.max, (key, low, high)
            for value in (low, high):
                select(at, **{key: value})
                check_page(at, f"{key}={value}")
                assert SCHEDULE_CHART in chart_keys(at), key
                if kind == "step" and h.name == "gamma" and value == low:
                    # η drops a hundredfold every 100 steps: the paths must differ from the constant rate's
                    drawn = helpers.player_runs(at)
                    assert any(a.shape != b.shape or not np.array_equal(a, b)
                               for a, b in zip(drawn, constant, strict=True)), key
            select(at, **{key: h.default})


def test_schedule_chart_is_drawn():
    at = fresh()
    select(at, schedule="step")
    assert_healthy(at, "step schedule")
    assert [latex.value.strip("$\n") for latex in at.latex] == [SCHEDULES["step"].latex]
    # The default step decay halves the stable rate every 100 steps, over the 200 steps shown. The chart
    # rounds to 1e-4 of its top (``plotting.frames.rounded``): 1e-3 relative is plenty.
    rate = widget(at, "select_slider", "lr.stable").value
    curve = decode(figure(at, SCHEDULE_CHART)["data"][0]["y"])
    assert len(curve) == DEFAULTS["steps"]
    np.testing.assert_allclose(curve[[0, 99, 100, 199]], [rate, rate, rate / 2, rate / 2], rtol=1e-3)


# ------------------------------------------------------------------------------------ quadratic theory


def theory_numbers(at):
    """(λmin, λmax, 2/λmax, 2/(λmin+λmax)) read from the 'Theory for this bowl' note, or None."""
    notes = [m.value for m in at.markdown if "Theory for this bowl" in m.value]
    if not notes:
        return None
    assert len(notes) == 1
    match = THEORY.search(notes[0])
    assert match, notes[0]
    return tuple(float(v) for v in match.groups())


def theory_lines(fig):
    """The labels of the sweep's '2/λmax' and '2/(λmin+λmax)' lines, and the lines' x (sorted)."""
    texts = [a["text"] for a in fig["layout"]["annotations"] if re.search(r"2/\(?λ", a.get("text", ""))]
    lines = [s["x0"] for s in fig["layout"]["shapes"]
             if s.get("type") == "line" and s.get("line", {}).get("dash") in ("dot", "dashdot")]
    return texts, sorted(lines)


def test_quadratic_theory_matches_the_condition_number():
    at = fresh()
    assert theory_numbers(at) is None, "no theory on the trap"
    select(at, landscape="quadratic")
    for condition in (10.0, 100.0, 1.0):
        select(at, **{"quadratic.condition": condition})
        check_page(at, f"kappa={condition}")
        low, high, limit, best = theory_numbers(at)
        # The note writes 4 significant digits of float32 Hessian eigenvalues: 1e-3 relative is plenty.
        assert (low, high) == pytest.approx((1.0, condition), rel=1e-3)
        assert limit == pytest.approx(2.0 / condition, rel=1e-3)
        assert best == pytest.approx(2.0 / (1.0 + condition), rel=1e-3)
        texts, lines = theory_lines(figure(at, "sweep"))
        assert any("2/λmax" in t for t in texts) and any("2/(λmin+λmax)" in t for t in texts), texts
        assert lines == pytest.approx(sorted({2.0 / condition, 2.0 / (1.0 + condition)}), rel=1e-3)
    # Only plain SGD has this theory.
    select(at, optimizer="momentum")
    check_page(at, "momentum on the bowl")
    assert theory_numbers(at) is None
    assert theory_lines(figure(at, "sweep")) == ([], [])


def test_quadratic_sweep_measures_the_stability_limit():
    """The sweep's measured edge of stability sits at 2/λmax, within one sweep stop (241 rates over
    five decades: a factor 1.05) and the slow growth of a rate barely above the limit."""
    at = fresh()
    select(at, landscape="quadratic")
    note = next(m.value for m in at.markdown if "Theory for this bowl" in m.value)
    edge = r"had not diverged after these steps is (\S+), the first that had, (\d+(?:\.\d+)?)"
    match = re.search(edge, note)
    assert match, note
    below, above = float(match.group(1).rstrip(",")), float(match.group(2))
    limit = theory_numbers(at)[2]
    assert below < above and limit / 1.06 <= below and above <= limit * 1.1, (below, limit, above)
    # A rate above 2/λmax that had not yet left the plot is not called stable.
    assert ("is not stable" in note) == (below > limit), note


# ------------------------------------------------------------------------------------- the player's step


def test_the_players_step_goes_in_the_link():
    at = fresh()
    at.session_state["step"] = 42
    at.run()
    check_page(at, "step 42")
    assert url(at) == {"step": "42"}
    again = fresh(url(at))
    check_page(again, "opened from the link")
    assert component_args(again, "player")["step"] == 42, "the player opens on the link's step"


# ---------------------------------------------------------------------------------- server validation


def widget_values(at):
    """Every keyed widget's value by key."""
    return {w.key: w.value for kind in helpers.WIDGET_KINDS for w in getattr(at, kind) if w.key}


NOT_NUMBERS = {"nan": "nan", "inf": "inf", "-inf": "-inf", "1e309": "1e309", "empty": "", "word": "abc",
               "long": "7" * 5000, "10^400": "1" + "0" * 400}


@pytest.mark.parametrize("text", NOT_NUMBERS.values(), ids=NOT_NUMBERS.keys())
def test_query_params_that_are_no_numbers_fall_back_to_the_defaults(text):
    defaults = widget_values(fresh())
    at = fresh({key: text for key in [*defaults, "step"]})
    check_page(at, repr(text[:20]))
    assert widget_values(at) == defaults
    assert at.session_state["step"] == 0 and url(at) == {}


@pytest.mark.parametrize("top", [True, False], ids=["huge", "-huge"])
def test_huge_integers_in_query_params_are_clamped(top):
    default = fresh()
    huge = ("" if top else "-") + "1" + "0" * 30
    at = fresh({key: huge for key in [*widget_values(default), "step"]})
    check_page(at, huge)
    for key, value in widget_values(default).items():
        w = helpers.find(default, key)
        kind = type(w).__name__
        if kind == "SelectSlider":
            value = float(w.options[-1 if top else 0])
        elif kind in ("Slider", "NumberInput"):
            value = w.max if top else w.min
        assert widget_values(at)[key] == value, key
    assert at.session_state["step"] == (MAX_STEPS if top else -1), "clamped to the step's range"


def test_unknown_keys_and_other_pages_keys_are_ignored():
    defaults = widget_values(fresh())
    at = fresh({"nonsense": "1", "sgd.learning_rate": "2", "view": "surface", "eta": "5", "w1": "2",
                "race": "adam", "x0.quadratic": "1", "lr.tiny": "0.1", "schedule": ["cosine", "nope"]})
    check_page(at, "foreign keys")
    assert widget_values(at) == defaults
    assert url(at) == {}


def test_valid_query_params_are_honoured():
    at = fresh({"landscape": "quadratic", "schedule": "cosine", "lr.small": "0.001", "steps": "50",
                "schedule.cosine.floor": "0.25", "x0.quadratic": "1.5"})
    check_page(at, "valid query")
    assert SCHEDULE_CHART in chart_keys(at)
    assert widget(at, "selectbox", "landscape").value == "quadratic"
    assert widget(at, "selectbox", "schedule").value == "cosine"
    assert widget(at, "select_slider", "lr.small").value == 0.001
    assert widget(at, "slider", "steps").value == 50
    assert widget(at, "slider", "schedule.cosine.floor").value == 0.25
    assert at.session_state["x0.quadratic"] == 1.5
