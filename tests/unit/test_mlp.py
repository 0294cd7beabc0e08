"""The small MLP and its data sets: gradients against finite differences, dropout, L2, seeding."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from models import datasets, mlp

SMALL = (2, 3, 3, 1)


def small_problem(activation, seed=0):
    key_p, key_x = jax.random.split(jax.random.PRNGKey(seed))
    params = mlp.init_params(key_p, SMALL, "normal", 0.8)
    params = [(w, b + 0.1) for w, b in params]  # nonzero biases: their gradients are checked too
    x = jax.random.normal(key_x, (16, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(jnp.float32)
    return params, x, y


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_gradients_match_central_finite_differences(activation):
    """float32, central differences with h = 1e-2: truncation O(h²) and rounding ~1e-7/h stay below
    the stated tolerance |analytic − numeric| <= 2e-3 + 2e-2 |numeric| per parameter."""
    params, x, y = small_problem(activation)
    flat, unravel = ravel_pytree(params)

    def loss(v):
        return mlp.bce_loss(unravel(v), x, y, activation=activation, l2=0.05)

    h = 1e-2
    eye = jnp.eye(flat.size, dtype=jnp.float32) * h
    numeric = jax.vmap(lambda e: (loss(flat + e) - loss(flat - e)) / (2 * h))(eye)
    analytic = jax.grad(loss)(flat)
    assert flat.size == 2 * 3 + 3 + 3 * 3 + 3 + 3 + 1
    np.testing.assert_allclose(analytic, numeric, atol=2e-3, rtol=2e-2)


def manual_forward(params, x, act):
    h = np.asarray(x, np.float64)
    for w, b in params[:-1]:
        h = act(h @ np.asarray(w, np.float64) + np.asarray(b, np.float64))
    w, b = params[-1]
    return (h @ np.asarray(w, np.float64) + np.asarray(b, np.float64))[:, 0]


@pytest.mark.parametrize("activation,act", [("tanh", np.tanh), ("relu", lambda z: np.maximum(z, 0)),
                                            ("sigmoid", lambda z: 1 / (1 + np.exp(-z)))])
def test_without_a_key_dropout_is_off_and_forward_is_the_plain_network(activation, act):
    params, x, _ = small_problem(activation)
    z = mlp.forward(params, x, activation=activation, dropout_rate=0.5)
    np.testing.assert_array_equal(z, mlp.forward(params, x, activation=activation, dropout_rate=0.9))
    np.testing.assert_allclose(z, manual_forward(params, x, act), rtol=1e-5, atol=1e-6)


def test_dropout_zeroes_about_p_and_scales_the_rest_by_one_over_keep():
    p, h = 0.3, jnp.full((200_000,), 2.0)
    out = np.asarray(mlp.dropout(jax.random.PRNGKey(1), h, p))
    dropped = np.mean(out == 0)
    # Binomial: standard error sqrt(p(1-p)/n) ≈ 0.001; allow 5 of them.
    assert abs(dropped - p) < 0.005
    np.testing.assert_allclose(out[out != 0], 2.0 / (1 - p), rtol=1e-6)
    assert abs(out.mean() - 2.0) < 5 * 2.0 / (1 - p) * np.sqrt(p * (1 - p) / h.size)


def test_training_forward_drops_hidden_units_and_preserves_the_mean_output():
    """One hidden layer read out by the mean: the logit under dropout is the mean of dropped units,
    so its expectation over keys equals the evaluation logit; single units are 0 or h/(1 − p)."""
    p, width = 0.4, 32
    key = jax.random.PRNGKey(3)
    w1 = jax.random.normal(key, (2, width))
    x = jnp.array([[0.7, -0.4]])
    mean_out = [(w1, jnp.zeros(width)), (jnp.full((width, 1), 1.0 / width), jnp.zeros(1))]
    keys = jax.random.split(jax.random.PRNGKey(4), 4000)
    train = jax.vmap(lambda k: mlp.forward(mean_out, x, activation="relu", dropout_rate=p, key=k)[0])(keys)
    evaluation = float(mlp.forward(mean_out, x, activation="relu")[0])
    assert abs(float(train.mean()) - evaluation) < 5 * float(train.std()) / np.sqrt(len(keys))

    hidden = np.maximum(np.asarray(x @ w1)[0], 0)
    j = int(np.argmax(hidden))
    one_unit = [(w1, jnp.zeros(width)), (jnp.zeros((width, 1)).at[j, 0].set(1.0), jnp.zeros(1))]
    unit = np.asarray(jax.vmap(lambda k: mlp.forward(one_unit, x, activation="relu", dropout_rate=p,
                                                     key=k)[0])(keys))
    assert abs(np.mean(unit == 0) - p) < 5 * np.sqrt(p * (1 - p) / len(keys))
    np.testing.assert_allclose(unit[unit != 0], hidden[j] / (1 - p), rtol=1e-5)


def test_l2_adds_exactly_l2_times_the_squared_weights_and_not_the_biases():
    params, x, y = small_problem("tanh")
    params = [(w, b + 3.0) for w, b in params]
    squares = sum(float(np.sum(np.asarray(w, np.float64) ** 2)) for w, _ in params)
    plain = float(mlp.bce_loss(params, x, y, activation="tanh"))
    for l2 in (0.0, 0.01, 0.5):
        penalised = float(mlp.bce_loss(params, x, y, activation="tanh", l2=l2))
        assert penalised - plain == pytest.approx(l2 * squares, rel=1e-5, abs=1e-6)


def test_bce_from_logits_is_stable_and_matches_the_textbook_form():
    z = jnp.array([-200.0, -3.0, 0.0, 2.0, 200.0])
    for y in (0.0, 1.0):
        loss = np.asarray(mlp.bce_from_logits(z, y))
        assert np.all(np.isfinite(loss))
        s = 1 / (1 + np.exp(-np.asarray(z[1:4], np.float64)))
        np.testing.assert_allclose(loss[1:4], -(y * np.log(s) + (1 - y) * np.log(1 - s)), rtol=1e-5)


def test_init_schemes_and_depth():
    sizes = (2, *([32] * 6), 1)
    params = mlp.init_params(jax.random.PRNGKey(0), sizes, "normal", 0.5)
    assert [w.shape for w, _ in params] == list(zip(sizes[:-1], sizes[1:], strict=False))
    assert all(np.all(b == 0) for _, b in params)
    assert np.std(np.asarray(params[3][0])) == pytest.approx(0.5, rel=0.1)
    glorot = mlp.init_params(jax.random.PRNGKey(0), sizes, "glorot")
    assert np.max(np.abs(np.asarray(glorot[3][0]))) <= np.sqrt(6 / 64)
    assert mlp.forward(params, jnp.zeros((5, 2)), activation="relu").shape == (5,)
    with pytest.raises(ValueError):
        mlp.init_params(jax.random.PRNGKey(0), sizes, "he")


def test_accuracy_counts_the_sign_of_the_logit():
    params = [(jnp.array([[1.0], [0.0]]), jnp.zeros(1))]  # no hidden layer: z = x_0
    x = jnp.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 0.0], [-0.5, 0.0]])
    assert float(mlp.accuracy(params, x, jnp.array([1.0, 0.0, 0.0, 0.0]), activation="tanh")) == 0.75


@pytest.mark.parametrize("name", datasets.NAMES)
def test_data_sets_are_seeded_shaped_and_balanced(name):
    x, y = datasets.make(name, 7, 301, 0.1)
    assert x.shape == (301, 2) and y.shape == (301,)
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert set(np.unique(y)) == {0.0, 1.0}
    assert 0.4 < y.mean() < 0.6
    assert np.all(np.abs(x) < 3)
    again = datasets.make(name, 7, 301, 0.1)
    np.testing.assert_array_equal(x, again[0])
    np.testing.assert_array_equal(y, again[1])
    assert not np.array_equal(x, datasets.make(name, 8, 301, 0.1)[0])


def test_noise_only_moves_the_points():
    clean, y0 = datasets.make("moons", 1, 100, 0.0)
    noisy, y1 = datasets.make("moons", 1, 100, 0.2)
    np.testing.assert_array_equal(y0, y1)
    assert 0.1 < np.std(noisy - clean) < 0.3


def test_split_is_seeded_disjoint_and_complete():
    x, y = datasets.make("xor", 0, 100, 0.0)
    (xt, yt), (xv, yv) = datasets.split(x, y, 0.25, seed=3)
    assert len(yv) == 25 and len(yt) == 75
    rows = {tuple(r) for r in np.r_[xt, xv]}
    assert rows == {tuple(r) for r in x}
    np.testing.assert_array_equal(xv, datasets.split(x, y, 0.25, seed=3)[1][0])
    assert len(datasets.split(x, y, 0.0, seed=0)[1][1]) == 1


def test_unknown_data_set_is_refused():
    with pytest.raises(ValueError):
        datasets.make("swiss_roll", 0, 10, 0.0)
