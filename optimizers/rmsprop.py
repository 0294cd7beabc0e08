"""RMSProp (Tieleman & Hinton, 2012), as torch.optim.RMSprop, not centered, no momentum.

$$v \\leftarrow \\alpha v + (1-\\alpha) g^2, \\qquad W \\leftarrow W - \\eta \\, g / (\\sqrt{v} + \\epsilon)$$
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

LATEX = (r"\begin{aligned} v &\leftarrow \alpha\, v + (1 - \alpha)\, g^2 \\ "
         r"W &\leftarrow W - \frac{\eta}{\sqrt{v} + \epsilon}\, g \end{aligned}")
PAPER = ('Tieleman, T. and Hinton, G. "Lecture 6.5-rmsprop: divide the gradient by a running '
         'average of its recent magnitude." COURSERA: Neural Networks for Machine Learning 4.2 '
         '(2012): 26-31.')
DECAY = HyperParam("decay", "decay α", 0.99, 0.0, 0.9999,
                   help="How slowly the running average of squared gradients forgets.", near_one=True)
EPS = HyperParam("eps", "ε", 1e-8, 1e-12, 1e-2, log=True,
                 help="Added to the denominator so it is never zero.")


class RmspropState(NamedTuple):
    """The running average v of squared gradients."""

    mean_square: Any


def make(learning_rate, decay=DECAY.default, eps=EPS.default):
    """RMSProp: v = decay v + (1 - decay) g^2; updates = -lr g / (sqrt(v) + eps)."""

    def init(params):
        return RmspropState(zeros_like_tree(params))

    def update(grads, state, params=None):
        mean_square = jax.tree.map(lambda v, g: decay * v + (1 - decay) * g * g,
                                   state.mean_square, grads)
        updates = jax.tree.map(lambda g, v: -learning_rate * g / (jnp.sqrt(v) + eps),
                               grads, mean_square)
        return updates, RmspropState(mean_square)

    return GradientTransformation(init, update)


def internals(grads, state, learning_rate, decay=DECAY.default, eps=EPS.default):
    """The per-coordinate step size η / (sqrt(v) + eps) this step used."""
    _, new_state = make(learning_rate, decay, eps).update(grads, state)
    return {"step_size": jax.tree.map(lambda v: learning_rate / (jnp.sqrt(v) + eps),
                                      new_state.mean_square)}


SPEC = OptimizerSpec(
    key="rmsprop", name="RMSProp", make=make, latex=LATEX, paper=PAPER,
    hyperparams=(learning_rate(0.01), DECAY, EPS), module=__name__, internals=internals,
    colour="#9467bd", race_rate=0.01, order=4, step_size_rule="η / (√v + ε)",
)
