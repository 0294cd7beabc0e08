"""SGD with heavy-ball momentum (Polyak, 1964), as torch.optim.SGD with dampening 0.

$$b \\leftarrow \\mu b + g, \\qquad W \\leftarrow W - \\eta b$$
"""

from typing import Any, NamedTuple

import jax

from hyperparams import HyperParam
from optimizers.base import (
    GradientTransformation,
    OptimizerSpec,
    constant_step_size,
    learning_rate,
    zeros_like_tree,
)

LATEX = r"\begin{aligned} b &\leftarrow \mu\, b + g \\ W &\leftarrow W - \eta\, b \end{aligned}"
PAPER = ('Polyak, B. T. "Some methods of speeding up the convergence of iteration methods." '
         'USSR Computational Mathematics and Mathematical Physics 4.5 (1964): 1-17.')
MOMENTUM = HyperParam("momentum", "momentum μ", 0.9, 0.0, 0.999,
                      help="How much of the previous velocity each step keeps.", near_one=True)


class MomentumState(NamedTuple):
    """The velocity b, one array per parameter."""

    velocity: Any


def make(learning_rate, momentum=MOMENTUM.default):
    """Heavy-ball momentum: b = mu b + g; updates = -lr b."""

    def init(params):
        return MomentumState(zeros_like_tree(params))

    def update(grads, state, params=None):
        velocity = jax.tree.map(lambda b, g: momentum * b + g, state.velocity, grads)
        updates = jax.tree.map(lambda b: -learning_rate * b, velocity)
        return updates, MomentumState(velocity)

    return GradientTransformation(init, update)


def internals(grads, state, learning_rate, momentum=MOMENTUM.default):
    """The velocity b this step moves along, and the step size η on it."""
    _, new_state = make(learning_rate, momentum).update(grads, state)
    return {"velocity": new_state.velocity,
            "step_size": constant_step_size(grads, learning_rate)}


SPEC = OptimizerSpec(
    key="momentum", name="Momentum", make=make, latex=LATEX, paper=PAPER,
    hyperparams=(learning_rate(0.01), MOMENTUM), module=__name__, internals=internals,
    colour="#17becf", race_rate=0.001, order=1,
)
