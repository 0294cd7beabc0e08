"""Read-outs beside the figures: the update written with this step's numbers, the rule, the code."""

import importlib
import inspect

import numpy as np
import streamlit as st

from plotting.sweep import divergence_boundary


def _vector(values):
    """A 2-vector as a LaTeX column."""
    return r"\begin{bmatrix}" + r" \\ ".join(f"{v:.4g}" for v in values) + r"\end{bmatrix}"


def update_equation(point, grad, next_point, learning_rate, is_plain_gd):
    """W <- W - eta dJ/dW with this step's numbers; for other rules, the step they actually took."""
    if is_plain_gd:
        return (r"\begin{aligned} W &\leftarrow W - \eta \frac{\partial J}{\partial W} \\ "
                f"{_vector(next_point)} &= {_vector(point)} - {learning_rate:.4g}\\,{_vector(grad)}"
                r"\end{aligned}")
    step = np.asarray(next_point) - np.asarray(point)
    return (r"\begin{aligned} W &\leftarrow W + \Delta W \\ "
            f"{_vector(next_point)} &= {_vector(point)} + {_vector(step)}" r" \\ "
            r"\text{plain GD: } -\eta \tfrac{\partial J}{\partial W} &= "
            f"{_vector(-learning_rate * np.asarray(grad))}"
            r"\end{aligned}")


def step_panel(k, path, grads, loss, learning_rate, is_plain_gd):
    """The numbers of step k: where we are, the gradient there, and the update."""
    last = len(path) - 1
    st.markdown(f"**Step {k} of {last}** · loss J = `{loss[k]:.6g}` · "
                f"‖∇J‖ = `{float(np.hypot(*grads[k])):.4g}`")
    if k < last:
        st.latex(update_equation(path[k], grads[k], path[k + 1], learning_rate, is_plain_gd))
    else:
        st.latex(r"W = " + _vector(path[k]) + r",\quad \frac{\partial J}{\partial W} = "
                 + _vector(grads[k]))
        st.caption("This is the last step shown; move the step slider back to see an update.")


def divergence_message(diverged_at, has_minimum, stable_rate=None):
    """A plain sentence on why the run stopped early: a lesson, not an error."""
    if has_minimum:
        hint = (f" The largest rate on the slider that stays finite here is η = {stable_rate:.4g}."
                if stable_rate is not None else "")
        st.warning(f"**Diverged at step {diverged_at}**: the learning rate is too large for this "
                   "surface. Each step overshoots further than the last, until the numbers blow up. "
                   f"The path is shown up to step {diverged_at - 1}; try a smaller learning rate.{hint}")
    else:
        st.warning(f"**Ran off the map at step {diverged_at}**: this surface has no minimum, so the "
                   "loss keeps falling forever and the path leaves the plot. "
                   f"The path is shown up to step {diverged_at - 1}.")


def rule_and_code(spec):
    """The optimizer's update rule in LaTeX, its paper and the source code that really runs."""
    st.latex(spec.latex)
    st.caption(f"Paper: {spec.paper}")
    source = inspect.getsource(importlib.import_module(spec.module))
    st.code(source, language="python")


def theory_note(theory, rates, diverged_at):
    """The bowl's theory next to what the sweep measured."""
    low, high = theory["eigenvalues"]
    below, above = divergence_boundary(rates, diverged_at)
    measured = (f"the sweep's last stable rate is {below:.4g} and its first diverging rate {above:.4g}"
                if below is not None and above is not None else "the sweep found no boundary")
    st.markdown(
        f"**Theory for this bowl.** The Hessian's eigenvalues are λmin = {low:.4g} and λmax = {high:.4g}. "
        f"Gradient descent converges only if η < 2/λmax = **{theory['stability_limit']:.4g}**, and the "
        f"best fixed rate is 2/(λmin + λmax) = **{theory['best_rate']:.4g}**. Measured: {measured}.")
