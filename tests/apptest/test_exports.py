"""Every animated figure has its three download buttons, at each page's defaults, and what they would
download is the page's own runs: the buttons' callables are caught as Streamlit registers them and run
here (a browser would run them on a click)."""

import csv
import io

import numpy as np
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from tests.apptest import helpers

# page -> (the export row's key, the runs its CSV names, the CSV's parameter columns)
PAGES = {
    "pages/gradient_descent/page.py": ("player", ["Gradient descent"], ["x", "y"]),
    "pages/backpropagation/page.py": ("player", ["gradient descent"], ["w1", "w2"]),
    "pages/learning_rate/page.py": ("player", ["small η = 0.01", "large η = 3.16", "stable η = 0.501"],
                                    ["x", "y"]),
    "pages/optimizer_race/page.py": ("player", None, ["x", "y"]),
    "pages/mini_batches/page.py": ("player", ["GD (all n examples)", "SGD (B = 1)", "mini-batch"],
                                   ["x", "y"]),
    "pages/loss_landscape/page.py": ("path", ["training path"], ["pc1", "pc2"]),
    "pages/overfitting/page.py": ("boundary", ["this run"], ["train_loss", "val_loss", "val_accuracy"]),
}


@pytest.fixture
def deferred(monkeypatch):
    """The callables pages hand to their download buttons: {file id: (callable, mime type, file name)}."""
    caught = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        file_id = original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)
        caught[file_id] = (data_callable, mimetype, file_name)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return caught


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def exports(at, deferred, key):
    """The export row ``key`` on screen: {"html" | "csv" | "png": (button, callable, mime, file name)}."""
    found = {}
    for button in at.get("download_button"):
        kind = button.proto.id.rsplit(".", 1)[-1]
        if button.proto.id.endswith(f"-exports.{key}.{kind}"):
            found[kind] = (button.proto, *deferred[button.proto.deferred_file_id])
    return found


@pytest.mark.parametrize("page", list(PAGES), ids=lambda p: p.split("/")[1])
def test_every_animated_figure_offers_html_csv_and_png(page, deferred):
    key, run_names, columns = PAGES[page]
    at = helpers.fresh(page, timeout=300)
    helpers.assert_healthy(at, page)
    found = exports(at, deferred, key)
    assert list(found) == ["html", "csv", "png"]  # one row, in this order
    labels = [button.label for button, *_ in found.values()]
    assert labels[0] == "Animation (HTML)" and labels[1].endswith("(CSV)") and labels[2] == "View (PNG)"
    assert all(button.ignore_rerun for button, *_ in found.values())  # a download does not rerun the page
    assert {kind: (mime, name.rsplit(".", 1)[-1]) for kind, (_, _, mime, name) in found.items()} == {
        "html": ("text/html", "html"), "csv": ("text/csv", "csv"), "png": ("image/png", "png")}
    rows = csv_rows(found["csv"][1]())
    assert set(columns) <= set(rows[0])
    names = list(dict.fromkeys(row["run"] for row in rows))
    assert names == run_names if run_names else len(names) >= 2
    page_html = found["html"][1]()
    assert page_html.lstrip().lower().startswith(("<!doctype html>", "<html"))
    assert "<script src=" not in page_html and "Plotly" in page_html


@pytest.mark.parametrize("page", ["pages/gradient_descent/page.py", "pages/optimizer_race/page.py"],
                         ids=lambda p: p.split("/")[1])
def test_the_csv_is_the_runs_the_player_draws(page, deferred):
    at = helpers.fresh(page)
    figure = helpers.component_args(at, "player")["figure"]
    text = exports(at, deferred, "player")["csv"][1]()
    rows = csv_rows(text)
    for run, name in zip(figure["runs"], dict.fromkeys(r["run"] for r in rows), strict=True):
        mine = [r for r in rows if r["run"] == name]
        path = np.array([[np.float32(float(r["x"])), np.float32(float(r["y"]))] for r in mine], np.float32)
        np.testing.assert_array_equal(path.ravel(), helpers.float32s(run["path"]))  # exactly what it plays
    assert [int(r["step"]) for r in rows if r["run"] == rows[0]["run"]][:3] == [0, 1, 2]


def test_the_file_names_come_from_the_page_and_its_settings(deferred):
    at = helpers.fresh("pages/gradient_descent/page.py")
    helpers.select(at, optimizer="adam")
    found = exports(at, deferred, "player")
    assert [name for *_, name in found.values()] == [
        f"gradient-descent-quadratic-bowl-ill-conditioned-adam.{kind}" for kind in ("html", "csv", "png")]
    assert {"state.count", "state.mean.x", "state.mean_square.y"} <= set(csv_rows(found["csv"][1]())[0])
