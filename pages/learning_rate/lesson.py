"""The learning-rate lesson's data: the three regimes, the lecture's presets, and verdicts on runs."""

import numpy as np
import streamlit as st

from engine import hessian_eigenvalues, log_rates, quadratic_rates
from hyperparams import HyperParam
from landscapes.typed import landscape_of
from optimizers import OPTIMIZERS
from optimizers.base import LEARNING_RATE
from plotting.sweep import divergence_boundary
from ui import compute, state

SENTENCES = {
    "small": "Small learning rates converge slowly and get stuck in false local minima.",
    "large": "Large learning rates overshoot, become unstable and diverge.",
    "stable": "Stable learning rates converge smoothly and avoid local minima.",
}
REGIMES = {
    "small": HyperParam("learning_rate", "small η", 0.01, LEARNING_RATE.min, LEARNING_RATE.max, log=True),
    "large": HyperParam("learning_rate", "large η", 3.16, LEARNING_RATE.min, LEARNING_RATE.max, log=True),
    "stable": HyperParam("learning_rate", "stable η", 0.501, LEARNING_RATE.min, LEARNING_RATE.max,
                         log=True),
}
# One click each: a surface, a start and three rates on which the named sentence is plain to see.
PRESETS = {
    "small": dict(button="Small: slow and stuck", landscape="trap", start=(2.5, 1.5), steps=200,
                  rates=dict(small=0.01, large=3.16, stable=0.501)),
    "large": dict(button="Large: overshoot and diverge", landscape="quadratic", start=(-2.5, 2.0),
                  steps=100, rates=dict(small=0.00501, large=0.251, stable=0.0794)),
    "stable": dict(button="Stable: smooth to the global minimum", landscape="trap",
                   start=(3.5, -1.5), steps=150, rates=dict(small=0.0251, large=2.51, stable=0.794)),
}


def preset_on_screen(landscape_key, optimizer_key, schedule_key, start, steps, rates):
    """The preset whose every setting is still on the page, if any (its sentence is then true)."""
    for name, preset in PRESETS.items():
        if ((landscape_key, optimizer_key, schedule_key, tuple(start), steps, rates)
                == (preset["landscape"], "sgd", "constant", tuple(preset["start"]), preset["steps"],
                    preset["rates"])):
            return name
    return None


def apply_preset(name):
    """Button callback: set every widget the preset names, before the page runs again."""
    preset = PRESETS[name]
    landscape = preset["landscape"]
    state.put("landscape", landscape)
    state.put("optimizer", "sgd")
    state.put("schedule", "constant")
    state.put("steps", preset["steps"])
    state.put(f"x0.{landscape}", float(preset["start"][0]))
    state.put(f"y0.{landscape}", float(preset["start"][1]))
    for regime, rate in preset["rates"].items():
        state.put(f"lr.{regime}", rate)
    state.put("step", 0)
    state.new_view()


@st.cache_data(max_entries=64, show_spinner=False)
def rate_sweep(landscape_key, theta, optimizer_key, others, start, steps, count, target, schedule=None):
    """``count`` learning rates over the slider's range, ``steps`` steps each, in one vmapped call."""
    lr = next(h for h in OPTIMIZERS[optimizer_key].hyperparams if h.name == "learning_rate")
    rates = log_rates(lr.min, lr.max, count)
    summary = compute.sweep_rates(landscape_key, theta, optimizer_key, others, start, rates, steps, target,
                                  schedule)
    return rates, summary


@st.cache_data(max_entries=64, show_spinner=False)
def quadratic_theory(landscape_key, theta):
    """For the quadratic bowl: its Hessian's eigenvalues and the rates they predict; else None."""
    if landscape_key != "quadratic":
        return None
    landscape = landscape_of(landscape_key)
    eigenvalues = hessian_eigenvalues(landscape.fn_with, landscape.minima[0], np.asarray(theta, np.float32))
    return dict(quadratic_rates(eigenvalues), eigenvalues=tuple(float(e) for e in eigenvalues))


def theory_note(theory, rates, diverged_at):
    """The bowl's theory next to what the sweep measured."""
    low, high = theory["eigenvalues"]
    below, above = divergence_boundary(rates, diverged_at)
    measured = (f"the largest rate of the sweep that had not diverged after these steps is {below:.4g}, "
                f"the first that had, {above:.4g}" if below is not None and above is not None
                else "the sweep found no boundary")
    if below is not None and below > theory["stability_limit"]:
        measured += (f" (a rate just above {theory['stability_limit']:.4g} is not stable: its error grows "
                     "by |1 − ηλmax| > 1 a step, too slowly to leave the plot in so few steps)")
    st.markdown(
        f"**Theory for this bowl.** The Hessian's eigenvalues are λmin = {low:.4g} and λmax = {high:.4g}. "
        f"Gradient descent converges only if η < 2/λmax = **{theory['stability_limit']:.4g}**, and the "
        f"best fixed rate is 2/(λmin + λmax) = **{theory['best_rate']:.4g}**. Measured: {measured}.")


def verdict(loss, diverged_at, min_value, tolerance, long_run):
    """A few words on how a run ended: diverged, reached the minimum, stuck elsewhere, or crawling.

    ``long_run`` is the same run carried on to the engine's full length: a run counts as stuck when,
    even there, its gradient has vanished away from the global minimum.
    """
    if diverged_at is not None:
        return f"diverged at step {diverged_at}"
    if min_value is not None and loss[-1] - min_value <= tolerance:
        return f"reached the global minimum (J − J* = {max(loss[-1] - min_value, 0.0):.2g})"
    settled = int(long_run.diverged_at) < 0 and float(np.hypot(*long_run.grads[-1])) < 1e-3
    if settled and min_value is not None and long_run.loss[-1] - min_value > tolerance:
        return (f"stuck in a false minimum: J = {loss[-1]:.4g} now, {long_run.loss[-1]:.4g} for good "
                f"(the global minimum is J* = {min_value:.4g})")
    if settled and min_value is None:
        return f"stuck on a flat spot at J = {loss[-1]:.4g}"
    return f"still on its way: J = {loss[-1]:.4g} after {len(loss) - 1} steps"
