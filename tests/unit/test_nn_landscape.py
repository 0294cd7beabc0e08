"""A network's own landscape: directions, slices, interpolation, path PCA and curvature, each checked
against an independent reference (a Python loop, the full Hessian, numpy's SVD, a quadratic)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from engine.nn_landscape import (
    filter_normalized_direction,
    hessian_trace,
    hvp,
    interpolate,
    loss_slice,
    mlp_accuracy,
    mlp_loss,
    path_pca,
    smallest_eigenvalue,
    top_eigenvalue,
)
from models import datasets, mlp
from tests.unit.compilations import compilations

X, Y = datasets.make("circle", 0, 100, 0.05)
TANH = mlp_loss("tanh")
RELU = mlp_loss("relu")
ACCURACY = mlp_accuracy("tanh")
SIZES = (2, 8, 8, 1)  # 105 parameters: the full Hessian is cheap
ITERS = 2000  # power iterations for the MLP's eigenvalues: see the eigenvalue test
KEY = jax.random.PRNGKey(7)


def loss_and_accuracy(params, x, y):
    """A function of the line that returns a tuple."""
    return TANH(params, x, y), ACCURACY(params, x, y)


def quadratic(params, a):
    """½ pᵀAp for a pytree with one leaf p."""
    p = params[0]
    return 0.5 * p @ a @ p


def flat(tree):
    """The leaves of a pytree raveled and concatenated in float64 (numpy, not ravel_pytree)."""
    return np.concatenate([np.asarray(leaf, np.float64).ravel() for leaf in jax.tree.leaves(tree)])


def init(sizes, sigma, seed):
    """[(W, b)] with W ~ N(0, σ²), b = 0, drawn by numpy (as mlp.init_params, without compiling a sampler)."""
    rng = np.random.default_rng(seed)
    return [(jnp.asarray(sigma * rng.standard_normal((m, n)), jnp.float32), jnp.zeros(n, jnp.float32))
            for m, n in zip(sizes[:-1], sizes[1:], strict=False)]


def perturbed(center, d1, d2, x, y):
    """center + x·d1 + y·d2 in numpy float32."""
    x, y = np.float32(x), np.float32(y)
    return jax.tree.map(lambda c, a, b: np.asarray(c) + x * np.asarray(a) + y * np.asarray(b), center, d1, d2)


_tanh_jitted = jax.jit(TANH)


def loss_at(params, x=X, y=Y):
    """The reference loss: one jitted evaluation (no slicing, no vmap)."""
    return float(_tanh_jitted(params, x, y))


@pytest.fixture(scope="module")
def params():
    """A 2-8-8-1 tanh MLP after 300 steps of full-batch gradient descent (a point off the minimum with a
    few slightly negative eigenvalues, the realistic case for the smallest eigenvalue)."""
    def step(_, p):
        return jax.tree.map(lambda w, g: w - 0.5 * g, p, jax.grad(TANH)(p, X, Y))

    return jax.jit(lambda p: jax.lax.fori_loop(0, 300, step, p))(init(SIZES, 0.5, 0))


@pytest.fixture(scope="module")
def hessian(params):
    """The full Hessian (float64 copy of jax.hessian of the raveled loss), symmetrised."""
    theta, unravel = ravel_pytree(params)
    h = np.asarray(jax.jit(jax.hessian(lambda t: TANH(unravel(t), X, Y)))(theta), np.float64)
    return (h + h.T) / 2


# --- the lessons' losses ------------------------------------------------------------------------------

def test_mlp_losses_are_cached_and_match_their_formulas(params):
    assert mlp_loss("tanh") is TANH and mlp_accuracy("tanh") is ACCURACY  # stable for jit's cache
    (w1, b1), (w2, b2), (w3, b3) = jax.tree.map(lambda a: np.asarray(a, np.float64), params)
    z = (np.tanh(np.tanh(X @ w1 + b1) @ w2 + b2) @ w3 + b3)[:, 0]
    squared = 0.5 * np.mean((z - (2 * Y - 1)) ** 2)
    penalty = np.sum(w1**2) + np.sum(w2**2) + np.sum(w3**2)
    bce = np.mean(np.logaddexp(0, z) - Y * z)
    # float32 against float64 references.
    assert float(jax.jit(mlp_loss("tanh", "squared"))(params, X, Y)) == pytest.approx(squared, rel=1e-5)
    assert float(jax.jit(mlp_loss("tanh", "bce", 0.01))(params, X, Y)) == pytest.approx(bce + 0.01 * penalty,
                                                                                         rel=1e-5)
    with pytest.raises(ValueError):
        mlp_loss("tanh", "hinge")
    with pytest.raises(ValueError):
        mlp_loss("swish")


# --- directions --------------------------------------------------------------------------------------

def test_filter_normalization_matches_each_column_norm(params):
    d = filter_normalized_direction(params, KEY)
    for (w, _), (dw, db) in zip(params, d, strict=True):
        # float32 rescaling then a float64 norm: a few ulps of error.
        np.testing.assert_allclose(np.linalg.norm(np.asarray(dw, np.float64), axis=0),
                                   np.linalg.norm(np.asarray(w, np.float64), axis=0), rtol=1e-6)
        assert np.all(np.asarray(db) == 0)


def test_filter_normalization_of_a_higher_rank_weight_uses_all_axes_but_the_last():
    w = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32) * np.arange(1, 5)
    d = filter_normalized_direction({"w": w}, KEY)["w"]
    np.testing.assert_allclose(np.linalg.norm(np.asarray(d).reshape(-1, 4), axis=0),
                               np.linalg.norm(w.reshape(-1, 4), axis=0), rtol=1e-6)


def test_layer_normalization_and_copied_biases(params):
    d = filter_normalized_direction(params, KEY, bias="copy", norm="layer")
    for (w, b), (dw, db) in zip(params, d, strict=True):
        np.testing.assert_allclose(np.linalg.norm(np.asarray(dw, np.float64)),
                                   np.linalg.norm(np.asarray(w, np.float64)), rtol=1e-6)
        np.testing.assert_array_equal(np.asarray(db), np.asarray(b))


def test_no_normalization_ignores_the_weights_scale(params):
    scaled = jax.tree.map(lambda a: 1000.0 * a, params)
    raw = filter_normalized_direction(params, KEY, norm="none")
    np.testing.assert_array_equal(flat(filter_normalized_direction(scaled, KEY, norm="none")), flat(raw))


def test_keys_give_different_directions_and_repeat(params):
    a, b = (flat(filter_normalized_direction(params, jax.random.PRNGKey(k))) for k in (1, 2))
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(flat(filter_normalized_direction(params, jax.random.PRNGKey(1))), a)


@pytest.mark.parametrize("options", [{"bias": "keep"}, {"norm": "batch"}])
def test_bad_options_raise(params, options):
    with pytest.raises(ValueError):
        filter_normalized_direction(params, KEY, **options)


# --- slices and lines ----------------------------------------------------------------------------------

def test_slice_matches_a_python_loop_and_never_recompiles(params):
    xs, ys = np.arange(-30, 31) / 30, np.arange(-20, 21) / 20  # 61 × 41; xs[30] = ys[20] = 0 exactly
    d1, d2 = (filter_normalized_direction(params, jax.random.PRNGKey(k)) for k in (1, 2))
    z = loss_slice(TANH, params, d1, d2, xs, ys, X, Y)
    assert z.shape == (41, 61) and z.dtype == np.float32
    # Vmapped and looped float32 sums run in different orders: agreement to a few ulps, 1e-5 with margin.
    np.testing.assert_allclose(z[20, 30], loss_at(params), rtol=1e-6)
    for j, i in [(0, 0), (40, 60), (3, 47), (29, 8), (20, 59), (37, 30)]:
        np.testing.assert_allclose(z[j, i], loss_at(perturbed(params, d1, d2, xs[i], ys[j])), rtol=1e-5)

    x2, y2 = datasets.make("circle", 1, 100, 0.05)
    center = jax.tree.map(lambda a: 1.1 * a, params)
    e1, e2 = (filter_normalized_direction(params, jax.random.PRNGKey(k)) for k in (3, 4))
    with compilations() as compiles:
        again = loss_slice(TANH, center, e1, e2, 2 * xs, ys + 0.1, x2, y2)
    assert compiles == []
    assert not np.allclose(again, z), "the numbers did change"


def test_every_point_of_a_small_slice_matches_a_python_loop(params):
    xs, ys = np.linspace(-2, 1, 5), np.linspace(-0.5, 1.5, 4)
    d1, d2 = (filter_normalized_direction(params, jax.random.PRNGKey(k)) for k in (5, 6))
    z = loss_slice(TANH, params, d1, d2, xs, ys, X, Y)
    looped = [[loss_at(perturbed(params, d1, d2, x, y)) for x in xs] for y in ys]
    np.testing.assert_allclose(z, np.asarray(looped), rtol=1e-5)


def test_a_diverged_point_passes_through(params):
    d = filter_normalized_direction(params, KEY)
    z = loss_slice(TANH, params, d, d, [0.0, 1.0, 2.0, 3.0, 1e30], [0.0, 1.0, 2.0, 3.0], X, Y)  # shared shape
    assert np.all(np.isfinite(z[:, :4])) and not np.any(np.isfinite(z[:, 4]))


def test_interpolation_hits_both_ends_and_the_midpoint(params):
    a = jax.tree.map(np.asarray, params)
    b = jax.tree.map(lambda w: w + np.float32(0.3), a)
    alphas = np.array([0.0, 0.5, 1.0, -0.5, 1.5], np.float32)
    losses, accuracies = interpolate(loss_and_accuracy, a, b, alphas, X, Y)
    midpoint = jax.tree.map(lambda u, v: (u + v) / 2, a, b)
    beyond = jax.tree.map(lambda u, v: 1.5 * u - 0.5 * v, a, b)
    # (1 − α)a + αb and the hand-written points round differently in float32.
    expected = [loss_at(p) for p in (a, midpoint, b, beyond)]
    np.testing.assert_allclose(losses[[0, 1, 2, 3]], np.asarray(expected), rtol=1e-5)
    assert accuracies.shape == (5,) and accuracies[0] == mlp.accuracy(a, X, Y, activation="tanh")
    np.testing.assert_allclose(interpolate(TANH, a, b, alphas, X, Y), losses, rtol=1e-6)


# --- curvature --------------------------------------------------------------------------------------

def test_hvp_equals_the_full_hessian_times_v(params, hessian):
    theta, unravel = ravel_pytree(params)
    v = np.random.default_rng(0).standard_normal(theta.shape).astype(np.float32)
    hv = np.asarray(ravel_pytree(jax.jit(hvp, static_argnums=0)(TANH, params, unravel(v), X, Y))[0],
                    np.float64)
    expected = hessian @ np.asarray(v, np.float64)
    # Two float32 routes to the same numbers (forward-over-reverse vs. jax.hessian's reverse-over-forward).
    np.testing.assert_allclose(hv, expected, rtol=1e-4, atol=1e-5 * np.abs(expected).max())


def test_top_and_smallest_eigenvalues_match_eigvalsh(params, hessian):
    eigenvalues, vectors = np.linalg.eigh(hessian)
    assert eigenvalues[-1] > abs(eigenvalues[0]), "power iteration finds the largest |λ|: it must be λ_max"
    # The Rayleigh quotient's error shrinks like (λ₂/λ₁)^2n; here λ₂/λ₁ < 0.7, so 2,000 steps leave
    # only float32 noise (~1e-6), well inside rel 1e-4.
    assert eigenvalues[-2] < 0.7 * eigenvalues[-1]
    lam, v = top_eigenvalue(TANH, params, KEY, ITERS, X, Y)
    assert lam == pytest.approx(eigenvalues[-1], rel=1e-4)
    assert abs(flat(v) @ vectors[:, -1]) > 0.999
    # On H − λ_max·I (spread Λ = λ_max − λ_min) there is no gap: the near-zero eigenvalues crowd λ_min.
    # A component δ above λ_min decays like (1 − δ/Λ)^2n, so it adds at most max δ(1 − δ/Λ)^2n ≈ Λ/(2en)
    # ≈ 1e-4 Λ per unit of starting weight for n = 2,000; 1e-3 λ_max allows for a few such components.
    low = smallest_eigenvalue(TANH, params, KEY, ITERS, X, Y)
    assert abs(low - eigenvalues[0]) < 1e-3 * eigenvalues[-1]
    assert smallest_eigenvalue(TANH, params, KEY, ITERS, X, Y, shift=lam) == pytest.approx(low, abs=1e-6)


def test_hutchinson_trace_is_within_three_standard_errors(params, hessian):
    estimate, error = hessian_trace(TANH, params, KEY, 200, X, Y)
    assert error > 0
    assert abs(estimate - np.trace(hessian)) < 3 * error  # error = sample std / √200


def test_quadratic_sharpness_sets_the_stability_limit_of_gradient_descent():
    lam_true = 4.0
    a = jnp.diag(jnp.array([lam_true, lam_true / 10]))
    start = [jnp.array([1.0, 1.0])]
    lam, v = top_eigenvalue(quadratic, start, KEY, 100, a)
    assert lam == pytest.approx(lam_true, rel=1e-5)
    grad = jax.jit(jax.grad(quadratic))

    def descend(rate):
        p = start
        for _ in range(200):
            p = jax.tree.map(lambda w, g: w - rate * g, p, grad(p, a))
        return float(jnp.linalg.norm(p[0]))

    assert descend(1.9 / lam) < 1e-6  # |1 − 1.9|^200 ≈ 7e-10
    assert descend(2.1 / lam) > 1e6  # |1 − 2.1|^200 ≈ 2e8


def test_a_warm_start_is_used():
    a = jnp.diag(jnp.array([4.0, 0.4]))
    start = [jnp.array([1.0, 1.0])]
    # From the other eigenvector power iteration never leaves it: proof that v0, not the key, started it.
    lam, v = top_eigenvalue(quadratic, start, KEY, 100, a, v0=[jnp.array([0.0, 1.0])])
    assert lam == pytest.approx(0.4, rel=1e-6)
    np.testing.assert_allclose(np.abs(np.asarray(v[0])), [0.0, 1.0], atol=1e-7)


def test_filter_normalized_slice_ignores_a_relu_rescaling_that_changes_the_sharpness():
    # relu(αh) = α relu(h): W1·α, b1·α, W2/α is the same function. Filter normalization scales each
    # column of d1 by α and of d2 by 1/α, so the perturbed network is the rescaled perturbed network.
    alpha = 10.0
    (w1, b1), (w2, b2) = init((2, 16, 1), 0.5, 3)
    original, rescaled = [(w1, b1), (w2, b2)], [(alpha * w1, alpha * b1), (w2 / alpha, b2)]
    xs = ys = np.linspace(-1, 1, 7)

    def slice_of(p, norm):
        d1, d2 = (filter_normalized_direction(p, jax.random.PRNGKey(k), norm=norm) for k in (8, 9))
        return loss_slice(RELU, p, d1, d2, xs, ys, X, Y)

    np.testing.assert_allclose(slice_of(rescaled, "filter"), slice_of(original, "filter"), rtol=1e-5)
    raw, raw_rescaled = slice_of(original, "none"), slice_of(rescaled, "none")
    assert np.max(np.abs(raw_rescaled / raw - 1)) > 0.01, "without normalization the picture changes"
    lam, _ = top_eigenvalue(RELU, original, KEY, 300, X, Y)
    lam_rescaled, _ = top_eigenvalue(RELU, rescaled, KEY, 300, X, Y)
    assert lam_rescaled > 10 * lam  # the output layer's curvature grows by α²


# --- the path's plane -----------------------------------------------------------------------------------

SHAPES = [(2, 8), (8,), (8, 8), (8,), (8, 1), (1,)]


def as_snapshots(rows):
    """(K, P) rows split into [(W (K, ...), b (K, ...))] in the MLP's layout."""
    sizes = np.cumsum([int(np.prod(s)) for s in SHAPES])[:-1]
    leaves = [jnp.asarray(part.reshape(len(rows), *s), jnp.float32)
              for part, s in zip(np.split(rows, sizes, axis=1), SHAPES, strict=True)]
    return list(zip(leaves[::2], leaves[1::2], strict=True))


def test_path_pca_matches_numpy_svd():
    rng = np.random.default_rng(0)
    rows = 0.3 * rng.standard_normal(105) + np.cumsum(rng.standard_normal((12, 105)) * 0.1, axis=0)
    pca = path_pca(as_snapshots(rows))
    m = np.asarray(np.float32(rows), np.float64)
    m = m - m[-1]
    s = np.linalg.svd(m - m.mean(axis=0), compute_uv=False)
    np.testing.assert_allclose(pca.ratios, s[:2] ** 2 / np.sum(s**2), rtol=1e-6)
    directions = np.stack([flat(d) for d in pca.directions])
    np.testing.assert_allclose(directions @ directions.T, np.eye(2), atol=1e-6)  # float32 unit vectors
    np.testing.assert_allclose(pca.coords, m @ directions.T, atol=1e-5 * np.abs(m).max())
    np.testing.assert_array_equal(pca.coords[-1], [0.0, 0.0])
    assert pca.off_plane[-1] == 0 and np.all(pca.off_plane[:-1] > 0)
    assert np.all(pca.coords[0] < 0), "signs fixed: the path moves in the +direction"
    with pytest.raises(ValueError):
        path_pca(as_snapshots(rows[:1]))


def test_a_path_in_a_plane_is_found_exactly():
    rng = np.random.default_rng(1)
    u, v = np.linalg.qr(rng.standard_normal((105, 2)))[0].T
    a, b = rng.standard_normal(10), rng.standard_normal(10)
    a[-1] = b[-1] = 0.0
    final = rng.standard_normal(105)
    pca = path_pca(as_snapshots(final + a[:, None] * u + b[:, None] * v))
    # float32 snapshots: the plane is exact up to rounding of θ (~1e-7 relative).
    assert pca.ratios.sum() == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(pca.off_plane, 0.0, atol=1e-5)
    plane = np.stack([u, v])
    for d in pca.directions:
        assert np.linalg.norm(plane @ flat(d)) == pytest.approx(1.0, abs=1e-5)
