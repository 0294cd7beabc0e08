"""A surface typed by the teacher, on every page that takes a surface: the path runs on the formula
(its losses are the formula's values at its points, computed here with numpy), the link carries
formula, domain and minimum, and a wrong formula or domain says what is wrong while the page goes on."""

import numpy as np
import pytest

from tests.apptest import helpers
from tests.apptest.helpers import assert_healthy, component_args, float32s, player_runs, select, texts

PAGES = ["pages/gradient_descent/page.py", "pages/learning_rate/page.py", "pages/optimizer_race/page.py"]
FLOAT32 = 1e-5  # the engine computes in float32


def formula_at(points):
    """x² + 3 sin y, the default typed formula, by numpy."""
    return points[:, 0] ** 2 + 3 * np.sin(points[:, 1])


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.split("/")[1])
def test_the_typed_surface_is_what_the_runs_descend(page):
    at = helpers.fresh(page, timeout=300)
    select(at, landscape="typed")
    assert_healthy(at, page)
    assert not at.warning
    runs = component_args(at, "player")["figure"]["runs"]
    for run in runs:
        path = float32s(run["path"]).reshape(-1, 2).astype(np.float64)
        np.testing.assert_allclose(path[0], [2.1, 2.1], rtol=FLOAT32)  # 85 % across [−3, 3]²
        if run.get("loss"):
            loss = float32s(run["loss"]).astype(np.float64)
            np.testing.assert_allclose(loss, formula_at(path), rtol=FLOAT32, atol=FLOAT32)
    assert len(player_runs(at)) >= 1


def test_a_link_carries_the_formula_its_domain_and_its_minimum():
    at = helpers.fresh(PAGES[0], timeout=300)
    select(at, landscape="typed")
    at.text_input(key="formula").set_value("(x - 1)**2 + 2*y**2").run()
    select(at, x_from=-2.0, x_to=4.0, typed_min=True)
    select(at, min_x=1.0, min_y=0.0)
    assert_healthy(at, "typed with a minimum")
    link = {k: v[-1] if isinstance(v, list) else v for k, v in dict(at.query_params).items()}
    assert link["formula"] == "(x - 1)**2 + 2*y**2" and link["x_from"] == "-2.0"
    again = helpers.fresh(PAGES[0], query=link, timeout=300)
    assert_healthy(again, f"from {link}")
    for before, after in zip(player_runs(at), player_runs(again), strict=True):
        np.testing.assert_array_equal(before, after)
    static = component_args(again, "player")["figure"]["static"]
    star = next(t for t in static if t.get("name") == "global minimum")
    assert (star["x"], star["y"]) == ([1.0], [0.0])
    layout = component_args(again, "player")["figure"]["layout"]
    assert layout["xaxis"]["range"] == [-2.0, 4.0]
    path = player_runs(again)[0].astype(np.float64)
    assert np.linalg.norm(path[-1] - [1, 0]) < np.linalg.norm(path[0] - [1, 0])  # it descends to the star


@pytest.mark.parametrize(("values", "message"), [
    ({"formula": "x**2 + z"}, "unknown name 'z' at column 8"),
    ({"formula": "__import__('os').system('true')"}, "not allowed"),
    ({"formula": "x.__class__"}, "attribute access"),
    ({"formula": "9**9**9"}, "exponent"),
    ({"formula": ""}, "empty"),
    ({"x_from": "3", "x_to": "-3"}, "domain"),
])
def test_a_wrong_surface_says_what_is_wrong_and_the_page_goes_on(values, message):
    at = helpers.fresh(PAGES[0], query={"landscape": "typed", **values}, timeout=300)
    assert_healthy(at, str(values))
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and message in warnings[0], warnings
    assert "Quadratic bowl" in texts(at)  # the page's usual surface meanwhile
    assert player_runs(at), "the path is still drawn"


def test_a_formula_too_long_in_the_link_is_ignored():
    at = helpers.fresh(PAGES[0], query={"landscape": "typed", "formula": "x+" * 2000 + "y"}, timeout=300)
    assert_healthy(at, "a 4 kB formula")
    assert at.text_input(key="formula").value == "x**2 + 3*sin(y)"
