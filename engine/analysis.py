"""Numbers about a surface or a run that the lessons quote: curvature, distances, rate grids."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from optimizers import OPTIMIZERS


@partial(jax.jit, static_argnames=("fn_with",))
def _hessian(fn_with, point, theta):
    """The jitted Hessian of fn_with(., theta) at point."""
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


@partial(jax.jit, static_argnames=("optimizer_key",))
def _internals(optimizer_key, grads, state, hyperparams):
    """The jitted internals of one optimizer (its key is structure, the numbers traced)."""
    return OPTIMIZERS[optimizer_key].internals(grads, state, **hyperparams)


def optimizer_internals(optimizer_key, trajectory, step, hyperparams):
    """What one optimizer's update at ``step`` used (velocity, per-coordinate step size), as numpy.

    ``trajectory`` is one run (no batch axis) whose ``states[k]`` is the state before update k.
    """
    state = jax.tree.map(lambda s: np.asarray(s[step]), trajectory.states)
    hyperparams = {name: np.float32(value) for name, value in hyperparams.items()}
    shown = _internals(optimizer_key, np.asarray(trajectory.grads[step]), state, hyperparams)
    return {name: np.asarray(value, np.float64) for name, value in shown.items()}
