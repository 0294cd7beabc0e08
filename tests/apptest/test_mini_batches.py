"""AppTest runs of the mini-batch page through the router (app.py): the three runs against the engine,
how much each wanders, the batch-size slider and its buttons, the gradient-noise cloud and its 1/√B
spread, every data set, size and noise level, extreme learning rates and bogus query parameters.

Each (data set, n) pair compiles once per process (about 5 s); the loops rerun one AppTest.
"""

import json
import re

import numpy as np
import pytest
from ui.validate import log_options

from engine import run_single
from landscapes.data import DATA_LANDSCAPES, SIZES
from plotting.noise import MEASURED_NAME
from tests.apptest import helpers
from tests.apptest.helpers import assert_healthy, decode, select, widget
from ui import minibatch_lesson as lesson

PAGE = "pages/mini_batches.py"
DEFAULTS = {"data": "linear", "n": 200, "noise": 0.5, "steps": 100, "batch": 16, "batch_seed": 0}
CHARTS = ("contour", "cost", "cloud", "spread")
GD, SGD = "whole path: GD (all n examples)", "whole path: SGD (B = 1)"
RESAMPLE = "🎲 Resample the batches"
SCALING = "×2 Linear scaling rule"
WANDERING, DIVERGED, GAP = "wandering (walked / straight)", "diverged at step", "J − J*"
COLUMNS = ["run", "examples per step", "examples in all", "final loss J", GAP, WANDERING, DIVERGED]
NOISE_SENTENCE = re.compile(r"^B_noise ≈ (\S+): .* Your B = (\d+) is (smaller|larger) than B_noise\.$")
# The plotted paths are rounded to 1e-4 of the plot's span (plotting.frames.rounded): 4 decimals on these
# surfaces (span 8 and 12), so a plotted point is within 5e-5 of the engine's; one unit of 1e-4 leaves
# room for float32 sums taken in another order.
PLOT_ROUNDING = 1e-4


# ---------------------------------------------------------------------------------------------- helpers


def fresh(query=None):
    """A new AppTest on this page, with optional query parameters, after its first run."""
    return helpers.fresh(PAGE, query)


def mini(batch):
    """The legend name of the mini-batch run's whole path."""
    return f"whole path: mini-batch, B = {batch}"


def charts(at):
    """The JSON specs of the page's plotly charts by their key (the element id ends in '-key')."""
    return {chart.proto.id.rsplit("-", 1)[-1]: json.loads(chart.proto.spec)
            for chart in at.get("plotly_chart")}


def trace(spec, name):
    """The one trace of ``spec`` whose legend name is ``name``."""
    found = [t for t in spec["data"] if t.get("name") == name]
    assert len(found) == 1, (name, [t.get("name") for t in spec["data"]])
    return found[0]


def path(spec, name):
    """A whole path of the contour chart as an (steps + 1, 2) array."""
    found = trace(spec, name)
    return np.stack([decode(found["x"]), decode(found["y"])], axis=1).astype(np.float64)


def paths(at):
    """{name: path} for the three whole paths on the contour chart."""
    spec = charts(at)["contour"]
    return {t["name"]: path(spec, t["name"]) for t in spec["data"]
            if str(t.get("name", "")).startswith("whole path: ")}


def table(at):
    """The walk table as a list of row dicts."""
    assert len(at.dataframe) == 1, len(at.dataframe)
    frame = at.dataframe[0].value
    assert list(frame.columns) == COLUMNS, list(frame.columns)
    return frame.to_dict("records")


def missing(value):
    """True for a table cell with no value (None, or NaN once pandas made the column numeric)."""
    return value is None or (isinstance(value, float) and np.isnan(value))


def click(at, label):
    """Click the button whose label starts with ``label`` and rerun."""
    found = [b for b in at.button if b.label.startswith(label)]
    assert len(found) == 1, [b.label for b in at.button]
    return found[0].click().run()


def measured_spread(at):
    """{B: measured spread} from the spread chart's markers."""
    found = [t for t in charts(at)["spread"]["data"] if t["name"].startswith(MEASURED_NAME)]
    assert len(found) == 1
    return dict(zip((int(b) for b in found[0]["x"]), decode(found[0]["y"]), strict=True))


def noise_sentence(at):
    """The match of the 'B_noise ≈ …' markdown (exactly one)."""
    found = [m.value for m in at.markdown if m.value.startswith("B_noise ≈")]
    assert len(found) == 1, [m.value for m in at.markdown]
    match = NOISE_SENTENCE.match(found[0])
    assert match, found[0]
    return match


def check_page(at, context):
    """A drawn lesson: healthy, its four charts, a three-row walk table and three drawn paths.

    A diverged run is allowed: its row says at which step, and its path stops at its last finite point.
    """
    assert_healthy(at, context)
    drawn = charts(at)
    assert set(drawn) == set(CHARTS), (context, list(drawn))
    rows = table(at)
    batch = widget(at, "slider", "batch").value
    assert [row["run"] for row in rows] == ["GD (all n examples)", "SGD (B = 1)", f"mini-batch, B = {batch}"]
    whole = paths(at)
    assert list(whole) == [GD, SGD, mini(batch)], (context, list(whole))
    for row, points in zip(rows, whole.values(), strict=True):
        assert len(points) >= 1 and np.all(np.isfinite(points)), (context, row["run"])
        assert row["examples in all"] == row["examples per step"] * (len(points) - 1), (context, row)
        if not missing(row[DIVERGED]):
            assert 1 <= row[DIVERGED] <= widget(at, "slider", "steps").value, (context, row)
    return drawn, rows


# ------------------------------------------------------------------------------------------ default run


def test_default_run_draws_three_runs_and_gd_is_full_batch_descent():
    at = fresh()
    drawn, rows = check_page(at, "default")
    assert [t.value for t in at.title] == ["Mini-batches"]
    for key, value in DEFAULTS.items():
        assert at.session_state[key] == value, key
    assert [row["examples per step"] for row in rows] == [DEFAULTS["n"], 1, DEFAULTS["batch"]]
    assert all(missing(row[DIVERGED]) for row in rows)
    assert all(row[GAP] >= -1e-6 for row in rows), "no run goes below the least-squares minimum"
    match = noise_sentence(at)
    assert int(match.group(2)) == DEFAULTS["batch"] and float(match.group(1)) > 0

    # B = n is full-batch gradient descent: the engine's plain run on the mean loss, same start and rate.
    landscape = DATA_LANDSCAPES["linear"]
    seed = widget(at, "number_input", "data_seed").value
    x, y = landscape.make_data(seed, DEFAULTS["n"], DEFAULTS["noise"])
    start = (widget(at, "number_input", "x0.linear").value, widget(at, "number_input", "y0.linear").value)
    rate = widget(at, "select_slider", "lr.gd").value
    expected = run_single(landscape.fn_with, "sgd", {"learning_rate": np.float32(rate)},
                          np.asarray(start, np.float32), DEFAULTS["steps"], ((x, y),)).params
    plotted = path(drawn["contour"], GD)
    assert plotted.shape == (DEFAULTS["steps"] + 1, 2)
    np.testing.assert_allclose(plotted, np.asarray(expected, np.float64), rtol=0, atol=PLOT_ROUNDING)
    for name in (SGD, mini(DEFAULTS["batch"])):  # all three share the start, and the noisy ones differ
        np.testing.assert_allclose(paths(at)[name][0], start, atol=PLOT_ROUNDING)
        assert not np.allclose(paths(at)[name], plotted, atol=1e-2), name


# --------------------------------------------------------------------------------------------- wandering


def wandering(at):
    """(GD, SGD, mini-batch) wandering factors from the walk table."""
    return tuple(row[WANDERING] for row in table(at))


def test_sgd_wanders_more_than_the_mini_batch_which_wanders_more_than_gd():
    """Rule: with the default seed, SGD > mini-batch > GD ≈ 1 strictly. Over batch seeds 0..7, GD
    wanders least in every case (it uses no batches), and SGD more than the mini-batch in at least
    6 of the 8 (a lucky draw may straighten one B = 1 walk; all 8 held when this was written)."""
    at = fresh()
    gd, sgd, batch = wandering(at)
    assert 1.0 <= gd < 1.1, "full-batch GD on a least-squares bowl walks almost straight"
    assert sgd > batch > gd, (gd, sgd, batch)
    ordered = 0
    for seed in range(8):
        select(at, batch_seed=seed)
        assert_healthy(at, f"batch seed {seed}")
        assert widget(at, "number_input", "batch_seed").value == seed
        seed_gd, seed_sgd, seed_batch = wandering(at)
        assert seed_gd == pytest.approx(gd), "GD draws no batches: the seed cannot move it"
        assert min(seed_sgd, seed_batch) > seed_gd, (seed, seed_gd, seed_sgd, seed_batch)
        ordered += seed_sgd > seed_batch
    assert ordered >= 6, f"SGD wandered more than the mini-batch for only {ordered} of 8 seeds"


# ---------------------------------------------------------------------------- sizes, data, noise, ends


def test_batch_at_its_ends_for_every_size_and_data_set():
    at = fresh()
    assert widget(at, "select_slider", "n").options == [str(n) for n in SIZES]
    for data in DATA_LANDSCAPES:
        for n in SIZES:
            select(at, data=data, n=n)
            slider = widget(at, "slider", "batch")
            assert (slider.min, slider.max) == (1, n), (data, n)
            assert slider.value <= n
            for batch in (1, n):
                select(at, batch=batch)
                _, rows = check_page(at, f"{data} n={n} B={batch}")
                assert rows[0]["examples per step"] == n and rows[2]["examples per step"] == batch
                assert len(measured_spread(at)) >= 1
                assert f"of n = {n}" in charts(at)["cloud"]["layout"]["title"]["text"]
            # B = n with GD's rate is GD: every example weighs 1/n, whatever the shuffle.
            select(at, **{"lr.mini": widget(at, "select_slider", "lr.gd").value})
            whole = paths(at)
            np.testing.assert_allclose(whole[mini(n)], whole[GD], atol=1e-6, err_msg=f"{data} n={n}")
            select(at, **{"lr.mini": lesson.RATES["mini"].default})


def test_noise_at_its_ends_on_both_data_sets():
    at = fresh()
    for data in DATA_LANDSCAPES:
        for noise in (0.0, 2.0):
            select(at, data=data, noise=noise)
            check_page(at, f"{data} noise={noise}")
            noise_sentence(at)


def test_extreme_learning_rates_are_drawn_even_when_a_run_diverges():
    at = fresh()
    diverged = set()
    for i, key in enumerate(("lr.gd", "lr.sgd", "lr.mini")):
        stops = [float(s) for s in widget(at, "select_slider", key).options]
        assert (stops[0], stops[-1]) == (1e-4, 10.0), key
        for rate in (stops[0], stops[-1]):
            select(at, **{key: rate})
            _, rows = check_page(at, f"{key}={rate}")
            if not missing(rows[i][DIVERGED]):
                diverged.add(key)
                assert rows[i]["final loss J"] > 100 * rows[(i + 1) % 3]["final loss J"], (key, rows)
            elif rate == stops[0]:  # a rate of 1e-4 barely leaves the start in 100 steps
                assert rows[i][GAP] > 1.0, (key, rows[i])
        select(at, **{key: lesson.RATES[key[3:]].default})
    assert diverged == {"lr.gd", "lr.sgd", "lr.mini"}, "η = 10 blows every run up on the linear data"
    select(at, **{"lr.gd": 10.0, "lr.sgd": 10.0, "lr.mini": 10.0})
    check_page(at, "all three at η = 10")
    select(at, inspect=widget(at, "slider", "inspect").max)
    check_page(at, "all diverged, last step inspected")


# ------------------------------------------------------------------------------ batch slider and buttons


def test_moving_the_batch_changes_only_the_mini_batch_path_and_the_cloud():
    at = fresh()
    before, cloud = paths(at), charts(at)["cloud"]
    for batch in (40, 2, 199):
        select(at, batch=batch)
        check_page(at, f"B={batch}")
        after = paths(at)
        assert mini(batch) in after
        for name in (GD, SGD):
            np.testing.assert_array_equal(after[name], before[name], err_msg=f"B={batch} moved {name}")
        old = next(v for k, v in before.items() if k.startswith("whole path: mini-batch"))
        assert not np.array_equal(after[mini(batch)], old), f"B={batch} left the mini-batch path"
        drawn = charts(at)
        assert drawn["cloud"]["data"] != cloud["data"], f"B={batch} left the cloud"
        assert f"B = {batch} of n = 200" in drawn["cloud"]["layout"]["title"]["text"]
        assert trace(drawn["spread"], f"your batch size B = {batch}")
        assert int(noise_sentence(at).group(2)) == batch
        before, cloud = after, drawn["cloud"]


def test_resample_changes_the_noisy_paths_and_shows_the_new_seed():
    at = fresh()
    before, cloud = paths(at), charts(at)["cloud"]
    for seed in (1, 2):
        click(at, RESAMPLE)
        check_page(at, f"resample {seed}")
        assert widget(at, "number_input", "batch_seed").value == seed
        after = paths(at)
        np.testing.assert_array_equal(after[GD], before[GD], err_msg="GD draws no batches")
        for name in (SGD, mini(DEFAULTS["batch"])):
            assert not np.array_equal(after[name], before[name]), f"resampling left {name}"
        assert charts(at)["cloud"]["data"] != cloud["data"], "resampling left the cloud"
        before, cloud = after, charts(at)["cloud"]
    select(at, batch_seed=0)  # the seed is the whole story: back to 0, back to the first picture
    np.testing.assert_array_equal(paths(at)[SGD], paths(fresh())[SGD])


def test_linear_scaling_doubles_b_and_moves_the_rate_to_the_nearest_stop():
    """Each click: B -> min(2B, n) and η -> the slider stop nearest η · (new B / old B), which is 2η
    until B reaches n (Goyal et al.: grow η as much as B grew)."""
    at = fresh({"n": "100"})
    stops = log_options(lesson.RATES["mini"].min, lesson.RATES["mini"].max, lesson.RATES["mini"].default)
    def batch_and_rate():
        return widget(at, "slider", "batch").value, widget(at, "select_slider", "lr.mini").value

    for expected in (32, 64, 100, 100):
        batch, rate = batch_and_rate()
        click(at, SCALING)
        check_page(at, f"scaling from B={batch}")
        new_batch, new_rate = batch_and_rate()
        assert new_batch == expected == min(2 * batch, 100)
        wanted = rate * new_batch / batch
        assert new_rate in stops and new_rate == min(stops, key=lambda s: abs(s - wanted)), (rate, new_rate)
        assert mini(new_batch) in paths(at)
    assert widget(at, "select_slider", "lr.mini").value == 0.316  # 0.05 -> 0.1 -> 0.2 -> x100/64 -> x1


def test_linear_scaling_doubles_the_rate_exactly_while_b_doubles():
    at = fresh()
    click(at, SCALING)
    assert widget(at, "slider", "batch").value == 32
    assert widget(at, "select_slider", "lr.mini").value == pytest.approx(0.1)


# ------------------------------------------------------------------------------------- gradient noise


def test_cloud_has_200_samples_and_the_spread_falls_as_one_over_root_b():
    """Measured spread at B = 1 over B = 16 against √(16 (n − 1)/(n − 16)) (√B with the finite-population
    factor of a draw without replacement): within 25%. Each spread is the RMS of 200 estimates, a
    few per cent off; over batch seeds 0..11 the ratio fell between 0.90 and 1.15 of the prediction."""
    at = fresh()
    cloud = trace(charts(at)["cloud"], "mini-batch estimates g_B")
    assert len(decode(cloud["x"])) == len(decode(cloud["y"])) == 200
    spread = measured_spread(at)
    n = DEFAULTS["n"]
    sizes = sorted(spread)
    assert sizes[0] == 1 and 16 in sizes and n not in sizes, "B = n is exact: off the log axis"
    values = [spread[b] for b in sizes]
    assert all(a > b for a, b in zip(values, values[1:], strict=False)), values
    ratio, predicted = spread[1] / spread[16], np.sqrt(16 * (n - 1) / (n - 16))
    assert ratio == pytest.approx(predicted, rel=0.25), (ratio, predicted)


def test_inspecting_a_later_step_moves_the_cloud():
    at = fresh()
    assert [s.value for s in at.subheader] == ["Gradient noise at step 0 of the mini-batch run"]
    cloud = charts(at)["cloud"]["data"]
    at.button(key="inspect.next").click().run()
    assert widget(at, "slider", "inspect").value == 1
    assert [s.value for s in at.subheader] == ["Gradient noise at step 1 of the mini-batch run"]
    assert charts(at)["cloud"]["data"] != cloud
    select(at, inspect=DEFAULTS["steps"])
    check_page(at, "last step")
    # Near the minimum the full gradient is small against the noise: B_noise grows.
    assert float(noise_sentence(at).group(1)) > 10


# ------------------------------------------------------------------------------------ separable data


def test_separable_logistic_data_has_no_minimum():
    at = fresh()
    assert "global minimum" in {t.get("name") for t in charts(at)["contour"]["data"]}
    select(at, data="logistic", noise=0.0)
    drawn, rows = check_page(at, "logistic, noise 0")
    assert all(row[GAP] is None for row in rows), rows
    assert all(np.isfinite(row["final loss J"]) for row in rows)
    star = trace(drawn["contour"], "global minimum")
    assert len(decode(star["x"])) == 0, "no finite minimiser: no star"
    select(at, noise=0.5)  # noisy labels overlap: a finite minimum again
    _, rows = check_page(at, "logistic, noise 0.5")
    assert all(row[GAP] is not None and row[GAP] >= -1e-6 for row in rows), rows


# ---------------------------------------------------------------------------------- server validation


BOGUS_QUERIES = [
    {"data": "nope"},
    {"n": "7"},
    {"noise": "abc"},
    {"batch": "100000"},
    {"lr.mini": "-1"},
    {"data": "nope", "n": "7", "noise": "abc", "batch": "100000", "lr.mini": "-1"},
]


@pytest.mark.parametrize("query", BOGUS_QUERIES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_bogus_query_params_fall_back(query):
    at = fresh(query)
    check_page(at, str(query))
    assert widget(at, "selectbox", "data").value == "linear"
    assert widget(at, "select_slider", "n").value == 200
    assert widget(at, "slider", "noise").value == 0.5
    batch = widget(at, "slider", "batch")
    assert batch.value == 16 and batch.max == 200
    for key, spec in lesson.RATES.items():
        assert widget(at, "select_slider", f"lr.{key}").value == spec.default


def test_valid_query_params_are_honoured():
    at = fresh({"data": "logistic", "n": "50", "noise": "1.5", "batch": "40", "lr.mini": "0.1"})
    _, rows = check_page(at, "valid query")
    assert widget(at, "selectbox", "data").value == "logistic"
    assert widget(at, "select_slider", "n").value == 50
    assert widget(at, "slider", "noise").value == 1.5
    assert widget(at, "slider", "batch").value == 40
    assert widget(at, "select_slider", "lr.mini").value == 0.1
    assert [row["examples per step"] for row in rows] == [50, 1, 40]
