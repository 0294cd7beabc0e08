"""Stepping through a run one step at a time: a slider plus previous/next buttons."""

import streamlit as st


def _move(key, delta, last):
    """Button callback: move the step slider by delta, kept inside 0..last."""
    st.session_state[key] = min(max(int(st.session_state.get(key, 0)) + delta, 0), last)


def step_controls(last, key="inspect", label="Step to inspect"):
    """The inspected step k in 0..last, with ◀ / ▶ buttons beside the slider; 0 when last is 0."""
    if last <= 0:
        return 0
    if int(st.session_state.get(key, 0)) > last:
        st.session_state[key] = last
    back, slider, forward = st.columns([1, 12, 1], vertical_alignment="bottom")
    back.button("◀", key=f"{key}.back", help="One step back", on_click=_move, args=(key, -1, last))
    forward.button("▶", key=f"{key}.next", help="One step on", on_click=_move, args=(key, 1, last))
    return int(slider.slider(label, 0, last, 0, key=key))
