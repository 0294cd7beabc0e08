"""The mini-batch page in a real browser: it draws its four charts, the batch-size slider redraws the
mini-batch path (and only it), and the resample button redraws the noisy paths."""

import pytest

from tests.browser.conftest import open_page, wait_until_idle
from tests.browser.test_lessons import READ_NAMED, TRACE_NAMES, wait_for_trace
from tests.browser.test_pages import RERUN_TIMEOUT_MS, save_screenshot

pytestmark = pytest.mark.browser

GD, SGD = "whole path: GD (all n examples)", "whole path: SGD (B = 1)"
CHART_KEYS = ("contour", "cost", "cloud", "spread")
# Streamlit gives each keyed element's container the class st-key-<key>.
CHART_COUNT = """(keys) => keys.filter(k => document.querySelector(`.st-key-${k} .js-plotly-plot .main-svg`))
    .length"""


def mini(batch):
    """The legend name of the mini-batch run's whole path."""
    return f"whole path: mini-batch, B = {batch}"


def wait_for_changed(page, name, old):
    """Wait until the trace called ``name`` differs from ``old``; return its points."""
    page.wait_for_function(f"([name, old]) => JSON.stringify(({READ_NAMED})(name)) !== JSON.stringify(old)",
                           arg=[name, old], polling=100, timeout=RERUN_TIMEOUT_MS)
    wait_until_idle(page)
    return page.evaluate(READ_NAMED, name)


def test_mini_batch_page_draws_its_charts(server, page):
    open_page(page, f"{server}/mini-batches")
    page.get_by_role("heading", name="Mini-batches").first.wait_for()
    page.wait_for_function(f"(keys) => ({CHART_COUNT})(keys) === keys.length", arg=list(CHART_KEYS),
                           polling=100, timeout=RERUN_TIMEOUT_MS)
    names = page.evaluate(TRACE_NAMES)
    for name in (GD, SGD, mini(16)):
        assert name in names, f"{name!r} not drawn: {sorted(set(map(str, names)))}"
    assert page.get_by_text("B_noise ≈").count() == 1
    assert page.locator('[data-testid="stDataFrame"]').count() == 1


def test_batch_slider_and_resample_redraw_the_noisy_paths(server, page):
    open_page(page, f"{server}/mini-batches")
    gd, sgd, batch_path = (page.evaluate(READ_NAMED, name) for name in (GD, SGD, mini(16)))
    assert None not in (gd, sgd, batch_path)

    slider = page.get_by_role("slider", name="Batch size B")
    assert slider.get_attribute("aria-valuetext") == "16"
    slider.focus()
    for _ in range(3):  # one key press, one rerun
        page.keyboard.press("ArrowRight")
        wait_until_idle(page)
    assert slider.get_attribute("aria-valuetext") == "19"
    moved = wait_for_trace(page, mini(19))
    assert moved != batch_path and page.evaluate(READ_NAMED, mini(16)) is None
    assert (moved["x"][0], moved["y"][0]) == (batch_path["x"][0], batch_path["y"][0]), "the start moved"
    assert page.evaluate(READ_NAMED, GD) == gd and page.evaluate(READ_NAMED, SGD) == sgd, \
        "moving B redrew a run that does not use it"
    page.wait_for_function("() => new URLSearchParams(location.search).get('batch') === '19'", polling=100,
                           timeout=RERUN_TIMEOUT_MS)

    page.get_by_role("button", name="🎲 Resample the batches").click()
    resampled = wait_for_changed(page, SGD, sgd)
    assert resampled != sgd and (resampled["x"][0], resampled["y"][0]) == (sgd["x"][0], sgd["y"][0])
    assert page.evaluate(READ_NAMED, mini(19)) != moved, "resampling left the mini-batch path"
    assert page.evaluate(READ_NAMED, GD) == gd, "GD draws no batches"
    assert page.get_by_role("spinbutton", name="Batch seed").input_value() == "1"
    assert page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').count() == 0
    save_screenshot(page, "mini-batches")
