"""The exports of an animated figure: the CSV reads back to the engine's arrays exactly, the HTML carries
everything it needs (no URL to fetch), the PNG from kaleido has the size asked for."""

import base64
import csv
import io
import re
import struct

import numpy as np
import pytest

from landscapes import LANDSCAPES
from plotting import export, player_figure
from plotting.player import BACKGROUND
from plotting.training import boundary_animation
from ui import compute

STEPS = 120


def shown_run(landscape_key, optimizer_key, hyperparams, start, steps=STEPS):
    """A run as a page shows it (``compute.shown``), with its optimizer states."""
    theta = tuple(float(v) for v in LANDSCAPES[landscape_key].theta())
    run = compute.run_of(landscape_key, theta, optimizer_key, hyperparams, start)
    return compute.shown(run, steps)


@pytest.fixture(scope="module")
def runs():
    """Adam on Rosenbrock (converging), momentum past its stability limit on the bowl (diverging), SGD."""
    return {"Adam": shown_run("rosenbrock", "adam", dict(learning_rate=0.05), (-1.5, 2.0)),
            "Momentum": shown_run("quadratic", "momentum", dict(learning_rate=0.5, momentum=0.9), (2.0, 1.5)),
            "Gradient descent": shown_run("quadratic", "sgd", dict(learning_rate=0.15), (2.0, 1.5))}


@pytest.fixture(scope="module")
def figure(runs):
    landscape = LANDSCAPES["rosenbrock"]
    xs, ys, z = compute.grid_values("rosenbrock", tuple(float(v) for v in landscape.theta()))
    adam = runs["Adam"]
    return player_figure(xs, ys, z, [dict(name="path", colour="#e377c2", path=adam.path, grads=adam.grads,
                                          loss=adam.loss)], log_color=True, minima=landscape.minima)


def read_back(text):
    """The CSV as {run: {column: list of texts}}, read with the csv module."""
    tables = {}
    for row in csv.DictReader(io.StringIO(text)):
        table = tables.setdefault(row.pop("run"), {})
        for name, value in row.items():
            table.setdefault(name, []).append(value)
    return tables


def float32s(texts):
    return np.asarray([np.float32(float(t)) for t in texts], np.float32)


def test_the_fixture_has_a_diverged_run(runs):
    assert runs["Momentum"].diverged_at is not None
    assert runs["Momentum"].last < STEPS
    assert runs["Adam"].diverged_at is None and runs["Adam"].last == STEPS


def test_csv_reads_back_to_the_engines_arrays_exactly(runs):
    tables = read_back(export.path_csv({name: run._asdict() for name, run in runs.items()}))
    assert list(tables) == list(runs)
    for name, run in runs.items():
        table = tables[name]
        assert [int(s) for s in table["step"]] == list(range(len(run.path)))  # cut at the last finite point
        # Exact equality: every number is written as the shortest text that reads back to its float32.
        for i, axis in enumerate("xy"):
            np.testing.assert_array_equal(float32s(table[axis]), run.path[:, i])
            np.testing.assert_array_equal(float32s(table[f"grad.{axis}"]), run.grads[:, i])
        np.testing.assert_array_equal(float32s(table["loss"]), run.loss)


def test_csv_holds_the_optimizer_state_before_each_step(runs):
    tables = read_back(export.path_csv({name: run._asdict() for name, run in runs.items()}))
    adam, momentum = runs["Adam"].states, runs["Momentum"].states
    assert [int(s) for s in tables["Adam"]["state.count"]] == list(adam.count)
    assert list(adam.count[:3]) == [0, 1, 2]  # before update k, Adam has counted k updates
    for i, axis in enumerate("xy"):
        np.testing.assert_array_equal(float32s(tables["Adam"][f"state.mean.{axis}"]), adam.mean[:, i])
        np.testing.assert_array_equal(float32s(tables["Adam"][f"state.mean_square.{axis}"]),
                                      adam.mean_square[:, i])
        np.testing.assert_array_equal(float32s(tables["Momentum"][f"state.velocity.{axis}"]),
                                      momentum.velocity[:, i])
    # A state column another run lacks is empty there (plain gradient descent keeps no state).
    assert set(tables["Gradient descent"]["state.count"]) == {""}


def test_shown_cuts_the_states_with_the_path(runs):
    momentum = runs["Momentum"]
    assert len(momentum.states.velocity) == len(momentum.path) == momentum.diverged_at
    assert np.all(np.isfinite(momentum.states.velocity))


def test_a_number_is_written_exactly_and_briefly():
    third = np.float32(1 / 3)
    assert export.cell(third) == "0.33333334" and np.float32(float(export.cell(third))) == third
    assert export.cell(np.float32(0.1)) == "0.1"  # not 0.10000000149011612
    assert export.cell(np.int32(7)) == "7"


def test_csv_names_parameters_and_takes_steps():
    text = export.path_csv({"path": dict(path=np.ones((3, 2), np.float32), loss=np.zeros(3, np.float32),
                                         steps=np.array([0, 100, 200]))}, names=("pc1", "pc2"))
    assert text.splitlines() == ["run,step,pc1,pc2,loss", "path,0,1.0,1.0,0.0", "path,100,1.0,1.0,0.0",
                                 "path,200,1.0,1.0,0.0"]


def script_sources(page):
    """Every src/href attribute in the page's tags (a file that plays offline needs none that fetch)."""
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", page)
    return [t for t in tags if re.search(r"\b(?:src|href)\s*=", t)]


def test_html_carries_plotly_the_picture_and_the_runs(figure):
    page = export.animation_html(figure, "Gradient descent <Rosenbrock>")
    plotly_js = export.PLOTLY_JS.read_text(encoding="utf-8")
    assert plotly_js[:2000] in page and len(page) > len(plotly_js)  # plotly.js inlined, whole
    assert script_sources(page) == []
    assert "data:image/png;base64," + base64.b64encode(figure.background).decode() in page
    assert f'"{BACKGROUND}"' not in page  # the placeholder is replaced by the picture
    assert figure.spec["runs"][0]["path"] in page  # the path, as the player's float32 base64
    assert "streamlit:render" in page and "loadPlotly = () => Promise.resolve()" in page
    # The player's own loader, which the page replaces (else it would ask for plotly.js by URL).
    assert "function loadPlotly(" in (export.PLAYER_FRONTEND / "player.js").read_text(encoding="utf-8")
    assert "<title>Gradient descent &lt;Rosenbrock&gt;</title>" in page
    assert 'id="play"' in page and 'id="scrub"' in page and 'id="back"' in page and 'id="next"' in page


def test_html_of_a_plotly_animation_is_offline_too():
    probs = np.random.default_rng(0).random((3, 4, 4))
    points = (np.zeros((2, 2)), np.array([0, 1]))
    fig = boundary_animation(np.arange(4.0), np.arange(4.0), [dict(probs=probs, train=points, val=points)],
                             ["0", "10", "20"], titles=["run"])
    page = export.plotly_html(fig.to_dict(), "boundary")
    assert script_sources(page) == []
    assert export.PLOTLY_JS.read_text(encoding="utf-8")[:2000] in page
    assert "\\u25b6 Play" in page and '"name":"20"' in page.replace(" ", "")  # buttons and frames


def test_the_view_draws_the_path_up_to_the_step(figure, runs):
    adam = runs["Adam"]
    view = export.view_figure(figure, 30)
    trail = next(t for t in view["data"] if t.get("name") == "path so far")
    np.testing.assert_array_equal(np.asarray(trail["x"], np.float32), adam.path[:31, 0])
    point = next(t for t in view["data"] if t.get("name") == "current point")
    assert (np.float32(point["x"][0]), np.float32(point["y"][0])) == tuple(adam.path[30])
    whole = next(t for t in view["data"] if t.get("name") == "whole path")
    assert whole["visible"] is False  # before the end, as the player: it would give the ending away
    assert export.view_figure(figure, export.END)["data"][len(figure.spec["static"])]["visible"] is True
    assert view["layout"]["images"][0]["source"].startswith("data:image/png;base64,")


def png_size(data):
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_png_has_the_size_asked_for(figure):
    width, height = export.view_size(figure)
    assert height == figure.spec["layout"]["height"] and 640 <= width <= 1500
    assert png_size(export.figure_png(figure, width, height, 40)) == (width, height)
