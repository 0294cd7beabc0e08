"""What every page's AppTest needs: a fresh run of the router on a page, health checks, widgets by key."""

import base64
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
WIDGET_KINDS = ("selectbox", "select_slider", "slider", "number_input", "radio", "toggle", "multiselect")


def fresh(page=None, query=None, timeout=120):
    """A new AppTest of the router (on ``page`` if given), with optional query parameters, after its run.

    The timeout covers jax's import and first compilations (AppTest's default is 3 s).
    """
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    if page is not None:
        at.switch_page(page)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    return at.run()


def assert_healthy(at, context=""):
    """No uncaught exception and no st.error on the page."""
    assert not at.exception, f"{context}: {[e.message for e in at.exception]}"
    assert not at.error, f"{context}: {[e.value for e in at.error]}"


def widget(at, kind, key):
    """The widget of ``kind`` with ``key``, or None when the page did not draw it."""
    return next((w for w in getattr(at, kind) if w.key == key), None)


def select(at, **values):
    """Set widgets by key (whatever their kind) and rerun."""
    for key, value in values.items():
        found = [w for kind in WIDGET_KINDS for w in getattr(at, kind) if w.key == key]
        assert len(found) == 1, f"no single widget with key {key!r}"
        found[0].set_value(value)
    return at.run()


def decode(values):
    """A Plotly JSON array: a plain list, or plotly's typed array {dtype, bdata[, shape]}."""
    if isinstance(values, dict):
        array = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        return array.reshape(values["shape"]) if "shape" in values else array
    return np.asarray(values, dtype=np.float64)
