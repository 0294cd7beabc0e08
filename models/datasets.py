"""Seeded 2D binary data sets for the overfitting lessons, after TensorFlow Playground's ``dataset.ts``.

``make(name, seed, n, noise)`` returns x (n, 2) float32 in roughly [−1.5, 1.5]² and y (n,) float32
in {0, 1}; ``noise`` is the standard deviation of Gaussian jitter added to the points (the labels
stay those of the clean points, so noise blurs the boundary). Deterministic for a seed.
"""

import numpy as np

NAMES = ("circle", "xor", "gaussians", "spiral", "moons")


def _halves(n):
    """Class sizes (n0, n1) with n0 + n1 = n, as equal as possible."""
    return n // 2, n - n // 2


def _circle(rng, n):
    """Class 1 inside radius 0.5, class 0 in the ring 0.7..1."""
    n0, n1 = _halves(n)
    radius = np.r_[rng.uniform(0.7, 1.0, n0), rng.uniform(0.0, 0.5, n1)]
    angle = rng.uniform(0.0, 2 * np.pi, n)
    return np.c_[radius * np.cos(angle), radius * np.sin(angle)], np.r_[np.zeros(n0), np.ones(n1)]


def _xor(rng, n):
    """Uniform points in [−1, 1]² kept off the axes; class 1 where x·y > 0."""
    x = rng.uniform(0.05, 1.0, (n, 2)) * rng.choice([-1.0, 1.0], (n, 2))
    return x, (x[:, 0] * x[:, 1] > 0).astype(np.float64)


def _gaussians(rng, n):
    """Two isotropic Gaussians (σ = 0.25) centred at ±(0.5, 0.5)."""
    n0, n1 = _halves(n)
    centres = np.r_[np.tile([-0.5, -0.5], (n0, 1)), np.tile([0.5, 0.5], (n1, 1))]
    return centres + 0.25 * rng.standard_normal((n, 2)), np.r_[np.zeros(n0), np.ones(n1)]


def _spiral(rng, n):
    """Two interleaved spirals of 1.75 turns out to radius 1."""
    n0, n1 = _halves(n)
    parts = []
    for count, phase in ((n0, 0.0), (n1, np.pi)):
        t = rng.uniform(0.0, 1.0, count)
        angle = 1.75 * 2 * np.pi * t + phase
        parts.append(np.c_[t * np.sin(angle), t * np.cos(angle)])
    return np.r_[parts[0], parts[1]], np.r_[np.zeros(n0), np.ones(n1)]


def _moons(rng, n):
    """Two interleaving half circles (as scikit-learn's make_moons), centred and scaled to ~[−1, 1]."""
    n0, n1 = _halves(n)
    a, b = rng.uniform(0.0, np.pi, n0), rng.uniform(0.0, np.pi, n1)
    upper = np.c_[np.cos(a), np.sin(a)]
    lower = np.c_[1.0 - np.cos(b), 0.5 - np.sin(b)]
    x = (np.r_[upper, lower] - [0.5, 0.25]) * 0.7
    return x, np.r_[np.zeros(n0), np.ones(n1)]


GENERATORS = {"circle": _circle, "xor": _xor, "gaussians": _gaussians, "spiral": _spiral, "moons": _moons}


def make(name, seed, n, noise=0.0):
    """(x (n, 2) float32, y (n,) float32 in {0, 1}): data set ``name``, shuffled, with Gaussian jitter."""
    if name not in GENERATORS:
        raise ValueError(f"unknown data set {name!r}; expected one of {NAMES}")
    rng = np.random.default_rng(seed)
    x, y = GENERATORS[name](rng, int(n))
    x = x + noise * rng.standard_normal(x.shape)
    order = rng.permutation(len(y))
    return x[order].astype(np.float32), y[order].astype(np.float32)


def split(x, y, validation_fraction, seed):
    """((x_train, y_train), (x_val, y_val)): a seeded random split; each side keeps at least one point."""
    n = len(y)
    n_val = int(np.clip(round(n * validation_fraction), 1, n - 1))
    order = np.random.default_rng(seed).permutation(n)
    val, train = order[:n_val], order[n_val:]
    return (x[train], y[train]), (x[val], y[val])
