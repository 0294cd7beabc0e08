"""Where a run starts: typed coordinates, a seeded draw from N(0, σ²), or a click on the plot."""

import streamlit as st

from ui.compute import random_start
from ui.validate import clean_number, clip_to_bounds

MODES = {"typed": "Typed coordinates", "random": "Random draw from N(0, σ²)",
         "click": "Click on the plot"}
CHART_KEY = "contour"


def _clicked_point():
    """The (x, y) of the last point clicked on the contour chart, or None."""
    event = st.session_state.get(CHART_KEY)
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else []
    if not points:
        return None
    return points[-1].get("x"), points[-1].get("y")


def _take_click(landscape):
    """Remember a new click as this landscape's start and switch to click mode."""
    point = _clicked_point()
    if point is None or None in point:
        return
    point, _ = clip_to_bounds(point, landscape.bounds)
    clicks = st.session_state.setdefault("clicked_start", {})
    if clicks.get(landscape.key) != point:
        clicks[landscape.key] = point
        st.session_state["start_mode"] = "click"


def typed_start(landscape):
    """Two number boxes, kept inside the plot's bounds (checked again here, not only in the browser)."""
    (xmin, xmax), (ymin, ymax) = ((float(a), float(b)) for a, b in landscape.bounds)
    x0, y0 = landscape.start
    left, right = st.columns(2)
    x = left.number_input("x₀", xmin, xmax, float(x0), step=0.1, key=f"x0.{landscape.key}")
    y = right.number_input("y₀", ymin, ymax, float(y0), step=0.1, key=f"y0.{landscape.key}")
    return clean_number(x, xmin, xmax, x0), clean_number(y, ymin, ymax, y0)


def _random(landscape):
    """A seeded draw from N(0, σ²), the lecture's step 1, moved inside the plot if it fell outside."""
    left, right = st.columns(2)
    seed = int(clean_number(left.number_input("seed", 0, 2**31 - 1, 0, step=1, key="seed"),
                            0, 2**31 - 1, 0))
    sigma = clean_number(right.number_input("σ", 0.01, 10.0, 1.0, step=0.1, key="sigma"),
                         0.01, 10.0, 1.0)
    point, moved = clip_to_bounds(random_start(seed, sigma), landscape.bounds)
    if moved:
        st.caption("The draw fell outside the plot and was moved to its edge.")
    return point


def start_controls(landscape):
    """The start-point widgets; returns the chosen (x, y)."""
    _take_click(landscape)
    mode = st.radio("Start", list(MODES), format_func=MODES.get, key="start_mode")
    if mode == "random":
        return _random(landscape)
    if mode == "click":
        point = st.session_state.get("clicked_start", {}).get(landscape.key, landscape.start)
        st.caption(f"Click anywhere on the contour plot. Now: ({point[0]:.3f}, {point[1]:.3f})")
        return point
    return typed_start(landscape)
