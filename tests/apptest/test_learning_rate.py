"""AppTest runs of the learning-rate page through the router (app.py): the three regimes and their
verdicts, the lecture's presets, every surface, optimizer and schedule, extreme rates and step counts,
the quadratic bowl's theory against the sweep, the step buttons and bogus query parameters.

jax's compiled runs and ``st.cache_data`` live for the whole process, so a fresh AppTest is cheap
once a (surface, optimizer, steps) combination has compiled; the loops rerun one AppTest.
"""

import json
import re

import numpy as np
import pytest

from engine import SCHEDULES
from landscapes import LANDSCAPES
from optimizers import OPTIMIZERS
from tests.apptest import helpers
from tests.apptest.helpers import assert_healthy, decode, select, widget
from ui import lr_lesson

PAGE = "pages/learning_rate.py"
DEFAULTS = dict(landscape="trap", optimizer="sgd", schedule="constant", steps=200)
REGIMES = ("small", "large", "stable")
VERDICT = re.compile(r"^\*\*(Small|Large|Stable)\*\* η = (\S+): (.*)\.$")
THEORY = re.compile(r"λmin = (\S+) and λmax = (\S+)\. .*η < 2/λmax = \*\*(\S+)\*\*.*"
                    r"2/\(λmin \+ λmax\) = \*\*(\S+)\*\*")
SCHEDULE_CHART = "schedule_chart"


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


def charts(at):
    """The JSON specs of the page's plotly charts by their key (the element id ends in '-key')."""
    return {chart.proto.id.rsplit("-", 1)[-1]: json.loads(chart.proto.spec)
            for chart in at.get("plotly_chart")}


def whole_path(spec, regime):
    """The plotted whole path of one regime's panel as an (n, 2) array."""
    found = [t for t in spec["data"] if str(t.get("name", "")).startswith(f"whole path: {regime} η = ")]
    assert len(found) == 1, [t.get("name") for t in spec["data"]]
    return np.stack([decode(found[0]["x"]), decode(found[0]["y"])], axis=1).astype(np.float64)


def verdicts(at):
    """{regime: (rate text, verdict text)} from the three '**Small** η = …: …' markdowns."""
    found = {}
    for markdown in at.markdown:
        match = VERDICT.match(markdown.value)
        if match:
            found[match.group(1).lower()] = (match.group(2), match.group(3))
    return found


def check_page(at, context):
    """A drawn lesson: healthy, the panels and sweep charts, and one verdict per regime."""
    assert_healthy(at, context)
    drawn = charts(at)
    assert {"panels", "sweep"} <= set(drawn), (context, list(drawn))
    assert set(verdicts(at)) == set(REGIMES), (context, [m.value for m in at.markdown])
    for regime in REGIMES:
        assert np.all(np.isfinite(whole_path(drawn["panels"], regime))), (context, regime)
    return drawn


# ------------------------------------------------------------------------------------------ default run


def test_default_run_draws_three_regimes_and_the_sweep():
    at = fresh()
    drawn = check_page(at, "default")
    assert [t.value for t in at.title] == ["Setting the learning rate"]
    assert list(drawn) == ["panels", "sweep"], "no schedule chart for a constant rate"
    for key, value in DEFAULTS.items():
        assert at.session_state[key] == value, key
    found = verdicts(at)
    for regime in REGIMES:
        rate = widget(at, "select_slider", f"lr.{regime}").value
        assert found[regime][0] == f"{rate:.3g}", regime
        assert f"{regime} η = {rate:.3g}" in {t.get("name") for t in drawn["panels"]["data"]}
    assert not at.info, "no lecture sentence before a preset is chosen"
    # All three panels start at the same typed start.
    start = (widget(at, "number_input", "x0.trap").value, widget(at, "number_input", "y0.trap").value)
    for regime in REGIMES:
        np.testing.assert_allclose(whole_path(drawn["panels"], regime)[0], start, atol=1e-3)


# --------------------------------------------------------------------------------------------- presets


PRESET_VERDICTS = {"small": ("small", "stuck in a false minimum"), "large": ("large", "diverged at step"),
                   "stable": ("stable", "reached the global minimum")}


def test_presets_show_the_lecture_sentence_and_its_picture():
    at = fresh()
    before = charts(at)["panels"]
    # The small preset is the page's default view, so click it last: every click then changes the chart.
    for name in ("large", "stable", "small"):
        click(at, f"preset.{name}")
        drawn = check_page(at, f"preset {name}")
        preset = lr_lesson.PRESETS[name]
        assert [i.value for i in at.info] == [f"**The lecture:** {lr_lesson.SENTENCES[name]}"], name
        assert at.session_state["landscape"] == preset["landscape"], name
        assert at.session_state["steps"] == preset["steps"], name
        for regime, rate in preset["rates"].items():
            assert widget(at, "select_slider", f"lr.{regime}").value == pytest.approx(rate), (name, regime)
        regime, words = PRESET_VERDICTS[name]
        assert words in verdicts(at)[regime][1], (name, verdicts(at))
        for path_regime in REGIMES:  # all three runs start at the preset's start
            first = whole_path(drawn["panels"], path_regime)[0]
            np.testing.assert_allclose(first, preset["start"], atol=1e-3, err_msg=path_regime)
        assert drawn["panels"] != before, f"preset {name} left the chart as it was"
        before = drawn["panels"]


# --------------------------------------------------------------------------- surfaces, optimizers, ends


def test_every_landscape_with_the_default_settings():
    at = fresh()
    for key, landscape in LANDSCAPES.items():
        select(at, landscape=key)
        drawn = check_page(at, key)
        for regime in REGIMES:
            np.testing.assert_allclose(whole_path(drawn["panels"], regime)[0], landscape.start, atol=1e-2,
                                       err_msg=key)


def test_every_optimizer_on_the_default_landscape():
    at = fresh()
    for key, spec in OPTIMIZERS.items():
        select(at, optimizer=key)
        check_page(at, key)
        for h in spec.hyperparams:
            shown = any(w.key == f"{key}.{h.name}" for w in [*at.slider, *at.select_slider])
            assert shown == (h.name != "learning_rate"), (key, h.name)


def test_extreme_learning_rates():
    at = fresh()
    for regime in REGIMES:
        stops = options(at, f"lr.{regime}")
        assert (stops[0], stops[-1]) == (1e-4, 10.0), regime
        for rate in (stops[0], stops[-1]):
            select(at, **{f"lr.{regime}": rate})
            check_page(at, f"lr.{regime}={rate}")
            assert verdicts(at)[regime][0] == f"{rate:.3g}"
        select(at, **{f"lr.{regime}": lr_lesson.REGIMES[regime].default})
    # The largest rate blows up on the trap; the smallest crawls.
    select(at, **{"lr.large": 10.0, "lr.small": 1e-4})
    assert "diverged at step" in verdicts(at)["large"][1]
    assert "diverged" not in verdicts(at)["small"][1]


def test_step_count_at_its_ends():
    at = fresh()
    slider = widget(at, "slider", "steps")
    assert (slider.min, slider.max) == (1, 1000)
    for steps in (1, 1000):
        select(at, steps=steps)
        drawn = check_page(at, f"steps={steps}")
        for regime in REGIMES:
            if "diverged" not in verdicts(at)[regime][1]:
                assert len(whole_path(drawn["panels"], regime)) == steps + 1, (steps, regime)


def test_every_schedule_with_its_parameters_at_their_ends():
    at = fresh()
    constant = charts(at)["panels"]
    for kind, schedule in SCHEDULES.items():
        select(at, schedule=kind)
        drawn = check_page(at, kind)
        assert (SCHEDULE_CHART in drawn) == (kind != "constant"), kind
        for h in schedule.params:
            key = f"schedule.{kind}.{h.name}"
            stops = options(at, key) if widget(at, "select_slider", key) else None
            low, high = (stops[0], stops[-1]) if stops else (h.min, h.max)
            # A near-one slider stops short of 1 (its last stop is 0.99999): ends within the spec's range.
            assert low == pytest.approx(h.min) and h.max - 1e-4 <= high <= h.max, (key, low, high)
            for value in (low, high):
                select(at, **{key: value})
                drawn = check_page(at, f"{key}={value}")
                assert SCHEDULE_CHART in drawn, key
                if kind == "step" and h.name == "gamma" and value == low:
                    # eta drops a hundredfold every `every` steps: the paths must differ from constant
                    assert drawn["panels"] != constant, key
            select(at, **{key: h.default})


# Was an app bug (found here, fixed in 44cf636): the chart had key="schedule", the schedule selectbox's
# key, so every non-constant schedule showed "Sorry, something went wrong while drawing the schedule".
def test_schedule_chart_is_drawn():
    at = fresh()
    select(at, schedule="step")
    assert_healthy(at, "step schedule")
    assert [latex.value.strip("$\n") for latex in at.latex] == [SCHEDULES["step"].latex]
    # The default step decay halves the stable rate every 100 steps, over the 200 steps shown.
    rate = widget(at, "select_slider", "lr.stable").value
    curve = decode(charts(at)[SCHEDULE_CHART]["data"][0]["y"])
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


def theory_lines(spec):
    """The labels of the sweep's '2/λmax' and '2/(λmin+λmax)' lines, and the lines' x (sorted)."""
    texts = [a["text"] for a in spec["layout"]["annotations"] if re.search(r"2/\(?λ", a.get("text", ""))]
    lines = [s["x0"] for s in spec["layout"]["shapes"]
             if s.get("type") == "line" and s.get("line", {}).get("dash") in ("dot", "dashdot")]
    return texts, sorted(lines)


def test_quadratic_theory_matches_the_condition_number():
    at = fresh()
    assert theory_numbers(at) is None, "no theory on the trap"
    select(at, landscape="quadratic")
    for condition in (10.0, 100.0, 1.0):
        select(at, **{"quadratic.condition": condition})
        drawn = check_page(at, f"kappa={condition}")
        low, high, limit, best = theory_numbers(at)
        assert (low, high) == pytest.approx((1.0, condition), rel=1e-3)
        assert limit == pytest.approx(2.0 / condition, rel=1e-3)
        assert best == pytest.approx(2.0 / (1.0 + condition), rel=1e-3)
        texts, lines = theory_lines(drawn["sweep"])
        assert any("2/λmax" in t for t in texts) and any("2/(λmin+λmax)" in t for t in texts), texts
        assert lines == pytest.approx(sorted({2.0 / condition, 2.0 / (1.0 + condition)}), rel=1e-3)
    # Only plain SGD has this theory.
    select(at, optimizer="momentum")
    check_page(at, "momentum on the bowl")
    assert theory_numbers(at) is None
    assert theory_lines(charts(at)["sweep"]) == ([], [])


def test_quadratic_sweep_measures_the_stability_limit():
    """The sweep's measured edge of stability sits at 2/λmax, within one sweep stop (241 rates over
    five decades: a factor 1.05) and the slow growth of a rate barely above the limit."""
    at = fresh()
    select(at, landscape="quadratic")
    note = next(m.value for m in at.markdown if "Theory for this bowl" in m.value)
    match = re.search(r"last stable rate is (\S+) and its first diverging rate (\S+)\.", note)
    assert match, note
    below, above = float(match.group(1)), float(match.group(2))
    limit = theory_numbers(at)[2]
    assert below < above and limit / 1.06 <= below and above <= limit * 1.1, (below, limit, above)


# ---------------------------------------------------------------------------------------------- stepping


def test_step_buttons_move_the_inspected_step_within_the_run():
    at = fresh()
    slider = widget(at, "slider", "inspect")
    last = slider.max
    assert (slider.min, slider.value, last) == (0, 0, DEFAULTS["steps"])
    click(at, "inspect.back")
    assert widget(at, "slider", "inspect").value == 0, "never below 0"
    for expected in (1, 2):
        click(at, "inspect.next")
        assert widget(at, "slider", "inspect").value == expected
    click(at, "inspect.back")
    assert widget(at, "slider", "inspect").value == 1
    select(at, inspect=last)
    click(at, "inspect.next")
    assert widget(at, "slider", "inspect").value == last, "never above the last step"
    click(at, "inspect.back")
    assert widget(at, "slider", "inspect").value == last - 1
    assert_healthy(at, "stepping")


# ---------------------------------------------------------------------------------- server validation


BOGUS_QUERIES = [
    {"landscape": "nope"},
    {"schedule": "nope"},
    {"lr.small": "abc"},
    {"steps": "-1"},
    {"landscape": "nope", "schedule": "nope", "lr.small": "abc", "steps": "-1"},
]


@pytest.mark.parametrize("query", BOGUS_QUERIES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_bogus_query_params_fall_back(query):
    at = fresh(query)
    check_page(at, str(query))
    for key in ("landscape", "optimizer", "schedule"):
        assert widget(at, "selectbox", key).value == DEFAULTS[key], key
    assert widget(at, "slider", "steps").value == DEFAULTS["steps"]
    for regime in REGIMES:
        assert widget(at, "select_slider", f"lr.{regime}").value == lr_lesson.REGIMES[regime].default


def test_valid_query_params_are_honoured():
    at = fresh({"landscape": "quadratic", "schedule": "cosine", "lr.small": "0.001", "steps": "50"})
    assert SCHEDULE_CHART in check_page(at, "valid query")
    assert widget(at, "selectbox", "landscape").value == "quadratic"
    assert widget(at, "selectbox", "schedule").value == "cosine"
    assert widget(at, "select_slider", "lr.small").value == 0.001
    assert widget(at, "slider", "steps").value == 50


def test_the_lecture_note_leaves_once_the_preset_is_changed():
    at = fresh()
    click(at, "preset.small")
    assert any(lr_lesson.SENTENCES["small"] in box.value for box in at.info)
    select(at, **{"lr.small": 0.02})  # the picture no longer is the preset's
    assert not any("The lecture" in box.value for box in at.info)
    click(at, "preset.small")
    assert any(lr_lesson.SENTENCES["small"] in box.value for box in at.info)
