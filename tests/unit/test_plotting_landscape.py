"""The loss-landscape figures: valid Plotly, the numbers they were given, the 2/η line where it belongs."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from plotting.frames import DictFigure
from plotting.landscape import (
    interpolation_figure,
    loss_steps_figure,
    sharpness_figure,
    slice_figure,
    slice_surface,
)
from tests.apptest.helpers import decode

XS = np.linspace(-1, 1, 11)
Z = (XS[None, :] ** 2 + 2 * XS[:, None] ** 2 + 0.01).astype(np.float32)


def valid(figure):
    """Plotly accepts the figure and it serialises to strict JSON (NaN is not JSON)."""
    assert isinstance(figure, DictFigure)
    go.Figure(figure.to_dict())
    json.loads(json.dumps(figure.to_dict(), allow_nan=False))
    return figure.to_dict()


@pytest.mark.parametrize("log_color", [False, True])
def test_slice_figure_shows_the_losses_it_was_given_and_stars_the_centre(log_color):
    fig = valid(slice_figure(XS, XS, Z, log_color=log_color, title="t"))
    contour, centre = fig["data"]
    np.testing.assert_allclose(np.asarray(contour["customdata"], np.float64), Z, rtol=1e-5)
    assert (centre["x"], centre["y"]) == ([0.0], [0.0])
    colours = np.asarray(contour["z"], np.float64)
    # A log colour scale is monotone in the loss as well: the lowest loss has the lowest colour.
    assert np.unravel_index(colours.argmin(), colours.shape) == np.unravel_index(Z.argmin(), Z.shape)


def test_a_slice_with_a_diverged_corner_is_still_valid():
    z = Z.copy()
    z[0, 0] = np.inf
    z[1, 1] = np.nan
    fig = valid(slice_figure(XS, XS, z, log_color=True, title="t"))
    assert fig["data"][0]["customdata"][0][0] is None


def test_slice_surface_is_a_3d_surface_of_the_same_grid():
    fig = valid(slice_surface(XS, XS, Z, log_color=False))
    assert fig["data"][0]["type"] == "surface"
    np.testing.assert_allclose(np.asarray(fig["data"][0]["z"], np.float64), Z, rtol=1e-5)


def test_interpolation_figure_puts_accuracy_on_its_own_axis():
    alphas = np.linspace(-0.5, 1.5, 5)
    curves = {"training": (np.arange(5.0) + 1, np.full(5, 0.5)),
              "validation": (np.arange(5.0) + 2, np.ones(5))}
    fig = valid(interpolation_figure(alphas, curves, title="t", ends=("a", "b")))
    names = [t["name"] for t in fig["data"]]
    assert names == ["training loss", "training accuracy", "validation loss", "validation accuracy"]
    assert [t.get("yaxis", "y") for t in fig["data"]] == ["y", "y2", "y", "y2"]
    assert [n["text"] for n in fig["layout"]["annotations"]] == ["a", "b"]


def test_sharpness_figure_draws_the_edge_at_two_over_eta():
    steps = np.arange(0, 101, 10)
    fig = valid(sharpness_figure(steps, np.linspace(1, 6, len(steps)), 0.4, diverged_at=55))
    edge = fig["data"][1]
    assert edge["y"] == [5.0, 5.0] and edge["name"] == "2/η = 5"
    np.testing.assert_allclose(decode(fig["data"][0]["y"]), np.linspace(1, 6, len(steps)), rtol=1e-6)
    assert fig["data"][2]["name"] == "diverged at step 55"
    assert fig["layout"]["yaxis"]["range"][1] >= 6.0


def test_loss_steps_figure_is_on_a_log_axis():
    fig = valid(loss_steps_figure(np.arange(3), np.array([1.0, 0.1, 0.01])))
    assert fig["layout"]["yaxis"]["type"] == "log"
