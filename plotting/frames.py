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


def _remap_ref(ref, axes):
    """An annotation's or shape's axis reference, renamed by ``axes`` ({"x": "x2", ...}; {} keeps it)."""
    if ref in ("x", "y"):
        return axes.get(ref, ref)
    if ref in ("x domain", "y domain"):
        return f"{axes.get(ref[0], ref[0])} domain"
    return ref


def _moved(note, axes, domain):
    """An annotation, shape or legend placed in a panel: axis references renamed, paper x squeezed."""
    note = dict(note)
    for key in ("xref", "yref", "axref", "ayref"):
        if key in note:
            note[key] = _remap_ref(note[key], axes)
    if note.get("xref", "paper") == "paper":
        for key in ("x", "x0", "x1"):
            if isinstance(note.get(key), int | float):
                note[key] = domain[0] + note[key] * (domain[1] - domain[0])
    return note


def _title_note(title, domain):
    """A figure's title as an annotation over its panel."""
    text = title.get("text", "") if isinstance(title, dict) else str(title or "")
    return dict(text=text, xref="paper", yref="paper", x=domain[0], y=1.0, xanchor="left", yanchor="bottom",
                showarrow=False, font=dict(size=14), name="title")


def side_by_side(left, right, *, gap=0.1):
    """Two single-panel figures as one, side by side: one chart for the browser to draw, not two.

    The right figure's axes become x2/y2 and its annotations, shapes, title and legend move to the right
    half; each half keeps its own legend. ``panels`` undoes it (for readers and tests).
    """
    a, b = left.to_dict(), right.to_dict()
    domains, axes = ([0.0, 0.5 - gap / 2], [0.5 + gap / 2, 1.0]), {"x": "x2", "y": "y2"}
    la, lb = a["layout"], b["layout"]
    right_y = dict(lb.get("yaxis", {}), anchor="x2")
    if right_y.get("scaleanchor") == "x":
        right_y["scaleanchor"] = "x2"
    margin = {side: max(la.get("margin", {}).get(side, 0), lb.get("margin", {}).get(side, 0))
              for side in ("l", "r", "t", "b")}
    notes = ([_moved(n, {}, domains[0]) for n in la.get("annotations", [])]
             + [_moved(n, axes, domains[1]) for n in lb.get("annotations", [])])
    layout = dict(la, height=max(la.get("height", 450), lb.get("height", 450)), margin=margin, title=None,
                  xaxis=dict(la.get("xaxis", {}), domain=domains[0], anchor="y"),
                  yaxis=dict(la.get("yaxis", {}), anchor="x"),
                  xaxis2=dict(lb.get("xaxis", {}), domain=domains[1], anchor="y2"), yaxis2=right_y,
                  legend=_moved(la.get("legend", {}), {}, domains[0]),
                  legend2=_moved(lb.get("legend", {}), {}, domains[1]),
                  annotations=notes + [_title_note(la.get("title"), domains[0]),
                                       _title_note(lb.get("title"), domains[1])],
                  shapes=[_moved(s, {}, domains[0]) for s in la.get("shapes", [])]
                  + [_moved(s, axes, domains[1]) for s in lb.get("shapes", [])])
    data = [dict(t, legend="legend") for t in a["data"]]
    data += [dict(t, xaxis="x2", yaxis="y2", legend="legend2") for t in b["data"]]
    return DictFigure(dict(data=data, layout=layout))


def panels(figure):
    """The two figures ``side_by_side`` joined, each with its own traces, axes and title (as dicts)."""
    layout, data = figure["layout"], figure["data"]
    titles = [n for n in layout.get("annotations", []) if n.get("name") == "title"]
    left = dict(data=[t for t in data if t.get("xaxis", "x") == "x"],
                layout=dict(xaxis=layout["xaxis"], yaxis=layout["yaxis"], title=dict(text=titles[0]["text"])))
    right = dict(data=[dict(t, xaxis="x", yaxis="y") for t in data if t.get("xaxis") == "x2"],
                 layout=dict(xaxis=layout["xaxis2"], yaxis=layout["yaxis2"],
                             title=dict(text=titles[1]["text"])))
    return left, right
