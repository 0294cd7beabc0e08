"""One student's browser tab on Streamlit's websocket, spoken with Streamlit's own protobuf classes.

What the browser does (``static/js/index.*.js`` of the installed streamlit): load the page over HTTP
(cookies: the XSRF token, the proxy's sticky route), open ``ws://host/_stcore/stream`` with the
subprotocols ``["streamlit", <XSRF token or placeholder>]``, send ``rerun_script`` with the query
string and the page's name (its URL path) or, later, its ``page_script_hash``, and the state of every
widget on the page; a widget inside a fragment reruns only its fragment. Forward messages are read
until ``script_finished``. Widgets are read from each run's ``delta.new_element``; big messages the
client already holds come back as ``ref_hash`` references, as in the browser.
"""

import random
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
import websocket
from google.protobuf.message import DecodeError
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ButtonGroup_pb2 import ButtonGroup
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState

XSRF_COOKIE = "_streamlit_xsrf"
NO_TOKEN = "PLACEHOLDER_AUTH_TOKEN"  # what the browser sends without an XSRF cookie
DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
# Widgets a student moves; a typed formula and the player (a component) are left alone.
MOVABLE = {"slider", "selectbox", "radio", "button_group", "multiselect", "checkbox", "number_input",
           "button"}
STATEFUL = MOVABLE - {"button"} | {"text_input"}


class ProtocolError(Exception):
    """The server closed the socket, did not finish a run in time, or sent what a browser cannot use."""


@dataclass
class Widget:
    """A widget of the page as the browser holds it: its proto, its fragment and its current value."""

    kind: str
    proto: object
    fragment_id: str
    script_hash: str  # the router's (app.py) or the page's
    state: WidgetState | None = None


@dataclass
class Rerun:
    """What one rerun cost and showed: round trip, bytes and messages received, errors on the page."""

    ms: float
    received: int = 0
    messages: int = 0
    errors: list = field(default_factory=list)


# --- widget values: the proto's value as the browser sends it, and a student's move -------------------

def _name(widget):
    """The widget's key ("$$ID-<hash>-<key>"), or its label where it has none."""
    parts = widget.proto.id.split("-", 2)
    key = parts[2] if len(parts) == 3 and parts[0] == "$$ID" else widget.proto.id
    return key if key != "None" else repr(getattr(widget.proto, "label", ""))


def _labels(proto):
    """The option strings of a select box, radio, multiselect or segmented control."""
    if isinstance(proto, ButtonGroup):
        return [option.content for option in proto.options]
    return list(proto.options)


def _is_select_slider(proto):
    """A select_slider travels as option strings, a slider as numbers."""
    return proto.type == Slider.SELECT_SLIDER or bool(proto.options)


def initial_state(kind, proto):
    """The value the browser reports for a freshly drawn widget (the server's value where it set one)."""
    state = WidgetState(id=proto.id)
    if kind == "slider" and _is_select_slider(proto):
        chosen = list(proto.raw_value) if proto.set_value else [proto.options[int(i)] for i in proto.default]
        state.string_array_value.data.extend(chosen)
    elif kind == "slider":
        state.double_array_value.data.extend(proto.value if proto.set_value else proto.default)
    elif kind in ("selectbox", "radio"):
        if proto.set_value and proto.HasField("raw_value"):
            state.string_value = proto.raw_value
        elif proto.HasField("default") and proto.options:
            state.string_value = proto.options[proto.default]
        else:
            return None
    elif kind in ("button_group", "multiselect"):
        chosen = list(proto.raw_values) if proto.set_value else [_labels(proto)[i] for i in proto.default]
        state.string_array_value.data.extend(chosen)
    elif kind == "checkbox":
        state.bool_value = proto.value if proto.set_value else proto.default
    elif kind == "number_input":
        chosen = proto.value if proto.set_value and proto.HasField("value") else (
            proto.default if proto.HasField("default") else None)
        if chosen is None:
            return None
        _set_number(state, proto, chosen)
    elif kind == "text_input":
        state.string_value = proto.value if proto.set_value and proto.HasField("value") else proto.default
    return state


def _set_number(state, proto, value):
    """A number box sends an int for integer data, a double otherwise."""
    if proto.data_type == NumberInput.INT:
        state.int_value = int(value)
    else:
        state.double_value = float(value)


def _grid_value(rng, low, high, step):
    """A random point of low, low + step, ..., high."""
    stops = max(0, round((high - low) / step)) if step > 0 else 0
    return min(high, low + rng.randint(0, stops) * step) if stops else rng.uniform(low, high)


def can_move(kind, proto):
    """A widget a student can move: enabled, and with something to choose where it is a choice."""
    if kind not in MOVABLE or getattr(proto, "disabled", False):
        return False
    if kind in ("selectbox", "radio", "button_group", "multiselect"):
        return bool(_labels(proto))
    return kind != "slider" or not _is_select_slider(proto) or bool(proto.options)


def moved_state(kind, proto, rng):
    """A new value for the widget, as a student's drag or click makes it (a button: its trigger)."""
    state = WidgetState(id=proto.id)
    if kind == "button":
        state.trigger_value = True
    elif kind == "slider" and _is_select_slider(proto):
        state.string_array_value.data.append(rng.choice(list(proto.options)))
    elif kind == "slider":
        value = _grid_value(rng, proto.min, proto.max, proto.step)
        state.double_array_value.data.append(round(value) if proto.data_type == Slider.INT else value)
    elif kind in ("selectbox", "radio"):
        state.string_value = rng.choice(_labels(proto))
    elif kind == "button_group" and proto.click_mode == ButtonGroup.SINGLE_SELECT:
        state.string_array_value.data.append(rng.choice(_labels(proto)))
    elif kind in ("button_group", "multiselect"):
        labels = _labels(proto)
        state.string_array_value.data.extend(rng.sample(labels, rng.randint(1, min(4, len(labels)))))
    elif kind == "checkbox":
        state.bool_value = rng.random() < 0.5
    elif kind == "number_input":
        low = proto.min if proto.has_min else -10.0
        high = proto.max if proto.has_max else 10.0
        _set_number(state, proto, _grid_value(rng, low, high, proto.step or (high - low) / 100))
    return state


# --- the session ------------------------------------------------------------------------------------

class Session:
    """A browser tab: one websocket, the page's widgets and the message cache, reruns timed."""

    def __init__(self, base_url, timeout_s=60.0, rng=None):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.rng = rng or random.Random()
        self.ws = None
        self.widgets = {}  # id -> Widget, the widgets on the page after the last run
        self.pages = {}  # url path -> page_script_hash, from the navigation message
        self.page_hash = ""
        self.main_hash = ""  # app.py's: its widgets stay when the page changes
        self.query = ""
        self.cache = {}  # hash -> [ForwardMsg, run it was last used in]
        self.max_age = 2  # runs a cached message is kept (new_session.config.max_cached_message_age)
        self.runs = 0

    def connect(self, url_path=""):
        """Load the page over HTTP as the browser does (its cookies), then open the websocket."""
        try:
            cookies = self._load_page(url_path)
            parts = urlsplit(self.base_url)
            scheme = "wss" if parts.scheme == "https" else "ws"
            self.ws = websocket.create_connection(
                f"{scheme}://{parts.netloc}{parts.path}/_stcore/stream", timeout=self.timeout_s,
                subprotocols=["streamlit", cookies.get(XSRF_COOKIE, NO_TOKEN)],
                origin=f"{parts.scheme}://{parts.netloc}",  # same origin, as the server's check wants
                cookie="; ".join(f"{name}={value}" for name, value in cookies.items()) or None,
                enable_multithread=False)
        except (OSError, websocket.WebSocketException) as error:
            raise ProtocolError(f"connect: {type(error).__name__}: {error}") from error

    def _load_page(self, url_path):
        """GET the page, the health check and the host config as the browser does; the cookies set."""
        http = requests.Session()
        http.headers["User-Agent"] = "bench.load (a simulated student)"
        for path in (url_path, "_stcore/health", "_stcore/host-config"):
            http.get(f"{self.base_url}/{path}", timeout=self.timeout_s).raise_for_status()
        return http.cookies.get_dict()

    def close(self):
        """Close the websocket (the tab is closed)."""
        if self.ws is not None:
            try:
                self.ws.close(timeout=2)
            except (OSError, websocket.WebSocketException):
                pass
            self.ws = None

    # --- what a student does ---

    def open(self, url_path, query=""):
        """The first run of a page opened from its link (the server resolves the page from its name)."""
        self.widgets.clear()
        self.query = query
        return self._rerun(self._client_state(page_name=url_path))

    def switch(self, url_path):
        """Click the page in the navigation: its script hash, no query string, the router's widgets."""
        self.query = ""
        self.widgets = {wid: w for wid, w in self.widgets.items() if w.script_hash == self.main_hash}
        return self._rerun(self._client_state(page_hash=self.pages.get(url_path, ""), page_name=url_path))

    def movable(self):
        """The widgets a student can move now."""
        return [w for w in self.widgets.values() if can_move(w.kind, w.proto)]

    def act(self):
        """Move a random slider or select, or click a button; (what was done, the Rerun)."""
        choices = self.movable()
        if not choices:
            raise ProtocolError("no widget to move on this page")
        widget = self.rng.choice(choices)
        new = moved_state(widget.kind, widget.proto, self.rng)
        if widget.kind != "button":
            widget.state = new
        extra = [new] if widget.kind == "button" else []
        rerun = self._rerun(self._client_state(fragment_id=widget.fragment_id, extra=extra))
        return f"{widget.kind} {_name(widget)}", rerun

    # --- the protocol ---

    def _client_state(self, page_hash=None, page_name="", fragment_id="", extra=()):
        """The BackMsg of a rerun: query string, page, fragment, every widget's state, cached hashes."""
        msg = BackMsg()
        client = msg.rerun_script
        client.query_string = self.query
        client.page_script_hash = self.page_hash if page_hash is None else page_hash
        client.page_name = page_name
        client.fragment_id = fragment_id
        states = [w.state for w in self.widgets.values() if w.state is not None] + list(extra)
        client.widget_states.widgets.extend(states)
        client.cached_message_hashes.extend(self.cache)
        return msg

    def _rerun(self, msg):
        """Send a rerun and read until the script finishes; the round trip and what the page showed."""
        if self.ws is None:
            raise ProtocolError("not connected")
        fragment = msg.rerun_script.fragment_id
        seen = set()
        start = time.perf_counter()
        rerun = Rerun(ms=0.0)
        try:
            self.ws.send_binary(msg.SerializeToString())
            while True:
                data = self.ws.recv()
                if not isinstance(data, bytes) or not data:
                    raise ProtocolError("the server closed the connection")
                rerun.received += len(data)
                rerun.messages += 1
                forward = ForwardMsg()
                forward.ParseFromString(data)
                status = self._handle(forward, seen, rerun)
                if status in DONE:
                    break
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    rerun.errors.append("script compile error")
                    break
        except (OSError, websocket.WebSocketException, DecodeError) as error:
            self.close()
            raise ProtocolError(f"{type(error).__name__}: {error}") from error
        rerun.ms = (time.perf_counter() - start) * 1e3
        self._forget_stale(seen, fragment)
        self.runs += 1
        self._expire_cache()
        return rerun

    def _handle(self, forward, seen, rerun):
        """Take in one forward message; the script_finished status when it is one, else None."""
        kind = forward.WhichOneof("type")
        if kind == "ref_hash":
            cached = self.cache.get(forward.ref_hash)
            if cached is None:
                raise ProtocolError(f"cached message {forward.ref_hash} missing")
            cached[1] = self.runs
            resolved = ForwardMsg()
            resolved.CopyFrom(cached[0])
            resolved.metadata.CopyFrom(forward.metadata)
            return self._handle(resolved, seen, rerun)
        if forward.metadata.cacheable and forward.hash:
            self.cache[forward.hash] = [forward, self.runs]
        if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            self._element(forward, seen, rerun)
        elif kind == "new_session":
            self.main_hash = forward.new_session.main_script_hash
            self.max_age = forward.new_session.config.max_cached_message_age or self.max_age
        elif kind == "navigation":
            self.page_hash = forward.navigation.page_script_hash
            self.pages = {p.url_pathname: p.page_script_hash for p in forward.navigation.app_pages}
        elif kind == "page_info_changed":
            self.query = forward.page_info_changed.query_string
        elif kind == "page_not_found":
            rerun.errors.append(f"page not found: {forward.page_not_found.page_name!r}")
        elif kind == "script_finished":
            return forward.script_finished
        return None

    def _element(self, forward, seen, rerun):
        """An element of the page: an error to count, or a widget to remember (its value kept)."""
        element = forward.delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            rerun.errors.append(f"exception: {element.exception.type} {element.exception.message[:160]}")
        elif kind == "alert" and element.alert.format == Alert.ERROR:
            rerun.errors.append(f"st.error: {element.alert.body[:160]}")
        if kind not in MOVABLE and kind != "text_input":
            return
        proto = getattr(element, kind)
        seen.add(proto.id)
        old = self.widgets.get(proto.id)
        widget = Widget(kind, proto, forward.delta.fragment_id, forward.metadata.active_script_hash)
        if kind in STATEFUL:
            keep = old is not None and old.state is not None and not getattr(proto, "set_value", False)
            widget.state = old.state if keep else initial_state(kind, proto)
        self.widgets[proto.id] = widget

    def _forget_stale(self, seen, fragment):
        """After a run, widgets it did not draw are gone (for a fragment run: only the fragment's)."""
        self.widgets = {wid: w for wid, w in self.widgets.items()
                        if wid in seen or (fragment and w.fragment_id != fragment)}

    def _expire_cache(self):
        """Drop cached messages not used in the last max_age runs, as the browser does."""
        oldest = self.runs - self.max_age
        self.cache = {h: entry for h, entry in self.cache.items() if entry[1] >= oldest}
