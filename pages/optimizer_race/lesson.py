"""The optimizer race's controls and read-outs: which optimizers, their settings, the fair tuning."""

from dataclasses import replace
from typing import NamedTuple

import numpy as np
import streamlit as st

from engine import NEVER, distance_to_nearest, optimizer_internals
from landscapes import LANDSCAPES
from optimizers import OPTIMIZERS
from ui import compute, controls, state, warm

TOLERANCE = 1e-3
# The presets race the lecture's seven optimizers (one added later is in the default race, not in these).
ALL = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam")
RAVINE = dict(landscape="quadratic", start=(-2.5, 2.0), steps=200)  # the bowl at κ = 100, turned or not
# One click each: a race on which one sentence of the lecture is plain to see. The ravines' rates are
# what "Fair comparison" picks for them (tests/apptest/test_optimizer_race.py checks that they still
# are); the valley runs at the race's own starting rates.
PRESETS = {
    "valley": dict(button="Curved valley", landscape="rosenbrock", theta={}, start=(-1.5, 2.0), steps=300,
                   rates={key: OPTIMIZERS[key].race_rate for key in ALL},
                   sentence="A long, curved valley: the gradient points across the valley, not along "
                            "it. Momentum and Nesterov build up speed along the valley's floor; plain "
                            "gradient descent, at a rate its steep walls allow, is still far up the valley."),
    "ravine": dict(RAVINE, button="Ravine along an axis", theta=dict(condition=100.0, angle=0.0),
                   rates=dict(sgd=0.0158, momentum=0.00794, nesterov=0.00794, adagrad=0.794, rmsprop=0.0631,
                              adadelta=0.1, adam=0.126),
                   sentence="Each weight gets its own step size. Here the steep and the flat direction "
                            "are the two weights, so Adagrad and RMSProp take big steps along the flat x "
                            "and small ones along the steep y, while gradient descent's one η must stay "
                            "below 2/100 for the steep direction and crawls along the flat one."),
    "turned": dict(RAVINE, button="The same ravine turned 45°", theta=dict(condition=100.0, angle=45.0),
                   rates=dict(sgd=0.0158, momentum=0.00794, nesterov=0.00794, adagrad=3.98, rmsprop=0.398,
                              adadelta=0.1, adam=3.98),
                   sentence="The same ravine turned by 45°: now both weights share the steep and the "
                            "flat direction, and a step size per weight cannot tell them apart. Adagrad "
                            "and RMSProp fall far behind; Nesterov's momentum arrives first."),
}


class Race(NamedTuple):
    """What a race is run on: the surface (and its parameters), the start and the number of steps."""

    landscape_key: str
    theta: tuple
    start: tuple
    steps: int


def chosen_optimizers():
    """A multiselect over the optimizers (all by default); the keys go in the URL."""
    chosen = st.multiselect("Optimizers", list(OPTIMIZERS), format_func=lambda k: OPTIMIZERS[k].name,
                            key=state.bind(state.choices("race", list(OPTIMIZERS), OPTIMIZERS)))
    return [key for key in chosen if key in OPTIMIZERS]


def race_specs(key):
    """An optimizer's hyperparameter specs with the race's starting learning rate as the default."""
    return tuple(replace(h, default=OPTIMIZERS[key].race_rate) if h.name == "learning_rate" else h
                 for h in OPTIMIZERS[key].hyperparams)


def _reset(key):
    """Button callback: every hyperparameter of one optimizer back to its default."""
    for h in race_specs(key):
        state.put(f"race.{key}.{h.name}", h.default)


def settings(chosen):
    """The sliders of one chosen optimizer at a time (fewer widgets: a lighter page), with a reset;
    every chosen optimizer's values by key."""
    if not chosen:
        return {}
    shown = st.selectbox("Settings of", chosen, format_func=lambda k: OPTIMIZERS[k].name,
                         key=state.bind(state.choice("settings", chosen[0], chosen)))
    shown = shown if shown in chosen else chosen[0]
    values = {}
    for key in chosen:
        if key == shown:
            values[key] = {h.name: controls.number_widget(h, f"race.{key}.{h.name}", persist="page")
                           for h in race_specs(key)}
            st.button("Reset to defaults", key=f"reset.{key}", on_click=_reset, args=(key,))
        else:
            values[key] = controls.spec_values(race_specs(key), f"race.{key}")
    return values


def rate_stops(key):
    """The stops of the race's learning-rate slider for one optimizer."""
    lr = next(h for h in race_specs(key) if h.name == "learning_rate")
    return controls.log_options(lr.min, lr.max, lr.default)


def robust_best(final_loss, diverged):
    """The index of the lowest final loss among the rates whose neighbours also stay finite (a rate at
    the edge of divergence wins on one start and blows up on the next); any finite one if none is."""
    finite = ~np.asarray(diverged)
    loss = np.where(finite, np.asarray(final_loss, np.float64), np.inf)
    safe = finite & np.r_[False, finite[:-1]] & np.r_[finite[1:], False]
    if safe.any():
        return int(np.argmin(np.where(safe, loss, np.inf)))
    return int(np.argmin(loss)) if np.isfinite(loss).any() else None


@st.cache_data(max_entries=64, show_spinner=False)
def tuned_rate(race, optimizer_key, others):
    """The race slider's stop with the lowest final loss after ``race.steps`` steps whose neighbours
    also converge (None where every rate diverges)."""
    stops = rate_stops(optimizer_key)
    summary = compute.sweep_rates(race.landscape_key, race.theta, optimizer_key, others, race.start, stops,
                                  race.steps)
    diverged = (summary.diverged_at != NEVER) | ~np.isfinite(summary.final_loss)
    best = robust_best(summary.final_loss, diverged)
    return None if best is None else stops[best]


def warm_tuning(race, chosen, settings):
    """Compile every chosen optimizer's tuning sweep in the background, before the button is pressed."""
    for key in chosen:
        others = {n: v for n, v in settings[key].items() if n != "learning_rate"}
        warm.ahead(("tune", race.landscape_key, key), compute.sweep_rates, race.landscape_key, race.theta,
                   key, others, race.start, rate_stops(key), race.steps)


def tune(landscape_key, theta, start, chosen, settings):
    """Button callback: set each learning rate to its tuned stop for the race now on screen."""
    race = Race(landscape_key, theta, start, int(st.session_state.get("steps", 300)))
    tuned = {}
    for key in chosen:
        others = {n: v for n, v in settings[key].items() if n != "learning_rate"}
        tuned[key] = tuned_rate(race, key, others)
        if tuned[key] is not None:
            state.put(f"race.{key}.learning_rate", tuned[key])
    st.session_state["tuned"] = dict(race=race, rates=tuned)


def apply_preset(name):
    """Button callback: set every widget the preset names, before the page runs again."""
    preset = PRESETS[name]
    landscape = LANDSCAPES[preset["landscape"]]
    state.put("landscape", landscape.key)
    for h in landscape.params:
        state.put(f"{landscape.key}.{h.name}", preset["theta"].get(h.name, h.default))
    state.put("start", "point")
    state.put(f"x0.{landscape.key}", float(preset["start"][0]))
    state.put(f"y0.{landscape.key}", float(preset["start"][1]))
    state.put("steps", preset["steps"])
    state.put("race", list(ALL))
    for key, values in preset_settings(name).items():
        for hyperparam, value in values.items():
            state.put(f"race.{key}.{hyperparam}", value)
    st.session_state.pop("tuned", None)
    state.put("step", 0)
    state.new_view()


def preset_settings(name):
    """Every optimizer's settings in a preset: its rate, and the defaults for the rest."""
    rates = PRESETS[name]["rates"]
    return {key: {h.name: rates[key] if h.name == "learning_rate" else h.default for h in race_specs(key)}
            for key in ALL}


def preset_on_screen(race, settings):
    """The preset whose every setting is still on the page, if any (its sentence is then true)."""
    for name, preset in PRESETS.items():
        landscape = LANDSCAPES[preset["landscape"]]
        theta = tuple(float(v) for v in landscape.theta(**preset["theta"]))
        shown = {key: {n: float(v) for n, v in values.items()} for key, values in settings.items()}
        if (race == Race(landscape.key, theta, tuple(preset["start"]), preset["steps"])
                and list(settings) == list(ALL) and shown == preset_settings(name)):
            return name
    return None


def _listed(items):
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def takeaway(runs, landscape, steps):
    """One sentence on how this race came out, read from its numbers."""
    names = {key: OPTIMIZERS[key].name for key in runs}
    diverged = [key for key, run in runs.items() if run.diverged_at is not None]
    finite = [key for key in runs if key not in diverged]
    target = None if landscape.min_value is None else landscape.min_value + TOLERANCE
    reached = {key: _steps_to(runs[key].loss, target) for key in finite}
    arrived = sorted((step, key) for key, step in reached.items() if step is not None)
    if arrived:
        first = [f"{names[key]} (step {step})" for step, key in arrived[:3]]
        sentence = f"First within {TOLERANCE:g} of the minimum's loss: {_listed(first)}."
        late = [names[key] for key in finite if reached[key] is None]
        if late:
            sentence += f" Not within {steps} steps: {_listed(late)}."
    elif finite:
        best = sorted(finite, key=lambda key: float(runs[key].loss[-1]))[:3]
        lowest = [f"{names[key]} ({float(runs[key].loss[-1]):.3g})" for key in best]
        where = ("Lowest" if target is None else
                 f"Nobody came within {TOLERANCE:g} of the minimum's loss in {steps} steps; lowest")
        sentence = f"{where} loss at step {steps}: {_listed(lowest)}."
    else:
        sentence = "Every run diverged: lower the learning rates, or press Fair comparison."
    if diverged and finite:
        where = [f"{names[key]} (step {runs[key].diverged_at})" for key in diverged]
        sentence += f" Diverged: {_listed(where)}."
    return sentence


def tuned_note(race):
    """Say on the page what the fair comparison did, while the race is the one it was tuned for."""
    tuned = st.session_state.get("tuned")
    if not tuned or tuned["race"] != race:
        return
    rates = ", ".join(f"{OPTIMIZERS[k].name} η = {r:.3g}" if r is not None else
                      f"{OPTIMIZERS[k].name}: every rate diverged" for k, r in tuned["rates"].items())
    st.info("**Fair comparison.** Each optimizer's learning rate was set to the stop of its slider (51 "
            "log-spaced stops from 0.0001 to 10) with the lowest final loss after "
            f"{race.steps} steps from this start, among the rates whose two neighbours also converge "
            f"(its other settings as they were). Chosen: {rates}.")


def _steps_to(loss, target):
    """The first step at or below ``target``, or None."""
    below = np.flatnonzero(loss <= target) if target is not None else np.array([])
    return int(below[0]) if below.size else None


def results_table(runs, landscape):
    """Rows for the table: final loss, distance to the nearest minimum, steps to tolerance, divergence."""
    target = None if landscape.min_value is None else landscape.min_value + TOLERANCE
    rows = []
    for key, run in runs.items():
        reached, diverged = _steps_to(run.loss, target), run.diverged_at
        distance = float(distance_to_nearest(run.path[-1], landscape.minima))
        rows.append({"optimizer": OPTIMIZERS[key].name, "final loss": f"{float(run.loss[-1]):.4g}",
                     "distance to nearest minimum": f"{distance:.3g}" if landscape.minima else "—",
                     f"steps to J* + {TOLERANCE:g}": "—" if reached is None else str(reached),
                     "diverged at step": "—" if diverged is None else str(diverged)})
    return rows


def internals_entries(runs, trajectories, settings, step):
    """Per optimizer, what its update at ``step`` used: for the 'inside the optimizer' figure."""
    entries = []
    for key, run in runs.items():
        k = min(step, run.last)
        shown = (optimizer_internals(key, trajectories[key], k, settings[key])
                 if OPTIMIZERS[key].internals is not None else {})
        update = run.path[k + 1] - run.path[k] if k < run.last else np.zeros(2)
        entries.append({"key": key, "name": OPTIMIZERS[key].name, "colour": OPTIMIZERS[key].colour,
                        "point": tuple(run.path[k]), "grad": tuple(run.grads[k]),
                        "velocity": tuple(shown["velocity"]) if "velocity" in shown else None,
                        "step_size": tuple(shown.get("step_size", (np.nan, np.nan))),
                        "step_size_rule": OPTIMIZERS[key].step_size_rule, "update": tuple(update)})
    return entries
