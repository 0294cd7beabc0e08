"""Figures built as plain, JSON-ready dicts.

Plotly validates every property as it builds a ``go.Figure``, and even an empty one costs a few
milliseconds: the figures here are dicts, drawn by plotly.js in the browser (``ui.player.chart``).
The unit tests validate every figure once by passing ``to_dict()`` to ``go.Figure``.
"""

import base64

import numpy as np


class DictFigure:
    """A prebuilt Plotly figure dict (data, layout and frames), as ``to_dict`` gives it."""

    def __init__(self, figure):
        self._figure_dict = figure

    def to_dict(self):
        """The prebuilt figure dict."""
        return self._figure_dict

    def trace(self, name):
        """The trace dict with this legend name (for tests and readers)."""
        return next(t for t in self._figure_dict["data"] if t.get("name") == name)


def typed(values):
    """Numbers as Plotly's typed array (base64 float32): about half the JSON of six-digit numbers, and
    exactly the engine's float32 values. NaN stays NaN (a gap in a line)."""
    data = np.ascontiguousarray(np.asarray(values, np.float64).astype("<f4"))
    return dict(dtype="f4", bdata=base64.b64encode(data.tobytes()).decode("ascii"))


def rounded(values, span):
    """Coordinates rounded to 1e-4 of the plot's span (far below a pixel): short in JSON."""
    decimals = int(max(0, 4 - np.floor(np.log10(max(span, 1e-12)))))
    return np.round(np.asarray(values, np.float64), decimals)


def compact(values, span):
    """Coordinates as a short JSON-ready list (see ``rounded``)."""
    return rounded(values, span).tolist()
