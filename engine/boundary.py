"""Decision boundaries: a trained network's probability of class 1 over a grid, per snapshot."""

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from engine.training import kept_params
from models import mlp

BOUNDS = ((-1.6, 1.6), (-1.6, 1.6))  # the data sets lie in about [-1, 1]², noise included


class Boundaries(NamedTuple):
    """The grid's axes and p(class 1) on it per snapshot: shape (snapshots, len(ys), len(xs))."""

    xs: np.ndarray
    ys: np.ndarray
    probabilities: np.ndarray


@partial(jax.jit, static_argnames=("activation", "size"))
def _probabilities(snapshots, activation, size, bounds):
    """p(class 1) on a size x size grid for every snapshot: shape (snapshots, size, size)."""
    xs = jnp.linspace(bounds[0, 0], bounds[0, 1], size)
    ys = jnp.linspace(bounds[1, 0], bounds[1, 1], size)
    points = jnp.stack(jnp.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    one = lambda params: mlp.predict_proba(params, points, activation=activation).reshape(size, size)  # noqa: E731
    return xs, ys, jax.vmap(one)(snapshots)


def boundary_probabilities(snapshots, activation, size=40, bounds=BOUNDS):
    """Grid axes and p(class 1) per snapshot (``snapshots``: a params list with a leading axis)."""
    xs, ys, probs = _probabilities(snapshots, activation, int(size), jnp.asarray(bounds, jnp.float32))
    return Boundaries(np.asarray(xs), np.asarray(ys), np.asarray(probs))


def training_boundaries(history, activation, size=40):
    """p(class 1) at every snapshot of a training run, then once more for the model kept: the
    best-validation one where early stopping stopped, else the last."""
    kept = kept_params(history)
    frames = jax.tree.map(lambda a, k: np.concatenate([a, np.asarray(k)[None]]), history.snapshots, kept)
    return boundary_probabilities(frames, activation, size)
