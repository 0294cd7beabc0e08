"""The learning-rate lesson's data: the three regimes, the lecture's presets, and verdicts on runs."""

import numpy as np
import streamlit as st

from optimizers.base import LEARNING_RATE, HyperParam

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
    "small": dict(button="🐢 Small: slow and stuck", landscape="trap", start=(2.5, 1.5), steps=200,
                  rates=dict(small=0.01, large=3.16, stable=0.501)),
    "large": dict(button="💥 Large: overshoot and diverge", landscape="quadratic", start=(-2.5, 2.0),
                  steps=100, rates=dict(small=0.00501, large=0.251, stable=0.0794)),
    "stable": dict(button="✅ Stable: smooth to the global minimum", landscape="trap",
                   start=(3.5, -1.5), steps=150, rates=dict(small=0.0251, large=2.51, stable=0.794)),
}


def preset_on_screen(landscape_key, start, steps, rates):
    """The preset whose settings are all still on the page, if any (its sentence stays true)."""
    name = st.session_state.get("preset")
    preset = PRESETS.get(name)
    if preset is None or (landscape_key, tuple(start), steps) != (
            preset["landscape"], tuple(preset["start"]), preset["steps"]):
        return None
    return name if rates == preset["rates"] else None


def apply_preset(name):
    """Button callback: set every widget the preset names, before the page runs again."""
    preset = PRESETS[name]
    landscape = preset["landscape"]
    st.session_state.update({"landscape": landscape, "optimizer": "sgd", "steps": preset["steps"],
                             "schedule": "constant", f"x0.{landscape}": float(preset["start"][0]),
                             f"y0.{landscape}": float(preset["start"][1]), "preset": name})
    st.session_state.update({f"lr.{regime}": rate for regime, rate in preset["rates"].items()})


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
