"""The loss-landscape lesson: which network, and its slices, paths and curvature, computed once (cached).

The networks are trained as on the Overfitting page (``ui.networks``: same settings, same cached
training), so "the network from the Overfitting page" is exactly the one trained there.
"""

from functools import lru_cache
from typing import NamedTuple

import jax
import numpy as np
import streamlit as st

from engine import nn_landscape as nl
from engine.training import kept_params, train
from models import datasets
from ui import networks, state

VIEWS = {"slice": "Surface and training path", "line": "1D: straight lines", "edge": "Sharpness and η",
         "flat": "Flat or sharp"}
NETWORKS = {
    "tanh": ("Small tanh network on the circle", dict(
        networks.FIRST, dataset="circle", points=200, noise=0.1, depth=2, width=16,
        activation="tanh", lr=0.01, batch=25)),
    "spiral": ("Deep ReLU network on the spiral", dict(
        networks.FIRST, dataset="spiral", points=300, noise=0.05, depth=3, width=32, lr=0.01,
        batch=32)),
    "overfitting": ("The network from the Overfitting page", None),
}
SLICE_POINTS = 51  # 51 × 51 losses per slice
SLICE_EXTENT = 1.0  # α, β in [−1, 1]: one filter-norm each way (Li et al.'s plots)
EXTENTS = (0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)  # how far the slice reaches, in filter norms
PCA_POINTS = 101  # fine enough that the picture's iso-lines do not show the grid
ALPHAS = np.linspace(-0.5, 1.5, 101)  # Goodfellow et al.'s range
SECOND_SEED = 1  # solution B: the same data and network from other initial weights
EDGE_RATES = (0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
EDGE_PRESETS = {0.05: "η = 0.05: never reaches 2/η", 0.3: "η = 0.3: rises to 2/η, stays", 0.5: "η = 0.5"}
EDGE_STEPS, EDGE_EVERY, EDGE_LAST = 3000, 10, 1000
EDGE_NET = dict(sizes=(2, 16, 16, 1), activation="tanh", points=400, noise=0.05, seed=0)
RESCALE = 10.0  # Dinh et al.'s α
FLAT_NET = dict(sizes=(2, 16, 16, 1), activation="relu", dataset="circle", points=200, noise=0.1, seed=0,
                lr=0.1, steps=3000)
FLAT_BATCHES = (4, 100)  # small and full batch (100 training points)


def network_settings(name):
    """The training settings of the chosen network (the Overfitting page's last, or its defaults)."""
    if NETWORKS[name][1] is not None:
        return NETWORKS[name][1]
    return networks.last()


def describe(settings):
    """The network and its training in one line."""
    s = settings
    widths = " → ".join(["2", *[str(s["width"])] * s["depth"], "1"])
    regularizers = [f"dropout {s['dropout']:g}"] if s["dropout"] else []
    regularizers += [f"L2 λ = {s['l2']:g}"] if s["l2"] else []
    regularizers += ["early stopping"] if s["patience"] < networks.NO_STOP else []
    extra = f", {', '.join(regularizers)}" if regularizers else ""
    return (f"{s['activation']} network {widths} on {s['points']} {s['dataset']} points "
            f"(noise {s['noise']:g}, half for validation), Adam η = {s['lr']:g}, batch {s['batch']}, "
            f"{s['steps']:,} steps{extra}")


@lru_cache(maxsize=8)
def loss_and_accuracy(activation):
    """f(params, x, y) = (cross-entropy without dropout, accuracy): one function object per activation."""
    loss, accuracy = nl.mlp_loss(activation), nl.mlp_accuracy(activation)
    return lambda params, x, y: (loss(params, x, y), accuracy(params, x, y))


def directions(centre, seed):
    """Two filter-normalized directions around ``centre`` from one seed (biases 0, as Li et al.)."""
    first, second = jax.random.split(jax.random.PRNGKey(int(seed)))
    return nl.filter_normalized_direction(centre, first), nl.filter_normalized_direction(centre, second)


def l2_on_plane(centre, d1, d2, xs, ys):
    """Σ‖W‖² at centre + α·d1 + β·d2 on the grid, exactly (a quadratic in α and β; biases excluded)."""
    def dot(a, b):
        return sum(float(np.vdot(np.asarray(u[0], np.float64), np.asarray(v[0], np.float64)))
                   for u, v in zip(a, b, strict=True))

    a, b = np.meshgrid(np.asarray(xs, np.float64), np.asarray(ys, np.float64))
    return (dot(centre, centre) + 2 * a * dot(centre, d1) + 2 * b * dot(centre, d2) + a * a * dot(d1, d1)
            + 2 * a * b * dot(d1, d2) + b * b * dot(d2, d2))


class Slice(NamedTuple):
    """A filter-normalized slice around the kept weights: its grid and losses."""

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    centre_loss: float


@st.cache_data(max_entries=32, show_spinner=False)
def random_slice(settings, seed, with_l2, extent=SLICE_EXTENT):
    """The training loss on the plane of two filter-normalized directions through the kept weights,
    α and β in [−extent, extent]."""
    trained = networks.training(settings)
    centre = kept_params(trained.history)
    d1, d2 = directions(centre, seed)
    xs = ys = np.linspace(-extent, extent, SLICE_POINTS)
    x, y = trained.train_set
    z = nl.loss_slice(nl.mlp_loss(settings["activation"]), centre, d1, d2, xs, ys, x, y).astype(np.float64)
    if with_l2 and settings["l2"] > 0:
        z = z + settings["l2"] * l2_on_plane(centre, d1, d2, xs, ys)
    return Slice(xs, ys, z, float(z[SLICE_POINTS // 2, SLICE_POINTS // 2]))


class Plane(NamedTuple):
    """The training path's PCA plane: the surface on it, the path's coordinates and what PCA explains."""

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    path: np.ndarray  # (snapshots, 2), the final weights at (0, 0)
    path_loss: np.ndarray
    steps: np.ndarray
    ratios: np.ndarray
    off_plane: np.ndarray


def _span(values, pad=0.25):
    """A range covering ``values`` with a margin (and never empty)."""
    low, high = float(np.min(values)), float(np.max(values))
    margin = max(pad * (high - low), 1e-3)
    return low - margin, high + margin


@st.cache_data(max_entries=16, show_spinner=False)
def pca_plane(settings):
    """The surface on the plane of the training path's first two principal components, and the path."""
    trained = networks.training(settings)
    history = trained.history
    pca = nl.path_pca(history.snapshots)
    final = jax.tree.map(lambda s: s[-1], history.snapshots)
    xs, ys = (np.linspace(*_span(pca.coords[:, i]), PCA_POINTS) for i in (0, 1))
    x, y = trained.train_set
    loss = nl.mlp_loss(settings["activation"])
    z = nl.loss_slice(loss, final, *pca.directions, xs, ys, x, y)
    # The loss at each snapshot, by the surface's own function: snapshots need not fall on evaluations
    # (500 steps: a snapshot every 25, an evaluation every 20).
    path_loss = np.asarray(jax.vmap(loss, in_axes=(0, None, None))(history.snapshots, x, y), np.float64)
    return Plane(xs, ys, z.astype(np.float64), pca.coords, path_loss, np.asarray(history.snapshot_steps),
                 pca.ratios, pca.off_plane)


def steps_per_snapshot(steps):
    """Training steps between two snapshots where they are evenly spaced, else 1 (the read-out then
    counts snapshots)."""
    gaps = np.diff(np.asarray(steps))
    return int(gaps[0]) if len(gaps) and np.all(gaps == gaps[0]) and gaps[0] > 0 else 1


class Lines(NamedTuple):
    """Loss and accuracy along two straight lines: initial weights → solution, and solution A → B."""

    from_init: dict
    between: dict
    barrier: float  # the highest training loss between A and B above the worse of the two ends
    ends: tuple  # the training losses of A and B


@st.cache_data(max_entries=16, show_spinner=False)
def straight_lines(settings):
    """Goodfellow et al.'s 1D interpolations on training and validation data."""
    a = networks.training(settings)
    b = networks.training(dict(settings, init_seed=settings["seed"] + SECOND_SEED))
    fn = loss_and_accuracy(settings["activation"])
    initial = jax.tree.map(lambda s: s[0], a.history.snapshots)
    solution_a, solution_b = kept_params(a.history), kept_params(b.history)
    ends = {"from_init": (initial, solution_a), "between": (solution_a, solution_b)}
    lines = {name: {label: nl.interpolate(fn, start, end, ALPHAS, *data)
                    for label, data in (("training", a.train_set), ("validation", a.val_set))}
             for name, (start, end) in ends.items()}
    loss = np.asarray(lines["between"]["training"][0], np.float64)
    inside = (ALPHAS >= 0) & (ALPHAS <= 1)
    ends_loss = (float(loss[np.argmin(abs(ALPHAS))]), float(loss[np.argmin(abs(ALPHAS - 1))]))
    return Lines(lines["from_init"], lines["between"], float(loss[inside].max() - max(ends_loss)), ends_loss)


def edge_data():
    """The edge-of-stability data: 400 circle points, as Cohen et al.'s small experiments."""
    return datasets.make("circle", EDGE_NET["seed"], EDGE_NET["points"], EDGE_NET["noise"])


@st.cache_data(max_entries=16, show_spinner=False)
def edge_of_stability(rate):
    """Full-batch gradient descent with squared error, λ_max every 10 steps (Cohen et al., 2021)."""
    x, y = edge_data()
    return train(EDGE_NET["sizes"], EDGE_NET["activation"], "sgd", {"learning_rate": rate}, (x, y), (x, y),
                 steps=EDGE_STEPS, batch_size=len(y), seed=EDGE_NET["seed"], init="lecun", loss="squared",
                 eval_every=EDGE_EVERY, sharpness_iters=20, snapshots=2)


def edge_summary(history, rate):
    """Median λ_max over the last 1,000 steps, as a fraction of 2/η (None when the run diverged)."""
    late = np.asarray(history.eval_steps) >= EDGE_STEPS - EDGE_LAST
    values = np.asarray(history.sharpness)[late]
    if history.diverged_at >= 0 or not np.all(np.isfinite(values)):
        return None
    return float(np.median(values)) / (2.0 / rate)


AT_THE_EDGE = 0.95  # a median λ_max above this fraction of 2/η rides at the edge


def _loss_story(history):
    """How the training loss went: fell smoothly (never rose between evaluations), or fell with bumps."""
    loss = np.asarray(history.train_loss, np.float64)
    rises = int(np.sum(np.diff(loss) > 1e-7 * max(1.0, float(loss.max()))))
    if rises == 0:
        return f"the loss fell smoothly, from {loss[0]:.3g} to {loss[-1]:.3g}"
    return (f"the loss fell from {loss[0]:.3g} to {loss[-1]:.3g}, **not monotonically** (it rose between "
            f"{rises} of {len(loss) - 1} pairs of evaluations)")


def edge_sentence(history, rate):
    """What the run shows, measured: rides at 2/η, touched it and fell back, stays below it, or diverged."""
    edge = 2.0 / rate
    sharpness = np.asarray(history.sharpness, np.float64)
    if history.diverged_at >= 0:
        return (f"At η = {rate:g} gradient descent **diverged at step {history.diverged_at}** (the sharpness "
                f"was {sharpness[0]:.3g} at the start, 2/η = {edge:.3g}).")
    fraction = edge_summary(history, rate)
    if fraction is None:  # finite weights, yet λ_max overflowed late in the run
        return (f"At η = {rate:g} the sharpness could not be measured over the last {EDGE_LAST:,} steps (it "
                f"was {sharpness[0]:.3g} at the start, 2/η = {edge:.3g}).")
    median = fraction * edge
    late = f"Over the last {EDGE_LAST:,} steps the median λ_max is **{median:.3g}**"
    if fraction > AT_THE_EDGE:
        return (f"{late}, against 2/η = {edge:.3g} ({fraction:.0%}): the sharpness rose from "
                f"{sharpness[0]:.3g} until it reached 2/η and **hovers at the edge of stability**, while "
                f"{_loss_story(history)}.")
    peak = int(np.argmax(sharpness))
    if sharpness[peak] > AT_THE_EDGE * edge:
        return (f"{late}, {fraction:.0%} of 2/η = {edge:.3g}: the sharpness **touched 2/η** (λ_max "
                f"{sharpness[peak]:.3g} at step {int(history.eval_steps[peak]):,}) and fell back below it; "
                f"{_loss_story(history)}.")
    return (f"{late}, {fraction:.0%} of 2/η = {edge:.3g}: at this rate the sharpness **never reaches 2/η** "
            f"(at most {sharpness.max():.3g}), and {_loss_story(history)}.")


def rescale(params, alpha):
    """(αW₁, αb₁, W₂/α, b₂, ...): the same ReLU network's function (ReLU(αz) = α·ReLU(z)), other weights."""
    (w1, b1), (w2, b2), *rest = params
    return [(w1 * alpha, b1 * alpha), (w2 / alpha, b2), *rest]


class Solution(NamedTuple):
    """One of the flat-or-sharp runs: its batch size, losses, curvature and slice."""

    batch: int
    train_loss: float
    val_loss: float
    val_accuracy: float
    sharpness: float
    trace: float
    trace_error: float
    slice_z: np.ndarray


def _flat_data():
    """The flat-or-sharp data set, split in half as on the Overfitting page."""
    s = FLAT_NET
    x, y = datasets.make(s["dataset"], s["seed"], s["points"], s["noise"])
    return datasets.split(x, y, 0.5, s["seed"])


def _solution(params, batch, history, data, seed):
    """Measure one solution (the last weights of a run): λ_max (100 power iterations), Hutchinson trace
    (100 vectors) and its slice."""
    loss = nl.mlp_loss(FLAT_NET["activation"])
    key = jax.random.PRNGKey(seed)
    sharpness, _ = nl.top_eigenvalue(loss, params, key, 100, *data)
    trace, error = nl.hessian_trace(loss, params, key, 100, *data)
    xs = np.linspace(-SLICE_EXTENT, SLICE_EXTENT, SLICE_POINTS)
    z = nl.loss_slice(loss, params, *directions(params, seed), xs, xs, *data)  # the same draw for every run
    return Solution(batch, float(history.train_loss[-1]), float(history.val_loss[-1]),
                    float(history.val_accuracy[-1]), float(sharpness), float(trace), float(error),
                    z.astype(np.float64))


class FlatOrSharp(NamedTuple):
    """Small- and large-batch solutions from the same initial weights, the line between them, and the
    small-batch one rescaled (same function, other curvature)."""

    small: Solution
    large: Solution
    line: tuple  # (training loss, accuracy) along small → large
    rescaled: Solution
    xs: np.ndarray  # the slices' α and β


@st.cache_data(max_entries=4, show_spinner=False)
def flat_or_sharp(seed):
    """Train the two networks (SGD, same η, steps and initial weights) and measure them."""
    s = FLAT_NET
    train_set, val_set = _flat_data()
    runs = {b: train(s["sizes"], s["activation"], "sgd", {"learning_rate": s["lr"]}, train_set, val_set,
                     steps=s["steps"], batch_size=b, seed=s["seed"], eval_every=50, snapshots=2)
            for b in FLAT_BATCHES}
    (small_batch, small_run), (large_batch, large_run) = runs.items()
    small_params, large_params = kept_params(small_run), kept_params(large_run)
    small = _solution(small_params, small_batch, small_run, train_set, seed)
    large = _solution(large_params, large_batch, large_run, train_set, seed)
    rescaled = _solution(rescale(small_params, RESCALE), small_batch, small_run, train_set, seed)
    line = nl.interpolate(loss_and_accuracy(s["activation"]), small_params, large_params, ALPHAS, *train_set)
    return FlatOrSharp(small, large, line, rescaled, np.linspace(-SLICE_EXTENT, SLICE_EXTENT, SLICE_POINTS))


def apply_edge_preset(rate):
    """Button callback: show the sharpness run at this rate."""
    state.put("eta", rate)
