"""Losses shared by the models and the data surfaces."""

import jax


def bce_from_logits(z, y):
    """Binary cross-entropy of p = σ(z) against a label y in {0, 1}, in a form that cannot overflow:
    −y log σ(z) − (1 − y) log(1 − σ(z)) = softplus(z) − y z."""
    return jax.nn.softplus(z) - y * z
