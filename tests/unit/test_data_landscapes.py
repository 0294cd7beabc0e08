"""Data landscapes: seeded data sets, the full-data loss as a surface, and its exact minimum."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from landscapes.data import DATA_LANDSCAPES, SIZES, TRUE_LINE, minimum

KEYS = tuple(DATA_LANDSCAPES)
DEFAULT_NOISE = 0.5  # the page's default noise slider value
FEATURES = {"linear": 1, "logistic": 2}


def test_registry():
    assert set(KEYS) == {"linear", "logistic"}
    for key, d in DATA_LANDSCAPES.items():
        assert d.key == key and d.name and d.latex
        (x0, x1), (y0, y1) = d.bounds
        assert x0 < d.start[0] < x1 and y0 < d.start[1] < y1


@pytest.mark.parametrize("key", KEYS)
def test_same_seed_same_data_other_seed_other_data_and_n_rows(key):
    make = DATA_LANDSCAPES[key].make_data
    for n in SIZES:
        x, y = make(3, n, DEFAULT_NOISE)
        assert isinstance(x, np.ndarray) and isinstance(y, np.ndarray)
        assert x.shape == (n, FEATURES[key]) and y.shape == (n,)
        assert x.dtype == np.float32 and y.dtype == np.float32
        x2, y2 = make(3, n, DEFAULT_NOISE)
        np.testing.assert_array_equal(x, x2)
        np.testing.assert_array_equal(y, y2)
        x3, y3 = make(4, n, DEFAULT_NOISE)
        assert not np.array_equal(x, x3) and not np.array_equal(y, y3)
    if key == "logistic":
        assert set(np.unique(y)) == {0.0, 1.0}


def test_noise_free_linear_data_lie_exactly_on_the_true_line():
    for n, seed in itertools.product(SIZES, range(3)):
        x, y = DATA_LANDSCAPES["linear"].make_data(seed, n, 0.0)
        assert np.all(np.abs(x) <= 2.0)
        # -2x is exact in float32 and 1 + (-2x) is one correctly rounded addition (0·ε adds ±0):
        # numpy's float32 arithmetic gives the very same bits.
        expected = np.float32(TRUE_LINE[0]) + np.float32(TRUE_LINE[1]) * x[:, 0]
        np.testing.assert_array_equal(y, expected)
        np.testing.assert_array_equal(y, 1 - 2 * x[:, 0])


def normal_equations(x, y):
    """The least-squares line from (XᵀX) w = Xᵀy in float64: an independent route to lstsq's answer."""
    design = np.column_stack([np.ones(len(y)), np.asarray(x, np.float64)[:, 0]])
    return np.linalg.solve(design.T @ design, design.T @ np.asarray(y, np.float64))


@pytest.mark.parametrize("n", (SIZES[0], SIZES[-1]))
def test_linear_minimum_is_least_squares_with_zero_gradient(n):
    d = DATA_LANDSCAPES["linear"]
    x, y = d.make_data(1, n, DEFAULT_NOISE)
    minima, value = minimum("linear", (x, y))
    assert len(minima) == 1
    w = np.asarray(minima[0])
    design = np.column_stack([np.ones(n), x[:, 0].astype(np.float64)])
    lstsq, *_ = np.linalg.lstsq(design, y.astype(np.float64), rcond=None)
    # float64 solves of a well-conditioned 2x2 problem (x ~ U(-2, 2)): agree to ~1e-14.
    np.testing.assert_allclose(w, lstsq, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w, normal_equations(x, y), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(value, np.mean((design @ lstsq - y) ** 2), rtol=1e-10)
    w32 = jnp.asarray(w, jnp.float32)
    # The same loss in float32: rounding of the mean of n terms ~ a few ulps of J* (~0.25).
    np.testing.assert_allclose(d.fn_with(w32, (x, y)), value, rtol=1e-5)
    grad = np.asarray(jax.grad(d.fn_with)(w32, (x, y)))
    # Per-example gradients 2r(1, x) are O(10); float32 rounding of w* and of their mean leaves ~1e-7.
    assert np.abs(grad).max() < 1e-5, grad
    assert abs(w[0] - TRUE_LINE[0]) < 0.5 and abs(w[1] - TRUE_LINE[1]) < 0.5  # close to the true line


@pytest.mark.parametrize("n", (SIZES[0], SIZES[-1]))
def test_logistic_minimum_has_zero_gradient_and_is_lower_than_its_neighbours(n):
    d = DATA_LANDSCAPES["logistic"]
    data = d.make_data(2, n, DEFAULT_NOISE)
    minima, value = minimum("logistic", data)
    assert len(minima) == 1 and value is not None
    w32 = jnp.asarray(minima[0], jnp.float32)
    # Per-example gradients (σ(w·x) - y) x are O(1): float32 rounding of w* and of the mean, ~1e-7.
    grad = np.asarray(jax.grad(d.fn_with)(w32, data))
    assert np.abs(grad).max() < 1e-5, grad
    # J in float32 against Newton's float64 value: a few ulps of J* (~0.3).
    center = float(d.fn_with(w32, data))
    np.testing.assert_allclose(center, value, rtol=1e-5)
    # Steps of 0.1 raise J by ½·0.01·λ(H) ≳ 1e-4 (λ(H) ≳ 0.02 here): far above float32 rounding (~3e-8).
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    for direction in np.stack([np.cos(angles), np.sin(angles)], 1):
        assert float(d.fn_with(w32 + 0.1 * direction, data)) > center + 1e-6


def separable_through_origin(x, y):
    """Exact test in 2D: is there a u with sign(u·x_i) = ±1 as y_i = 1/0? The sign pattern of u·x only
    changes where u is perpendicular to some x_i, so one u strictly between each pair of such angles
    covers every pattern."""
    x, signs = np.asarray(x, np.float64), np.where(y > 0.5, 1.0, -1.0)
    critical = np.sort(np.mod(np.arctan2(x[:, 1], x[:, 0]) + np.pi / 2, np.pi))
    critical = np.concatenate([critical, critical + np.pi, [critical[0] + 2 * np.pi]])
    middle = (critical[:-1] + critical[1:]) / 2
    u = np.stack([np.cos(middle), np.sin(middle)], 1)
    return bool(np.any(np.all(np.sign(x @ u.T) * signs[:, None] > 0, 0)))


@pytest.mark.filterwarnings("ignore:overflow encountered in exp:RuntimeWarning")
@pytest.mark.parametrize("n", SIZES)
def test_noise_free_logistic_data_are_separable_and_have_no_minimum(n):
    """Labels y = [(1, -0.5)·x > 0] are separated by a line through the origin: J has infimum 0 and no
    minimiser, so minimum() must say ((), None)."""
    for seed in range(5):
        x, y = DATA_LANDSCAPES["logistic"].make_data(seed, n, 0.0)
        assert np.all((x @ np.array([1.0, -0.5], np.float32) > 0) == (y == 1))  # separable, by construction
        assert separable_through_origin(x, y)
        # Regression: before the fix, 10 of these 20 data sets (e.g. seed 0, n 50) got a finite "minimum"
        # such as (238.9, -80.1) with J ≈ 1e-12, because Newton stalls once σ(w·x) saturates.
        assert minimum("logistic", (x, y)) == ((), None), (n, seed)


@pytest.mark.filterwarnings("ignore:overflow encountered in exp:RuntimeWarning")
@pytest.mark.parametrize("noise", [0.03, 0.1])
def test_logistic_minimum_exists_exactly_when_the_data_are_not_separable(noise):
    """Small noise gives both kinds of data set (about a third separable): minimum() agrees with the exact
    separability test on every one."""
    kinds = set()
    for n, seed in itertools.product(SIZES, range(5)):
        x, y = DATA_LANDSCAPES["logistic"].make_data(seed, n, noise)
        separable = separable_through_origin(x, y)
        kinds.add(separable)
        minima, value = minimum("logistic", (x, y))
        assert (minima == () and value is None) == separable, (noise, n, seed, minima)
    assert kinds == {True, False}


def linear_loss_np(w, x, y):
    return np.mean((w[0] + w[1] * x[:, 0].astype(np.float64) - y) ** 2)


def linear_grad_np(w, x, y):
    r = w[0] + w[1] * x[:, 0].astype(np.float64) - y
    return np.array([2 * np.mean(r), 2 * np.mean(r * x[:, 0])])


def logistic_loss_np(w, x, y):
    z = np.asarray(x, np.float64) @ w
    return np.mean(np.logaddexp(0, z) - y * z)


def logistic_grad_np(w, x, y):
    z = np.asarray(x, np.float64) @ w
    return (1 / (1 + np.exp(-z)) - y) @ x / len(y)


REFERENCE = {"linear": (linear_loss_np, linear_grad_np), "logistic": (logistic_loss_np, logistic_grad_np)}


@pytest.mark.parametrize("key", KEYS)
def test_fn_with_under_jit_grad_and_vmap_on_a_grid(key):
    d = DATA_LANDSCAPES[key]
    data = d.make_data(0, 100, DEFAULT_NOISE)
    (x0, x1), (y0, y1) = d.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, 9), np.linspace(y0, y1, 7))
    grid = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
    values = np.asarray(jax.jit(jax.vmap(d.fn_with, in_axes=(0, None)))(grid, data))
    grads = np.asarray(jax.jit(jax.vmap(jax.grad(d.fn_with), in_axes=(0, None)))(grid, data))
    assert values.shape == (len(grid),) and grads.shape == (len(grid), 2)
    loss_np, grad_np = REFERENCE[key]
    expected = np.array([loss_np(w.astype(np.float64), *data) for w in grid])
    expected_grads = np.stack([grad_np(w.astype(np.float64), *data) for w in grid])
    # float32 against float64 on the same data: the loss and gradient terms are at most ~1e3 in the box,
    # so a relative 1e-5 plus an absolute 1e-4 covers the rounding of the mean of n = 100 terms.
    np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grads, expected_grads, rtol=1e-5, atol=1e-4)
    # Eager and jitted evaluation of one float32 function agree to a few ulps.
    np.testing.assert_allclose(d.fn_with(jnp.asarray(grid[3]), data), values[3], rtol=1e-6)


@pytest.mark.parametrize("key", KEYS)
def test_bounds_contain_the_minimum_at_the_default_noise(key):
    d = DATA_LANDSCAPES[key]
    (x0, x1), (y0, y1) = d.bounds
    for n, seed in itertools.product(SIZES, range(5)):
        minima, value = minimum(key, d.make_data(seed, n, DEFAULT_NOISE))
        assert len(minima) == 1 and value is not None, (n, seed)
        (w0, w1), = minima
        assert x0 < w0 < x1 and y0 < w1 < y1, (key, n, seed, minima)
