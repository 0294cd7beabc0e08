"""Shared types of the optimizer registry: the optax-style protocol and the specs the UI reads."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp


class GradientTransformation(NamedTuple):
    """A pair of pure functions, as in optax: ``init(params)`` and ``update(grads, state, params)``."""

    init: Callable[[Any], Any]
    update: Callable[..., tuple[Any, Any]]


@dataclass(frozen=True)
class HyperParam:
    """One hyperparameter: its keyword, label, default, range and whether its slider is logarithmic."""

    name: str
    label: str
    default: float
    min: float
    max: float
    log: bool = False
    help: str = ""
    near_one: bool = False  # a decay rate: its slider is finer as it approaches 1


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer as the app knows it: how to build it and how to show it."""

    key: str
    name: str
    make: Callable[..., GradientTransformation]
    latex: str
    paper: str
    hyperparams: tuple[HyperParam, ...]
    module: str
    internals: Callable[..., dict] | None = None  # (grads, state, **hp) -> what the step used

    def defaults(self) -> dict[str, float]:
        """The default value of every hyperparameter, by keyword."""
        return {h.name: h.default for h in self.hyperparams}


def zeros_like_tree(tree):
    """A pytree of zeros shaped like ``tree``."""
    return jax.tree.map(jnp.zeros_like, tree)


def full_like_tree(tree, value):
    """A pytree shaped like ``tree`` filled with ``value``."""
    return jax.tree.map(lambda x: jnp.full_like(x, value), tree)


LEARNING_RATE = HyperParam(
    "learning_rate", "learning rate η", 0.01, 1e-4, 10.0, log=True,
    help="Step size: how far each update moves the weights.",
)


def learning_rate(default: float) -> HyperParam:
    """The learning-rate hyperparameter with an optimizer-specific default."""
    return HyperParam(LEARNING_RATE.name, LEARNING_RATE.label, default, LEARNING_RATE.min,
                      LEARNING_RATE.max, log=True, help=LEARNING_RATE.help)
