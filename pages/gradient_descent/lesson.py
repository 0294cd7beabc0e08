"""The gradient-descent lesson's read-outs: the update of the step on screen, with its own numbers."""

import numpy as np
import streamlit as st

VIEWS = {"loss": "Loss against step", "surface": "3D surface", "rule": "Rule and code"}


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


def step_panel(k, run, learning_rate, is_plain_gd):
    """The numbers of step k: where we are, the gradient there, and the update."""
    st.markdown(f"**Step {k} of {run.last}** · loss J = `{run.loss[k]:.6g}` · "
                f"‖∇J‖ = `{float(np.hypot(*run.grads[k])):.4g}`")
    if k < run.last:
        st.latex(update_equation(run.path[k], run.grads[k], run.path[k + 1], learning_rate, is_plain_gd))
    else:
        st.latex(r"W = " + _vector(run.path[k]) + r",\quad \frac{\partial J}{\partial W} = "
                 + _vector(run.grads[k]))
        st.caption("This is the last step shown: step back (◀) to see an update.")
