"""The small MLP and its data sets: gradients against finite differences, dropout (drawn by key or from
uniforms drawn ahead), L2, the shared cross-entropy, seeding."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from landscapes.data import cross_entropy
from models import datasets, losses, mlp

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


def textbook_bce(z, y):
    """−y log σ(z) − (1 − y) log(1 − σ(z)) in float64, written as it is taught (NaN or inf where σ rounds
    to 0 or 1)."""
    s = 1 / (1 + np.exp(-np.asarray(z, np.float64)))
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(y * np.log(s) + (1 - y) * np.log(1 - s))


@pytest.mark.filterwarnings("ignore:overflow encountered in exp:RuntimeWarning")
def test_bce_from_logits_equals_the_textbook_form_where_it_is_finite_and_never_overflows():
    z = np.r_[-200.0, -40.0, np.linspace(-30, 30, 121), 40.0, 200.0].astype(np.float32)
    for y in (0.0, 1.0, 0.3):
        loss = np.asarray(losses.bce_from_logits(jnp.asarray(z), y))
        assert np.all(np.isfinite(loss)) and np.all(loss >= -1e-7)
        expected = textbook_bce(z, y)
        assert not np.all(np.isfinite(expected)), "the textbook form overflows at |z| = 200"
        # Where it is finite, and where 1 − σ(z) in float64 (absolute error 1e-16) is still accurate to
        # 1e-7 relative, i.e. |z| <= 20; beyond, the textbook form itself is off (at z = 30 by 1e-3).
        usable = np.isfinite(expected) & (np.abs(z) <= 20)
        assert usable.sum() == 81
        # float32 softplus(z) − y z against float64: a few ulps of terms up to |z| = 20.
        np.testing.assert_allclose(loss[usable], expected[usable], rtol=1e-5, atol=1e-6)
    # Where σ(z) rounds to 1 the textbook form gives inf for y = 0; the stable form gives ≈ z.
    assert float(losses.bce_from_logits(jnp.float32(200.0), 0.0)) == pytest.approx(200.0)
    assert float(losses.bce_from_logits(jnp.float32(-200.0), 1.0)) == pytest.approx(200.0)


def test_the_mlp_and_the_logistic_surface_share_the_cross_entropy():
    params, x, y = small_problem("tanh")
    z = mlp.forward(params, x, activation="tanh")
    expected = textbook_bce(z, np.asarray(y, np.float64))
    # Both are means / single terms of float32 softplus(z) − y z: a few ulps of values ~1.
    loss = float(mlp.bce_loss(params, x, y, activation="tanh"))
    np.testing.assert_allclose(loss, expected.mean(), rtol=1e-5)
    np.testing.assert_allclose(loss, float(jnp.mean(losses.bce_from_logits(z, y))), rtol=1e-6)
    w = jnp.array([0.7, -1.3])
    for xi, yi in zip(np.asarray(x), np.asarray(y), strict=True):
        got = float(cross_entropy(w, jnp.asarray(xi), yi))
        assert got == float(losses.bce_from_logits(w @ xi, yi))
        np.testing.assert_allclose(got, textbook_bce(float(w @ xi), float(yi)), rtol=1e-5, atol=1e-6)


def test_dropout_from_keeps_exactly_where_the_uniform_is_below_one_minus_p():
    p = 0.25
    u = jnp.array([0.0, 0.5, 0.7499, 0.75, 0.9, 0.99999])
    h = jnp.array([1.0, -2.0, 3.0, 4.0, 5.0, 6.0])
    out = np.asarray(mlp.dropout_from(u, h, p))
    np.testing.assert_allclose(out, [1 / 0.75, -2 / 0.75, 3 / 0.75, 0, 0, 0], rtol=1e-6)


def test_forward_with_uniforms_drops_each_hidden_layer_by_its_own_uniforms():
    """Uniforms of 0 keep every unit (scaled by 1/(1 − p)); uniforms near 1 drop every unit, leaving the
    output bias; one layer's uniforms act on that layer only."""
    p = 0.4
    params, x, _ = small_problem("tanh")
    widths = [w.shape[1] for w, _ in params[:-1]]
    keep_all = [jnp.zeros((len(x), k)) for k in widths]
    drop_all = [jnp.full((len(x), k), 0.9999) for k in widths]
    z = mlp.forward(params, x, activation="tanh", dropout_rate=p, uniforms=keep_all)
    h = np.asarray(x, np.float64)
    for w, b in params[:-1]:
        h = np.tanh(h @ np.asarray(w, np.float64) + np.asarray(b, np.float64)) / (1 - p)
    expected = (h @ np.asarray(params[-1][0], np.float64) + np.asarray(params[-1][1], np.float64))[:, 0]
    np.testing.assert_allclose(z, expected, rtol=1e-5, atol=1e-6)  # float32 against float64, 3 layers
    dropped = mlp.forward(params, x, activation="tanh", dropout_rate=p, uniforms=drop_all)
    np.testing.assert_allclose(dropped, float(params[-1][1][0]), rtol=1e-6)
    first_only = mlp.forward(params, x, activation="tanh", dropout_rate=p,
                             uniforms=[drop_all[0], keep_all[1]])
    # Layer 1 all dropped: layer 2 sees tanh(b₂) for every example, whatever x.
    assert np.ptp(np.asarray(first_only)) < 1e-6
    loss = mlp.bce_loss(params, x, jnp.ones(len(x)), activation="tanh", dropout_rate=p, uniforms=keep_all)
    assert float(loss) == pytest.approx(float(jnp.mean(losses.bce_from_logits(z, 1.0))), rel=1e-6)


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


@pytest.mark.parametrize("seed", [0, 1])
def test_lecun_init_draws_weights_with_std_one_over_sqrt_fan_in(seed):
    params = mlp.init_params(jax.random.PRNGKey(seed), (2, 256, 256, 1), "lecun")
    for w, b in params:
        w = np.asarray(w, np.float64)
        fan_in, m = w.shape[0], w.size
        # m normal draws: the sample std's relative standard error is about 1/sqrt(2m) (2.2 % for the first
        # layer's 512, 0.28 % for the 65,536 in the middle), the mean's std/sqrt(m); five of each.
        assert np.std(w) == pytest.approx(1 / np.sqrt(fan_in), rel=5 / np.sqrt(2 * m))
        assert abs(np.mean(w)) < 5 / np.sqrt(fan_in * m)
        assert np.all(np.asarray(b) == 0)


def test_the_squared_error_on_the_logit_against_plus_or_minus_one():
    z, y = jnp.array([0.5, 0.5, -2.0]), jnp.array([1.0, 0.0, 1.0])
    # Targets 2y − 1 = (1, −1, 1): ½ (0.5 − 1)², ½ (0.5 + 1)², ½ (−2 − 1)².
    np.testing.assert_allclose(losses.squared_error_on_logit(z, y), [0.125, 1.125, 4.5])
    params = [(jnp.array([[1.0], [0.0]]), jnp.zeros(1))]  # no hidden layer: z = x_0
    x = jnp.c_[z, jnp.ones(3)]
    assert float(mlp.data_loss(params, x, y, activation="tanh", loss="squared")) == pytest.approx(5.75 / 3)
    weights = jnp.array([0.5, 0.5, 0.0])
    assert float(mlp.data_loss(params, x, y, activation="tanh", loss="squared", weights=weights,
                               l2=0.1)) == pytest.approx(0.625 + 0.1)


def test_the_cross_entropy_is_the_default_data_loss():
    params, x, y = small_problem("tanh")
    assert float(mlp.data_loss(params, x, y, activation="tanh", l2=0.05)) == float(
        mlp.bce_loss(params, x, y, activation="tanh", l2=0.05))
    assert mlp.LOSSES == ("bce", "squared")
    with pytest.raises(ValueError):
        mlp.data_loss(params, x, y, activation="tanh", loss="hinge")


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
