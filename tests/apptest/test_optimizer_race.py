"""AppTest runs of the optimizer-race page through the router (app.py): all seven optimizers on every
surface, drawn by the path player exactly as the engine computes them; the settings of one optimizer
at a time (and of the hidden ones, kept), their reset; the fair comparison, whose tuned rates are the
sliders' stops the race then runs at; the view inside the optimizers following the player's step; a
seeded random start shared by every runner; extreme settings and bogus query parameters.

jax's compiled runs and ``st.cache_data`` live for the whole process, so a fresh AppTest is cheap
once a (surface, optimizer) pair has compiled; the loops rerun one AppTest.
"""

import json
import re

import numpy as np
import pytest

from engine import NEVER, box_for, random_starts, run_single, sweep
from landscapes import LANDSCAPES
from optimizers import OPTIMIZERS
from pages.optimizer_race import lesson
from tests.apptest import helpers
from tests.apptest.helpers import (
    assert_healthy,
    component_args,
    decode,
    figure,
    player_names,
    player_runs,
    select,
    texts,
    trace,
    widget,
)
from ui.controls import MAX_STEPS, format_number
from ui.start import SIGMA, clip_to_bounds

PAGE = "pages/optimizer_race/page.py"
DEFAULT_LANDSCAPE, DEFAULT_STEPS = "rosenbrock", 300
COMPONENTS = ["player", "losses", "internals"]
FAIR = "Fair comparison: tune each learning rate"
NOTE = "**Fair comparison.**"
CHOSEN_RATE = re.compile(r"(?:^|, )([^,]+?) η = (\S+?)(?=[,.]\s|\.$)")
NAMES = [spec.name for spec in OPTIMIZERS.values()]


# ---------------------------------------------------------------------------------------------- helpers


def fresh(query=None):
    """A new AppTest on this page, with optional query parameters, after its first run."""
    return helpers.fresh(PAGE, query)


def fair_button(at):
    """The fair-comparison button (it has no key)."""
    found = [b for b in at.button if b.label == FAIR]
    assert len(found) == 1, [b.label for b in at.button]
    return found[0]


def _no_constants(name):
    """Refuse NaN and Infinity in JSON."""
    raise ValueError(f"{name} in a component's JSON")


def components(at):
    """The arguments of every component on the page by key; NaN or Infinity anywhere fails (the
    browser's JSON.parse rejects them)."""
    found = {}
    for element in at.get("component_instance"):
        args = json.loads(element.proto.json_args, parse_constant=_no_constants)
        found[args["key"]] = args
    return found


def table(at):
    """The results table as a list of row dicts (every cell a string)."""
    assert len(at.table) == 1
    return at.table[0].value.to_dict("records")


def notes(at):
    """The fair-comparison notes on the page."""
    return [i.value for i in at.info if i.value.startswith(NOTE)]


def legend_names(chosen):
    """The player's legend names for a race: the optimizers' names, or "path so far" for a lone runner."""
    return [OPTIMIZERS[k].name for k in chosen] if len(chosen) > 1 else ["path so far"]


def check_race(at, chosen, context):
    """A drawn race: healthy, the player and two charts, one table row, one run and one loss curve
    per chosen optimizer, in the order chosen; every point sent is finite."""
    assert_healthy(at, context)
    assert list(components(at)) == COMPONENTS, (context, list(components(at)))
    names = [OPTIMIZERS[k].name for k in chosen]
    assert [row["optimizer"] for row in table(at)] == names, context
    assert player_names(at) == legend_names(chosen), context
    for name, path in zip(names, player_runs(at), strict=True):
        assert len(path) >= 1 and np.all(np.isfinite(path)), (context, name)
    assert [t["name"] for t in figure(at, "losses")["data"] if t.get("showlegend", True)] == names, context


def url_values(at_or_url):
    """The URL's values, numbers as floats (how the URL spells a number is ui/state.py's business)."""
    query = at_or_url if isinstance(at_or_url, dict) else dict(at_or_url.query_params)

    def value(text):
        try:
            return float(text)
        except ValueError:
            return text

    return {key: value(text) for key, text in query.items()}


def rate_key(key):
    """The session-state and URL key of an optimizer's learning rate in the race."""
    return f"race.{key}.learning_rate"


def race_defaults(key):
    """An optimizer's race settings by default: its own defaults, its race rate."""
    return {h.name: h.default for h in lesson.race_specs(key)}


def shown_slider_values(at, key):
    """Show one optimizer's settings and read its sliders: the values the race really uses."""
    select(at, settings=key)
    return {h.name: widget(at, "select_slider" if h.log or h.near_one else "slider",
                           f"race.{key}.{h.name}").value for h in lesson.race_specs(key)}


def engine_path(landscape_key, optimizer_key, hyperparams, start, steps, theta=None):
    """A fresh engine run of the race (float32, as the engine computes), cut where it diverges."""
    landscape = LANDSCAPES[landscape_key]
    theta = landscape.theta() if theta is None else theta
    run = run_single(landscape.fn_with, optimizer_key, hyperparams, np.asarray(start, np.float32), MAX_STEPS,
                     (np.asarray(theta, np.float32),), box_for(landscape.bounds))
    diverged = int(run.diverged_at)
    end = diverged if 0 <= diverged <= steps else steps + 1
    return np.asarray(run.params[:end], np.float32), np.asarray(run.loss[:end], np.float64)


def assert_paths_are_the_engines(at, settings, context, landscape=DEFAULT_LANDSCAPE, steps=DEFAULT_STEPS,
                                 start=None, theta=None):
    """Every path the player draws is exactly the engine's run with these settings ({key: {name: value}}):
    the player sends the engine's float32 points unchanged, so no tolerance."""
    start = LANDSCAPES[landscape].start if start is None else start
    assert player_names(at) == legend_names(list(settings)), context
    for (key, hyperparams), drawn in zip(settings.items(), player_runs(at), strict=True):
        expected, _ = engine_path(landscape, key, hyperparams, start, steps, theta)
        np.testing.assert_array_equal(drawn, expected, err_msg=f"{context}: {key}")


# ------------------------------------------------------------------------------------------ default run


def test_default_race_runs_all_seven_as_the_engine_does():
    at = fresh()
    check_race(at, list(OPTIMIZERS), "default")
    assert [t.value for t in at.title] == ["Optimizer race"]
    assert widget(at, "selectbox", "landscape").value == DEFAULT_LANDSCAPE
    assert widget(at, "slider", "steps").value == DEFAULT_STEPS
    assert widget(at, "multiselect", "race").value == list(OPTIMIZERS)
    assert widget(at, "selectbox", "settings").value == next(iter(OPTIMIZERS))
    for key, spec in OPTIMIZERS.items():
        assert at.session_state[rate_key(key)] == spec.race_rate, key
    assert dict(at.query_params) == {}, "a page on its defaults has a bare URL"
    assert all(row["diverged at step"] == "—" for row in table(at)), "the race's rates suit Rosenbrock"
    assert not notes(at), "no fair-comparison note before the button is pressed"
    assert_paths_are_the_engines(at, {k: race_defaults(k) for k in OPTIMIZERS}, "default")
    for path in player_runs(at):
        assert len(path) == DEFAULT_STEPS + 1

    # The loss chart draws J − J* (log axis by default) of the same runs: float32, so rtol 1e-6.
    landscape = LANDSCAPES[DEFAULT_LANDSCAPE]
    losses = figure(at, "losses")
    assert losses["layout"]["yaxis"]["type"] == "log"
    for key, spec in OPTIMIZERS.items():
        _, loss = engine_path(DEFAULT_LANDSCAPE, key, race_defaults(key), landscape.start, DEFAULT_STEPS)
        expected = np.maximum(loss - landscape.min_value, 1e-12)
        np.testing.assert_allclose(decode(trace(losses, spec.name)["y"]), expected, rtol=1e-6, err_msg=key)


def code(at):
    """The source code shown under the rule (st.code drops the file's last newline)."""
    return [c.value.strip() for c in at.code]


def test_the_rule_shown_is_the_one_picked():
    at = fresh()
    assert widget(at, "button_group", "rule").value == "sgd"
    assert code(at) == [OPTIMIZERS["sgd"].source.strip()]
    select(at, rule="adam")
    assert_healthy(at, "rule adam")
    assert code(at) == [OPTIMIZERS["adam"].source.strip()]
    assert [m.value.strip("$\n") for m in at.latex] == [OPTIMIZERS["adam"].latex]
    assert dict(at.query_params) == {"rule": "adam"}
    select(at, race=["momentum", "sgd"])  # Adam is gone from the race: the first chosen rule shows
    assert_healthy(at, "rule of a dropped optimizer")
    assert code(at) == [OPTIMIZERS["momentum"].source.strip()]


def test_every_landscape_runs_all_seven():
    at = fresh()
    for key in LANDSCAPES:
        select(at, landscape=key)
        check_race(at, list(OPTIMIZERS), key)  # components() also rejects NaN anywhere
        start = np.float32(LANDSCAPES[key].start)
        for path in player_runs(at):
            np.testing.assert_array_equal(path[0], start, err_msg=key)


def test_deselecting_every_optimizer_asks_for_one():
    at = fresh()
    select(at, race=[])
    assert_healthy(at, "none chosen")
    assert any("Pick at least one optimizer" in w.value for w in at.warning)
    assert not at.get("component_instance") and not at.table
    assert dict(at.query_params) == {"race": ""}, "the empty race is in the URL"
    select(at, race=["adam", "sgd"])
    check_race(at, ["adam", "sgd"], "two chosen")  # in the order they were picked
    assert widget(at, "selectbox", "settings").options == ["Adam", "Gradient descent"]


def test_colours_are_the_optimizers_own_on_the_race_and_alone():
    """Each optimizer keeps its colour: in the race, and alone on the gradient-descent page."""
    for key, run in zip(OPTIMIZERS, component_args(fresh(), "player")["figure"]["runs"], strict=True):
        assert run["styles"]["trail"]["line"]["color"] == OPTIMIZERS[key].colour, key
    for key, spec in OPTIMIZERS.items():
        single = helpers.fresh(None, {"optimizer": key, "landscape": "quadratic"})
        assert_healthy(single, key)
        (run,) = component_args(single, "player")["figure"]["runs"]
        assert run["styles"]["trail"]["line"]["color"] == spec.colour, key


# ------------------------------------------------------------------------------------ settings, reset


def test_a_hyperparameter_moves_only_its_own_optimizer():
    at = fresh()
    before = dict(zip(NAMES, player_runs(at), strict=True))
    select(at, settings="adam")
    select(at, **{rate_key("adam"): 0.01})
    check_race(at, list(OPTIMIZERS), "adam lr 0.01")
    after = dict(zip(NAMES, player_runs(at), strict=True))
    assert not np.array_equal(before["Adam"], after["Adam"])
    np.testing.assert_array_equal(before["Adam"][0], after["Adam"][0])
    for name in before:
        if name != "Adam":
            np.testing.assert_array_equal(before[name], after[name], err_msg=name)
    select(at, **{"race.adam.b1": 0.5})
    assert not np.array_equal(after["Adam"], player_runs(at)[NAMES.index("Adam")]), "b1 moves Adam too"
    assert url_values(at) == {"settings": "adam", rate_key("adam"): 0.01, "race.adam.b1": 0.5}


def test_hidden_settings_are_kept_and_used():
    """Only one optimizer's sliders are drawn at a time: the others keep (and run at) their values."""
    at = fresh()
    select(at, settings="adam")
    select(at, **{rate_key("adam"): 0.01, "race.adam.b1": 0.5})
    select(at, settings="momentum")
    select(at, **{rate_key("momentum"): 0.000501, "race.momentum.momentum": 0.5})
    select(at, settings="sgd")
    for rerun in range(2):  # Streamlit forgets an undrawn widget's value on the run after it went
        at.session_state["step"] = rerun
        at.run()
        assert widget(at, "select_slider", "race.adam.b1") is None, "Adam's sliders are hidden"
        settings = {k: race_defaults(k) for k in OPTIMIZERS}
        settings["adam"].update(learning_rate=0.01, b1=0.5)
        settings["momentum"].update(learning_rate=0.000501, momentum=0.5)
        assert_paths_are_the_engines(at, settings, f"hidden, rerun {rerun}")
        assert {"race.adam.b1", rate_key("adam"), "race.momentum.momentum"} <= set(at.query_params)
    assert shown_slider_values(at, "adam") == settings["adam"], "the sliders show the kept values"
    assert shown_slider_values(at, "momentum") == settings["momentum"]


def test_reset_restores_the_defaults_of_one_optimizer():
    at = fresh()
    select(at, settings="sgd")
    select(at, **{rate_key("sgd"): 0.01})
    select(at, settings="adam")
    select(at, **{rate_key("adam"): 0.001, "race.adam.b1": 0.5})
    assert [b.key for b in at.button if b.key and b.key.startswith("reset.")] == ["reset.adam"]
    at.button(key="reset.adam").click().run()
    assert_healthy(at, "reset adam")
    assert shown_slider_values(at, "adam") == race_defaults("adam")
    assert shown_slider_values(at, "sgd") == dict(race_defaults("sgd"), learning_rate=0.01), "only Adam"
    settings = {k: race_defaults(k) for k in OPTIMIZERS}
    settings["sgd"]["learning_rate"] = 0.01
    assert_paths_are_the_engines(at, settings, "after the reset")


# --------------------------------------------------------------------------------------------- presets


def preset_button(at, name):
    return next(b for b in at.button if b.key == f"preset.{name}")


def steps_to_minimum(at):
    """{optimizer name: first step within the tolerance of J*, or None} from the results table."""
    column = f"steps to J* + {lesson.TOLERANCE:g}"
    return {row["optimizer"]: None if row[column] == "—" else int(row[column]) for row in table(at)}


def lesson_sentences(at):
    return [i.value for i in at.info if i.value.startswith("**What this race shows.**")]


def result_sentence(at):
    (found,) = [m.value for m in at.markdown if m.value.startswith("**Result.**")]
    return found


@pytest.mark.parametrize("name", list(lesson.PRESETS))
def test_a_preset_sets_every_value_on_the_first_click_and_its_sentence_holds(name):
    """From a page far from the preset (another surface, two optimizers, other rates and steps), one
    click draws exactly the preset's race; the sentence shows while it is on screen."""
    preset = lesson.PRESETS[name]
    at = fresh({"landscape": "himmelblau", "race": "adam,sgd", "steps": "40",
                "race.adam.learning_rate": "0.5", "race.momentum.momentum": "0.5"})
    assert not lesson_sentences(at)
    preset_button(at, name).click().run()
    check_race(at, list(lesson.ALL), name)
    landscape = LANDSCAPES[preset["landscape"]]
    theta = landscape.theta(**preset["theta"])
    settings = {}
    for key in lesson.ALL:
        settings[key] = shown_slider_values(at, key)
        assert settings[key] == {h.name: preset["rates"][key] if h.name == "learning_rate" else h.default
                                 for h in lesson.race_specs(key)}, (name, key)
    assert_paths_are_the_engines(at, settings, name, landscape=landscape.key, steps=preset["steps"],
                                 start=preset["start"], theta=theta)
    assert lesson_sentences(at) == [f"**What this race shows.** {preset['sentence']}"]
    select(at, steps=preset["steps"] - 1)
    assert not lesson_sentences(at), "another step count is not the preset's race"


def test_the_ravine_presets_show_what_their_sentences_say():
    """Along the axes, the per-coordinate methods reach the minimum first and gradient descent not at
    all; turned 45°, momentum (Nesterov) is first and the per-coordinate methods fall behind it."""
    at = fresh()
    preset_button(at, "ravine").click().run()
    along = steps_to_minimum(at)
    gd = OPTIMIZERS["sgd"].name
    assert along[gd] is None
    assert along["Adagrad"] is not None and along["RMSProp"] is not None
    fastest = sorted((step, name) for name, step in along.items() if step is not None)
    assert {name for _, name in fastest[:2]} == {"Adagrad", "RMSProp"}, along
    preset_button(at, "turned").click().run()
    turned = steps_to_minimum(at)
    assert min((step, name) for name, step in turned.items() if step is not None)[1] == "Nesterov", turned
    for method in ("Adagrad", "RMSProp"):
        assert turned[method] > along[method] and turned[method] > turned["Momentum"], (method, turned)


def test_the_valley_preset_shows_momentum_ahead():
    at = fresh({"landscape": "quadratic"})
    preset_button(at, "valley").click().run()
    final = {row["optimizer"]: float(row["final loss"]) for row in table(at)}
    gd = OPTIMIZERS["sgd"].name
    assert final["Momentum"] < final[gd] / 10 and final["Nesterov"] < final[gd] / 10, final


@pytest.mark.parametrize("name", ["ravine", "turned"])
def test_the_ravines_rates_are_what_fair_comparison_picks(name):
    """The presets' rates are not hand-picked: pressing Fair comparison on the preset changes none."""
    at = fresh()
    preset_button(at, name).click().run()
    fair_button(at).click().run()
    (note,) = notes(at)
    picked = chosen_rates(note)
    assert picked == pytest.approx({OPTIMIZERS[key].name: lesson.PRESETS[name]["rates"][key]
                                    for key in lesson.ALL}, rel=1e-3)
    for key in lesson.ALL:
        assert lesson.PRESETS[name]["rates"][key] in lesson.rate_stops(key), (name, key)


def test_the_result_sentence_reads_the_table():
    """Under every race one sentence says who came first, from the same numbers as the table."""
    at = fresh()
    preset_button(at, "ravine").click().run()
    along = steps_to_minimum(at)
    first = sorted((step, name) for name, step in along.items() if step is not None)[:3]
    sentence = result_sentence(at)
    listed = [f"{name} (step {step})" for step, name in first]
    first_three = f"{listed[0]}, {listed[1]} and {listed[2]}"
    assert f"First within {lesson.TOLERANCE:g} of the minimum's loss: {first_three}." in sentence, sentence
    assert f"Not within 200 steps: {OPTIMIZERS['sgd'].name}." in sentence, sentence
    at = fresh()  # Rosenbrock, 300 steps: nobody arrives; the lowest final losses are named
    final = sorted((float(row["final loss"]), row["optimizer"]) for row in table(at))
    sentence = result_sentence(at)
    assert "Nobody came within" in sentence, sentence
    assert f"{final[0][1]} (" in sentence.split("lowest loss")[1], sentence


def test_a_diverging_run_is_named_in_the_result():
    at = fresh({"race": "sgd,adam", "race.sgd.learning_rate": "10"})
    assert_healthy(at, "sgd diverges")
    rows = {row["optimizer"]: row["diverged at step"] for row in table(at)}
    gd = OPTIMIZERS["sgd"].name
    assert rows[gd] != "—"
    assert f"Diverged: {gd} (step {rows[gd]})." in result_sentence(at)


# ------------------------------------------------------------------------------------- fair comparison


def chosen_rates(note):
    """{optimizer name: rate} from the fair comparison's 'Chosen: Gradient descent η = 0.002, …' sentence."""
    chosen = note.split("Chosen: ", 1)[1]
    return {name: float(rate) for name, rate in CHOSEN_RATE.findall(chosen)}


def assert_robust_best(key, rate, landscape_key, start, steps):
    """``rate`` is what the note says: the stop with the lowest final loss after ``steps`` steps among
    the stops whose two neighbours also converge (checked on a fresh sweep of every stop)."""
    landscape, stops = LANDSCAPES[landscape_key], lesson.rate_stops(key)
    others = {n: v for n, v in race_defaults(key).items() if n != "learning_rate"}
    summary = sweep(landscape.fn_with, key, dict(others, learning_rate=np.asarray(stops, np.float32)),
                    np.tile(np.asarray(start, np.float32), (len(stops), 1)), MAX_STEPS,
                    (np.asarray(landscape.theta(), np.float32),), box_for(landscape.bounds),
                    active_steps=steps)
    finite = (summary.diverged_at == NEVER) & np.isfinite(summary.final_loss)
    i = stops.index(rate)
    assert 0 < i < len(stops) - 1, f"{key}: η = {rate} is an end stop, with one neighbour"
    assert finite[i - 1 : i + 2].all(), f"{key}: η = {rate} or a neighbour diverges"
    safe = [j for j in range(1, len(stops) - 1) if finite[j - 1 : j + 2].all()]
    assert summary.final_loss[i] == min(summary.final_loss[j] for j in safe), f"{key}: η = {rate}"


def test_fair_comparison_tunes_each_rate_to_a_stop_and_the_race_runs_at_it():
    at = fresh()
    fair_button(at).click().run()
    check_race(at, list(OPTIMIZERS), "after tuning")
    (note,) = notes(at)
    assert f"after {DEFAULT_STEPS} steps" in note
    assert "51 log-spaced stops from 0.0001 to 10" in note
    rates = chosen_rates(note)
    assert list(rates) == NAMES, note
    used = {}
    for key, spec in OPTIMIZERS.items():
        assert len(lesson.rate_stops(key)) == 51, f"{key}: the note says 51 stops"
        used[key] = shown_slider_values(at, key)  # read from the drawn sliders: what the race uses
        rate = used[key]["learning_rate"]
        assert format_number(rate) in widget(at, "select_slider", rate_key(key)).options, key
        assert rate in lesson.rate_stops(key) and rate == pytest.approx(rates[spec.name], rel=1e-3), key
        assert_robust_best(key, rate, DEFAULT_LANDSCAPE, LANDSCAPES[DEFAULT_LANDSCAPE].start, DEFAULT_STEPS)
    assert_paths_are_the_engines(at, used, "tuned")
    assert [row["diverged at step"] for row in table(at)] == ["—"] * len(OPTIMIZERS)
    # The note belongs to this race: another surface hides it, and the sliders keep the tuned rates.
    select(at, landscape="himmelblau")
    check_race(at, list(OPTIMIZERS), "himmelblau after tuning")
    assert not notes(at)
    assert at.session_state[rate_key("adam")] == used["adam"]["learning_rate"]


def test_fair_comparison_note_goes_when_the_steps_change():
    at = fresh()
    select(at, race=["adam", "sgd"])
    fair_button(at).click().run()
    assert_healthy(at, "tuned two")
    assert [list(chosen_rates(n)) for n in notes(at)] == [["Adam", "Gradient descent"]]
    select(at, steps=DEFAULT_STEPS - 1)
    assert not notes(at)


# ------------------------------------------------------------------------------------- inside, step


@pytest.mark.parametrize("landscape", ["rosenbrock", "goldstein_price", "saddle"])
def test_inside_the_optimizers_follows_the_players_step(landscape):
    """Goldstein-Price diverges at once for some runners and the saddle sends one off the map: the view
    inside the optimizers shows each runner at the step or at its last point, in plain JSON."""
    at = fresh({"landscape": landscape})
    for step in (DEFAULT_STEPS // 2, DEFAULT_STEPS, 0):
        at.session_state["step"] = step
        at.run()
        check_race(at, list(OPTIMIZERS), f"{landscape} step {step}")
        assert [s.value for s in at.subheader][0] == f"Inside the optimizers at step {step}"
        internals = figure(at, "internals")
        for name, path in zip(NAMES, player_runs(at), strict=True):
            x, y = path[min(step, len(path) - 1)]
            hover = trace(internals, f"{name}: origin")["hovertext"][0]
            assert hover.startswith(f"<b>{name}</b> at ({float(x):.4g}, {float(y):.4g})"), (step, hover)
        assert url_values(at).get("step") == (step or None), "the step is in the URL (but for 0)"


# ------------------------------------------------------------------------------------------ the start


def test_random_start_is_shared_by_every_runner():
    at = fresh()
    select(at, start="random")
    assert_healthy(at, "random")
    bounds = LANDSCAPES[DEFAULT_LANDSCAPE].bounds
    firsts = []
    for seed in (1, 2):
        select(at, seed=seed)
        check_race(at, list(OPTIMIZERS), f"seed {seed}")
        starts = np.array([path[0] for path in player_runs(at)])
        assert np.all(starts == starts[0]), f"seed {seed}: every path starts at the same point"
        expected, _ = clip_to_bounds(random_starts(seed, SIGMA[2], 1)[0], bounds)
        np.testing.assert_array_equal(starts[0], np.float32(expected))
        firsts.append(starts[0])
    assert not np.allclose(firsts[0], firsts[1]), "another seed, another start"
    assert_paths_are_the_engines(at, {k: race_defaults(k) for k in OPTIMIZERS}, "seed 2", start=firsts[1])


# ------------------------------------------------------------------------------------- extreme values


def slider_ends(key):
    """Every hyperparameter of an optimizer at its smallest, then at its largest stop."""
    specs = lesson.race_specs(key)
    return [{h.name: h.min for h in specs}, {h.name: h.max for h in specs}]


def test_extreme_settings_are_drawn_even_when_runs_diverge():
    at = fresh()
    diverged = set()
    for key in OPTIMIZERS:
        select(at, settings=key)
        for ends in slider_ends(key):
            select(at, **{f"race.{key}.{name}": value for name, value in ends.items()})
            check_race(at, list(OPTIMIZERS), f"{key} at {ends}")
            assert shown_slider_values(at, key) == ends
            i = NAMES.index(OPTIMIZERS[key].name)
            row, path = table(at)[i], player_runs(at)[i]
            expected, _ = engine_path(DEFAULT_LANDSCAPE, key, ends, LANDSCAPES[DEFAULT_LANDSCAPE].start,
                                      DEFAULT_STEPS)
            np.testing.assert_array_equal(path, expected, err_msg=f"{key} at {ends}")
            if row["diverged at step"] != "—":  # the path stops at its last finite point
                diverged.add(key)
                assert len(path) == int(row["diverged at step"]), (key, row)
                trace(figure(at, "losses"), f"{NAMES[i]} diverged at step {row['diverged at step']}")
    assert "sgd" in diverged, "η = 10 blows plain gradient descent up on Rosenbrock"
    at = fresh()  # the race's own rates: none diverges, so every path is as long as the steps
    for steps in (1, MAX_STEPS):
        select(at, steps=steps)
        check_race(at, list(OPTIMIZERS), f"steps={steps}")
        assert max(len(path) for path in player_runs(at)) == steps + 1


def test_starts_at_the_corners_of_the_plot():
    at = fresh()
    (xmin, xmax), (ymin, ymax) = LANDSCAPES[DEFAULT_LANDSCAPE].bounds
    for x, y in ((xmin, ymin), (xmax, ymax)):
        select(at, **{"x0.rosenbrock": float(x), "y0.rosenbrock": float(y)})
        check_race(at, list(OPTIMIZERS), f"start ({x}, {y})")
        for path in player_runs(at):
            np.testing.assert_array_equal(path[0], np.float32((x, y)))


# ---------------------------------------------------------------------------------- bogus query params


HUGE = "9" * 400  # a whole number past float's range: float() makes it inf
LONG = "1" * 3000  # past the URL text limit
SGD_RATE = {rate_key("sgd"): OPTIMIZERS["sgd"].race_rate}
DEFAULT_VIEW = {"landscape": DEFAULT_LANDSCAPE, "steps": DEFAULT_STEPS, "race": list(OPTIMIZERS),
                "settings": "sgd", "start": "point", "x0.rosenbrock": -1.5, "y0.rosenbrock": 2.0,
                "log_loss": True, "rule": "sgd", "step": 0}
BOGUS = [  # (query, the values that differ from the default view or are checked, the URL written back)
    ({"race": "foo,adam"}, {"race": ["adam"], "settings": "adam", "rule": "adam",
                            rate_key("adam"): OPTIMIZERS["adam"].race_rate}, {"race": "adam"}),
    ({"race": "momentum,,sgd"}, {"race": ["momentum", "sgd"], "settings": "momentum", "rule": "momentum",
                                 rate_key("momentum"): OPTIMIZERS["momentum"].race_rate},
     {"race": "momentum,sgd"}),
    ({"race": "sgd,sgd,momentum"}, {"race": ["sgd", "momentum"], **SGD_RATE}, {"race": "sgd,momentum"}),
    ({"race": "sgd,,momentum,sgd"}, {"race": ["sgd", "momentum"]}, {"race": "sgd,momentum"}),
    ({"landscape": "bar", "settings": "zzz", "rule": "nope", "log_loss": "maybe", "start": ""}, SGD_RATE, {}),
    ({"steps": "nan", "x0.rosenbrock": "inf", "y0.rosenbrock": "-inf", "step": "NaN"}, {}, {}),
    ({"steps": "1e309", "x0.rosenbrock": "1e309", rate_key("sgd"): "1e309", "step": HUGE}, SGD_RATE, {}),
    ({"steps": HUGE, "y0.rosenbrock": "", rate_key("sgd"): "", "step": ""}, SGD_RATE, {}),
    ({"steps": LONG, "x0.rosenbrock": LONG, rate_key("sgd"): "nan", "race": "adam," * 600}, SGD_RATE, {}),
    ({"steps": "1" + "0" * 30, "x0.rosenbrock": "-1e30", rate_key("sgd"): "1e30"},
     {"steps": MAX_STEPS, "x0.rosenbrock": -2.0, rate_key("sgd"): 10.0},
     {"steps": "1000", "x0.rosenbrock": "-2.0", rate_key("sgd"): "10.0"}),
    ({"steps": "-5", rate_key("sgd"): "-1", "step": "1e30"},
     {"steps": 1, rate_key("sgd"): 1e-4, "step": MAX_STEPS},
     {"steps": "1", rate_key("sgd"): "0.0001", "step": "1000"}),
    ({"start": "random", "seed": HUGE, "sigma": "1e309"}, {"start": "random", "seed": 0, "sigma": SIGMA[2]},
     {"start": "random"}),
    ({"start": "random", "seed": "1" + "0" * 30, "sigma": "-inf"},
     {"start": "random", "seed": 2**31 - 1, "sigma": SIGMA[2]}, {"start": "random", "seed": "2147483647"}),
    ({"bogus": "1", "race.sgd.nothing": "2", "x0.himmelblau": "3"}, {}, {}),
]


@pytest.mark.parametrize("query, changed, url", BOGUS, ids=[",".join(q)[:60] for q, _, _ in BOGUS])
def test_bogus_query_params_fall_back_quietly(query, changed, url):
    at = fresh(query)
    expected = dict(DEFAULT_VIEW, **changed)
    if expected["start"] == "random":  # no typed start then
        del expected["x0.rosenbrock"], expected["y0.rosenbrock"]
    chosen = expected["race"]
    check_race(at, chosen, str(query)[:200])
    assert not at.warning, [w.value for w in at.warning]
    for key, value in expected.items():
        assert at.session_state[key] == value, (key, at.session_state[key])
    assert url_values(at) == url_values(url), "the URL is rewritten with the valid values only"


def test_race_of_unknown_optimizers_only():
    """``?race=foo`` names no optimizer at all: the page stays quiet (no exception, no error) and, as
    malformed URL text is ignored (ui/state.py), opens on the default race of all seven."""
    at = fresh({"race": "foo"})
    assert_healthy(at, "race=foo")
    assert widget(at, "multiselect", "race").value == list(OPTIMIZERS), texts(at)
