"""The lecture's tiny network: hand-made local derivatives and chain-rule products equal jax.grad."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from models import chain


def test_forward_values_follow_the_graph():
    nodes = chain.forward(jnp.array([0.5, -1.2]), 1.5, 0.3)
    # z1 = 0.5 * 1.5 = 0.75; h = σ(0.75) = 0.679179; ŷ = -1.2 h = -0.815015; J = (ŷ - 0.3)² = 1.243258
    np.testing.assert_allclose([nodes["z1"], nodes["h"], nodes["y_hat"], nodes["J"]],
                               [0.75, 0.679179, -0.815015, 1.243258], rtol=2e-6)  # float32


@pytest.mark.parametrize("seed", range(20))
def test_chain_rule_products_equal_jax_grad_for_any_setting(seed):
    rng = np.random.default_rng(seed)
    w = rng.uniform(-3, 3, 2).astype(np.float32)
    x, y = np.float32(rng.uniform(-3, 3)), np.float32(rng.uniform(-3, 3))
    products = chain.chain_rule(jnp.asarray(w), x, y)
    expected = jax.grad(chain.loss)(jnp.asarray(w), (x, y))
    # float32: a product of four rounded factors against the same math in another order.
    np.testing.assert_allclose([products["dJ_dw1"], products["dJ_dw2"]], expected, rtol=1e-5, atol=1e-6)


def test_local_derivatives_match_finite_differences():
    w, x, y = np.array([0.7, 1.1]), 0.9, -0.4
    d = chain.local_derivatives(jnp.asarray(w, jnp.float32), x, y)
    eps = 1e-3
    # ∂h/∂z1 by central differences of σ around z1 = w1 x; ∂J/∂ŷ of (ŷ - y)² around ŷ.
    z1 = w[0] * x
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    assert d["dh_dz1"] == pytest.approx((sigmoid(z1 + eps) - sigmoid(z1 - eps)) / (2 * eps), rel=1e-4)
    y_hat = w[1] * sigmoid(z1)
    central = ((y_hat + eps - y) ** 2 - (y_hat - eps - y) ** 2) / (2 * eps)
    assert d["dJ_dyhat"] == pytest.approx(central, rel=1e-4)
    assert d["dz1_dw1"] == pytest.approx(x) and d["dyhat_dh"] == pytest.approx(w[1])
