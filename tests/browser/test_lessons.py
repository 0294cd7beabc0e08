"""The learning-rate and optimizer-race pages in a real browser: a preset click and the fair
comparison change what is drawn, and the drawings keep their backgrounds."""

import pytest

from tests.browser.conftest import open_page, wait_until_idle
from tests.browser.test_pages import RERUN_TIMEOUT_MS, save_screenshot

pytestmark = pytest.mark.browser

# Every Plotly chart's trace names and, for a named trace, its points (decoded from _fullData).
TRACE_NAMES = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .flatMap(gd => (gd._fullData || []).map(t => t.name))"""
READ_NAMED = """(name) => {
    for (const gd of document.querySelectorAll('.js-plotly-plot')) {
        const t = (gd._fullData || []).find(t => t.name === name);
        if (t) return {x: Array.from(t.x), y: Array.from(t.y)};
    }
    return null;
}"""
IMAGES_IN_PANELS = """() => {
    const gd = [...document.querySelectorAll('.js-plotly-plot')]
        .find(g => (g._fullData || []).some(t => (t.name || '').startsWith('whole path: small')));
    return gd ? gd.querySelectorAll('svg image').length : -1;
}"""


def wait_for_trace(page, name):
    """Wait until a chart has a trace called ``name``; return its points."""
    page.wait_for_function(f"(name) => ({READ_NAMED})(name) !== null", arg=name, polling=100,
                           timeout=RERUN_TIMEOUT_MS)
    wait_until_idle(page)
    return page.evaluate(READ_NAMED, name)


def test_learning_rate_preset_changes_the_chart(server, page):
    open_page(page, f"{server}/learning-rate")
    names = page.evaluate(TRACE_NAMES)
    assert "whole path: small η = 0.01" in names and "whole path: stable η = 0.501" in names
    assert page.evaluate(IMAGES_IN_PANELS) == 3, "each of the three panels has its surface image"
    before = page.evaluate(READ_NAMED, "whole path: large η = 3.16")
    page.get_by_role("button", name="Large: overshoot and diverge").click()
    # The preset moves to the quadratic bowl with the large rate 0.251 (above 2/λmax = 0.2).
    after = wait_for_trace(page, "whole path: large η = 0.251")
    assert after != before
    page.get_by_text("Large learning rates overshoot, become unstable and diverge").wait_for(
        timeout=RERUN_TIMEOUT_MS)
    assert page.get_by_text("diverged at step").count() >= 1
    assert page.evaluate(IMAGES_IN_PANELS) == 3
    save_screenshot(page, "learning-rate-preset-large")


def test_race_fair_comparison_changes_the_paths(server, page):
    open_page(page, f"{server}/optimizer-race")
    names = page.evaluate(TRACE_NAMES)
    for optimizer in ("SGD", "Momentum", "Nesterov", "Adagrad", "RMSProp", "Adadelta", "Adam"):
        assert f"whole path: {optimizer}" in names, f"{optimizer} is not in the race"
    adam = page.evaluate(READ_NAMED, "whole path: Adam")
    page.get_by_role("button", name="Fair comparison: tune each learning rate").click()
    page.get_by_text("Fair comparison.", exact=False).first.wait_for(timeout=RERUN_TIMEOUT_MS)
    page.wait_for_function(f"(old) => JSON.stringify(({READ_NAMED})('whole path: Adam')) !== "
                           "JSON.stringify(old)", arg=adam, polling=100, timeout=RERUN_TIMEOUT_MS)
    wait_until_idle(page)
    assert page.evaluate(READ_NAMED, "whole path: Adam") != adam, "tuning changed Adam's rate and path"
    save_screenshot(page, "optimizer-race-fair")
