"""AppTest runs of the backpropagation page: the chain rule agrees with jax.grad for any slider setting,
the graph shows the forward values, one step of gradient descent lowers the loss, and query parameters
that are not valid fall back quietly."""

import re
from itertools import product

import numpy as np
import pytest

from models import chain
from pages.backpropagation import lesson
from tests.apptest import helpers
from tests.apptest.helpers import assert_healthy, component_args, figure, player_runs, select, widget

PAGE = "pages/backpropagation/page.py"
DEFAULTS = dict(x=1.5, y=0.3, w1=0.5, w2=-1.2, eta=0.5)
NUMBER = r"(-?[\d.]+(?:e[-+]?\d+)?)"
PREVIEW = re.compile(r"J = \*\*" + NUMBER + r"\*\* now; .* it would be \*\*" + NUMBER + r"\*\*")
STEP_LABEL = "Take one gradient-descent step: W ← W − η ∂J/∂W"


def fresh(query=None):
    """A new AppTest on this page, with optional query parameters, after its first run."""
    return helpers.fresh(PAGE, query)


def graph_values(at):
    """The numbers written inside the graph's nodes, by node name."""
    names = ["x", "z1", "h", "y_hat", "J", "w1", "w2"]
    return dict(zip(names, map(float, figure(at, "graph")["data"][0]["text"]), strict=True))


def settings(at):
    """The five sliders' values by key."""
    return {key: helpers.find(at, key).value for key in DEFAULTS}


def written_products(at):
    """(∂J/∂w2, ∂J/∂w1) as the chain-rule lines end: '= <number>'."""
    lines = [block.value.strip("$\n") for block in at.latex[:2]]
    return tuple(float(re.search(r"= " + NUMBER + r"\\end\{aligned\}$", line).group(1)) for line in lines)


def jax_line(at):
    """(∂J/∂w2, ∂J/∂w1) as jax.grad's line writes them."""
    return tuple(float(v) for v in re.findall(r"= " + NUMBER, at.latex[2].value))


def preview(at):
    """(J now, J after the step) from the page's sentence."""
    found = [m for m in map(PREVIEW.search, (md.value for md in at.markdown)) if m]
    assert len(found) == 1, [md.value for md in at.markdown]
    return float(found[0].group(1)), float(found[0].group(2))


def take_step(at):
    """Click the one-step button and rerun."""
    next(b for b in at.button if b.label == STEP_LABEL).click()
    return at.run()


def url(at):
    """The page's query parameters after its run, as {name: last value}."""
    return {k: v[-1] if isinstance(v, list) else v for k, v in dict(at.query_params).items()}


def reference(x, y, w1, w2):
    """The tiny network in float64: its nodes, (∂J/∂w1, ∂J/∂w2), and how far float32 may be from them.

    float32 loses about 3·2⁻²⁴·(|ŷ| + |y|) on ŷ − y (a cancellation where ŷ ≈ y), and the gradient
    multiplies 2(ŷ − y) by h ≤ 1 or |w₂ σ′ x| ≤ 2.25: the slack 2⁻¹⁸·(|ŷ| + |y|) is four times that bound.
    """
    h = 1.0 / (1.0 + np.exp(-w1 * x))
    y_hat = w2 * h
    r = y_hat - y
    grad = np.array([2 * r * w2 * h * (1 - h) * x, 2 * r * h])
    return dict(z1=w1 * x, h=h, y_hat=y_hat, J=r * r), grad, 2.0**-18 * (abs(y_hat) + abs(y))


def check_setting(at, x, y, w1, w2, eta, context):
    """The page agrees with jax.grad at this setting, writes its numbers, and draws the step it previews."""
    assert_healthy(at, context)
    assert any("agree" in box.value for box in at.success), context
    nodes, grad, slack = reference(x, y, w1, w2)
    # 6 significant digits written (5e-6 relative) of float32 products of a few factors (1e-5 relative).
    assert written_products(at) == pytest.approx(grad[::-1], rel=1e-5, abs=slack), context
    assert jax_line(at) == pytest.approx(grad[::-1], rel=1e-5, abs=slack), context
    values = graph_values(at)
    loss_slack = 2 * np.sqrt(nodes["J"]) * slack + slack**2
    for name in ("z1", "h", "y_hat", "J"):  # 4 significant digits inside the nodes
        extra = loss_slack if name == "J" else 1e-6
        assert values[name] == pytest.approx(nodes[name], rel=5.01e-4, abs=extra), (context, name)
    assert preview(at)[0] == pytest.approx(nodes["J"], rel=5.01e-5, abs=loss_slack), context  # 5 digits
    (path,) = player_runs(at)
    start, after = path[-2:]  # before them, any steps taken with the button
    w = np.array([w1, w2], np.float32)
    np.testing.assert_array_equal(start, w)
    # The player's last point is W − η ∇J (float32 coordinates below 4: 2.4e-7), kept inside the picture.
    (low, high), _ = chain.BOUNDS
    step = np.clip(w - eta * grad, low, high)
    tolerance = eta * (slack + 1e-5 * np.abs(grad).max()) + 2.4e-7
    np.testing.assert_allclose(after, step, rtol=0, atol=tolerance, err_msg=str(context))


# ------------------------------------------------------------------------------------------ default run


def test_default_page_draws_the_chain_rule_and_agrees_with_jax_grad():
    at = fresh()
    assert [t.value for t in at.title] == ["Backpropagation"]
    assert settings(at) == DEFAULTS
    check_setting(at, **DEFAULTS, context="default")
    assert [component_args(at, key)["mode"] for key in ("graph", "player")] == ["chart", "player"]
    assert helpers.player_names(at) == ["path so far"]
    layout = component_args(at, "player")["figure"]["layout"]
    assert (layout["xaxis"]["title"]["text"], layout["yaxis"]["title"]["text"]) == ("w₁", "w₂")
    # Every edge of the graph but x → z₁ carries its local derivative.
    notes = [a["text"] for a in figure(at, "graph")["layout"]["annotations"] if a.get("text")]
    assert len(notes) == 5 and any(n.startswith("∂J/∂ŷ = 2(ŷ − y)") for n in notes)
    now, after = preview(at)
    assert after < now, "at the default rate one step downhill lowers J"
    assert url(at) == {}


# --------------------------------------------------------------------------------------- extreme values


def test_every_slider_at_its_ends_agrees_with_jax_grad():
    at = fresh()
    for key in ("x", "y", "w1", "w2"):
        slider = widget(at, "slider", key)
        assert (slider.min, slider.max) == lesson.WEIGHT_RANGE, key
    for x, y, w1, w2 in [*product((-3.0, 3.0), repeat=4), (0.0, 0.0, 0.0, 0.0)]:
        select(at, x=x, y=y, w1=w1, w2=w2)
        check_setting(at, x, y, w1, w2, DEFAULTS["eta"], (x, y, w1, w2))


def test_learning_rate_at_its_ends():
    at = fresh()
    rates = [float(label) for label in widget(at, "select_slider", "eta").options]
    assert (rates[0], rates[-1]) == (1e-3, 10.0)
    for eta in (rates[0], rates[-1]):
        select(at, eta=eta)
        check_setting(at, **dict(DEFAULTS, eta=eta), context=f"eta={eta}")
    # At η = 10 the step leaves the picture (∂J/∂w1 ≈ 0.87 from w1 = 0.5): the player keeps it at the edge.
    assert player_runs(at)[0][1][0] == chain.BOUNDS[0][0]


# ---------------------------------------------------------------------------------------- the step button


def test_one_step_lowers_the_loss_and_moves_the_weights():
    at = fresh()
    before, (_, promised) = graph_values(at), preview(at)
    target = player_runs(at)[0][1]
    take_step(at)
    assert_healthy(at, "after a step")
    after = graph_values(at)
    assert (after["w1"], after["w2"]) != (before["w1"], before["w2"])
    assert after["J"] < before["J"], "a small enough step downhill lowers J"
    # The sliders moved to the point the player drew, rounded to 6 decimals.
    assert (at.session_state["w1"], at.session_state["w2"]) == pytest.approx(target, abs=5.01e-7)
    assert preview(at)[0] == pytest.approx(promised, rel=1e-4), "J is what the sentence promised"
    assert {"w1", "w2"} <= set(url(at))


def test_the_steps_taken_stay_on_the_surface_until_a_weight_slider_moves():
    """Each click adds the weights it left to the drawn path, which the player opens on the weights now
    set; the caption counts the steps; moving a weight slider starts a new path from there."""
    at = fresh()
    start = (at.session_state["w1"], at.session_state["w2"])
    take_step(at)
    first = (at.session_state["w1"], at.session_state["w2"])
    take_step(at)
    assert_healthy(at, "two steps")
    (path,) = player_runs(at)
    now = (at.session_state["w1"], at.session_state["w2"])
    assert len(path) == 4, "the start, the first step, the weights now set, the next step"
    np.testing.assert_allclose(path[:3], [start, first, now], atol=1e-6)
    assert component_args(at, "player")["step"] == 2, "the player opens on the weights now set"
    assert any("the 2 steps taken with the button" in c.value for c in at.caption)
    losses = [chain.explain(np.asarray(p, np.float32), np.float32(1.5), np.float32(0.3))[0]["J"]
              for p in path[:3]]
    assert losses[0] > losses[1] > losses[2], "each step went downhill"
    select(at, x=1.0)  # another example: the same weights, the path kept on the new surface
    assert len(player_runs(at)[0]) == 4
    select(at, w1=0.0)
    assert_healthy(at, "a weight slider moved")
    assert len(player_runs(at)[0]) == 2 and component_args(at, "player")["step"] == 0
    assert not any("taken with the button" in c.value for c in at.caption)


def test_a_step_from_the_edge_stays_on_the_sliders():
    at = fresh()
    select(at, w1=3.0, w2=-3.0, x=3.0, y=3.0, eta=10.0)
    take_step(at)
    assert_healthy(at, "a huge step")
    for key in ("w1", "w2"):
        assert lesson.WEIGHT_RANGE[0] <= at.session_state[key] <= lesson.WEIGHT_RANGE[1], key
    assert at.session_state["w2"] == 3.0, "∂J/∂w2 < 0 here: η = 10 would carry w2 far past 3"
    check_setting(at, **settings(at), context="after a huge step")


# ---------------------------------------------------------------------------------- server validation


NOT_NUMBERS = {"nan": "nan", "inf": "inf", "-inf": "-inf", "1e309": "1e309", "empty": "", "word": "abc",
               "long": "7" * 5000, "10^400": "1" + "0" * 400}


@pytest.mark.parametrize("text", NOT_NUMBERS.values(), ids=NOT_NUMBERS.keys())
def test_query_params_that_are_no_numbers_fall_back_to_the_defaults(text):
    at = fresh({key: text for key in [*DEFAULTS, "step"]})
    check_setting(at, **DEFAULTS, context=repr(text[:20]))
    assert settings(at) == DEFAULTS
    assert at.session_state["step"] == 0 and url(at) == {}


@pytest.mark.parametrize("top", [True, False], ids=["huge", "-huge"])
def test_huge_integers_in_query_params_are_clamped(top):
    huge = ("" if top else "-") + "1" + "0" * 30
    at = fresh({key: huge for key in [*DEFAULTS, "step"]})
    ends = {key: 3.0 if top else -3.0 for key in ("x", "y", "w1", "w2")}
    ends["eta"] = 10.0 if top else 1e-3
    assert settings(at) == ends
    check_setting(at, **ends, context=huge)
    assert component_args(at, "player")["step"] == (1000 if top else -1), "clamped to the step's range"


def test_unknown_keys_and_other_pages_keys_are_ignored():
    at = fresh({"nonsense": "1", "landscape": "rosenbrock", "sgd.learning_rate": "2", "lr.small": "0.001",
                "view": "surface", "w3": "1", "x": ["0.25", "zero"]})
    check_setting(at, **DEFAULTS, context="foreign keys")
    assert settings(at) == DEFAULTS
    assert url(at) == {}


def test_valid_query_params_are_honoured():
    query = dict(x=-2.0, y=1.0, w1=1.25, w2=0.75, eta=0.1)
    at = fresh({**{k: str(v) for k, v in query.items()}, "step": "1"})
    assert settings(at) == query
    check_setting(at, **query, context="valid query")
    assert component_args(at, "player")["step"] == 1, "the player opens on the link's step"
    assert {k: float(v) for k, v in url(at).items()} == {**query, "step": 1.0}
