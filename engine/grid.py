"""Evaluate a surface on a regular grid for contour and 3D plots, in one jitted vmap."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np


@partial(jax.jit, static_argnames=("fn_with", "size"))
def _grid_values(fn_with, size, bounds, theta):
    """The loss on a size x size grid; bounds is [[xmin, xmax], [ymin, ymax]]."""
    xs = jnp.linspace(bounds[0, 0], bounds[0, 1], size)
    ys = jnp.linspace(bounds[1, 0], bounds[1, 1], size)
    points = jnp.stack(jnp.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    values = jax.vmap(fn_with, in_axes=(0, None))(points, theta)
    return xs, ys, values.reshape(size, size)


def surface_grid(fn_with, bounds, theta, size=100):
    """Grid axes xs, ys and values z[j, i] = fn(xs[i], ys[j]) as numpy float32 arrays."""
    bounds = jnp.asarray(bounds, jnp.float32)
    theta = jax.tree.map(lambda a: jnp.asarray(a, jnp.float32), theta)  # a vector, or a data set (x, y)
    xs, ys, z = _grid_values(fn_with, int(size), bounds, theta)
    return np.asarray(xs), np.asarray(ys), np.asarray(z)
