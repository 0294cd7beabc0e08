"""Cached calls into the engine that several lessons share, keyed by plain numbers and dicts.

jax arrays are not hashable for ``st.cache_data``: arguments are numbers, tuples and dicts, and
results are numpy arrays in named tuples. The cache is shared by every session on the server.
"""

from typing import Any, NamedTuple

import jax
import numpy as np
import streamlit as st

from engine import NEVER, box_for, run_single, schedule_factors, surface_grid, sweep
from landscapes.typed import landscape_of
from optimizers import OPTIMIZERS
from ui.controls import MAX_STEPS, log_options

GRID_SIZE = 200


class Shown(NamedTuple):
    """The part of a run a page shows: its first steps, up to its last finite point."""

    path: np.ndarray
    grads: np.ndarray
    loss: np.ndarray
    diverged_at: int | None  # the step where it diverged, if it did within the steps shown
    states: Any = None  # the optimizer's state before each step (per-step arrays), where the run has one

    @property
    def last(self):
        """The index of the last step shown."""
        return len(self.path) - 1


def grid_values(landscape_key, theta):
    """Axes and values of the surface on a GRID_SIZE x GRID_SIZE grid."""
    landscape = landscape_of(landscape_key)
    return surface_grid(landscape.fn_with, landscape.bounds, np.asarray(theta, np.float32), GRID_SIZE)


grid = st.cache_data(max_entries=64, show_spinner=False)(grid_values)


class Schedule(NamedTuple):
    """A learning-rate schedule: its kind (a key of engine.SCHEDULES) and its parameters by name."""

    kind: str
    values: dict


def lr_scale(schedule, steps):
    """MAX_STEPS learning-rate factors for a Schedule, shaped for a run of ``steps`` steps; None for a
    constant rate."""
    if schedule is None or schedule.kind == "constant":
        return None
    return schedule_factors(schedule.kind, MAX_STEPS, total=steps, **schedule.values)


def run_of(landscape_key, theta, optimizer_key, hyperparams, start, schedule=None, steps=MAX_STEPS):
    """MAX_STEPS steps of one optimizer from one start (``hyperparams``: {name: value}).

    ``steps`` matters only to a schedule (a cosine ends at the run's last shown step).
    """
    landscape = landscape_of(landscape_key)
    return run_single(landscape.fn_with, optimizer_key, hyperparams, np.asarray(start, np.float32), MAX_STEPS,
                      (np.asarray(theta, np.float32),), box_for(landscape.bounds), lr_scale(schedule, steps))


trajectory = st.cache_data(max_entries=256, show_spinner=False)(run_of)


def shown(run, steps):
    """The run's first ``steps`` steps, ending at its last finite point if it diverged before."""
    diverged = int(run.diverged_at)
    last = steps if diverged < 0 or diverged > steps else diverged - 1
    states = getattr(run, "states", None)
    return Shown(run.params[: last + 1], run.grads[: last + 1], run.loss[: last + 1],
                 diverged if 0 <= diverged <= steps else None,
                 None if states is None else jax.tree.map(lambda s: s[: last + 1], states))


def rate_stops(optimizer_key):
    """The stops of an optimizer's learning-rate slider (its own numbers, as the slider shows them)."""
    lr = next(h for h in OPTIMIZERS[optimizer_key].hyperparams if h.name == "learning_rate")
    return log_options(lr.min, lr.max, lr.default)


def sweep_rates(landscape_key, theta, optimizer_key, others, start, rates, steps, target=-np.inf,
                schedule=None):
    """Every rate in ``rates`` for ``steps`` steps from one start, in one vmapped call (a Summary each)."""
    landscape = landscape_of(landscape_key)
    rates = np.asarray(rates, np.float32)
    return sweep(landscape.fn_with, optimizer_key, dict(others, learning_rate=rates),
                 np.tile(np.asarray(start, np.float32), (len(rates), 1)), MAX_STEPS,
                 (np.asarray(theta, np.float32),), box_for(landscape.bounds), lr_scale(schedule, steps),
                 target, active_steps=steps)


def stops_sweep(landscape_key, theta, optimizer_key, hyperparams, start):
    """Every stop of the learning-rate slider for MAX_STEPS steps (one compiled batch size)."""
    rates = np.asarray(rate_stops(optimizer_key), np.float32)
    others = {k: v for k, v in hyperparams.items() if k != "learning_rate"}
    return rates, sweep_rates(landscape_key, theta, optimizer_key, others, start, rates, MAX_STEPS)


@st.cache_data(max_entries=64, show_spinner=False)
def largest_stable_rate(landscape_key, theta, optimizer_key, hyperparams, start, steps):
    """The largest learning-rate stop below the current one whose run stays finite (None if none)."""
    rates, summary = stops_sweep(landscape_key, theta, optimizer_key, hyperparams, start)
    diverged = summary.diverged_at
    stable = ((diverged == NEVER) | (diverged > steps)) & (rates < hyperparams["learning_rate"])
    return float(rates[stable].max()) if stable.any() else None
