"""The lessons in a real browser: a learning-rate preset, the race's fair comparison, the mini-batch
slider and resample button, the dropout rescue and one backpropagation step each change what is drawn,
and what the page says agrees with it."""

import re

import pytest

from tests.browser.conftest import ERROR_ELEMENTS, frame_of, open_page, wait_until_idle
from tests.browser.test_pages import RUNS, save_screenshot, wait_for, wait_for_new_runs

pytestmark = pytest.mark.browser

NAMES = "() => state.runs.map(run => run.styles.trail.name)"
CHART = "() => ({names: plot._fullData.map(t => t.name || ''), types: plot._fullData.map(t => t.type), " \
        "notes: (plot._fullLayout.annotations || []).map(a => a.text)})"
J_NOW = re.compile(r"J = (-?[\d.]+(?:e[-+]?\d+)?) now")


def test_learning_rate_preset_changes_the_runs_and_says_its_sentence(server, page):
    open_page(page, f"{server}/learning-rate")
    player = frame_of(page, "player")
    assert player.evaluate(NAMES) == ["small η", "large η", "stable η"]
    assert player.locator("svg image").count() == 3, "each of the three panels has its surface"
    before = player.evaluate(RUNS)
    page.get_by_role("button", name="Large: overshoot and diverge").click()
    after = wait_for_new_runs(page, before, "the preset did not change the runs")
    assert after != before
    page.get_by_text("Large learning rates overshoot, become unstable and diverge").wait_for()
    assert page.get_by_text("diverged at step").count() >= 1
    save_screenshot(page, "learning-rate-preset-large")


def test_race_fair_comparison_moves_the_sliders_and_the_paths(server, page):
    open_page(page, f"{server}/optimizer-race")
    assert frame_of(page, "player").evaluate(NAMES) == [
        "Gradient descent", "Momentum", "Nesterov", "Adagrad", "RMSProp", "Adadelta", "Adam"]
    before = frame_of(page, "player").evaluate(RUNS)
    page.get_by_role("button", name="Fair comparison: tune each learning rate").click()
    page.get_by_text("Fair comparison.", exact=False).first.wait_for()
    after = wait_for_new_runs(page, before, "tuning did not change the race")
    note = page.locator('[data-testid="stAlertContentInfo"]').filter(has_text="Fair comparison.").inner_text()
    sgd = re.search(r"Gradient descent η = ([\d.e-]+)", note).group(1)
    slider = page.locator('[data-testid="stSidebar"]').get_by_role("slider", name="learning rate η")
    assert float(slider.get_attribute("aria-valuetext")) == pytest.approx(float(sgd)), \
        "the tuned rate the note names is not the one on the slider"
    assert after != before
    save_screenshot(page, "optimizer-race-fair")


def test_a_click_on_the_race_restarts_every_runner_there(server, page):
    open_page(page, f"{server}/optimizer-race")
    player = frame_of(page, "player")
    before = player.evaluate(RUNS)
    player.locator(".nsewdrag").first.scroll_into_view_if_needed()  # the plot sits below the fold at 720 px
    box = player.locator(".nsewdrag").first.bounding_box()
    page.mouse.click(box["x"] + 0.6 * box["width"], box["y"] + 0.3 * box["height"])
    after = wait_for_new_runs(page, before, "a click on the race did not restart it")
    starts = {(run["x"][0], run["y"][0]) for run in after}
    assert len(starts) == 1 and starts != {(before[0]["x"][0], before[0]["y"][0])}, starts
    x0 = float(page.locator('[data-testid="stSidebar"]').get_by_role("spinbutton", name="x₀").input_value())
    assert x0 == pytest.approx(next(iter(starts))[0], abs=1e-3), "the sidebar shows the clicked start"


def test_mini_batch_slider_redraws_only_the_mini_batch_path_and_resample_redraws_the_noisy_ones(server, page):
    open_page(page, f"{server}/mini-batches")
    gd, sgd, mini = frame_of(page, "player").evaluate(RUNS)
    slider = page.get_by_role("slider", name="Batch size B")
    slider.focus()
    page.keyboard.press("ArrowRight")
    runs = wait_for_new_runs(page, [gd, sgd, mini], "moving B did not redraw")
    assert runs[0] == gd and runs[1] == sgd, "moving B redrew a run that does not use it"
    assert runs[2] != mini and (runs[2]["x"][0], runs[2]["y"][0]) == (mini["x"][0], mini["y"][0])
    wait_for(page, "() => new URLSearchParams(location.search).get('batch') === '17'", None,
             "the URL did not record B = 17")
    page.get_by_role("button", name="Resample the batches").click()
    resampled = wait_for_new_runs(page, runs, "resampling did not redraw")
    assert resampled[0] == gd and resampled[1] != sgd and resampled[2] != runs[2]
    assert page.get_by_role("spinbutton", name="Batch seed").input_value() == "1"
    assert page.locator(ERROR_ELEMENTS).count() == 0
    save_screenshot(page, "mini-batches")


def test_dropout_rescue_draws_two_panels_and_four_curves(server, page):
    open_page(page, f"{server}/overfitting")
    boundary = frame_of(page, "boundary").evaluate(CHART)
    assert boundary["types"].count("contour") == 1 and "this run" in boundary["notes"]
    page.get_by_role("button", name="Rescue by dropout").click()
    # Charts out of sight are redrawn when they come into view: look at each, as a person would.
    page.locator(".st-key-curves iframe").scroll_into_view_if_needed()
    wait_for(frame_of(page, "curves"), "() => plot._fullData.some(t => t.name === "
             "'without regularization: validation')", None, "the rescue did not train the second run")
    wait_until_idle(page)
    page.locator(".st-key-boundary iframe").scroll_into_view_if_needed()
    two_panels = "() => plot._fullData.filter(t => t.type === 'contour').length === 2"
    wait_for(frame_of(page, "boundary"), two_panels, None, "the boundary did not show both runs")
    boundary = frame_of(page, "boundary").evaluate(CHART)
    assert boundary["types"].count("contour") == 2, "one boundary panel per run"
    assert {"without regularization", "with regularization"} <= set(boundary["notes"])
    assert frame_of(page, "curves").evaluate(CHART)["names"][:4] == [
        "without regularization: training", "without regularization: validation",
        "with regularization: training", "with regularization: validation"]
    assert page.locator(ERROR_ELEMENTS).count() == 0
    save_screenshot(page, "overfitting-dropout")


def j_now(page):
    """The J the page writes under "One step of gradient descent"."""
    match = J_NOW.search(page.get_by_text(re.compile(r"J = .* now")).first.inner_text())
    assert match
    return float(match.group(1))


def test_backpropagation_step_lowers_j_and_moves_the_point(server, page):
    open_page(page, f"{server}/backpropagation")
    before, runs = j_now(page), frame_of(page, "player").evaluate(RUNS)
    page.get_by_role("button", name="Take one gradient-descent step").click()
    moved = wait_for_new_runs(page, runs, "the step did not move the weights on the surface")
    assert j_now(page) < before, "one step downhill lowers J"
    stepped_to = (runs[0]["x"][1], runs[0]["y"][1])  # where the drawn step pointed
    # The path now starts where the weights were, then the weights now set (the step's end), then the next.
    assert (moved[0]["x"][0], moved[0]["y"][0]) == (runs[0]["x"][0], runs[0]["y"][0])
    assert (moved[0]["x"][1], moved[0]["y"][1]) == pytest.approx(stepped_to, abs=1e-5)
    assert len(moved[0]["x"]) == 3
    assert frame_of(page, "player").evaluate("() => state.step") == 1, "it shows the weights now set"


FORMULA_WIDTHS = """() => [...document.querySelectorAll('.katex-display')].map(display => {
  const column = display.closest('[data-testid="stColumn"]') || display.parentElement;
  const formula = display.querySelector('.katex');
  return [formula.getBoundingClientRect().width, column.getBoundingClientRect().width];
})"""


def test_backpropagation_formulas_fit_their_columns_at_1280(server, page):
    """The chain-rule products and jax.grad's answer are written whole, not cut at the column's edge."""
    open_page(page, f"{server}/backpropagation")
    widths = page.evaluate(FORMULA_WIDTHS)
    assert len(widths) >= 3, widths
    assert all(width <= room + 1 for width, room in widths), widths


def test_loss_landscape_draws_the_slice_and_the_path_and_one_click_shows_the_edge(server, page):
    open_page(page, f"{server}/loss-landscape")
    slice_chart = frame_of(page, "slice").evaluate(CHART)
    assert slice_chart["types"][:2] == ["contour", "scatter"], "the slice and its trained weights"
    player = frame_of(page, "path")
    assert player.evaluate(NAMES) == ["path so far"]  # a single run: the player names its trail so
    assert player.locator("svg image").count() == 1, "the surface of the path's plane"
    assert player.locator("#label").inner_text().startswith("step 2000 of 2000"), "steps, not snapshots"
    page.get_by_text("Sharpness and η", exact=True).click()
    page.get_by_text("hovers at the edge of stability").wait_for()
    page.locator(".st-key-sharpness iframe").scroll_into_view_if_needed()
    chart = frame_of(page, "sharpness").evaluate(CHART)
    assert chart["names"][:2] == ["sharpness λ_max", "2/η = 6.67"]
    page.get_by_role("button", name="η = 0.05: never reaches 2/η").click()
    page.get_by_text("at this rate the sharpness").wait_for()
    page.locator(".st-key-sharpness iframe").scroll_into_view_if_needed()
    wait_for(frame_of(page, "sharpness"), "() => plot._fullData.some(t => t.name === '2/η = 40')", None,
             "the preset did not redraw the sharpness chart")
    assert page.locator(ERROR_ELEMENTS).count() == 0
    save_screenshot(page, "loss-landscape-edge")


def test_a_typed_surface_is_drawn_and_descended_on_the_first_page(server, page):
    open_page(page, f"{server}/?landscape=typed")
    field = page.locator('input[aria-label="J(x, y) ="]')
    assert field.input_value() == "x**2 + 3*sin(y)"
    before = frame_of(page, "player").evaluate(RUNS)
    field.fill("(x - 1)**2 + y**2")
    field.press("Enter")
    after = wait_for_new_runs(page, before, "typing a formula did not redraw the path")
    assert after != before
    assert "formula=" in page.url
    assert page.locator(ERROR_ELEMENTS).count() == 0
    field.fill("x**2 + z")
    field.press("Enter")
    page.get_by_text("unknown name 'z' at column 8").wait_for()
    assert page.locator(ERROR_ELEMENTS).count() == 0
    save_screenshot(page, "typed-surface")
