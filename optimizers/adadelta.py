"""Adadelta (Zeiler, 2012), as torch.optim.Adadelta.

$$v \\leftarrow \\rho v + (1-\\rho) g^2,\\quad d = \\frac{\\sqrt{u+\\epsilon}}{\\sqrt{v+\\epsilon}} g,\\quad
u \\leftarrow \\rho u + (1-\\rho) d^2,\\quad W \\leftarrow W - \\eta d$$
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

LATEX = (r"\begin{aligned} v &\leftarrow \rho\, v + (1-\rho)\, g^2 \\ "
         r"d &= \frac{\sqrt{u + \epsilon}}{\sqrt{v + \epsilon}}\, g \\ "
         r"u &\leftarrow \rho\, u + (1-\rho)\, d^2 \\ W &\leftarrow W - \eta\, d \end{aligned}")
PAPER = ('Zeiler, M. D. "ADADELTA: an adaptive learning rate method." arXiv preprint '
         'arXiv:1212.5701 (2012).')
RHO = HyperParam("rho", "decay ρ", 0.9, 0.0, 0.9999,
                 help="How slowly both running averages forget.", near_one=True)
EPS = HyperParam("eps", "ε", 1e-2, 1e-12, 1e-1, log=True,
                 help="Sets the size of the first steps, since u starts at zero.")


class AdadeltaState(NamedTuple):
    """Running averages of squared gradients (v) and of squared steps (u)."""

    mean_square_grad: Any
    mean_square_delta: Any


def make(learning_rate, rho=RHO.default, eps=EPS.default):
    """Adadelta: the step is g scaled by RMS(previous steps) / RMS(gradients)."""

    def init(params):
        return AdadeltaState(zeros_like_tree(params), zeros_like_tree(params))

    def update(grads, state, params=None):
        v = jax.tree.map(lambda v, g: rho * v + (1 - rho) * g * g, state.mean_square_grad, grads)
        delta = jax.tree.map(lambda g, v, u: jnp.sqrt(u + eps) / jnp.sqrt(v + eps) * g,
                             grads, v, state.mean_square_delta)
        u = jax.tree.map(lambda u, d: rho * u + (1 - rho) * d * d, state.mean_square_delta, delta)
        updates = jax.tree.map(lambda d: -learning_rate * d, delta)
        return updates, AdadeltaState(v, u)

    return GradientTransformation(init, update)


def internals(grads, state, learning_rate, rho=RHO.default, eps=EPS.default):
    """The per-coordinate step size η sqrt(u + eps) / sqrt(v + eps) this step used."""
    _, new_state = make(learning_rate, rho, eps).update(grads, state)
    return {"step_size": jax.tree.map(lambda v, u: learning_rate * jnp.sqrt(u + eps) / jnp.sqrt(v + eps),
                                      new_state.mean_square_grad, state.mean_square_delta)}


SPEC = OptimizerSpec(
    key="adadelta", name="Adadelta", make=make, latex=LATEX, paper=PAPER,
    hyperparams=(learning_rate(1.0), RHO, EPS), module=__name__, internals=internals,
    colour="#8c564b", race_rate=0.251, order=5, step_size_rule="η √(u + ε) / √(v + ε)",
)
