"""Bad input, at scale: every page of the router takes at least 200 seeded random cases of hostile input
and stays healthy.

A case is one run of the page after one of these (a page's cases share one AppTest session, so a case
costs 20–300 ms instead of a new session's first run):
- **widgets** set as a browser sets them (AppTest's ``set_value``): random values in range, at the ends
  and, where AppTest lets them through (sliders, number inputs, text), beyond the range, NaN and ±inf;
- a **forged widget message**, what a hand-written websocket message can carry: a select box's text that
  is no option, a slider with NaN or with two values, a number input's 1e308, a list of unknown and
  repeated options (the WidgetState AppTest would send, replaced; always of the widget's own wire type);
- **session state** written for the page's fields that no widget shows at the moment (the player's step,
  the lecture's stop, a hidden optimizer's settings, another surface's start): any Python value;
- what the **path player reports** from the browser (a step, the whole-path switch, a click on the plot),
  hostile or not, NaN, ±inf and 400-digit integers included;
- a **button** click (presets, Next/Back, resample, tune, ...), now and then a forged click of a disabled
  one;
- a **link** with hostile query values (NaN, ±inf, 1e309, huge integers, empty, 2,001 and 100,000
  characters, HTML and script text, markdown images and links, repeated keys, unknown keys), opened in a
  fresh session (a few per page), or as a new visit of the page in the running session (what following
  the link from another page does, and far cheaper).

After each case: no uncaught exception, no st.error, the token ``b4d#1nput`` that every injected text
carries nowhere on the page outside the widgets' own values (not in markdown, captions, alerts, titles,
LaTeX, HTML, an expander's label, a component's arguments such as a chart's data, nor in a widget's
label or help), and the page's run took under 30 s.

**Cost.** JAX compiles for every new array shape or static argument (a surface, an optimizer, the number
of points, a network's layers, a typed formula with its domain, ...). Each page names the values that
decide what gets compiled (``Page.shape``). Its widgets for them take values from a small seeded set
(default, ends, one more: ``Page.choices``), and a page runs at most ``Page.budget`` different shapes: a
case that would run one more is drawn again (presets may add theirs). Every other widget gets fully
random values. Background warm-ups (``ui.warm``) are off in every AppTest (conftest.py): they would
compile ahead for every random setting. Single process, warm compilation cache: about 90 s for the 8 pages.

**Reproduce.** Cases are seeded: ``BAD_INPUT_SEED`` (default 0) and ``BAD_INPUT_CASES`` cases per page
(default 200; more to search harder, e.g. ``BAD_INPUT_CASES=2000 BAD_INPUT_SEED=7``). A failure prints the
page, the seed, the case's number, the page's URL before the case and the case's exact actions, with a
``replay(...)`` line that opens that URL and applies them. ``BAD_INPUT_VERBOSE=1`` (with ``-s``) prints
what each page's cases did.

Not tested here, Streamlit's own limits: a forged message of another wire type (a bool for a slider, a
float for an integer box, text for a number) or a component value that is not JSON makes Streamlit's
deserializers raise before any page code runs; and AppTest refuses ``set_value`` of a non-option (the
forged messages send those).
"""

import json
import math
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from inspect import getclosurevars

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Widget
from streamlit.testing.v1.util import patch_config_options

from bench.harness import app_pages
from landscapes import LANDSCAPES
from landscapes.expression import compile_expression
from landscapes.typed import typed_key, typed_landscape
from tests.apptest.helpers import ROOT, component_args, forge, send_component
from ui.controls import TYPED, TYPED_EXAMPLE
from ui.state import MAX_URL_TEXT

SEED = int(os.environ.get("BAD_INPUT_SEED", "0"))
CASES = int(os.environ.get("BAD_INPUT_CASES", "200"))  # per page: session cases and links
LINKS = 0.3  # of a page's cases; one link in 15 opens a fresh session
RERUN_LIMIT_S = 30.0
TOKEN = "b4d#1nput"  # in every injected text; the '#' keeps the formula compiler from echoing it as a name
CURRENT = "@current"  # a player report's reset token: the one the player was drawn with (replays work)
KINDS = ("selectbox", "select_slider", "slider", "number_input", "radio", "toggle", "multiselect",
         "button_group", "text_input", "checkbox")

# ---------------------------------------------------------------------------------------- hostile values

MARKERS = (
    f"<script>alert('{TOKEN}')</script>",
    f'<img src=x onerror="alert(\'{TOKEN}\')">',
    f"![{TOKEN}](https://example.invalid/{TOKEN}.png)",
    f"[{TOKEN}](javascript:alert(1))",
    f"**{TOKEN}** <b>{TOKEN}</b> $\\href{{javascript:alert(1)}}{{{TOKEN}}}$",
    f"</div><iframe src=javascript:alert(1)>{TOKEN}",
    f"{TOKEN}\n\n# heading\n\n```\ncode\n```",
)
NUMBER_TEXTS = ("nan", "NaN", "-nan", "inf", "-inf", "+inf", "Infinity", "-Infinity", "1e309", "-1e309",
                "1e-400", "-0", "0", "4.9e-324", "1.7976931348623157e308", "0x1A", "1_000", "١٢", "½", "3.",
                ".5", " 3 ", "1e3", "-1", "2147483648", "-2147483649", str(2**63), str(-(2**63) - 1),
                "1" + "0" * 30, "9" * 400, "-" + "9" * 400, "1e30", "-1e30")
WORD_TEXTS = ("", " ", "\t", "\n", "true", "false", "yes", "off", "null", "None", "undefined", "[]", "{}",
              "[1, 2]", ",", ",,,", "a,,b", "%00", "\x00", "%3Cscript%3E", "../../etc/passwd",
              "__class__", "__proto__", "constructor", "é", "🙂" * 20, "\u202egnp.exe", "x" * 300,
              "0" * MAX_URL_TEXT, "7" * (MAX_URL_TEXT + 1), "A" * 100_000, "1\n2")
HOSTILE_TEXTS = NUMBER_TEXTS + WORD_TEXTS + MARKERS
HOSTILE_FLOATS = (math.nan, math.inf, -math.inf, 1e308, -1e308, 1.7976931348623157e308, 5e-324, -5e-324,
                  -0.0, 1e30, -1e30, 2.0**63, -(2.0**63))
HOSTILE_OBJECTS = (math.nan, math.inf, -math.inf, 10**400, -(10**400), 2**63, -1, 0, 3.5, True, False, None,
                   "", "abc", "nan", [], [1, 2], {}, {"a": 1}, (1, 2), b"bytes", *MARKERS[:2])
FORMULAS_INVALID = (  # each fails to compile: a warning on the page, no compilation
    "", " ", "x +", "x ^ 2", "x**1000", "9**9**9", "__import__('os')", "x.real", "[x, y]", "lambda: x",
    "sin(x, y)", "z + x", "x y", "2x", "x = 1", "open('/etc/passwd')", "(" * 61 + "x" + ")" * 61,
    "x" + "+x" * 200, "J(x, y) = ", "1e1000000 * x", "nan * x", "inf + y", "x²", "√x", "хх", *MARKERS)
FORMULAS_VALID = (  # nasty surfaces that still compile (once per formula and domain)
    "exp(1000*x) + y", "1/(x - y)", "log(x) + sqrt(y)", "x**y", "0*x", "tan(x)*1000000 + y**2",
    "maximum(x, y)/minimum(x, y)", "sqrt(-1 - x**2) + y")
OTHER_KEYS = ("bogus", "", " ", "__proto__", "constructor", "page", "x" * 500, "embed", "embed_options",
              "race", "lr.adam", "net", "points", "stop", "batch", "x0.trap", "data", *MARKERS[:3])


def _literal(value):
    """Python source for a value, exactly (NaN and ±inf, long repeated texts and 10**n spelled short)."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, str) and len(value) > 40:
        for head in range(9):
            rest = value[head:]
            for size in range(1, 9):
                if rest and len(rest) % size == 0 and rest[:size] * (len(rest) // size) == rest:
                    repeated = f"{rest[:size]!r} * {len(rest) // size}"
                    return f"{value[:head]!r} + {repeated}" if head else repeated
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_literal(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**40:
        digits = str(abs(value))
        if digits == "1" + "0" * (len(digits) - 1):
            return f"{'-' if value < 0 else ''}10**{len(digits) - 1}"
    return repr(value)


# ----------------------------------------------------------------------------------------------- fields


def field_info(f):
    """What a state field accepts, read from the closures ``ui.state`` builds: ("options", values),
    ("number", low, high, integer), ("text", max length) or ("flag",)."""
    valid = getclosurevars(f.valid).nonlocals
    if "options" in valid or "stops" in valid:
        return ("options", tuple(valid.get("options", valid.get("stops"))))
    if "low" in valid:
        integer = bool(getclosurevars(f.parse).nonlocals.get("integer"))
        return ("number", float(valid["low"]), float(valid["high"]), integer)
    if "max_length" in valid:
        return ("text", int(valid["max_length"]))
    return ("flag",)


def safe_valid(f, value):
    """The field's own check, as ``ui.state.bind`` applies it (False where it cannot even compare)."""
    try:
        return bool(f.valid(value))
    except Exception:  # noqa: BLE001 - an object the check cannot handle
        return False


def url_landing(f, values):
    """The value a field takes from a link carrying ``values`` (the last counts), as ``ui.state.from_url``
    reads it."""
    text = values[-1] if isinstance(values, list) else values
    if not isinstance(text, str) or len(text) > MAX_URL_TEXT:
        return f.default
    try:
        parsed = f.parse(text)
    except Exception:  # noqa: BLE001 - from_url ignores it too
        parsed = None
    return f.default if parsed is None else parsed


def formula_compiles(text):
    """Whether a typed formula compiles (then the page compiles it for JAX)."""
    try:
        compile_expression(str(text))
    except Exception:  # noqa: BLE001 - a formula the page refuses with a warning
        return False
    return True


# ------------------------------------------------------------------------------------------------ pages

TYPED_DEFAULTS = {"formula": TYPED_EXAMPLE, "x_from": -3.0, "x_to": 3.0, "y_from": -3.0, "y_to": 3.0,
                  "typed_min": False, "min_x": 0.0, "min_y": 0.0}


def surface(values, default):
    """The surface a page computes with: the typed one where it is valid, else the chosen one (a wrong
    formula or domain shows the page's usual surface)."""
    chosen = values.get("landscape", default)
    if chosen != TYPED:
        return chosen if chosen in LANDSCAPES else default
    v = {k: values.get(k, d) for k, d in TYPED_DEFAULTS.items()}
    try:
        key = typed_key(str(v["formula"]), ((v["x_from"], v["x_to"]), (v["y_from"], v["y_to"])),
                        (v["min_x"], v["min_y"]) if v["typed_min"] else None)
        typed_landscape(key)  # closures only: nothing compiles for JAX
    except Exception:  # noqa: BLE001 - not a surface: the page says so and keeps its usual one
        return default
    return key


@dataclass
class Page:
    """How to drive one page cheaply: what decides its compilations and which of those values to use."""

    shape: Callable[[dict], tuple] = lambda values: ()  # noqa: E731 - field values -> what JAX compiles
    choices: dict = field(default_factory=dict)  # field key -> callable(rng, field) -> values to use
    budget: int = 1  # different shapes the page may run, presets aside
    ok: Callable[[tuple], bool] = lambda shape: True  # noqa: E731 - shapes worth their compilation
    keep: dict = field(default_factory=dict)  # URL values every link carries unless it sets them itself


def _pick(*fixed, more=1):
    """The field's default, ``fixed`` and ``more`` seeded other options."""

    def choose(rng, f):
        info = field_info(f)
        if info[0] == "number":  # a slider over whole numbers (the network's depth)
            options = list(range(int(info[1]), int(info[2]) + 1))
        else:
            options = list(info[1])
        chosen = [f.default, *(v for v in fixed if v in options)]
        rest = [o for o in options if o not in chosen]
        return tuple(dict.fromkeys([*chosen, *rng.sample(rest, min(more, len(rest)))]))

    return choose


def _ends(rng, f):
    """The field's default and its first and last option."""
    options = field_info(f)[1]
    return tuple(dict.fromkeys([f.default, options[0], options[-1]]))


def _stops(rng, f):
    """The lecture's stops: the first two, two neighbours in the middle and the last two (Next and Back
    walk between them)."""
    last = int(field_info(f)[2])
    middle = rng.randint(3, last - 3)
    return (1, 2, middle, middle + 1, last - 1, last)


def _typed_choices():
    """The typed surface: its example and one nasty formula that compiles, domains at the edges."""
    return {
        "formula": lambda rng, f: (f.default, rng.choice(FORMULAS_VALID)),
        "x_from": lambda rng, f: (f.default, rng.choice((-1000.0, 2.9, 0.0))),
        "x_to": lambda rng, f: (f.default, rng.choice((1000.0, -3.0, 1e-3))),
        "y_from": lambda rng, f: (f.default, -1000.0),
        "y_to": lambda rng, f: (f.default, 1000.0),
        "typed_min": lambda rng, f: (False, True),
        "min_x": lambda rng, f: (f.default, rng.choice((-1000.0, 1000.0, 2.5))),
        "min_y": lambda rng, f: (f.default, rng.choice((-1000.0, 1000.0, -2.5))),
    }


def _network(values):
    return (values.get("points", 100), values.get("depth", 3), values.get("width", 32),
            values.get("activation", "relu"), values.get("train_steps", 2000),
            float(values.get("dropout", 0.0)) > 0)


def _small_network(shape):
    """The Overfitting page's networks the other tests train too: the page's own (3 × 32 ReLU on 100
    points) and the smallest (1 × 2 ReLU, 500 steps). Every other network compiles for 5–20 s, and a
    500-point, 6-layer one trains for seconds on every new setting."""
    points, depth, width, activation, steps, _ = shape
    own, smallest = (depth, width, points) == (3, 32, 100), (depth, width, steps) == (1, 2, 500)
    return activation == "relu" and (own or smallest)


PAGES = {
    "lecture": Page(lambda v: (v.get("stop", 1),), {"stop": _stops}, budget=6),
    "gradient_descent": Page(
        lambda v: (surface(v, "quadratic"), v.get("optimizer", "sgd")),
        {"landscape": _pick(TYPED), "optimizer": _pick(more=2), **_typed_choices()}, budget=6),
    "backpropagation": Page(),
    "learning_rate": Page(
        lambda v: (surface(v, "trap"), v.get("optimizer", "sgd"), v.get("schedule", "constant")),
        {"landscape": _pick(TYPED), "optimizer": _pick(), "schedule": _pick(more=2), **_typed_choices()},
        budget=6),
    # A surface new to the race compiles seven optimizers (and "Fair comparison" seven sweeps): the two
    # its presets use.
    "optimizer_race": Page(lambda v: (surface(v, "rosenbrock"),), {"landscape": _pick("quadratic", more=0)},
                           budget=2, ok=lambda shape: shape[0] in ("rosenbrock", "quadratic")),
    "mini_batches": Page(lambda v: (v.get("data", "linear"), v.get("n", 200)), {"data": _pick(), "n": _ends},
                         budget=5),
    "overfitting": Page(
        _network, {"points": _pick(50, more=0), "depth": _pick(1, more=0), "width": _pick(2, more=0),
                   "activation": _pick(more=0), "train_steps": _pick(500, more=0),
                   "dropout": lambda rng, f: (0.0, 0.05, 0.8, rng.choice((0.25, 0.5, 0.75)))},
        budget=4, ok=_small_network,
        keep={"train_steps": "500"}),  # a quarter of the page's 2,000 steps: every new setting trains
    "loss_landscape": Page(lambda v: (v.get("net", "tanh"), v.get("view", "slice")),
                           {"net": _pick(), "view": _pick(more=3)}, budget=6),
}


# ------------------------------------------------------------------------------------------ the session


def widgets(at):
    """Every keyed widget on the page by key."""
    return {w.key: w for kind in KINDS for w in getattr(at, kind) if w.key}


def players(at):
    """The keys of the path players on the page (the components that report a step and clicks)."""
    keys = []
    for element in at.get("component_instance"):
        args = json.loads(element.proto.json_args)
        if args.get("mode") == "player":
            keys.append(args.get("key"))
    return keys


def button_name(b):
    return b.key or b.label


_COMPONENTS = []  # the v2 component registry of the module's first session


def open_page(page, query):
    """A new session opened on ``page`` from a link with ``query`` (the router runs once first, without
    it: AppTest switches pages only after a run). Returns (AppTest, seconds the link's run took)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    # AppTest scans every installed package's metadata for Streamlit's v2 components on a session's first
    # run (0.5 s; the app has none): the sessions of this module share one registry.
    if _COMPONENTS and hasattr(at, "_bidi_component_manager"):
        at._bidi_component_manager = _COMPONENTS[0]
    at.run()
    if not _COMPONENTS and getattr(at, "_bidi_component_manager", None) is not None:
        _COMPONENTS.append(at._bidi_component_manager)
    at.switch_page(page)
    at.query_params.update(query)
    started = time.perf_counter()
    at.run()
    return at, time.perf_counter() - started


def perform(at, action, extra_states):
    """Apply one action before the next run; a player's report goes into ``extra_states``."""
    how, key, value = action
    if how == "set":
        widgets(at)[key].set_value(value)
    elif how == "forge":  # value: the WidgetState's fields
        forge(widgets(at)[key], value)
    elif how == "state":
        at.session_state[key] = value
    elif how in ("click", "force-click"):
        button = next(b for b in at.button if button_name(b) == key)
        if how == "click":
            button.click()
        else:  # a forged click: AppTest refuses to click a disabled button
            button._value = True
    elif how == "report":  # sent as JSON; CURRENT stands for the player's reset token
        if isinstance(value, dict) and value.get("reset") == CURRENT:
            value = dict(value, reset=component_args(at, key).get("reset"))
        extra_states.append(send_component(at, key, json.dumps(value)))
    elif how == "revisit":  # the page opened again from a link: a new visit reads every field from it
        at.session_state["_state.page"] = None
        at.query_params.clear()
        at.query_params.update(value)
    else:
        raise ValueError(how)


def run_with(at, extra_states):
    """Run the page with the widgets' states and the extra (player) ones."""
    if not extra_states:
        return at.run()
    states = at._tree.get_widget_states()
    states.widgets.extend(extra_states)
    return at._run(states)


def replay(page, query, actions):
    """Open ``page`` from a link with ``query``, apply a failing case's ``actions`` and run it; returns
    the AppTest (see ``at.exception``, ``at.error``)."""
    with patch_config_options({"client.showErrorDetails": "full"}):
        at, _ = open_page(page, query)
        extra = []
        for action in actions:
            perform(at, action, extra)
        run_with(at, extra)
    return at


# ------------------------------------------------------------------------------------------------ checks


def problems(at, seconds):
    """What is wrong with the page after a case: exceptions, errors, the token on the page, slowness."""
    found = [f"uncaught exception: {e.message}\n{chr(10).join(e.stack_trace)[-1500:]}" for e in at.exception]
    found += [f"st.error: {e.value}" for e in at.error]
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "SerializeToString"):
            continue
        if isinstance(node, Widget):  # a widget may hold the text as its value; its label and help may not
            if any(TOKEN in str(getattr(proto, name, "")) for name in ("label", "help", "placeholder")):
                found.append(f"injected text in the label or help of {node.type} {node.key!r}")
        elif TOKEN.encode() in proto.SerializeToString():
            html = node.type == "html" or bool(getattr(proto, "allow_html", False))
            found.append(f"injected text echoed in a{'n HTML' if html else ''} {node.type} element: "
                         f"{str(proto)[:300]}")
    if seconds >= RERUN_LIMIT_S:
        found.append(f"the run took {seconds:.1f} s (limit {RERUN_LIMIT_S:.0f} s)")
    return found


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


# -------------------------------------------------------------------------------------------- the cases


class Driver:
    """One page's seeded cases, on one AppTest session."""

    def __init__(self, lesson, page_file, seed):
        self.lesson, self.file, self.seed = lesson, page_file, seed
        self.rng = random.Random(f"bad-input/{lesson}/{seed}")
        self.page = PAGES.get(lesson, Page())
        self.fields = {}  # every field the page has shown in this session, by key
        self.allowed = {}  # field key -> the values its widget takes (drawn when the field first shows)
        self.current = {}  # every known field's value after the last run
        self.seen = set()  # the shapes run so far
        self.failures = []
        self.stats = Counter()  # what the cases did (BAD_INPUT_VERBOSE)
        self.slowest = (0.0, 0)
        self.at = None

    # -- what the page runs with

    def learn(self):
        """Remember the page's fields, their values and the shape the page ran with."""
        try:
            state = self.at.session_state.to_dict()
        except Exception:  # noqa: BLE001 - a state Streamlit cannot read back (the case failed already)
            state = {}
        self.fields.update(state.get("_state.fields", {}))
        for key, choose in self.page.choices.items():
            if key in self.fields and key not in self.allowed:
                self.allowed[key] = choose(self.rng, self.fields[key])
        # Each value where bind() keeps it: an invalid one goes back to the default.
        self.current = {key: state[key] if key in state and safe_valid(f, state[key]) else f.default
                        for key, f in self.fields.items()}
        self.seen.add(self.shape_of(self.current))

    def shape_of(self, values):
        try:
            return self.page.shape(values)
        except Exception:  # noqa: BLE001 - an odd value: a shape of its own
            return ("unreadable", repr(values)[:200])

    def fits(self, changes):
        """Whether the page, with ``changes`` to its values, runs a shape it ran before or may still run."""
        shape = self.shape_of(dict(self.current, **changes))
        return shape in self.seen or (len(self.seen) < self.page.budget and self.page.ok(shape))

    def landing(self, action):
        """The values an action gives the fields behind the page's shape ({} for none); None where it
        cannot be told (a forged value: where Streamlit puts it is Streamlit's business)."""
        how, key, value = action
        if how == "revisit":
            return {k: url_landing(f, value[k]) if k in value else f.default for k, f in self.fields.items()
                    if k in self.page.choices}
        if how in ("click", "force-click") and key in ("Next", "Back") and "stop" in self.fields:
            stop = int(self.current.get("stop", 1)) + (1 if key == "Next" else -1)
            return {"stop": min(max(stop, 1), int(field_info(self.fields["stop"])[2]))}
        if key not in self.page.choices:
            return {}  # presets aside: their shapes are the page's own tests' too
        if key == "formula":
            text = value.get("string_value") if how == "forge" else value
            if not formula_compiles(text):
                return {}  # the page refuses it with a warning
        if how == "set":
            return {key: value}
        if how == "state":
            f = self.fields[key]
            return {key: value if safe_valid(f, value) else f.default}
        return None

    # -- values

    def number_action(self, w, info):
        """A value for a slider or number input: in range, at an end, beyond, NaN, ±inf; sent through
        set_value or as a forged message."""
        rng, kind = self.rng, type(w).__name__
        _, low, high, integer = info
        step = float(getattr(w, "step", 0) or (1 if integer else (high - low) / 100))
        roll = rng.random()
        if roll < 0.35:
            value = (low + rng.randint(0, int((high - low) / step)) * step if rng.random() < 0.7
                     else rng.uniform(low, high))
            value = min(max(value, low), high)
        elif roll < 0.55:
            value = rng.choice((low, high))
        elif roll < 0.8:
            value = rng.choice((high + step * rng.randint(1, 20), low - step * rng.randint(1, 20),
                                high * 10.0 ** rng.randint(1, 300) if high > 0 else 1e300,
                                low - 10.0 ** rng.randint(1, 300), low + step / 3))
        else:
            value = rng.choice(HOSTILE_FLOATS)
        if integer and kind == "NumberInput":
            # An integer box sends an int64: a float (NaN above all) is another wire type, which breaks
            # Streamlit's own deserializer before any page code runs.
            if math.isfinite(value) and abs(value) < 2**63:
                return "set", int(value)
            return "set", rng.choice((2**63 - 1, -(2**63)))
        if integer and math.isfinite(value) and abs(value) < 2**62 and rng.random() < 0.5:
            value = int(value)
        if rng.random() < 0.25 and kind == "Slider":  # forged: none, one or several numbers
            return "forge", {"double_array_value": [float(rng.choice((value, *HOSTILE_FLOATS)))
                                                    for _ in range(rng.choice((0, 1, 2, 3)))]}
        if rng.random() < 0.25 and kind == "NumberInput":
            return "forge", {"double_value": float(value)}
        return "set", value

    def option_action(self, w, options):
        """A choice for a select box, select slider, radio, multiselect or segmented control: an option,
        an end, none, or forged text that is no option (also unknown and repeated ones in a list)."""
        rng, kind = self.rng, type(w).__name__
        labels = list(getattr(w, "options", []))
        if kind == "Multiselect":
            if rng.random() < 0.7:
                return "set", rng.sample(options, rng.randint(0, len(options)))
            junk = [rng.choice((*labels, *labels, *HOSTILE_TEXTS)) for _ in range(rng.randint(0, 6))]
            return "forge", {"string_array_value": junk}
        if rng.random() < 0.65:
            if kind == "SelectSlider" and rng.random() < 0.4:
                return "set", rng.choice((options[0], options[-1]))
            return "set", rng.choice(options)
        junk = rng.choice((*HOSTILE_TEXTS, *labels, *(str(o) for o in options), *(f"{o} " for o in labels)))
        if kind in ("SelectSlider", "ButtonGroup"):
            count = rng.choice((0, 1, 1, 2))
            return "forge", {"string_array_value": [junk, rng.choice(labels or [junk])][:count]}
        return "forge", {"string_value": junk}

    def text_action(self, key):
        """Text: hostile, very long, markup; for the typed formula also formulas, valid ones from its set."""
        rng = self.rng
        if key == "formula":
            valid = [t for t in self.allowed.get(key, ()) if formula_compiles(t)]
            text = (rng.choice(valid) if valid and rng.random() < 0.3
                    else rng.choice((*FORMULAS_INVALID, *WORD_TEXTS)))
        else:
            text = rng.choice(HOSTILE_TEXTS)
        return ("forge", {"string_value": text}) if rng.random() < 0.2 else ("set", text)

    def widget_action(self, w):
        """One action on widget ``w``: ("set" | "forge", key, value), or None."""
        f = self.fields.get(w.key)
        if f is None:
            return None
        kind, info = type(w).__name__, field_info(f)
        if kind in ("Toggle", "Checkbox"):
            return "set", w.key, self.rng.random() < 0.5
        if kind == "TextInput":
            how, value = self.text_action(w.key)
        elif w.key in self.allowed:  # a value that decides what JAX compiles: one of the field's set
            how, value = "set", self.rng.choice(self.allowed[w.key])
        elif info[0] == "number":
            how, value = self.number_action(w, info)
        elif info[0] == "options":
            how, value = self.option_action(w, list(info[1]))
        else:
            return None
        return how, w.key, value

    def valid_value(self, f):
        """A random value the field accepts."""
        info = field_info(f)
        if info[0] == "options":
            return self.rng.choice(info[1])
        if info[0] == "number":
            _, low, high, integer = info
            if integer:
                return self.rng.randint(int(low), int(min(high, 2**31)))
            return self.rng.uniform(low, high)
        if info[0] == "flag":
            return self.rng.random() < 0.5
        return self.rng.choice(HOSTILE_TEXTS)

    def report(self, key):
        """What a browser, or a forged message, reports from the path player ``key``."""
        rng = self.rng
        if rng.random() < 0.08:
            return rng.choice(([], None, "text", 5, True, math.inf, math.nan, {}, TOKEN, [MARKERS[0]]))
        value = {"reset": CURRENT if rng.random() < 0.85 else rng.choice((None, "stale", "1.0", 0, TOKEN))}
        runs = component_args(self.at, key).get("figure", {}).get("runs", [])
        last = max((len(run.get("path", "")) * 3 // 32 for run in runs), default=100)  # base64 float32 pairs
        if rng.random() < 0.8:
            value["step"] = rng.choice((rng.randint(0, max(last, 1)), 0, -1, last, last + 1, 1000, 1001,
                                        10**40, -(10**40), 2.5, math.nan, math.inf, "3", None, True, [1], {}))
        if rng.random() < 0.5:
            value["whole"] = rng.choice((True, False, "yes", 1, None, math.nan))
        if rng.random() < 0.4:
            value["click_seq"] = rng.choice((rng.randint(1, 10**6), 0, -1, 10**40, "1", None, 1.5))
            value["click"] = rng.choice((
                [rng.uniform(-5, 5), rng.uniform(-5, 5)], [rng.uniform(-1e6, 1e6), rng.uniform(-1e6, 1e6)],
                [1e308, -1e308], [math.nan, 1.0], [math.inf, 0.0], [0.0], [1, 2, 3], [], "x", {"x": 1},
                [True, 1.0], [None, None], ["1", "2"], [10**400, 0]))
        return value  # JSON with NaN, Infinity and 400-digit numbers: no browser sends those

    def url_value(self, f):
        """Query text for field ``f`` (None: a key the page does not have)."""
        rng = self.rng
        roll = rng.random()
        if f is not None and roll < 0.25:
            info = field_info(f)
            if info[0] == "options":
                options = [repr(o) if isinstance(o, float) else str(o) for o in info[1]]
                return rng.choice((rng.choice(options), ",".join(rng.choices(options, k=3)),
                                   rng.choice(options).upper(), " " + rng.choice(options)))
            if info[0] == "number":
                _, low, high, _ = info
                return rng.choice((repr(low), repr(high), repr(rng.uniform(low, high)), repr(high + 1),
                                   repr(low - 1), repr(high * 1e6 + 1), repr(rng.uniform(low, high))[:5]))
        if f is not None and f.key == "formula" and roll < 0.5:
            return rng.choice((*FORMULAS_INVALID, *FORMULAS_VALID))
        return rng.choice(HOSTILE_TEXTS)

    # -- cases

    def link(self):
        """Hostile query parameters for a link to the page, {name: text or [texts]}."""
        rng = self.rng
        query = {}
        for _ in range(rng.choice((1, 2, 3, 5, 8))):
            own = rng.random() < 0.8 and self.fields
            key = rng.choice(list(self.fields)) if own else rng.choice(OTHER_KEYS)
            query[key] = self.url_value(self.fields.get(key))
        if rng.random() < 0.2:  # a repeated key: the last value counts
            key = rng.choice(list(query))
            query[key] = [self.url_value(self.fields.get(key)) for _ in range(rng.randint(2, 3))]
        return {**self.page.keep, **query}

    def session_case(self):
        """The actions of one case in the running session."""
        rng = self.rng
        on_page = widgets(self.at)
        roll = rng.random()
        if roll < 0.12 and self.at.button:
            button = rng.choice(list(self.at.button))
            if not button.disabled:
                return [("click", button_name(button), True)]
            return [("force-click", button_name(button), True)] if rng.random() < 0.3 else []
        if roll < 0.24 and players(self.at):
            key = rng.choice(players(self.at))
            return [("report", key, self.report(key))]
        hidden = [key for key in self.fields if key not in on_page]
        if roll < 0.34 and hidden:
            f = self.fields[rng.choice(hidden)]
            return [("state", f.key, rng.choice((*HOSTILE_OBJECTS, f.default, self.valid_value(f))))]
        chosen = rng.sample(list(on_page.values()), min(len(on_page), rng.choice((1, 1, 2, 3))))
        return [action for action in map(self.widget_action, chosen) if action is not None]

    def fitting(self, draw):
        """A case from ``draw`` that keeps the page within its shapes (30 tries), or []."""
        for _ in range(30):
            actions = draw()
            changes = {}
            for action in actions:
                landed = self.landing(action)
                if landed is None:
                    break
                changes.update(landed)
            else:
                if actions and (not changes or self.fits(changes)):
                    return actions
        return []

    # -- running

    def run(self):
        links = max(1, round(CASES * LINKS))
        fresh = max(1, links // 15)
        plan = ["fresh link"] * fresh + ["link"] * (links - fresh) + ["session"] * (CASES - links)
        self.rng.shuffle(plan)
        self.at, seconds = open_page(self.file, self.page.keep)
        self.check(0, "first run", self.page.keep, [], seconds)
        for number, kind in enumerate(plan, start=1):
            before = dict(self.at.query_params)
            if kind == "fresh link":
                found = self.fitting(lambda: [("revisit", None, self.link())])
                query = found[0][2] if found else dict(self.page.keep)
                try:
                    self.at, seconds = open_page(self.file, query)
                except Exception as error:  # noqa: BLE001 - AppTest's timeout
                    self.fail(number, kind, query, [], [f"{type(error).__name__}: {error}"])
                    self.at, _ = open_page(self.file, self.page.keep)
                else:
                    self.check(number, kind, query, [], seconds)
                continue
            draw = (lambda: [("revisit", None, self.link())]) if kind == "link" else self.session_case
            actions, extra = [], []
            for action in self.fitting(draw):
                try:
                    perform(self.at, action, extra)
                except Exception:  # noqa: BLE001 - AppTest refused the value (a harness limit): skip it
                    continue
                actions.append(action)
            started = time.perf_counter()
            try:
                run_with(self.at, extra)
            except Exception as error:  # noqa: BLE001 - AppTest's timeout, or a run that broke the harness
                self.fail(number, kind, before, actions, [f"the run raised {type(error).__name__}: {error}"])
                self.at, _ = open_page(self.file, before)
                continue
            self.check(number, kind, before, actions, time.perf_counter() - started)
        return self.failures

    def check(self, number, kind, before, actions, seconds):
        """Check the page after a case; remember what it runs with."""
        self.stats[kind] += 1
        self.stats.update(action[0] for action in actions)
        self.slowest = max(self.slowest, (seconds, number))
        found = problems(self.at, seconds)
        if found:
            self.fail(number, kind, before, actions, found)
        self.learn()

    def fail(self, number, kind, before, actions, found):
        query, done = _literal(before), _literal(actions)
        self.failures.append(
            f"{self.lesson}, seed {self.seed}, case {number} of {CASES} ({kind}):\n"
            + "\n".join(f"  - {p}" for p in found)
            + f"\n  URL before the case: {query}\n  actions: {done}\n"
            f"  this case alone (Python, from the repository root):\n"
            f"    from tests.apptest.test_bad_input import replay\n"
            f"    at = replay({self.file!r}, {query}, {done}); print(at.exception, at.error)\n"
            f"  the page's cases in order: BAD_INPUT_SEED={self.seed} BAD_INPUT_CASES={CASES} "
            f".venv/bin/python -m pytest tests/apptest/test_bad_input.py -k {self.lesson}")


# ------------------------------------------------------------------------------------------------- tests


@pytest.fixture(scope="module", autouse=True)
def detailed_errors():
    """An uncaught exception keeps its message and traceback (the app's config hides them from
    visitors). Background warm-ups are off in every AppTest (conftest.py)."""
    with patch_config_options({"client.showErrorDetails": "full"}):
        yield


@pytest.mark.parametrize("page_file", [page.file for page in app_pages()], ids=lambda p: p.split("/")[1])
def test_hostile_input_leaves_the_page_healthy(page_file):
    lesson = page_file.split("/")[1]
    driver = Driver(lesson, page_file, SEED)
    started = time.perf_counter()
    failures = driver.run()
    if os.environ.get("BAD_INPUT_VERBOSE"):
        print(f"\n{lesson}: {time.perf_counter() - started:.1f} s, {dict(driver.stats)}; slowest run "
              f"{driver.slowest[0]:.2f} s (case {driver.slowest[1]}); {len(driver.seen)} shapes: "
              f"{sorted(map(str, driver.seen))}")
    assert not failures, f"{len(failures)} failing cases\n\n" + "\n\n".join(failures[:8])
