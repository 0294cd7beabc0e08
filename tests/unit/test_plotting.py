"""The plotting layer: the path player's figure (valid traces, exact float32 paths, −∇J arrows, minima on
every panel, side-by-side panels, a background that is a real PNG of the grid's size), the PNG raster,
the 3D surface, the loss curves and the backpropagation graph."""

import base64
import json
import struct
import zlib

import numpy as np
import plotly.graph_objects as go
import pytest

from engine import run_single, surface_grid
from landscapes import LANDSCAPES
from models import chain
from plotting import loss_curve, losses_figure, player_figure, surface_with_path
from plotting.frames import compact
from plotting.graph import graph_figure
from plotting.player import ARROW_FRACTION, BACKGROUND, HOVER_GRID, PICTURE_SCALE, arrow_tips, axes_of, encode
from plotting.raster import background_png, colormap, png_bytes, shaded_levels, upsample
from plotting.style import LECTURE_COLOURS, POINT_COLOUR, colour_values, projector_fonts

RUN_COLOURS = ("#e4572e", "#17becf", "#1f77b4")
STILL = [dict(name="a", colour="#000000", path=np.zeros((2, 2)))]  # a run that does not move


@pytest.fixture(scope="module")
def rosenbrock_run():
    landscape = LANDSCAPES["rosenbrock"]
    xs, ys, z = surface_grid(landscape.fn_with, landscape.bounds, landscape.theta(), 120)
    hyper = {"learning_rate": 0.05, "b1": 0.9, "b2": 0.999, "eps": 1e-8}
    run = run_single(landscape.fn_with, "adam", hyper, np.array(landscape.start, np.float32), 300,
                     (landscape.theta(),))
    return landscape, xs, ys, z, run


def float32s(text):
    """The player's base64 float32 arrays, decoded."""
    return np.frombuffer(base64.b64decode(text), "<f4")


def points_of(text):
    """A base64 float32 path or tips array as (n, 2)."""
    return float32s(text).reshape(-1, 2)


def typed_values(values):
    """A Plotly typed array {dtype, bdata} as numpy."""
    return np.frombuffer(base64.b64decode(values["bdata"]), np.dtype(values["dtype"]))


def decode_png(raw):
    """Width, height and pixels of an RGB PNG written by plotting.raster (filter 0, one IDAT)."""
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", raw[16:24])
    chunks, offset = {}, 8
    while offset < len(raw):  # length, type, data, CRC
        length = struct.unpack(">I", raw[offset:offset + 4])[0]
        kind, data = raw[offset + 4:offset + 8], raw[offset + 8:offset + 8 + length]
        assert struct.unpack(">I", raw[offset + 8 + length:offset + 12 + length])[0] == \
            zlib.crc32(kind + data) & 0xFFFFFFFF
        chunks[kind] = data
        offset += 12 + length
    assert set(chunks) <= {b"IHDR", b"tEXt", b"IDAT", b"IEND"}
    assert chunks[b"IHDR"][8:10] == b"\x08\x02", "8-bit RGB"
    rows = zlib.decompress(chunks[b"IDAT"])
    pixels = np.frombuffer(rows, np.uint8).reshape(height, 1 + 3 * width)
    assert np.all(pixels[:, 0] == 0), "every row uses filter type 0"
    return width, height, pixels[:, 1:].reshape(height, width, 3)


def scale_pixel(pixel, colour):
    """True if a pixel is a scale colour or its darkened iso-line shade (rounding: one level)."""
    shades = (colour, (colour * 0.55).astype(np.uint8))
    return any(np.abs(pixel.astype(int) - c.astype(int)).max() <= 1 for c in shades)


def player_traces(spec, step):
    """Every trace the player draws at ``step``: the static ones, and each run's whole path, trail, −∇J
    arrow and current point, as the browser fills them in from the float32 arrays."""
    traces = list(spec["static"])
    current = {panel: [] for panel in range(len(spec["points"]))}
    for run in spec["runs"]:
        path = points_of(run["path"]).astype(np.float64)
        k = min(step, len(path) - 1)
        traces.append(dict(run["styles"]["whole"], x=path[:, 0].tolist(), y=path[:, 1].tolist()))
        traces.append(dict(run["styles"]["trail"], x=path[: k + 1, 0].tolist(), y=path[: k + 1, 1].tolist()))
        if run["tips"] is not None:
            tip = points_of(run["tips"]).astype(np.float64)[k]
            traces.append(dict(run["styles"]["arrow"], x=[path[k, 0], tip[0]], y=[path[k, 1], tip[1]]))
        current[run["panel"]].append(path[k])
    for panel, look in enumerate(spec["points"]):
        traces.append(dict(look, x=[p[0] for p in current[panel]], y=[p[1] for p in current[panel]]))
    return traces


def race(rosenbrock_run, panels=1, steps=60, **kwargs):
    """Three runs of the fixture's path (shifted apart), one per panel when there are several panels."""
    landscape, xs, ys, z, run = rosenbrock_run
    runs = [dict(name=f"run {i}", colour=RUN_COLOURS[i], path=run.params[: steps + 1] + 0.1 * i,
                 grads=run.grads[: steps + 1], panel=i if panels > 1 else 0) for i in range(3)]
    titles = [f"panel {i}" for i in range(panels)] if panels > 1 else None
    return player_figure(xs, ys, z, runs, log_color=True, minima=landscape.minima, panels=panels,
                         titles=titles, **kwargs)


def single(rosenbrock_run, steps=40, **kwargs):
    """One run with its gradients and loss, as the gradient-descent page draws it."""
    landscape, xs, ys, z, run = rosenbrock_run
    runs = [dict(name="GD", colour=RUN_COLOURS[0], path=run.params[: steps + 1], grads=run.grads[: steps + 1],
                 loss=run.loss[: steps + 1])]
    return player_figure(xs, ys, z, runs, log_color=True, minima=landscape.minima, **kwargs)


# ----------------------------------------------------------------------------------- the path player


@pytest.mark.parametrize("panels", [1, 3])
def test_every_trace_look_with_its_data_passes_plotly_validation(rosenbrock_run, panels):
    spec = race(rosenbrock_run, panels).spec
    for step in (0, 17, 60):
        go.Figure(dict(data=player_traces(spec, step), layout=spec["layout"]))  # raises on a bad property
    json.dumps(spec, allow_nan=False)  # strict JSON: what the component sends


def test_single_run_spec_validates_and_names_its_traces_for_one_path(rosenbrock_run):
    spec = single(rosenbrock_run).spec
    go.Figure(dict(data=player_traces(spec, 5), layout=spec["layout"]))
    styles = spec["runs"][0]["styles"]
    assert (styles["whole"]["name"], styles["trail"]["name"]) == ("whole path", "path so far")
    assert styles["whole"]["line"]["dash"] == "dot"
    points = spec["points"][0]
    assert points["marker"]["color"] == [POINT_COLOUR] and points["showlegend"]


def test_runs_carry_their_colours_and_names_and_each_panel_one_points_trace(rosenbrock_run):
    spec = race(rosenbrock_run).spec
    for run, colour in zip(spec["runs"], RUN_COLOURS, strict=True):
        assert run["styles"]["trail"]["line"]["color"] == colour
        assert run["styles"]["whole"]["line"]["color"] == colour
        assert run["styles"]["trail"]["name"].startswith("run ")
    assert len(spec["points"]) == 1
    assert spec["points"][0]["marker"]["color"] == list(RUN_COLOURS)
    assert spec["points"][0]["hovertext"] == ["run 0", "run 1", "run 2"]


def test_paths_and_losses_decode_to_exactly_the_float32_values_given(rosenbrock_run):
    _, _, _, _, run = rosenbrock_run
    spec = single(rosenbrock_run, steps=40).spec
    np.testing.assert_array_equal(points_of(spec["runs"][0]["path"]), run.params[:41].astype(np.float32))
    np.testing.assert_array_equal(float32s(spec["runs"][0]["loss"]), run.loss[:41].astype(np.float32))
    # Float64 input is sent as its float32 rounding, nothing coarser.
    path = np.array([[0.1, 1 / 3], [np.pi, -np.e], [1e-8, 123456.789]])
    np.testing.assert_array_equal(float32s(encode(path)), path.astype(np.float32).ravel())


def test_encode_is_little_endian_float32():
    assert base64.b64decode(encode([1.0, -2.0])) == b"\x00\x00\x80\x3f\x00\x00\x00\xc0"


def test_arrow_tips_have_a_fixed_length_and_point_along_minus_grad(rosenbrock_run):
    _, xs, _, _, run = rosenbrock_run
    spec = single(rosenbrock_run, steps=40).spec
    path = points_of(spec["runs"][0]["path"]).astype(np.float64)
    tips = points_of(spec["runs"][0]["tips"]).astype(np.float64)
    arrows, grads = tips - path, run.grads[:41].astype(np.float64)
    span = float(xs[-1] - xs[0])
    # Tips and points are float32 coordinates of size <= 3: a length error of a few 1e-7 on 0.48.
    np.testing.assert_allclose(np.hypot(arrows[:, 0], arrows[:, 1]), ARROW_FRACTION * span, rtol=1e-5)
    cosine = -np.sum(arrows * grads, 1) / (np.hypot(*arrows.T) * np.hypot(*grads.T))
    np.testing.assert_allclose(cosine, 1.0, atol=1e-5)  # along −∇J, up to float32 rounding of the tips


def test_arrow_tips_stay_on_the_point_where_the_gradient_is_zero_or_not_finite():
    path = np.array([[1.0, 2.0], [0.0, 0.0], [3.0, -1.0], [0.5, 0.5]])
    grads = np.array([[0.0, 0.0], [np.nan, 1.0], [np.inf, 0.0], [3.0, -4.0]])
    tips = arrow_tips(path, grads, span=10.0)
    np.testing.assert_array_equal(tips[:3], path[:3])
    np.testing.assert_allclose(tips[3], path[3] - ARROW_FRACTION * 10.0 * np.array([0.6, -0.8]), rtol=1e-12)


def test_runs_without_grads_or_loss_send_none(rosenbrock_run):
    landscape, xs, ys, z, run = rosenbrock_run
    spec = player_figure(xs, ys, z, [dict(name="a", colour="#000000", path=run.params[:5])], log_color=False,
                         minima=landscape.minima).spec
    assert spec["runs"][0]["tips"] is None and spec["runs"][0]["loss"] is None
    go.Figure(dict(data=player_traces(spec, 2), layout=spec["layout"]))


@pytest.mark.parametrize("panels", [1, 3])
def test_minima_are_stars_on_every_panel_and_the_colour_bar_only_on_one(rosenbrock_run, panels):
    landscape = rosenbrock_run[0]
    spec = race(rosenbrock_run, panels).spec
    stars = [t for t in spec["static"] if t.get("marker", {}).get("symbol") == "star"]
    assert [(t["xaxis"], t["yaxis"]) for t in stars] == [axes_of(p) for p in range(panels)]
    for panel, star in enumerate(stars):
        assert list(zip(star["x"], star["y"], strict=True)) == list(landscape.minima)
        assert star["showlegend"] == (panel == 0), "one legend entry for all panels"
    bar = spec["static"][0]["marker"]
    assert bar["showscale"] == (panels == 1)


def test_himmelblau_shows_all_four_minima():
    landscape = LANDSCAPES["himmelblau"]
    xs, ys, z = surface_grid(landscape.fn_with, landscape.bounds, landscape.theta(), 40)
    spec = player_figure(xs, ys, z, STILL, log_color=True,
                         minima=landscape.minima).spec
    star = next(t for t in spec["static"] if t.get("marker", {}).get("symbol") == "star")
    assert len(star["x"]) == 4


def test_side_by_side_panels_have_their_own_axes_images_and_titles(rosenbrock_run):
    _, xs, ys, _, _ = rosenbrock_run
    spec = race(rosenbrock_run, panels=3).spec
    layout = spec["layout"]
    domains = [layout[f"xaxis{s}"]["domain"] for s in ("", "2", "3")]
    assert domains[0][0] == 0 and domains[-1][1] == pytest.approx(1)
    assert all(a[1] < b[0] for a, b in zip(domains, domains[1:], strict=False)), "in order, not overlapping"
    for panel in range(3):
        xa, ya = axes_of(panel)
        xaxis, yaxis = layout["xaxis" + xa[1:]], layout["yaxis" + ya[1:]]
        assert (xaxis["anchor"], yaxis["anchor"]) == (ya, xa)
        assert "scaleanchor" not in yaxis, "side-by-side panels fill their height"
        assert xaxis["range"] == [float(xs[0]), float(xs[-1])]
        assert yaxis["range"] == [float(ys[0]), float(ys[-1])]
        image = layout["images"][panel]
        assert (image["xref"], image["yref"], image["source"]) == (xa, ya, BACKGROUND)
        assert (image["x"], image["y"]) == (float(xs[0]), float(ys[-1]))
        assert image["sizex"] == pytest.approx(float(xs[-1] - xs[0]))
        run = spec["runs"][panel]
        assert run["panel"] == panel
        assert {(s["xaxis"], s["yaxis"]) for s in run["styles"].values()} == {(xa, ya)}
        points = spec["points"][panel]
        assert (points["xaxis"], points["marker"]["color"]) == (xa, [RUN_COLOURS[panel]])
    assert [a["text"] for a in layout["annotations"]] == ["panel 0", "panel 1", "panel 2"]


def test_one_panel_keeps_equal_scales_so_the_arrow_is_perpendicular_to_the_level_sets(rosenbrock_run):
    layout = single(rosenbrock_run).spec["layout"]
    assert (layout["yaxis"]["scaleanchor"], layout["yaxis"]["scaleratio"]) == ("x", 1)
    assert len(layout["images"]) == 1 and "xaxis2" not in layout


def test_tail_and_clickable_are_passed_on(rosenbrock_run):
    plain = single(rosenbrock_run).spec
    assert plain["tail"] is None and plain["clickable"] is False
    spec = race(rosenbrock_run, tail=40.0, clickable=True).spec
    assert spec["tail"] == 40 and isinstance(spec["tail"], int) and spec["clickable"] is True


def test_long_paths_drop_the_step_markers(rosenbrock_run):
    short = single(rosenbrock_run, steps=200).spec["runs"][0]["styles"]["trail"]
    long = single(rosenbrock_run, steps=201).spec["runs"][0]["styles"]["trail"]
    assert (short["mode"], long["mode"]) == ("lines+markers", "lines")


def test_hover_grid_is_a_coarse_sample_of_the_surface():
    xs, ys = np.linspace(-2.0, 3.0, 150), np.linspace(-1.0, 1.0, 90)
    i, j = np.meshgrid(np.arange(len(xs)), np.arange(len(ys)))
    z = (i + 1000 * j).astype(np.float32)  # each value names its grid point, exactly in float32
    hover = player_figure(xs, ys, z, STILL, log_color=False,
                          minima=()).spec["hover"]
    assert (hover["nx"], hover["ny"]) == (HOVER_GRID, HOVER_GRID)
    assert (hover["x0"], hover["x1"], hover["y0"], hover["y1"]) == (-2.0, 3.0, -1.0, 1.0)
    values = float32s(hover["z"]).reshape(HOVER_GRID, HOVER_GRID).astype(int)
    col, row = values % 1000, values // 1000
    # Hover cell (a, b) reads the grid point nearest to its own coordinates: within half a grid step.
    hx = np.linspace(-2.0, 3.0, HOVER_GRID)
    hy = np.linspace(-1.0, 1.0, HOVER_GRID)
    assert np.all(np.abs(xs[col] - hx[None, :]) <= (xs[1] - xs[0]) / 2 + 1e-12)
    assert np.all(np.abs(ys[row] - hy[:, None]) <= (ys[1] - ys[0]) / 2 + 1e-12)
    assert np.all(np.diff(col, axis=1) > 0) and np.all(np.diff(row, axis=0) > 0)


@pytest.mark.parametrize("log_color", [False, True])
def test_background_is_a_png_of_the_grids_points_scaled_coloured_by_the_surface(log_color):
    landscape = LANDSCAPES["rosenbrock"]
    xs, ys, z = surface_grid(landscape.fn_with, landscape.bounds, landscape.theta(), 64)
    xs, z = xs[:50], z[:, :50]  # a grid wider than tall shows which way round width and height are
    figure = player_figure(xs, ys, z, STILL,
                           log_color=log_color, minima=landscape.minima)
    width, height, rgb = decode_png(figure.background)
    scale = PICTURE_SCALE
    assert (width, height) == ((len(xs) - 1) * scale + 1, (len(ys) - 1) * scale + 1)
    colour, _ = colour_values(z, log_color)
    # Row 0 of the image is the top of the plot (largest y), row 0 of z the bottom. The pixels at the
    # grid's lowest and highest colour values carry the first and last colours of the scale (or their
    # darkened iso-line shade).
    lut = colormap()
    for flat_index, expected in ((np.argmin(colour), lut[0]), (np.argmax(colour), lut[255])):
        j, i = np.unravel_index(flat_index, z.shape)
        pixel = rgb[height - 1 - j * scale, i * scale]  # grid points fall on every scale-th pixel
        assert scale_pixel(pixel, expected), (pixel, expected)


# ---------------------------------------------------------------------------------------- the raster


def test_background_png_puts_the_first_row_at_the_bottom():
    values = np.tile(np.linspace(0, 1, 40)[:, None], (1, 25))  # rises with the row index, i.e. with y
    width, height, rgb = decode_png(background_png(values, 0.0, 1.0))
    assert (width, height) == (25, 40)
    lut = colormap()
    assert all(scale_pixel(p, lut[255]) for p in rgb[0]), "the top row is the highest value"
    assert all(scale_pixel(p, lut[0]) for p in rgb[-1]), "the bottom row is the lowest value"


def test_background_png_of_values_with_nan_is_still_a_valid_image():
    values = np.linspace(0, 1, 30 * 20).reshape(30, 20)
    values[3, 4] = np.nan
    width, height, rgb = decode_png(background_png(values, 0.0, 1.0))
    assert (width, height) == (20, 30)
    assert scale_pixel(rgb[height - 1 - 3, 4], colormap()[255]), "a NaN takes the top of the scale"


def _line_runs(darkened):
    """The runs of consecutive True values in a 1-D boolean array, as (start, stop) pairs."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], darkened.astype(int), [0]])))
    return list(zip(edges[::2], edges[1::2], strict=True))


def test_shaded_levels_draws_one_line_per_band_boundary_and_none_at_the_ends():
    ramp = np.tile(np.linspace(0, 1, 300), (5, 1))
    rgb = shaded_levels(ramp, 0.0, 1.0)
    lut = colormap()
    darkened = np.any(rgb[0].astype(int) < lut[(ramp[0] * 255).astype(int)].astype(int) - 1, axis=1)
    assert len(_line_runs(darkened)) == 29, "one line between each two of the 30 bands"
    assert not darkened[:3].any() and not darkened[-3:].any(), "no line at the ends of the scale"
    assert png_bytes(rgb)[:8] == b"\x89PNG\r\n\x1a\n"


def test_iso_lines_are_anti_aliased_not_stair_stepped():
    # A plane tilted a little off vertical: its iso-lines move 0.1 px to the right per row. A line
    # drawn by whole pixels would jump a pixel every 10 rows (stair steps); an anti-aliased one
    # moves its darkness-weighted centre smoothly. Tolerance 0.15 px: the residual of a line fit,
    # well under the 0.5 px error of the nearest-pixel drawing.
    rows, cols = 60, 360
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    values = (x - 0.1 * y) / cols  # 30 bands over 360 px: a line every 12 px, at x = 12k + 0.1·row
    rgb = shaded_levels(values, 0.0, 1.0)
    lut = colormap()
    darkness = (lut[(np.clip(values, 0, 1) * 255).astype(int)].astype(float) - rgb).sum(axis=2).clip(0)
    window = slice(32, 46)  # around the line x = 36 + 0.1·row, clear of those at 24 and 48
    centres = (darkness[:, window] * x[:, window]).sum(1) / darkness[:, window].sum(1)
    fit = np.polyval(np.polyfit(np.arange(rows), centres, 1), np.arange(rows))
    assert np.abs(centres - fit).max() < 0.15
    assert abs(np.polyfit(np.arange(rows), centres, 1)[0] - 0.1) < 0.01, "the line follows the level"


def test_upsample_is_bilinear_and_keeps_the_grid_points():
    values = np.arange(12.0).reshape(3, 4) ** 2
    fine = upsample(values, 3)
    assert fine.shape == (7, 10)
    np.testing.assert_array_equal(fine[::3, ::3], values)
    assert fine[1, 0] == pytest.approx(values[0, 0] + (values[1, 0] - values[0, 0]) / 3)
    assert fine[0, 2] == pytest.approx(values[0, 0] + 2 * (values[0, 1] - values[0, 0]) / 3)


# ------------------------------------------------------------------------- surface, curves and graph


def test_surface_figure_is_valid(rosenbrock_run):
    landscape, xs, ys, z, run = rosenbrock_run
    surface = surface_with_path(xs, ys, z, run.params[:101], run.loss[:101], log_color=True,
                                inspect_step=3).to_dict()
    go.Figure(surface)
    assert surface["data"][0]["type"] == "surface" and len(surface["data"][0]["z"]) <= 120
    assert surface["data"][2]["x"] == [float(run.params[3, 0])], "the point at the shown step"


def test_surface_path_leaves_a_gap_outside_the_plot():
    landscape = LANDSCAPES["quadratic"]
    xs, ys, z = surface_grid(landscape.fn_with, landscape.bounds, landscape.theta(), 60)
    path = np.array([[0.0, 0.0], [10.0, 0.0], [1.0, 1.0]], np.float32)
    spec = surface_with_path(xs, ys, z, path, np.array([0.0, 50.0, 5.0]), log_color=False,
                             inspect_step=0).to_dict()
    assert spec["data"][1]["z"][1] is None and spec["data"][1]["z"][2] == 5.0


def test_loss_curve_sends_float32_values_against_implicit_steps(rosenbrock_run):
    _, _, _, _, run = rosenbrock_run
    spec = loss_curve(run.loss[:101], diverged_at=None, min_value=0.0, log_y=True).to_dict()
    go.Figure(spec)
    line = spec["data"][0]
    assert (line["x0"], line["dx"]) == (0, 1) and "x" not in line
    values = typed_values(line["y"])
    assert len(values) == 101 and values.min() > 0, "a log axis gets J - J*, clipped above 0"
    gap = np.maximum(run.loss[:101].astype(np.float64), 1e-12)
    np.testing.assert_array_equal(values, gap.astype(np.float32))
    assert spec["layout"]["yaxis"]["type"] == "log" and line["name"] == "J − J*"
    assert len(spec["data"]) == 1, "the step on screen is marked by the player, not here"
    plain = loss_curve(run.loss[:11]).to_dict()
    np.testing.assert_array_equal(typed_values(plain["data"][0]["y"]), run.loss[:11].astype(np.float32))
    assert plain["layout"]["yaxis"]["type"] == "linear"


def test_loss_curve_marks_divergence_at_the_last_point():
    loss = np.array([1.0, 2.0, 5.0, 40.0])
    spec = loss_curve(loss, diverged_at=4).to_dict()
    go.Figure(spec)
    mark = spec["data"][1]
    assert mark["name"] == "diverged at step 4" and (mark["x"], mark["y"]) == ([3], [40.0])


def test_losses_figure_draws_one_line_per_run_and_marks_divergence():
    series = [dict(name="SGD", colour="#e4572e", loss=np.array([4.0, 2.0, 1.0]), diverged_at=None),
              dict(name="Adam", colour="#e377c2", loss=np.array([4.0, 9.0, 81.0, 6561.0]), diverged_at=4)]
    spec = losses_figure(series, min_value=0.5, log_y=True).to_dict()
    go.Figure(spec)
    lines = [t for t in spec["data"] if t["mode"] == "lines"]
    assert [t["name"] for t in lines] == ["SGD", "Adam"]
    assert [t["line"]["color"] for t in lines] == ["#e4572e", "#e377c2"]
    np.testing.assert_array_equal(typed_values(lines[0]["y"]), [3.5, 1.5, 0.5])  # J − J*, J* = 0.5
    assert all((t["x0"], t["dx"]) == (0, 1) for t in lines)
    mark = next(t for t in spec["data"] if t["mode"] == "markers")
    assert mark["name"] == "Adam diverged at step 4" and mark["x"] == [3]
    assert spec["layout"]["yaxis"]["type"] == "log"


def test_compact_keeps_a_ten_thousandth_of_the_span():
    values = np.array([0.123456789, -3.987654321])
    assert compact(values, 4.0) == [0.1235, -3.9877]
    json.dumps(compact(values, 1e-9))  # tiny spans still give JSON-ready floats


def test_graph_colours_the_chain_rule_as_the_lecture_does():
    w, x, y = np.array([0.8, -1.2]), 1.5, 0.3
    nodes = {k: float(v) for k, v in chain.forward(w, x, y).items()}
    derivatives = {k: float(v) for k, v in chain.local_derivatives(w, x, y).items()}
    spec = graph_figure(nodes, derivatives, w).to_dict()
    go.Figure(spec)
    labels = {a["text"].split("<br>")[0]: a for a in spec["layout"]["annotations"] if a["text"]}
    expected = {"∂J/∂ŷ = 2(ŷ − y)": ("purple", "dJ_dyhat"), "∂h/∂z₁ = σ'(z₁)": ("red", "dh_dz1"),
                "∂ŷ/∂h = w₂": ("red", "dyhat_dh"), "∂ŷ/∂w₂ = h": ("red", "dyhat_dw2"),
                "∂z₁/∂w₁ = x": ("blue", "dz1_dw1")}
    assert set(labels) == set(expected)
    for text, (colour, key) in expected.items():
        assert labels[text]["font"]["color"] == LECTURE_COLOURS[colour]
        assert f"<b>{derivatives[key]:.4g}</b>" in labels[text]["text"]
    inside = spec["data"][0]["text"]
    assert f"{nodes['J']:.4g}" in inside and f"{w[0]:.4g}" in inside


@pytest.mark.parametrize("start", [(-2.5, 2.0), (2.0, 2.0), (2.5, -1.0), (-1.0, -2.9)])
def test_the_3d_camera_looks_at_the_start_from_the_other_side(start):
    """The eye sits opposite the start and high up: the start is on the far slope, facing the viewer,
    and the path comes down towards them instead of disappearing behind the near rim."""
    xs = ys = np.linspace(-3, 3, 61)
    z = np.add.outer(ys**2, xs**2)
    path = np.array([start, (0.0, 0.0)])
    eye = surface_with_path(xs, ys, z, path, np.array([1.0, 0.0]), log_color=False,
                            inspect_step=0).to_dict()["layout"]["scene"]["camera"]["eye"]
    assert eye["x"] * start[0] + eye["y"] * start[1] < 0, eye
    assert eye["z"] >= 1.2 and np.hypot(eye["x"], eye["y"]) > 1.0, eye


def test_projector_fonts_raise_every_font_and_leave_the_figure_alone():
    notes = [{"text": "a", "font": {"size": 10}}, {"text": "b", "font": {"size": 30}}]
    figure = {"layout": {"font": {"size": 14}, "xaxis": {"title": {"text": "x"}, "tickfont": {"size": 12}},
                         "annotations": notes},
              "data": [{"x": [1, 2], "marker": {"colorbar": {"tickfont": {"size": 9}}}}]}
    big = projector_fonts(figure, 18)
    assert big["layout"]["font"]["size"] == 18 and big["layout"]["xaxis"]["tickfont"]["size"] == 18
    assert [a["font"]["size"] for a in big["layout"]["annotations"]] == [18, 30], "larger fonts stay"
    assert big["data"][0]["marker"]["colorbar"]["tickfont"]["size"] == 18
    assert big["layout"]["xaxis"]["automargin"] is True and big["layout"]["xaxis"]["title"]["text"] == "x"
    assert figure["layout"]["font"]["size"] == 14 and "automargin" not in figure["layout"]["xaxis"], "a copy"
    assert projector_fonts({"data": []}, 18) == {"data": []}
