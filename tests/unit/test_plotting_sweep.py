"""The learning-rate sweep figure and its helpers, and the schedule figure."""

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from engine import NEVER as ENGINE_NEVER
from plotting.schedule import schedule_figure
from plotting.style import REGIME_COLOURS
from plotting.sweep import NEVER, THEORY_TEXT, classify, divergence_boundary, regions, sweep_figure

LAMBDAS = np.array([1.0, 10.0])  # a quadratic bowl's Hessian eigenvalues
STEPS, TOLERANCE, BOX = 100, 1e-3, 1e3
MARKS = [("small η", 0.003, REGIME_COLOURS["small"]), ("stable η", 0.1, REGIME_COLOURS["stable"]),
         ("large η", 1.0, REGIME_COLOURS["large"])]
THEORY = {"stability_limit": 2 / LAMBDAS.max(), "best_rate": 2 / LAMBDAS.sum()}


def quadratic_sweep(rates):
    """Gradient descent on J = 1/2 Σ λ_i x_i^2 from x = (1, 1), in closed form, summarised as engine.sweep
    does: the final loss (frozen before the run leaves the box |x| <= 1e3), the divergence step and the
    first step with J <= tolerance."""
    k = np.arange(STEPS + 1)[:, None, None]
    x = (1 - rates[None, :, None] * LAMBDAS) ** k  # (step, rate, coordinate)
    loss = 0.5 * np.sum(LAMBDAS * x**2, axis=-1)
    out = np.any(np.abs(x) > BOX, axis=-1)
    diverged_at = np.where(out.any(0), out.argmax(0), NEVER)
    alive = ~out.any(0)
    final_loss = np.where(alive, loss[-1], loss[np.maximum(diverged_at - 1, 0), np.arange(rates.size)])
    below = (loss <= TOLERANCE) & (np.cumsum(out, axis=0) == 0)
    reached_at = np.where(below.any(0), below.argmax(0), NEVER)
    return final_loss, diverged_at, reached_at


@pytest.fixture(scope="module")
def sweep():
    rates = np.logspace(-3, 0.5, 240)
    final_loss, diverged_at, reached_at = quadratic_sweep(rates)
    figure = sweep_figure(rates, final_loss, diverged_at, reached_at, min_value=0.0, tolerance=TOLERANCE,
                          marks=MARKS, theory=THEORY)
    return rates, final_loss, diverged_at, reached_at, figure


def rects(spec):
    return [s for s in spec["layout"]["shapes"] if s["type"] == "rect"]


def texts(spec):
    return [a["text"] for a in spec["layout"]["annotations"]]


# ------------------------------------------------------------------------------------------ helpers


def test_never_is_the_engines():
    assert NEVER == ENGINE_NEVER


def test_classify_puts_divergence_first_then_reaching():
    diverged_at = np.array([NEVER, NEVER, NEVER, 5, 7])
    reached_at = np.array([NEVER, 10, NEVER, 3, NEVER])  # the fourth run reached, then diverged
    assert classify(diverged_at, reached_at).tolist() == ["slow", "good", "slow", "diverges", "diverges"]


def test_regions_cut_at_geometric_means():
    rates = np.array([1.0, 4.0, 16.0, 64.0, 256.0])
    labels = ["slow", "slow", "good", "diverges", "diverges"]
    assert regions(rates, labels) == [("slow", 1.0, 8.0), ("good", 8.0, 32.0), ("diverges", 32.0, 256.0)]


@pytest.mark.parametrize("labels", [["good"] * 6, ["diverges"] * 6, ["slow"] * 6])
def test_one_label_is_one_region_over_the_whole_span(labels):
    rates = np.geomspace(0.01, 3.0, 6)
    assert regions(rates, labels) == [(labels[0], pytest.approx(0.01), pytest.approx(3.0))]


def test_a_single_rate_is_a_region_of_zero_width_and_no_rate_none():
    assert regions(np.array([0.3]), np.array(["good"])) == [("good", 0.3, 0.3)]
    assert regions(np.array([]), np.array([])) == []


@pytest.mark.parametrize("seed", range(5))
def test_regions_tile_the_span_in_order(seed):
    rng = np.random.default_rng(seed)
    rates = np.sort(rng.uniform(1e-4, 10.0, 200))
    labels = rng.choice(["slow", "good", "diverges"], 200, p=[0.45, 0.45, 0.1])
    spans = regions(rates, labels)
    assert spans[0][1] == rates[0] and spans[-1][2] == rates[-1]
    for (label, _, x1), (next_label, x0, _) in zip(spans, spans[1:], strict=False):
        assert x1 == x0 and label != next_label
    for rate, label in zip(rates, labels, strict=True):  # every rate lies in a region of its own label
        assert [s[0] for s in spans if s[1] <= rate <= s[2]] == [label]


def test_divergence_boundary_brackets_the_edge():
    rates = np.array([0.1, 0.2, 0.4, 0.8, 1.6])
    assert divergence_boundary(rates, np.array([NEVER, NEVER, 3, 2, 1])) == (0.2, 0.4)
    # An island of divergence below a stable rate does not count: everything above the answer diverged.
    assert divergence_boundary(rates, np.array([NEVER, 9, NEVER, 2, 1])) == (0.4, 0.8)


@pytest.mark.parametrize("diverged_at, expected", [
    ([4, 3, 2], (None, 0.1)),                    # all diverge
    ([NEVER, NEVER, NEVER], (0.4, None)),        # none diverge
    ([NEVER, 5, NEVER], (0.4, None)),            # none above the largest stable rate
])
def test_divergence_boundary_edge_cases(diverged_at, expected):
    assert divergence_boundary(np.array([0.1, 0.2, 0.4]), np.array(diverged_at)) == expected


def test_divergence_boundary_of_a_single_rate():
    assert divergence_boundary(np.array([0.5]), np.array([3])) == (None, 0.5)
    assert divergence_boundary(np.array([0.5]), np.array([NEVER])) == (0.5, None)


def test_the_measured_boundary_brackets_two_over_lambda_max(sweep):
    rates, _, diverged_at, _, _ = sweep
    stable, unstable = divergence_boundary(rates, diverged_at)
    # Just above 2/λmax the oscillation grows by |1 - ηλmax| per step, too slowly to leave the box in
    # STEPS steps: the measured edge lies between 2/λmax and (1 + BOX^(1/STEPS))/λmax.
    assert 2 / LAMBDAS.max() < unstable and stable < (1 + BOX ** (1 / STEPS)) / LAMBDAS.max()
    assert unstable / stable == pytest.approx(rates[1] / rates[0])


# ------------------------------------------------------------------------------------------- figure


def test_sweep_figure_validates_and_is_small(sweep):
    spec = sweep[-1].to_dict()
    go.Figure(spec)
    assert 400 <= spec["layout"]["height"] <= 640
    assert len(pio.to_json(spec, validate=False)) < 60_000
    assert spec["layout"]["xaxis"]["type"] == "log" and spec["layout"]["xaxis2"]["matches"] == "x"


def test_shaded_regions_are_the_three_regimes_in_order(sweep):
    rates, _, diverged_at, reached_at, figure = sweep
    bands = rects(figure.to_dict())
    assert bands[0]["x0"] == pytest.approx(rates[0], rel=1e-5)
    assert bands[-1]["x1"] == pytest.approx(rates[-1], rel=1e-5)
    assert all(a["x1"] == b["x0"] for a, b in zip(bands, bands[1:], strict=False))
    assert all(b["x0"] < b["x1"] and b["yref"] == "paper" and (b["y0"], b["y1"]) == (0, 1) for b in bands)
    # Slow, converging, then a sliver of slow (unstable, but still inside the box after STEPS steps),
    # then diverging.
    expected = [REGIME_COLOURS[key] for key in ("small", "stable", "small", "large")]
    assert [b["fillcolor"] for b in bands] == expected
    assert {"<b>too slow / stuck</b>", "<b>converges</b>", "<b>diverges</b>"} <= set(texts(figure.to_dict()))
    cut = np.sqrt(rates[:-1] * rates[1:])[np.flatnonzero(np.diff(diverged_at != NEVER))[0]]
    assert bands[-1]["x0"] == pytest.approx(cut, rel=1e-5), "the diverges band starts between two rates"


def test_marks_and_theory_lines_carry_their_labels(sweep):
    spec = sweep[-1].to_dict()
    lines = [s for s in spec["layout"]["shapes"] if s["type"] == "line"]
    notes = {a["text"]: a for a in spec["layout"]["annotations"]}
    for label, rate, colour in MARKS:
        assert any(s["x0"] == pytest.approx(rate, rel=1e-5) and s["line"]["color"] == colour for s in lines)
        assert notes[label]["x"] == pytest.approx(np.log10(rate), abs=1e-4)  # annotations sit at log10 x
    for key, rate in THEORY.items():
        assert any(s["x0"] == pytest.approx(rate, rel=1e-5) for s in lines)
        assert notes[THEORY_TEXT[key]]["x"] == pytest.approx(np.log10(rate), abs=1e-4)
    assert "η = 2/λmax (stability limit)" in notes and "η = 2/(λmin+λmax) (fastest)" in notes


def test_without_theory_or_outside_the_span_no_line_is_drawn(sweep):
    rates, final_loss, diverged_at, reached_at, _ = sweep
    marks = [("far away", 100.0, "#000000"), ("stable η", 0.1, "#2a9d8f")]
    spec = sweep_figure(rates, final_loss, diverged_at, reached_at, min_value=0.0, tolerance=TOLERANCE,
                        marks=marks, theory={"stability_limit": 50.0}).to_dict()
    assert [s["x0"] for s in spec["layout"]["shapes"] if s["type"] == "line"] == [0.1]
    assert "far away" not in texts(spec) and THEORY_TEXT["stability_limit"] not in texts(spec)


def test_loss_gap_panel(sweep):
    rates, final_loss, diverged_at, _, figure = sweep
    line = figure.trace("loss gap at the end")
    diverged = diverged_at != NEVER
    assert [y is None for y in line["y"]] == diverged.tolist()
    kept = np.array([y for y in line["y"] if y is not None])
    np.testing.assert_allclose(kept, np.maximum(final_loss[~diverged], 1e-12), rtol=1e-3)
    crosses = figure.trace("diverged (off the scale)")
    np.testing.assert_allclose(crosses["x"], rates[diverged], rtol=1e-5)
    assert crosses["customdata"] == diverged_at[diverged].tolist()
    low, high = figure.to_dict()["layout"]["yaxis"]["range"]
    assert np.log10(kept.max()) < np.log10(crosses["y"][0]) < high, "on the top edge, above every gap"
    assert low < np.log10(kept.min())


def test_without_a_minimum_the_gap_is_to_the_best_run(sweep):
    rates, final_loss, diverged_at, reached_at, _ = sweep
    figure = sweep_figure(rates, final_loss + 5.0, diverged_at, reached_at, min_value=None,
                          tolerance=TOLERANCE, marks=[])
    kept = np.array([y for y in figure.trace("loss gap at the end")["y"] if y is not None])
    assert kept.min() == pytest.approx(1e-12)
    stayed = final_loss[diverged_at == NEVER]
    assert kept.max() == pytest.approx(stayed.max() - stayed.min(), rel=1e-3)
    assert "min J" in figure.to_dict()["layout"]["yaxis"]["title"]["text"]


def test_steps_panel_is_missing_where_never_reached(sweep):
    rates, _, diverged_at, reached_at, figure = sweep
    steps = figure.trace("steps to the tolerance")["y"]
    good = classify(diverged_at, reached_at) == "good"
    assert good.any() and not good.all()
    assert [y is not None for y in steps] == good.tolist()
    assert [y for y in steps if y is not None] == np.maximum(reached_at[good], 1).tolist()
    fastest = [t for t in figure.to_dict()["data"] if t["name"].startswith("fewest steps")][0]
    assert fastest["y"] == [min(y for y in steps if y is not None)]


@pytest.mark.parametrize("case", ["all diverge", "none diverge", "one rate"])
def test_degenerate_sweeps_still_draw(case):
    rates = np.array([0.5]) if case == "one rate" else np.geomspace(0.01, 1.0, 200)
    n = rates.size
    diverged_at = np.full(n, 3 if case == "all diverge" else NEVER)
    reached_at = np.full(n, NEVER if case == "all diverge" else 20)
    figure = sweep_figure(rates, np.full(n, 1e-4), diverged_at, reached_at, min_value=0.0,
                          tolerance=TOLERANCE, marks=MARKS)
    spec = figure.to_dict()
    go.Figure(spec)
    label = "diverges" if case == "all diverge" else "good"
    colour = REGIME_COLOURS["large" if label == "diverges" else "stable"]
    assert [b["fillcolor"] for b in rects(spec)] == [colour]
    assert len(figure.trace("diverged (off the scale)")["x"]) == (n if case == "all diverge" else 0)


# ----------------------------------------------------------------------------------------- schedule


def test_schedule_figure_draws_the_effective_rate():
    factors = 0.5 ** (np.arange(300) // 100)
    figure = schedule_figure(factors.astype(np.float32), 0.2, "Step decay")
    spec = figure.to_dict()
    go.Figure(spec)
    trace = spec["data"][0]
    assert trace["x"] == list(range(300))
    np.testing.assert_allclose(trace["y"], 0.2 * factors, atol=1e-5)
    assert trace["y"][0] == pytest.approx(0.2) and trace["y"][-1] == pytest.approx(0.05)
    assert "Step decay" in spec["layout"]["title"]["text"]
    assert 150 <= spec["layout"]["height"] <= 300
