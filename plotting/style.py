"""Shared look of the figures: colours, and the colour transform for steep surfaces."""

import numpy as np

PATH_COLOUR = "#e4572e"
POINT_COLOUR = "#ffffff"
ARROW_COLOUR = "#ffd23f"
MINIMUM_COLOUR = "#f7f7f7"
DIVERGED_COLOUR = "#d62728"
COLORSCALE = "Viridis"
FONT = dict(size=14)


def colour_values(z, log_color):
    """Values for the colour scale: log10(z - min + delta) for steep surfaces, z otherwise."""
    if not log_color:
        return z.astype(np.float32), "J"
    finite = z[np.isfinite(z)]
    low, high = float(finite.min()), float(finite.max())
    delta = max(1e-6, 1e-5 * (high - low))  # keeps the deepest valleys from spiking down
    return np.log10(np.maximum(z - low, 0) + delta).astype(np.float32), "log₁₀(J − min + δ)"

# Teal means one thing on every page: what the lecture recommends (the stable rate, the mini-batch,
# the regularized network); grey is the run to compare it with.
RECOMMENDED, PLAIN = "#2a9d8f", "#6b7280"
# The learning-rate page's three regimes.
REGIME_COLOURS = {"small": "#f4a261", "stable": RECOMMENDED, "large": "#d62728"}
# The lecture's colours for the chain rule: ∂J/∂ŷ purple, ∂ŷ/∂(·) red, ∂z₁/∂w₁ blue.
LECTURE_COLOURS = {"purple": "#7b2cbf", "red": "#d62828", "blue": "#1d4ed8"}


FONT_KEYS = ("font", "tickfont", "textfont", "insidetextfont", "outsidetextfont")


def projector_fonts(figure, size):
    """A copy of a figure dict in which every font is at least ``size`` px (the base font included) and
    the axis titles keep clear of the larger tick labels."""
    def walk(value, key=None):
        if isinstance(value, dict):
            out = {k: walk(v, k) for k, v in value.items()}
            if key in FONT_KEYS:
                out["size"] = max(out.get("size") or 0, size)
            return out
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return [walk(v) for v in value]
        return value

    figure = walk(figure)
    layout = figure.get("layout")
    if isinstance(layout, dict):
        font = layout.get("font") or {}
        layout["font"] = dict(font, size=max(font.get("size") or 0, size))
        for key, axis in layout.items():
            # Without automatic margins plotly.js sets an x-axis title where 14 px tick labels would
            # end, over larger ones (measured: 15 px of overlap at 18 px). Here only, so the usual view
            # keeps its fixed margins (one layout pass per update); not on y, where with equal scales
            # it parts the tick labels from a plot narrowed to keep them.
            titled = isinstance(axis, dict) and isinstance(axis.get("title"), dict)
            if key.startswith("xaxis") and titled:
                axis["title"] = dict(axis["title"], standoff=size // 2)
                axis["automargin"] = True
    return figure
