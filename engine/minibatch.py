"""Mini-batch gradient descent on a loss made from data, and the noise of mini-batch gradients.

Each step draws B examples without replacement inside an epoch (a shuffle per epoch, as data
loaders do; the last incomplete batch of an epoch is dropped) and steps along the gradient of their
mean loss. Shuffles are drawn up front, 64 per run, and reused after 64 epochs: drawing one per
step made a run thirty times slower. The batch is a weight per example (1/B for the drawn ones,
0 elsewhere), so B is a traced number: moving the batch-size slider never recompiles. B = n is
full-batch gradient descent and B = 1 the lecture's single-example SGD.
"""

from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from engine.divergence import NEVER, guarded_step
from optimizers import OPTIMIZERS, apply_updates


class MiniBatchRun(NamedTuple):
    """Per run and step: weights, full-data loss J, and the mini-batch gradient used at that step.

    ``examples[:, k]`` counts the examples processed before step k (k·B); the last step's gradient
    is the full one. Runs that diverged stay frozen at their last good point from ``diverged_at``.
    """

    params: Any
    loss: Any
    grads: Any
    diverged_at: Any
    examples: Any


EPOCH_ORDERS = 64  # shuffles drawn per run; epoch e uses shuffle e mod 64 (a shuffle is a sort: slow)


def epoch_orders(key, n, count=EPOCH_ORDERS):
    """``count`` random permutations of the n examples, one per epoch (cycled after ``count``)."""
    return jax.vmap(lambda k: jax.random.permutation(k, n))(jax.random.split(key, count))


def batch_weights(orders, step, batch_size):
    """Weights over the n examples for ``step``: 1/B on the step's batch, 0 elsewhere."""
    count, n = orders.shape
    per_epoch = jnp.maximum(n // batch_size, 1)
    epoch, position = step // per_epoch, (step % per_epoch) * batch_size
    order = jnp.roll(orders[epoch % count], -position)
    picked = jnp.arange(n) < batch_size
    return jnp.zeros(n, jnp.float32).at[order].set(jnp.where(picked, 1.0 / batch_size, 0.0))


def _weighted_loss(example_loss, params, data, weights):
    """Σ_i weights_i L_i(params): the mean loss of the weighted examples."""
    x, y = data
    return jnp.sum(weights * jax.vmap(example_loss, in_axes=(None, 0, 0))(params, x, y))


def _run_one(example_loss, optimizer_key, num_steps, hyperparams, batch_size, start, data, key, box):
    """One mini-batch run of num_steps updates from start."""
    spec = OPTIMIZERS[optimizer_key]
    n = jax.tree.leaves(data)[0].shape[0]
    full = jnp.full(n, 1.0 / n, jnp.float32)
    batch_grad = jax.grad(partial(_weighted_loss, example_loss))
    full_loss = partial(_weighted_loss, example_loss, data=data, weights=full)
    orders = epoch_orders(key, n)

    def step(carry, k):
        params, state, diverged_at = carry
        grads = batch_grad(params, data, batch_weights(orders, k, batch_size))
        updates, new_state = spec.make(**hyperparams).update(grads, state, params)
        new_params = apply_updates(params, updates)
        (params, state), diverged_at, _ = guarded_step(
            diverged_at == NEVER, (full_loss(new_params), grads, new_params), (new_params, new_state),
            (params, state), diverged_at, k, box)
        return (params, state, diverged_at), (carry[0], full_loss(carry[0]), grads)

    init = (start, spec.make(**hyperparams).init(start), jnp.asarray(NEVER, jnp.int32))
    (params, _, diverged_at), history = jax.lax.scan(step, init, jnp.arange(num_steps))
    last = (params, full_loss(params), jax.grad(full_loss)(params))
    params, loss, grads = jax.tree.map(lambda h, end: jnp.concatenate([h, end[None]]), history, last)
    examples = jnp.arange(num_steps + 1) * batch_size
    return MiniBatchRun(params, loss, grads, diverged_at, examples)


@partial(jax.jit, static_argnames=("example_loss", "optimizer_key", "num_steps"))
def _run_batch(example_loss, optimizer_key, num_steps, hyperparams, batch_sizes, starts, data, key, box):
    """The jitted core, vmapped over runs (each with its own hyperparameters, batch size, start)."""
    one = partial(_run_one, example_loss, optimizer_key, num_steps)
    runs = jax.vmap(one, in_axes=(0, 0, 0, None, None, None))
    return runs(hyperparams, batch_sizes, starts, data, key, box)


def run_minibatch(example_loss, optimizer_key, hyperparams, batch_sizes, start, data, num_steps, seed,
                  box=1e6):
    """Mini-batch runs from one start, one per entry of ``batch_sizes`` (and of each hyperparameter).

    ``example_loss(params, x_i, y_i)`` is one example's loss on any pytree of parameters; ``data`` =
    (x, y) with n rows. Every batch size is clipped to 1..n. Returns numpy arrays with a leading
    run axis.
    """
    n = jax.tree.leaves(data)[0].shape[0]
    sizes = jnp.clip(jnp.asarray(batch_sizes, jnp.int32), 1, n)
    runs = sizes.shape[0]
    hyperparams = {k: jnp.broadcast_to(jnp.asarray(v, jnp.float32), (runs,)) for k, v in hyperparams.items()}
    # One start (any pytree: a 2-vector, an MLP's list of (W, b)) shared by every run.
    starts = jax.tree.map(lambda s: jnp.broadcast_to(jnp.asarray(s, jnp.float32), (runs, *np.shape(s))),
                          start)
    data = jax.tree.map(lambda a: jnp.asarray(a, jnp.float32), tuple(data))
    result = _run_batch(example_loss, optimizer_key, int(num_steps), hyperparams, sizes, starts, data,
                        jax.random.PRNGKey(int(seed)), jnp.asarray(box, jnp.float32))
    return jax.tree.map(np.asarray, result)


class GradientNoise(NamedTuple):
    """At one point: the full gradient G, the per-example gradients' covariance Σ, and sampled
    mini-batch estimates with their spread for a list of batch sizes."""

    full_grad: Any
    covariance: Any
    samples: Any
    batch_sizes: Any
    spread: Any


class NoiseParts(NamedTuple):
    """At one point, whatever the batch size: G, Σ, the running sums of ``count`` shuffled per-example
    gradients (shape (count, n, 2): the mean of the first B of a shuffle is ``running[:, B - 1] / B``)
    and the spread of B-example estimates for a list of batch sizes."""

    full_grad: Any
    covariance: Any
    running: Any
    batch_sizes: Any
    spread: Any


@partial(jax.jit, static_argnames=("example_loss", "count"))
def _noise(example_loss, params, data, sizes, key, count):
    """Per-example gradients once, then ``count`` shuffles' running sums and the spread per batch size."""
    x, y = data
    n = y.shape[0]
    per_example = jax.vmap(jax.grad(example_loss), in_axes=(None, 0, 0))(params, x, y)
    full = per_example.mean(0)
    centred = per_example - full
    covariance = centred.T @ centred / n  # the population covariance of one example's gradient

    # Each estimate is the mean of the first B examples of its own shuffle: running sums along the
    # shuffles give every batch size at once.
    running = jnp.cumsum(per_example[epoch_orders(key, n, count)], axis=1)  # (count, n, 2)

    def estimates(b):
        # A batch of all n is the full gradient exactly (the running sum would round it).
        return jnp.where(b >= n, full, jnp.take(running, b - 1, axis=1) / b)

    spread = jax.vmap(lambda b: jnp.sqrt(jnp.mean(jnp.sum((estimates(b) - full) ** 2, -1))))(sizes)
    return full, covariance, running, spread


def noise_parts(example_loss, params, data, seed, count=200, sizes=None):
    """What the gradient noise at ``params`` is, for any batch size (see ``NoiseParts``); ``sizes``
    defaults to the powers of 2 up to n, and n."""
    n = len(data[1])
    sizes = np.unique(np.r_[2 ** np.arange(int(np.log2(n)) + 1), n]) if sizes is None else np.asarray(sizes)
    data = tuple(jnp.asarray(a, jnp.float32) for a in data)
    full, covariance, running, spread = _noise(example_loss, jnp.asarray(params, jnp.float32), data,
                                               jnp.asarray(sizes, jnp.int32), jax.random.PRNGKey(int(seed)),
                                               int(count))
    return NoiseParts(np.asarray(full), np.asarray(covariance), np.asarray(running), sizes,
                      np.asarray(spread))


def estimates(parts, batch_size):
    """The ``count`` estimates of G from B examples each (B clipped to 1..n), from the running sums."""
    n = parts.running.shape[1]
    b = min(max(int(batch_size), 1), n)
    if b >= n:  # a batch of all n is the full gradient exactly (the running sum would round it)
        return np.broadcast_to(parts.full_grad, parts.running[:, 0].shape).copy()
    return parts.running[:, b - 1] / np.float32(b)


def gradient_noise(example_loss, params, data, batch_size, seed, count=200, sizes=None):
    """``count`` mini-batch gradient estimates at ``params`` for ``batch_size``, and the spread
    (RMS distance from G) of such estimates for each of ``sizes`` (default: powers of 2 up to n)."""
    parts = noise_parts(example_loss, params, data, seed, count, sizes)
    return GradientNoise(parts.full_grad, parts.covariance, estimates(parts, batch_size), parts.batch_sizes,
                         parts.spread)


def predicted_spread(covariance, batch_sizes, n):
    """RMS distance of a B-example mean from G, drawn without replacement: sqrt(tr Σ / B · (n−B)/(n−1))."""
    b = np.asarray(batch_sizes, np.float64)
    return np.sqrt(np.trace(covariance) / b * (n - b) / max(n - 1, 1))


def noise_scale(covariance, full_grad):
    """The gradient noise scale B_noise = tr Σ / |G|² (McCandlish et al., 2018); inf where G = 0."""
    norm = float(np.sum(np.asarray(full_grad, np.float64) ** 2))
    return float(np.trace(covariance)) / norm if norm > 0 else float("inf")
