"""Lesson: the lecture, stop by stop. Each stop quotes one sentence of the lecture, shows it live in one
figure at the settings of its full page, says what that figure measured and asks the class a question."""

import streamlit as st

from pages.lecture import claims, lesson
from pages.lecture.stops import STOPS, page_file
from ui import projector, state, warm
from ui.errors import friendly_errors
from ui.player import chart, player, step_fields

state.begin("lecture")
projector.begin()
number = lesson.current()
stop = STOPS[number - 1]

def header():
    """Back, the stop's number, Next; its title and the lecture's sentence."""
    back, counter, forward = st.columns([2, 1.4, 2], vertical_alignment="center")
    back.button("Back", icon=":material/arrow_back:", disabled=number == 1, on_click=lesson.go,
                args=(number - 1,), width="stretch")
    counter.caption(f"Stop {number} of {len(STOPS)}")
    forward.button("Next", icon=":material/arrow_forward:", type="primary", disabled=number == len(STOPS),
                   on_click=lesson.go, args=(number + 1,), width="stretch")
    st.title(stop.title)
    st.markdown(f"> {stop.sentence}")


def discussion():
    """What the figure measured, the question for the class, its answer folded, the full page's link."""
    with friendly_errors("measuring this stop's run"):
        verdict = claims.check(stop)
        if verdict.holds:
            st.markdown(f"**What the figure shows.** {verdict.sentence}")
        else:
            st.warning(f"**At these settings the figure does not show the sentence.** {verdict.sentence}")
    st.markdown(f"**Question for the class.** {stop.question}")
    if stop.answer:
        with st.expander("Answer"):
            st.markdown(stop.answer)
    st.page_link(page_file(stop.page), label="Open this on its full page", icon=":material/open_in_new:",
                 query_params=stop.settings)


def figure():
    """The stop's one live figure."""
    with friendly_errors("drawing this stop's figure"), st.spinner("Computing this stop's run…"):
        if lesson.plays(stop):
            player(lesson.figure(stop), key="player", fields=step_fields(0))
        else:
            chart(lesson.figure(stop), key="figure")


if projector.is_on():
    # The projector's figure takes the screen's width: the sentence above it, the discussion below.
    header()
    figure()
    discussion()
else:
    # The figure from the top of the page on the left, everything else beside it: a whole stop fits a
    # 1280 × 720 screen unscrolled.
    left, right = st.columns([5, 4], gap="large")
    with right:
        header()
        discussion()
    with left:
        figure()

if number < len(STOPS):  # the next stop's runs, computed while the class looks at this one
    warm.ahead(("lecture", number + 1), claims.check, STOPS[number], delay=0.5)
state.write_url()
