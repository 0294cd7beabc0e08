"""Train a small MLP on 2D data with any optimizer: one jitted ``lax.scan`` over the steps.

Structure (layer sizes, activation, initialisation scheme, loss, optimizer, number of steps,
evaluation period, snapshot count, power iterations) is static; every number (rates, batch size,
dropout rate, L2 strength, σ, seed, patience, minimum improvement) is traced, so moving such a
slider never recompiles. Mini-batches are drawn as in ``engine.minibatch``: a shuffle per epoch, a
batch a weight per example; a batch of all n_train examples is full-batch gradient descent.

Evaluation (without dropout, without the L2 term) runs every ``eval_every`` steps and after the
last. Early stopping follows Keras's ``EarlyStopping``: an evaluation improves when its validation
loss is below the best so far by more than ``min_delta``; training would stop at the first
evaluation that ends ``patience`` evaluations without improvement. The run goes on to the end
(so a page can show what would have happened) but the model kept is the best one up to that point.

An evaluation can also measure the sharpness λ_max, the top Hessian eigenvalue of the objective
full-batch gradient descent descends (the whole training set, no dropout, with the L2 term), by
power iteration warm-started from the previous evaluation's eigenvector. Gradient descent with rate
η is stable on a quadratic only while λ_max < 2/η; on a network λ_max rises to 2/η and hovers
there, the edge of stability (Cohen et al., 2021, "Gradient Descent on Neural Networks Typically
Occurs at the Edge of Stability").
"""

from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from engine.divergence import NEVER, guarded_step
from engine.minibatch import batch_weights, epoch_orders
from engine.nn_landscape import top_eigenvalue_flat
from models import mlp
from optimizers import OPTIMIZERS, apply_updates


class TrainingHistory(NamedTuple):
    """What a training run leaves: curves per evaluation, snapshots, the best and the stopping step.

    ``eval_steps[i]`` counts the updates before evaluation i (0 first, ``steps`` last); losses are
    the data losses (the run's ``loss``, without dropout or L2). ``snapshots`` is the parameter
    list with a leading axis of ``len(snapshot_steps)``. ``best_step``/``best_params``: the
    best-validation evaluation up to the early-stopping step (or over the whole run).
    ``stopped_at``: the step early stopping marks, ``NEVER`` if it never triggers; ``diverged_at``:
    the step where the run left the finite world (frozen from there), ``NEVER`` if it did not.
    ``sharpness[i]``: λ_max at evaluation i (aligned with ``eval_steps``), all NaN when not measured.
    """

    eval_steps: Any
    train_loss: Any
    val_loss: Any
    train_accuracy: Any
    val_accuracy: Any
    snapshot_steps: Any
    snapshots: Any
    best_step: Any
    best_params: Any
    stopped_at: Any
    diverged_at: Any
    sharpness: Any  # last, so the other fields keep their positions


class EarlyStopping(NamedTuple):
    """Running state of the early-stopping rule over evaluations 0, 1, 2, ..."""

    index: Any  # the next evaluation's index
    best_loss: Any
    best_index: Any
    wait: Any  # evaluations since the last improvement
    stopped: Any  # index of the stopping evaluation, NEVER while running


def early_stopping_init():
    """The rule before any evaluation: no best yet (+inf), not stopped."""
    return EarlyStopping(jnp.int32(0), jnp.float32(jnp.inf), jnp.int32(0), jnp.int32(0), jnp.int32(NEVER))


def early_stopping_update(state, val_loss, patience, min_delta):
    """One evaluation: improved iff val_loss < best − min_delta; stop once ``wait`` reaches patience.

    Returns (new state, improved). After stopping the state is frozen (nothing improves).
    """
    running = state.stopped == NEVER
    improved = running & (val_loss < state.best_loss - min_delta)
    wait = jnp.where(improved, 0, jnp.where(running, state.wait + 1, state.wait))
    stop = running & ~improved & (wait >= patience)
    new = EarlyStopping(state.index + 1, jnp.where(improved, val_loss, state.best_loss),
                        jnp.where(improved, state.index, state.best_index), wait,
                        jnp.where(stop, state.index, state.stopped))
    return new, improved


@jax.jit
def early_stopping(val_losses, patience, min_delta):
    """(best index, stopping index or NEVER) for a sequence of validation losses: the rule as a
    pure function of a history, the same one ``train`` applies online."""
    def step(state, loss):
        return early_stopping_update(state, loss, patience, min_delta)[0], None

    final, _ = jax.lax.scan(step, early_stopping_init(), jnp.asarray(val_losses, jnp.float32))
    return final.best_index, final.stopped


def early_stopping_step(val_losses, patience, min_delta):
    """The evaluation index at which early stopping stops, ``NEVER`` (-1) if it never does."""
    return int(early_stopping(val_losses, jnp.int32(patience), jnp.float32(min_delta))[1])


def _metrics(params, activation, loss, data_train, data_val):
    """(train loss, validation loss, train accuracy, validation accuracy) without dropout or L2."""
    loss = partial(mlp.data_loss, activation=activation, loss=loss)
    acc = partial(mlp.accuracy, activation=activation)
    return (loss(params, *data_train), loss(params, *data_val), acc(params, *data_train),
            acc(params, *data_val))


def _sharpness(params, vector, activation, loss, iters, num, data_train):
    """(λ_max, eigenvector) of the full-batch objective's Hessian by ``iters`` power iterations from
    ``vector``; a non-finite vector (from a run gone bad) restarts from a fresh direction."""
    def objective(params):
        return mlp.data_loss(params, *data_train, activation=activation, loss=loss, l2=num["l2"])

    vector = jnp.where(jnp.all(jnp.isfinite(vector)), vector, jnp.ones_like(vector))
    return top_eigenvalue_flat(objective, params, vector, iters)


def _make_step(optimizer_key, activation, loss, steps, num, data_train, orders, box):
    """The update for global step k: a masked mini-batch gradient step, frozen at divergence or k ≥ steps.

    ``uniforms`` (or None: no dropout) are step k's dropout draws, one array per hidden layer.
    """
    spec = OPTIMIZERS[optimizer_key]
    x, y = data_train

    def objective(params, weights, uniforms):
        return mlp.data_loss(params, x, y, activation=activation, loss=loss, dropout_rate=num["dropout_rate"],
                             uniforms=uniforms, l2=num["l2"], weights=weights)

    def step(carry, k_and_uniforms):
        params, state, diverged_at = carry
        k, uniforms = k_and_uniforms
        weights = batch_weights(orders, k, num["batch_size"])
        loss, grads = jax.value_and_grad(objective)(params, weights, uniforms)
        updates, new_state = spec.make(**num["hyperparams"]).update(grads, state, params)
        new_params = apply_updates(params, updates)
        alive = (diverged_at == NEVER) & (k < steps)
        (params, state), diverged_at, _ = guarded_step(alive, (loss, grads, new_params),
                                                       (new_params, new_state), (params, state),
                                                       diverged_at, k, box)
        return (params, state, diverged_at), None

    return step


def _snapshot(snaps, snapshot_steps, k, params):
    """Store params in the snapshot slot for step k, if k is a snapshot step (they are distinct)."""
    hit = snapshot_steps == k
    slot = jnp.argmax(hit)
    return jax.tree.map(lambda s, p: s.at[slot].set(jnp.where(hit.any(), p, s[slot])), snaps, params)


def _observe(carry, params, metrics, num):
    """Evaluation bookkeeping: early-stopping state and best params."""
    es, best = carry
    es, improved = early_stopping_update(es, metrics[1], num["patience"], num["min_delta"])
    return es, jax.tree.map(lambda p, b: jnp.where(improved, p, b), params, best)


def _dropout_draws(key, start, eval_every, n, sizes):
    """A block's dropout draws: uniforms for every step and hidden layer, in one call per layer
    (drawing them step by step made training three times slower)."""
    block_key = jax.random.fold_in(key, start)
    return [jax.random.uniform(jax.random.fold_in(block_key, i), (eval_every, n, width))
            for i, width in enumerate(sizes[1:-1])]


@partial(jax.jit, static_argnames=("sizes", "activation", "optimizer_key", "steps", "eval_every",
                                   "snapshot_steps", "init", "with_dropout", "loss", "sharpness_iters"))
def _train(sizes, activation, optimizer_key, steps, eval_every, snapshot_steps, init, with_dropout, loss,
           sharpness_iters, num, data_train, data_val, seed):
    """The jitted core: blocks of ``eval_every`` steps (the last one masked past ``steps``)."""
    init_key, order_key, dropout_key = jax.random.split(jax.random.PRNGKey(seed), 3)
    params = mlp.init_params(init_key, sizes, init, num["sigma"])
    n = data_train[1].shape[0]
    orders = epoch_orders(order_key, n)
    step = _make_step(optimizer_key, activation, loss, steps, num, data_train, orders, num["box"])
    snap_steps = jnp.asarray(snapshot_steps, jnp.int32)
    snaps = jax.tree.map(lambda p: jnp.broadcast_to(p, (len(snapshot_steps), *p.shape)), params)
    state = OPTIMIZERS[optimizer_key].make(**num["hyperparams"]).init(params)
    # The power iteration's start has its own stream (fold_in, not a fourth split): the other draws stay
    # those of a run without it.
    start_key = jax.random.fold_in(jax.random.PRNGKey(seed), 3)
    vector = jax.random.normal(start_key, ravel_pytree(params)[0].shape) if sharpness_iters else None

    def evaluate(params, vector):
        """(train loss, val loss, train acc, val acc, λ_max or NaN) and the eigenvector to warm-start from."""
        metrics = _metrics(params, activation, loss, data_train, data_val)
        if not sharpness_iters:
            return (*metrics, jnp.float32(jnp.nan)), vector
        sharpness, vector = _sharpness(params, vector, activation, loss, sharpness_iters, num, data_train)
        return (*metrics, sharpness), vector

    def snapshot_and_step(carry, k_and_uniforms):
        """Keep the params after k updates if k is a snapshot step (any step: snapshots need not fall on
        evaluations), then update."""
        inner, snaps = carry
        snaps = _snapshot(snaps, snap_steps, k_and_uniforms[0], inner[0])
        return (step(inner, k_and_uniforms)[0], snaps), None

    def block(carry, start):
        (inner, snaps), watch, vector = carry
        metrics, vector = evaluate(inner[0], vector)
        watch = _observe(watch, inner[0], metrics, num)
        draws = _dropout_draws(dropout_key, start, eval_every, n, sizes) if with_dropout else None
        ks = start + jnp.arange(eval_every)
        (inner, snaps), _ = jax.lax.scan(snapshot_and_step, (inner, snaps), (ks, draws))
        return ((inner, snaps), watch, vector), metrics

    blocks = -(-steps // eval_every)
    starts = jnp.arange(blocks, dtype=jnp.int32) * eval_every
    carry = (((params, state, jnp.int32(NEVER)), snaps), (early_stopping_init(), params), vector)
    (((params, _, diverged_at), snaps), watch, vector), metrics = jax.lax.scan(block, carry, starts)
    last, _ = evaluate(params, vector)
    es, best = _observe(watch, params, last, num)
    snaps = _snapshot(snaps, snap_steps, jnp.int32(steps), params)
    *metrics, sharpness = (jnp.append(m, end) for m, end in zip(metrics, last, strict=True))
    eval_steps = jnp.append(starts, steps)
    stopped_at = jnp.where(es.stopped == NEVER, NEVER, eval_steps[es.stopped])
    return (eval_steps, *metrics, snap_steps, snaps, eval_steps[es.best_index], best, stopped_at,
            diverged_at, sharpness)


def kept_params(history):
    """The model a run keeps: the best-validation weights where early stopping stopped, else the last."""
    if history.stopped_at >= 0:
        return history.best_params
    return jax.tree.map(lambda a: a[-1], history.snapshots)


def snapshot_steps_for(steps, count):
    """``count`` distinct steps evenly spaced over 0..steps (fewer when steps + 1 < count)."""
    count = max(1, min(int(count), int(steps) + 1))
    return tuple(int(s) for s in np.round(np.linspace(0, steps, count)).astype(int))


def train(sizes, activation, optimizer_key, hyperparams, data_train, data_val, *, steps, batch_size=32,
          seed=0, dropout_rate=0.0, l2=0.0, init="normal", sigma=0.1, eval_every=10, patience=10,
          min_delta=0.0, snapshots=20, box=1e6, loss="bce", sharpness_iters=0):
    """Train an MLP with layer ``sizes`` (d_in, hidden..., 1) for ``steps`` mini-batch updates.

    ``hyperparams``: the optimizer's keywords (missing ones take the spec's defaults); ``data_*`` =
    (x (n, d_in), y (n,) in {0, 1}). Batch size is clipped to 1..n_train (n_train: full-batch gradient
    descent). ``loss`` (one of ``mlp.LOSSES``) is both the objective and the loss reported;
    ``sharpness_iters`` > 0 measures λ_max at every evaluation with that many power iterations.
    Returns a ``TrainingHistory`` of numpy arrays (``best_params`` and ``snapshots`` as lists of (W, b)).
    """
    steps, eval_every = int(steps), max(1, int(eval_every))
    data_train = tuple(jnp.asarray(a, jnp.float32) for a in data_train)
    data_val = tuple(jnp.asarray(a, jnp.float32) for a in data_val)
    n = data_train[1].shape[0]
    f32 = partial(np.asarray, dtype=np.float32)
    hyperparams = {**OPTIMIZERS[optimizer_key].defaults(), **hyperparams}  # one key set: one compilation
    num = {"hyperparams": {k: f32(v) for k, v in hyperparams.items()},
           "batch_size": np.int32(min(max(int(batch_size), 1), n)), "dropout_rate": f32(dropout_rate),
           "l2": f32(l2), "sigma": f32(sigma), "patience": np.int32(patience), "min_delta": f32(min_delta),
           "box": f32(box)}
    if loss not in mlp.LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {mlp.LOSSES}")
    out = _train(tuple(int(s) for s in sizes), activation, optimizer_key, steps, eval_every,
                 snapshot_steps_for(steps, snapshots), init, float(dropout_rate) > 0, loss,
                 max(int(sharpness_iters), 0), num, data_train, data_val, np.int32(seed))
    out = jax.tree.map(np.asarray, out)
    (eval_steps, train_loss, val_loss, train_acc, val_acc, snap_steps, snaps, best_step, best,
     stopped_at, diverged_at, sharpness) = out
    return TrainingHistory(eval_steps, train_loss, val_loss, train_acc, val_acc, snap_steps, snaps,
                           int(best_step), best, int(stopped_at), int(diverged_at), sharpness)
