"""The contour background as a PNG image, so it stays put while Plotly animates the path.

Plotly clears contour and heatmap traces while frames play (plotly.js #4491); a layout image is
not a trace and survives. The picture is a colour field with darker iso-lines, built with numpy
and encoded as a PNG by hand (zlib and struct from the standard library).
"""

import struct
import zlib

import numpy as np
from plotly.colors import hex_to_rgb, sequential

LEVELS = 30
LINE_SHADE = 0.55  # iso-line pixels keep this fraction of their colour


def colormap(name="Viridis", size=256):
    """A (size, 3) uint8 lookup table interpolated from one of Plotly's sequential scales."""
    anchors = np.array([hex_to_rgb(c) for c in getattr(sequential, name)], np.float64)
    positions = np.linspace(0, 1, len(anchors))
    steps = np.linspace(0, 1, size)
    return np.stack([np.interp(steps, positions, anchors[:, i]) for i in range(3)], 1).astype(np.uint8)


def shaded_levels(values, low, high, name="Viridis"):
    """RGB pixels: each value coloured on [low, high], darkened where its level band changes."""
    unit = np.clip((values - low) / max(high - low, 1e-30), 0, 1)
    unit = np.nan_to_num(unit, nan=1.0)
    rgb = colormap(name)[(unit * 255).astype(int)].astype(np.float64)
    band = np.minimum((unit * LEVELS).astype(int), LEVELS - 1)
    edge = np.zeros(band.shape, bool)
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    rgb[edge] *= LINE_SHADE
    return rgb.astype(np.uint8)


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


def background_png(values, low, high):
    """The shaded surface as PNG bytes; row 0 of ``values`` is the bottom of the plot."""
    return png_bytes(shaded_levels(np.flipud(values), low, high))
