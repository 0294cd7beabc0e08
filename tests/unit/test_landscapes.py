"""The loss surfaces: every registered surface well formed, finite on its grid, minimal at its minima and
jit/grad/vmap safe (a new surface is tested without editing a list); the design.md table (domains,
minima, minimum values), hand-computed values, and the quadratic bowl's Hessian."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from engine import surface_grid
from landscapes import LANDSCAPES
from ui.compute import GRID_SIZE

# design.md, "Test functions": key -> (usual domain, global minimisers, global minimum value).
MC = (0.5 - math.pi / 3, -0.5 - math.pi / 3)
DESIGN = {
    "rosenbrock": (((-2, 2), (-1, 3)), [(1, 1)], 0.0),
    "himmelblau": (((-5, 5), (-5, 5)),
                   [(3, 2), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)], 0.0),
    "beale": (((-4.5, 4.5), (-4.5, 4.5)), [(3, 0.5)], 0.0),
    "booth": (((-10, 10), (-10, 10)), [(1, 3)], 0.0),
    "matyas": (((-10, 10), (-10, 10)), [(0, 0)], 0.0),
    "mccormick": (((-1.5, 4), (-3, 4)), [MC], -math.pi / 3 - math.sqrt(3) / 2),
    "rastrigin": (((-5.12, 5.12), (-5.12, 5.12)), [(0, 0)], 0.0),
    "ackley": (((-5, 5), (-5, 5)), [(0, 0)], 0.0),
    "goldstein_price": (((-2, 2), (-2, 2)), [(0, -1)], 3.0),
    "six_hump_camel": (((-3, 3), (-2, 2)), [(0.089842, -0.712656), (-0.089842, 0.712656)], -1.0316285),
    "three_hump_camel": (((-5, 5), (-5, 5)), [(0, 0)], 0.0),
    "styblinski_tang": (((-5, 5), (-5, 5)), [(-2.903534, -2.903534)], -78.332331),
    "levi13": (((-10, 10), (-10, 10)), [(1, 1)], 0.0),
    "saddle": (((-2, 2), (-2, 2)), [], None),
}
KEYS = tuple(LANDSCAPES)  # the registry itself: every surface the pages offer, the data surfaces too
WITH_MINIMA = [key for key in KEYS if LANDSCAPES[key].minima]


def value(key, x, y):
    return float(LANDSCAPES[key].fn(jnp.array([x, y], jnp.float32)))


def grid(key, n):
    """An n x n grid of points over the landscape's bounds, shape (n * n, 2)."""
    (x0, x1), (y0, y1) = LANDSCAPES[key].bounds
    xs, ys = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return jnp.asarray(np.stack([xs.ravel(), ys.ravel()], axis=1), jnp.float32)


def test_the_registry_holds_the_design_table_and_its_keys_are_its_records():
    assert set(DESIGN) | {"quadratic", "trap", "linear_data", "logistic_data"} <= set(LANDSCAPES)
    assert all(landscape.key == key for key, landscape in LANDSCAPES.items())
    assert WITH_MINIMA and len(WITH_MINIMA) < len(KEYS), "surfaces with and without a minimum"


@pytest.mark.parametrize("key", KEYS)
def test_bounds_start_and_minima_are_well_formed(key):
    ls = LANDSCAPES[key]
    assert len(ls.bounds) == 2 and all(lo < hi for lo, hi in ls.bounds)
    inside = [lo <= c <= hi for c, (lo, hi) in zip(ls.start, ls.bounds, strict=True)]
    assert len(ls.start) == 2 and all(inside), f"start {ls.start} outside {ls.bounds}"
    for point in ls.minima:
        assert all(lo <= c <= hi for c, (lo, hi) in zip(point, ls.bounds, strict=True)), point
    assert (ls.min_value is None) == (not ls.minima)
    assert ls.name and ls.latex


@pytest.mark.parametrize("key", DESIGN)
def test_domain_minima_and_minimum_value_follow_the_design_table(key):
    bounds, minima, min_value = DESIGN[key]
    ls = LANDSCAPES[key]
    assert ls.bounds == bounds
    # Both sides quote literature coordinates to 6 decimals (ours to more for six_hump_camel).
    np.testing.assert_allclose(sorted(ls.minima), sorted(minima), atol=1e-6)
    if min_value is None:
        assert ls.min_value is None
    else:
        np.testing.assert_allclose(ls.min_value, min_value, rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("key", WITH_MINIMA)
def test_value_at_each_minimum_is_min_value_and_gradient_vanishes(key):
    ls = LANDSCAPES[key]
    for point in ls.minima:
        p = jnp.array(point, jnp.float32)
        # Coordinates rounded to ~5e-7 move the value only by ~H * 5e-7^2 (the gradient is zero);
        # float32 rounding of terms up to ~70 in size (styblinski_tang's x^4): observed <= 3e-6.
        np.testing.assert_allclose(float(ls.fn(p)), ls.min_value, atol=5e-5)
        # Gradient ~ H * (coordinate error 5e-7 + float32 rounding of p) with H up to ~100, plus
        # cancellation in terms like 4x (x^2 + y - 11): observed <= 6e-5. Ackley's kink at 0 gives 0.
        np.testing.assert_allclose(np.asarray(jax.grad(ls.fn)(p)), 0.0, atol=1e-3)


@pytest.mark.parametrize("key", WITH_MINIMA)
def test_no_grid_point_is_below_min_value(key):
    ls = LANDSCAPES[key]
    values = np.asarray(jax.vmap(ls.fn)(grid(key, 60)))
    # Only float32 rounding can push a true value >= min_value below it: ~1e-5 near the minima.
    assert values.min() >= ls.min_value - 1e-4, f"{values.min()} < {ls.min_value}"


@pytest.mark.parametrize("key", KEYS)
def test_finite_on_the_grid_the_pages_draw(key):
    ls = LANDSCAPES[key]
    xs, ys, z = surface_grid(ls.fn_with, ls.bounds, ls.theta(), GRID_SIZE)
    assert z.shape == (GRID_SIZE, GRID_SIZE) and np.all(np.isfinite(z))
    # The grid's axes are the bounds in float32.
    np.testing.assert_allclose([xs[0], xs[-1], ys[0], ys[-1]], np.ravel(ls.bounds), rtol=1e-6)
    if ls.min_value is not None:
        # float32 rounding of values near the minimum, as in test_no_grid_point_is_below_min_value.
        assert z.min() >= ls.min_value - 1e-4


def test_saddle_has_no_minimum_and_falls_along_y():
    ls = LANDSCAPES["saddle"]
    assert ls.minima == () and ls.min_value is None
    assert value("saddle", 0, 0) == 0.0 and value("saddle", 0, 1) < 0 < value("saddle", 1, 0)


HAND_COMPUTED = [
    ("rosenbrock", 0, 0, 1.0),  # (1-0)^2 + 100 (0-0)^2
    ("rosenbrock", -1, 1, 4.0),  # (1+1)^2 + 100 (1-1)^2
    ("rosenbrock", 0.5, 1, 56.5),  # 0.5^2 + 100 (1-0.25)^2 = 0.25 + 56.25
    ("rosenbrock", 2, 3, 101.0),  # (1-2)^2 + 100 (3-4)^2
    ("himmelblau", 0, 0, 170.0),  # (-11)^2 + (-7)^2 = 121 + 49
    ("himmelblau", 1, 1, 106.0),  # (1+1-11)^2 + (1+1-7)^2 = 81 + 25
    ("beale", 0, 0, 14.203125),  # 1.5^2 + 2.25^2 + 2.625^2 = 2.25 + 5.0625 + 6.890625
    ("beale", 2, 0, 0.703125),  # (1.5-2)^2 + (2.25-2)^2 + (2.625-2)^2 = 0.25 + 0.0625 + 0.390625
    ("booth", 0, 0, 74.0),  # (-7)^2 + (-5)^2
    ("booth", 1, 1, 20.0),  # (1+2-7)^2 + (2+1-5)^2 = 16 + 4
    ("goldstein_price", 0, 0, 600.0),  # [1 + 1 * 19] [30 + 0] = 20 * 30
    # x+y+1 = 3: 1 + 9 (19-14+3-14+6+3) = 1 + 9*3 = 28;  2x-3y = -1: 30 + 1 (18-32+12+48-36+27) = 67
    ("goldstein_price", 1, 1, 1876.0),  # 28 * 67
    ("matyas", 1, 1, 0.04),  # 0.26 * 2 - 0.48
    ("mccormick", 0, 0, 1.0),  # sin 0 + 0 - 0 + 0 + 1
    ("rastrigin", 0.5, 0.5, 40.5),  # 20 + 2 (0.25 - 10 cos(pi)) = 20 + 2 * 10.25
    ("ackley", 1, 0, 2.637531092108304),  # 20 - 20 exp(-0.2 sqrt(1/2)) - exp((1 + 1)/2) + e
    ("six_hump_camel", 1, 0, 2.2333333),  # (4 - 2.1 + 1/3) * 1
    ("three_hump_camel", 1, 1, 3.1166667),  # 2 - 1.05 + 1/6 + 1 + 1
    ("styblinski_tang", 1, 1, -10.0),  # 0.5 * 2 * (1 - 16 + 5)
    ("levi13", 0, 0, 2.0),  # sin^2 0 + 1 * (1 + 0) + 1 * (1 + 0)
    ("saddle", 1, 2, -3.0),  # 1 - 4
    # trap = 0.25 (x + 1.5)^2 + 0.5 y^2 - 1.2 exp(-(x - 1.5)^2 / 0.18)
    ("trap", 1.5, 0, 1.05),  # 0.25 * 9 - 1.2
    ("trap", 0, 0, 0.5624955),  # 0.5625 - 1.2 exp(-12.5) = 0.5625 - 4.47e-6
    ("trap", -1.5, 2, 2.0),  # 0.5 * 4, the dip adds 1.2 exp(-50) ~ 2e-22
]


@pytest.mark.parametrize(("key", "x", "y", "expected"), HAND_COMPUTED)
def test_values_match_hand_computation(key, x, y, expected):
    # float32: ~1e-7 relative per operation, a handful of operations.
    np.testing.assert_allclose(value(key, x, y), expected, rtol=2e-6, atol=1e-6)


def test_trap_has_a_false_local_minimum_beside_the_global_one():
    ls = LANDSCAPES["trap"]
    grad_x = jax.grad(lambda x: ls.fn(jnp.array([x, 0.0])))
    curvature_x = jax.grad(grad_x)
    x = 1.5
    for _ in range(30):  # Newton's method from the dip's centre finds the false minimum
        x = x - grad_x(x) / curvature_x(x)
    local = jnp.array([x, 0.0])
    assert 1.3 < float(x) < 1.45
    np.testing.assert_allclose(np.asarray(jax.grad(ls.fn)(local)), 0.0, atol=1e-5)
    # Inside the dip the curvature is about 11 (x) and 1 (y): a true local minimum, ~20x the bowl's.
    eig = np.linalg.eigvalsh(np.asarray(jax.hessian(ls.fn)(local)))
    assert eig[0] == pytest.approx(1.0, rel=1e-4) and 10 < eig[1] < 12
    assert float(ls.fn(local)) == pytest.approx(0.9658, abs=1e-3)
    best = jnp.array([-1.5, 0.0])
    np.testing.assert_allclose(np.linalg.eigvalsh(np.asarray(jax.hessian(ls.fn)(best))), [0.5, 1.0],
                               rtol=1e-5)
    assert float(ls.fn(best)) == pytest.approx(0.0, abs=1e-6)
    assert ls.minima == ((-1.5, 0.0),)


@pytest.mark.parametrize("key", KEYS)
def test_safe_under_jit_grad_and_vmap(key):
    ls = LANDSCAPES[key]
    points = grid(key, 21)
    values = jax.vmap(ls.fn)(points)
    grads = np.asarray(jax.jit(jax.vmap(jax.grad(ls.fn)))(points))
    assert values.shape == (len(points),) and grads.shape == points.shape
    assert np.all(np.isfinite(np.asarray(values))) and np.all(np.isfinite(grads))
    jitted = jax.jit(ls.fn)
    for i in (7, 220, len(points) - 1):
        # jit/vmap may fuse differently from eager evaluation: a few ulps.
        np.testing.assert_allclose(float(jitted(points[i])), float(values[i]), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(np.asarray(jax.grad(ls.fn)(points[i])), grads[i], rtol=1e-4, atol=1e-4)


def test_gradient_at_the_ackley_kink_is_zero_and_finite_nearby():
    fn = LANDSCAPES["ackley"].fn
    assert np.all(np.asarray(jax.grad(fn)(jnp.zeros(2))) == 0.0)
    assert np.all(np.isfinite(np.asarray(jax.grad(fn)(jnp.array([1e-20, 0.0])))))


@pytest.mark.parametrize(("condition", "angle"), [(1.0, 0.0), (10.0, 30.0), (100.0, 45.0), (3.5, 90.0),
                                                   (50.0, 17.0)])
def test_quadratic_hessian_has_eigenvalues_one_and_kappa(condition, angle):
    ls = LANDSCAPES["quadratic"]
    theta = ls.theta(condition=condition, angle=angle)
    hessian = jax.hessian(ls.fn_with)
    for point in [(0.0, 0.0), (1.0, -2.0), (-2.5, 2.0)]:
        eig = np.linalg.eigvalsh(np.asarray(hessian(jnp.array(point), theta)))
        # Entries cos^2 + kappa sin^2 etc. in float32: rounding ~1e-7 * kappa.
        np.testing.assert_allclose(eig, [1.0, condition], rtol=1e-5, atol=1e-5 * condition)
    # 0.5 (u^2 + kappa v^2) at the rotated unit vector (cos, sin) is 0.5, at (-sin, cos) is kappa/2.
    a = math.radians(angle)
    along = float(ls.fn_with(jnp.array([math.cos(a), math.sin(a)]), theta))
    across = float(ls.fn_with(jnp.array([-math.sin(a), math.cos(a)]), theta))
    np.testing.assert_allclose([along, across], [0.5, condition / 2], rtol=1e-5, atol=1e-5 * condition)


def test_quadratic_theta_defaults_and_overrides():
    ls = LANDSCAPES["quadratic"]
    np.testing.assert_array_equal(ls.theta(), [h.default for h in ls.params])
    np.testing.assert_array_equal(ls.theta(condition=5.0), [5.0, ls.theta()[1]])
    assert ls.theta().dtype == jnp.float32
    # fn is fn_with at the defaults: kappa = 10, 30 degrees by default.
    p = jnp.array([1.0, 2.0])
    assert float(ls.fn(p)) == float(ls.fn_with(p, ls.theta()))
    assert LANDSCAPES["rosenbrock"].theta().shape == (0,)
