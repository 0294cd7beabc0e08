"""AppTest runs of the backpropagation page: the chain rule agrees with jax.grad for any slider
setting, the graph shows the forward values, and one step of gradient descent lowers the loss."""

import json
import re

import numpy as np
import pytest

from models import chain
from tests.apptest import helpers
from tests.apptest.helpers import assert_healthy, select

PAGE = "pages/backpropagation.py"
NUMBER = r"(-?[\d.]+(?:e[-+]?\d+)?)"


def fresh(query=None):
    """A new AppTest on this page, with optional query parameters, after its first run."""
    return helpers.fresh(PAGE, query)


def graph_values(at):
    """The numbers written inside the graph's nodes, by node name."""
    spec = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if c.proto.id.endswith("graph"))
    names = ["x", "z1", "h", "y_hat", "J", "w1", "w2"]
    return dict(zip(names, map(float, spec["data"][0]["text"]), strict=True))


def test_default_page_agrees_with_jax_grad():
    at = fresh()
    assert_healthy(at, "default")
    assert len(at.get("plotly_chart")) == 2
    assert any("agree" in box.value for box in at.success)
    values = graph_values(at)
    nodes = chain.forward(np.array([0.5, -1.2], np.float32), 1.5, 0.3)
    assert values["J"] == pytest.approx(float(nodes["J"]), rel=1e-3)  # 4 significant digits shown


@pytest.mark.parametrize(("x", "y", "w1", "w2"), [(-3.0, 3.0, 3.0, -3.0), (0.0, 0.0, 0.0, 0.0),
                                                   (2.5, -1.0, -0.75, 2.0), (3.0, -3.0, -3.0, 3.0)])
def test_any_setting_agrees_and_the_products_are_written_out(x, y, w1, w2):
    at = fresh()
    select(at, x=x, y=y, w1=w1, w2=w2)
    assert_healthy(at, (x, y, w1, w2))
    assert any("agree" in box.value for box in at.success), [e.value for e in at.error]
    expected = chain.autodiff(np.array([w1, w2], np.float32), np.float32(x), np.float32(y))
    written = " ".join(block.value for block in at.latex)
    # The product line ends in "= <number>"; the last number of the dJ/dw1 line is the product.
    products = [float(m) for m in re.findall(r"= " + NUMBER + r"$", written.replace(" \\frac", "\n\\frac"),
                                             flags=re.M)]
    assert any(p == pytest.approx(float(expected[0]), rel=1e-4, abs=1e-6) for p in products)
    assert any(p == pytest.approx(float(expected[1]), rel=1e-4, abs=1e-6) for p in products)


def test_one_step_lowers_the_loss_and_moves_the_weights():
    at = fresh()
    before = graph_values(at)
    at.button[0].click().run()
    assert_healthy(at, "after a step")
    after = graph_values(at)
    assert (after["w1"], after["w2"]) != (before["w1"], before["w2"])
    assert after["J"] < before["J"], "a small enough step downhill lowers J"


def test_bogus_query_parameters_fall_back():
    at = fresh({"x": "abc", "w1": "1e308", "eta": "-4"})
    assert_healthy(at, "bogus query")
    assert any("agree" in box.value for box in at.success)
