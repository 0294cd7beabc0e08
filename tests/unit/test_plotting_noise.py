"""The mini-batch noise figures: the gradient cloud, the spread against B and the cost of a step."""

import base64
import json

import numpy as np
import plotly.graph_objects as go
import pytest

from plotting.noise import (
    CLOUD_NAME,
    ELLIPSE_NAME,
    GRADIENT_NAME,
    MEAN_NAME,
    MEASURED_NAME,
    PREDICTED_NAME,
    REFERENCE_NAME,
    cost_figure,
    covariance_ellipse,
    gradient_cloud_figure,
    spread_figure,
)

N = 200
TRUE_GRAD = np.array([-4.0, -2.5])


def valid(figure):
    """The figure validates in plotly and serialises as strict JSON (no NaN); its dict is returned."""
    spec = figure.to_dict()
    go.Figure(spec)
    json.dumps(spec, allow_nan=False)
    return spec


def typed_values(values):
    """A Plotly typed array {dtype, bdata} as numpy (the cost traces send float32 that way)."""
    assert set(values) == {"dtype", "bdata"}, values
    return np.frombuffer(base64.b64decode(values["bdata"]), np.dtype(values["dtype"]))


def by_name(spec, prefix):
    return [t for t in spec["data"] if t.get("name", "").startswith(prefix)]


def per_example_gradients(seed=0):
    """Per-example gradients of a least-squares fit, with their mean (the full-batch gradient)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=N)
    X, y = np.stack([np.ones(N), x], 1), 2 * x + 1 + rng.normal(scale=0.5, size=N)
    per = 2 * (X @ np.array([-1.0, 0.5]) - y)[:, None] * X
    return per, per.mean(0)


def estimates(per, batch_size, samples=200, seed=1):
    rng = np.random.default_rng(seed)
    return np.array([per[rng.choice(len(per), batch_size, replace=False)].mean(0) for _ in range(samples)])


# -------------------------------------------------------------------------------- gradient cloud


@pytest.fixture(scope="module")
def cloud():
    per, grad = per_example_gradients()
    samples = estimates(per, 8)
    return samples, grad, valid(gradient_cloud_figure(samples, grad, batch_size=8, n=N))


def test_cloud_draws_every_estimate_and_titles_the_batch(cloud):
    samples, _, spec = cloud
    trace = by_name(spec, CLOUD_NAME)[0]
    np.testing.assert_allclose(trace["x"], samples[:, 0], atol=1e-3)
    np.testing.assert_allclose(trace["y"], samples[:, 1], atol=1e-3)
    assert 0 < trace["marker"]["opacity"] < 1
    assert spec["layout"]["title"]["text"] == f"gradient estimates with B = 8 of n = {N}"


def test_mean_marker_is_the_samples_mean(cloud):
    samples, _, spec = cloud
    mean = by_name(spec, MEAN_NAME)[0]
    np.testing.assert_allclose([mean["x"][0], mean["y"][0]], samples.mean(0), atol=1e-3)
    assert mean["marker"]["symbol"].startswith("x")


def test_arrow_runs_from_the_origin_to_the_true_gradient(cloud):
    _, grad, spec = cloud
    line = by_name(spec, GRADIENT_NAME)[0]
    np.testing.assert_allclose([line["x"][0], line["y"][0]], [0, 0])
    np.testing.assert_allclose([line["x"][-1], line["y"][-1]], grad, atol=1e-3)
    head = next(a for a in spec["layout"]["annotations"] if a.get("showarrow"))
    np.testing.assert_allclose([head["x"], head["y"]], grad, atol=1e-3)
    assert (head["ax"], head["ay"], head["axref"], head["ayref"]) == (0, 0, "x", "y")


def test_ellipse_axes_are_the_covariance_eigen_decomposition(cloud):
    samples, _, spec = cloud
    ring = by_name(spec, ELLIPSE_NAME)[0]
    points = np.stack([ring["x"], ring["y"]], 1)
    mean, cov = samples.mean(0), np.cov(samples, rowvar=False)
    values, vectors = np.linalg.eigh(cov)
    # the first point (angle 0) is the tip of the first semi-axis: mean + 2 √λ₀ v₀
    np.testing.assert_allclose(points[0], mean + 2 * np.sqrt(values[0]) * vectors[:, 0], atol=1e-3)
    # every point lies on the 2σ Mahalanobis contour
    offsets = points - mean
    np.testing.assert_allclose(np.einsum("ij,jk,ik->i", offsets, np.linalg.inv(cov), offsets), 4, rtol=2e-3)


def test_covariance_ellipse_quarter_turn_is_the_second_axis():
    cov = np.array([[4.0, 1.5], [1.5, 1.0]])
    x, y = covariance_ellipse(np.array([1.0, -2.0]), cov, points=5)  # angles 0, π/2, π, 3π/2, 2π
    values, vectors = np.linalg.eigh(cov)
    np.testing.assert_allclose([x[1], y[1]], [1.0, -2.0] + 2 * np.sqrt(values[1]) * vectors[:, 1], atol=1e-12)
    np.testing.assert_allclose([x[2], y[2]], [1.0, -2.0] - 2 * np.sqrt(values[0]) * vectors[:, 0], atol=1e-12)


def test_cloud_axes_are_to_scale_and_show_origin_and_cloud(cloud):
    samples, _, spec = cloud
    xaxis, yaxis = spec["layout"]["xaxis"], spec["layout"]["yaxis"]
    assert yaxis["scaleanchor"] == "x" and yaxis["scaleratio"] == 1
    assert np.isclose(np.diff(xaxis["range"]), np.diff(yaxis["range"]))
    for axis, values in ((xaxis, samples[:, 0]), (yaxis, samples[:, 1])):
        low, high = axis["range"]
        assert low < min(0, values.min()) and max(0, values.max()) < high


def test_full_batch_cloud_has_zero_spread_and_no_nan():
    per, grad = per_example_gradients()
    samples = estimates(per, N, samples=50)  # every estimate is ∇J up to rounding
    spec = valid(gradient_cloud_figure(samples, grad, batch_size=N, n=N))
    ring = by_name(spec, ELLIPSE_NAME)[0]
    np.testing.assert_allclose(ring["x"], grad[0], atol=1e-3)
    np.testing.assert_allclose(ring["y"], grad[1], atol=1e-3)
    assert any("no noise" in a.get("text", "") for a in spec["layout"]["annotations"])
    low, high = spec["layout"]["xaxis"]["range"]
    assert low < grad[0] < 0 < high


def test_identical_samples_give_a_point_ellipse():
    samples = np.tile(TRUE_GRAD, (30, 1))
    spec = valid(gradient_cloud_figure(samples, TRUE_GRAD, batch_size=N, n=N))
    assert set(by_name(spec, ELLIPSE_NAME)[0]["x"]) == {TRUE_GRAD[0]}


def test_zero_gradient_is_a_marker_not_an_arrow():
    per, grad = per_example_gradients()
    samples = estimates(per, 4) - grad  # at a minimum: ∇J = 0, the estimates still scatter
    spec = valid(gradient_cloud_figure(samples, np.zeros(2), batch_size=4, n=N))
    assert by_name(spec, GRADIENT_NAME)[0]["mode"] == "markers"
    assert not any(a.get("showarrow") for a in spec["layout"]["annotations"])


def test_zero_everything_still_has_a_view():
    spec = valid(gradient_cloud_figure(np.zeros((10, 2)), np.zeros(2), batch_size=N, n=N))
    low, high = spec["layout"]["xaxis"]["range"]
    assert low < 0 < high


def test_huge_spreads_and_non_finite_rows_serialise():
    rng = np.random.default_rng(3)
    samples = rng.normal(scale=1e12, size=(200, 2))
    samples[5] = [np.nan, 1.0]
    samples[7] = [np.inf, 0.0]
    spec = valid(gradient_cloud_figure(samples, np.array([1.0, 1.0]), batch_size=1, n=10**6))
    assert len(by_name(spec, CLOUD_NAME)[0]["x"]) == 198
    assert np.all(np.isfinite(by_name(spec, ELLIPSE_NAME)[0]["x"]))
    assert spec["layout"]["xaxis"]["range"][1] > 1e12


# ------------------------------------------------------------------------------------ spread vs B

BATCHES = np.array([1, 2, 4, 8, 16, 32, 64, 128, N])
TRACE_SIGMA = 9.0


def predicted_spread(batches=BATCHES):
    return np.sqrt(TRACE_SIGMA / batches * (N - batches) / (N - 1))


@pytest.fixture(scope="module")
def spread():
    measured = predicted_spread() * np.linspace(0.9, 1.1, BATCHES.size)
    measured[-1] = 3e-16  # rounding error of a zero at B = n
    return measured, valid(spread_figure(BATCHES, measured, predicted_spread(), current_batch=16, n=N))


def test_spread_is_log_log(spread):
    _, spec = spread
    assert spec["layout"]["xaxis"]["type"] == spec["layout"]["yaxis"]["type"] == "log"


def test_spread_drops_the_zero_prediction_and_says_so(spread):
    _, spec = spread
    line = by_name(spec, PREDICTED_NAME)[0]
    assert line["x"] == BATCHES[:-1].tolist()
    np.testing.assert_allclose(line["y"], predicted_spread()[:-1], rtol=1e-5)
    (note,) = [a for a in spec["layout"]["annotations"] if f"0 at B = {N}" in a["text"]]
    assert note["xanchor"] == "right", "B = n is the axis's last value: the note must end there, not start"
    legend = spec["layout"]["legend"]
    assert (legend["xanchor"], legend["yanchor"]) == ("right", "top"), "the empty corner: spread falls with B"


def test_measured_rounding_zero_is_dropped(spread):
    measured, spec = spread
    markers = by_name(spec, MEASURED_NAME)[0]
    assert markers["mode"] == "markers"
    assert markers["x"] == BATCHES[:-1].tolist()
    np.testing.assert_allclose(markers["y"], measured[:-1], rtol=1e-5)


def test_reference_is_one_over_root_b_through_the_b1_prediction(spread):
    _, spec = spread
    ref = by_name(spec, REFERENCE_NAME)[0]
    x, y = np.array(ref["x"], float), np.array(ref["y"], float)
    np.testing.assert_allclose(y * np.sqrt(x), np.sqrt(TRACE_SIGMA), rtol=1e-5)
    assert ref["line"]["dash"] == "dash"


def test_reference_without_b1_in_the_grid_recovers_trace_sigma():
    batches = np.array([4, 16, 64, N])
    spec = valid(spread_figure(batches, predicted_spread(batches), predicted_spread(batches),
                               current_batch=4, n=N))
    ref = by_name(spec, REFERENCE_NAME)[0]
    np.testing.assert_allclose(ref["y"], np.sqrt(TRACE_SIGMA / batches), rtol=1e-5)


def test_current_batch_is_a_vertical_line_spanning_the_axis(spread):
    _, spec = spread
    line = by_name(spec, "your batch size")[0]
    assert line["x"] == [16, 16]
    np.testing.assert_allclose(np.log10(line["y"]), spec["layout"]["yaxis"]["range"], atol=1e-4)


def test_spread_with_nan_and_nothing_positive_serialises():
    predicted = np.array([np.nan, 0.0, -1.0])
    spec = valid(spread_figure(np.array([1, 2, 3]), predicted, predicted, current_batch=3, n=3))
    assert by_name(spec, PREDICTED_NAME)[0]["x"] == []
    assert not by_name(spec, REFERENCE_NAME)


# --------------------------------------------------------------------------------- cost of a step

STEPS = 50


def runs():
    decay = np.exp(-np.arange(STEPS) / 10.0)
    return [dict(name="full batch", colour="#1f77b4", loss=1 + 4 * decay, examples_per_step=N),
            dict(name="SGD (B = 1)", colour="#e4572e", loss=1.2 + 4 * decay**2, examples_per_step=1),
            dict(name="B = 16", colour="#2a9d8f", loss=1.1 + 4 * decay, examples_per_step=16)]


@pytest.fixture(scope="module")
def cost():
    return valid(cost_figure(runs()))


def test_left_panel_is_loss_against_step_and_right_against_examples(cost):
    for run in runs():
        left, right = (t for t in cost["data"] if t["name"] == run["name"])
        assert (left["xaxis"], right["xaxis"]) == ("x", "x2")
        # x is implicit: x_k = x0 + k dx, step k on the left, k·B examples on the right.
        assert (left["x0"], left["dx"]) == (0, 1) and "x" not in left
        assert (right["x0"], right["dx"]) == (0, run["examples_per_step"]) and "x" not in right
        # The losses travel as float32, exactly: the engine's own precision.
        np.testing.assert_array_equal(typed_values(right["y"]), np.asarray(run["loss"], np.float32))
        assert left["y"] == right["y"]


def test_panels_share_the_y_axis_and_the_legend_lists_each_run_once(cost):
    layout = cost["layout"]
    assert layout["yaxis2"]["matches"] == "y"
    shown = [t["name"] for t in cost["data"] if t.get("showlegend", True)]
    assert shown == [run["name"] for run in runs()]
    assert layout["xaxis"]["domain"][1] < layout["xaxis2"]["domain"][0]


def test_cost_single_series_and_log_y_drops_non_positive_and_nan():
    run = dict(name="only", colour="#000000", loss=np.array([2.0, 0.0, np.nan, 0.5]), examples_per_step=8)
    spec = valid(cost_figure([run], log_y=True))
    left, right = spec["data"]
    # A non-positive loss has no place on a log axis: NaN, a gap in the line (as is the NaN itself).
    np.testing.assert_array_equal(typed_values(left["y"]), [2.0, np.nan, np.nan, 0.5])
    assert (right["x0"], right["dx"]) == (0, 8)
    assert spec["layout"]["yaxis"]["type"] == "log"


def test_cost_linear_axes_on_request():
    spec = valid(cost_figure(runs()[:1], log_examples=False))
    assert spec["layout"]["xaxis2"]["type"] == "linear"
    assert spec["layout"]["yaxis"]["type"] == "linear"
