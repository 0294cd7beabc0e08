"""Lesson: backpropagation, the chain rule on the lecture's tiny network, checked against jax.grad."""

import numpy as np
import streamlit as st

from optimizers.base import HyperParam
from plotting import path_animation
from plotting.graph import graph_figure
from ui import backprop_lesson as lesson
from ui import compute, controls
from ui.errors import friendly_errors

st.title("Backpropagation")
st.markdown("How does a small change in one weight affect the final loss J? The network "
            "x → (w₁) → z₁ → σ → (w₂) → ŷ → J(ŷ, y) answers with the **chain rule**: multiply the "
            "local derivatives along the path from J back to the weight, reusing the ones from later "
            "layers. Move the numbers and watch every factor change.")

columns = st.columns(5)
with columns[0]:
    x = lesson.number_slider("input x", "x", 1.5)
with columns[1]:
    y = lesson.number_slider("target y", "y", 0.3)
with columns[2]:
    w1 = lesson.number_slider("weight w₁", "w1", 0.5)
with columns[3]:
    w2 = lesson.number_slider("weight w₂", "w2", -1.2)
with columns[4]:
    rate = controls.number_widget(HyperParam("learning_rate", "learning rate η", 0.5, 1e-3, 10.0, log=True),
                                  "eta")

w = np.array([w1, w2], np.float32)
nodes, derivatives, products, autodiff = compute.chain_rule(w1, w2, x, y)
with friendly_errors("drawing the computational graph"):
    st.plotly_chart(graph_figure(nodes, derivatives, w), key="graph", config={"displayModeBar": False})

left, right = st.columns([3, 2])
with left:
    st.markdown("**The chain rule, factor by factor**")
    for line in lesson.chain_latex(derivatives, products):
        st.latex(line)
with right:
    st.markdown("**jax.grad's answer**")
    st.latex(rf"\frac{{\partial J}}{{\partial w_2}} = {autodiff[1]:.6g}, \quad "
             rf"\frac{{\partial J}}{{\partial w_1}} = {autodiff[0]:.6g}")
    gap = float(np.max(np.abs(np.array([products["dJ_dw1"], products["dJ_dw2"]]) - autodiff)))
    scale = float(np.max(np.abs(autodiff))) + 1e-12
    if gap <= 1e-5 * scale + 1e-7:  # float32: a few rounding errors in a product of four numbers
        st.success(f"The hand-made chain and jax.grad agree (largest difference {gap:.1e}).")
    else:
        st.error(f"The hand-made chain and jax.grad differ by {gap:.3g}.")

st.subheader("One step of gradient descent on (w₁, w₂)")
grads = np.array([products["dJ_dw1"], products["dJ_dw2"]], np.float32)
lesson.step_button(w, grads, rate)
after = w - rate * grads
st.markdown(f"J = **{float(nodes['J']):.5g}** now; after the step W ← W − η ∂J/∂W it would be "
            f"**{float(compute.chain_loss(float(after[0]), float(after[1]), x, y)):.5g}**.")
with friendly_errors("drawing the loss surface"):
    xs, ys, z = compute.chain_grid(x, y)
    st.plotly_chart(path_animation(xs, ys, z, np.stack([w, after]), np.stack([grads, grads]),
                                   log_color=True, minima=(), inspect_step=0, clickable=False,
                                   axis_titles=("w₁", "w₂")),
                    key="surface", config={"displayModeBar": False})
    st.caption("The loss J over the two weights for this x and y; the arrow is −∇J, the dotted line the "
               "step. ▶ Play moves the point.")
