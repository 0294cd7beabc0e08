"""The lecture's walk in a real browser at 1280 × 720: Next through every stop, each drawing its figure with
no error; a stop's link opens its full page on the stop's settings; in projector mode every stop's figure,
question, link and Next button fit the screen unscrolled. Screenshots of a few stops go to /tmp to look at."""

import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from pages.lecture.stops import STOPS
from tests.browser.conftest import ERROR_ELEMENTS, VIEWPORT, frame_of, open_page, wait_until_idle
from tests.browser.test_pages import wait_for

pytestmark = pytest.mark.browser

SHOTS = Path(tempfile.gettempdir())
LOOKED_AT = {1, 4, 6, 8, 10}  # a path, the slice, a divergence, the race, the loss curves


def runs_drawn(stop):
    """How many paths the stop's player draws (None for a chart)."""
    counts = {"": 1, "learning-rate": 1, "mini-batches": 3}
    if stop.page == "optimizer-race":
        return len(stop.settings["race"].split(","))
    return counts.get(stop.page)


def assert_stop_drawn(page, number):
    """Stop ``number``'s title and counter, its figure drawn (the right number of paths), no error."""
    stop = STOPS[number - 1]
    page.get_by_role("heading", name=stop.title, exact=True).wait_for()
    wait_until_idle(page)
    assert page.get_by_text(f"Stop {number} of {len(STOPS)}").count() == 1
    count = runs_drawn(stop)
    frame = frame_of(page, "figure" if count is None else "player")
    if count is not None:
        wait_for(frame, "n => state.runs.length === n", count, f"stop {number}: the player drew other runs")
    assert frame.evaluate("() => plot._fullData.length") > 0, f"stop {number}: an empty chart"
    assert not frame.evaluate("() => document.body.classList.contains('failed')"), f"stop {number}"
    errors = page.locator(ERROR_ELEMENTS)
    assert errors.count() == 0, f"stop {number}: " + "\n".join(errors.all_inner_texts())
    assert page.get_by_text("What the figure shows.").count() == 1, f"stop {number}: no measured sentence"


def test_next_walks_every_stop_and_each_draws_its_figure(server, page):
    open_page(page, f"{server}/lecture")
    for number in range(1, len(STOPS) + 1):
        assert_stop_drawn(page, number)
        if number in LOOKED_AT:
            page.screenshot(path=str(SHOTS / f"lecture-stop-{number}.png"))
        if number < len(STOPS):
            page.get_by_role("button", name="Next").click()
    assert page.get_by_role("button", name="Next").is_disabled()
    assert dict(parse_qsl(urlsplit(page.url).query))["stop"] == str(len(STOPS))


def test_a_stops_link_opens_its_full_page_on_the_stops_settings(server, page):
    number = next(i for i, stop in enumerate(STOPS, 1) if stop.claim == "diverges")
    stop = STOPS[number - 1]
    open_page(page, f"{server}/lecture?stop={number}")
    page.get_by_role("link", name="Open this on its full page").click()
    page.get_by_role("heading", name="Setting the learning rate").wait_for()
    wait_until_idle(page)
    frame_of(page, "player")
    assert urlsplit(page.url).path.endswith(f"/{stop.page}")
    # The page writes back what differs from its defaults: each of those is the stop's own value.
    written = {key: value for key, value in parse_qsl(urlsplit(page.url).query) if key in stop.settings}
    assert written and all(float(value) == float(stop.settings[key]) if key.startswith(("lr.", "x0", "y0"))
                           else value == stop.settings[key] for key, value in written.items()), written
    slider = page.get_by_role("slider", name="large η")
    assert float(slider.get_attribute("aria-valuetext")) == float(stop.settings["lr.large"])
    assert page.get_by_text("diverged at step").count() >= 1
    assert page.locator(ERROR_ELEMENTS).count() == 0


def inside_the_screen(box):
    """True where an element's box lies within the 1280 × 720 viewport."""
    return (box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"]
            and box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"])


def test_in_projector_mode_every_stop_shows_its_figure_the_screen_wide(server, page):
    """The teacher's walk: projector mode on, Next after Next. Each stop opens on Next and the lecture's
    sentence; its figure below takes at least 70 % of the screen's width, and scrolled to, the plot
    and its Play button fit on the screen together."""
    open_page(page, f"{server}/lecture?present=1")
    for number, stop in enumerate(STOPS, 1):
        assert_stop_drawn(page, number)
        page.evaluate("() => { document.querySelector('[data-testid=\"stMain\"]').scrollTop = 0; }")
        for name, element in (("Next", page.get_by_role("button", name="Next")),
                              ("the sentence", page.locator("blockquote").first)):
            assert inside_the_screen(element.bounding_box()), f"stop {number}: {name} is off the screen"
        if number in LOOKED_AT:
            page.screenshot(path=str(SHOTS / f"lecture-stop-{number}-projector.png"))
        key = "figure" if runs_drawn(stop) is None else "player"
        box = page.locator(f".st-key-{key} iframe").bounding_box()
        assert box["width"] >= 0.7 * VIEWPORT["width"], f"stop {number}: the figure is {box['width']:.0f} px"
        if key == "player":
            player = frame_of(page, "player")
            play = player.get_by_role("button", name="Play")
            play.scroll_into_view_if_needed()
            plot, button = player.locator(".js-plotly-plot").bounding_box(), play.bounding_box()
            assert button["y"] + button["height"] - plot["y"] <= VIEWPORT["height"], (
                f"stop {number}: the plot and its Play button do not fit on the screen together")
        for name, element in (("the question", page.get_by_text("Question for the class.")),
                              ("the link", page.get_by_role("link", name="Open this on its full page"))):
            assert element.count() == 1, f"stop {number}: {name} is missing"
        if number < len(STOPS):
            page.get_by_role("button", name="Next").click()
