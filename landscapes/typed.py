"""A surface typed by the teacher, as a landscape every page can use, named by a key that holds it all.

The key is "typed:" and a JSON text of the formula, its domain and its minimum (or null), so the
pages' caches, keyed by landscape key, keep working, and a link carries the surface. One landscape
(one compiled function, so one jit cache entry) per key.
"""

import json
import math
from functools import lru_cache

import jax.numpy as jnp

from landscapes import LANDSCAPES
from landscapes.base import Landscape
from landscapes.expression import compile_expression

PREFIX = "typed:"
MAX_COORDINATE = 1000.0  # a domain or minimum further out is refused
START_FRACTION = 0.85  # the run starts this far across the domain, towards its top right corner


def typed_key(text, bounds, minimum=None):
    """The landscape key of a typed surface: its formula, domain ((x0, x1), (y0, y1)) and minimum."""
    bounds = [[float(v) for v in pair] for pair in bounds]
    minimum = None if minimum is None else [float(v) for v in minimum]
    return PREFIX + json.dumps({"f": text, "b": bounds, "m": minimum}, sort_keys=True)


def _within_reach(values):
    """True when every value is finite and within ±MAX_COORDINATE."""
    return all(math.isfinite(v) and abs(v) <= MAX_COORDINATE for v in values)


def check_domain(bounds):
    """The domain as floats; ValueError where it is empty, reversed or too far out."""
    (x0, x1), (y0, y1) = ((float(a), float(b)) for a, b in bounds)
    if not _within_reach((x0, x1, y0, y1)):
        raise ValueError(f"the domain must lie within ±{MAX_COORDINATE:g}")
    if not (x0 < x1 and y0 < y1):
        raise ValueError("the domain needs x from < x to and y from < y to")
    return (x0, x1), (y0, y1)


def _latex(text):
    """The formula as LaTeX text (its characters are plain: letters, digits, + - * / ( ) . ,)."""
    return r"\text{" + text.strip() + "}"


@lru_cache(maxsize=64)
def typed_landscape(key):
    """The Landscape a typed key describes; ValueError with the page's message where it is not valid."""
    spec = json.loads(key.removeprefix(PREFIX))
    surface = compile_expression(spec["f"])
    bounds = check_domain(spec["b"])
    (x0, x1), (y0, y1) = bounds
    minima, min_value = (), None
    if spec["m"] is not None:
        point = tuple(float(v) for v in spec["m"])
        if not _within_reach(point):
            raise ValueError("the minimum must be two finite numbers")
        minima, min_value = (point,), float(surface(jnp.asarray(point, jnp.float32)))
    start = (x0 + START_FRACTION * (x1 - x0), y0 + START_FRACTION * (y1 - y0))
    return Landscape(key, "Typed by you", lambda p, theta: surface(p), bounds, minima, min_value,
                     _latex(spec["f"]), start,
                     note="Typed on this page: the formula, its domain and its minimum (if given) are in the "
                          "link.")


def landscape_of(key):
    """A registered landscape by key, or the typed surface a "typed:" key describes."""
    if isinstance(key, str) and key.startswith(PREFIX):
        return typed_landscape(key)
    return LANDSCAPES[key]
