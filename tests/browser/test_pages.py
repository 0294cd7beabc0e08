"""The app in a real browser at 1280 x 720: every page draws its charts; the path player plays, steps and
scrubs in the browser, keeps its surface picture, and the rest of the page follows the step it settles
on; a slider redraws the path and the URL reproduces the view; a click on the plot sets the start."""

import math
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bench.harness import app_pages
from tests.browser.conftest import (
    FIRST_VISIT,
    REPO_ROOT,
    VIEWPORT,
    charts_drawn,
    frame_of,
    open_page,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO_ROOT / "screenshots"
RERUN_TIMEOUT_MS = 30_000
AXES = "() => [plot._fullLayout.xaxis.range, plot._fullLayout.yaxis.range]"
RUNS = "() => state.runs.map(run => ({x: Array.from(run.xs), y: Array.from(run.ys)}))"
# The current point as plotted: the last trace, one dot per run of the panel.
POINT = "() => { const t = plot._fullData.at(-1); return [t.x[0], t.y[0]]; }"
STEP = "() => [state.step, state.last, document.getElementById('label').textContent]"
PANEL_AT = """k => (document.querySelector('[data-testid="stMain"]').innerText
    .match(/Step (\\d+) of/) || [])[1] === String(k)"""


PAGES = [(page.path, page.title) for page in app_pages()]  # (URL path, title)


def wait_for(page_or_frame, script, arg, failure):
    """Wait until the JS predicate ``script(arg)`` holds; fail with ``failure`` if it never does."""
    try:
        page_or_frame.wait_for_function(script, arg=arg, polling=100, timeout=RERUN_TIMEOUT_MS)
    except PlaywrightTimeoutError:
        pytest.fail(f"{failure} (waited {RERUN_TIMEOUT_MS / 1000:.0f} s)")


def wait_for_new_runs(page, old, failure):
    """Wait until the player draws runs other than ``old``; return them."""
    wait_for(frame_of(page, "player"), f"(old) => JSON.stringify(({RUNS})()) !== JSON.stringify(old)", old,
             failure)
    wait_until_idle(page)
    return frame_of(page, "player").evaluate(RUNS)


def save_screenshot(page, name):
    """The page as screenshots/<name>.png at the test's viewport, for people to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def panel_step(page):
    """The step the gradient-descent side panel shows ("Step k of N")."""
    match = re.search(r"Step (\d+) of (\d+)", page.locator('[data-testid="stMain"]').inner_text())
    assert match, "no 'Step k of N' on the page"
    return int(match.group(1))


def test_the_first_visitor_after_a_start_can_follow_a_link_to_a_lesson(warm_server):
    """The first session after the server started opened /learning-rate: the lesson, and no "Page not
    found" dialog (Streamlit took pages/ for an old-style pages folder until app.py first ran)."""
    assert FIRST_VISIT["url"].endswith("/learning-rate")
    assert FIRST_VISIT["title"] == "Setting the learning rate", FIRST_VISIT
    assert FIRST_VISIT["not_found"] == 0, FIRST_VISIT


def test_app_declares_pages():
    assert PAGES and sum(path == "" for path, _ in PAGES) == 1


URLS = [("", "root URL")] + [p for p in PAGES if p[0]]


# Text cut by the page's own layout: an element of a button or a widget label whose text is wider than
# the element, where the overflow is hidden (Streamlit ends such text with "…").
CUT_TEXT = """() => [...document.querySelectorAll(
        '[data-testid="stMain"] button, [data-testid="stMain"] [data-testid="stWidgetLabel"]')]
    .flatMap(root => [root, ...root.querySelectorAll('*')])
    .filter(e => { const s = getComputedStyle(e);
                   return e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1
                       && (s.overflowX === 'hidden' || s.textOverflow === 'ellipsis'); })
    .map(e => e.textContent.trim()).filter(text => text)"""
# The smallest font of the text a chart draws, in px, and the chart's width.
CHART_TEXT = """() => { const texts = [...document.querySelectorAll('.main-svg text')]
        .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0);
    return [Math.min(...texts.map(t => parseFloat(getComputedStyle(t).fontSize))),
            document.querySelector('.js-plotly-plot').getBoundingClientRect().width]; }"""
MAIN_TEXT = """() => Math.min(...[...document.querySelectorAll(
        '[data-testid="stMain"] [data-testid="stMarkdownContainer"] p')]
    .filter(p => p.textContent.trim() && p.getBoundingClientRect().width > 0)
    .map(p => parseFloat(getComputedStyle(p).fontSize)))"""
MODES = {"": "usual", "?present=1": "projector"}


@pytest.mark.parametrize("mode", list(MODES), ids=list(MODES.values()))
@pytest.mark.parametrize(("url_path", "title"), URLS, ids=[path or "root" for path, _ in URLS])
def test_page_draws_every_chart_and_cuts_no_label(server, page, url_path, title, mode):
    open_page(page, f"{server}/{url_path}{mode}")
    assert charts_drawn(page) >= 1, f"{title}: no chart drawn"
    assert page.get_by_text("Page not found").count() == 0, f"/{url_path} is not a page"
    widths = page.evaluate("""() => [...document.querySelectorAll('iframe')]
        .map(f => f.getBoundingClientRect().width)""")
    assert min(widths) > 200, f"a chart is squeezed to {min(widths)} px at {VIEWPORT['width']} px"
    assert page.evaluate(CUT_TEXT) == [], f"{title}: text cut at {VIEWPORT['width']} px"
    save_screenshot(page, (url_path or "root") + ("-projector" if mode else ""))
    if mode:
        # The first figure is the page's main one: the width of the screen, its text and the page's
        # text at least 18 px, the sidebar folded away.
        smallest, width = page.frame_locator("iframe").first.locator("body").evaluate(CHART_TEXT)
        assert width >= 0.7 * VIEWPORT["width"], f"{title}: main figure {width:.0f} px wide"
        assert smallest >= 18, f"{title}: chart text of {smallest} px in projector mode"
        assert page.evaluate(MAIN_TEXT) >= 18, f"{title}: page text under 18 px in projector mode"
        sidebar = page.locator('[data-testid="stSidebar"]').bounding_box()
        assert sidebar is None or sidebar["width"] < 10 or sidebar["x"] + sidebar["width"] <= 0


def test_learning_rate_slider_changes_path_and_url(server, page):
    open_page(page, server)
    before = frame_of(page, "player").evaluate(RUNS)
    slider = page.locator('[data-testid="stSidebar"]').get_by_role("slider", name="learning rate η")
    old_value = slider.get_attribute("aria-valuetext")
    slider.focus()
    after = before
    for _ in range(3):  # one key press, one rerun: each step to a smaller rate redraws the path
        page.keyboard.press("ArrowLeft")
        after = wait_for_new_runs(page, after, "changing the learning rate did not redraw the path")
    new_value = slider.get_attribute("aria-valuetext")
    assert new_value != old_value, "the arrow keys did not move the learning-rate slider"
    assert (after[0]["x"][0], after[0]["y"][0]) == (before[0]["x"][0], before[0]["y"][0]), "the start moved"
    # The URL changes through the History API, not a navigation: poll location, not wait_for_url.
    wait_for(page, "v => new URLSearchParams(location.search).get('sgd.learning_rate') === v", new_value,
             f"the URL did not gain sgd.learning_rate={new_value}")
    assert parse_qs(urlsplit(page.url).query)["sgd.learning_rate"] == [new_value]

    shared = page.context.new_page()  # the URL is a link that reproduces the view
    open_page(shared, page.url)
    assert frame_of(shared, "player").evaluate(RUNS) == after
    shared.close()


def test_play_runs_in_the_browser_and_keeps_the_surface(server, page):
    open_page(page, server)
    player = frame_of(page, "player")
    assert player.evaluate(STEP)[0] == 0, "the gradient-descent page opens at step 0"
    image = player.locator("svg image").first.get_attribute("href")
    assert image.startswith("cache/") and image.endswith(".png"), image
    start = player.evaluate(POINT)
    player.get_by_role("button", name="Play").click()
    wait_for(player, "() => state.step > 10", None, "Play did not advance the step")
    assert player.evaluate(POINT) != start, "the point did not move while playing"
    assert player.locator("svg image").count() == 1, "the surface picture left during the animation"
    wait_for(player, "() => !state.playing", None, "the animation did not stop at the end")
    step, last, label = player.evaluate(STEP)
    assert step == last and label.startswith(f"step {last} of {last}")
    # Paused at the end, the page follows the player: the side panel and the URL say the last step.
    wait_for(page, PANEL_AT, last, "the side panel did not follow the player to its end")
    wait_for(page, "k => new URLSearchParams(location.search).get('step') === String(k)", last,
             "the URL did not record the step")


def test_each_step_button_moves_the_picture_and_the_page_follows(server, page):
    open_page(page, server)
    player = frame_of(page, "player")
    points = [player.evaluate(POINT)]
    for k in (1, 2, 3):
        player.get_by_role("button", name="One step on").click()
        wait_for(player, "k => state.step === k", k, f"▶ did not move to step {k}")
        points.append(player.evaluate(POINT))
        assert points[-1] != points[-2], f"step {k}: the number moved but the picture did not"
    wait_for(page, PANEL_AT, 3, "the side panel did not follow the step buttons")
    loss = frame_of(page, "loss")
    marker = loss.evaluate("() => plot._fullLayout.shapes.at(-1).x0")
    assert marker == 3, "the loss chart's marker does not stand at the player's step"


WHOLE_SHOWN = "() => state.wholes.map(i => plot._fullData[i].visible === true)"


def test_the_whole_path_shows_only_at_the_end_or_when_asked(server, page):
    """The dotted whole path would give the ending away: hidden while the run is on its way, shown when
    the player stands at the last step, or when "whole path" is ticked."""
    open_page(page, f"{server}/")
    player = frame_of(page, "player")
    assert player.evaluate(WHOLE_SHOWN) == [False], "the page opens at step 0: no whole path"
    player.locator("#whole").check()
    assert player.evaluate(WHOLE_SHOWN) == [True], "asked for"
    player.locator("#whole").uncheck()
    last = player.evaluate("() => state.last")
    player.locator("#scrub").fill(str(last))
    wait_for(player, "() => state.step === state.last", None, "the scrubber did not reach the end")
    assert player.evaluate(WHOLE_SHOWN) == [True], "paused at the end"
    player.locator("#back").click()
    assert player.evaluate(WHOLE_SHOWN) == [False], "one step back from the end"


def test_scrubbing_moves_the_loss_marker_in_the_browser(server, page):
    open_page(page, server)
    player, loss = frame_of(page, "player"), frame_of(page, "loss")
    player.locator("#scrub").fill("57")  # an input event, as a drag makes
    wait_for(loss, "() => plot._fullLayout.shapes.at(-1).x0 === 57", None,
             "the loss chart's marker did not follow the scrubber")
    assert player.evaluate(STEP)[0] == 57


def test_click_on_plot_sets_the_start(server, page):
    open_page(page, server)
    player = frame_of(page, "player")
    before = player.evaluate(RUNS)
    player.locator(".nsewdrag").first.scroll_into_view_if_needed()  # the plot sits below the fold at 720 px
    box = player.locator(".nsewdrag").first.bounding_box()
    axes = player.evaluate(AXES)
    fx, fy = 0.3, 0.7
    page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    after = wait_for_new_runs(page, before, "clicking the plot did not start a new run")
    (x0, x1), (y0, y1) = axes
    clicked = (x0 + fx * (x1 - x0), y1 - fy * (y1 - y0))  # pixel y grows downwards
    tolerance = 2 * (x1 - x0) / box["width"]  # two pixels
    start = (after[0]["x"][0], after[0]["y"][0])
    assert math.dist(start, clicked) <= 2 * tolerance, f"path starts at {start}, clicked {clicked}"
    sidebar = page.locator('[data-testid="stSidebar"]')
    typed = float(sidebar.get_by_role("spinbutton", name="x₀").input_value())
    assert typed == pytest.approx(start[0], abs=1e-3), "the sidebar does not show the clicked start"


def test_query_params_select_landscape_and_optimizer(server, page):
    open_page(page, f"{server}/?landscape=rosenbrock&optimizer=adam")
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_by_role("combobox", name="Loss surface").input_value() == "Rosenbrock"
    assert sidebar.get_by_role("combobox", name="Optimizer").input_value() == "Adam"
    axes = frame_of(page, "player").evaluate(AXES)
    assert axes[0] == pytest.approx([-2, 2], abs=1e-6) and axes[1] == pytest.approx([-1, 3], abs=1e-6)


def test_garbage_query_params_still_render(server, page):
    open_page(page, f"{server}/?landscape=%3Cscript%3E&steps=-5&sgd.learning_rate=abc&step=1e309&whole=x")
    runs = frame_of(page, "player").evaluate(RUNS)
    assert len(runs[0]["x"]) >= 2 and all(math.isfinite(v) for v in runs[0]["x"] + runs[0]["y"])
    sidebar = page.locator('[data-testid="stSidebar"]')
    landscape = sidebar.get_by_role("combobox", name="Loss surface").input_value()
    assert landscape and "script" not in landscape.lower()
    assert int(sidebar.get_by_role("slider", name="Number of steps").get_attribute("aria-valuetext")) == 1
    assert float(sidebar.get_by_role("slider", name="learning rate η").get_attribute("aria-valuetext")) > 0


def test_a_chart_out_of_sight_is_redrawn_when_it_comes_into_view(server, page):
    """Off screen, a chart skips the redraws a move would cost; scrolled into view it shows the latest."""
    open_page(page, f"{server}/mini-batches")
    noise = frame_of(page, "gradient_noise")
    before = noise.evaluate("() => JSON.stringify(plot.data.map(t => t.name))")
    below = page.locator(".st-key-gradient_noise iframe").bounding_box()["y"]
    assert below > VIEWPORT["height"], "the noise chart starts below the fold at 1280 x 720"
    slider = page.get_by_role("slider", name="Batch size B")
    slider.focus()
    page.keyboard.press("ArrowRight")
    wait_until_idle(page)
    page.wait_for_timeout(500)
    assert noise.evaluate("() => plot.data.find(t => t.name && t.name.startsWith('your batch size')).name") \
        == "your batch size B = 16", "a chart out of sight was redrawn on the move"
    page.locator(".st-key-gradient_noise iframe").scroll_into_view_if_needed()
    wait_for(noise, "() => plot.data.some(t => t.name === 'your batch size B = 17')", None,
             "the chart did not catch up when it came into view")
    assert noise.evaluate("() => JSON.stringify(plot.data.map(t => t.name))") != before


def test_projector_mode_stays_on_from_page_to_page_and_turns_off(server, page):
    open_page(page, f"{server}/?present=1")
    page.locator('[data-testid="stExpandSidebarButton"]').click()
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Learning rate", exact=True).click()
    wait_for(page, "() => location.pathname.endsWith('/learning-rate')", None, "the link did not lead on")
    wait_until_idle(page)
    frame_of(page, "player")
    wait_for(page, "() => location.search.includes('present=1')", None, "the new page's URL lost present=1")
    assert parse_qs(urlsplit(page.url).query).get("present") == ["1"], page.url
    smallest, _ = page.frame_locator(".st-key-player iframe").locator("body").evaluate(CHART_TEXT)
    assert smallest >= 18
    if page.locator('[data-testid="stExpandSidebarButton"]').is_visible():  # it stays open once opened
        page.locator('[data-testid="stExpandSidebarButton"]').click()
    page.get_by_text("Projector mode", exact=True).click()
    wait_for(page, "() => !location.search.includes('present')", None, "the URL kept present=1")
    wait_until_idle(page)
    smallest, _ = page.frame_locator(".st-key-player iframe").locator("body").evaluate(CHART_TEXT)
    assert smallest < 18, "the usual fonts are back"


def test_projector_mode_fills_a_1920_by_1080_screen(browser, warm_server):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        big = open_page(context.new_page(), f"{warm_server}/?present=1")
        player = big.frame_locator(".st-key-player iframe")
        smallest, width = player.locator("body").evaluate(CHART_TEXT)
        height = player.locator(".js-plotly-plot").bounding_box()["height"]
        assert width >= 0.7 * 1920 and smallest >= 18
        assert height >= 0.75 * 1080, f"the plot is {height:.0f} px tall on a 1080 px screen"
        save_screenshot(big, "root-projector-1920")
    finally:
        context.close()


def test_the_overfitting_plot_spans_its_data_not_more(server, page):
    # Equal scales kept by narrowing the plot, not by widening the x-axis to −4…4 around data in ±1.6.
    open_page(page, f"{server}/overfitting")
    ranges = frame_of(page, "boundary").evaluate(AXES)
    for axis in ranges:
        assert axis == pytest.approx([-1.6, 1.6], abs=1e-6), ranges
