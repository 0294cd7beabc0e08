"""The optimizer race's controls and read-outs: which optimizers, their settings, the fair tuning."""

from dataclasses import replace
from typing import NamedTuple

import numpy as np
import streamlit as st

from engine import NEVER, distance_to_nearest, optimizer_internals
from optimizers import OPTIMIZERS
from ui import compute, controls, state, warm

TOLERANCE = 1e-3


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
