"""Cached calls into the engine, keyed by plain numbers (jax arrays are not hashable)."""

import numpy as np
import streamlit as st

from engine import (
    NEVER,
    hessian_eigenvalues,
    log_rates,
    quadratic_rates,
    random_starts,
    run_single,
    schedule_factors,
    surface_grid,
    sweep,
)
from engine.boundary import training_boundaries
from engine.minibatch import gradient_noise, run_minibatch
from engine.training import train
from landscapes import LANDSCAPES
from landscapes.data import DATA_LANDSCAPES, minimum
from models import chain, datasets
from optimizers import OPTIMIZERS
from ui.validate import log_options

MAX_STEPS = 1000  # every run takes this many steps and pages slice: the step slider never recompiles
GRID_SIZE = 200


def divergence_box(landscape):
    """The box |p| <= box a run must stay in: a hundred plot widths out, far beyond anything shown."""
    (xmin, xmax), (ymin, ymax) = landscape.bounds
    return 100.0 * max(xmax - xmin, ymax - ymin, abs(xmin), abs(xmax), abs(ymin), abs(ymax))


@st.cache_data(max_entries=64, show_spinner=False)
def grid(landscape_key, theta):
    """Axes and values of the surface on a GRID_SIZE x GRID_SIZE grid."""
    landscape = LANDSCAPES[landscape_key]
    return surface_grid(landscape.fn_with, landscape.bounds, np.asarray(theta, np.float32), GRID_SIZE)


def lr_scale(schedule, steps):
    """MAX_STEPS learning-rate factors for ``schedule`` = (kind, ((name, value), ...)), shaped for
    a run of ``steps`` steps; None for a constant rate."""
    if schedule is None or schedule[0] == "constant":
        return None
    return schedule_factors(schedule[0], MAX_STEPS, total=steps, **dict(schedule[1]))


@st.cache_data(max_entries=256, show_spinner=False)
def trajectory(landscape_key, theta, optimizer_key, hyperparams, start, schedule=None, steps=MAX_STEPS):
    """MAX_STEPS steps of one optimizer from one start; ``hyperparams`` is a tuple of (name, value).

    ``steps`` matters only to a schedule (a cosine ends at the run's last shown step).
    """
    landscape = LANDSCAPES[landscape_key]
    return run_single(landscape.fn_with, optimizer_key, dict(hyperparams), np.asarray(start, np.float32),
                      MAX_STEPS, (np.asarray(theta, np.float32),), divergence_box(landscape),
                      lr_scale(schedule, steps))


@st.cache_data(max_entries=64, show_spinner=False)
def rate_sweep(landscape_key, theta, optimizer_key, hyperparams, start, steps, count, target,
               schedule=None):
    """``count`` learning rates over the slider's range, ``steps`` steps each, in one vmapped call."""
    landscape = LANDSCAPES[landscape_key]
    lr = _learning_rate_spec(optimizer_key)
    rates = log_rates(lr.min, lr.max, count)
    summary = sweep(landscape.fn_with, optimizer_key, dict(dict(hyperparams), learning_rate=rates),
                    np.tile(np.asarray(start, np.float32), (count, 1)), MAX_STEPS,
                    (np.asarray(theta, np.float32),), divergence_box(landscape),
                    lr_scale(schedule, steps), target, active_steps=steps)
    return rates, summary


def _learning_rate_spec(optimizer_key):
    """The learning-rate HyperParam of an optimizer."""
    return next(h for h in OPTIMIZERS[optimizer_key].hyperparams if h.name == "learning_rate")


@st.cache_data(max_entries=64, show_spinner=False)
def tuned_rate(landscape_key, theta, optimizer_key, hyperparams, start, steps):
    """The learning-rate slider stop with the lowest final loss after ``steps`` steps (None: all diverge)."""
    landscape = LANDSCAPES[landscape_key]
    lr = _learning_rate_spec(optimizer_key)
    stops = log_options(lr.min, lr.max, lr.default)  # returned as the slider's own numbers
    rates = np.asarray(stops, np.float32)
    summary = sweep(landscape.fn_with, optimizer_key, dict(dict(hyperparams), learning_rate=rates),
                    np.tile(np.asarray(start, np.float32), (len(rates), 1)), MAX_STEPS,
                    (np.asarray(theta, np.float32),), divergence_box(landscape), active_steps=steps)
    loss = np.where(summary.diverged_at == NEVER, summary.final_loss, np.inf)
    return stops[int(np.argmin(loss))] if np.isfinite(loss).any() else None


def random_start(seed, sigma):
    """One start point from N(0, sigma^2) with the given seed."""
    return tuple(float(v) for v in random_starts(seed, sigma, 1)[0])


def run_of(runs, i):
    """Run i of a batch of runs (any NamedTuple of arrays with a leading run axis)."""
    return type(runs)(*(field[i] for field in runs))


def cut(run, steps):
    """The run's first ``steps`` steps, ending at its last finite point if it diverged before."""
    diverged = int(run.diverged_at)
    last = steps if diverged < 0 or diverged > steps else diverged - 1
    return run.params[: last + 1], run.grads[: last + 1], run.loss[: last + 1], (
        diverged if 0 <= diverged <= steps else None)


@st.cache_data(max_entries=64, show_spinner=False)
def largest_stable_rate(landscape_key, theta, optimizer_key, hyperparams, start, steps):
    """The largest learning-rate stop below the current one whose run stays finite (None if none)."""
    landscape = LANDSCAPES[landscape_key]
    lr = _learning_rate_spec(optimizer_key)
    # Every stop of the slider (a fixed batch size: one compilation), then keep those below the rate.
    rates = np.asarray(log_options(lr.min, lr.max, lr.default), np.float32)
    summary = sweep(landscape.fn_with, optimizer_key, dict(dict(hyperparams), learning_rate=rates),
                    np.tile(np.asarray(start, np.float32), (len(rates), 1)), MAX_STEPS,
                    (np.asarray(theta, np.float32),), divergence_box(landscape))
    diverged = summary.diverged_at
    stable = ((diverged == NEVER) | (diverged > steps)) & (rates < dict(hyperparams)["learning_rate"])
    return float(rates[stable].max()) if stable.any() else None


@st.cache_data(max_entries=64, show_spinner=False)
def quadratic_theory(landscape_key, theta):
    """For the quadratic bowl: its Hessian's eigenvalues and the rates they predict; else None."""
    if landscape_key != "quadratic":
        return None
    landscape = LANDSCAPES[landscape_key]
    eigenvalues = hessian_eigenvalues(landscape.fn_with, landscape.minima[0], np.asarray(theta, np.float32))
    return dict(quadratic_rates(eigenvalues), eigenvalues=tuple(float(e) for e in eigenvalues))


@st.cache_data(max_entries=32, show_spinner=False)
def data_set(data_key, seed, n, noise):
    """A data landscape's data set (x, y) and its global minimum ((w,), J*) or ((), None)."""
    data = DATA_LANDSCAPES[data_key].make_data(seed, n, noise)
    return data, minimum(data_key, data)


@st.cache_data(max_entries=32, show_spinner=False)
def data_grid(data_key, seed, n, noise):
    """The full-data loss on a GRID_SIZE x GRID_SIZE grid."""
    landscape = DATA_LANDSCAPES[data_key]
    data, _ = data_set(data_key, seed, n, noise)
    return surface_grid(landscape.fn_with, landscape.bounds, data, GRID_SIZE)


@st.cache_data(max_entries=128, show_spinner=False)
def minibatch_runs(data_key, seed, n, noise, rates, batch_sizes, start, batch_seed):
    """GD, SGD and mini-batch runs in one vmapped call: one rate and batch size per run."""
    landscape = DATA_LANDSCAPES[data_key]
    data, _ = data_set(data_key, seed, n, noise)
    return run_minibatch(landscape.example_loss, "sgd", {"learning_rate": np.asarray(rates, np.float32)},
                         np.asarray(batch_sizes), np.asarray(start, np.float32), data, MAX_STEPS,
                         batch_seed, divergence_box(landscape))


@st.cache_data(max_entries=128, show_spinner=False)
def noise_at(data_key, seed, n, noise, point, batch_size, batch_seed):
    """200 mini-batch gradient estimates at ``point`` and the spread of such estimates against B."""
    landscape = DATA_LANDSCAPES[data_key]
    data, _ = data_set(data_key, seed, n, noise)
    return gradient_noise(landscape.example_loss, np.asarray(point, np.float32), data, batch_size,
                          batch_seed)


@st.cache_data(max_entries=256, show_spinner=False)
def chain_rule(w1, w2, x, y):
    """The tiny network's nodes, local derivatives, chain-rule products and jax.grad, as numpy."""
    nodes, local, products, autodiff = chain.explain(np.array([w1, w2], np.float32), np.float32(x),
                                                     np.float32(y))
    as_numpy = {name: float(value) for name, value in nodes.items()}
    return (as_numpy, {k: float(v) for k, v in local.items()},
            {k: float(v) for k, v in products.items()}, np.asarray(autodiff, np.float64))


def chain_loss(w1, w2, x, y):
    """J at (w1, w2) for the example (x, y)."""
    return chain_rule(w1, w2, x, y)[0]["J"]


@st.cache_data(max_entries=64, show_spinner=False)
def chain_grid(x, y):
    """J over (w1, w2) on a grid, for the example (x, y)."""
    return surface_grid(chain.loss, chain.BOUNDS, (np.float32(x), np.float32(y)), GRID_SIZE)


@st.cache_data(max_entries=32, show_spinner=False)
def training(settings):
    """Train the MLP that ``settings`` (a tuple of (name, value)) describes; history and boundaries."""
    s = dict(settings)
    x, y = datasets.make(s["dataset"], s["seed"], s["points"], s["noise"])
    train_set, val_set = datasets.split(x, y, s["validation_fraction"], s["seed"])
    sizes = (2, *([s["width"]] * s["depth"]), 1)
    history = train(sizes, s["activation"], "adam", {"learning_rate": s["lr"]}, train_set, val_set,
                    steps=s["steps"], batch_size=s["batch"], seed=s["seed"], dropout_rate=s["dropout"],
                    l2=s["l2"], patience=s["patience"], eval_every=20, snapshots=21)
    return history, training_boundaries(history, s["activation"]), train_set, val_set
