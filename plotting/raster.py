"""The contour background as a PNG image, so it stays put while Plotly animates the path.

Plotly clears contour and heatmap traces while frames play (plotly.js #4491); a layout image is
not a trace and survives. The picture is a colour field with darker iso-lines, built with numpy
and encoded as a PNG by hand (zlib and struct from the standard library). The lines are
anti-aliased (each pixel darkened by its distance to the nearest level, in pixels) on values
interpolated to a few times the grid's resolution, so they stay smooth, without stair steps, when
the browser scales the picture up for a projector.
"""

import struct
import zlib

import numpy as np
from plotly.colors import hex_to_rgb, sequential

LEVELS = 30
LINE_SHADE = 0.55  # pixels on an iso-line keep this fraction of their colour
LINE_HALF_WIDTH = 0.9  # in pixels: the darkening fades to nothing this far from a line


def colormap(name="Viridis", size=256):
    """A (size, 3) uint8 lookup table interpolated from one of Plotly's sequential scales."""
    anchors = np.array([hex_to_rgb(c) for c in getattr(sequential, name)], np.float64)
    positions = np.linspace(0, 1, len(anchors))
    steps = np.linspace(0, 1, size)
    return np.stack([np.interp(steps, positions, anchors[:, i]) for i in range(3)], 1).astype(np.uint8)


def shaded_levels(values, low, high, name="Viridis"):
    """RGB pixels: each value coloured on [low, high], darkened (anti-aliased) along the iso-lines where
    its level band changes."""
    unit = np.clip((values - low) / max(high - low, 1e-30), 0, 1)
    unit = np.nan_to_num(unit, nan=1.0)
    rgb = colormap(name)[(unit * 255).astype(int)].astype(np.float64)
    level = unit * LEVELS
    nearest = np.round(level)
    slope = np.hypot(*np.gradient(level)) if min(level.shape) > 1 else np.abs(np.gradient(level.ravel()))
    slope = slope.reshape(level.shape)
    distance = np.abs(level - nearest) / np.maximum(slope, 1e-12)  # pixels to the nearest level
    # Lines only between bands (not at the clipped ends of the scale) and where the surface is not flat.
    line = (nearest >= 1) & (nearest <= LEVELS - 1) & (slope > 1e-9)
    strength = np.where(line, np.clip(1 - distance / LINE_HALF_WIDTH, 0, 1), 0.0)
    rgb *= (1 - (1 - LINE_SHADE) * strength)[..., None]
    return np.round(rgb).astype(np.uint8)


def upsample(values, factor):
    """Bilinear interpolation of a grid to ``factor`` times its resolution ((n − 1)·factor + 1 points)."""
    if factor == 1:
        return values
    for axis in (0, 1):
        n = values.shape[axis]
        at = np.linspace(0, n - 1, (n - 1) * factor + 1)
        below = np.minimum(np.floor(at).astype(int), n - 2)
        weight = (at - below).reshape((-1, 1) if axis == 0 else (1, -1))
        low, high = np.take(values, below, axis), np.take(values, below + 1, axis)
        values = low + weight * (high - low)
    return values


def png_bytes(rgb):
    """Encode an (h, w, 3) uint8 array as a PNG file."""
    height, width, _ = rgb.shape
    raw = b"".join(b"\x00" + row.tobytes() for row in rgb)  # filter type 0 on every row

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def background_png(values, low, high, factor=1):
    """The shaded surface as PNG bytes, at ``factor`` times the grid's resolution; row 0 of ``values`` is
    the bottom of the plot."""
    return png_bytes(shaded_levels(upsample(np.flipud(values), factor), low, high))
