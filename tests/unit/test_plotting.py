"""The plotting layer: valid Plotly figures, bounded animations, a background that is a real PNG."""

import base64
import json
import struct
import zlib

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from plotting.contour import MAX_FRAMES

from engine import run_single, surface_grid
from landscapes import LANDSCAPES
from plotting import frame_steps, loss_curve, path_animation, surface_with_path
from plotting.frames import compact
from plotting.raster import background_image, colormap, png_bytes, shaded_levels


@pytest.fixture(scope="module")
def rosenbrock_run():
    landscape = LANDSCAPES["rosenbrock"]
    xs, ys, z = surface_grid(landscape.fn_with, landscape.bounds, landscape.theta(), 120)
    hyper = {"learning_rate": 0.05, "b1": 0.9, "b2": 0.999, "eps": 1e-8}
    run = run_single(landscape.fn_with, "adam", hyper, np.array(landscape.start, np.float32), 1000,
                     (landscape.theta(),))
    return landscape, xs, ys, z, run


def decode_png(data_uri):
    """Width, height and pixels of an RGB PNG written by plotting.raster (filter 0, one IDAT)."""
    raw = base64.b64decode(data_uri.split(",", 1)[1])
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
    rows = zlib.decompress(chunks[b"IDAT"])
    pixels = np.frombuffer(rows, np.uint8).reshape(height, 1 + 3 * width)
    assert np.all(pixels[:, 0] == 0), "every row uses filter type 0"
    return width, height, pixels[:, 1:].reshape(height, width, 3)


@pytest.mark.parametrize("steps", [1, 50, 100, 1000])
def test_path_animation_is_valid_and_bounded(rosenbrock_run, steps):
    landscape, xs, ys, z, run = rosenbrock_run
    figure = path_animation(xs, ys, z, run.params[: steps + 1], run.grads[: steps + 1],
                            log_color=True, minima=landscape.minima, inspect_step=0)
    spec = figure.to_dict()
    go.Figure(spec)  # Plotly's own validation: raises on any unknown or ill-typed property
    frames = spec["frames"]
    assert len(frames) == min(steps + 1, MAX_FRAMES)
    assert frames[-1]["name"] == str(steps), "the last frame is the last step"
    moving = frames[0]["traces"]
    assert [spec["data"][i]["name"] for i in moving] == ["path so far", "current point", "−∇J direction"]
    whole = figure.trace("whole path")
    np.testing.assert_allclose(whole["x"], run.params[: steps + 1, 0], atol=1e-3)  # 1e-4 of span 4
    # The bold trail at the last frame ends where the run ends.
    assert frames[-1]["data"][0]["x"][-1] == pytest.approx(run.params[steps, 0], abs=1e-3)
    assert len(pio.to_json(spec, validate=False)) < 400_000


def test_animation_opens_at_the_inspected_step(rosenbrock_run):
    landscape, xs, ys, z, run = rosenbrock_run
    figure = path_animation(xs, ys, z, run.params[:41], run.grads[:41], log_color=True,
                            minima=landscape.minima, inspect_step=17)
    spec = figure.to_dict()
    assert spec["layout"]["sliders"][0]["active"] == 17
    point = figure.trace("current point")
    assert point["x"][0] == pytest.approx(run.params[17, 0], abs=1e-3)


def test_gradient_arrow_points_downhill(rosenbrock_run):
    landscape, xs, ys, z, run = rosenbrock_run
    figure = path_animation(xs, ys, z, run.params[:5], run.grads[:5], log_color=True,
                            minima=landscape.minima, inspect_step=0)
    arrow = figure.trace("−∇J direction")
    direction = np.array([arrow["x"][1] - arrow["x"][0], arrow["y"][1] - arrow["y"][0]])
    assert direction @ run.grads[0] < 0, "the arrow shows -grad J"
    assert np.hypot(*direction) == pytest.approx(0.12 * (xs[-1] - xs[0]), rel=1e-3)


def test_frame_steps_cover_first_and_last_and_are_bounded():
    np.testing.assert_array_equal(frame_steps(10), np.arange(11))
    many = frame_steps(999)
    assert many[0] == 0 and many[-1] == 999 and len(many) <= MAX_FRAMES
    assert np.all(np.diff(many) > 0)


def test_background_png_decodes_and_follows_the_colour_scale(rosenbrock_run):
    landscape, xs, ys, z, run = rosenbrock_run
    spec = path_animation(xs, ys, z, run.params[:3], run.grads[:3], log_color=False,
                          minima=landscape.minima, inspect_step=0).to_dict()
    image = spec["layout"]["images"][0]
    width, height, rgb = decode_png(image["source"])
    assert (width, height) == (len(xs), len(ys))
    assert image["x"] == xs[0] and image["y"] == ys[-1] and image["sizing"] == "stretch"
    # Row 0 of the image is the top of the plot (largest y), row 0 of z the bottom. The pixels at
    # the grid's lowest and highest values carry the first and last colours of the scale (or their
    # darkened iso-line shade).
    lut = colormap()
    for flat_index, colour in ((np.argmin(z), lut[0]), (np.argmax(z), lut[255])):
        j, i = np.unravel_index(flat_index, z.shape)
        pixel = rgb[height - 1 - j, i]
        assert any(np.abs(pixel.astype(int) - c).max() <= 1
                   for c in (colour, (colour * 0.55).astype(np.uint8))), (pixel, colour)


def test_shaded_levels_draws_iso_lines_only_where_bands_change():
    ramp = np.tile(np.linspace(0, 1, 300), (5, 1))
    rgb = shaded_levels(ramp, 0.0, 1.0)
    lut = colormap()
    darkened = np.any(rgb[0] != lut[(ramp[0] * 255).astype(int)], axis=1)
    assert 25 <= darkened.sum() <= 31, "about one line per band boundary (30 bands)"
    assert png_bytes(rgb)[:8] == b"\x89PNG\r\n\x1a\n"


def test_surface_and_loss_figures_are_valid(rosenbrock_run):
    landscape, xs, ys, z, run = rosenbrock_run
    surface = surface_with_path(xs, ys, z, run.params[:101], run.loss[:101], log_color=True,
                                inspect_step=3).to_dict()
    go.Figure(surface)
    assert surface["data"][0]["type"] == "surface" and len(surface["data"][0]["z"]) <= 120
    curve = loss_curve(run.loss[:101], inspect_step=3, diverged_at=None, min_value=0.0, log_y=True)
    spec = curve.to_dict()
    go.Figure(spec)
    assert spec["layout"]["yaxis"]["type"] == "log"
    assert min(spec["data"][0]["y"]) > 0, "a log axis gets J - J*, clipped above 0"
    diverged = loss_curve(run.loss[:8], inspect_step=0, diverged_at=8).to_dict()
    assert any("diverged at step 8" in t["name"] for t in diverged["data"])


def test_surface_path_leaves_a_gap_outside_the_plot():
    landscape = LANDSCAPES["quadratic"]
    xs, ys, z = surface_grid(landscape.fn_with, landscape.bounds, landscape.theta(), 60)
    path = np.array([[0.0, 0.0], [10.0, 0.0], [1.0, 1.0]], np.float32)
    spec = surface_with_path(xs, ys, z, path, np.array([0.0, 50.0, 5.0]), log_color=False,
                             inspect_step=0).to_dict()
    assert spec["data"][1]["z"][1] is None and spec["data"][1]["z"][2] == 5.0


def test_compact_keeps_a_ten_thousandth_of_the_span():
    values = np.array([0.123456789, -3.987654321])
    assert compact(values, 4.0) == [0.1235, -3.9877]
    json.dumps(compact(values, 1e-9))  # tiny spans still give JSON-ready floats


def test_background_never_spells_nan_or_infinity():
    """Plotly re-encodes a whole figure whose JSON contains "NaN" or "Infinity" (3x slower)."""
    rng = np.random.default_rng(0)
    for _ in range(30):  # about one in seven unpadded images would spell NaN
        values = rng.random((60, 60))
        uri = background_image(values, 0.0, 1.0)
        assert "NaN" not in uri and "Infinity" not in uri
        assert decode_png(uri)[:2] == (60, 60)
