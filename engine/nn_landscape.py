"""A network's own loss landscape: filter-normalized slices, paths, interpolation and curvature.

Li et al., 2018, "Visualizing the Loss Landscape of Neural Nets"; Goodfellow et al., 2015,
"Qualitatively characterizing neural network optimization problems"; Cohen et al., 2021, "Gradient
Descent on Neural Networks Typically Occurs at the Edge of Stability".

Parameters are any pytree (this project's MLPs: a list of (W, b), W of shape (fan_in, fan_out)).
A loss function is ``loss_fn(params, *args)`` returning a scalar; ``args`` (the data) are traced, so
new numbers never recompile. Pass the same ``loss_fn`` object each time (see ``mlp_loss``): jit
caches by it.
"""

from functools import lru_cache, partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from models import mlp


def hvp(loss_fn, params, vector, *args):
    """The Hessian of ``loss_fn`` at ``params`` times ``vector`` (shaped like params): forward-over-
    reverse, ∂/∂ε ∇L(params + ε·vector) at ε = 0, without ever forming the Hessian."""
    return jax.jvp(lambda p: jax.grad(loss_fn)(p, *args), (params,), (vector,))[1]


def _power_iteration(matvec, v0, iters):
    """(Rayleigh quotient, unit vector) after ``iters`` steps of v ← Av/‖Av‖ from v0 (flat vectors)."""
    def step(_, v):
        w = matvec(v)
        return w / (jnp.linalg.norm(w) + 1e-30)

    v = jax.lax.fori_loop(0, iters, step, v0 / (jnp.linalg.norm(v0) + 1e-30))
    return jnp.vdot(v, matvec(v)), v


def flat_hvp(loss_fn, params, *args):
    """v ↦ H v on flat vectors (the parameters raveled in ``ravel_pytree`` order)."""
    _, unravel = ravel_pytree(params)
    return lambda v: ravel_pytree(hvp(loss_fn, params, unravel(v), *args))[0]


def top_eigenvalue_flat(loss_fn, params, v0, iters, *args):
    """(λ, v): the Hessian's eigenvalue of largest magnitude (near a minimum: the largest, the
    sharpness) by power iteration from the flat vector ``v0``; traceable, for use inside a scan."""
    return _power_iteration(flat_hvp(loss_fn, params, *args), v0, iters)


# --- directions and slices -------------------------------------------------------------------------

_BIASES = ("zero", "copy")
_NORMS = ("filter", "layer", "none")


def _norm(a, axes):
    """The Euclidean norm of ``a`` over ``axes`` (all axes when None)."""
    return jnp.sqrt(jnp.sum(a**2, axis=axes))


def _rescaled(d, w, norm):
    """``d`` scaled like ``w``: per column (norm 0: Li et al.'s filter, a neuron's incoming weights for
    ``x @ W``), as a whole matrix (1), or not at all (2)."""
    axes = tuple(range(w.ndim - 1))
    by_column = _norm(w, axes) / (_norm(d, axes) + 1e-10)
    whole = _norm(w, None) / (_norm(d, None) + 1e-10)
    return d * jnp.select([norm == 0, norm == 1], [by_column, whole], 1.0)


@jax.jit
def _direction(params, key, copy_bias, norm):
    """The jitted draw of ``filter_normalized_direction``; the options are traced: switching them never
    recompiles."""
    leaves, treedef = jax.tree.flatten(params)
    out = []
    for k, leaf in zip(jax.random.split(key, len(leaves)), leaves, strict=True):
        if leaf.ndim >= 2:
            out.append(_rescaled(jax.random.normal(k, leaf.shape, jnp.float32), leaf, norm))
        else:
            out.append(jnp.where(copy_bias, leaf, 0.0).astype(jnp.float32))
    return jax.tree.unflatten(treedef, out)


def filter_normalized_direction(params, key, *, bias="zero", norm="filter"):
    """A N(0, 1) direction shaped like ``params``, each weight column rescaled to the norm of the same
    column of W (Li et al., 2018, §4; ``norm="layer"``: whole matrices; ``"none"``: the raw draw);
    biases zero (``bias="zero"``) or copied (``"copy"``)."""
    if bias not in _BIASES:
        raise ValueError(f"unknown bias {bias!r}; expected one of {_BIASES}")
    if norm not in _NORMS:
        raise ValueError(f"unknown norm {norm!r}; expected one of {_NORMS}")
    return _direction(params, key, np.bool_(bias == "copy"), np.int32(_NORMS.index(norm)))


def _along(center, d1, d2, x, y):
    """center + x·d1 + y·d2, leaf by leaf."""
    return jax.tree.map(lambda c, a, b: c + x * a + y * b, center, d1, d2)


@partial(jax.jit, static_argnums=0)
def _slice(loss_fn, center, d1, d2, xs, ys, *args):
    """Z[j, i] = loss at (xs[i], ys[j]): rows one after another (bounded memory), each row vmapped."""
    def row(y):
        return jax.vmap(lambda x: loss_fn(_along(center, d1, d2, x, y), *args))(xs)

    return jax.lax.map(row, ys)


def loss_slice(loss_fn, center, d1, d2, xs, ys, *args):
    """Z (len(ys), len(xs)) float32 with Z[j, i] = loss_fn(center + xs[i]·d1 + ys[j]·d2, *args)."""
    xs, ys = np.asarray(xs, np.float32), np.asarray(ys, np.float32)
    return np.asarray(_slice(loss_fn, center, d1, d2, xs, ys, *args), np.float32)


@partial(jax.jit, static_argnums=0)
def _interpolate(fn, a, b, alphas, *args):
    """fn along the line from a to b, vmapped over alphas."""
    def at(alpha):
        return fn(jax.tree.map(lambda u, v: (1 - alpha) * u + alpha * v, a, b), *args)

    return jax.vmap(at)(alphas)


def interpolate(fn, a, b, alphas, *args):
    """fn((1 − α)·a + α·b, *args) for each α, as numpy (Goodfellow et al., 2015: α in [−0.5, 1.5])."""
    return jax.tree.map(np.asarray, _interpolate(fn, a, b, np.asarray(alphas, np.float32), *args))


# --- the path of training --------------------------------------------------------------------------

class PathPCA(NamedTuple):
    """The plane that best fits a training path (Li et al., 2018, §6), and the path in it."""

    directions: tuple  # two pytrees shaped like one snapshot: orthonormal as flat vectors
    ratios: np.ndarray  # (2,) explained-variance ratios of the two directions
    coords: np.ndarray  # (K, 2) each snapshot's coordinates; the final one at (0, 0)
    off_plane: np.ndarray  # (K,) distance off the plane relative to the distance from θ_final


def path_pca(snapshots):
    """PCA of θ_k − θ_final over K snapshots (leaves with a leading axis K; the last is θ_final)."""
    leaves = jax.tree.leaves(snapshots)
    count = len(leaves[0])
    if count < 2:
        raise ValueError(f"a path needs at least 2 snapshots, got {count}")
    rows = np.concatenate([np.asarray(leaf, np.float64).reshape(count, -1) for leaf in leaves], axis=1)
    m = rows - rows[-1]  # in ravel_pytree's order: leaves in tree order, each raveled
    _, s, vt = np.linalg.svd(m - m.mean(axis=0), full_matrices=False)
    basis = vt[:2]
    signs = np.where(m[0] @ basis.T > 0, -1.0, 1.0)  # the initial point on the negative side: no flips
    basis = basis * signs[:, None]
    coords = m @ basis.T  # not centred, so θ_final sits at (0, 0)
    distance = np.linalg.norm(m, axis=1)
    residual = np.linalg.norm(m - coords @ basis, axis=1)
    off_plane = np.divide(residual, distance, out=np.zeros_like(distance), where=distance > 0)
    ratios = s[:2] ** 2 / max(np.sum(s**2), 1e-300)
    _, unravel = ravel_pytree(jax.tree.map(lambda leaf: leaf[-1], snapshots))
    directions = tuple(unravel(jnp.asarray(v, jnp.float32)) for v in basis)
    return PathPCA(directions, ratios, coords, off_plane)


# --- curvature -------------------------------------------------------------------------------------

@partial(jax.jit, static_argnums=(0, 3))
def _shifted_power(loss_fn, params, start, iters, shift, *args):
    """(μ + shift, v) with μ the eigenvalue of largest magnitude of H − shift·I, from the flat vector
    ``start``: top and smallest eigenvalues, warm or cold, share this one compilation."""
    matvec = flat_hvp(loss_fn, params, *args)
    mu, v = _power_iteration(lambda u: matvec(u) - shift * u, start, iters)
    return mu + shift, ravel_pytree(params)[1](v)


def _start(params, key, v0):
    """A flat start vector for power iteration: ``v0`` raveled, or a N(0, 1) draw from ``key``."""
    if v0 is not None:
        return ravel_pytree(v0)[0]
    return jax.random.normal(key, (sum(np.size(leaf) for leaf in jax.tree.leaves(params)),), jnp.float32)


def top_eigenvalue(loss_fn, params, key, iters, *args, v0=None):
    """(λ_max, its eigenvector shaped like params): power iteration on Hessian-vector products from
    ``v0`` (warm start) or a N(0, 1) draw; the eigenvalue of largest magnitude, near a minimum the largest."""
    lam, v = _shifted_power(loss_fn, params, _start(params, key, v0), iters, np.float32(0.0), *args)
    return float(lam), v


def smallest_eigenvalue(loss_fn, params, key, iters, *args, shift=None):
    """The Hessian's smallest eigenvalue: power iteration on H − shift·I, shift = λ_max unless given."""
    key_top, key_low = jax.random.split(key)
    if shift is None:
        shift, _ = top_eigenvalue(loss_fn, params, key_top, iters, *args)
        if shift < 0:  # the eigenvalue of largest magnitude is negative: it is the smallest
            return shift
    start = _start(params, key_low, None)
    lam, _ = _shifted_power(loss_fn, params, start, iters, np.float32(shift), *args)
    return float(lam)


@partial(jax.jit, static_argnums=(0, 3))
def _hutchinson_samples(loss_fn, params, key, samples, *args):
    """vᵀHv for ``samples`` Rademacher vectors v, vmapped."""
    flat, _ = ravel_pytree(params)
    vs = jax.random.rademacher(key, (samples, flat.size)).astype(flat.dtype)
    matvec = flat_hvp(loss_fn, params, *args)
    return jax.vmap(lambda v: jnp.vdot(v, matvec(v)))(vs)


def hessian_trace(loss_fn, params, key, samples, *args):
    """(estimate, standard error) of tr H by Hutchinson's estimator, E[vᵀHv] with v_i = ±1 (samples ≥ 2)."""
    q = np.asarray(_hutchinson_samples(loss_fn, params, key, samples, *args), np.float64)
    return float(q.mean()), float(q.std(ddof=1) / np.sqrt(samples))


# --- the lessons' networks -------------------------------------------------------------------------

@lru_cache
def mlp_loss(activation, loss="bce", l2=0.0):
    """f(params, x, y): the MLP's data loss without dropout, plus l2·Σ‖W‖²; one function per options."""
    if activation not in mlp.ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; expected one of {tuple(mlp.ACTIVATIONS)}")
    if loss not in mlp.LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {mlp.LOSSES}")

    def f(params, x, y):
        return mlp.data_loss(params, x, y, activation=activation, loss=loss, l2=l2)

    return f


@lru_cache
def mlp_accuracy(activation):
    """f(params, x, y): the MLP's accuracy without dropout; one function per activation."""
    def f(params, x, y):
        return mlp.accuracy(params, x, y, activation=activation)

    return f
