"""The mini-batch engine: unbiased batch gradients whose variance falls as 1/B times the finite-population
factor, epochs that visit each example once, B = n as full-batch gradient descent, divergence, pytrees,
no recompilation when B or the rate moves, and the gradient noise scale."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import engine
from engine import NEVER
from engine.minibatch import (
    EPOCH_ORDERS,
    batch_weights,
    epoch_orders,
    gradient_noise,
    noise_scale,
    predicted_spread,
    run_minibatch,
)
from landscapes.data import DATA_LANDSCAPES, minimum
from tests.unit.compilations import compilations

LINEAR = DATA_LANDSCAPES["linear"]
N = 50  # one data-set size for the whole file: every compiled shape is shared
DATA = {key: d.make_data(0, N, 0.5) for key, d in DATA_LANDSCAPES.items()}
POINTS = {key: np.array(d.start, np.float32) for key, d in DATA_LANDSCAPES.items()}  # where each page starts
SIZES = np.array([1, 2, 5, 7, 10, 25, N - 1, N])  # batch sizes whose spread is measured
COUNT = 2000  # mini-batch estimates per batch size
STEPS = 40
SGD = {"learning_rate": 0.05}
ADAM = {"learning_rate": 0.1, "b1": 0.9, "b2": 0.999, "eps": 1e-8}


def per_example_grads(landscape, w, data):
    """The n per-example gradients ∇L_i(w), computed here with jax.grad, as float64."""
    x, y = data
    grad = jax.vmap(jax.grad(landscape.example_loss), in_axes=(None, 0, 0))
    return np.asarray(grad(jnp.asarray(w, jnp.float32), x, y), np.float64)


def finite_population(b, n=N):
    """(n - B) / (n - 1): the variance factor of a mean of B draws without replacement."""
    return (n - np.asarray(b, np.float64)) / (n - 1)


@pytest.fixture(scope="module", params=list(DATA_LANDSCAPES))
def noise(request):
    key = request.param
    d = DATA_LANDSCAPES[key]
    return key, gradient_noise(d.example_loss, POINTS[key], DATA[key], 7, 0, count=COUNT, sizes=SIZES)


# --- gradient_noise: unbiased estimates, spread ∝ sqrt(tr Σ / B · (n − B)/(n − 1)) ------------------------


def test_full_gradient_and_covariance_match_numpy(noise):
    key, gn = noise
    g = per_example_grads(DATA_LANDSCAPES[key], POINTS[key], DATA[key])
    full = g.mean(0)
    # float32 per-example gradients of size O(10) averaged over 50: a few ulps, rtol 1e-5 plus a tiny atol.
    np.testing.assert_allclose(gn.full_grad, full, rtol=1e-5, atol=1e-6)
    # Σ centres and sums 50 products of O(10) float32 numbers: relative rounding ~n·eps32 ≈ 6e-6, so 1e-4.
    np.testing.assert_allclose(gn.covariance, np.cov(g.T, bias=True), rtol=1e-4, atol=1e-5)
    assert gn.samples.shape == (COUNT, 2)
    np.testing.assert_array_equal(gn.batch_sizes, SIZES)


def test_mean_of_minibatch_gradients_is_the_full_gradient(noise):
    key, gn = noise
    tr = np.trace(gn.covariance)
    # E|mean of COUNT estimates − G|² = tr Σ / B · (n−B)/(n−1) / COUNT; 5 times its root is a 5σ bound.
    tolerance = 5 * np.sqrt(tr / 7 * finite_population(7) / COUNT)
    assert np.linalg.norm(gn.samples.mean(0) - gn.full_grad) < tolerance
    # ... and the samples really are noisy: their spread is the B = 7 entry of ``spread``.
    rms = np.sqrt(np.mean(np.sum((gn.samples - gn.full_grad) ** 2, -1)))
    np.testing.assert_allclose(rms, gn.spread[list(SIZES).index(7)], rtol=1e-4)  # same numbers, float32
    for batch, seed in ((1, 1), (25, 2)):
        other = gradient_noise(DATA_LANDSCAPES[key].example_loss, POINTS[key], DATA[key], batch, seed,
                               count=COUNT, sizes=SIZES)
        tolerance = 5 * np.sqrt(tr / batch * finite_population(batch) / COUNT)  # 5σ, as above
        assert np.linalg.norm(other.samples.mean(0) - other.full_grad) < tolerance


def test_spread_falls_as_one_over_b_with_the_finite_population_factor(noise):
    _, gn = noise
    predicted = predicted_spread(gn.covariance, SIZES, N)
    np.testing.assert_allclose(predicted ** 2, np.trace(gn.covariance) / SIZES * finite_population(SIZES),
                               rtol=1e-12)
    # A variance estimated from COUNT draws has a relative standard error of about sqrt(2 / COUNT) (3%);
    # four of those (13%) allow for the heavier tails of single-example gradients.
    tolerance = 4 * np.sqrt(2 / COUNT)
    measured, expected = gn.spread[:-1] ** 2, predicted[:-1] ** 2
    np.testing.assert_allclose(measured, expected, rtol=tolerance)
    # With replacement the spread would not vanish near B = n: the factor (n−B)/(n−1) matters there.
    assert gn.spread[-2] ** 2 < 0.1 * np.trace(gn.covariance) / (N - 1)


def test_b_equal_to_one_matches_the_trace_and_b_equal_to_n_is_exactly_zero(noise):
    key, gn = noise
    tr = np.trace(gn.covariance)
    assert predicted_spread(gn.covariance, [N], N)[0] == 0.0
    np.testing.assert_allclose(predicted_spread(gn.covariance, [1], N)[0] ** 2, tr, rtol=1e-12)
    np.testing.assert_allclose(gn.spread[0] ** 2, tr, rtol=4 * np.sqrt(2 / COUNT))  # as in the test above
    # B = n: every estimate is the full gradient itself, so the spread is exactly 0 (regression: it used to
    # be the float32 rounding of a running sum, ~6e-7 for the linear data).
    assert gn.spread[-1] == 0.0


# --- batch_weights and epochs -----------------------------------------------------------------------------


ORDERS = np.asarray(epoch_orders(jax.random.PRNGKey(0), N))


_all_weights = jax.jit(jax.vmap(batch_weights, in_axes=(None, 0, None)))  # B traced: one compilation


def weights_over(steps, batch):
    """batch_weights for each of ``steps`` (below 4n), computed in one jitted call."""
    every = np.asarray(_all_weights(ORDERS, jnp.arange(4 * N), jnp.int32(batch)))
    return every[np.asarray(steps)]


def test_epoch_orders_are_distinct_permutations():
    assert ORDERS.shape == (EPOCH_ORDERS, N)
    np.testing.assert_array_equal(np.sort(ORDERS, 1), np.broadcast_to(np.arange(N), ORDERS.shape))
    assert len({tuple(row) for row in ORDERS}) == EPOCH_ORDERS


@pytest.mark.parametrize("batch", [1, 3, 7, 16, 25, N])
def test_every_step_weighs_exactly_b_examples_summing_to_one(batch):
    per_epoch = N // batch
    weights = weights_over(range(3 * per_epoch + 1), batch)
    assert weights.dtype == np.float32
    np.testing.assert_array_equal((weights > 0).sum(1), batch)
    np.testing.assert_array_equal(weights[weights > 0], np.float32(1) / np.float32(batch))
    # B float32 copies of 1/B add up to 1 within B rounding steps of eps32.
    np.testing.assert_allclose(weights.sum(1), 1.0, rtol=0, atol=batch * np.finfo(np.float32).eps)


@pytest.mark.parametrize("batch", [1, 5, 7, 16, N])
def test_each_epoch_visits_every_used_example_exactly_once(batch):
    per_epoch = N // batch
    used = per_epoch * batch  # B not dividing n: the last incomplete batch is dropped
    epochs = [weights_over(range(e * per_epoch, (e + 1) * per_epoch), batch) for e in range(3)]
    for e, weights in enumerate(epochs):
        total = weights.sum(0)  # each example appears in at most one step, so this sum is exact
        assert np.count_nonzero(total) == used
        np.testing.assert_array_equal(total[total > 0], np.float32(1) / np.float32(batch))
        np.testing.assert_array_equal(np.flatnonzero(total), np.sort(ORDERS[e, :used]))
        assert ((weights > 0).sum(0) <= 1).all()
    if batch < N:  # different epochs, different orders
        assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[1], epochs[2])
    # Documented: after EPOCH_ORDERS epochs the shuffles repeat.
    np.testing.assert_array_equal(batch_weights(ORDERS, EPOCH_ORDERS * per_epoch, batch), epochs[0][0])


# --- run_minibatch ----------------------------------------------------------------------------------------


def run_linear(batch_sizes, hyperparams=SGD, steps=STEPS, seed=0, start=POINTS["linear"], **kwargs):
    return run_minibatch(LINEAR.example_loss, "sgd" if "b1" not in hyperparams else "adam", hyperparams,
                         batch_sizes, start, DATA["linear"], steps, seed, **kwargs)


def test_engine_batches_are_batch_weights_and_their_gradients_average_to_the_full_gradient():
    """With a zero rate the point stays put and every recorded gradient is one mini-batch estimate."""
    per_epoch = N // 7  # 7 steps of 7 examples, 1 example left over per epoch
    steps = per_epoch * EPOCH_ORDERS
    seed = 5
    r = run_linear([7, 1], {"learning_rate": 0.0}, steps=steps, seed=seed)
    assert (r.diverged_at == NEVER).all()
    np.testing.assert_array_equal(r.params, np.broadcast_to(POINTS["linear"], r.params.shape))
    g = per_example_grads(LINEAR, POINTS["linear"], DATA["linear"])
    full = g.mean(0)
    orders = epoch_orders(jax.random.PRNGKey(seed), N)
    for k in (0, 1, per_epoch, steps - 1):
        # The engine's batch at step k is batch_weights' batch: Σ_i w_i ∇L_i in float32, a few ulps apart.
        expected = np.asarray(batch_weights(orders, k, 7), np.float64) @ g
        np.testing.assert_allclose(r.grads[0, k], expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(r.grads[:, -1], np.broadcast_to(full, (2, 2)), rtol=1e-5, atol=1e-6)
    # Each epoch's 7 batches are 49 of the 50 examples without replacement, and the 64 shuffles are
    # independent: the epoch means have variance tr Σ / 49 · (n − 49)/(n − 1); 5σ of their average.
    tr = np.trace(np.cov(g.T, bias=True))
    tolerance = 5 * np.sqrt(tr / 49 * finite_population(49) / EPOCH_ORDERS)
    assert np.linalg.norm(r.grads[0, :steps].mean(0) - full) < tolerance
    # B = 1: the first n steps use each example once; the recorded gradients are the n per-example ones
    # (weight 1 on one example, 0 elsewhere: the same float32 gradient up to the order of operations).
    visited = r.grads[1, :N].astype(np.float64)
    np.testing.assert_allclose(visited[np.lexsort(visited.T)], g[np.lexsort(g.T)], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(r.grads[1, :N], g[np.asarray(orders[0])], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("hyperparams", [SGD, ADAM], ids=["sgd", "adam"])
def test_full_batch_reproduces_gradient_descent(hyperparams):
    optimizer = "adam" if "b1" in hyperparams else "sgd"
    r = run_linear([N, 10 * N, N], hyperparams)  # 10n is clipped to n
    t = engine.run_single(LINEAR.fn_with, optimizer, hyperparams, POINTS["linear"], STEPS,
                          loss_args=(DATA["linear"],))
    for run in range(3):
        # Σ_i float32(1/n) L_i against mean_i L_i: float rounding, not amplified over 40 contracting steps.
        np.testing.assert_allclose(r.params[run], t.params, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(r.loss[run], t.loss, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(r.grads[run], t.grads, rtol=1e-4, atol=1e-5)
    assert t.loss[-1] < 0.5 * t.loss[0]  # the runs did move downhill


def test_examples_processed_is_step_times_b():
    r = run_linear([0, 7, 10 * N])
    np.testing.assert_array_equal(r.examples, np.arange(STEPS + 1) * np.array([[1], [7], [N]]))


def test_divergence_freezes_only_the_diverging_run():
    lrs = np.array([0.05, 1e3, 0.02], np.float32)
    r = run_linear([10, 10, 3], {"learning_rate": lrs})
    calm = run_linear([10, 10, 3], {"learning_rate": lrs[[0, 0, 2]]})
    d = int(r.diverged_at[1])
    assert 0 < d <= STEPS and r.diverged_at[0] == r.diverged_at[2] == NEVER
    # From step d − 1 (the last good point) on, the run stands still at finite values.
    assert np.isfinite(r.params[1]).all() and np.isfinite(r.loss[1]).all()
    frozen = r.params[1, d - 1:]
    np.testing.assert_array_equal(frozen, np.broadcast_to(frozen[0], frozen.shape))
    np.testing.assert_array_equal(r.loss[1, d - 1:], r.loss[1, d - 1])
    assert np.abs(r.params[1, d - 1]).max() <= 1e6 and r.loss[1, d - 1] > 10 * r.loss[1, 0]
    # Same compiled program, same shuffles: the other runs do not notice.
    for run in (0, 2):
        np.testing.assert_array_equal(r.params[run], calm.params[run])
        np.testing.assert_array_equal(r.loss[run], calm.loss[run])


def test_moving_batch_size_rate_and_seed_never_recompiles():
    rng = np.random.default_rng(0)

    def call():
        # The shapes the other run_minibatch tests use (3 runs, STEPS steps, n = 50, sgd): compiled once.
        return run_linear(rng.integers(1, N + 1, 3), {"learning_rate": rng.uniform(1e-3, 0.1, 3)},
                          seed=int(rng.integers(0, 1000)))

    call()
    with compilations() as compiles:
        jax.jit(lambda v: v * 3.0 + 1.0)(np.zeros(3, np.float32))  # a new function: the listener hears it
        assert compiles, "the listener saw no compilation"
        compiles.clear()
        results = [call() for _ in range(10)]
    assert compiles == []
    assert len({float(r.params[0, -1, 0]) for r in results}) == 10, "the numbers did change"


# --- pytrees ----------------------------------------------------------------------------------------------


def dict_loss(params, x, y):
    return (params["w"][0] + params["w"][1] * x[0] - y) ** 2


def layer_loss(params, x, y):
    """The same line as one dense layer, params [(W (1, 1), b (1,))]: an MLP's list of (W, b)."""
    ((w, b),) = params
    return ((x @ w + b)[0] - y) ** 2


def as_vector(params):
    """[(W, b)] with W (..., 1, 1), b (..., 1) -> (..., 2) = (intercept, slope)."""
    ((w, b),) = params
    return np.concatenate([b, w[..., 0]], -1)


@pytest.mark.parametrize(("loss", "start", "flat"), [
    (dict_loss, {"w": POINTS["linear"]}, lambda p: p["w"]),
    (layer_loss, [(POINTS["linear"][1:].reshape(1, 1), POINTS["linear"][:1])], as_vector),
], ids=["dict", "list-of-W-b"])
def test_pytree_params_follow_the_same_path_as_a_vector(loss, start, flat):
    batch_sizes = [1, 7, N]
    vector = run_linear(batch_sizes)
    r = run_minibatch(loss, "sgd", SGD, batch_sizes, start, DATA["linear"], STEPS, 0)
    assert jax.tree.structure(r.params) == jax.tree.structure(start) == jax.tree.structure(r.grads)
    for leaf, start_leaf in zip(jax.tree.leaves(r.params), jax.tree.leaves(start), strict=True):
        assert leaf.shape == (len(batch_sizes), STEPS + 1, *np.shape(start_leaf))
    # The same float32 arithmetic in another arrangement: a few ulps.
    np.testing.assert_allclose(flat(r.params), vector.params, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(flat(r.grads), vector.grads, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(r.loss, vector.loss, rtol=1e-5, atol=1e-6)


# --- the gradient noise scale -----------------------------------------------------------------------------


def test_noise_scale_is_trace_over_squared_gradient(noise):
    key, gn = noise
    g = per_example_grads(DATA_LANDSCAPES[key], POINTS[key], DATA[key])
    full = g.mean(0)
    expected = np.trace(np.cov(g.T, bias=True)) / (full @ full)
    # float32 covariance and gradient against float64 from the same float32 per-example gradients.
    np.testing.assert_allclose(noise_scale(gn.covariance, gn.full_grad), expected, rtol=1e-4)
    assert noise_scale(gn.covariance, np.zeros(2)) == float("inf")


def test_noise_scale_is_huge_at_the_least_squares_minimum():
    (w,), _ = minimum("linear", DATA["linear"])
    gn = gradient_noise(LINEAR.example_loss, np.asarray(w, np.float32), DATA["linear"], 7, 0, count=COUNT,
                        sizes=SIZES)
    # At w* the full gradient is float32 rounding (~1e-7) while tr Σ ≈ 4σ²(1 + E x²) ≈ 2: B_noise ~ 1e14.
    assert np.linalg.norm(gn.full_grad) < 1e-5
    assert noise_scale(gn.covariance, gn.full_grad) > 1e6
