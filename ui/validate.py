"""Server-side checks of every number a page receives: widget limits live only in the browser."""

import math

import numpy as np

_NEAR_ONE = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998,
             0.999, 0.9995, 0.9999, 0.99995, 0.99999)


def clean_number(value, low, high, default):
    """``value`` as a finite float inside [low, high]; the default where it is not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return float(default)
    if not math.isfinite(number):
        return float(default)
    return min(max(number, float(low)), float(high))


def clean_hyperparams(specs, values):
    """Every hyperparameter of ``specs`` cleaned: missing or bad values fall back to defaults."""
    return {h.name: clean_number(values.get(h.name, h.default), h.min, h.max, h.default)
            for h in specs}


def clean_choice(value, choices, default):
    """``value`` if it is one of ``choices``, else ``default``."""
    return value if value in choices else default


def log_options(low, high, default, per_decade=10):
    """Log-spaced slider stops from low to high (3 significant digits), the default among them."""
    count = int(round(math.log10(high / low) * per_decade)) + 1
    stops = {float(f"{v:.3g}") for v in np.logspace(math.log10(low), math.log10(high), count)}
    return sorted(stops | {float(default)})


def near_one_options(low, high, default):
    """Slider stops for a decay rate: coarse near 0, ever finer towards 1."""
    return sorted({v for v in _NEAR_ONE if low <= v <= high} | {float(default)})


def clip_to_bounds(point, bounds):
    """The point moved inside the rectangle ``bounds``; True if it had to move."""
    (xmin, xmax), (ymin, ymax) = bounds
    x = min(max(float(point[0]), xmin), xmax)
    y = min(max(float(point[1]), ymin), ymax)
    return (x, y), (x, y) != (float(point[0]), float(point[1]))
