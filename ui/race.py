"""The optimizer race's controls and read-outs: which optimizers, their settings, the fair tuning."""

from dataclasses import replace

import numpy as np
import streamlit as st

from engine import NEVER, distance_to_nearest, optimizer_internals
from optimizers import OPTIMIZERS
from ui import compute
from ui.controls import spec_sliders


def chosen_optimizers():
    """A multiselect over the seven optimizers (all by default), kept in the URL as keys."""
    if "race" not in st.session_state:
        # dict.fromkeys drops repeats (?race=adam,adam) while keeping the order given.
        wanted = list(dict.fromkeys(k for k in st.query_params.get("race", "").split(",") if k in OPTIMIZERS))
        st.session_state["race"] = wanted or list(OPTIMIZERS)
    chosen = st.multiselect("Optimizers", list(OPTIMIZERS), key="race",
                            format_func=lambda k: OPTIMIZERS[k].name)
    if st.query_params.get("race") != ",".join(chosen):
        st.query_params["race"] = ",".join(chosen)
    return chosen


# Starting rates for the race (slider stops): each optimizer's own default suits a gentle bowl, but
# on the race's default surface, Rosenbrock, SGD, momentum and Nesterov diverge at once above ~0.002.
RACE_RATES = {"sgd": 0.001, "momentum": 0.001, "nesterov": 0.000794, "adagrad": 0.501,
              "rmsprop": 0.01, "adadelta": 0.251, "adam": 0.0501}


def race_specs(key):
    """An optimizer's hyperparameter specs with the race's starting learning rate as the default."""
    return tuple(replace(h, default=RACE_RATES[key]) if h.name == "learning_rate" else h
                 for h in OPTIMIZERS[key].hyperparams)


def _reset(key):
    """Button callback: every hyperparameter of one optimizer back to its default."""
    for h in race_specs(key):
        st.session_state[f"race.{key}.{h.name}"] = h.default


def settings(chosen):
    """One expander of sliders per chosen optimizer, with a reset; returns their values by key."""
    values = {}
    for key in chosen:
        with st.expander(f"{OPTIMIZERS[key].name} settings"):
            values[key] = spec_sliders(race_specs(key), f"race.{key}")
            st.button("Reset to defaults", key=f"reset.{key}", on_click=_reset, args=(key,))
    return values


def tune(context, chosen, settings):
    """Button callback: set each learning rate to the slider stop with the lowest final loss."""
    landscape_key, theta, start, steps = context
    tuned = {}
    for key in chosen:
        others = tuple(sorted((n, v) for n, v in settings[key].items() if n != "learning_rate"))
        tuned[key] = compute.tuned_rate(landscape_key, theta, key, others, start, steps)
        if tuned[key] is not None:
            st.session_state[f"race.{key}.learning_rate"] = tuned[key]
    st.session_state["tuned"] = dict(context=context, rates=tuned)


def tuned_note(context):
    """Say on the page what the fair comparison did, while the race is the one it was tuned for."""
    tuned = st.session_state.get("tuned")
    if not tuned or tuned["context"] != context:
        return
    rates = ", ".join(f"{OPTIMIZERS[k].name} η = {r:.3g}" if r is not None else
                      f"{OPTIMIZERS[k].name}: every rate diverged" for k, r in tuned["rates"].items())
    st.info("**Fair comparison.** Each optimizer's learning rate was set to the one, of the slider's "
            "51 log-spaced stops from 0.0001 to 10, with the lowest final loss after "
            f"{context[3]} steps from this start on this surface (its other settings as they were). "
            f"Chosen: {rates}.")


def results_table(runs, landscape, tolerance):
    """Rows for the table: final loss, distance to the nearest minimum, steps to tolerance, divergence."""
    rows = []
    for key, (path, _, loss, diverged_at) in runs.items():
        target = None if landscape.min_value is None else landscape.min_value + tolerance
        below = np.flatnonzero(loss <= target) if target is not None else np.array([])
        rows.append({"optimizer": OPTIMIZERS[key].name, "final loss": float(loss[-1]),
                     "distance to nearest minimum": float(distance_to_nearest(path[-1], landscape.minima)),
                     f"steps to J* + {tolerance:g}": int(below[0]) if below.size else None,
                     "diverged at step": diverged_at})
    return rows


def internals_entries(runs, trajectories, settings, step):
    """Per optimizer, what its update at ``step`` used: for the 'inside the optimizer' figure."""
    entries = []
    for key, (path, grads, _, _) in runs.items():
        k = min(step, len(path) - 1)
        shown = optimizer_internals(key, trajectories[key], k, settings[key])
        update = path[k + 1] - path[k] if k + 1 < len(path) else np.zeros(2)
        entries.append({"key": key, "name": OPTIMIZERS[key].name, "point": tuple(path[k]),
                        "grad": tuple(grads[k]), "velocity": tuple(shown["velocity"])
                        if "velocity" in shown else None, "step_size": tuple(shown["step_size"]),
                        "update": tuple(update)})
    return entries


def steps_used(trajectory):
    """How many updates a run took before it diverged, if it did (for the legend)."""
    return None if int(trajectory.diverged_at) == NEVER else int(trajectory.diverged_at)
