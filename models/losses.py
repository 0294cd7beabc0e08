"""Losses shared by the models and the data surfaces."""

import jax


def bce_from_logits(z, y):
    """Binary cross-entropy of p = σ(z) against a label y in {0, 1}, in a form that cannot overflow:
    −y log σ(z) − (1 − y) log(1 − σ(z)) = softplus(z) − y z."""
    return jax.nn.softplus(z) - y * z


def squared_error_on_logit(z, y):
    """Squared error of the logit z against the target 2y − 1 (±1 for a label y in {0, 1}):
    ½ (z − (2y − 1))² per example."""
    return 0.5 * (z - (2.0 * y - 1.0)) ** 2
