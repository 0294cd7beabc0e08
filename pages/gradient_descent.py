"""Lesson: gradient descent on a loss surface (the lecture's "Loss Optimization" and "Gradient Descent")."""

import streamlit as st

from optimizers import OPTIMIZERS
from plotting import loss_curve, path_animation, style, surface_with_path
from ui import compute, controls, panels
from ui.errors import friendly_errors
from ui.start import CHART_KEY, start_controls
from ui.stepping import step_controls

st.title("Gradient descent")
st.markdown(
    "We want the weights **W\\*** that give the lowest loss J(W). Gradient descent: "
    "**1.** start from random weights, **2.** compute the gradient ∂J/∂W, "
    "**3.** take a small step the other way, W ← W − η ∂J/∂W, **4.** repeat until convergence. "
    "Here W = (x, y) has two weights, so J is a landscape we can draw.")

with st.sidebar:
    landscape_key, landscape, theta = controls.landscape_select("quadratic")
    optimizer_key = controls.registry_select("Optimizer", OPTIMIZERS, "optimizer", "sgd")
    spec = OPTIMIZERS[optimizer_key]
    hyperparams = controls.spec_sliders(spec.hyperparams, optimizer_key)
    steps = int(st.slider("Number of steps", 1, compute.MAX_STEPS, 100, key="steps",
                          bind="query-params"))
    steps = min(max(steps, 1), compute.MAX_STEPS)
    start = start_controls(landscape)

run = compute.trajectory(landscape_key, theta, optimizer_key, tuple(sorted(hyperparams.items())),
                         tuple(start))
path, grads, loss, diverged_at = compute.cut(run, steps)
last = len(path) - 1
if diverged_at is not None:
    stable = compute.largest_stable_rate(landscape_key, theta, optimizer_key,
                                         tuple(sorted(hyperparams.items())), tuple(start), steps)
    panels.divergence_message(diverged_at, landscape.min_value is not None, stable)
k = step_controls(last, label="Step to inspect (the animation opens here; ▶ Play runs on from it)")

xs, ys, z = compute.grid(landscape_key, theta)
colour = style.OPTIMIZER_COLOURS[optimizer_key]  # the same colour for an optimizer on every page
left, right = st.columns([3, 2])
with left, friendly_errors("drawing the contour plot"):
    figure = path_animation(xs, ys, z, path, grads, log_color=landscape.log_color,
                            minima=landscape.minima, inspect_step=k, colour=colour)
    st.plotly_chart(figure, key=CHART_KEY, on_select="rerun", selection_mode="points",
                    config={"displayModeBar": False})
with right:
    panels.step_panel(k, path, grads, loss, hyperparams["learning_rate"], optimizer_key == "sgd")
    st.markdown(f"**{landscape.name}**")
    st.latex(r"J(x, y) = " + landscape.latex)
    if landscape.note:
        st.caption(landscape.note)
    st.markdown(f"**{spec.name}**")
    st.latex(spec.latex)

surface_tab, loss_tab, code_tab = st.tabs(["3D surface", "Loss against step", "Rule and code"])
with surface_tab, friendly_errors("drawing the 3D surface"):
    st.plotly_chart(surface_with_path(xs, ys, z, path, loss, log_color=landscape.log_color,
                                      inspect_step=k, colour=colour), key="surface")
with loss_tab, friendly_errors("drawing the loss curve"):
    log_y = st.toggle("Logarithmic loss axis", key="log_loss", bind="query-params")
    st.plotly_chart(loss_curve(loss, inspect_step=k, diverged_at=diverged_at,
                               min_value=landscape.min_value, log_y=log_y, colour=colour), key="loss")
with code_tab:
    panels.rule_and_code(spec)
