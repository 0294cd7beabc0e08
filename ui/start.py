"""Where a run starts: coordinates typed in (or clicked on the plot), or a seeded draw from N(0, σ²)."""

import streamlit as st

from engine import random_starts
from landscapes.typed import PREFIX as TYPED_PREFIX
from ui import state
from ui.controls import clean_number

MODES = {"point": "Typed or clicked point", "random": "Random draw from N(0, σ²)"}
SIGMA = (0.01, 10.0, 1.0)  # range and default of σ


def clip_to_bounds(point, bounds):
    """The point moved inside the rectangle ``bounds``; True if it had to move."""
    (xmin, xmax), (ymin, ymax) = bounds
    x = min(max(float(point[0]), xmin), xmax)
    y = min(max(float(point[1]), ymin), ymax)
    return (x, y), (x, y) != (float(point[0]), float(point[1]))


def point_fields(landscape):
    """The two coordinate fields of a surface's start (each surface keeps its own)."""
    (xmin, xmax), (ymin, ymax) = landscape.bounds
    x0, y0 = landscape.start
    name = "typed" if landscape.key.startswith(TYPED_PREFIX) else landscape.key  # a typed key is long
    return (state.number(f"x0.{name}", float(x0), float(xmin), float(xmax)),
            state.number(f"y0.{name}", float(y0), float(ymin), float(ymax)))


CLICKED = "_start.clicked"


def take_click(landscape, point):
    """Start from a point clicked on the plot (a player callback: runs before the widgets)."""
    if point is None:
        return
    (x, y), _ = clip_to_bounds(point, landscape.bounds)
    fx, fy = point_fields(landscape)
    state.put(state.bind(fx), x)
    state.put(state.bind(fy), y)
    state.put("start", "point")
    st.session_state[CLICKED] = True


def rerun_after_click():
    """In a fragment: a click moved the start, which the sidebar shows, so run the whole page."""
    if st.session_state.pop(CLICKED, False):
        st.rerun(scope="app")


def typed_start(landscape):
    """Two number boxes, kept inside the plot's bounds (checked again here, not only in the browser)."""
    (xmin, xmax), (ymin, ymax) = ((float(a), float(b)) for a, b in landscape.bounds)
    fx, fy = point_fields(landscape)
    left, right = st.columns(2)
    x = left.number_input("x₀", xmin, xmax, step=0.1, key=state.bind(fx), format="%.4g")
    y = right.number_input("y₀", ymin, ymax, step=0.1, key=state.bind(fy), format="%.4g")
    return clean_number(x, xmin, xmax, fx.default), clean_number(y, ymin, ymax, fy.default)


@st.cache_data(max_entries=256, show_spinner=False)
def random_start(seed, sigma):
    """One start point from N(0, sigma^2) with the given seed."""
    return tuple(float(v) for v in random_starts(seed, sigma, 1)[0])


def _random(landscape):
    """A seeded draw from N(0, σ²), the lecture's step 1, moved inside the plot if it fell outside."""
    left, right = st.columns(2)
    seed_field = state.number("seed", 0, 0, 2**31 - 1, integer=True)
    seed = int(clean_number(left.number_input("seed", 0, 2**31 - 1, step=1, key=state.bind(seed_field)),
                            0, 2**31 - 1, 0))
    low, high, default = SIGMA
    sigma = clean_number(right.number_input("σ", low, high, step=0.1, key=state.bind(
        state.number("sigma", default, low, high))), low, high, default)
    point, moved = clip_to_bounds(random_start(seed, sigma), landscape.bounds)
    if moved:
        st.caption("The draw fell outside the plot and was moved to its edge.")
    return point


def start_controls(landscape, clickable=True):
    """The start-point widgets; returns the chosen (x, y)."""
    st.session_state.pop(CLICKED, None)  # a whole run: it shows any click already
    mode = st.radio("Start", list(MODES), format_func=MODES.get,
                    key=state.bind(state.choice("start", "point", MODES)))
    if mode == "random":
        return _random(landscape)
    if clickable:
        st.caption("Type the coordinates, or click anywhere on the plot.")
    return typed_start(landscape)
