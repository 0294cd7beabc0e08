"""Lesson: backpropagation, the chain rule on the lecture's tiny network, checked against jax.grad."""

import numpy as np
import streamlit as st

from hyperparams import HyperParam
from models.chain import BOUNDS
from pages.backpropagation import lesson
from plotting import player_figure
from plotting.graph import graph_figure
from ui import controls, projector, state
from ui.errors import friendly_errors
from ui.exports import export_buttons
from ui.player import chart, player, step_fields

RATE = HyperParam("learning_rate", "learning rate η", 0.5, 1e-3, 10.0, log=True)

state.begin("backpropagation")
projector.begin()
st.title("Backpropagation")
projector.intro("How does a small change in one weight affect the final loss J? The network "
            "x → (w₁) → z₁ → σ → (w₂) → ŷ → J(ŷ, y) answers with the **chain rule**: multiply the "
            "local derivatives along the path from J back to the weight, reusing the ones from later "
            "layers. Move the numbers and watch every factor change.")

columns = st.columns(5)
x = lesson.number_slider("input x", "x", 1.5, container=columns[0])
y = lesson.number_slider("target y", "y", 0.3, container=columns[1])
w1 = lesson.number_slider("weight w₁", "w1", 0.5, container=columns[2])
w2 = lesson.number_slider("weight w₂", "w2", -1.2, container=columns[3])
rate = controls.number_widget(RATE, "eta", container=columns[4])

w = np.array([w1, w2], np.float32)
nodes, derivatives, products, autodiff = lesson.chain_rule(w1, w2, x, y)
with friendly_errors("drawing the computational graph"):
    chart(graph_figure(nodes, derivatives, w), key="graph")

left, right = st.columns([3, 2])
with left:
    st.markdown("**The chain rule, factor by factor**")
    for line in lesson.chain_latex(derivatives, products):
        st.latex(line)
with right:
    st.markdown("**jax.grad's answer**")
    st.latex(rf"\begin{{aligned}}\frac{{\partial J}}{{\partial w_2}} &= {autodiff[1]:.6g} \\ "
             rf"\frac{{\partial J}}{{\partial w_1}} &= {autodiff[0]:.6g}\end{{aligned}}")
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
            f"**{float(lesson.chain_loss(float(after[0]), float(after[1]), x, y)):.5g}**.")
with friendly_errors("drawing the loss surface"):
    xs, ys, z = lesson.chain_grid(x, y)
    (low, high), _ = BOUNDS
    inside = np.clip(after, low, high)  # a huge rate's step would leave the picture
    lesson.forget_trail_if_moved(w)
    run, taken = lesson.steps_run(w, inside, x, y)
    figure = player_figure(xs, ys, z, [run], log_color=True, minima=(), axis_titles=("w₁", "w₂"), height=480)
    player(figure, key="player", fields=step_fields(0))
    export_buttons(figure, {"gradient descent": run}, title="Backpropagation, steps on (w1, w2)",
                   names=("w1", "w2"))
    st.caption("The loss J over the two weights for this x and y; the arrow is −∇J. "
               + (f"The line is the {taken} step{'s' if taken > 1 else ''} taken with the button; "
                  if taken else "") + "▶ takes the next step.")
state.write_url()
