r"""A small multilayer perceptron for binary classification, as pure functions over a list of (W, b).

Structure (layer sizes, activation, initialisation scheme) is static; every number (σ, dropout
rate, L2 strength) is a traced value. The network maps x to one logit z; the predicted probability
is σ(z). The loss is the binary cross-entropy from logits plus an L2 penalty on the weights:

$$J(\theta) = \frac{1}{n}\sum_i \big(\log(1 + e^{z_i}) - y_i z_i\big)
  + \lambda \sum_l \lVert W_l \rVert^2$$

or, with ``loss="squared"``, the squared error of the logit against the target ±1 (2y − 1),
½ (z_i − (2y_i − 1))², in place of the cross-entropy (as in Cohen et al., 2021, "Gradient Descent
on Neural Networks Typically Occurs at the Edge of Stability").

Dropout (Srivastava et al., 2014, "Dropout: a simple way to prevent neural networks from
overfitting") is inverted: at training time each hidden unit is kept with probability 1 − p and
scaled by 1/(1 − p), so evaluation needs no rescaling.
"""

import jax
import jax.numpy as jnp

from models.losses import bce_from_logits, squared_error_on_logit

ACTIVATIONS = {"relu": jax.nn.relu, "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid}
INITS = ("normal", "glorot", "lecun")
EXAMPLE_LOSSES = {"bce": bce_from_logits, "squared": squared_error_on_logit}
LOSSES = tuple(EXAMPLE_LOSSES)


def init_params(key, sizes, init="normal", sigma=0.1):
    """[(W, b)] for layer sizes (d_in, h_1, ..., 1): W ~ N(0, σ²), Glorot uniform or LeCun normal, b = 0.

    Glorot (Glorot & Bengio, 2010): W ~ U(−a, a) with a = sqrt(6 / (fan_in + fan_out)). LeCun
    (LeCun et al., 1998, "Efficient BackProp"): W ~ N(0, 1 / fan_in).
    """
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; expected one of {INITS}")
    params = []
    shapes = list(zip(sizes[:-1], sizes[1:], strict=False))
    for k, (fan_in, fan_out) in zip(jax.random.split(key, len(shapes)), shapes, strict=True):
        if init == "normal":
            w = sigma * jax.random.normal(k, (fan_in, fan_out), jnp.float32)
        elif init == "lecun":
            w = jax.random.normal(k, (fan_in, fan_out), jnp.float32) / jnp.sqrt(fan_in)
        else:
            limit = jnp.sqrt(6.0 / (fan_in + fan_out))
            w = jax.random.uniform(k, (fan_in, fan_out), jnp.float32, -limit, limit)
        params.append((w, jnp.zeros(fan_out, jnp.float32)))
    return params


def dropout(key, h, rate):
    """Inverted dropout: each entry kept with probability 1 − rate and scaled by 1/(1 − rate)."""
    keep = jax.random.bernoulli(key, 1.0 - rate, h.shape)
    return jnp.where(keep, h / (1.0 - rate), 0.0)


def dropout_from(uniforms, h, rate):
    """Inverted dropout with uniforms in [0, 1) drawn ahead: kept where u < 1 − rate (probability
    1 − rate), scaled by 1/(1 − rate)."""
    return jnp.where(uniforms < 1.0 - rate, h / (1.0 - rate), 0.0)


def forward(params, x, *, activation, dropout_rate=0.0, key=None, uniforms=None):
    """Logits z for inputs x (..., d_in): hidden layers with ``activation``, a linear output unit.

    Dropout on the hidden activations only when ``key`` (or ``uniforms``, one array per hidden
    layer shaped like its activations) is given: training; without them the network is
    deterministic (evaluation).
    """
    act = ACTIVATIONS[activation]
    h = x
    for i, (w, b) in enumerate(params[:-1]):
        h = act(h @ w + b)
        if uniforms is not None:
            h = dropout_from(uniforms[i], h, dropout_rate)
        elif key is not None:
            h = dropout(jax.random.fold_in(key, i), h, dropout_rate)
    w, b = params[-1]
    return (h @ w + b)[..., 0]


def l2_penalty(params):
    """Σ_l ‖W_l‖²: the squared weights of every layer (biases are not penalised)."""
    return sum(jnp.sum(w**2) for w, _ in params)


def data_loss(params, x, y, *, activation, loss="bce", dropout_rate=0.0, key=None, uniforms=None, l2=0.0,
              weights=None):
    """Mean ``loss`` (one of LOSSES; Σ weights_i L_i when ``weights`` is given) plus l2 · Σ‖W‖²."""
    if loss not in EXAMPLE_LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {LOSSES}")
    z = forward(params, x, activation=activation, dropout_rate=dropout_rate, key=key, uniforms=uniforms)
    losses = EXAMPLE_LOSSES[loss](z, y)
    data = jnp.mean(losses) if weights is None else jnp.sum(weights * losses)
    return data + l2 * l2_penalty(params)


def bce_loss(params, x, y, **options):
    """``data_loss`` with the binary cross-entropy (the same keywords but ``loss``)."""
    return data_loss(params, x, y, loss="bce", **options)


def predict_proba(params, x, *, activation):
    """P(y = 1 | x) = σ(z), without dropout."""
    return jax.nn.sigmoid(forward(params, x, activation=activation))


def accuracy(params, x, y, *, activation):
    """Fraction of examples whose predicted class (z > 0) equals the label, without dropout."""
    z = forward(params, x, activation=activation)
    return jnp.mean((z > 0) == (y > 0.5))
