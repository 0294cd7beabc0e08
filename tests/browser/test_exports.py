"""The exports in Chromium: the animation's HTML file, opened from disk with the network cut off, plays
(the point moves on Play, ◀ / ▶ step it); the page's three buttons download what they say."""

import csv
import io
import struct

import numpy as np
import pytest

from landscapes import LANDSCAPES
from plotting import export, player_figure
from plotting.training import boundary_animation
from tests.browser.conftest import PAGE_TIMEOUT_MS, VIEWPORT, open_page
from tests.browser.test_pages import save_screenshot
from ui import compute

pytestmark = pytest.mark.browser

# The current point as plotly.js holds it and as it is drawn (the marker's SVG transform), and the step.
NOW = """() => {
    const plot = document.getElementById('plot');
    const i = plot.data.findIndex(t => t.name === 'current point');
    const marker = plot.querySelector(`.trace${plot._fullData[i].uid} .point`);
    return {x: plot.data[i].x[0], y: plot.data[i].y[0], drawn: marker.getAttribute('transform'),
            step: Number(document.getElementById('scrub').value)};
}"""


def adam_figure():
    """Adam on Rosenbrock for 200 steps, as the gradient-descent page draws it; and the run."""
    landscape = LANDSCAPES["rosenbrock"]
    theta = tuple(float(v) for v in landscape.theta())
    run = compute.shown(compute.run_of("rosenbrock", theta, "adam", dict(learning_rate=0.05), (-1.5, 2.0)),
                        200)
    xs, ys, z = compute.grid_values("rosenbrock", theta)
    figure = player_figure(xs, ys, z, [dict(name="path", colour="#e377c2", path=run.path, grads=run.grads,
                                            loss=run.loss)], log_color=True, minima=landscape.minima)
    return figure, run


def offline_page(browser, path, drawn="#plot .main-svg"):
    """A page of its own with every request but file: and data: aborted; opens ``path``; the requests seen."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    seen, errors = [], []

    def route(request_route):
        seen.append(request_route.request.url)
        if request_route.request.url.startswith(("file:", "data:")):
            request_route.continue_()
        else:
            request_route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_selector(drawn)
    return page, seen, errors


def test_the_exported_animation_plays_offline(browser, tmp_path):
    figure, run = adam_figure()
    path = tmp_path / "animation.html"
    path.write_text(export.animation_html(figure, "Gradient descent, Rosenbrock, Adam"), encoding="utf-8")
    page, seen, errors = offline_page(browser, path)
    try:
        assert seen == [path.as_uri()], f"the file asked for more than itself: {seen}"
        assert page.locator("#plot .main-svg image").first.get_attribute("href").startswith("data:image/png")
        before = page.evaluate(NOW)
        assert before["step"] == 0
        assert (np.float32(before["x"]), np.float32(before["y"])) == tuple(run.path[0])
        page.click("#play")
        page.wait_for_function("() => Number(document.getElementById('scrub').value) >= 20")
        page.click("#play")  # pause
        after = page.evaluate(NOW)
        # The point on screen is the run's point at the step shown: exactly, the same float32 numbers.
        assert (np.float32(after["x"]), np.float32(after["y"])) == tuple(run.path[after["step"]])
        assert after["drawn"] != before["drawn"], "Play moved the step but not the marker"
        page.click("#next")
        assert page.evaluate(NOW)["step"] == after["step"] + 1
        assert page.inner_text("#label").startswith(f"step {after['step'] + 1} of 200")
        page.screenshot(path=str(tmp_path / "played.png"))
        assert not errors, errors
    finally:
        page.context.close()


def png_size(data):
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def download(page, label, tmp_path):
    """Click the download button ``label``; the downloaded file's path."""
    with page.expect_download(timeout=PAGE_TIMEOUT_MS) as started:
        page.get_by_role("button", name=label).click()
    target = tmp_path / started.value.suggested_filename
    started.value.save_as(target)
    return target


def test_the_page_downloads_its_animation_path_and_view(server, page, browser, tmp_path):
    open_page(page, f"{server}/")
    page.get_by_role("button", name="Path (CSV)").scroll_into_view_if_needed()
    save_screenshot(page, "exports-gradient-descent")
    rows = list(csv.DictReader(io.StringIO(download(page, "Path (CSV)", tmp_path).read_text())))
    assert [int(r["step"]) for r in rows] == list(range(101))  # the page's default: 100 steps
    assert rows[0]["run"] == "Gradient descent" and {"x", "y", "loss", "grad.x", "grad.y"} <= set(rows[0])
    png = download(page, "View (PNG)", tmp_path)
    assert png.name.endswith(".png") and png_size(png.read_bytes())[1] == 560  # the player's height
    animation = download(page, "Animation (HTML)", tmp_path)
    assert animation.name.startswith("gradient-descent-")
    offline, seen, errors = offline_page(browser, animation)
    try:
        assert seen == [animation.as_uri()] and not errors, (seen, errors)
        start = offline.evaluate(NOW)
        offline.click("#next")
        offline.wait_for_function("() => Number(document.getElementById('scrub').value) === 1")
        moved = offline.evaluate(NOW)
        assert (moved["x"], moved["y"]) != (start["x"], start["y"])
        assert np.float32(float(rows[1]["x"])) == np.float32(moved["x"])  # the CSV's step 1, exactly
    finally:
        offline.context.close()


def test_the_exported_boundary_animation_plays_offline(browser, tmp_path):
    probs = np.random.default_rng(0).random((4, 8, 8))
    points = (np.zeros((2, 2)), np.array([0, 1]))
    fig = boundary_animation(np.linspace(-1, 1, 8), np.linspace(-1, 1, 8),
                             [dict(probs=probs, train=points, val=points)], ["0", "20", "40", "model kept"],
                             titles=["run"])
    path = tmp_path / "boundary.html"
    path.write_text(export.plotly_html(fig.to_dict(), "boundary"), encoding="utf-8")
    page, seen, errors = offline_page(browser, path, ".main-svg")
    try:
        assert seen == [path.as_uri()] and not errors, (seen, errors)
        active = "() => document.querySelector('.js-plotly-plot')._fullLayout.sliders[0].active"
        assert page.evaluate(active) == 3  # it opens on the model kept
        page.get_by_text("▶ Play").click()
        # Frames of 250 ms: the slider runs through 0, 1, 2 and stops at the last frame.
        page.wait_for_function(f"() => ({active})() === 1")
        page.wait_for_function(f"() => ({active})() === 3")
    finally:
        page.context.close()
