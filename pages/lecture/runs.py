"""The runs a stop shows, computed from its page's URL values with the same engine calls (and caches) as
that page: the check and the figure of a stop read the same numbers, and so does its full page.

Every value a run reads must be in the stop's settings (``need``): the pages' defaults may change.
"""

from typing import NamedTuple

import jax
import numpy as np
import streamlit as st

from engine import box_for, hessian_eigenvalues, surface_grid
from engine import nn_landscape as nl
from engine.minibatch import run_minibatch
from engine.training import kept_params
from landscapes import LANDSCAPES
from landscapes.data import DATA_LANDSCAPES, minimum
from models import chain
from optimizers import OPTIMIZERS
from ui import compute, networks, state
from ui.controls import MAX_STEPS
from ui.start import clip_to_bounds, random_start

SLICE_POINTS = 51  # the Loss-landscape page's 51 × 51 slice
# The Loss-landscape page's networks (pages/loss_landscape/lesson.NETWORKS; a test keeps them equal).
LANDSCAPE_NETWORKS = {
    "tanh": dict(networks.FIRST, dataset="circle", points=200, noise=0.1, depth=2, width=16,
                 activation="tanh", lr=0.01, batch=25),
    "spiral": dict(networks.FIRST, dataset="spiral", points=300, noise=0.05, depth=3, width=32, lr=0.01,
                   batch=32),
}
MINI_RUNS = ("gd", "sgd", "mini")  # the mini-batch page's runs: all n examples, one, B


# ---------------------------------------------------------------------------- reading a stop's settings

def need(settings, key):
    """A setting a run reads (a stop that leaves it out is a mistake in stops.py)."""
    if key not in settings:
        raise KeyError(f"a stop's settings must give {key!r}")
    return settings[key]


def number(settings, key):
    """A number setting."""
    return float(need(settings, key))


def whole(settings, key):
    """A whole-number setting."""
    return int(round(float(need(settings, key))))


def flag(settings, key):
    """A switch setting, read as the page reads it."""
    return bool(state.flag(key).parse(need(settings, key)))


def surface(settings):
    """The surface the settings name and its parameters, as the page's sliders give them."""
    landscape = LANDSCAPES[need(settings, "landscape")]
    values = {h.name: number(settings, f"{landscape.key}.{h.name}") for h in landscape.params}
    return landscape, tuple(float(v) for v in landscape.theta(**values))


def point(settings, landscape):
    """The typed start on this surface."""
    return number(settings, f"x0.{landscape.key}"), number(settings, f"y0.{landscape.key}")


def start(settings, landscape):
    """Where the runs start: the typed point, or the seeded draw from N(0, σ²) moved inside the plot."""
    if need(settings, "start") == "random":
        drawn = random_start(whole(settings, "seed"), number(settings, "sigma"))
        return clip_to_bounds(drawn, landscape.bounds)[0]
    return point(settings, landscape)


def hyperparams(settings, optimizer_key, prefix):
    """An optimizer's settings: the learning rate from the stop, the others as given or their defaults."""
    return {h.name: number(settings, f"{prefix}.{h.name}")
            if h.name == "learning_rate" or f"{prefix}.{h.name}" in settings else float(h.default)
            for h in OPTIMIZERS[optimizer_key].hyperparams}


# ----------------------------------------------------------------------------------- runs on a surface

class SurfaceRun(NamedTuple):
    """One optimizer on a surface: what the page shows of it and the engine's full run."""

    landscape: object
    theta: tuple
    rate: float
    shown: compute.Shown
    full: object


def gd_run(settings):
    """The gradient-descent page's run."""
    landscape, theta = surface(settings)
    key = need(settings, "optimizer")
    values = hyperparams(settings, key, key)
    full = compute.trajectory(landscape.key, theta, key, values, start(settings, landscape))
    shown = compute.shown(full, whole(settings, "steps"))
    return SurfaceRun(landscape, theta, values["learning_rate"], shown, full)


def regime_run(settings, regime):
    """One of the learning-rate page's three runs ("small", "large" or "stable"), at a constant rate."""
    landscape, theta = surface(settings)
    key, steps = need(settings, "optimizer"), whole(settings, "steps")
    if need(settings, "schedule") != "constant":
        raise ValueError("the lecture's learning-rate stops keep the rate constant")
    others = {h.name: float(h.default) for h in OPTIMIZERS[key].hyperparams if h.name != "learning_rate"}
    rate = number(settings, f"lr.{regime}")
    full = compute.trajectory(landscape.key, theta, key, dict(others, learning_rate=rate),
                              point(settings, landscape), compute.Schedule("constant", {}), steps)
    return SurfaceRun(landscape, theta, rate, compute.shown(full, steps), full)


def race_runs(settings):
    """The optimizer race's surface, its parameters and its runs (shown parts, by optimizer key)."""
    landscape, theta = surface(settings)
    begin, steps = start(settings, landscape), whole(settings, "steps")
    runs = {}
    for key in need(settings, "race").split(","):
        values = hyperparams(settings, key, f"race.{key}")
        runs[key] = compute.shown(compute.trajectory(landscape.key, theta, key, values, begin), steps)
    return landscape, theta, runs


@st.cache_data(max_entries=64, show_spinner=False)
def largest_curvature(landscape_key, theta):
    """λmax of the surface's Hessian at its first minimum (None where it has none)."""
    landscape = LANDSCAPES[landscape_key]
    if not landscape.minima:
        return None
    eigenvalues = hessian_eigenvalues(landscape.fn_with, landscape.minima[0], np.asarray(theta, np.float32))
    return float(np.max(eigenvalues))


# ---------------------------------------------------------------------------------------- mini-batches

@st.cache_data(max_entries=16, show_spinner=False)
def batch_runs(data_key, seed, n, noise, rates, sizes, begin, batch_seed):
    """The mini-batch page's three runs in one vmapped call (its engine call, its arguments)."""
    landscape = DATA_LANDSCAPES[data_key]
    data = landscape.make_data(seed, n, noise)
    return run_minibatch(landscape.example_loss, "sgd", {"learning_rate": np.asarray(rates, np.float32)},
                         np.asarray(sizes), np.asarray(begin, np.float32), data, MAX_STEPS, batch_seed,
                         box_for(landscape.bounds))


class MiniBatches(NamedTuple):
    """The mini-batch page's data set, its minima, the batch size and the three runs (by MINI_RUNS key)."""

    key: str
    seed: int
    n: int
    noise: float
    minima: tuple
    batch: int
    runs: dict


def mini_batches(settings):
    """Gradient descent, SGD and mini-batch SGD from one start, as the mini-batch page runs them."""
    key, seed, n, noise = (need(settings, "data"), whole(settings, "data_seed"), whole(settings, "n"),
                           number(settings, "noise"))
    landscape, batch = DATA_LANDSCAPES[key], whole(settings, "batch")
    rates = tuple(number(settings, f"lr.{run}") for run in MINI_RUNS)
    runs = batch_runs(key, seed, n, noise, rates, (n, 1, batch), tuple(start(settings, landscape)),
                      whole(settings, "batch_seed"))
    steps = whole(settings, "steps")
    shown = {name: compute.shown(type(runs)(*(field[i] for field in runs)), steps)
             for i, name in enumerate(MINI_RUNS)}
    minima, _ = minimum(key, landscape.make_data(seed, n, noise))
    return MiniBatches(key, seed, n, noise, minima, batch, shown)


@st.cache_data(max_entries=16, show_spinner=False)
def data_grid(data_key, seed, n, noise):
    """The mini-batch page's picture: the full-data loss on its grid."""
    landscape = DATA_LANDSCAPES[data_key]
    return surface_grid(landscape.fn_with, landscape.bounds, landscape.make_data(seed, n, noise),
                        compute.GRID_SIZE)


# ------------------------------------------------------------------------------------------- networks

def training_settings(settings):
    """The training the Overfitting page builds from its controls (in its key order: one cache entry)."""
    early = flag(settings, "early")
    return dict(dataset=need(settings, "dataset"), points=whole(settings, "points"),
                noise=number(settings, "noise"), seed=whole(settings, "data_seed"),
                depth=whole(settings, "depth"), width=whole(settings, "width"),
                activation=need(settings, "activation"), lr=number(settings, "lr"),
                batch=whole(settings, "batch"), steps=whole(settings, "train_steps"),
                validation_fraction=networks.VALIDATION_FRACTION, dropout=number(settings, "dropout"),
                l2=number(settings, "l2"),
                patience=whole(settings, "patience") if early else networks.NO_STOP)


def without_regularizer(training):
    """The same training with dropout, L2 and early stopping off."""
    return dict(training, dropout=0.0, l2=0.0, patience=networks.NO_STOP)


def compared(settings):
    """The Overfitting page's runs by name: this one, or without and with regularization side by side."""
    training = training_settings(settings)
    if not flag(settings, "compare"):
        return {"this run": networks.training(training)}
    return {"without regularization": networks.training(without_regularizer(training)),
            "with regularization": networks.training(training)}


class Slice(NamedTuple):
    """A filter-normalized slice around a trained network: α (= β) values, losses, its number of weights."""

    xs: np.ndarray
    z: np.ndarray
    weights: int


@st.cache_data(max_entries=8, show_spinner=False)
def network_slice(training, seed, extent):
    """The Loss-landscape page's slice: the training loss on two filter-normalized directions of one seed."""
    trained = networks.training(training)
    centre = kept_params(trained.history)
    first, second = jax.random.split(jax.random.PRNGKey(int(seed)))
    d1, d2 = (nl.filter_normalized_direction(centre, key) for key in (first, second))
    xs = np.linspace(-extent, extent, SLICE_POINTS)
    z = nl.loss_slice(nl.mlp_loss(training["activation"]), centre, d1, d2, xs, xs, *trained.train_set)
    return Slice(xs, np.asarray(z, np.float64), sum(int(np.size(leaf)) for leaf in jax.tree.leaves(centre)))


def landscape_slice(settings):
    """The slice the Loss-landscape page shows for the network the settings name."""
    net = need(settings, "net")
    training = LANDSCAPE_NETWORKS[net] if net in LANDSCAPE_NETWORKS else networks.last()
    return network_slice(training, whole(settings, "dir_seed"), number(settings, "extent"))


# ---------------------------------------------------------------------------------- backpropagation

class Chain(NamedTuple):
    """The tiny network at one setting: node values, local derivatives, their products, jax.grad."""

    nodes: dict
    local: dict
    products: dict
    autodiff: np.ndarray


def chain_values(settings):
    """The Backpropagation page's numbers for its weights and example, as floats."""
    w = np.array([number(settings, "w1"), number(settings, "w2")], np.float32)
    nodes, local, products, autodiff = chain.explain(w, np.float32(number(settings, "x")),
                                                     np.float32(number(settings, "y")))
    floats = [{key: float(value) for key, value in part.items()} for part in (nodes, local, products)]
    return Chain(*floats, np.asarray(autodiff, np.float64))

