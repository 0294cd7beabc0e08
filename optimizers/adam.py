"""Adam (Kingma & Ba, 2014), as torch.optim.Adam without amsgrad or weight decay.

$$m \\leftarrow \\beta_1 m + (1-\\beta_1) g,\\quad v \\leftarrow \\beta_2 v + (1-\\beta_2) g^2,\\quad
W \\leftarrow W - \\eta \\frac{m / (1-\\beta_1^t)}{\\sqrt{v / (1-\\beta_2^t)} + \\epsilon}$$
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from hyperparams import HyperParam
from optimizers.base import (
    GradientTransformation,
    OptimizerSpec,
    learning_rate,
    zeros_like_tree,
)

LATEX = (r"\begin{aligned} m &\leftarrow \beta_1 m + (1-\beta_1)\, g \\ "
         r"v &\leftarrow \beta_2 v + (1-\beta_2)\, g^2 \\ "
         r"W &\leftarrow W - \eta\, \frac{m / (1-\beta_1^t)}{\sqrt{v / (1-\beta_2^t)} + \epsilon}"
         r"\end{aligned}")
PAPER = ('Kingma, D. P. and Ba, J. "Adam: A method for stochastic optimization." arXiv preprint '
         'arXiv:1412.6980 (2014).')
B1 = HyperParam("b1", "β₁", 0.9, 0.0, 0.999, help="Decay of the running mean of gradients.", near_one=True)
B2 = HyperParam("b2", "β₂", 0.999, 0.0, 0.99999,
                help="Decay of the running mean of squared gradients.", near_one=True)
EPS = HyperParam("eps", "ε", 1e-8, 1e-12, 1e-2, log=True,
                 help="Added to the denominator so it is never zero.")


class AdamState(NamedTuple):
    """The step count t and the running means m (of g) and v (of g squared)."""

    count: jax.Array
    mean: Any
    mean_square: Any


def make(learning_rate, b1=B1.default, b2=B2.default, eps=EPS.default):
    """Adam: bias-corrected running means of g and g^2; updates = -lr m_hat / (sqrt(v_hat) + eps)."""

    def init(params):
        return AdamState(jnp.zeros([], jnp.int32), zeros_like_tree(params), zeros_like_tree(params))

    def update(grads, state, params=None):
        t = state.count + 1
        m = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, state.mean, grads)
        v = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, state.mean_square, grads)
        correction1 = 1 - b1 ** t
        correction2 = 1 - b2 ** t
        updates = jax.tree.map(
            lambda m, v: -learning_rate * (m / correction1) / (jnp.sqrt(v / correction2) + eps),
            m, v)
        return updates, AdamState(t, m, v)

    return GradientTransformation(init, update)


def internals(grads, state, learning_rate, b1=B1.default, b2=B2.default, eps=EPS.default):
    """The bias-corrected velocity m_hat and the per-coordinate step size η / (sqrt(v_hat) + eps)."""
    _, new = make(learning_rate, b1, b2, eps).update(grads, state)
    m_hat = jax.tree.map(lambda m: m / (1 - b1 ** new.count), new.mean)
    step = jax.tree.map(lambda v: learning_rate / (jnp.sqrt(v / (1 - b2 ** new.count)) + eps),
                        new.mean_square)
    return {"velocity": m_hat, "step_size": step}


SPEC = OptimizerSpec(
    key="adam", name="Adam", make=make, latex=LATEX, paper=PAPER,
    hyperparams=(learning_rate(0.05), B1, B2, EPS), module=__name__, internals=internals,
    colour="#e377c2", race_rate=0.0501, order=6, step_size_rule="η / (√v̂ + ε)",
)
