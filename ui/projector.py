"""Projector mode: one switch (the sidebar, or ``?present=1``) for a class watching a 1280 × 720 screen.

In the mode the main figure takes the page's width (side panels go below it), figure and page text
are at least 18 px, the sidebar starts collapsed and the long explanations are folded away. Every
page calls ``begin()`` first, and draws its layout with ``columns``, ``intro`` and ``note``.
"""

import streamlit as st

from plotting.style import projector_fonts
from ui import state

FIELD = state.flag("present")
MIN_TEXT_PX = 18
# 1rem = 21 px: body text 21 px, captions (0.875 rem) 18.4 px. The title shrinks (it would take a
# fifth of a 720 px screen) and the page starts just below the header bar (3.75 rem).
STYLE = """<style>
html { font-size: 21px; }
[data-testid="stMainBlockContainer"] { padding-top: 4rem; padding-bottom: 2rem; }
[data-testid="stMain"] h1 { font-size: 2rem; padding-top: 0; }
</style>"""


def begin():
    """Call at the top of every page, after ``state.begin``: the switch in the sidebar and, in the
    mode, the collapsed sidebar and the larger text. Returns whether the mode is on."""
    key = state.bind_app(FIELD)
    on = bool(st.session_state[key])
    st.set_page_config(initial_sidebar_state="collapsed" if on else "auto")
    st.sidebar.toggle("Projector mode", key=key, on_change=state.keep_app, args=(key,),
                      help="For a class: the main figure the width of the screen, larger text, the "
                           "explanations folded away. A link with ?present=1 opens in it.")
    if on:
        st.html(STYLE)
    return on


def is_on():
    """True in projector mode."""
    return bool(st.session_state.get(FIELD.key, False))


def columns(spec, **kwargs):
    """``st.columns(spec)``, or in the mode the same number of containers stacked: the first (the
    main figure) takes the whole width."""
    if is_on():
        return [st.container() for _ in (range(spec) if isinstance(spec, int) else spec)]
    return st.columns(spec, **kwargs)


def intro(text):
    """A page's opening explanation: shown, or folded away in the mode."""
    _shown_or_folded("About this lesson", st.markdown, text)


def note(text):
    """A long caption under a figure: shown, or folded away in the mode."""
    _shown_or_folded("How to read this figure", st.caption, text)


def _shown_or_folded(label, write, text):
    """``write(text)`` on the page, or in the mode inside a closed expander named ``label``."""
    if is_on():
        with st.expander(label):
            write(text)
    else:
        write(text)


def figure_for_screen(figure):
    """A figure dict as the mode shows it: every font at least MIN_TEXT_PX (unchanged out of it)."""
    return projector_fonts(figure, MIN_TEXT_PX) if is_on() else figure
