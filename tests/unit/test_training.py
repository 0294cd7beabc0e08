"""The MLP training engine: the early-stopping rule, a real run, masking, the squared loss, the sharpness
against the full Hessian, and no recompilation."""

import jax
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from engine.minibatch import batch_weights, epoch_orders
from engine.training import NEVER, _dropout_draws, early_stopping, early_stopping_step, train
from models import datasets, mlp
from tests.unit.compilations import compilations

SIZES = (2, 16, 16, 1)


def es(losses, patience, min_delta=0.0):
    best, stopped = early_stopping(np.asarray(losses, np.float32), np.int32(patience), np.float32(min_delta))
    return int(best), int(stopped)


def test_early_stopping_keeps_the_best_before_it_stops():
    history = [1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.6]
    # Evaluations 3, 4, 5 fail to beat 0.7: stop at 5; the later 0.6 comes too late to count.
    assert es(history, 3) == (2, 5)
    assert early_stopping_step(history, 3, 0.0) == 5
    assert es(history, 4) == (6, NEVER)
    assert early_stopping_step(history, 10, 0.0) == NEVER
    assert es(history, 1) == (2, 3)


def test_min_delta_counts_only_real_improvements():
    history = [1.0, 0.95, 0.94, 0.93, 0.92]
    assert es(history, 2, 0.02) == (1, 3)
    assert es(history, 2, 0.0) == (4, NEVER)


def test_a_nan_validation_loss_never_improves():
    assert es([0.5, np.nan, np.nan], 2) == (0, 2)


@pytest.fixture(scope="module")
def circle():
    x, y = datasets.make("circle", 0, 300, 0.05)
    return datasets.split(x, y, 0.25, 0)


@pytest.fixture(scope="module")
def run(circle):
    return train(SIZES, "tanh", "adam", {"learning_rate": 0.02}, *circle, steps=600, batch_size=32,
                 seed=0, init="glorot", eval_every=10, patience=15, snapshots=7)


def test_a_tanh_network_learns_the_circle(run):
    assert run.train_accuracy[-1] > 0.9
    assert run.val_accuracy[-1] > 0.85
    assert run.train_loss[-1] < 0.5 * run.train_loss[0]
    assert run.diverged_at == NEVER


def test_history_shapes_and_snapshots(run, circle):
    assert list(run.eval_steps) == list(range(0, 601, 10))
    for curve in (run.train_loss, run.val_loss, run.train_accuracy, run.val_accuracy):
        assert curve.shape == (61,) and np.all(np.isfinite(curve))
    assert run.sharpness.shape == (61,) and np.all(np.isnan(run.sharpness)), "not measured by default"
    assert list(run.snapshot_steps) == [0, 100, 200, 300, 400, 500, 600]
    assert [w.shape for w, _ in run.snapshots] == [(7, 2, 16), (7, 16, 16), (7, 16, 1)]
    # Snapshot 0 is the initialisation (Glorot, zero biases); the last one the final model.
    assert np.all(run.snapshots[0][1][0] == 0) and not np.all(run.snapshots[0][1][-1] == 0)
    last = [(w[-1], b[-1]) for w, b in run.snapshots]
    x, y = circle[0]
    assert float(mlp.bce_loss(last, x, y, activation="tanh")) == pytest.approx(run.train_loss[-1], rel=1e-4)


def test_the_kept_model_is_the_best_validation_one(run, circle):
    best, stopped = es(run.val_loss, 15)
    assert run.best_step == run.eval_steps[best]
    assert run.stopped_at == (NEVER if stopped == NEVER else run.eval_steps[stopped])
    upto = run.val_loss[: (stopped if stopped != NEVER else len(run.val_loss) - 1) + 1]
    assert run.val_loss[best] == upto.min()
    x, y = circle[1]
    assert float(mlp.bce_loss(run.best_params, x, y, activation="tanh")) == pytest.approx(
        run.val_loss[best], rel=1e-4)


def test_early_stopping_marks_a_step_on_an_overfitting_run():
    """Few noisy points, a big network, no regularization: validation loss turns up and the run is
    marked, yet it goes on to the last step."""
    x, y = datasets.make("circle", 1, 80, 0.15)
    h = train((2, 32, 32, 1), "relu", "adam", {"learning_rate": 0.02}, *datasets.split(x, y, 0.5, 1),
              steps=1500, batch_size=30, seed=1, init="glorot", eval_every=10, patience=10)
    assert 0 < h.best_step <= h.stopped_at < 1500
    assert h.val_loss[-1] > h.val_loss.min() + 0.1
    assert h.train_loss[-1] < h.train_loss[h.eval_steps == h.best_step][0]


def test_steps_not_a_multiple_of_eval_every_stop_exactly_at_steps(circle):
    # Without dropout: a block's dropout uniforms are drawn at once from a key folded with the block's first
    # step, so with dropout the random stream (and the result) depends on eval_every. Without it the only
    # randomness is the initialisation and the epoch orders, which do not, so the runs must agree.
    common = dict(steps=95, batch_size=16, seed=2, dropout_rate=0.0, l2=1e-3, snapshots=2)
    a = train(SIZES, "tanh", "sgd", {"learning_rate": 0.3}, *circle, eval_every=10, **common)
    b = train(SIZES, "tanh", "sgd", {"learning_rate": 0.3}, *circle, eval_every=5, **common)
    assert list(a.eval_steps) == [*range(0, 91, 10), 95]
    assert list(b.eval_steps) == [*range(0, 96, 5)]
    for (wa, ba), (wb, bb) in zip(a.snapshots, b.snapshots, strict=True):
        # The same 95 updates, scanned in blocks of another length: a few float32 ulps at most.
        np.testing.assert_allclose(wa[-1], wb[-1], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ba[-1], bb[-1], rtol=1e-5, atol=1e-6)
    assert not np.allclose(a.snapshots[0][0][-1], a.snapshots[0][0][0]), "the weights moved"


def test_snapshots_between_evaluations_are_the_weights_at_their_step(circle):
    """100 steps in 5 snapshots (every 25 steps), evaluations every 10: the snapshot at step 25 is the
    last weights of the same run stopped at 25 (they were once the initial weights, whose slots only
    evaluations filled)."""
    common = dict(batch_size=16, seed=2, dropout_rate=0.0, eval_every=10)
    full = train(SIZES, "tanh", "sgd", {"learning_rate": 0.3}, *circle, steps=100, snapshots=5, **common)
    short = train(SIZES, "tanh", "sgd", {"learning_rate": 0.3}, *circle, steps=25, snapshots=2, **common)
    assert list(full.snapshot_steps) == [0, 25, 50, 75, 100]
    for (w_full, b_full), (w_short, b_short) in zip(full.snapshots, short.snapshots, strict=True):
        # The same 25 updates, the last block cut short in one run: a few float32 ulps at most.
        np.testing.assert_allclose(w_full[1], w_short[-1], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(b_full[1], b_short[-1], rtol=1e-5, atol=1e-6)
    weights = full.snapshots[0][0]
    assert all(not np.allclose(weights[i], weights[0]) for i in range(1, 5)), "every later snapshot moved"


def test_the_same_settings_give_bit_identical_runs_and_dropout_changes_them(circle):
    # The structure of test_moving_numeric_sliders_never_recompiles (40 steps, blocks of 10, 5 snapshots):
    # one compiled program serves both tests.
    common = dict(steps=40, batch_size=16, seed=4, l2=1e-3, eval_every=10, snapshots=5)
    first = train(SIZES, "tanh", "adam", {"learning_rate": 0.02}, *circle, dropout_rate=0.3, **common)
    again = train(SIZES, "tanh", "adam", {"learning_rate": 0.02}, *circle, dropout_rate=0.3, **common)
    for got, want in zip(jax.tree.leaves(first), jax.tree.leaves(again), strict=True):
        np.testing.assert_array_equal(got, want)
    other = train(SIZES, "tanh", "adam", {"learning_rate": 0.02}, *circle, dropout_rate=0.1, **common)
    assert not np.array_equal(first.snapshots[0][0][-1], other.snapshots[0][0][-1]), "the rate is used"


DRAW_SIZES = (2, 64, 32, 1)  # two hidden layers of 64 and 32 units
EVAL_EVERY, N = 10, 500


@pytest.fixture(scope="module")
def draws():
    return _dropout_draws(jax.random.PRNGKey(7), 30, EVAL_EVERY, N, DRAW_SIZES)


def test_a_blocks_draws_are_uniforms_for_every_step_example_and_hidden_unit(draws):
    assert [d.shape for d in draws] == [(EVAL_EVERY, N, 64), (EVAL_EVERY, N, 32)]
    for d in draws:
        assert 0.0 <= float(d.min()) and float(d.max()) < 1.0
    again = _dropout_draws(jax.random.PRNGKey(7), 30, EVAL_EVERY, N, DRAW_SIZES)
    np.testing.assert_array_equal(draws[0], again[0])
    other_block = _dropout_draws(jax.random.PRNGKey(7), 40, EVAL_EVERY, N, DRAW_SIZES)
    assert not np.array_equal(draws[0], other_block[0]), "each block draws afresh"
    assert not np.array_equal(draws[0][..., :32], draws[1]), "each layer draws its own"


@pytest.mark.parametrize("p", [0.1, 0.3, 0.6])
def test_the_draws_keep_each_unit_with_probability_one_minus_p(draws, p):
    for d in draws:
        keep = np.asarray(mlp.dropout_from(d, np.ones(d.shape, np.float32), p)) != 0
        # Bernoulli(1 − p) over all draws (480k in all, 320k or 160k per layer): standard error
        # sqrt(p(1 − p)/count) <= 0.0012; five of them.
        assert abs(keep.mean() - (1 - p)) < 5 * np.sqrt(p * (1 - p) / keep.size)
        # Per unit, over the block's 10 steps x 500 examples (5000 draws): five standard errors; with 96
        # units a deviation that large happens by chance with probability ~1e-4.
        per_unit = keep.mean(axis=(0, 1))
        assert np.abs(per_unit - (1 - p)).max() < 5 * np.sqrt(p * (1 - p) / (EVAL_EVERY * N))
        # Steps are independent: a unit is kept at steps 0 and 1 together with probability (1 − p)².
        both = (keep[0] & keep[1]).mean()
        assert abs(both - (1 - p) ** 2) < 5 * np.sqrt((1 - p) ** 2 * (1 - (1 - p) ** 2) / keep[0].size)


def test_a_run_that_leaves_the_box_is_frozen(circle):
    h = train(SIZES, "tanh", "sgd", {"learning_rate": 50.0}, *circle, steps=50, eval_every=10,
              init="normal", sigma=0.3, box=1.0, snapshots=2)
    assert h.diverged_at != NEVER
    assert all(np.all(np.abs(w[-1]) <= 1.0) for w, _ in h.snapshots)


def test_moving_numeric_sliders_never_recompiles(circle):
    rng = np.random.default_rng(0)

    def call():
        return train(SIZES, "tanh", "adam", {"learning_rate": rng.uniform(1e-3, 0.1)}, *circle, steps=40,
                     batch_size=int(rng.integers(1, 200)), seed=int(rng.integers(0, 100)),
                     dropout_rate=rng.uniform(0, 0.6), l2=rng.uniform(0, 0.01), sigma=rng.uniform(0.01, 1),
                     patience=int(rng.integers(1, 10)), min_delta=rng.uniform(0, 0.01), eval_every=10,
                     snapshots=5)

    call()
    with compilations() as compiles:
        jax.jit(lambda v: v * 5.0 - 1.0)(np.zeros(2, np.float32))  # a new function: the listener hears it
        assert compiles, "the listener saw no compilation"
        compiles.clear()
        runs = [call() for _ in range(5)]
    assert not compiles, compiles
    assert len({float(r.train_loss[-1]) for r in runs}) == 5


def test_a_batch_of_all_examples_is_full_batch_gradient_descent():
    n = 37
    orders = epoch_orders(jax.random.PRNGKey(0), n)
    for step in (0, 1, 5, 63, 64, 200):
        np.testing.assert_array_equal(batch_weights(orders, step, n), np.full(n, 1 / n, np.float32))


def test_the_squared_loss_trains_and_is_the_loss_reported(circle):
    h = train(SIZES, "tanh", "sgd", {"learning_rate": 0.2}, *circle, steps=300, batch_size=1000, seed=0,
              init="lecun", loss="squared", eval_every=50, snapshots=2)
    assert h.train_accuracy[-1] > 0.9 and h.train_loss[-1] < 0.5 * h.train_loss[0]
    last = [(w[-1], b[-1]) for w, b in h.snapshots]
    for (x, y), reported in ((circle[0], h.train_loss[-1]), (circle[1], h.val_loss[-1])):
        squared = float(mlp.data_loss(last, x, y, activation="tanh", loss="squared"))
        assert squared == pytest.approx(reported, rel=1e-4)
        assert squared != pytest.approx(float(mlp.bce_loss(last, x, y, activation="tanh")), rel=1e-2)


TINY = (2, 3, 3, 1)  # 25 parameters: the full Hessian is cheap


def tiny_run(learning_rate, box=1e6):
    """Mini-batches with dropout and L2; the sharpness is the full-batch objective's (with L2, no dropout)."""
    x, y = datasets.make("circle", 3, 40, 0.05)
    h = train(TINY, "tanh", "sgd", {"learning_rate": learning_rate}, (x, y), (x, y), steps=20, batch_size=10,
              seed=1, init="lecun", loss="squared", dropout_rate=0.2, l2=0.01, eval_every=10, snapshots=3,
              sharpness_iters=200, box=box)
    return h, x, y


@jax.jit
def full_hessian(params, x, y):
    """The Hessian of tiny_run's full-batch objective, over the flattened parameters."""
    flat, unravel = ravel_pytree(params)

    def objective(v):
        return mlp.data_loss(unravel(v), x, y, activation="tanh", loss="squared", l2=0.01)

    return jax.hessian(objective)(flat)


def hessian_eigenvalues(params, x, y):
    return np.linalg.eigvalsh(np.asarray(full_hessian(params, x, y), np.float64))


def test_the_sharpness_is_the_top_eigenvalue_of_the_full_hessian():
    h, x, y = tiny_run(0.5)
    assert list(h.eval_steps) == list(h.snapshot_steps) == [0, 10, 20]
    for i in range(3):
        eigenvalues = hessian_eigenvalues([(w[i], b[i]) for w, b in h.snapshots], x, y)
        magnitudes = np.sort(np.abs(eigenvalues))[::-1]
        # Power iteration finds the eigenvalue of largest magnitude: here the largest one.
        assert eigenvalues.max() == magnitudes[0]
        # The Rayleigh quotient's error after k iterations shrinks like (|λ₂|/|λ₁|)^(2k): 200 of them bring
        # it far below 1e-3 for any gap |λ₂|/|λ₁| < 0.98 (these points have about 0.35..0.45).
        assert magnitudes[1] / magnitudes[0] < 0.98
        assert h.sharpness[i] == pytest.approx(eigenvalues.max(), rel=1e-3)


def test_a_diverged_run_keeps_the_sharpness_of_its_frozen_parameters():
    h, x, y = tiny_run(50.0, box=1.0)  # the same structure: no new compilation
    assert h.diverged_at != NEVER
    assert np.all(np.isfinite(h.sharpness))
    frozen = hessian_eigenvalues([(w[-1], b[-1]) for w, b in h.snapshots], x, y).max()
    assert h.sharpness[-1] == pytest.approx(frozen, rel=1e-3)
