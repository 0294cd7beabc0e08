"""Loss surfaces made from data: two-parameter models, so that J(w) = 1/n Σ L_i(w) is a 2D landscape
and the loss of a mini-batch is a noisy copy of it.

Each data landscape knows how to draw its data set from a seed and its per-example loss L_i; the
full-data loss ``fn_with(w, data)`` is their mean, so the grid, the plots and the engine treat it
like any other surface (the data play the part of the surface parameters).
"""

from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from models.losses import bce_from_logits

SIZES = (50, 100, 200, 500)  # data-set sizes on offer: each is one compiled shape
TRUE_LINE = (1.0, -2.0)  # intercept and slope the regression data are drawn around
TRUE_DIRECTION = (1.0, -0.5)  # the weights the classification labels are drawn from


def linear_data(seed, n, noise):
    """n points y = 1 - 2x + noise·ε with x ~ U(-2, 2), ε ~ N(0, 1): (x of shape (n, 1), y)."""
    rng = np.random.default_rng(int(seed))  # numpy: drawing data needs no compilation
    x = rng.uniform(-2.0, 2.0, (int(n), 1)).astype(np.float32)
    y = TRUE_LINE[0] + TRUE_LINE[1] * x[:, 0] + noise * rng.standard_normal(int(n)).astype(np.float32)
    return x, y.astype(np.float32)


def squared_error(w, x, y):
    """One example's squared error of the line y ≈ w0 + w1 x."""
    return (w[0] + w[1] * x[0] - y) ** 2


def logistic_data(seed, n, noise):
    """n points x ~ N(0, I) in 2D labelled 1 where (1, -0.5)·x + noise·ε > 0: (x of shape (n, 2), y)."""
    rng = np.random.default_rng(int(seed))
    x = rng.standard_normal((int(n), 2)).astype(np.float32)
    logits = x @ np.asarray(TRUE_DIRECTION, np.float32) + noise * rng.standard_normal(int(n))
    return x, (logits > 0).astype(np.float32)


def cross_entropy(w, x, y):
    """One example's cross-entropy of p = σ(w·x) against its label."""
    return bce_from_logits(w @ x, y)


def mean_loss(example_loss):
    """J(w, data) = the mean of ``example_loss`` over the data set (x, y)."""

    def fn_with(w, data):
        x, y = data
        return jnp.mean(jax.vmap(example_loss, in_axes=(None, 0, 0))(w, x, y))

    return fn_with


@dataclass(frozen=True)
class DataLandscape:
    """A surface J(w) = 1/n Σ L_i(w) over two weights, built from a seeded data set."""

    key: str
    name: str
    make_data: Callable
    example_loss: Callable
    fn_with: Callable
    bounds: tuple[tuple[float, float], tuple[float, float]]
    latex: str
    start: tuple[float, float]
    log_color: bool = False


def _least_squares(x, y):
    """The exact minimiser of the mean squared error of a line, and the minimum (float64)."""
    design = np.column_stack([np.ones(len(y)), np.asarray(x, np.float64)[:, 0]])
    w, *_ = np.linalg.lstsq(design, np.asarray(y, np.float64), rcond=None)
    return w, float(np.mean((design @ w - y) ** 2))


def _logistic_minimum(x, y, iterations=100):
    """Newton's method for the mean cross-entropy (float64); None where the data are separable."""
    x, y, w = np.asarray(x, np.float64), np.asarray(y, np.float64), np.zeros(2)
    for _ in range(iterations):
        p = 0.5 * (1 + np.tanh(0.5 * (x @ w)))  # the sigmoid, without overflow for large |z|
        hessian = (x * (p * (1 - p))[:, None]).T @ x / len(y) + 1e-12 * np.eye(2)
        w = w - np.linalg.solve(hessian, x.T @ (p - y) / len(y))
        if not np.all(np.isfinite(w)) or np.abs(w).max() > 1e3:
            return None, None  # the weights grow without bound: no finite minimum
    z = x @ w
    if np.all((z > 0) == (y > 0.5)):
        return None, None  # a line through the origin separates the classes: J → 0 only as |w| → ∞
    return w, float(np.mean(np.logaddexp(0, z) - y * z))


def minimum(landscape_key, data):
    """The global minimiser and minimum of a data landscape on this data set: ((w,), J*) or ((), None)."""
    x, y = data
    w, value = (_least_squares if landscape_key == "linear" else _logistic_minimum)(x, y)
    return ((), None) if w is None else ((tuple(float(v) for v in w),), value)


DATA_LANDSCAPES: dict[str, DataLandscape] = {d.key: d for d in (
    DataLandscape("linear", "Linear regression (squared error)", linear_data, squared_error,
                  mean_loss(squared_error), ((-3.0, 5.0), (-6.0, 2.0)),
                  r"J(w) = \frac1n \sum_i \left(w_0 + w_1 x_i - y_i\right)^2", (-2.0, 1.0),
                  log_color=True),
    DataLandscape("logistic", "Logistic regression (cross-entropy)", logistic_data, cross_entropy,
                  mean_loss(cross_entropy), ((-3.0, 11.0), (-6.0, 3.0)),
                  r"J(w) = \frac1n \sum_i \left(\log(1 + e^{w \cdot x_i}) - y_i\, w \cdot x_i\right)",
                  (-2.0, 2.0)),
)}


def packed(data):
    """A data set (x, y) as one float32 vector: how it travels as a surface's parameters."""
    x, y = data
    return np.concatenate([np.asarray(x, np.float32).ravel(), np.asarray(y, np.float32)])


def unpacked(theta, n, d):
    """The inverse of ``packed`` for n examples of d features."""
    return theta[: n * d].reshape(n, d), theta[n * d:]
