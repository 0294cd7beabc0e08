"""AppTest runs of the optimizer-race page through the router (app.py): all seven optimizers on every
surface, the per-optimizer settings and their reset, the fair comparison, the view inside the
optimizers at a middle step, a seeded random start shared by every runner, and bogus query parameters.

jax's compiled runs and ``st.cache_data`` live for the whole process, so a fresh AppTest is cheap
once a (surface, optimizer) pair has compiled; the loops rerun one AppTest.
"""

import json
import re

import numpy as np
import pytest
from ui.validate import clip_to_bounds

from engine import random_starts
from landscapes import LANDSCAPES
from optimizers import OPTIMIZERS
from tests.apptest import helpers
from tests.apptest.helpers import assert_healthy, decode, select, widget
from ui import race

PAGE = "pages/optimizer_race.py"
DEFAULT_LANDSCAPE, DEFAULT_STEPS = "rosenbrock", 300
CHARTS = ["contour", "losses", "internals"]
FAIR = "⚖️ Fair comparison"
CHOSEN_RATE = re.compile(r"(\w+) η = (\S+?)(?=[,.]\s|\.$)")


# ---------------------------------------------------------------------------------------------- helpers

def fresh(query=None):
    """A new AppTest on this page, with optional query parameters, after its first run."""
    return helpers.fresh(PAGE, query)


def fair_button(at):
    found = [b for b in at.button if b.label.startswith(FAIR)]
    assert len(found) == 1, [b.label for b in at.button]
    return found[0]


def _no_constants(name):
    raise ValueError(f"{name} in a chart's JSON")


def charts(at):
    """The JSON specs of the page's plotly charts by their key (the element id ends in '-key');
    NaN or Infinity anywhere in a spec fails (browsers' JSON.parse rejects them)."""
    return {chart.proto.id.rsplit("-", 1)[-1]: json.loads(chart.proto.spec, parse_constant=_no_constants)
            for chart in at.get("plotly_chart")}


def paths(at):
    """{optimizer name: its whole plotted path as an (n, 2) array}. A lone runner's trace is called
    just 'whole path': it is keyed by the one name in the table."""
    found = {}
    for t in charts(at)["contour"]["data"]:
        name = str(t.get("name", ""))
        if name == "whole path":
            (name,) = [f"whole path: {row['optimizer']}" for row in table(at)]
        if name.startswith("whole path: "):
            found[name.removeprefix("whole path: ")] = np.stack([decode(t["x"]), decode(t["y"])], 1)
    return found


def table(at):
    """The results table as a list of row dicts, None where pandas shows a missing value."""
    assert len(at.dataframe) == 1
    frame = at.dataframe[0].value
    return [{k: (None if v is None or (isinstance(v, float) and np.isnan(v)) else v) for k, v in row.items()}
            for row in frame.to_dict("records")]


def check_race(at, chosen, context):
    """A drawn race: healthy, three charts, one table row and one finite path per chosen optimizer."""
    assert_healthy(at, context)
    drawn = charts(at)
    assert list(drawn) == CHARTS, (context, list(drawn))
    names = [OPTIMIZERS[k].name for k in chosen]
    assert [row["optimizer"] for row in table(at)] == names, context
    plotted = paths(at)
    assert list(plotted) == names, context
    for name, path in plotted.items():
        assert len(path) >= 1 and np.all(np.isfinite(path)), (context, name)
    return drawn


def rate_key(key):
    return f"race.{key}.learning_rate"


# ------------------------------------------------------------------------------------------ default run


def test_default_race_runs_all_seven():
    at = fresh()
    check_race(at, list(OPTIMIZERS), "default")
    assert [t.value for t in at.title] == ["Optimizer race"]
    assert widget(at, "selectbox", "landscape").value == DEFAULT_LANDSCAPE
    assert widget(at, "slider", "steps").value == DEFAULT_STEPS
    assert widget(at, "multiselect", "race").value == list(OPTIMIZERS)
    for key in OPTIMIZERS:
        assert widget(at, "select_slider", rate_key(key)).value == race.RACE_RATES[key], key
    rows = table(at)
    assert all(row["diverged at step"] is None for row in rows), "the race's rates suit Rosenbrock"
    start = LANDSCAPES[DEFAULT_LANDSCAPE].start
    for name, path in paths(at).items():
        assert len(path) == DEFAULT_STEPS + 1, name
        np.testing.assert_allclose(path[0], start, atol=1e-3, err_msg=name)
    assert not at.info, "no fair-comparison note before the button is pressed"


def test_every_landscape_runs_all_seven():
    at = fresh()
    for key in LANDSCAPES:
        select(at, landscape=key)
        check_race(at, list(OPTIMIZERS), key)  # charts() also rejects NaN in any spec


def test_deselecting_every_optimizer_asks_for_one():
    at = fresh()
    select(at, race=[])
    assert_healthy(at, "none chosen")
    assert any("Pick at least one optimizer" in w.value for w in at.warning)
    assert not at.get("plotly_chart") and not at.dataframe
    select(at, race=["adam", "sgd"])
    check_race(at, ["adam", "sgd"], "two chosen")  # in the order they were picked


# ------------------------------------------------------------------------------------ settings, reset


def test_a_hyperparameter_moves_only_its_own_optimizer():
    at = fresh()
    before = paths(at)
    select(at, **{rate_key("adam"): 0.01})
    after = paths(at)
    check_race(at, list(OPTIMIZERS), "adam lr 0.01")
    assert before["Adam"].shape != after["Adam"].shape or not np.allclose(before["Adam"], after["Adam"])
    np.testing.assert_allclose(before["Adam"][0], after["Adam"][0])
    for name in before:
        if name != "Adam":
            np.testing.assert_array_equal(before[name], after[name], err_msg=name)
    select(at, **{"race.adam.b1": 0.5})
    assert not np.allclose(after["Adam"], paths(at)["Adam"]), "b1 changes Adam's path too"


def test_reset_restores_the_defaults():
    at = fresh()
    defaults = {h.name: h.default for h in race.race_specs("adam")}
    select(at, **{rate_key("adam"): 0.001, "race.adam.b1": 0.5, rate_key("sgd"): 0.01})
    assert widget(at, "select_slider", rate_key("adam")).value == 0.001
    at.button(key="reset.adam").click().run()
    assert_healthy(at, "reset adam")
    for name, value in defaults.items():
        assert at.session_state[f"race.adam.{name}"] == pytest.approx(value), name
    assert widget(at, "select_slider", rate_key("adam")).value == race.RACE_RATES["adam"]
    assert widget(at, "select_slider", rate_key("sgd")).value == 0.01, "only Adam is reset"


# ------------------------------------------------------------------------------------- fair comparison


def chosen_rates(note):
    """{optimizer name: rate} from the fair comparison's 'Chosen: SGD η = 0.002, …' sentence."""
    chosen = note.split("Chosen: ", 1)[1]
    return {name: float(rate) for name, rate in CHOSEN_RATE.findall(chosen)}


def test_fair_comparison_tunes_every_rate_and_says_so():
    at = fresh()
    losses_before = {row["optimizer"]: row["final loss"] for row in table(at)}
    fair_button(at).click().run()
    check_race(at, list(OPTIMIZERS), "after tuning")
    notes = [i.value for i in at.info if i.value.startswith("**Fair comparison.**")]
    assert len(notes) == 1, [i.value for i in at.info]
    assert f"after {DEFAULT_STEPS} steps" in notes[0]
    rates = chosen_rates(notes[0])
    assert list(rates) == [OPTIMIZERS[k].name for k in OPTIMIZERS], notes[0]
    for key in OPTIMIZERS:
        slider = widget(at, "select_slider", rate_key(key))
        assert slider.value == pytest.approx(rates[OPTIMIZERS[key].name], rel=1e-6), key
        assert f"{slider.value:.6g}" in slider.options, "the tuned rate is one of the slider's stops"
    rows = table(at)
    assert [row["diverged at step"] for row in rows] == [None] * len(OPTIMIZERS), rows
    for row in rows:  # the tuned rate is the stop with the lowest final loss; the old rate is a stop
        assert row["final loss"] <= losses_before[row["optimizer"]] * (1 + 1e-3) + 1e-6, row
    # The note belongs to this race: another surface hides it, and the sliders keep the tuned rates.
    select(at, landscape="himmelblau")
    check_race(at, list(OPTIMIZERS), "himmelblau after tuning")
    assert not [i.value for i in at.info if i.value.startswith("**Fair comparison.**")]
    assert widget(at, "select_slider", rate_key("adam")).value == pytest.approx(rates["Adam"], rel=1e-6)


def test_fair_comparison_note_goes_when_the_steps_change():
    at = fresh()
    select(at, race=["adam", "sgd"])
    fair_button(at).click().run()
    assert_healthy(at, "tuned two")
    notes = [i.value for i in at.info if i.value.startswith("**Fair comparison.**")]
    assert len(notes) == 1 and list(chosen_rates(notes[0])) == ["Adam", "SGD"], notes
    select(at, steps=DEFAULT_STEPS - 1)
    assert not [i.value for i in at.info if i.value.startswith("**Fair comparison.**")]


# ------------------------------------------------------------------------------------ inside, stepping


@pytest.mark.parametrize("landscape", ["rosenbrock", "goldstein_price", "saddle"])
def test_internals_at_a_middle_step_have_no_nan(landscape):
    """Goldstein-Price diverges at once for three runners and the saddle sends one off the map: the
    view inside the optimizers must still be plain JSON."""
    at = fresh({"landscape": landscape})
    select(at, inspect=DEFAULT_STEPS // 2)
    drawn = check_race(at, list(OPTIMIZERS), f"{landscape} inspect middle")
    assert widget(at, "slider", "inspect").value == DEFAULT_STEPS // 2
    assert drawn["internals"]["data"], "the internals chart has traces"
    assert any(s.value == f"Inside the optimizers at step {DEFAULT_STEPS // 2}" for s in at.subheader)


def test_step_buttons_stay_inside_the_race():
    at = fresh()
    at.button(key="inspect.back").click().run()
    assert widget(at, "slider", "inspect").value == 0
    at.button(key="inspect.next").click().run()
    assert widget(at, "slider", "inspect").value == 1
    select(at, inspect=DEFAULT_STEPS)
    at.button(key="inspect.next").click().run()
    assert widget(at, "slider", "inspect").value == DEFAULT_STEPS
    assert_healthy(at, "stepping")


# ------------------------------------------------------------------------------------------ the start


def test_random_start_is_shared_by_every_runner():
    at = fresh()
    select(at, start_mode="random")
    assert_healthy(at, "random")
    bounds = LANDSCAPES[DEFAULT_LANDSCAPE].bounds
    firsts = []
    for seed in (1, 2):
        select(at, seed=seed)
        check_race(at, list(OPTIMIZERS), f"seed {seed}")
        starts = np.array([path[0] for path in paths(at).values()])
        assert np.all(starts == starts[0]), f"seed {seed}: every path starts at the same point"
        expected, _ = clip_to_bounds(random_starts(seed, 1.0, 1)[0], bounds)
        np.testing.assert_allclose(starts[0], expected, atol=1e-3)
        firsts.append(starts[0])
    assert not np.allclose(firsts[0], firsts[1]), "another seed, another start"


# ---------------------------------------------------------------------------------- server validation


@pytest.mark.parametrize("query, chosen", [
    ({"race": "foo,adam"}, ["adam"]),
    ({"race": "foo"}, list(OPTIMIZERS)),
    ({"landscape": "bar"}, list(OPTIMIZERS)),
    ({"race": "foo,adam", "landscape": "bar"}, ["adam"]),
    ({"race": "momentum,,sgd"}, ["momentum", "sgd"]),
], ids=lambda v: "&".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else None)
def test_bogus_query_params_fall_back(query, chosen):
    at = fresh(query)
    check_race(at, chosen, str(query))
    assert widget(at, "multiselect", "race").value == chosen
    expected_landscape = query["landscape"] if query.get("landscape") in LANDSCAPES else DEFAULT_LANDSCAPE
    assert widget(at, "selectbox", "landscape").value == expected_landscape
    assert at.query_params["race"] == ",".join(chosen), "the URL is rewritten with the valid keys"


# Was an app bug (found here, fixed in 0ad66f2): repeated keys in ?race= reached the multiselect, SGD's
# sliders were drawn twice and the page died with StreamlitDuplicateElementKey.
@pytest.mark.parametrize("query", ["sgd,sgd,momentum", "sgd,,momentum,sgd"])
def test_repeated_optimizer_in_the_query_is_dropped(query):
    at = fresh({"race": query})
    check_race(at, ["sgd", "momentum"], f"race={query}")


def test_each_optimizer_keeps_its_colour_on_every_page():
    from plotting.style import OPTIMIZER_COLOURS

    race_page = charts(fresh())["contour"]
    for key, spec in OPTIMIZERS.items():
        trace = next(t for t in race_page["data"] if t.get("name") == f"whole path: {spec.name}")
        assert trace["line"]["color"] == OPTIMIZER_COLOURS[key]
        single = helpers.fresh(None, {"optimizer": key, "landscape": "quadratic"})
        contour = next(json.loads(c.proto.spec) for c in single.get("plotly_chart")
                       if any(t.get("name") == "whole path" for t in json.loads(c.proto.spec)["data"]))
        whole = next(t for t in contour["data"] if t.get("name") == "whole path")
        assert whole["line"]["color"] == OPTIMIZER_COLOURS[key], key
