"""AppTest runs of the mini-batch page through the router (app.py): the three runs against the engine,
how much each wanders, the batch-size slider and its buttons, the gradient-noise cloud (following the
player's step) and its 1/√B spread, every data set, size and noise level, extreme learning rates and
bogus query parameters.

Each (data set, n) pair compiles once per process (about 5 s); the loops rerun one AppTest.
"""

import json
import re

import numpy as np
import pytest

from engine import box_for, run_single
from engine.minibatch import gradient_noise, run_minibatch
from landscapes.data import DATA_LANDSCAPES, SIZES
from pages.mini_batches import lesson
from plotting.frames import panels
from plotting.noise import CLOUD_NAME, GRADIENT_NAME, MEASURED_NAME
from tests.apptest import helpers
from tests.apptest.helpers import (
    assert_healthy,
    component_args,
    decode,
    figure,
    player_names,
    player_runs,
    select,
    trace,
    widget,
)
from ui.controls import MAX_STEPS, log_options

PAGE = "pages/mini_batches/page.py"
DEFAULTS = {"data": "linear", "n": 200, "noise": 0.5, "steps": 100, "batch": 16, "batch_seed": 0,
            "data_seed": 0, "lr.gd": 0.1, "lr.sgd": 0.02, "lr.mini": 0.05, "start": "point",
            "x0.linear": -2.0, "y0.linear": 1.0, "log_loss": False, "step": 0}
RUNS = ["GD (all n examples)", "SGD (B = 1)", "mini-batch"]
GD, SGD, MINI = range(3)
COMPONENTS = ["player", "cost", "gradient_noise"]  # the cloud and the spread are one chart, side by side
RESAMPLE = "Resample the batches"
SCALING = "×2 Linear scaling rule"
WANDERING, DIVERGED, GAP = "wandering (walked / straight)", "diverged at step", "J − J*"
COLUMNS = ["run", "examples per step", "examples in all", "final loss J", GAP, WANDERING, DIVERGED]
NOISE_SENTENCE = re.compile(r"^B_noise ≈ (\S+): .* Your B = (\d+) is (smaller|larger) than B_noise\.$")
NONE = "—"  # a table cell with no value


# ---------------------------------------------------------------------------------------------- helpers


def noise_chart(at, which):
    """The gradient-noise chart's left (cloud) or right (spread) panel, as a figure of its own."""
    cloud, spread = panels(figure(at, "gradient_noise"))
    return cloud if which == "cloud" else spread


def fresh(query=None):
    """A new AppTest on this page, with optional query parameters, after its first run."""
    return helpers.fresh(PAGE, query)


def table(at):
    """The walk table as a list of row dicts (cells are strings, "—" where there is no value)."""
    assert len(at.table) == 1, len(at.table)
    frame = at.table[0].value
    assert list(frame.columns) == COLUMNS, list(frame.columns)
    return frame.to_dict("records")


def number(cell):
    """A table cell as a float (None for "—")."""
    return None if cell == NONE else float(cell)


def click(at, label):
    """Click the button whose label starts with ``label`` and rerun."""
    found = [b for b in at.button if b.label.startswith(label)]
    assert len(found) == 1, [b.label for b in at.button]
    return found[0].click().run()


def measured_spread(at):
    """{B: measured spread} from the spread chart's markers."""
    found = [t for t in noise_chart(at, "spread")["data"] if t["name"].startswith(MEASURED_NAME)]
    assert len(found) == 1
    return dict(zip((int(b) for b in found[0]["x"]), decode(found[0]["y"]), strict=True))


def noise_sentence(at):
    """The match of the 'B_noise ≈ …' markdown (exactly one)."""
    found = [m.value for m in at.markdown if m.value.startswith("B_noise ≈")]
    assert len(found) == 1, [m.value for m in at.markdown]
    match = NOISE_SENTENCE.match(found[0])
    assert match, found[0]
    return match


def _no_constants(name):
    """Refuse NaN and Infinity in JSON."""
    raise ValueError(f"{name} in a component's JSON")


def check_page(at, context):
    """A drawn lesson: healthy, the player and its three charts, a three-row walk table and three drawn
    paths. A diverged run is allowed: its row says at which step, and its path stops before it."""
    assert_healthy(at, context)
    keys = [json.loads(c.proto.json_args, parse_constant=_no_constants)["key"]
            for c in at.get("component_instance")]  # NaN or Infinity would break the browser's JSON.parse
    assert keys == COMPONENTS, (context, keys)
    rows = table(at)
    batch = widget(at, "slider", "batch").value
    assert [row["run"] for row in rows] == RUNS, context
    assert [row["examples per step"] for row in rows] == [at.session_state["n"], 1, batch], context
    assert player_names(at) == RUNS, context
    steps = widget(at, "slider", "steps").value
    for row, points in zip(rows, player_runs(at), strict=True):
        assert len(points) >= 1 and np.all(np.isfinite(points)), (context, row["run"])
        assert row["examples in all"] == row["examples per step"] * (len(points) - 1), (context, row)
        if row[DIVERGED] == NONE:
            assert len(points) == steps + 1, (context, row)
        else:
            assert 1 <= int(row[DIVERGED]) <= steps and len(points) == int(row[DIVERGED]), (context, row)
    return rows


def url_values(at_or_url):
    """The URL's values, numbers as floats (how the URL spells a number is ui/state.py's business)."""
    query = at_or_url if isinstance(at_or_url, dict) else dict(at_or_url.query_params)

    def value(text):
        try:
            return float(text)
        except ValueError:
            return text

    return {key: value(text) for key, text in query.items()}


def data_of(at):
    """The page's data set, drawn afresh from its seed, size and noise."""
    landscape = DATA_LANDSCAPES[at.session_state["data"]]
    state = at.session_state
    return landscape.make_data(state["data_seed"], state["n"], state["noise"])


def start_of(at):
    """The typed start point."""
    data = at.session_state["data"]
    return at.session_state[f"x0.{data}"], at.session_state[f"y0.{data}"]


# ------------------------------------------------------------------------------------------ default run


def test_default_run_draws_three_runs_and_gd_is_full_batch_descent():
    at = fresh()
    rows = check_page(at, "default")
    assert [t.value for t in at.title] == ["Mini-batches"]
    for key, value in DEFAULTS.items():
        assert at.session_state[key] == value, key
    assert dict(at.query_params) == {}, "a page on its defaults has a bare URL"
    assert all(row[DIVERGED] == NONE for row in rows)
    assert all(number(row[GAP]) >= 0 for row in rows), "no run goes below the least-squares minimum"
    match = noise_sentence(at)
    assert int(match.group(2)) == DEFAULTS["batch"] and float(match.group(1)) > 0

    # B = n is full-batch gradient descent: the engine's plain run on the mean loss, same start and rate.
    # Both are float32, but the batch run sums weighted per-example losses where fn_with takes a mean:
    # 1e-5 allows that rounding over 100 steps on a surface whose span is 8.
    landscape = DATA_LANDSCAPES["linear"]
    expected = run_single(landscape.fn_with, "sgd", {"learning_rate": DEFAULTS["lr.gd"]},
                          np.asarray(start_of(at), np.float32), DEFAULTS["steps"], (data_of(at),)).params
    paths = player_runs(at)
    assert paths[GD].shape == (DEFAULTS["steps"] + 1, 2)
    np.testing.assert_allclose(paths[GD], expected, rtol=0, atol=1e-5)
    for i in (SGD, MINI):  # all three share the start, and the noisy ones differ
        np.testing.assert_array_equal(paths[i][0], np.float32(start_of(at)))
        assert not np.allclose(paths[i], paths[GD], atol=1e-2), RUNS[i]

    # The cost chart: each run's loss per step (left) and per example (right, B examples a step).
    cost = figure(at, "cost")
    for name, per_step in zip(RUNS, (DEFAULTS["n"], 1, DEFAULTS["batch"]), strict=True):
        left, right = (t for t in cost["data"] if t["name"] == name)
        assert len(decode(left["y"])) == DEFAULTS["steps"] + 1 and right["dx"] == per_step, name
    assert float(rows[GD]["final loss J"]) == pytest.approx(float(decode(cost["data"][0]["y"])[-1]), rel=1e-3)


def test_player_paths_are_the_engines_mini_batch_runs():
    """The three paths are the engine's vmapped run, float32 points sent unchanged: no tolerance."""
    at = fresh()
    select(at, batch=40, batch_seed=3, **{"lr.sgd": 0.01})
    check_page(at, "B=40, seed 3")
    landscape = DATA_LANDSCAPES["linear"]
    runs = run_minibatch(landscape.example_loss, "sgd", {"learning_rate": np.float32([0.1, 0.01, 0.05])},
                         np.asarray([200, 1, 40]), np.asarray(start_of(at), np.float32), data_of(at),
                         MAX_STEPS, 3, box_for(landscape.bounds))
    for i, path in enumerate(player_runs(at)):
        np.testing.assert_array_equal(path, runs.params[i][: DEFAULTS["steps"] + 1], err_msg=RUNS[i])


# --------------------------------------------------------------------------------------------- wandering


def wandering(at):
    """(GD, SGD, mini-batch) wandering factors from the walk table."""
    return tuple(number(row[WANDERING]) for row in table(at))


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
        assert seed_gd == gd, "GD draws no batches: the seed cannot move it"
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
                rows = check_page(at, f"{data} n={n} B={batch}")
                assert rows[GD]["examples per step"] == n and rows[MINI]["examples per step"] == batch
                assert len(measured_spread(at)) >= 1
                assert noise_chart(at, "cloud")["layout"]["title"]["text"].endswith(f"B = {batch} of n = {n}")
            # B = n with GD's rate is GD: every example weighs 1/n, whatever the shuffle.
            select(at, **{"lr.mini": widget(at, "select_slider", "lr.gd").value})
            paths = player_runs(at)
            np.testing.assert_allclose(paths[MINI], paths[GD], atol=1e-6, err_msg=f"{data} n={n}")
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
            rows = check_page(at, f"{key}={rate}")
            if rows[i][DIVERGED] != NONE:
                diverged.add(key)
                assert number(rows[i]["final loss J"]) > 100 * number(rows[(i + 1) % 3]["final loss J"]), rows
            elif rate == stops[0]:  # a rate of 1e-4 barely leaves the start in 100 steps
                assert number(rows[i][GAP]) > 1.0, (key, rows[i])
        select(at, **{key: lesson.RATES[key[3:]].default})
    assert diverged == {"lr.gd", "lr.sgd", "lr.mini"}, "η = 10 blows every run up on the linear data"
    select(at, **{"lr.gd": 10.0, "lr.sgd": 10.0, "lr.mini": 10.0})
    check_page(at, "all three at η = 10")
    for step in (MAX_STEPS, 1):  # the player at the end (past every diverged run's end), then near it
        at.session_state["step"] = step
        at.run()
        check_page(at, f"all diverged, step {step}")
    for steps in (1, MAX_STEPS):
        select(at, steps=steps, **{"lr.gd": 0.1, "lr.sgd": 0.02, "lr.mini": 0.05})
        check_page(at, f"steps={steps}")
        assert [len(p) for p in player_runs(at)] == [steps + 1] * 3


def test_seeds_and_start_at_their_ends():
    at = fresh()
    (xmin, xmax), (ymin, ymax) = DATA_LANDSCAPES["linear"].bounds
    select(at, data_seed=2**31 - 1, batch_seed=2**31 - 1)
    select(at, **{"x0.linear": float(xmin), "y0.linear": float(ymax)})
    check_page(at, "largest seeds, corner start")
    np.testing.assert_array_equal(player_runs(at)[GD][0], np.float32((xmin, ymax)))
    click(at, RESAMPLE)  # the seed wraps round to 0
    check_page(at, "resampled past the largest seed")
    assert at.session_state["batch_seed"] == 0
    select(at, start="random")
    select(at, seed=2**31 - 1, sigma=10.0)
    check_page(at, "random start, largest seed and σ")


# ------------------------------------------------------------------------------ batch slider and buttons


def test_moving_the_batch_changes_only_the_mini_batch_path_and_the_cloud():
    at = fresh()
    before, cloud = player_runs(at), noise_chart(at, "cloud")
    for batch in (40, 2, 199):
        select(at, batch=batch)
        check_page(at, f"B={batch}")
        after = player_runs(at)
        for i in (GD, SGD):
            np.testing.assert_array_equal(after[i], before[i], err_msg=f"B={batch} moved {RUNS[i]}")
        assert not np.array_equal(after[MINI], before[MINI]), f"B={batch} left the mini-batch path"
        assert noise_chart(at, "cloud")["data"] != cloud["data"], f"B={batch} left the cloud"
        assert noise_chart(at, "cloud")["layout"]["title"]["text"].endswith(f"B = {batch} of n = 200")
        assert trace(noise_chart(at, "spread"), f"your batch size B = {batch}")
        assert int(noise_sentence(at).group(2)) == batch
        assert url_values(at)["batch"] == batch
        before, cloud = after, noise_chart(at, "cloud")


def test_resample_changes_the_noisy_paths_and_shows_the_new_seed():
    at = fresh()
    before, cloud = player_runs(at), noise_chart(at, "cloud")
    for seed in (1, 2):
        click(at, RESAMPLE)
        check_page(at, f"resample {seed}")
        assert widget(at, "number_input", "batch_seed").value == seed
        after = player_runs(at)
        np.testing.assert_array_equal(after[GD], before[GD], err_msg="GD draws no batches")
        for i in (SGD, MINI):
            assert not np.array_equal(after[i], before[i]), f"resampling left {RUNS[i]}"
        assert noise_chart(at, "cloud")["data"] != cloud["data"], "resampling left the cloud"
        before, cloud = after, noise_chart(at, "cloud")
    select(at, batch_seed=0)  # the seed is the whole story: back to 0, back to the first picture
    np.testing.assert_array_equal(player_runs(at)[SGD], player_runs(fresh())[SGD])


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
    assert widget(at, "select_slider", "lr.mini").value == 0.316  # 0.05 -> 0.1 -> 0.2 -> x100/64 -> x1


def scaling_notes(at):
    return [i.value for i in at.info if i.value.startswith("**Linear scaling rule**")]


def test_linear_scaling_doubles_the_rate_exactly_while_b_doubles_and_says_so():
    at = fresh()
    assert not scaling_notes(at)
    click(at, SCALING)
    assert widget(at, "slider", "batch").value == 32
    assert widget(at, "select_slider", "lr.mini").value == pytest.approx(0.1)
    (note,) = scaling_notes(at)
    assert "B 16 → 32 and η 0.05 → 0.1" in note, note
    # What the note claims, on this page's data: after the same 800 examples (50 steps of 16, 25 of
    # 32) the mini-batch loss is the same within 5 % (measured: 0.2617 and 0.2615, batch seeds 0-2).
    runs = lesson.runs("linear", 0, 200, 0.5, (0.05, 0.1), (16, 32), (-2.0, 1.0), 0)
    small, large = (np.asarray(lesson.run_of(runs, i).loss) for i in (0, 1))
    assert large[25] == pytest.approx(small[50], rel=0.05)
    select(at, batch=16, **{"lr.mini": 0.05})
    assert not scaling_notes(at), "the note goes once B and η are no longer what the button set"


# ------------------------------------------------------------------------------------- gradient noise


def test_cloud_has_200_samples_and_the_spread_falls_as_one_over_root_b():
    """Measured spread at B = 1 over B = 16 against √(16 (n − 1)/(n − 16)) (√B with the finite-population
    factor of a draw without replacement): within 25%. Each spread is the RMS of 200 estimates, a
    few per cent off; over batch seeds 0..11 the ratio fell between 0.90 and 1.15 of the prediction."""
    at = fresh()
    cloud = trace(noise_chart(at, "cloud"), CLOUD_NAME)
    assert len(decode(cloud["x"])) == len(decode(cloud["y"])) == 200
    spread = measured_spread(at)
    n = DEFAULTS["n"]
    sizes = sorted(spread)
    assert sizes[0] == 1 and 16 in sizes and n not in sizes, "B = n is exact: off the log axis"
    values = [spread[b] for b in sizes]
    assert all(a > b for a, b in zip(values, values[1:], strict=False)), values
    ratio, predicted = spread[1] / spread[16], np.sqrt(16 * (n - 1) / (n - 16))
    assert ratio == pytest.approx(predicted, rel=0.25), (ratio, predicted)


def assert_cloud_at(at, k, context):
    """The cloud shows 200 fresh estimates at the mini-batch path's point k, around ∇J there. The chart
    rounds coordinates to 1e-4 of its span (plotting.frames.rounded): that is the tolerance."""
    data, batch = data_of(at), at.session_state["batch"]
    point = player_runs(at)[MINI][k]
    fresh_noise = gradient_noise(DATA_LANDSCAPES[at.session_state["data"]].example_loss, point, data, batch,
                                 at.session_state["batch_seed"])
    cloud = noise_chart(at, "cloud")
    span = np.diff(cloud["layout"]["xaxis"]["range"])[0]
    drawn = np.stack([decode(trace(cloud, CLOUD_NAME)["x"]), decode(trace(cloud, CLOUD_NAME)["y"])], 1)
    np.testing.assert_allclose(drawn, fresh_noise.samples, rtol=0, atol=1e-4 * span, err_msg=context)
    arrow = trace(cloud, GRADIENT_NAME)
    tip = (decode(arrow["x"])[-1], decode(arrow["y"])[-1])
    np.testing.assert_allclose(tip, fresh_noise.full_grad, rtol=0, atol=1e-4 * span, err_msg=context)


def test_the_cloud_follows_the_players_step():
    at = fresh()
    assert [s.value for s in at.subheader] == ["Gradient noise at step 0 of the mini-batch run"]
    assert_cloud_at(at, 0, "step 0")
    clouds = [noise_chart(at, "cloud")["data"]]
    for step in (1, DEFAULTS["steps"] // 2, DEFAULTS["steps"]):
        at.session_state["step"] = step
        at.run()
        check_page(at, f"step {step}")
        assert [s.value for s in at.subheader] == [f"Gradient noise at step {step} of the mini-batch run"]
        assert_cloud_at(at, step, f"step {step}")
        assert noise_chart(at, "cloud")["data"] not in clouds, f"step {step} left the cloud where it was"
        clouds.append(noise_chart(at, "cloud")["data"])
        assert url_values(at)["step"] == step
    # Near the minimum the full gradient is small against the noise: B_noise grows.
    assert float(noise_sentence(at).group(1)) > 10
    select(at, batch=40)  # the step stays where the player is when the batch moves
    assert_cloud_at(at, DEFAULTS["steps"], "B = 40 at the last step")


def test_the_cloud_stays_at_the_last_point_of_a_diverged_run():
    at = fresh()
    select(at, **{"lr.mini": 10.0})
    rows = check_page(at, "mini-batch diverges")
    last = int(rows[MINI][DIVERGED]) - 1
    at.session_state["step"] = DEFAULTS["steps"]
    at.run()
    check_page(at, "step past the divergence")
    assert_cloud_at(at, last, "the last finite point")


# ------------------------------------------------------------------------------------ separable data


def minimum_star(at):
    """The player's 'global minimum' trace (stars at the minima)."""
    static = component_args(at, "player")["figure"]["static"]
    return next(t for t in static if t.get("name") == "global minimum")


def test_separable_logistic_data_has_no_minimum():
    at = fresh()
    assert len(minimum_star(at)["x"]) == 1
    select(at, data="logistic", noise=0.0)
    rows = check_page(at, "logistic, noise 0")
    assert all(row[GAP] == NONE for row in rows), rows
    assert all(np.isfinite(number(row["final loss J"])) for row in rows)
    assert minimum_star(at)["x"] == [], "no finite minimiser: no star"
    select(at, noise=0.5)  # noisy labels overlap: a finite minimum again
    rows = check_page(at, "logistic, noise 0.5")
    assert all(row[GAP] != NONE and number(row[GAP]) >= 0 for row in rows), rows
    assert len(minimum_star(at)["x"]) == 1


# ---------------------------------------------------------------------------------- bogus query params


HUGE = "9" * 400  # a whole number past float's range: float() makes it inf
LONG = "1" * 3000  # past the URL text limit
BOGUS = [  # (query, the values that differ from the defaults, the URL written back)
    ({"data": "nope", "noise": "abc", "start": "", "log_loss": "maybe"}, {}, {}),
    ({"n": "nan", "noise": "inf", "batch": "-inf", "lr.mini": "NaN", "steps": "nan", "step": "nan"}, {}, {}),
    ({"n": "1e309", "noise": "1e309", "batch": HUGE, "lr.gd": "1e309", "data_seed": HUGE, "x0.linear": HUGE},
     {}, {}),
    ({"n": "", "noise": "", "batch": "", "lr.sgd": "", "batch_seed": "", "y0.linear": "", "step": ""},
     {}, {}),
    ({"n": LONG, "noise": LONG, "batch": LONG, "lr.mini": LONG, "data": "linear" * 400}, {}, {}),
    ({"bogus": "1", "lr.adam": "2", "x0.rosenbrock": "3", "race": "sgd"}, {}, {}),
    # Numbers out of range are clamped: n to the nearest size, B to 1 … n, η to the nearest stop.
    ({"n": "7", "batch": "100000", "lr.mini": "-1", "noise": "1e30", "steps": "1" + "0" * 30},
     {"n": 50, "batch": 50, "lr.mini": 1e-4, "noise": 2.0, "steps": MAX_STEPS},
     {"n": "50", "batch": "50", "lr.mini": "0.0001", "noise": "2.0", "steps": "1000"}),
    ({"data_seed": "1" + "0" * 30, "batch_seed": "-5", "x0.linear": "-1e30", "step": "1e30"},
     {"data_seed": 2**31 - 1, "x0.linear": -3.0, "step": MAX_STEPS},
     {"data_seed": "2147483647", "x0.linear": "-3.0", "step": "1000"}),
]


@pytest.mark.parametrize("query, changed, url", BOGUS, ids=[",".join(q)[:60] for q, _, _ in BOGUS])
def test_bogus_query_params_fall_back_quietly(query, changed, url):
    at = fresh(query)
    check_page(at, str(query)[:200])
    assert not at.warning, [w.value for w in at.warning]
    for key, value in dict(DEFAULTS, **changed).items():
        assert at.session_state[key] == value, (key, at.session_state[key])
    batch = widget(at, "slider", "batch")
    assert batch.max == at.session_state["n"]
    assert url_values(at) == url_values(url), "the URL is rewritten with the valid values only"


def test_valid_query_params_are_honoured():
    at = fresh({"data": "logistic", "n": "50", "noise": "1.5", "batch": "40", "lr.mini": "0.1", "step": "7"})
    rows = check_page(at, "valid query")
    assert widget(at, "selectbox", "data").value == "logistic"
    assert widget(at, "select_slider", "n").value == 50
    assert widget(at, "slider", "noise").value == 1.5
    assert widget(at, "slider", "batch").value == 40
    assert widget(at, "select_slider", "lr.mini").value == 0.1
    assert [row["examples per step"] for row in rows] == [50, 1, 40]
    assert [s.value for s in at.subheader] == ["Gradient noise at step 7 of the mini-batch run"]
    assert component_args(at, "player")["step"] == 7, "the player opens on the linked step"
