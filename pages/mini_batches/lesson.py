"""The mini-batch lesson's controls: the data set, three learning rates, the batch size, the seed."""

import numpy as np
import streamlit as st

from engine import box_for, surface_grid
from engine.minibatch import GradientNoise, estimates, noise_parts, run_minibatch
from hyperparams import HyperParam
from landscapes.data import DATA_LANDSCAPES, SIZES, minimum
from optimizers.base import LEARNING_RATE
from plotting import style
from ui import controls, state
from ui.compute import GRID_SIZE
from ui.controls import MAX_STEPS, clean_number, log_options

RUNS = {  # key: (legend name, colour)
    "gd": ("GD (all n examples)", "#1f77b4"),
    "sgd": ("SGD (B = 1)", "#e4572e"),
    "mini": ("mini-batch", style.RECOMMENDED),
}
RATES = {
    "gd": HyperParam("learning_rate", "GD η", 0.1, LEARNING_RATE.min, LEARNING_RATE.max, log=True),
    "sgd": HyperParam("learning_rate", "SGD η", 0.02, LEARNING_RATE.min, LEARNING_RATE.max, log=True),
    "mini": HyperParam("learning_rate", "mini-batch η", 0.05, LEARNING_RATE.min, LEARNING_RATE.max,
                       log=True),
}


def data_controls():
    """Size, noise and seed of the data set; checked again here."""
    n = st.select_slider("Number of examples n", SIZES, key=state.bind(state.stop("n", 200, SIZES)))
    n = int(n) if n in SIZES else 200
    noise = clean_number(st.slider("Noise in the data", 0.0, 2.0, step=0.05,
                                   key=state.bind(state.number("noise", 0.5, 0.0, 2.0))), 0.0, 2.0, 0.5)
    return n, noise, controls.seed_input("Data seed", "data_seed")


def _resample():
    """Button callback: a new seed for the batches, so every noisy picture is drawn again."""
    state.put("batch_seed", (int(st.session_state.get("batch_seed", 0)) + 1) % 2**31)


def batch_seed_controls():
    """The seed of the batch draws, shown and editable, and a resample button."""
    seed = controls.seed_input("Batch seed", "batch_seed")
    st.button("Resample the batches", icon=":material/casino:", on_click=_resample, width="stretch")
    return seed


def _linear_scaling(n):
    """Button callback: double the batch size and the mini-batch learning rate (the linear scaling rule)."""
    batch = int(st.session_state.get("batch", 16))
    bigger = min(2 * batch, n)
    old_rate = float(st.session_state.get("lr.mini", RATES["mini"].default))
    stops = log_options(LEARNING_RATE.min, LEARNING_RATE.max, RATES["mini"].default)
    new_rate = min(stops, key=lambda stop: abs(stop - old_rate * bigger / batch))  # the nearest slider stop
    state.put("batch", bigger)
    state.put("lr.mini", new_rate)
    st.session_state[SCALED] = dict(batch=(batch, bigger), rate=(old_rate, new_rate))


SCALED = "_mini.scaled"  # what the last linear-scaling click did


def scaling_note(batch, rate):
    """Say what the linear-scaling button did, while B and η are still what it set."""
    scaled = st.session_state.get(SCALED)
    if not scaled or (scaled["batch"][1], scaled["rate"][1]) != (batch, rate):
        return
    (b0, b1), (r0, r1) = scaled["batch"], scaled["rate"]
    if b1 == b0:
        st.info(f"**Linear scaling rule**: B is already n = {b1}; it cannot double.")
        return
    st.info(f"**Linear scaling rule** (Goyal et al., 2017): B {b0} → {b1} and η {r0:.3g} → {r1:.3g}. A batch "
            f"{b1 / b0:.3g} times larger averages away noise, and a rate as many times larger lets one step "
            f"go about as far as {b1 / b0:.3g} of the small steps: against examples processed (the loss "
            "chart's right panel) the mini-batch run should come about as far as before, in fewer steps.")


def batch_slider(n):
    """The batch-size slider (1..n), checked again here."""
    field = state.number("batch", min(16, n), 1, n, integer=True)
    key = state.bind(field)
    if int(st.session_state[key]) > n:
        st.session_state[key] = n
    batch = st.slider("Batch size B", 1, n, key=key)
    return int(clean_number(batch, 1, n, min(16, n)))


def rate_controls(n):
    """The three runs' learning rates and the linear-scaling preset button (it sets B and η)."""
    rates = {key: controls.number_widget(spec, f"lr.{key}") for key, spec in RATES.items()}
    st.button("×2 Linear scaling rule: double B and η", on_click=_linear_scaling, args=(n,), width="stretch",
              help="Goyal et al. (2017): when the batch grows k times, grow the learning rate k times.")
    return rates


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
def runs(data_key, seed, n, noise, rates, batch_sizes, start, batch_seed):
    """GD, SGD and mini-batch runs in one vmapped call: one rate and batch size per run."""
    landscape = DATA_LANDSCAPES[data_key]
    data, _ = data_set(data_key, seed, n, noise)
    return run_minibatch(landscape.example_loss, "sgd", {"learning_rate": np.asarray(rates, np.float32)},
                         np.asarray(batch_sizes), np.asarray(start, np.float32), data, MAX_STEPS,
                         batch_seed, box_for(landscape.bounds))


def run_of(batch, i):
    """Run i of a batch of runs (any NamedTuple of arrays with a leading run axis)."""
    return type(batch)(*(field[i] for field in batch))


@st.cache_data(max_entries=128, show_spinner=False)
def noise_parts_at(data_key, seed, n, noise, point, batch_seed):
    """Everything about the gradient noise at ``point`` that does not depend on the batch size."""
    landscape = DATA_LANDSCAPES[data_key]
    data, _ = data_set(data_key, seed, n, noise)
    return noise_parts(landscape.example_loss, np.asarray(point, np.float32), data, batch_seed)


def noise_at(data_key, seed, n, noise, point, batch_size, batch_seed):
    """200 mini-batch gradient estimates at ``point`` and the spread of such estimates against B (a new
    B at the same point only divides running sums: moving the slider recomputes nothing heavy)."""
    parts = noise_parts_at(data_key, seed, n, noise, point, batch_seed)
    return GradientNoise(parts.full_grad, parts.covariance, estimates(parts, batch_size), parts.batch_sizes,
                         parts.spread)


def noise_sentence(b_noise, batch):
    """One sentence on what the gradient noise scale means for choosing B."""
    if b_noise == float("inf"):
        return "Here the full gradient is zero: any batch's gradient is pure noise."
    verdict = ("smaller than" if batch < b_noise else "larger than")
    return (f"B_noise ≈ {b_noise:.3g}: batches much smaller than this are mostly noise, so each step "
            "wanders; batches much larger cost more examples for little better direction. "
            f"Your B = {batch} is {verdict} B_noise.")


def walk_table(paths, min_value):
    """Per run: examples per step, examples in all, final loss, and how much the path wanders.

    The wandering factor is the length of the path walked divided by the straight distance from its
    start to its end: 1 for a straight walk, larger the more it zig-zags.
    """
    rows = []
    for run in paths:
        path = run["path"]
        walked = float(np.sum(np.hypot(*np.diff(path, axis=0).T)))
        straight = float(np.hypot(*(path[-1] - path[0])))
        gap = None if min_value is None else max(float(run["loss"][-1] - min_value), 0.0)
        rows.append({"run": run["name"], "examples per step": run["examples_per_step"],
                     "examples in all": run["examples_per_step"] * (len(path) - 1),
                     "final loss J": f"{float(run['loss'][-1]):.4g}",
                     "J − J*": "—" if gap is None else f"{gap:.3g}",
                     "wandering (walked / straight)": f"{walked / straight:.3g}" if straight > 0 else "—",
                     "diverged at step": "—" if run["diverged_at"] is None else str(run["diverged_at"])})
    return rows
