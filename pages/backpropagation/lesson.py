"""The backpropagation lesson's read-outs: the chain rule written with this setting's numbers."""

from typing import NamedTuple

import numpy as np
import streamlit as st

from engine import surface_grid
from models import chain
from plotting.style import LECTURE_COLOURS
from ui import state
from ui.compute import GRID_SIZE
from ui.controls import clean_number

WEIGHT_RANGE = (-3.0, 3.0)
# The lecture colours the factors: ∂J/∂ŷ purple, ∂ŷ/∂(·) red, ∂z₁/∂w₁ blue.
PURPLE, RED, BLUE = (rf"\color{{{LECTURE_COLOURS[c]}}}" for c in ("purple", "red", "blue"))


def number_slider(label, key, default, low=-3.0, high=3.0, container=st):
    """A slider for one number of the tiny network, checked again on the server."""
    field = state.number(key, default, low, high)
    value = container.slider(label, low, high, step=0.05, key=state.bind(field))
    return clean_number(value, low, high, default)


def chain_latex(d, c):
    """The lecture's two chain-rule products, factor by factor, then with numbers (two rows each, so a
    line fits its column on a 1280-pixel screen)."""
    w2 = (rf"\begin{{aligned}}\frac{{\partial J}}{{\partial w_2}} &= "
          rf"{PURPLE}\frac{{\partial J}}{{\partial \hat y}}"
          rf"\color{{black}} \times {RED}\frac{{\partial \hat y}}{{\partial w_2}}\color{{black}} \\"
          rf" &= {PURPLE}({d['dJ_dyhat']:.4g})\color{{black}} \times {RED}({d['dyhat_dw2']:.4g})"
          rf"\color{{black}} = {c['dJ_dw2']:.6g}\end{{aligned}}")
    w1 = (rf"\begin{{aligned}}\frac{{\partial J}}{{\partial w_1}} &= "
          rf"{PURPLE}\frac{{\partial J}}{{\partial \hat y}}"
          rf"\color{{black}} \times {RED}\frac{{\partial \hat y}}{{\partial z_1}}\color{{black}} \times "
          rf"{BLUE}\frac{{\partial z_1}}{{\partial w_1}}\color{{black}} \\ &= {PURPLE}({d['dJ_dyhat']:.4g})"
          rf"\color{{black}} \times {RED}({c['dyhat_dz1']:.4g})\color{{black}} \times "
          rf"{BLUE}({d['dz1_dw1']:.4g})\color{{black}} = {c['dJ_dw1']:.6g}\end{{aligned}}")
    return w2, w1


TRAIL = "_backprop.trail"  # the weights the step button has visited, oldest first
MAX_TRAIL = 100


def _step(w, grads, rate):
    """Button callback: move the weight sliders one gradient-descent step, inside their range, and
    remember where the steps have been."""
    after = tuple(round(clean_number(w[i] - rate * grads[i], *WEIGHT_RANGE, w[i]), 6) for i in range(2))
    trail = steps_taken(w)
    st.session_state[TRAIL] = ((trail or [tuple(float(v) for v in w)]) + [after])[-MAX_TRAIL:]
    for key, value in zip(("w1", "w2"), after, strict=True):
        state.put(key, value)
    state.put("step", len(st.session_state[TRAIL]) - 1)  # the player opens on the weights now set
    state.new_view()


def steps_run(w, inside, x, y):
    """The player's run: the weights the button's steps visited, the weights now set and where the next
    step lands (``inside`` the picture), with J and its gradient at each; and how many steps were taken."""
    points = [*(np.asarray(p, np.float32) for p in steps_taken(w)[:-1]), np.asarray(w, np.float32),
              np.asarray(inside, np.float32)]
    chains = [chain_rule(float(p[0]), float(p[1]), x, y) for p in points]
    grads = [np.array([c.products["dJ_dw1"], c.products["dJ_dw2"]], np.float32) for c in chains]
    run = dict(name="steps", colour="#e4572e", path=np.stack(points), grads=np.stack(grads),
               loss=np.array([c.nodes["J"] for c in chains]))
    return run, len(points) - 2


def forget_trail_if_moved(w):
    """A slider moved the weights off the trail: forget it, and open the player on the weights."""
    if st.session_state.get(TRAIL) and not steps_taken(w):
        del st.session_state[TRAIL]
        state.put("step", 0)
        state.new_view()


def steps_taken(w):
    """The weights the button's steps have visited, ending at ``w``; empty once a slider moved them."""
    trail = st.session_state.get(TRAIL) or []
    if trail and np.allclose(trail[-1], np.asarray(w, np.float64), atol=1e-6):
        return list(trail)
    return []


def step_button(w, grads, rate):
    """The one-step button: W ← W − η ∂J/∂W applied to the two weight sliders."""
    st.button("Take one gradient-descent step: W ← W − η ∂J/∂W", on_click=_step,
              args=(tuple(w), tuple(grads), rate))


class Chain(NamedTuple):
    """One setting of the tiny network: node values, local derivatives, their products, jax.grad."""

    nodes: dict
    local: dict
    products: dict
    autodiff: np.ndarray


@st.cache_data(max_entries=256, show_spinner=False)
def chain_rule(w1, w2, x, y):
    """The tiny network's nodes, local derivatives, chain-rule products and jax.grad, as numpy."""
    nodes, local, products, autodiff = chain.explain(np.array([w1, w2], np.float32), np.float32(x),
                                                     np.float32(y))
    return Chain({k: float(v) for k, v in nodes.items()}, {k: float(v) for k, v in local.items()},
                 {k: float(v) for k, v in products.items()}, np.asarray(autodiff, np.float64))


def chain_loss(w1, w2, x, y):
    """J at (w1, w2) for the example (x, y)."""
    return chain_rule(w1, w2, x, y).nodes["J"]


@st.cache_data(max_entries=64, show_spinner=False)
def chain_grid(x, y):
    """J over (w1, w2) on a grid, for the example (x, y)."""
    return surface_grid(chain.loss, chain.BOUNDS, (np.float32(x), np.float32(y)), GRID_SIZE)
