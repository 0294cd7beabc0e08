"""Step an optimizer across a loss with ``lax.scan`` under ``jit``, vmapped over many runs.

Structure (loss function, optimizer, step count) is static; every number (hyperparameters, start
points, surface parameters, divergence box) is a traced float32 value, so moving a slider never
recompiles.
"""

from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from engine.divergence import NEVER, guarded_step
from optimizers import OPTIMIZERS, apply_updates


class Trajectory(NamedTuple):
    """Per run and step: parameters, loss, gradient and optimizer state at that point; per run: the
    divergence step.

    ``params[:, k]`` is the point after k updates (k = 0 is the start) and ``states[:, k]`` the
    optimizer's state there, before update k; runs that diverged stay frozen at their last good
    point from ``diverged_at`` on.
    """

    params: Any
    loss: Any
    grads: Any
    diverged_at: Any
    states: Any


class Summary(NamedTuple):
    """Per run, without the history: the end point and loss, the divergence step, and the first
    step whose loss is at or below the target (``NEVER`` where there is none)."""

    final_params: Any
    final_loss: Any
    diverged_at: Any
    reached_at: Any


def _run_one(loss_fn, optimizer_key, num_steps, record, hyperparams, start, loss_args, box, lr_scale,
             target, active_steps):
    """One run: num_steps updates from start, frozen where it diverges or from ``active_steps`` on."""
    spec = OPTIMIZERS[optimizer_key]
    value_and_grad = jax.value_and_grad(loss_fn)

    def step(carry, k):
        params, state, loss, grads, diverged_at, reached_at = carry
        scaled = dict(hyperparams, learning_rate=hyperparams["learning_rate"] * lr_scale[k])
        updates, new_state = spec.make(**scaled).update(grads, state, params)
        new_params = apply_updates(params, updates)
        new_loss, new_grads = value_and_grad(new_params, *loss_args)
        # A run stops at active_steps (a traced number: a shorter run needs no new compilation).
        alive = (diverged_at == NEVER) & (k < active_steps)
        kept, diverged_at, keep = guarded_step(alive, (new_loss, new_grads, new_params),
                                               (new_params, new_state, new_loss, new_grads),
                                               (params, state, loss, grads), diverged_at, k, box)
        reached = keep & (reached_at == NEVER) & (new_loss <= target)
        new_carry = (*kept, diverged_at, jnp.where(reached, k + 1, reached_at))
        return new_carry, ((params, loss, grads, state) if record else None)

    loss, grads = value_and_grad(start, *loss_args)
    state = spec.make(**hyperparams).init(start)
    never = jnp.asarray(NEVER, jnp.int32)
    init = (start, state, loss, grads, never, jnp.where(loss <= target, 0, never))
    final, history = jax.lax.scan(step, init, jnp.arange(num_steps))
    params, state, loss, grads, diverged_at, reached_at = final
    if not record:
        return Summary(params, loss, diverged_at, reached_at)
    # The history holds the points before each update; the point after the last one is appended.
    params, loss, grads, states = jax.tree.map(lambda h, last: jnp.concatenate([h, last[None]]),
                                               history, (params, loss, grads, state))
    return Trajectory(params, loss, grads, diverged_at, states)


@partial(jax.jit, static_argnames=("loss_fn", "optimizer_key", "num_steps", "record"))
def _run_batch(loss_fn, optimizer_key, num_steps, record, hyperparams, starts, loss_args, box,
               lr_scale, target, active_steps):
    """The jitted, vmapped core: one run per row of ``starts`` and of each hyperparameter."""
    one = partial(_run_one, loss_fn, optimizer_key, num_steps, record)
    return jax.vmap(one, in_axes=(0, 0, None, None, None, None, None))(
        hyperparams, starts, loss_args, box, lr_scale, target, active_steps)


def _call(loss_fn, optimizer_key, hyperparams, starts, num_steps, loss_args, box, lr_scale, target,
          record, active_steps=None):
    """Cast every number to float32 (one dtype, one compilation) and call the jitted core."""
    batch = jax.tree.leaves(starts)[0].shape[0]
    hyperparams = {name: jnp.broadcast_to(jnp.asarray(value, jnp.float32), (batch,))
                   for name, value in hyperparams.items()}
    starts = jax.tree.map(lambda x: jnp.asarray(x, jnp.float32), starts)
    loss_args = jax.tree.map(lambda x: jnp.asarray(x, jnp.float32), tuple(loss_args))
    if lr_scale is None:
        lr_scale = np.ones(num_steps, np.float32)
    if np.shape(lr_scale) != (num_steps,):
        raise ValueError(f"lr_scale needs one factor per update: shape ({num_steps},)")
    active_steps = num_steps if active_steps is None else min(int(active_steps), num_steps)
    result = _run_batch(loss_fn, optimizer_key, int(num_steps), record, hyperparams, starts,
                        loss_args, jnp.asarray(box, jnp.float32), jnp.asarray(lr_scale, jnp.float32),
                        jnp.asarray(target, jnp.float32), jnp.asarray(active_steps, jnp.int32))
    return jax.tree.map(np.asarray, result)


def run(loss_fn, optimizer_key, hyperparams, starts, num_steps, loss_args=(), box=1e6,
        lr_scale=None):
    """Run ``num_steps`` updates for each of a batch of runs and return the whole history (numpy).

    ``starts`` is a pytree whose leaves have a leading batch axis; each hyperparameter is a scalar
    (shared by every run) or an array with one value per run. ``loss_fn(params, *loss_args)``.
    ``lr_scale[k]`` multiplies the learning rate of update k (a schedule); one factor per update.
    """
    return _call(loss_fn, optimizer_key, hyperparams, starts, num_steps, loss_args, box, lr_scale,
                 -np.inf, record=True)


def sweep(loss_fn, optimizer_key, hyperparams, starts, num_steps, loss_args=(), box=1e6,
          lr_scale=None, target=-np.inf, active_steps=None):
    """Like ``run``, but keep only a ``Summary`` per run: what a sweep over many runs plots.

    Writing no history makes a sweep of 1,000 runs about twice as fast as ``run``. With
    ``active_steps`` every run stops after that many updates although ``num_steps`` are compiled:
    a page can change its step count without a new compilation.
    """
    return _call(loss_fn, optimizer_key, hyperparams, starts, num_steps, loss_args, box, lr_scale,
                 target, record=False, active_steps=active_steps)


def run_single(loss_fn, optimizer_key, hyperparams, start, num_steps, loss_args=(), box=1e6,
               lr_scale=None):
    """One run from one start point: the batch axis of ``run`` taken away."""
    starts = jax.tree.map(lambda x: jnp.asarray(x, jnp.float32)[None], start)
    result = run(loss_fn, optimizer_key, hyperparams, starts, num_steps, loss_args, box, lr_scale)
    return jax.tree.map(lambda x: x[0], result)


def random_starts(seed, sigma, count, dim=2):
    """Start points drawn from N(0, sigma^2), as the lecture's step 1 says; the seed is explicit."""
    key = jax.random.PRNGKey(int(seed))
    return np.asarray(sigma * jax.random.normal(key, (int(count), int(dim)), jnp.float32))
