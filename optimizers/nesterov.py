"""SGD with Nesterov momentum (Nesterov, 1983; Sutskever et al., 2013), as torch.optim.SGD(nesterov=True).

$$b \\leftarrow \\mu b + g, \\qquad W \\leftarrow W - \\eta (g + \\mu b)$$
"""

from typing import Any, NamedTuple

import jax

from optimizers.base import (
    GradientTransformation,
    OptimizerSpec,
    constant_step_size,
    learning_rate,
    zeros_like_tree,
)
from optimizers.momentum import MOMENTUM

LATEX = (r"\begin{aligned} b &\leftarrow \mu\, b + g \\ "
         r"W &\leftarrow W - \eta\,(g + \mu\, b) \end{aligned}")
PAPER = ('Nesterov, Y. "A method for solving the convex programming problem with convergence '
         'rate O(1/k^2)." Soviet Mathematics Doklady 27 (1983): 372-376; in deep learning: '
         'Sutskever, I. et al. "On the importance of initialization and momentum in deep '
         'learning." ICML (2013).')


class NesterovState(NamedTuple):
    """The velocity b, one array per parameter."""

    velocity: Any


def make(learning_rate, momentum=MOMENTUM.default):
    """Nesterov momentum: b = mu b + g; updates = -lr (g + mu b)."""

    def init(params):
        return NesterovState(zeros_like_tree(params))

    def update(grads, state, params=None):
        velocity = jax.tree.map(lambda b, g: momentum * b + g, state.velocity, grads)
        updates = jax.tree.map(lambda g, b: -learning_rate * (g + momentum * b), grads, velocity)
        return updates, NesterovState(velocity)

    return GradientTransformation(init, update)


def internals(grads, state, learning_rate, momentum=MOMENTUM.default):
    """The velocity b after this step's gradient, and the step size η."""
    _, new_state = make(learning_rate, momentum).update(grads, state)
    return {"velocity": new_state.velocity,
            "step_size": constant_step_size(grads, learning_rate)}


SPEC = OptimizerSpec(
    key="nesterov", name="Nesterov", make=make, latex=LATEX, paper=PAPER,
    hyperparams=(learning_rate(0.01), MOMENTUM), module=__name__, internals=internals,
    colour="#1f77b4", race_rate=0.000794, order=2,
)
