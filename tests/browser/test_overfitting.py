"""The overfitting and backpropagation pages in a real browser: both overfitting charts are drawn, the
dropout rescue shows two panels and two runs, and one gradient-descent step lowers J."""

import re

import pytest

from tests.browser.conftest import open_page, wait_until_idle
from tests.browser.test_pages import RERUN_TIMEOUT_MS

pytestmark = pytest.mark.browser

# For every drawn Plotly chart: its trace names and its annotation texts (titles, marks).
CHARTS = """() => [...document.querySelectorAll('.js-plotly-plot')].filter(gd => gd._fullData)
    .map(gd => ({names: gd._fullData.map(t => t.name || ''), types: gd._fullData.map(t => t.type),
                 notes: ((gd._fullLayout || {}).annotations || []).map(a => a.text)}))"""
J_NOW = re.compile(r"J = (-?[\d.]+(?:e[-+]?\d+)?) now")


def boundary_and_curves(page):
    """(boundary chart, curves chart) as CHARTS describes them."""
    charts = page.evaluate(CHARTS)
    boundary = [c for c in charts if "heatmap" in c["types"]]
    curves = [c for c in charts if any(n.endswith(": validation") for n in c["names"])]
    assert len(boundary) == 1 and len(curves) == 1, charts
    return boundary[0], curves[0]


def test_overfitting_draws_both_charts_and_the_dropout_rescue(server, page):
    open_page(page, f"{server}/overfitting")
    boundary, curves = boundary_and_curves(page)
    assert boundary["types"].count("heatmap") == 1 and boundary["notes"] == ["this run"]
    assert curves["names"] == ["this run: training", "this run: validation"]
    assert any(n.startswith("best (this run)") for n in curves["notes"])

    page.get_by_role("button", name="Rescue by dropout").click()
    page.wait_for_function(f"() => ({CHARTS})().some(c => c.names.includes("
                           "'without regularization: validation'))", polling=100, timeout=RERUN_TIMEOUT_MS)
    wait_until_idle(page)
    assert page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').count() == 0
    boundary, curves = boundary_and_curves(page)
    assert boundary["notes"] == ["without regularization", "with regularization"]
    assert boundary["types"].count("heatmap") == 2, "one heatmap per panel"
    assert curves["names"] == ["without regularization: training", "without regularization: validation",
                               "with regularization: training", "with regularization: validation"]
    assert page.get_by_text("Without regularization", exact=False).count() >= 1


def j_now(page):
    """The J the page writes under "One step of gradient descent"."""
    text = page.get_by_text(re.compile(r"J = .* now")).first.inner_text()
    match = J_NOW.search(text)
    assert match, text
    return float(match.group(1))


def test_backpropagation_step_lowers_j(server, page):
    open_page(page, f"{server}/backpropagation")
    before = j_now(page)
    page.get_by_role("button", name="Take one gradient-descent step").click()
    page.wait_for_function("""(old) => {
        const m = document.body.innerText.match(/J = (-?[\\d.]+(?:e[-+]?\\d+)?) now/);
        return m && parseFloat(m[1]) !== old;
    }""", arg=before, polling=100, timeout=RERUN_TIMEOUT_MS)
    wait_until_idle(page)
    after = j_now(page)
    assert after < before, f"one step downhill lowers J: {before} -> {after}"
    assert page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').count() == 0
