"""Lesson: gradient descent on a loss surface (the lecture's "Loss Optimization" and "Gradient Descent")."""

from functools import partial

import streamlit as st

from optimizers import OPTIMIZERS
from pages.gradient_descent import lesson
from plotting import loss_curve, player_figure, surface_with_path
from ui import compute, controls, panels, projector, state, warm
from ui.errors import friendly_errors
from ui.exports import export_buttons
from ui.player import chart, linked_chart, player, shown_step, step_fields
from ui.start import start_controls, take_click

state.begin("gradient_descent")
projector.begin()
st.title("Gradient descent")
projector.intro(
    "We want the weights **W\\*** that give the lowest loss J(W). Gradient descent: "
    "**1.** start from random weights, **2.** compute the gradient ∂J/∂W, "
    "**3.** take a small step the other way, W ← W − η ∂J/∂W, **4.** repeat until convergence. "
    "Here W = (x, y) has two weights, so J is a landscape we can draw.")

with st.sidebar:
    landscape_key, landscape, theta = controls.landscape_select("quadratic")
    optimizer_key = controls.registry_select("Optimizer", OPTIMIZERS, "optimizer", "sgd")
    spec = OPTIMIZERS[optimizer_key]
    hyperparams = controls.spec_sliders(spec.hyperparams, optimizer_key)
    steps = controls.steps_slider(100)
    start = start_controls(landscape)

run = compute.shown(compute.trajectory(landscape_key, theta, optimizer_key, hyperparams, start), steps)
# A rate past the stability limit asks for the largest stable one: compile that sweep before it does.
warm.ahead(("stops", landscape_key, optimizer_key), compute.stops_sweep, landscape_key, theta, optimizer_key,
           hyperparams, start)
warning = st.container()  # always there, so the figures below keep their place when it fills
xs, ys, z = compute.grid(landscape_key, theta)
left, right = projector.columns([3, 2])
step = 0
with left, friendly_errors("drawing the contour plot"):
    figure = player_figure(xs, ys, z, [dict(name="path", colour=spec.colour, path=run.path, grads=run.grads,
                                            loss=run.loss)],
                           log_color=landscape.log_color, minima=landscape.minima, clickable=True)
    step, _ = player(figure, key="player", fields=step_fields(0), on_click=partial(take_click, landscape))
    export_buttons(figure, {spec.name: run}, title=f"Gradient descent, {landscape.name}, {spec.name}")
k = shown_step(step, run.last)
with right:
    lesson.step_panel(k, run, hyperparams["learning_rate"], optimizer_key == "sgd")
    st.markdown(f"**{landscape.name}**")
    st.latex(r"J(x, y) = " + landscape.latex)
    if landscape.note:
        st.caption(landscape.note)
    st.markdown(f"**{spec.name}**")
    st.latex(spec.latex)
if run.diverged_at is not None:
    stable = compute.largest_stable_rate(landscape_key, theta, optimizer_key, hyperparams, start, steps)
    panels.divergence_message(run.diverged_at, landscape.min_value is not None, stable, where=warning)

# Only the view asked for is drawn: a hidden 3D surface would cost the browser a second per move.
view = st.segmented_control("Show below", list(lesson.VIEWS), format_func=lesson.VIEWS.get, required=True,
                            key=state.bind(state.choice("view", "loss", lesson.VIEWS)))
if view == "surface":
    with friendly_errors("drawing the 3D surface"):
        chart(surface_with_path(xs, ys, z, run.path, run.loss, log_color=landscape.log_color, inspect_step=k,
                                colour=spec.colour), key="surface", three_d=True)
elif view == "rule":
    panels.rule_and_code(spec)
else:
    with friendly_errors("drawing the loss curve"):
        log_y = controls.toggle("Logarithmic loss axis", "log_loss")
        figure = loss_curve(run.loss, diverged_at=run.diverged_at, min_value=landscape.min_value, log_y=log_y,
                            colour=spec.colour)
        linked_chart(figure, key="loss", player_key="player", last=run.last)
state.write_url()
