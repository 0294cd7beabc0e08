"""Numbers about a surface or a run that the lessons quote: curvature, distances, rate grids."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np


@partial(jax.jit, static_argnames=("fn_with",))
def _hessian(fn_with, point, theta):
    return jax.hessian(fn_with)(point, theta)


def hessian_eigenvalues(fn_with, point, theta):
    """Eigenvalues of the Hessian of ``fn_with(., theta)`` at ``point``, ascending (numpy)."""
    hessian = _hessian(fn_with, jnp.asarray(point, jnp.float32), jnp.asarray(theta, jnp.float32))
    return np.linalg.eigvalsh(np.asarray(hessian, np.float64))


def quadratic_rates(eigenvalues):
    """Gradient descent on a quadratic bowl: the stability limit 2/λmax and the best rate 2/(λmin+λmax)."""
    low, high = float(np.min(eigenvalues)), float(np.max(eigenvalues))
    return {"stability_limit": 2.0 / high, "best_rate": 2.0 / (low + high)}


def distance_to_nearest(points, minima):
    """Distance from each point (..., 2) to the nearest of ``minima``; inf where there are none."""
    points = np.asarray(points, np.float64)
    if len(minima) == 0:
        return np.full(points.shape[:-1], np.inf)
    gaps = points[..., None, :] - np.asarray(minima, np.float64)
    return np.sqrt((gaps**2).sum(-1)).min(-1)


def log_rates(low, high, count):
    """``count`` learning rates spaced evenly in log from ``low`` to ``high`` (float32)."""
    return np.logspace(np.log10(low), np.log10(high), int(count)).astype(np.float32)
