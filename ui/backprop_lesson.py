"""The backpropagation lesson's read-outs: the chain rule written with this setting's numbers."""

import streamlit as st

from ui.validate import clean_number

WEIGHT_RANGE = (-3.0, 3.0)
# The lecture colours the factors: ∂J/∂ŷ purple, ∂ŷ/∂(·) red, ∂z₁/∂w₁ blue.
PURPLE, RED, BLUE = r"\color{#7b2cbf}", r"\color{#d62828}", r"\color{#1d4ed8}"


def number_slider(label, key, default, low=-3.0, high=3.0):
    """A slider for one number of the tiny network, checked again on the server."""
    value = st.slider(label, low, high, default, step=0.05, key=key, bind="query-params")
    return clean_number(value, low, high, default)


def chain_latex(d, c):
    """The lecture's two chain-rule products, factor by factor, with numbers."""
    w2 = (rf"\frac{{\partial J}}{{\partial w_2}} = {PURPLE}\frac{{\partial J}}{{\partial \hat y}}"
          rf"\color{{black}} \times {RED}\frac{{\partial \hat y}}{{\partial w_2}}\color{{black}}"
          rf" = {PURPLE}({d['dJ_dyhat']:.4g})\color{{black}} \times {RED}({d['dyhat_dw2']:.4g})"
          rf"\color{{black}} = {c['dJ_dw2']:.6g}")
    w1 = (rf"\frac{{\partial J}}{{\partial w_1}} = {PURPLE}\frac{{\partial J}}{{\partial \hat y}}"
          rf"\color{{black}} \times {RED}\frac{{\partial \hat y}}{{\partial z_1}}\color{{black}} \times "
          rf"{BLUE}\frac{{\partial z_1}}{{\partial w_1}}\color{{black}} = {PURPLE}({d['dJ_dyhat']:.4g})"
          rf"\color{{black}} \times {RED}({c['dyhat_dz1']:.4g})\color{{black}} \times "
          rf"{BLUE}({d['dz1_dw1']:.4g})\color{{black}} = {c['dJ_dw1']:.6g}")
    return w2, w1


def _step(w, grads, rate):
    """Button callback: move the weight sliders one gradient-descent step, inside their range."""
    for i, key in enumerate(("w1", "w2")):
        st.session_state[key] = round(clean_number(w[i] - rate * grads[i], *WEIGHT_RANGE, w[i]), 6)


def step_button(w, grads, rate):
    """The one-step button: W ← W − η ∂J/∂W applied to the two weight sliders."""
    st.button("Take one gradient-descent step: W ← W − η ∂J/∂W", on_click=_step,
              args=(tuple(w), tuple(grads), rate))
