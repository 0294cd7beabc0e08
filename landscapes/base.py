"""The landscape record: a loss surface over (x, y) with its domain, minima and how to draw it."""

from collections.abc import Callable
from dataclasses import dataclass, field

import jax.numpy as jnp

from hyperparams import HyperParam


@dataclass(frozen=True)
class Landscape:
    """A 2D loss surface. ``fn_with(p, theta)`` takes surface parameters; ``fn(p)`` uses their defaults."""

    key: str
    name: str
    fn_with: Callable[[jnp.ndarray, jnp.ndarray], jnp.ndarray]
    bounds: tuple[tuple[float, float], tuple[float, float]]
    minima: tuple[tuple[float, float], ...]
    min_value: float | None
    latex: str
    start: tuple[float, float]
    log_color: bool = False
    params: tuple[HyperParam, ...] = field(default=())
    note: str = ""

    def theta(self, **values: float) -> jnp.ndarray:
        """Surface parameters as one float32 vector (defaults where a value is not given)."""
        return jnp.asarray([values.get(h.name, h.default) for h in self.params], jnp.float32)

    def fn(self, p):
        """The loss at p (shape (2,)) with the default surface parameters."""
        return self.fn_with(p, self.theta())


@dataclass(frozen=True)
class DataSetLandscape(Landscape):
    """A surface made from a fixed data set: its surface parameters are the data, packed."""

    packed_data: tuple[float, ...] = ()

    def theta(self, **values: float) -> jnp.ndarray:
        """The packed data set (there are no sliders: the data are the parameters)."""
        return jnp.asarray(self.packed_data, jnp.float32)
