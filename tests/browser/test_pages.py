"""The app in a real browser: pages render, widgets rerun, URLs restore state, the plot animates and
takes clicks. Each test opens a fresh browser context, hence a fresh Streamlit session."""

import ast
import math
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.conftest import PLOT, REPO_ROOT, VIEWPORT, open_page, wait_until_idle

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO_ROOT / "screenshots"
RERUN_TIMEOUT_MS = 30_000

# The contour chart is the Plotly element whose figure has a trace named "whole path".
_CONTOUR = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .find(gd => (gd._fullData || []).some(t => t.name === 'whole path'))"""
# gd.data may hold arrays as {dtype, bdata} specs (plotly.py encodes numpy arrays so); gd._fullData
# holds them decoded.
READ_TRACE = f"""(name) => {{
    const gd = ({_CONTOUR})();
    const trace = gd && gd._fullData.find(t => t.name === name);
    return trace ? {{x: Array.from(trace.x), y: Array.from(trace.y)}} : null;
}}"""
READ_AXES = f"""() => {{
    const gd = ({_CONTOUR})();
    const layout = gd._fullLayout;
    return {{x: layout.xaxis.range.slice(), y: layout.yaxis.range.slice()}};
}}"""
READ_ANIMATION = f"""() => {{
    const gd = ({_CONTOUR})();
    const current = gd._fullData.find(t => t.name === 'current point');
    const images = [...gd.querySelectorAll('svg image')].map(image => {{
        const box = image.getBoundingClientRect();
        return {{href: (image.getAttribute('href') || '').slice(0, 22), width: box.width,
                 height: box.height}};
    }});
    return {{active: gd._fullLayout.sliders[0].active, point: [current.x[0], current.y[0]], images}};
}}"""


def app_pages():
    """(url path, title) of every st.Page in app.py, read from its source (nothing is imported).

    Streamlit serves the default page at the root URL (its url_path then only has to be unique),
    and infers a missing url_path from the file name.
    """
    tree = ast.parse((REPO_ROOT / "app.py").read_text())
    pages = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page"):
            continue
        keywords = {k.arg: k.value for k in node.keywords}
        default = isinstance(keywords.get("default"), ast.Constant) and keywords["default"].value is True
        if "url_path" in keywords:
            url_path = keywords["url_path"].value.strip("/")
        else:  # Streamlit's inference: the file name without a leading number
            url_path = re.sub(r"^[0-9]+[_ -]*", "", Path(node.args[0].value).stem)
        title = keywords["title"].value if "title" in keywords else url_path
        pages.append(("" if default else url_path, title))
    return pages


PAGES = app_pages()


def read_trace(page, name):
    trace = page.evaluate(READ_TRACE, name)
    assert trace is not None, f"no trace named {name!r} in the contour chart"
    return trace


def wait_for(page, script, arg, failure):
    """Wait until the JS predicate ``script(arg)`` holds; fail with ``failure`` if it never does."""
    try:
        page.wait_for_function(script, arg=arg, polling=100, timeout=RERUN_TIMEOUT_MS)
    except PlaywrightTimeoutError:
        pytest.fail(f"{failure} (waited {RERUN_TIMEOUT_MS / 1000:.0f} s)")


def wait_for_new_path(page, old, failure):
    """Wait until the "whole path" trace differs from ``old`` (a rerun redrew the chart)."""
    wait_for(page, f"""(old) => {{
        const trace = ({READ_TRACE})('whole path');
        return trace && JSON.stringify(trace) !== JSON.stringify(old);
    }}""", old, failure)
    wait_until_idle(page)
    return read_trace(page, "whole path")


def sidebar_select_text(page, label):
    """What the sidebar select box labelled ``label`` shows (a combobox <input>; the text is its value)."""
    box = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label)
    assert box.count() == 1, f"no single sidebar select box labelled {label!r}"
    return box.input_value()


def save_screenshot(page, name):
    """The whole page as screenshots/<name>.png, for people to look at.

    Streamlit scrolls inside its main container, not the document, so ``full_page`` alone stops at
    the viewport: grow the viewport to the content's height first.
    """
    height = page.evaluate("""() => Math.max(...[...document.querySelectorAll(
        '[data-testid="stMain"], [data-testid="stSidebar"]')].map(e => e.scrollHeight), 0)""")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(max(height, VIEWPORT["height"]), 8000)})
    page.wait_for_timeout(500)  # Plotly redraws its responsive charts on resize
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(VIEWPORT)


def test_app_declares_pages():
    assert PAGES, "found no st.Page(...) in app.py"
    assert sum(path == "" for path, _ in PAGES) <= 1


# The default page lives at the root URL, so the root stands for it.
URLS = [("", "root URL")] + [p for p in PAGES if p[0]]


@pytest.mark.parametrize(("url_path", "title"), URLS, ids=[path or "root" for path, _ in URLS])
def test_page_renders_a_chart(server, page, url_path, title):
    open_page(page, f"{server}/{url_path}")
    drawn = page.locator(f"{PLOT} .main-svg")
    assert drawn.count() > 0, f"{title}: no Plotly chart drew its SVG"
    assert drawn.first.bounding_box()["width"] > 100
    not_found = page.get_by_text("Page not found")
    assert not_found.count() == 0, f"/{url_path} is not a page: Streamlit fell back to the main page"
    save_screenshot(page, url_path or "root")


def test_learning_rate_slider_changes_path_and_url(server, page):
    open_page(page, server)
    before = read_trace(page, "whole path")
    slider = page.locator('[data-testid="stSidebar"]').get_by_role("slider", name="learning rate η")
    old_value = slider.get_attribute("aria-valuetext")
    slider.focus()
    after = before
    for _ in range(3):  # one key press, one rerun: each step to a smaller rate redraws the path
        page.keyboard.press("ArrowLeft")
        after = wait_for_new_path(page, after, "changing the learning rate did not redraw the path")
    new_value = slider.get_attribute("aria-valuetext")
    assert new_value != old_value, "the arrow keys did not move the learning-rate slider"
    assert (after["x"][0], after["y"][0]) == (before["x"][0], before["y"][0]), "the start moved"
    assert after != before
    # The URL changes through the History API, not a navigation: poll location, not wait_for_url.
    wait_for(page, "v => new URLSearchParams(location.search).get('sgd.learning_rate') === v", new_value,
             f"the URL did not gain the query parameter sgd.learning_rate={new_value}")
    assert parse_qs(urlsplit(page.url).query)["sgd.learning_rate"] == [new_value]

    # The URL is a link that reproduces the view: a fresh session opened from it draws the same path.
    shared = page.context.new_page()
    open_page(shared, page.url)
    assert read_trace(shared, "whole path") == after
    shared.close()


def test_query_params_select_landscape_and_optimizer(server, page):
    open_page(page, f"{server}/?landscape=rosenbrock&optimizer=adam")
    assert sidebar_select_text(page, "Loss surface") == "Rosenbrock"
    assert sidebar_select_text(page, "Optimizer") == "Adam"
    axes = page.evaluate(READ_AXES)
    assert axes["x"] == pytest.approx([-2, 2], abs=1e-6), "the plot does not show Rosenbrock's domain"
    assert axes["y"] == pytest.approx([-1, 3], abs=1e-6)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_by_role("slider", name="learning rate η").count() == 1


def test_garbage_query_params_still_render(server, page):
    open_page(page, f"{server}/?landscape=%3Cscript%3E&steps=-5&sgd.learning_rate=abc")
    assert page.locator(f"{PLOT} .main-svg").count() > 0
    path = read_trace(page, "whole path")
    assert len(path["x"]) >= 2 and all(math.isfinite(v) for v in path["x"] + path["y"])
    sidebar = page.locator('[data-testid="stSidebar"]')
    landscape = sidebar_select_text(page, "Loss surface")
    assert landscape and "script" not in landscape.lower(), f"select box shows {landscape!r}"
    steps = int(sidebar.get_by_role("slider", name="Number of steps").get_attribute("aria-valuetext"))
    assert 1 <= steps <= 1000
    assert float(sidebar.get_by_role("slider", name="learning rate η").get_attribute("aria-valuetext")) > 0


def test_play_keeps_the_background(server, page):
    open_page(page, server)
    start = page.evaluate(READ_ANIMATION)
    assert start["images"], "the contour background image is missing before playing"
    play = page.locator(PLOT).first.locator(".updatemenu-button").first
    assert "Play" in play.text_content()
    play.click(force=True)
    page.wait_for_timeout(1500)
    playing = page.evaluate(READ_ANIMATION)
    assert playing["active"] > start["active"] or playing["point"] != start["point"], \
        "the animation did not advance"
    assert playing["images"], "the background image left the DOM during the animation (plotly.js #4491)"
    image = playing["images"][0]
    assert image["href"].startswith("data:image/png") and image["width"] > 100 and image["height"] > 100


def test_click_on_plot_sets_start(server, page):
    open_page(page, server)
    before = read_trace(page, "whole path")
    click_mode = page.locator('[data-testid="stSidebar"]').get_by_role("radio", name="Click on the plot")
    assert not click_mode.is_checked()
    box = page.locator(PLOT).first.locator(".nsewdrag").first.bounding_box()
    axes = page.evaluate(READ_AXES)
    fx, fy = 0.3, 0.7
    page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])

    after = wait_for_new_path(page, before, "clicking the plot did not rerun with a new start (is "
                              "st.plotly_chart(on_select='rerun') set, is a marker trace under the click?)")
    (x0, x1), (y0, y1) = axes["x"], axes["y"]
    clicked = (x0 + fx * (x1 - x0), y1 - fy * (y1 - y0))  # pixel y grows downwards
    # The click selects the nearest marker of a 40 x 40 grid: within one grid spacing (range / 40)
    # plus a 3-pixel margin for rounding of the box and the pointer position.
    tolerance = ((x1 - x0) / 40 + 3 * (x1 - x0) / box["width"],
                 (y1 - y0) / 40 + 3 * (y1 - y0) / box["height"])
    start = (after["x"][0], after["y"][0])
    assert abs(start[0] - clicked[0]) <= tolerance[0] and abs(start[1] - clicked[1]) <= tolerance[1], \
        f"path starts at {start}, clicked near {clicked} (tolerance {tolerance})"
    assert click_mode.is_checked(), "the Start radio did not switch to 'Click on the plot'"
    caption = page.locator('[data-testid="stSidebar"]').get_by_text("Click anywhere on the contour plot")
    assert f"({start[0]:.3f}, {start[1]:.3f})" in caption.inner_text()
