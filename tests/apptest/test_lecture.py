"""AppTest runs of the lecture's walk through the router: Next through every stop and Back again (the right
sentence, a figure, a measured sentence, no error), ``?stop=`` clamped like every field, and each stop's
link: it holds the stop's settings, and its full page opens on exactly them and draws the same runs."""

from urllib.parse import parse_qsl

import numpy as np
import pytest

from pages.lecture import claims
from pages.lecture.stops import STOPS, page_file
from tests.apptest.helpers import assert_healthy, component_args, figure, fresh, player_runs

PAGE = "pages/lecture/page.py"
REGIMES = ("small", "large", "stable")  # the learning-rate page's panels, in its order
CHART_OF = {"backpropagation": "graph", "loss-landscape": "slice", "overfitting": "curves"}  # full page's key


def button(at, label):
    """The button with this label."""
    found = [b for b in at.button if b.label == label]
    assert len(found) == 1, f"no single button {label!r}"
    return found[0]


def query(at, key):
    """The URL's value of ``key`` (None where it is not in the URL)."""
    value = at.query_params.get(key)
    return value[-1] if isinstance(value, list) else value


def assert_shows(at, number):
    """The page shows stop ``number`` (1-based): its title, its sentence, a figure and what it measured."""
    stop = STOPS[number - 1]
    assert_healthy(at, stop.title)
    assert [t.value for t in at.title] == [stop.title]
    assert f"Stop {number} of {len(STOPS)}" in at.caption[0].value
    markdown = [m.value for m in at.markdown]
    assert f"> {stop.sentence}" in markdown, markdown
    assert any(m.startswith("**What the figure shows.**") for m in markdown), "no measured sentence"
    assert any(m.startswith("**Question for the class.**") and stop.question in m for m in markdown)
    assert not at.warning, [w.value for w in at.warning]
    component_args(at, "player" if stop.page in ("", "learning-rate", "optimizer-race", "mini-batches")
                   else "figure")


def test_next_walks_every_stop_and_back_walks_home():
    at = fresh(PAGE)
    assert button(at, "Back").disabled
    for number in range(1, len(STOPS) + 1):
        assert_shows(at, number)
        assert query(at, "stop") == (None if number == 1 else str(number))
        if number < len(STOPS):
            button(at, "Next").click().run()
    assert button(at, "Next").disabled
    for number in range(len(STOPS), 0, -1):
        assert_shows(at, number)
        if number > 1:
            button(at, "Back").click().run()
    assert button(at, "Back").disabled and query(at, "stop") is None


@pytest.mark.parametrize(("text", "number"), [
    ("3", 3), ("0", 1), ("-4", 1), ("999", len(STOPS)), ("2.6", 3), ("abc", 1), ("", 1), ("nan", 1),
    ("inf", 1), ("1e9", len(STOPS)), ("3" * 3000, 1)])
def test_a_stop_in_the_url_is_read_or_clamped(text, number):
    at = fresh(PAGE, query={"stop": text})
    assert_shows(at, number)


def test_next_opens_the_next_stops_player_at_its_first_step():
    at = fresh(PAGE, query={"stop": "1", "step": "40"})
    assert at.session_state["step"] == 40
    button(at, "Next").click().run()
    assert at.session_state["step"] == 0 and component_args(at, "player")["step"] == 0


def same(value, text):
    """A widget's value against its URL text."""
    if isinstance(value, bool):
        return value == (text in ("1", "true", "yes", "on"))
    if isinstance(value, list | tuple):
        return list(value) == text.split(",")
    if isinstance(value, int | float):
        return float(value) == float(text)
    return str(value) == text


def drawn(at, stop, full_page):
    """What a stop's figure shows, comparable between the lecture and its full page: the player's paths,
    or the chart's traces."""
    if stop.page in CHART_OF:
        key = CHART_OF[stop.page] if full_page else "figure"
        return [(t.get("name"), t.get("z") or t.get("y"), t.get("text")) for t in figure(at, key)["data"]]
    paths = player_runs(at)
    if stop.page == "learning-rate":
        regime = claims.REGIME_OF[stop.claim]
        return [paths[REGIMES.index(regime)]] if full_page else paths
    return paths


@pytest.mark.parametrize("number", range(1, len(STOPS) + 1), ids=[stop.title for stop in STOPS])
def test_the_link_holds_the_settings_and_the_full_page_opens_on_them(number):
    stop = STOPS[number - 1]
    at = fresh(PAGE, query={"stop": str(number)})
    link = at.get("page_link")[0].proto
    assert (link.page, parse_qsl(link.query_string, keep_blank_values=True)) == (stop.page,
                                                                                 list(stop.settings.items()))
    full = fresh(page_file(stop.page), query=stop.settings)
    assert_healthy(full, f"{stop.title} on its full page")
    shown = {key: full.session_state[key] for key in stop.settings}
    assert all(same(shown[key], text) for key, text in stop.settings.items()), (shown, stop.settings)
    mine, theirs = drawn(at, stop, False), drawn(full, stop, True)
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs, strict=True):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)  # the same float32 numbers: the same run
        else:
            assert a == b
