"""The MLP training engine: the early-stopping rule, a real run, masking, and no recompilation."""

import jax
import numpy as np
import pytest

from engine.training import NEVER, early_stopping, early_stopping_step, train
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
    common = dict(steps=95, batch_size=16, seed=2, dropout_rate=0.2, l2=1e-3, snapshots=2)
    a = train(SIZES, "tanh", "sgd", {"learning_rate": 0.3}, *circle, eval_every=10, **common)
    b = train(SIZES, "tanh", "sgd", {"learning_rate": 0.3}, *circle, eval_every=5, **common)
    assert list(a.eval_steps) == [*range(0, 91, 10), 95]
    for (wa, ba), (wb, bb) in zip(a.snapshots, b.snapshots, strict=True):
        np.testing.assert_allclose(wa[-1], wb[-1], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ba[-1], bb[-1], rtol=1e-5, atol=1e-6)


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
