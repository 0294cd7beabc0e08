"""The "inside the optimizer" figure: valid, drawn from the real internals, and safe on bad numbers."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import plotly.graph_objects as go
import pytest

from optimizers import OPTIMIZERS
from plotting.internals import FALLBACK_COLOUR, direction, internals_figure

START = jnp.array([1.0, 1.0])
NAN, INF = float("nan"), float("inf")


def stretched_bowl(p):
    """A bowl 100 times steeper along x than along y: the gradient at (1, 1) is (10, 0.1)."""
    return 5.0 * p[0] ** 2 + 0.05 * p[1] ** 2


def entry_at(key, step):
    """One optimizer's entry at update ``step`` of a run from START, built from its real internals."""
    spec, hp = OPTIMIZERS[key], OPTIMIZERS[key].defaults()
    opt = spec.make(**hp)
    params, state = START, opt.init(START)
    for k in range(step + 1):
        grads = jax.grad(stretched_bowl)(params)
        if k == step:
            inside = spec.internals(grads, state, **hp)
        updates, state = opt.update(grads, state, params)
        before, params = params, params + updates
    velocity = inside.get("velocity")
    return dict(key=key, name=spec.name, colour=spec.colour, step_size_rule=spec.step_size_rule,
                point=np.asarray(before), grad=np.asarray(grads),
                velocity=None if velocity is None else np.asarray(velocity),
                step_size=np.asarray(inside["step_size"]), update=np.asarray(params - before))


def entries_at(step, keys=tuple(OPTIMIZERS)):
    return [entry_at(key, step) for key in keys]


def check_valid(figure):
    """Plotly accepts the figure and its JSON holds no NaN or infinity."""
    spec = figure.to_dict()
    go.Figure(spec)  # raises on any unknown or ill-typed property
    json.dumps(spec, allow_nan=False)
    return spec


def drawn_direction(figure, name):
    """The unit vector an arrow trace draws: its tip minus its origin."""
    trace = figure.trace(name)
    return np.array([trace["x"][1] - trace["x"][0], trace["y"][1] - trace["y"][0]])


def unit(v):
    v = np.asarray(v, np.float64)
    return v / np.linalg.norm(v)


def arrow_names(figure):
    return {t["name"] for t in figure.to_dict()["data"] if t.get("mode") == "lines+markers"}


@pytest.mark.parametrize("keys", [("adam",), tuple(OPTIMIZERS)])
def test_figure_validates(keys):
    figure = internals_figure(entries_at(3, keys), step=3)
    spec = check_valid(figure)
    assert len(spec["layout"]["annotations"]) >= 2 + len(keys)
    assert "Directions at step 3" in spec["layout"]["annotations"][0]["text"]


def test_arrows_are_the_unit_directions_of_minus_g_velocity_and_update():
    entries = entries_at(4)
    figure = internals_figure(entries, step=4)
    for e in entries:
        name = e["name"]
        np.testing.assert_allclose(drawn_direction(figure, f"{name}: −g"), unit(-e["grad"]), atol=1e-5)
        np.testing.assert_allclose(drawn_direction(figure, f"{name}: update"), unit(e["update"]), atol=1e-5)
        if e["velocity"] is None:
            assert f"{name}: velocity" not in arrow_names(figure)
        else:
            np.testing.assert_allclose(drawn_direction(figure, f"{name}: velocity"), unit(-e["velocity"]),
                                       atol=1e-5)
    velocity_keys = {e["key"] for e in entries if e["velocity"] is not None}
    assert velocity_keys == {"momentum", "nesterov", "adam"}


def test_adaptive_rules_turn_towards_the_flat_axis_and_gradient_descent_does_not():
    """-g points almost along -x; dividing by each coordinate's gradient size turns Adam and RMSProp
    towards y, the axis with the 100 times smaller gradient."""
    figure = internals_figure(entries_at(2), step=2)
    minus_g = drawn_direction(figure, "Gradient descent: −g")
    np.testing.assert_allclose(drawn_direction(figure, "Gradient descent: update"), minus_g, atol=1e-5)
    for name in ("Adam", "RMSProp", "Adagrad"):
        turned = drawn_direction(figure, f"{name}: update")
        assert abs(turned[1]) > 10 * abs(drawn_direction(figure, f"{name}: −g")[1]), name


def test_bars_are_the_step_sizes():
    entries = entries_at(3)
    figure = internals_figure(entries, step=3)
    for axis, coord in enumerate("xy"):
        bars = figure.trace(f"step size along {coord}")
        assert bars["yaxis"] == "y2" and bars["text"] == [coord] * len(entries)
        np.testing.assert_allclose(bars["y"], [e["step_size"][axis] for e in entries], rtol=1e-6)
        for e, text in zip(entries, bars["hovertext"], strict=True):
            assert e["name"] in text and f"{e['step_size'][axis]:.6g}" in text
    adam = next(e for e in entries if e["key"] == "adam")
    assert adam["step_size"][1] > 30 * adam["step_size"][0], "the flat axis gets a far larger step"
    sgd = next(e for e in entries if e["key"] == "sgd")
    np.testing.assert_allclose(sgd["step_size"], OPTIMIZERS["sgd"].defaults()["learning_rate"])
    assert figure.trace("step size not drawn")["x"] == []
    low, high = figure.to_dict()["layout"]["yaxis2"]["range"]
    sizes = np.log10([s for e in entries for s in e["step_size"]])
    assert low < sizes.min() and sizes.max() < high


def test_each_optimizer_is_drawn_in_its_own_colour_with_its_step_size_rule():
    entries = entries_at(1)
    figure = internals_figure(entries, step=1)
    colours = [OPTIMIZERS[e["key"]].colour for e in entries]
    for coord in "xy":
        bars = figure.trace(f"step size along {coord}")
        assert bars["marker"]["color"] == colours
        for e, text in zip(entries, bars["hovertext"], strict=True):
            assert OPTIMIZERS[e["key"]].step_size_rule in text
    for e in entries:
        assert figure.trace(f"{e['name']}: update")["line"]["color"] == OPTIMIZERS[e["key"]].colour
        assert figure.trace(f"{e['name']}: origin")["marker"]["color"] == OPTIMIZERS[e["key"]].colour
    ticks = figure.to_dict()["layout"]["xaxis2"]["ticktext"]
    assert all(f"color:{c}" in t for c, t in zip(colours, ticks, strict=True))
    plain = {k: v for k, v in entries[0].items() if k not in ("colour", "step_size_rule")}
    bars = internals_figure([plain], step=1).trace("step size along x")
    assert bars["marker"]["color"] == [FALLBACK_COLOUR], "an entry without a colour is drawn grey"


def test_last_step_has_no_update_arrow():
    entry = entry_at("adam", 2)
    entry["update"] = np.zeros(2)  # what params[k+1] - params[k] is past the last step
    figure = internals_figure([entry], step=2)
    check_valid(figure)
    assert arrow_names(figure) == {"Adam: −g", "Adam: velocity"}
    assert "update: zero" in figure.trace("Adam: origin")["hovertext"][0]
    assert "no step" in figure.to_dict()["layout"]["annotations"][2]["text"]


DEGENERATE = [
    dict(key="sgd", name="SGD", point=(0.0, 0.0), grad=(0.0, 0.0), velocity=None, step_size=(0.1, 0.1),
         update=(0.0, 0.0)),
    dict(key="momentum", name="Momentum", point=(1.0, NAN), grad=(NAN, 1.0), velocity=(0.0, 0.0),
         step_size=(NAN, INF), update=(INF, 0.0)),
    dict(key="adam", name="Adam", point=(1.0, 2.0), grad=(1e300, -1e300), velocity=(-INF, 1.0),
         step_size=(0.0, -1.0), update=(1e-30, -1e-30)),
    dict(key="rmsprop", name="RMSProp", point=(1.0, 2.0), grad=(0.0, 0.0), velocity=None,
         step_size=(np.float32(1e-9), np.float32(1e3)), update=(0.0, 0.0)),
    dict(key="unknown", name="Someone new", point=(0.0, 0.0), grad=(1.0, 0.0), velocity=(0.0, 1e-300),
         step_size=(1.0, 1.0), update=(0.0, 1.0)),
]


def test_degenerate_values_are_skipped_and_said():
    figure = internals_figure(DEGENERATE, step=7)
    spec = check_valid(figure)
    assert arrow_names(figure) == {"Adam: −g", "Adam: update", "Someone new: −g", "Someone new: velocity",
                                   "Someone new: update"}
    np.testing.assert_allclose(drawn_direction(figure, "Adam: −g"), unit([-1, 1]), atol=1e-5)
    np.testing.assert_allclose(drawn_direction(figure, "Adam: update"), unit([1, -1]), atol=1e-5)
    np.testing.assert_allclose(drawn_direction(figure, "Someone new: velocity"), [0, -1], atol=1e-5)
    hover = {e["name"]: figure.trace(f"{e['name']}: origin")["hovertext"][0] for e in DEGENERATE}
    assert "−g: zero" in hover["SGD"] and "velocity: none" in hover["SGD"]
    assert "−g: (nan, -1) is not finite" in hover["Momentum"] and "velocity: zero" in hover["Momentum"]
    assert "update: (inf, 0) is not finite" in hover["Momentum"]
    assert "velocity: (inf, -1) is not finite" in hover["Adam"]
    assert "update turned 180° away from −g" in hover["Adam"]
    missing = figure.trace("step size not drawn")
    assert len(missing["x"]) == 4  # Momentum's nan and inf, Adam's 0 and -1
    assert all("not drawn" in text for text in missing["hovertext"])
    assert figure.trace("step size along x")["y"][:3] == [0.1, None, None]
    assert spec["layout"]["yaxis2"]["range"][0] < -9 < 3 < spec["layout"]["yaxis2"]["range"][1]


def test_nothing_finite_at_all_still_draws():
    entry = dict(key="adam", name="Adam", point=(NAN, NAN), grad=(NAN, INF), velocity=(NAN, NAN),
                 step_size=(NAN, NAN), update=(NAN, NAN))
    figure = internals_figure([entry], step=0)
    check_valid(figure)
    assert arrow_names(figure) == set()
    assert figure.to_dict()["layout"]["yaxis2"]["range"] == [-3.0, 1.0]


def test_direction():
    assert direction(None)[0] is None
    assert direction((0.0, 0.0)) == (None, "zero: no direction to draw")
    assert direction((NAN, 1.0))[0] is None
    np.testing.assert_allclose(direction((3.0, -4.0))[0], [0.6, -0.8])
    np.testing.assert_allclose(direction((1e308, 1e308))[0], unit([1, 1]))
    np.testing.assert_allclose(direction((1e-320, 0.0))[0], [1, 0])
