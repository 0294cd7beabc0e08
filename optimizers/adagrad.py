"""Adagrad (Duchi, Hazan & Singer, 2011), as torch.optim.Adagrad with lr_decay 0.

$$s \\leftarrow s + g^2, \\qquad W \\leftarrow W - \\eta \\, g / (\\sqrt{s} + \\epsilon)$$
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from hyperparams import HyperParam
from optimizers.base import (
    GradientTransformation,
    OptimizerSpec,
    full_like_tree,
    learning_rate,
)

LATEX = (r"\begin{aligned} s &\leftarrow s + g^2 \\ "
         r"W &\leftarrow W - \frac{\eta}{\sqrt{s} + \epsilon}\, g \end{aligned}")
PAPER = ('Duchi, J., Hazan, E. and Singer, Y. "Adaptive subgradient methods for online learning '
         'and stochastic optimization." Journal of Machine Learning Research 12.7 (2011).')
EPS = HyperParam("eps", "ε", 1e-10, 1e-12, 1e-2, log=True,
                 help="Added to the denominator so it is never zero.")
INITIAL = HyperParam("initial_accumulator_value", "initial accumulator s₀", 0.0, 0.0, 1.0,
                     help="Starting value of the running sum of squared gradients.")


class AdagradState(NamedTuple):
    """The running sum s of squared gradients."""

    sum_of_squares: Any


def make(learning_rate, eps=EPS.default, initial_accumulator_value=INITIAL.default):
    """Adagrad: s = s + g^2; updates = -lr g / (sqrt(s) + eps)."""

    def init(params):
        return AdagradState(full_like_tree(params, initial_accumulator_value))

    def update(grads, state, params=None):
        sums = jax.tree.map(lambda s, g: s + g * g, state.sum_of_squares, grads)
        updates = jax.tree.map(lambda g, s: -learning_rate * g / (jnp.sqrt(s) + eps), grads, sums)
        return updates, AdagradState(sums)

    return GradientTransformation(init, update)


def internals(grads, state, learning_rate, eps=EPS.default, initial_accumulator_value=INITIAL.default):
    """The per-coordinate step size η / (sqrt(s) + eps) this step used."""
    _, new_state = make(learning_rate, eps, initial_accumulator_value).update(grads, state)
    return {"step_size": jax.tree.map(lambda s: learning_rate / (jnp.sqrt(s) + eps),
                                      new_state.sum_of_squares)}


SPEC = OptimizerSpec(
    key="adagrad", name="Adagrad", make=make, latex=LATEX, paper=PAPER,
    hyperparams=(learning_rate(0.5), EPS, INITIAL), module=__name__, internals=internals,
    colour="#bcbd22", race_rate=0.501, order=3, step_size_rule="η / (√s + ε)",
)
