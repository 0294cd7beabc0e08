"""The update rules: registry contract, agreement with optax and with a float64 transcription of
the design.md table, convergence on a convex quadratic, and pytrees of several arrays."""

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.flatten_util import ravel_pytree

from optimizers import OPTIMIZERS

# The contract's keyword names, per optimizer (design.md, "Contracts other code relies on").
EXPECTED_NAMES = {
    "sgd": {"learning_rate"},
    "momentum": {"learning_rate", "momentum"},
    "nesterov": {"learning_rate", "momentum"},
    "adagrad": {"learning_rate", "eps", "initial_accumulator_value"},
    "rmsprop": {"learning_rate", "decay", "eps"},
    "adadelta": {"learning_rate", "rho", "eps"},
    "adam": {"learning_rate", "b1", "b2", "eps"},
}
KEYS = tuple(OPTIMIZERS)  # the registry itself: a new rule is checked wherever a test needs no table

# Non-default values, large enough eps, so that a swapped keyword or a misplaced eps shows.
HP = {
    "sgd": dict(learning_rate=1e-4),
    "momentum": dict(learning_rate=1e-4, momentum=0.8),
    "nesterov": dict(learning_rate=1e-4, momentum=0.8),
    "adagrad": dict(learning_rate=2e-2, eps=1e-2, initial_accumulator_value=1e-4),
    "rmsprop": dict(learning_rate=1e-3, decay=0.9, eps=1e-3),
    "adadelta": dict(learning_rate=0.5, rho=0.95, eps=1e-2),
    "adam": dict(learning_rate=1e-3, b1=0.8, b2=0.95, eps=1e-3),
}

# optax configured to the torch convention of design.md (adagrad has no optax twin: see below).
ORACLES = {
    "sgd": lambda h: optax.sgd(h["learning_rate"]),
    "momentum": lambda h: optax.sgd(h["learning_rate"], momentum=h["momentum"]),
    "nesterov": lambda h: optax.sgd(h["learning_rate"], momentum=h["momentum"], nesterov=True),
    "rmsprop": lambda h: optax.rmsprop(h["learning_rate"], decay=h["decay"], eps=h["eps"],
                                       eps_in_sqrt=False),
    "adadelta": lambda h: optax.adadelta(learning_rate=h["learning_rate"], rho=h["rho"], eps=h["eps"]),
    "adam": lambda h: optax.adam(h["learning_rate"], b1=h["b1"], b2=h["b2"], eps=h["eps"]),
}

NUM_STEPS = 50
# Gradients of three very different scales, with sign changes, fed whatever the params.
RANDOM_GRADS = np.random.default_rng(0).normal(size=(NUM_STEPS, 3)) * np.array([1e-2, 1.0, 10.0])


def rosenbrock_grad_np(p):
    """Analytic gradient of (1 - x)^2 + 100 (y - x^2)^2, in float64."""
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


_rosenbrock_grad = jax.jit(jax.grad(lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2))


def trajectory(opt, grad_fn, p0, num_steps=NUM_STEPS):
    """Params after 0..num_steps updates of ``opt`` in float32; grad_fn(p, t), t counting from 1."""
    p = jnp.asarray(p0, jnp.float32)
    state, update = opt.init(p), jax.jit(opt.update)
    history = [p]
    for t in range(1, num_steps + 1):
        updates, state = update(grad_fn(p, t), state, p)
        p = optax.apply_updates(p, updates)
        history.append(p)
    return np.stack(history)


def reference(key, hp, grad_fn, p0, num_steps=NUM_STEPS):
    """The design.md table transcribed literally in float64 numpy (torch.optim's algorithms)."""
    p = np.array(p0, np.float64)
    lr, eps = hp["learning_rate"], hp.get("eps")
    b, m, v, u = (np.zeros_like(p) for _ in range(4))
    s = np.full_like(p, hp.get("initial_accumulator_value", 0.0))
    history = [p.copy()]
    for t in range(1, num_steps + 1):
        g = grad_fn(p, t)
        if key == "sgd":
            d = g
        elif key in ("momentum", "nesterov"):
            b = hp["momentum"] * b + g
            d = b if key == "momentum" else g + hp["momentum"] * b
        elif key == "adagrad":
            s = s + g**2
            d = g / (np.sqrt(s) + eps)
        elif key == "rmsprop":
            v = hp["decay"] * v + (1 - hp["decay"]) * g**2
            d = g / (np.sqrt(v) + eps)
        elif key == "adadelta":
            rho = hp["rho"]
            v = rho * v + (1 - rho) * g**2
            d = np.sqrt(u + eps) / np.sqrt(v + eps) * g
            u = rho * u + (1 - rho) * d**2
        elif key == "adam":
            m = hp["b1"] * m + (1 - hp["b1"]) * g
            v = hp["b2"] * v + (1 - hp["b2"]) * g**2
            d = (m / (1 - hp["b1"] ** t)) / (np.sqrt(v / (1 - hp["b2"] ** t)) + eps)
        p = p - lr * d
        history.append(p.copy())
    return np.stack(history)


SCENARIOS = {  # name -> (float32 gradient for ours/optax, float64 gradient for the reference, start)
    "rosenbrock": (lambda p, t: _rosenbrock_grad(p), lambda p, t: rosenbrock_grad_np(p), (-1.5, 2.0)),
    "random": (lambda p, t: jnp.asarray(RANDOM_GRADS[t - 1], jnp.float32),
               lambda p, t: RANDOM_GRADS[t - 1], (0.5, -1.0, 2.0)),
}


def test_the_lectures_seven_rules_keep_their_keyword_contract():
    assert set(EXPECTED_NAMES) <= set(OPTIMIZERS)
    for key, names in EXPECTED_NAMES.items():
        assert {h.name for h in OPTIMIZERS[key].hyperparams} == names, key


@pytest.mark.parametrize("key", KEYS)
def test_spec_is_complete_and_make_takes_exactly_its_hyperparameters(key):
    spec = OPTIMIZERS[key]
    names = [h.name for h in spec.hyperparams]
    assert "learning_rate" in names and len(names) == len(set(names))
    assert set(inspect.signature(spec.make).parameters) == set(names)
    assert spec.defaults() == {h.name: h.default for h in spec.hyperparams}
    assert spec.module == f"optimizers.{key}"
    assert spec.name and spec.latex and spec.paper
    for h in spec.hyperparams:
        assert h.min <= h.default <= h.max, h
        assert not h.log or h.min > 0, f"{h.name}: a log slider needs a positive minimum"
    assert next(h for h in spec.hyperparams if h.name == "learning_rate").log
    opt = spec.make(**spec.defaults())
    updates, _ = opt.update(jnp.ones(2), opt.init(jnp.zeros(2)), jnp.zeros(2))
    assert np.all(np.asarray(updates) < 0), "a positive gradient must give a negative update"
    with pytest.raises(TypeError):
        spec.make(**spec.defaults(), not_a_hyperparameter=1.0)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("key", ORACLES)
def test_matches_optax_step_by_step(key, scenario):
    grad32, _, start = SCENARIOS[scenario]
    ours = trajectory(OPTIMIZERS[key].make(**HP[key]), grad32, start)
    theirs = trajectory(ORACLES[key](HP[key]), grad32, start)
    # Same float32 formula, possibly in another order: a few ulps (6e-8 relative) per step over 50 steps.
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("key", ORACLES)
def test_optax_oracles_follow_the_design_table(key):
    """The oracles follow torch's convention too (e.g. optax's Adadelta d = sqrt(u+eps)/sqrt(v+eps) g)."""
    grad32, grad64, start = SCENARIOS["random"]
    theirs = trajectory(ORACLES[key](HP[key]), grad32, start)
    # float32 vs float64 on gradients that do not depend on params: errors do not compound.
    np.testing.assert_allclose(theirs, reference(key, HP[key], grad64, start), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_adagrad_matches_torch_convention(scenario):
    """torch.optim.Adagrad: s = s0 + sum g^2; p -= lr g / (sqrt(s) + eps), written out for two steps."""
    hp = HP["adagrad"]
    grad32, grad64, start = SCENARIOS[scenario]
    ours = trajectory(OPTIMIZERS["adagrad"].make(**hp), grad32, start, num_steps=2)
    lr, eps, s0 = hp["learning_rate"], hp["eps"], hp["initial_accumulator_value"]
    p0 = np.array(start)
    g1 = grad64(p0, 1)
    p1 = p0 - lr * g1 / (np.sqrt(s0 + g1**2) + eps)
    g2 = grad64(p1, 2)
    p2 = p1 - lr * g2 / (np.sqrt(s0 + g1**2 + g2**2) + eps)
    # Two float32 steps: a few ulps of the update, which is at most lr = 0.02 in size.
    np.testing.assert_allclose(ours, np.stack([p0, p1, p2]), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("key", HP)
def test_matches_float64_reference_of_the_design_table(key, scenario):
    grad32, grad64, start = SCENARIOS[scenario]
    ours = trajectory(OPTIMIZERS[key].make(**HP[key]), grad32, start)
    expected = reference(key, HP[key], grad64, start)
    # float32 rounding (6e-8) of params, gradients and state, accumulated over 50 steps and fed back
    # through the Rosenbrock gradient: observed <= 1e-6, i.e. ~10x below this tolerance.
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-6)


# Chosen per optimizer so that each reaches the minimum of 0.5 (x^2 + 4 y^2) (Hessian eigenvalues 1
# and 4) in 300 steps from (2, -1.5):
CONVERGENCE_HP = {
    "sgd": dict(learning_rate=0.4),  # the best fixed rate 2 / (1 + 4)
    "momentum": dict(learning_rate=0.1, momentum=0.5),
    "nesterov": dict(learning_rate=0.1, momentum=0.5),
    # Adagrad's step shrinks like 1/sqrt(sum g^2): it needs a bigger lr than GD would.
    "adagrad": dict(learning_rate=1.0, eps=1e-10, initial_accumulator_value=0.0),
    # RMSProp steps ~lr whatever |g|; a slow decay (0.99) lets v shrink with g so the steps shrink too
    # (with decay 0.9 and lr 0.05 it circles the minimum at a distance ~0.025 instead).
    "rmsprop": dict(learning_rate=0.02, decay=0.99, eps=1e-8),
    # Near a minimum Adadelta's scale sqrt(u + eps) / sqrt(v + eps) tends to sqrt(1 + u/eps) >= 1, so
    # it is GD with rate >= lr there: lr = 1 would be unstable for curvature 4 (lr * 4 > 2).
    "adadelta": dict(learning_rate=0.4, rho=0.9, eps=1e-2),
    "adam": dict(learning_rate=0.05, b1=0.9, b2=0.999, eps=1e-8),
}


@pytest.mark.parametrize("key", CONVERGENCE_HP)
def test_reaches_the_minimum_of_a_convex_quadratic(key):
    grad = jax.jit(jax.grad(lambda p: 0.5 * (p[0] ** 2 + 4 * p[1] ** 2)))
    path = trajectory(OPTIMIZERS[key].make(**CONVERGENCE_HP[key]), lambda p, t: grad(p), (2.0, -1.5), 300)
    # With these settings all seven end within 4e-7 of the minimiser (Adam is the slowest); 1e-4 leaves
    # room for other platforms' rounding while still failing any rule that stalls or circles.
    assert np.abs(path[-1]).max() < 1e-4


def mlp_params():
    """A 3-4-2 MLP as a list of (W, b), the layout of JAX's mnist_classifier_fromscratch example."""
    rng = np.random.default_rng(1)
    shapes = [((3, 4), (4,)), ((4, 2), (2,))]
    return [(jnp.asarray(rng.normal(size=w), jnp.float32), jnp.asarray(rng.normal(size=b), jnp.float32))
            for w, b in shapes]


_X, _Y = (jnp.asarray(np.random.default_rng(2).normal(size=(8, n)), jnp.float32) for n in (3, 2))


def mlp_loss(params):
    (w1, b1), (w2, b2) = params
    return jnp.mean((jnp.tanh(_X @ w1 + b1) @ w2 + b2 - _Y) ** 2)


_mlp_grad = jax.jit(jax.grad(mlp_loss))


def mlp_trajectory(opt, num_steps=20):
    params = mlp_params()
    state, update = opt.init(params), jax.jit(opt.update)
    history = [params]
    for _ in range(num_steps):
        grads = _mlp_grad(params)
        updates, state = update(grads, state, params)
        assert jax.tree.structure(updates) == jax.tree.structure(params)
        assert [u.shape for u in jax.tree.leaves(updates)] == [p.shape for p in jax.tree.leaves(params)]
        params = optax.apply_updates(params, updates)
        history.append(params)
    return history


@pytest.mark.parametrize("key", KEYS)
def test_pytree_update_equals_update_of_the_flattened_vector(key):
    """Every rule is elementwise: on an MLP's list of (W, b) it acts as on one long vector."""
    opt = OPTIMIZERS[key].make(**HP.get(key, OPTIMIZERS[key].defaults()))
    tree_path = [ravel_pytree(p)[0] for p in mlp_trajectory(opt)]
    flat0, unravel = ravel_pytree(mlp_params())
    flat_grad = jax.jit(lambda v: ravel_pytree(jax.grad(mlp_loss)(unravel(v)))[0])
    flat_path = trajectory(opt, lambda p, t: flat_grad(p), flat0, num_steps=20)
    # Same float32 arithmetic element by element; only the gradient's reduction order may differ.
    np.testing.assert_allclose(np.stack(tree_path), flat_path, rtol=1e-5, atol=1e-6)
    assert not np.allclose(flat_path[-1], flat_path[0]), "the parameters should have moved"


@pytest.mark.parametrize("key", ORACLES)
def test_pytree_matches_optax(key):
    ours = mlp_trajectory(OPTIMIZERS[key].make(**HP[key]))
    theirs = mlp_trajectory(ORACLES[key](HP[key]))
    for a, b in zip(ours, theirs, strict=True):
        # Same float32 formula on each leaf, 20 steps: a few ulps per step.
        np.testing.assert_allclose(ravel_pytree(a)[0], ravel_pytree(b)[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("key", [k for k in KEYS if OPTIMIZERS[k].internals is not None])
def test_internals_explain_the_update(key):
    """The velocity and per-coordinate step size the page draws are exactly what the update used."""
    spec = OPTIMIZERS[key]
    hp = spec.defaults()
    opt = spec.make(**hp)
    params = jnp.array([1.0, -2.0])
    state = opt.init(params)
    for g in (jnp.array([3.0, -0.5]), jnp.array([-1.0, 2.0]), jnp.array([0.5, 0.25])):
        shown = spec.internals(g, state, **hp)
        updates, state = opt.update(g, state, params)
        direction = shown.get("velocity", g)
        if key == "nesterov":
            direction = g + hp["momentum"] * shown["velocity"]
        # float32 arithmetic in a different order: rtol 1e-5.
        np.testing.assert_allclose(updates, -shown["step_size"] * direction, rtol=1e-5, atol=1e-7)
    assert ("velocity" in shown) == (key in {"momentum", "nesterov", "adam"})
