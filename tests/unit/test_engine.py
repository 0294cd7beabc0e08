"""The engine: trajectories against hand-written gradient descent, batching, divergence, the promise of
no recompilation when numbers change, random starts and learning-rate schedules."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import engine
from engine import NEVER
from engine.divergence import box_for, guarded_step, is_bad
from landscapes import LANDSCAPES
from tests.unit.compilations import compilations

QUADRATIC = LANDSCAPES["quadratic"]
KAPPA, ANGLE = 10.0, 30.0  # Hessian eigenvalues 1 and 10: gradient descent is stable iff lr < 0.2
THETA = QUADRATIC.theta(condition=KAPPA, angle=ANGLE)
START = np.array([-2.5, 2.0], np.float32)


def quadratic_hessian(kappa=KAPPA, angle=ANGLE):
    """A = R^T diag(1, kappa) R with (u, v) = R (x, y), in float64."""
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    r = np.array([[c, s], [-s, c]])
    return r.T @ np.diag([1.0, kappa]) @ r


def run_quadratic(optimizer_key, hyperparams, starts, num_steps, **kwargs):
    return engine.run(QUADRATIC.fn_with, optimizer_key, hyperparams, starts, num_steps,
                      loss_args=(THETA,), **kwargs)


def test_run_single_sgd_matches_hand_written_gradient_descent():
    lr, num_steps = 0.15, 40
    t = engine.run_single(QUADRATIC.fn_with, "sgd", {"learning_rate": lr}, START, num_steps,
                          loss_args=(THETA,))
    assert t.params.shape == (num_steps + 1, 2) and t.grads.shape == (num_steps + 1, 2)
    assert t.loss.shape == (num_steps + 1,) and int(t.diverged_at) == NEVER
    assert all(isinstance(x, np.ndarray) for x in t[:3]) and isinstance(t.diverged_at, np.integer)
    a = quadratic_hessian()
    p, expected = START.astype(np.float64), [START.astype(np.float64)]
    for _ in range(num_steps):
        p = p - lr * a @ p
        expected.append(p)
    np.testing.assert_array_equal(t.params[0], START)
    # I - lr A has eigenvalues 0.85 and -0.5, so float32 rounding (6e-8 per step) is damped, not grown.
    np.testing.assert_allclose(t.params, np.stack(expected), rtol=1e-5, atol=1e-6)
    assert np.abs(t.params[-1]).max() < 1e-2  # it does converge: 0.85^40 * 3 ~ 0.005
    for k in (0, 1, 17, num_steps):
        p_k = jnp.asarray(t.params[k])
        # Same float32 function evaluated eagerly vs inside the jitted scan: a few ulps.
        np.testing.assert_allclose(t.loss[k], QUADRATIC.fn_with(p_k, THETA), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(t.grads[k], jax.grad(QUADRATIC.fn_with)(p_k, THETA), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(t.grads[k], a @ t.params[k], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("landscape", "optimizer_key", "shared"), [
    ("quadratic", "momentum", {"momentum": 0.7}),
    ("rosenbrock", "adam", {"b1": 0.9, "b2": 0.99, "eps": 1e-8}),
])
def test_vmapped_batch_equals_separate_runs(landscape, optimizer_key, shared):
    ls = LANDSCAPES[landscape]
    starts = np.array([[-1.5, 2.0], [0.5, -0.5], [1.8, 2.5]], np.float32)
    lrs = np.array([1e-3, 1e-2], np.float32)
    # Every (start, lr) pair as one batch of six runs: starts per run, lr per run, the rest shared.
    batch_starts, batch_lrs = np.repeat(starts, len(lrs), axis=0), np.tile(lrs, len(starts))
    batch = engine.run(ls.fn, optimizer_key, dict(shared, learning_rate=batch_lrs), batch_starts, 25)
    assert batch.params.shape == (6, 26, 2) and batch.loss.shape == (6, 26)
    for i, (start, lr) in enumerate(zip(batch_starts, batch_lrs, strict=True)):
        alone = engine.run_single(ls.fn, optimizer_key, dict(shared, learning_rate=lr), start, 25)
        mine = jax.tree.map(lambda x, i=i: x[i], batch)
        for got, want in zip(mine[:4], alone[:4], strict=True):
            # Same program with another batch width: XLA may vectorize differently, a few ulps.
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
        for got, want in zip(jax.tree.leaves(mine.states), jax.tree.leaves(alone.states), strict=True):
            # Optimizer states are running sums of gradients of size ~20: a few-ulp difference in
            # one gradient shows up as ~4e-6 relative in Adam's m, so states get rtol 1e-5.
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert not np.allclose(batch.params[0, -1], batch.params[1, -1]), "lr should matter"


def test_divergent_run_is_frozen_and_flagged_without_touching_its_neighbour():
    # lr * lambda_max = 2.5 > 2: the error grows 1.5x per step along the steep axis until |p| > 1e6.
    t = run_quadratic("sgd", {"learning_rate": np.array([0.25, 0.05], np.float32)},
                      np.stack([START, START]), 80)
    d = int(t.diverged_at[0])
    assert 0 < d <= 80
    assert np.all(t.params[0, d:] == t.params[0, d - 1]), "frozen at the last good point"
    assert np.any(t.params[0, d - 1] != t.params[0, d - 2]), "it was moving before"
    # The next point, 1.5x farther in 2-norm (<= sqrt(2) more in max-norm), broke |p| <= 1e6.
    assert np.abs(t.params[0, d - 1]).max() > 1e6 / (1.5 * math.sqrt(2)), "it stopped at the box"
    assert all(np.all(np.isfinite(x)) for x in t[:3]) and np.abs(t.params).max() <= 1e6
    assert int(t.diverged_at[1]) == NEVER
    alone = engine.run_single(QUADRATIC.fn_with, "sgd", {"learning_rate": 0.05}, START, 80,
                              loss_args=(THETA,))
    for got, want in zip(jax.tree.map(lambda x: x[1], t)[:4], alone[:4], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)  # a few ulps, as above


def test_leaving_the_box_is_divergence():
    saddle = LANDSCAPES["saddle"].fn
    start = np.array([0.5, 0.1], np.float32)
    # SGD on x^2 - y^2: y_k = 0.1 * 1.2^k; y_12 = 0.89 is inside |p| <= 1, y_13 = 1.07 is not.
    t = engine.run_single(saddle, "sgd", {"learning_rate": 0.1}, start, 30, box=1.0)
    assert int(t.diverged_at) == 13
    np.testing.assert_allclose(t.params[12, 1], 0.1 * 1.2**12, rtol=1e-5)  # float32, 12 steps
    assert np.all(t.params[13:] == t.params[12]) and np.abs(t.params).max() <= 1.0
    # With the default box (1e6) the same 30 steps stay inside: y_30 = 0.1 * 1.2^30 ~ 24.
    assert int(engine.run_single(saddle, "sgd", {"learning_rate": 0.1}, start, 30).diverged_at) == NEVER


def test_non_finite_values_are_divergence_even_without_a_box():
    # Rosenbrock with lr 0.1 from (-1.5, 2): x goes 14, ~1e5, ~1e17 ... then overflows float32.
    t = engine.run_single(LANDSCAPES["rosenbrock"].fn, "sgd", {"learning_rate": 0.1},
                          np.array([-1.5, 2.0], np.float32), 20, box=np.inf)
    d = int(t.diverged_at)
    assert 0 < d <= 10
    assert all(np.all(np.isfinite(x)) for x in t[:3])
    assert np.all(t.params[d:] == t.params[d - 1])


def test_changing_numbers_never_recompiles():
    rng = np.random.default_rng(0)

    def call():
        # 37 steps and a batch of 4 are used nowhere else in the suite, so the first call compiles.
        theta = QUADRATIC.theta(condition=float(rng.uniform(1, 100)), angle=float(rng.uniform(0, 90)))
        hyperparams = {"learning_rate": rng.uniform(1e-3, 0.1, 4), "momentum": float(rng.uniform(0, 0.99))}
        return engine.run(QUADRATIC.fn_with, "momentum", hyperparams, rng.normal(size=(4, 2)), 37,
                          loss_args=(theta,), box=float(rng.uniform(1.0, 1e6)))

    with compilations() as compiles:
        call()
        assert "jit(_run_batch)" in compiles, f"the listener saw no compilation: {compiles}"
        compiles.clear()
        results = [call() for _ in range(30)]
    assert compiles == []
    assert len({float(r.params[0, -1, 0]) for r in results}) == 30, "the numbers did change"


def test_pytree_start():
    def loss(params):
        return jnp.sum((params["w"] - 1.0) ** 2) + (params["b"] + 2.0) ** 2

    adam = {"learning_rate": 0.05, "b1": 0.9, "b2": 0.999, "eps": 1e-8}
    start = {"w": np.array([0.0, 3.0], np.float32), "b": np.float32(0.5)}
    t = engine.run_single(loss, "adam", adam, start, 30)
    assert t.params["w"].shape == (31, 2) and t.params["b"].shape == (31,)
    assert jax.tree.structure(t.grads) == jax.tree.structure(t.params)
    flat = engine.run_single(lambda p: jnp.sum((p[:2] - 1.0) ** 2) + (p[2] + 2.0) ** 2, "adam", adam,
                             np.array([0.0, 3.0, 0.5], np.float32), 30)
    # Adam is elementwise: the pytree run is the flat run split in two (float32, a few ulps).
    tree_params = np.column_stack([t.params["w"], t.params["b"]])
    np.testing.assert_allclose(tree_params, flat.params, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(t.loss, flat.loss, rtol=1e-6, atol=1e-7)


def test_random_starts_are_reproducible_and_have_the_requested_spread():
    a = engine.random_starts(seed=3, sigma=0.5, count=20_000)
    assert a.shape == (20_000, 2) and a.dtype == np.float32 and isinstance(a, np.ndarray)
    np.testing.assert_array_equal(a, engine.random_starts(3, 0.5, 20_000))
    assert not np.allclose(a[:10], engine.random_starts(4, 0.5, 20_000)[:10])
    # 40,000 N(0, sigma^2) draws: the sample std has standard error sigma / sqrt(2 * 40000) = 0.0035 sigma
    # and the mean sigma / 200 = 0.005 sigma; 3% and 3% of sigma are ~8 and ~6 standard errors.
    assert a.std() == pytest.approx(0.5, rel=0.03)
    assert abs(a.mean()) < 0.03 * 0.5
    assert engine.random_starts(3, 0.5, 5, dim=7).shape == (5, 7)
    np.testing.assert_array_equal(engine.random_starts(3, 2.0, 5), 4 * engine.random_starts(3, 0.5, 5))


def test_lr_scale_is_applied_per_step():
    num_steps, k = 30, 10
    hyperparams = {"learning_rate": 0.05, "momentum": 0.9}
    starts = START[None]
    plain = run_quadratic("momentum", hyperparams, starts, num_steps)
    scale = np.ones(num_steps, np.float32)
    scale[k:] = 0.0  # lr_scale[j] scales the update from params[j] to params[j + 1]
    frozen = run_quadratic("momentum", hyperparams, starts, num_steps, lr_scale=scale)
    np.testing.assert_array_equal(frozen.params[0, : k + 1], plain.params[0, : k + 1])
    assert np.all(frozen.params[0, k + 1 :] == frozen.params[0, k]), "lr 0 from step k on: no motion"
    assert np.any(plain.params[0, k + 1] != plain.params[0, k]), "without the schedule it moves on"
    # A constant factor 0.5 is the same as halving the learning rate (exact: a power of two).
    halved = run_quadratic("sgd", {"learning_rate": 0.05}, starts, num_steps,
                           lr_scale=np.full(num_steps, 0.5, np.float32))
    np.testing.assert_array_equal(halved.params, run_quadratic("sgd", {"learning_rate": 0.025}, starts,
                                                               num_steps).params)


def test_no_divergence_reported_past_the_last_step():
    # Saddle from (0.5, 0.1) with lr 0.1: |y| grows by 1.2 per step, 0.1 * 1.2**12 = 0.89 < 1 = box,
    # so 12 steps stay inside the box; the 13th update (never taken) would leave it.
    saddle = LANDSCAPES["saddle"]
    run = engine.run_single(saddle.fn, "sgd", {"learning_rate": 0.1}, np.array([0.5, 0.1]), 12, box=1.0)
    assert run.params.shape == (13, 2)
    assert int(run.diverged_at) == engine.NEVER
    longer = engine.run_single(saddle.fn, "sgd", {"learning_rate": 0.1}, np.array([0.5, 0.1]), 13, box=1.0)
    assert int(longer.diverged_at) == 13


def test_lr_scale_must_have_one_factor_per_update():
    with pytest.raises(ValueError):
        run_quadratic("sgd", {"learning_rate": 0.05}, START[None], 10, lr_scale=np.ones(11, np.float32))


def test_sweep_summary_agrees_with_full_history():
    lrs = np.array([0.01, 0.05, 0.15, 0.25], np.float32)  # the last is above 2/lambda_max = 0.2
    starts = np.tile(START, (len(lrs), 1))
    target = 1e-3
    full = run_quadratic("sgd", {"learning_rate": lrs}, starts, 200, box=300.0)
    summary = engine.sweep(QUADRATIC.fn_with, "sgd", {"learning_rate": lrs}, starts, 200,
                           (THETA,), box=300.0, target=target)
    # Two compiled programs (with and without history) may fuse float ops differently: rtol 1e-6.
    np.testing.assert_allclose(summary.final_params, full.params[:, -1], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(summary.final_loss, full.loss[:, -1], rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(summary.diverged_at, full.diverged_at)
    for i in range(len(lrs)):
        below = np.flatnonzero(full.loss[i] <= target)
        expected = below[0] if below.size and (full.diverged_at[i] == NEVER) else NEVER
        assert summary.reached_at[i] == expected
    assert summary.reached_at[1] > 0 and summary.diverged_at[3] > 0


def test_schedules_match_their_formulas():
    from engine.schedules import SCHEDULES, schedule_factors

    k = np.arange(400)
    np.testing.assert_array_equal(schedule_factors("constant", 400), np.ones(400))
    np.testing.assert_allclose(schedule_factors("step", 400, gamma=0.5, every=100),
                               0.5 ** (k // 100), rtol=1e-6)
    np.testing.assert_allclose(schedule_factors("exponential", 400, gamma=0.99), 0.99**k, rtol=1e-4)
    cosine = schedule_factors("cosine", 400, floor=0.1)
    assert cosine[0] == pytest.approx(1.0) and cosine[200] == pytest.approx(0.55, abs=1e-6)
    warm = schedule_factors("warmup", 400, warmup=50)
    assert warm[0] == pytest.approx(1 / 50) and warm[49] == 1.0 and warm[-1] == 1.0
    assert set(SCHEDULES) == {"constant", "step", "exponential", "cosine", "warmup"}


def test_sweep_divergence_boundary_matches_the_quadratic_stability_limit():
    """The learning-rate page's claim: GD on a bowl diverges exactly above 2 / lambda_max."""
    from engine import hessian_eigenvalues, log_rates, quadratic_rates

    for kappa, angle in ((10.0, 30.0), (3.0, 0.0), (50.0, 75.0)):
        theta = QUADRATIC.theta(condition=kappa, angle=angle)
        eig = hessian_eigenvalues(QUADRATIC.fn_with, np.zeros(2), theta)
        np.testing.assert_allclose(eig, [1.0, kappa], rtol=1e-5)
        limit = quadratic_rates(eig)["stability_limit"]
        rates = log_rates(1e-3, 10.0, 240)
        summary = engine.sweep(QUADRATIC.fn_with, "sgd", {"learning_rate": rates},
                               np.tile(START, (len(rates), 1)), 1000, (theta,), box=300.0)
        diverged = summary.diverged_at != NEVER
        # Diverged exactly on one side: every rate above the boundary, none below it.
        boundary = np.argmax(diverged)
        assert diverged[boundary:].all() and not diverged[:boundary].any()
        # The measured boundary lies within one grid step of 2 / lambda_max (the sweep's resolution).
        assert rates[boundary - 1] <= limit * (1 + 1e-5) and rates[boundary] >= limit * (1 - 1e-5)


def test_active_steps_stop_a_sweep_without_recompiling():
    rates = np.array([0.01, 0.05, 0.15, 0.25], np.float32)
    starts = np.tile(START, (len(rates), 1))

    def summary(num_steps, active=None):
        return engine.sweep(QUADRATIC.fn_with, "sgd", {"learning_rate": rates}, starts, num_steps,
                            (THETA,), box=300.0, target=1e-3, active_steps=active)

    summary(200, 10)  # compile once for 200 compiled steps
    with compilations() as compiles:
        for active in (10, 37, 120):
            short, full = summary(200, active), summary(active)
            np.testing.assert_allclose(short.final_params, full.final_params, rtol=1e-6, atol=1e-7)
            np.testing.assert_array_equal(short.diverged_at, full.diverged_at)
            np.testing.assert_array_equal(short.reached_at, full.reached_at)
    # Only the three "full" programs (one per active count, which is structure there) compiled.
    assert len(compiles) == 3


# ------------------------------------------------------------------------------ the divergence freeze


def doubling_run(start, steps, box, alive=True):
    """p ← 2p under guarded_step, as an engine's scan would take it: (points, diverged_at)."""
    p, diverged_at, points = jnp.float32(start), jnp.int32(NEVER), []
    for k in range(steps):
        new = 2 * p
        live = jnp.bool_(alive) & (diverged_at == NEVER)
        p, diverged_at, _ = guarded_step(live, (new**2, 4 * new, new), new, p, diverged_at, k, box)
        points.append(float(p))
    return [float(start), *points], int(diverged_at)


def test_guarded_step_freezes_at_the_last_good_point_and_records_k_plus_one():
    # 1, 2, 4, 8 stay inside |p| <= 10; the update from point 3 (8) to point 4 (16) leaves the box.
    points, diverged_at = doubling_run(1.0, 7, 10.0)
    assert diverged_at == 4
    assert points == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0, 8.0]
    assert points[diverged_at] == points[diverged_at - 1], "the engines' params[d:] == params[d - 1]"
    assert doubling_run(1.0, 3, 10.0) == ([1.0, 2.0, 4.0, 8.0], NEVER)
    # Past a run's last step (or after it diverged) it is not alive: nothing moves and nothing is marked.
    assert doubling_run(1.0, 7, 10.0, alive=False) == ([1.0] * 8, NEVER)


def test_guarded_step_reports_whether_the_step_was_taken_and_freezes_a_pytree():
    old = {"w": jnp.ones(3), "b": jnp.float32(0.5)}
    new = {"w": jnp.array([1.0, jnp.nan, 2.0]), "b": jnp.float32(0.7)}
    state, diverged_at, taken = guarded_step(jnp.bool_(True), (jnp.float32(1.0), new, new), new, old,
                                             jnp.int32(NEVER), 9, 100.0)
    assert int(diverged_at) == 10 and not bool(taken)
    np.testing.assert_array_equal(state["w"], old["w"])
    assert float(state["b"]) == 0.5, "every leaf stays where it was"
    good = {"w": jnp.full(3, 2.0), "b": jnp.float32(0.7)}
    state, diverged_at, taken = guarded_step(jnp.bool_(True), (jnp.float32(1.0), good, good), good, old,
                                             jnp.int32(NEVER), 9, 100.0)
    assert int(diverged_at) == NEVER and bool(taken) and float(state["b"]) == pytest.approx(0.7)


@pytest.mark.parametrize(("loss", "grad", "param", "bad"), [
    (1.0, 1.0, 1.0, False),
    (np.nan, 1.0, 1.0, True),
    (np.inf, 1.0, 1.0, True),
    (1.0, np.inf, 1.0, True),
    (1.0, 1.0, np.nan, True),
    (1.0, 1.0, 5.0, False),  # on the box's edge: still inside
    (1.0, 1.0, -5.5, True),
    (1.0, 1e30, 1.0, False),  # a huge but finite gradient alone is not divergence
])
def test_is_bad_means_not_finite_or_outside_the_box(loss, grad, param, bad):
    params = [jnp.zeros(2), jnp.array([0.0, param], jnp.float32)]
    grads = [jnp.zeros(2), jnp.array([grad, 0.0], jnp.float32)]
    assert bool(is_bad(jnp.float32(loss), grads, params, 5.0)) == bad


def test_the_box_is_a_hundred_plot_widths():
    assert box_for(((-2, 2), (-1, 3))) == 400.0  # the wider side is 4 wide
    assert box_for(((-10, 10), (-1, 1))) == 2000.0
    # A plot away from the origin: the box still holds it a hundred times over.
    assert box_for(((100, 101), (0, 1))) == 100.0 * 101
    for landscape in LANDSCAPES.values():
        box = box_for(landscape.bounds)
        (x0, x1), (y0, y1) = landscape.bounds
        assert box >= 100 * max(x1 - x0, y1 - y0) and box >= 100 * max(map(abs, (x0, x1, y0, y1)))
