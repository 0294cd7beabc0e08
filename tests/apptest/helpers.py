"""What every page's AppTest needs: a fresh run of the router on a page, health checks, widgets by key,
and the figures the page sent (the path player's runs, the charts' Plotly figures)."""

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
WIDGET_KINDS = ("selectbox", "select_slider", "slider", "number_input", "radio", "toggle", "multiselect",
                "button_group")


def fresh(page=None, query=None, timeout=120):
    """A new AppTest of the router on ``page`` (e.g. "pages/learning_rate/page.py"), with optional query
    parameters, after its run. The router runs once first: AppTest switches pages only after it.

    The timeout covers jax's import and first compilations (AppTest's default is 3 s).
    """
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    if page is not None:
        at.switch_page(page)
        for name, value in (query or {}).items():
            at.query_params[name] = value
        at.run()
    return at


def assert_healthy(at, context=""):
    """No uncaught exception and no st.error on the page."""
    assert not at.exception, f"{context}: {[e.message for e in at.exception]}"
    assert not at.error, f"{context}: {[e.value for e in at.error]}"


def widget(at, kind, key):
    """The widget of ``kind`` with ``key``, or None when the page did not draw it."""
    return next((w for w in getattr(at, kind) if w.key == key), None)


def find(at, key):
    """The one widget with ``key``, whatever its kind."""
    found = [w for kind in WIDGET_KINDS for w in getattr(at, kind) if w.key == key]
    assert len(found) == 1, f"no single widget with key {key!r}"
    return found[0]


def select(at, **values):
    """Set widgets by key (whatever their kind) and rerun."""
    for key, value in values.items():
        find(at, key).set_value(value)
    return at.run()


def decode(values):
    """A Plotly JSON array: a plain list, or plotly's typed array {dtype, bdata[, shape]}."""
    if isinstance(values, dict):
        array = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        shape = values.get("shape")
        return array.reshape([int(s) for s in str(shape).split(",")]) if shape else array
    return np.asarray(values, dtype=np.float64)


def float32s(text):
    """The player's base64 float32 arrays."""
    return np.frombuffer(base64.b64decode(text), dtype="<f4")


def component_args(at, key):
    """The arguments the page sent to the component (player or chart) drawn with ``key``."""
    for element in at.get("component_instance"):
        args = json.loads(element.proto.json_args)
        if args.get("key") == key:
            return args
    raise AssertionError(f"no component with key {key!r}")


def player_runs(at, key="player"):
    """Every run the player draws, as (n + 1, 2) arrays of the points sent (float32)."""
    return [float32s(run["path"]).reshape(-1, 2) for run in component_args(at, key)["figure"]["runs"]]


def player_names(at, key="player"):
    """The legend names of the player's runs (the trail trace's name)."""
    return [run["styles"]["trail"]["name"] for run in component_args(at, key)["figure"]["runs"]]


def figure(at, key):
    """The Plotly figure (data, layout, frames) of a chart drawn with ``ui.player.chart``."""
    return component_args(at, key)["figure"]


def trace(fig, name):
    """The trace of a figure with this legend name."""
    found = [t for t in fig["data"] if t.get("name") == name]
    assert found, f"no trace named {name!r}: {[t.get('name') for t in fig['data']]}"
    return found[0]


def texts(at):
    """Every markdown, caption, info and warning text on the page, joined: what a reader sees."""
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "success", "subheader", "latex")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def forge(widget, fields):
    """Make ``widget`` send a hand-made message on the next run, as a forged websocket message would:
    ``fields`` are the WidgetState's value fields, e.g. {"string_value": "no option"} or
    {"double_array_value": [nan, 5.0]}. AppTest's own ``set_value`` refuses such values."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState()
    state.id = widget.id
    for name, value in fields.items():
        if isinstance(value, list):
            getattr(state, name).data.extend(value)
        else:
            setattr(state, name, value)
    widget.__class__ = type(f"Forged{type(widget).__name__}", (type(widget),),
                            {"_widget_state": property(lambda self: state)})
    return widget


def send_component(at, key, json_text):
    """The WidgetState a component drawn with ``key`` sends with ``json_text`` as its value (the path
    player's report of a step or a click); run it with ``at._run`` beside the widgets' states."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    element = next(e for e in at.get("component_instance") if json.loads(e.proto.json_args).get("key") == key)
    state = WidgetState()
    state.id = element.proto.id
    state.json_value = json_text
    return state
