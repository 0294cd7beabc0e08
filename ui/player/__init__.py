"""The path player: a Streamlit component that animates paths over a surface in the browser.

The page sends the figure (``plotting.player.player_figure``); Play, ◀ / ▶ and the scrubber run
in the browser with no round trip, and the step the player settles on comes back as its value, so
everything else on the page that shows "the current step" follows the one step control. The
surface picture is stored once under ``frontend/cache/`` and sent by URL: moving a slider sends
the paths, not the picture.
"""

import hashlib
import math
import os
import shutil
import threading
from functools import partial
from pathlib import Path

import plotly
import streamlit as st
import streamlit.components.v1 as components

from plotting.player import BACKGROUND
from ui import projector, state
from ui.controls import MAX_STEPS

FRONTEND = Path(__file__).parent / "frontend"
CACHE = FRONTEND / "cache"
MAX_PICTURES = 400  # surface pictures kept on disk (a few kB each); the oldest go first
END = -1  # as a step: the last step of the run


def _plotly_bundle():
    """Put the plotly.js that ships with the plotly package beside the player (once per version)."""
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    target = FRONTEND / "plotly.min.js"
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(source, partial)
        partial.replace(target)  # atomic: a second server starting at once sees a whole file


_plotly_bundle()
_component = components.declare_component("path_player", path=str(FRONTEND))


def store_picture(png):
    """Keep a PNG under the player's folder, named by its content; its URL relative to the player."""
    name = hashlib.sha256(png).hexdigest()[:24] + ".png"
    path = CACHE / name
    try:
        os.utime(path)  # in use again: the newest, the last to be pruned
    except FileNotFoundError:
        CACHE.mkdir(exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        partial.write_bytes(png)
        partial.replace(path)
        _prune()
    return f"cache/{name}"


def _age(path):
    """A picture's last use (modification time); -inf where another session's prune just deleted it."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return -math.inf


def _prune():
    """Delete the oldest pictures beyond MAX_PICTURES. Sessions prune at once: a file may vanish meanwhile."""
    pictures = sorted(CACHE.glob("*.png"), key=_age)
    for old in pictures[: max(0, len(pictures) - MAX_PICTURES)]:
        old.unlink(missing_ok=True)


def _with_picture(spec, url):
    """The figure spec with the surface picture's URL in place of the placeholder."""
    layout = dict(spec["layout"], images=[dict(image, source=url) if image["source"] == BACKGROUND else image
                                          for image in spec["layout"]["images"]])
    return dict(spec, layout=layout)


def _reported(key, step_key, whole_key, on_click):
    """Callback: the player settled on a step (or was clicked); keep it in the page's state.

    A value sent before the page last replaced the view (a preset, a link) is stale and ignored.
    Everything in it comes from the browser and is checked.
    """
    value = st.session_state.get(key)
    if not isinstance(value, dict) or value.get("reset") != state.reset_token():
        return
    step = value.get("step")
    if isinstance(step, int) and not isinstance(step, bool) and 0 <= step <= MAX_STEPS:
        st.session_state[step_key] = step
    if isinstance(value.get("whole"), bool):
        st.session_state[whole_key] = value["whole"]
    seq, click = value.get("click_seq"), value.get("click")
    seen = st.session_state.get(f"_player.{key}.click", 0)
    if on_click and isinstance(seq, int) and seq != seen and _is_point(click):
        st.session_state[f"_player.{key}.click"] = seq
        on_click((float(click[0]), float(click[1])))


def _is_point(click):
    """True for a list of two finite numbers that are floats (a forged 400-digit integer is not one)."""
    if not isinstance(click, list) or len(click) != 2:
        return False
    return all(isinstance(c, int | float) and not isinstance(c, bool) and abs(c) < 1e300 and math.isfinite(c)
               for c in click)


def step_fields(default=END):
    """The page's fields for the player's step and its whole-path switch."""
    return state.number("step", default, END, MAX_STEPS, integer=True), state.flag("whole")


def player(figure, *, key, fields, on_click=None):
    """Draw the player; return the step it shows and whether the whole path is on.

    ``fields`` = (step field, whole-path field), from ``step_fields``. The player takes their values
    when the view is new (a first run, a preset, a link); after that its viewer moves the step, and
    each step it settles on comes back into the fields, and so into the URL.
    """
    step_key, whole_key = (state.bind(f) for f in fields)
    token = state.reset_token()
    opened = st.session_state.get(f"_player.{key}")
    if opened is None or opened[0] != token:  # what the player opens on, fixed until the view changes
        opened = (token, int(st.session_state[step_key]), bool(st.session_state[whole_key]))
        st.session_state[f"_player.{key}"] = opened
    spec = projector.figure_for_screen(_with_picture(figure.spec, store_picture(figure.background)))
    _component(mode="player", figure=spec, group=key, step=opened[1], whole=opened[2], reset=token,
               big=projector.is_on(), key=key, default=None,
               on_change=partial(_reported, key, step_key, whole_key, on_click))
    return int(st.session_state[step_key]), bool(st.session_state[whole_key])


def shown_step(step, last):
    """The step a player shows for a run whose last step is ``last`` (END is the last)."""
    return last if step < 0 or step > last else step


def chart(figure, *, key, three_d=False):
    """A Plotly figure drawn by plotly.js in the player's frame: updates cost the browser far less than
    ``st.plotly_chart``, which re-renders the page's React tree around it. ``three_d`` loads the full
    plotly.js (3D traces); every other chart gets the cartesian build, three times quicker to start."""
    _component(mode="chart", figure=_for_screen(figure), group=None, step=0, axes=[],
               bundle="full" if three_d else "cartesian", big=projector.is_on(), key=key, default=None)


def linked_chart(figure, *, key, player_key, last, axes=("x",)):
    """A Plotly figure whose step axes (``axes``) carry a dashed line at the player's step: it follows
    Play, ◀ / ▶ and the scrubber as they move, in the browser (``last``: the run's last step)."""
    opened = st.session_state.get(f"_player.{player_key}", (None, 0, False))[1]
    _component(mode="chart", figure=_for_screen(figure), group=player_key, step=shown_step(opened, last),
               axes=list(axes), big=projector.is_on(), key=key, default=None)


def _for_screen(figure):
    """A Plotly figure (or its dict) as the component takes it, with the projector's fonts in the mode."""
    return projector.figure_for_screen(figure.to_dict() if hasattr(figure, "to_dict") else figure)
