"""Widgets generated from the registries' specs, bound to the page's state (and so to its URL).

Every value read back is checked again here: widget limits live only in the browser.
"""

import functools
import math

import numpy as np
import streamlit as st

from landscapes import LANDSCAPES
from landscapes.expression import MAX_LENGTH
from landscapes.typed import MAX_COORDINATE, typed_key, typed_landscape
from ui import state

MAX_STEPS = 1000  # every run takes this many steps and pages slice: the step slider never recompiles
_NEAR_ONE = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998,
             0.999, 0.9995, 0.9999, 0.99995, 0.99999)


def clean_number(value, low, high, default):
    """``value`` as a finite float inside [low, high]; the default where it is not a number."""
    number = state.finite(value)
    return float(default) if number is None else min(max(number, float(low)), float(high))


def log_options(low, high, default, per_decade=10):
    """Log-spaced slider stops from low to high (3 significant digits), the default among them."""
    return list(_log_options(float(low), float(high), float(default), per_decade))


@functools.lru_cache(maxsize=256)  # every rerun asks again for every slider's stops
def _log_options(low, high, default, per_decade):
    """The stops of ``log_options``, as a tuple (cached)."""
    count = int(round(math.log10(high / low) * per_decade)) + 1
    stops = {float(f"{v:.3g}") for v in np.logspace(math.log10(low), math.log10(high), count)}
    return tuple(sorted(stops | {default}))


def near_one_options(low, high, default):
    """Slider stops for a decay rate: coarse near 0, ever finer towards 1."""
    return sorted({v for v in _NEAR_ONE if low <= v <= high} | {float(default)})


def options_of(spec):
    """The stops of a spec's slider, or None for a plain linear slider."""
    if spec.log:
        return log_options(spec.min, spec.max, spec.default)
    if spec.near_one:
        return near_one_options(spec.min, spec.max, spec.default)
    return None


def field_of(spec, key):
    """The state field behind a spec's slider."""
    options = options_of(spec)
    if options is not None:
        return state.stop(key, float(spec.default), options)
    return state.number(key, float(spec.default), float(spec.min), float(spec.max))


def format_number(value):
    """A compact label for a slider stop: 0.001, 1e-05, 0.9999."""
    return f"{value:.6g}"


def number_widget(spec, key, container=st, persist=None):
    """One slider for a hyperparameter spec; its value, checked. ``persist="page"`` keeps the value
    while the slider is not drawn (Streamlit forgets it otherwise)."""
    options = options_of(spec)
    bound = state.bind(field_of(spec, key))
    if options is not None:
        value = container.select_slider(spec.label, options=options, key=bound, format_func=format_number,
                                        help=spec.help or None, persist_state=persist)
    else:
        step = 1.0 if spec.max - spec.min >= 50 else (spec.max - spec.min) / 100
        value = container.slider(spec.label, float(spec.min), float(spec.max), step=step, key=bound,
                                 help=spec.help or None, persist_state=persist)
    return clean_number(value, spec.min, spec.max, spec.default)


def spec_values(specs, prefix):
    """The checked values of sliders that are not drawn in this run (kept by ``persist="page"``)."""
    return {h.name: clean_number(state.value(field_of(h, f"{prefix}.{h.name}")), h.min, h.max, h.default)
            for h in specs}


def spec_sliders(specs, prefix):
    """Sliders for a tuple of HyperParam specs; their checked values by name."""
    return {h.name: number_widget(h, f"{prefix}.{h.name}") for h in specs}


def registry_select(label, registry, key, default):
    """A select box over a registry's keys, showing display names."""
    choice = st.selectbox(label, list(registry), key=state.bind(state.choice(key, default, registry)),
                          format_func=lambda k: registry[k].name)
    return choice if choice in registry else default


TYPED = "typed"  # the select box's option for a surface typed by the teacher
TYPED_EXAMPLE = "x**2 + 3*sin(y)"


def landscape_select(default, key="landscape"):
    """The surface select box and the surface's own sliders: (key, landscape, surface parameters).
    The last option is a surface the teacher types (``typed_surface``)."""
    names = {k: v.name for k, v in LANDSCAPES.items()} | {TYPED: "Type your own: J(x, y) = …"}
    chosen = st.selectbox("Loss surface", list(names), key=state.bind(state.choice(key, default, names)),
                          format_func=lambda k: names[k])
    if chosen == TYPED:
        typed = typed_surface()
        if typed is not None:
            return typed.key, typed, ()
        chosen = default
    chosen = chosen if chosen in LANDSCAPES else default
    landscape = LANDSCAPES[chosen]
    values = spec_sliders(landscape.params, chosen)
    return chosen, landscape, tuple(float(v) for v in landscape.theta(**values))


def _coordinate(label, key, default, container):
    """A number of the typed surface's domain or minimum, bound and checked."""
    value = container.number_input(label, -MAX_COORDINATE, MAX_COORDINATE, step=0.5, key=state.bind(
        state.number(key, default, -MAX_COORDINATE, MAX_COORDINATE)))
    return clean_number(value, -MAX_COORDINATE, MAX_COORDINATE, default)


def typed_surface():
    """The formula, its domain and (optionally) its minimum, typed in; the landscape, or None after
    saying what is wrong (the page then shows its default surface)."""
    text = st.text_input("J(x, y) =", key=state.bind(state.text("formula", TYPED_EXAMPLE, MAX_LENGTH)),
                         max_chars=MAX_LENGTH, help="Numbers, x, y, pi, e, + − * / **, and sin cos tan exp "
                         "log sqrt abs tanh sigmoid minimum maximum, e.g. x**2 + 3*sin(y).")
    left, right = st.columns(2)
    bounds = ((_coordinate("x from", "x_from", -3.0, left), _coordinate("x to", "x_to", 3.0, right)),
              (_coordinate("y from", "y_from", -3.0, left), _coordinate("y to", "y_to", 3.0, right)))
    minimum = None
    if toggle("Mark its minimum", "typed_min"):
        minimum = (_coordinate("x*", "min_x", 0.0, left), _coordinate("y*", "min_y", 0.0, right))
    try:
        return typed_landscape(typed_key(str(text), bounds, minimum))
    except ValueError as error:
        st.warning(f"Your surface: {error}. The page shows its usual surface until it is fixed.")
        return None


def integer_slider(label, key, default, low, high, help=None):
    """A slider over whole numbers, bound and checked."""
    value = st.slider(label, low, high, key=state.bind(state.number(key, default, low, high, integer=True)),
                      help=help)
    return int(clean_number(value, low, high, default))


def steps_slider(default):
    """The number of steps shown (runs are computed for MAX_STEPS and sliced)."""
    return integer_slider("Number of steps", "steps", default, 1, MAX_STEPS)


def seed_input(label, key, default=0):
    """A seed typed in: a whole number in 0 … 2³¹ − 1."""
    value = st.number_input(label, 0, 2**31 - 1, step=1,
                            key=state.bind(state.number(key, default, 0, 2**31 - 1, integer=True)))
    return int(clean_number(value, 0, 2**31 - 1, default))


def toggle(label, key, default=False, container=st, help=None):
    """A switch, bound."""
    return bool(container.toggle(label, key=state.bind(state.flag(key, default)), help=help))


def preset_buttons(labels, key_prefix, on_click):
    """One button per preset (``labels``: {name: label}) in a row that wraps, each as wide as its label,
    so no label is cut; a click calls ``on_click(name)``. Returns the row, for more buttons."""
    row = st.container(horizontal=True, wrap=True, gap="small")
    for name, label in labels.items():
        row.button(label, key=f"{key_prefix}.{name}", on_click=on_click, args=(name,))
    return row
