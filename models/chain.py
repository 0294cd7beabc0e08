"""The lecture's tiny network for backpropagation: x → (w1) → z1 → σ → h → (w2) → ŷ → J(ŷ, y).

z1 = w1 x, h = σ(z1), ŷ = w2 h and J = (ŷ − y)². Each local derivative is written out by hand, the
chain rule multiplies them, and jax.grad checks the products.
"""

import jax


def forward(w, x, y):
    """Every node's value: z1, h, ŷ and the loss J, for weights w = (w1, w2)."""
    z1 = w[0] * x
    h = jax.nn.sigmoid(z1)
    y_hat = w[1] * h
    return {"x": x, "z1": z1, "h": h, "y_hat": y_hat, "J": (y_hat - y) ** 2}


def loss(w, data):
    """J(w1, w2) for one example data = (x, y): the surface the page draws."""
    x, y = data
    return forward(w, x, y)["J"]


def local_derivatives(w, x, y):
    """The derivative on each edge of the graph, each from its own node only."""
    nodes = forward(w, x, y)
    return {
        "dJ_dyhat": 2 * (nodes["y_hat"] - y),  # J = (ŷ − y)²
        "dyhat_dh": w[1],  # ŷ = w2 h
        "dyhat_dw2": nodes["h"],
        "dh_dz1": nodes["h"] * (1 - nodes["h"]),  # σ'(z) = σ(z)(1 − σ(z))
        "dz1_dw1": x,  # z1 = w1 x
    }


def chain_rule(w, x, y):
    """∂J/∂w2 = ∂J/∂ŷ · ∂ŷ/∂w2 and ∂J/∂w1 = ∂J/∂ŷ · ∂ŷ/∂z1 · ∂z1/∂w1, with ∂ŷ/∂z1 = ∂ŷ/∂h · ∂h/∂z1."""
    d = local_derivatives(w, x, y)
    dyhat_dz1 = d["dyhat_dh"] * d["dh_dz1"]
    return {"dyhat_dz1": dyhat_dz1, "dJ_dw2": d["dJ_dyhat"] * d["dyhat_dw2"],
            "dJ_dw1": d["dJ_dyhat"] * dyhat_dz1 * d["dz1_dw1"]}


@jax.jit
def autodiff(w, x, y):
    """The same two gradients from jax.grad, to check the hand-made chain."""
    return jax.grad(loss)(w, (x, y))


@jax.jit
def explain(w, x, y):
    """Nodes, local derivatives, chain-rule products and jax.grad's answer, in one jitted call."""
    return forward(w, x, y), local_derivatives(w, x, y), chain_rule(w, x, y), autodiff(w, x, y)


BOUNDS = ((-4.0, 4.0), (-4.0, 4.0))
