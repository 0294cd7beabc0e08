"""Plain gradient descent: the rule of stochastic gradient descent (Kiefer & Wolfowitz, 1952).

On a surface the gradient is exact, and the rule is the lecture's gradient descent; fed the gradient
of a random sample (the mini-batch page) the same rule is SGD.

$$W \\leftarrow W - \\eta \\, g$$
"""

from typing import NamedTuple

import jax

from optimizers.base import GradientTransformation, OptimizerSpec, constant_step_size, learning_rate

LATEX = r"W \leftarrow W - \eta \, \frac{\partial J(W)}{\partial W}"
PAPER = ('Kiefer, J. and Wolfowitz, J. "Stochastic estimation of the maximum of a regression '
         'function." The Annals of Mathematical Statistics (1952): 462-466.')


class SgdState(NamedTuple):
    """Gradient descent keeps no state."""


def make(learning_rate):
    """Gradient descent as an optax-style transformation (optax.sgd): updates = -lr * g."""

    def init(params):
        return SgdState()

    def update(grads, state, params=None):
        updates = jax.tree.map(lambda g: -learning_rate * g, grads)
        return updates, state

    return GradientTransformation(init, update)


def internals(grads, state, learning_rate):
    """The per-coordinate step size: plain η everywhere."""
    return {"step_size": constant_step_size(grads, learning_rate)}


SPEC = OptimizerSpec(
    key="sgd", name="Gradient descent", make=make, latex=LATEX, paper=PAPER,
    hyperparams=(learning_rate(0.15),), module=__name__, internals=internals,
    colour="#e4572e", race_rate=0.001, order=0,
)
