"""The mini-batch lesson's controls: the data set, three learning rates, the batch size, the seed."""

import numpy as np
import streamlit as st

from landscapes.data import SIZES
from optimizers.base import LEARNING_RATE, HyperParam
from ui.validate import clean_number, log_options

RUNS = {  # key: (legend name, colour)
    "gd": ("GD (all n examples)", "#1f77b4"),
    "sgd": ("SGD (B = 1)", "#e4572e"),
    "mini": ("mini-batch", "#2a9d8f"),
}
RATES = {
    "gd": HyperParam("learning_rate", "GD η", 0.1, LEARNING_RATE.min, LEARNING_RATE.max, log=True),
    "sgd": HyperParam("learning_rate", "SGD η", 0.02, LEARNING_RATE.min, LEARNING_RATE.max, log=True),
    "mini": HyperParam("learning_rate", "mini-batch η", 0.05, LEARNING_RATE.min, LEARNING_RATE.max,
                       log=True),
}


def data_controls():
    """Size, noise and seed of the data set; validated again here."""
    n = st.select_slider("Number of examples n", SIZES, value=200, key="n", bind="query-params")
    n = int(n) if n in SIZES else 200
    noise = clean_number(st.slider("Noise in the data", 0.0, 2.0, 0.5, step=0.05, key="noise",
                                   bind="query-params"), 0.0, 2.0, 0.5)
    seed = int(clean_number(st.number_input("Data seed", 0, 2**31 - 1, 0, step=1, key="data_seed"),
                            0, 2**31 - 1, 0))
    return n, noise, seed


def _resample():
    """Button callback: a new seed for the batches, so every noisy picture is drawn again."""
    st.session_state["batch_seed"] = (int(st.session_state.get("batch_seed", 0)) + 1) % 2**31


def batch_seed_controls():
    """The seed of the batch draws, shown and editable, and a resample button."""
    seed = st.number_input("Batch seed", 0, 2**31 - 1, 0, step=1, key="batch_seed")
    st.button("🎲 Resample the batches", on_click=_resample, width="stretch")
    return int(clean_number(seed, 0, 2**31 - 1, 0))


def _linear_scaling(n):
    """Button callback: double the batch size and the mini-batch learning rate (the linear scaling rule)."""
    batch = int(st.session_state.get("batch", 16))
    bigger = min(2 * batch, n)
    rate = float(st.session_state.get("lr.mini", RATES["mini"].default)) * bigger / batch
    stops = log_options(LEARNING_RATE.min, LEARNING_RATE.max, RATES["mini"].default)
    st.session_state["batch"] = bigger
    st.session_state["lr.mini"] = min(stops, key=lambda stop: abs(stop - rate))  # the nearest slider stop


def batch_controls(n):
    """The batch-size slider (1..n) and the linear-scaling preset button."""
    if int(st.session_state.get("batch", 16)) > n:
        st.session_state["batch"] = n
    batch = st.slider("Batch size B", 1, n, min(16, n), key="batch", bind="query-params")
    st.button("×2 Linear scaling rule: double B and η", on_click=_linear_scaling, args=(n,),
              help="Goyal et al. (2017): when the batch grows k times, grow the learning rate k times.")
    return int(clean_number(batch, 1, n, min(16, n)))


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
        rows.append({"run": run["name"], "examples per step": run["examples_per_step"],
                     "examples in all": run["examples_per_step"] * (len(path) - 1),
                     "final loss J": float(run["loss"][-1]),
                     "J − J*": None if min_value is None else float(run["loss"][-1] - min_value),
                     "wandering (walked / straight)": walked / straight if straight > 0 else None,
                     "diverged at step": run["diverged_at"]})
    return rows
