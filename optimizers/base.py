"""Shared types of the optimizer registry: the optax-style protocol and the spec the app reads."""

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from hyperparams import HyperParam


class GradientTransformation(NamedTuple):
    """A pair of pure functions, as in optax: ``init(params)`` and ``update(grads, state, params)``."""

    init: Callable[[Any], Any]
    update: Callable[..., tuple[Any, Any]]


@dataclass(frozen=True)
class OptimizerSpec:
    """Everything the app knows of one optimizer: how to build it, how to show it, where to race it.

    ``internals(grads, state, **hp)`` (optional) returns what one update used: ``step_size`` per
    coordinate and, for rules with a velocity, ``velocity``; ``step_size_rule`` writes that step
    size as a formula. ``race_rate`` is the learning rate the race starts from on Rosenbrock (a
    stop of the log slider); ``order`` places the optimizer in lists.
    """

    key: str
    name: str
    make: Callable[..., GradientTransformation]
    latex: str
    paper: str
    hyperparams: tuple[HyperParam, ...]
    module: str
    colour: str
    race_rate: float
    order: int = 100
    internals: Callable[..., dict] | None = None
    step_size_rule: str = "η"

    def defaults(self) -> dict[str, float]:
        """The default value of every hyperparameter, by keyword."""
        return {h.name: h.default for h in self.hyperparams}

    @property
    def source(self) -> str:
        """The source code of the module that defines the rule: what really runs."""
        return inspect.getsource(importlib.import_module(self.module))


def apply_updates(params, updates):
    """params + updates, leaf by leaf (optax.apply_updates)."""
    return jax.tree.map(jnp.add, params, updates)


def zeros_like_tree(tree):
    """A pytree of zeros shaped like ``tree``."""
    return jax.tree.map(jnp.zeros_like, tree)


def full_like_tree(tree, value):
    """A pytree shaped like ``tree`` filled with ``value``."""
    return jax.tree.map(lambda x: jnp.full_like(x, value), tree)


def constant_step_size(grads, learning_rate):
    """The per-coordinate step size of a rule that scales every coordinate by η alone."""
    return jax.tree.map(lambda g: learning_rate + 0 * g, grads)


LEARNING_RATE = HyperParam(
    "learning_rate", "learning rate η", 0.01, 1e-4, 10.0, log=True,
    help="Step size: how far each update moves the weights.",
)


def learning_rate(default: float) -> HyperParam:
    """The learning-rate hyperparameter with an optimizer-specific default."""
    return HyperParam(LEARNING_RATE.name, LEARNING_RATE.label, default, LEARNING_RATE.min,
                      LEARNING_RATE.max, log=True, help=LEARNING_RATE.help)
