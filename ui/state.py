"""A lesson's state in one place: every value a page shows, read from its URL and written back.

Each value is a ``Field``: its key (the widget's key and the URL's name), its default, and how it
reads URL text. A page calls ``begin(page)`` first, ``bind(field)`` before it draws the widget with
``key=field.key``, and ``write_url()`` last. On the first run of a visit to a page every field
takes its value from the URL, or its default: a page opens on its own defaults, whatever page came
before, unless its link says otherwise. Later runs keep what the user set. ``write_url`` puts every
value that differs from its default in the URL, so a link reproduces the view. URL text that is
malformed is ignored and a number out of range is clamped: nothing from a URL can raise.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

PAGE, VISIT, RESETS = "_state.page", "_state.visit", "_state.resets"
BOUND, FIELDS, APP = "_state.bound", "_state.fields", "_state.app."
MAX_URL_TEXT = 2000  # longer URL values are ignored, not parsed


@dataclass(frozen=True)
class Field:
    """One value of a page: its key, its default, and how it is read from and written to URL text."""

    key: str
    default: Any
    parse: Callable[[str], Any]  # URL text -> value, or None where the text is not a valid value
    text: Callable[[Any], str] = str
    valid: Callable[[Any], bool] = lambda value: True  # noqa: E731 - a value the widget can show


def finite(text):
    """A finite float from text, or None."""
    try:
        value = float(text)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if math.isfinite(value) else None


def number(key, default, low, high, integer=False):
    """A number in [low, high] (an integer where ``integer``); out-of-range URL values are clamped."""

    def parse(text):
        value = finite(text)
        if value is None:
            return None
        value = min(max(value, low), high)
        return int(round(value)) if integer else value

    def valid(value):
        return finite(value) is not None and low <= float(value) <= high

    return Field(key, default, parse, str if integer else (lambda v: repr(float(v))), valid)


def stop(key, default, stops):
    """One of a slider's stops; a URL number between stops takes the nearest one (in log for positive
    stops, where the sliders are logarithmic)."""
    stops = tuple(stops)

    def distance(a, b):
        return abs(math.log(a / b)) if a > 0 and b > 0 else abs(a - b)

    def parse(text):
        value = finite(text)
        if value is None:
            return None
        return min(stops, key=lambda s: distance(float(s), value))

    return Field(key, default, parse, lambda v: repr(float(v)), lambda value: value in stops)


def choice(key, default, options):
    """One of ``options`` (strings)."""
    options = tuple(options)
    return Field(key, default, lambda text: text if text in options else None, str,
                 lambda value: value in options)


def text(key, default, max_length):
    """Text of at most ``max_length`` characters (a typed formula)."""
    return Field(key, default, lambda value: value if len(value) <= max_length else None, str,
                 lambda value: isinstance(value, str) and len(value) <= max_length)


def flag(key, default=False):
    """A switch: 1/true/yes/on or 0/false/no/off."""
    words = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False,
             "off": False}
    return Field(key, bool(default), lambda text: words.get(text.strip().lower()),
                 lambda v: "1" if v else "0", lambda value: isinstance(value, bool))


def choices(key, default, options):
    """A list of distinct ``options``, in the order given (comma-separated in the URL)."""
    options = tuple(options)

    def parse(text):
        keys = list(dict.fromkeys(k for k in text.split(",") if k in options))
        return keys if keys or not text.strip() else None  # "" is "none chosen"; "foo" is not valid

    def valid(value):
        return isinstance(value, list | tuple) and all(v in options for v in value)

    return Field(key, list(default), parse, ",".join, valid)


def begin(page):
    """Start a run of ``page``: a new visit when the session comes from another page (or is new)."""
    state = st.session_state
    if state.get(PAGE) != page:
        state[PAGE] = page
        state[VISIT] = state.get(VISIT, 0) + 1
    state[FIELDS] = {}


def bind_app(field):
    """Bind a field of the whole app (drawn on every page): the URL's value on the session's first run
    (a link), then the session's, whatever page comes next; it stays in the URL on each. Its widget
    calls ``keep_app`` on change."""
    state = st.session_state
    saved = APP + field.key
    if saved not in state:
        value = from_url(field)
        state[saved] = field.default if value is None else value
    # Streamlit drops a widget's value when the page changes: the app's copy puts it back.
    state[field.key] = state[saved]
    state.setdefault(FIELDS, {})[field.key] = field
    return field.key


def keep_app(key):
    """Callback of an app field's widget: keep its new value for the pages that come next."""
    st.session_state[APP + key] = st.session_state[key]


def bind(field):
    """Give the field its value before its widget is drawn: from the URL (or the default) on the
    first run of a visit, or when its widget was away, and the default where the value is no longer
    one the widget can show; returns the key to draw the widget with."""
    state = st.session_state
    bound = state.setdefault(BOUND, {})
    if bound.get(field.key) != state.get(VISIT) or field.key not in state:
        value = from_url(field)
        state[field.key] = field.default if value is None else value
        bound[field.key] = state.get(VISIT)
    elif not field.valid(state[field.key]):  # its options changed (an optimizer left the race, ...)
        state[field.key] = field.default
    state.setdefault(FIELDS, {})[field.key] = field
    return field.key


def from_url(field):
    """The field's value in the URL, or None where it is missing or not valid."""
    text = st.query_params.get(field.key)
    if not isinstance(text, str) or len(text) > MAX_URL_TEXT:
        return None
    try:
        return field.parse(text)
    except Exception:  # noqa: BLE001 - a URL must never break a page
        return None


def value(field):
    """The field's current value (bound first if this run has not bound it yet)."""
    return st.session_state[bind(field)]


def put(key, value):
    """Set a field's value from a button callback (before the widgets are drawn). It counts as bound
    in this visit: a field whose widget was not on the page yet keeps it instead of the URL's value."""
    st.session_state[key] = value
    st.session_state.setdefault(BOUND, {})[key] = st.session_state.get(VISIT)


def reset_token():
    """Changes with each visit and each ``new_view``: tells the player to take the page's step."""
    return f"{st.session_state.get(VISIT, 0)}.{st.session_state.get(RESETS, 0)}"


def new_view():
    """A preset or a button replaced the view: the player should show the page's step again."""
    st.session_state[RESETS] = st.session_state.get(RESETS, 0) + 1


def url_values():
    """What ``write_url`` would put in the URL now: every bound field that differs from its default."""
    state = st.session_state
    values = {}
    for key, field in state.get(FIELDS, {}).items():
        current = state.get(key, field.default)
        if current != field.default:
            values[key] = field.text(current)
    return values


def write_url():
    """Put every value that differs from its default in the URL (only when that changes it)."""
    values = url_values()
    if st.query_params.to_dict() != values:
        st.query_params.from_dict(values)
