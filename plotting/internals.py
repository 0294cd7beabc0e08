"""Inside the optimizers at one step: which way each one moves, and how big a step each coordinate gets.

Left, one small compass per optimizer, centred on its own origin (not on the map): the steepest-descent
direction -g (thin grey), the direction its velocity pushes, -b or -m (dashed), and the update it
actually took (thick), all of unit length. SGD moves along -g, momentum along its velocity, and the
adaptive rules turn towards the axis with the smaller gradient, since they divide each coordinate by
its own gradient size. Right, the effective step size of each coordinate on a log axis: eta for SGD
and momentum, eta / (sqrt(v) + eps) and its kin for the adaptive rules, orders of magnitude apart.
"""

import math

import numpy as np

from plotting import style
from plotting.frames import DictFigure

CELL_WIDTH = 2.9  # distance between compass origins; each compass has radius 1
CELL_HEIGHT = 4.4  # row distance; leaves room for the two-line label under a compass
MAX_COLUMNS = 4
GREY = "#8a8a8a"
FAINT = "#d9d9d9"
FALLBACK_COLOUR = "#555555"
# (trace suffix, legend text, line style); drawn thick first so the thin -g stays visible on top.
ARROWS = (
    ("update", "update actually taken", dict(width=5)),
    ("velocity", "−velocity: where momentum pushes", dict(width=2.5, dash="dash")),
    ("−g", "−g: steepest descent", dict(width=1.5, color=GREY)),
)
BAR_WIDTH = 0.38
LEFT, RIGHT = [0, 0.54], [0.62, 1]  # the two panels' shares of the width


def _number(value):
    """A number for hover text: four significant digits, nan and inf spelt out."""
    return f"{float(value):.4g}"


def _pair(vector):
    """A 2-vector for hover text."""
    return f"({_number(vector[0])}, {_number(vector[1])})"


def direction(vector):
    """(unit vector, None), or (None, why not) for a missing, non-finite or zero vector."""
    if vector is None:
        return None, "none (this rule keeps no velocity)"
    v = np.asarray(vector, np.float64).reshape(2)
    if not np.all(np.isfinite(v)):
        return None, f"{_pair(v)} is not finite: not drawn"
    biggest = float(np.max(np.abs(v)))
    if biggest == 0:
        return None, "zero: no direction to draw"
    v = v / biggest  # scaled first so that huge components do not overflow the norm
    return v / math.hypot(*v), None


def _arrow_vectors(entry):
    """Each arrow's vector as drawn: update, -velocity (the way it pushes) and -g."""
    velocity = entry.get("velocity")
    return {"update": entry["update"],
            "velocity": None if velocity is None else -np.asarray(velocity, np.float64),
            "−g": -np.asarray(entry["grad"], np.float64)}


def _turn(update_dir, grad_dir):
    """The angle in degrees between the update and -g, or None where one is missing."""
    if update_dir is None or grad_dir is None:
        return None
    return math.degrees(math.acos(float(np.clip(np.dot(update_dir, grad_dir), -1.0, 1.0))))


def _hover(entry, notes, turn):
    """Everything about one optimizer at this step, as hover text."""
    lines = [f"<b>{entry['name']}</b> at {_pair(entry['point'])}",
             f"gradient g = {_pair(entry['grad'])}",
             "velocity = " + ("none" if entry.get("velocity") is None else _pair(entry["velocity"])),
             f"step size per coordinate = {_pair(entry['step_size'])}",
             f"update taken = {_pair(entry['update'])}"]
    if turn is not None:
        lines.append(f"update turned {turn:.0f}° away from −g")
    lines += [f"{name}: {why}" for name, why in notes.items() if why is not None]
    return "<br>".join(lines)


def _origin(i, columns):
    """Where compass i sits: columns left to right, rows top to bottom."""
    return (i % columns) * CELL_WIDTH, -(i // columns) * CELL_HEIGHT


def _compass_backdrop(ox, oy):
    """A faint unit circle and coordinate cross, so that angles and axes can be read."""
    t = np.linspace(0, 2 * np.pi, 49)
    circle = dict(type="scatter", x=np.round(ox + np.cos(t), 4).tolist(),
                  y=np.round(oy + np.sin(t), 4).tolist(), mode="lines", line=dict(color=FAINT, width=1),
                  hoverinfo="skip", showlegend=False)
    cross = dict(type="scatter", x=[ox - 1.1, ox + 1.1, None, ox, ox], y=[oy, oy, None, oy - 1.1, oy + 1.1],
                 mode="lines", line=dict(color=FAINT, width=1), hoverinfo="skip", showlegend=False)
    return [circle, cross]


def _arrow_trace(entry, suffix, unit, origin, line, colour, hover):
    """One unit arrow from the compass origin: a line with an arrowhead marker at its tip."""
    ox, oy = origin
    return dict(type="scatter", name=f"{entry['name']}: {suffix}", legendgroup=suffix, showlegend=False,
                x=[ox, round(ox + float(unit[0]), 6)], y=[oy, round(oy + float(unit[1]), 6)],
                mode="lines+markers", line=dict(dict(color=colour), **line),
                marker=dict(symbol="arrow", angleref="previous", size=[0, 6 + 1.6 * line["width"]],
                            color=line.get("color", colour)),
                customdata=[unit.tolist(), unit.tolist()], hovertext=[hover, hover],
                hovertemplate="%{hovertext}<extra></extra>")


def _why_no_turn(notes):
    """The short reason under a compass without an angle: the update or g is zero or not finite."""
    if notes["update"] is not None:
        return "no step" if notes["update"].startswith("zero") else "step not finite"
    return "g = 0" if notes["−g"].startswith("zero") else "g not finite"


def _compass(entry, i, columns):
    """One optimizer's compass: backdrop, arrows, a hover point at its origin and a label under it."""
    colour = _colour(entry)
    origin = _origin(i, columns)
    units, notes = {}, {}
    for suffix, vector in _arrow_vectors(entry).items():
        units[suffix], notes[suffix] = direction(vector)
    turn = _turn(units["update"], units["−g"])
    hover = _hover(entry, notes, turn)
    traces = _compass_backdrop(*origin)
    traces += [_arrow_trace(entry, suffix, units[suffix], origin, line, colour, hover)
               for suffix, _, line in ARROWS if units[suffix] is not None]
    traces.append(dict(type="scatter", name=f"{entry['name']}: origin", x=[origin[0]], y=[origin[1]],
                       mode="markers", marker=dict(size=6, color=colour), showlegend=False,
                       hovertext=[hover], hovertemplate="%{hovertext}<extra></extra>"))
    second = f"{turn:.0f}° off −g" if turn is not None else _why_no_turn(notes)
    label = dict(x=origin[0], y=origin[1] - 1.2, xref="x", yref="y", yanchor="top", showarrow=False,
                 text=f"<b>{entry['name']}</b><br><span style='font-size:11px'>{second}</span>",
                 font=dict(color=colour), hovertext=hover)
    axis_names = [dict(x=origin[0] + 1.22, y=origin[1], text="x", xref="x", yref="y", showarrow=False,
                       font=dict(size=11, color=GREY)),
                  dict(x=origin[0], y=origin[1] + 1.2, text="y", xref="x", yref="y", showarrow=False,
                       yanchor="bottom", font=dict(size=11, color=GREY))]
    return traces, [label, *axis_names]


def _legend_keys():
    """Legend entries for the three arrow styles (drawn nowhere; the arrows themselves have none)."""
    return [dict(type="scatter", name=text, x=[None], y=[None], mode="lines", legendgroup=suffix,
                 line=dict(dict(color="#444444"), **line)) for suffix, text, line in ARROWS]


def _log_range(values):
    """A log10 axis range around the finite positive values, with room for the labels above bars."""
    good = [v for v in values if np.isfinite(v) and v > 0]
    if not good:
        return [-3.0, 1.0]
    low, high = math.log10(min(good)), math.log10(max(good))
    return [low - 0.6, high + 0.6] if high - low > 0.2 else [low - 1.0, high + 1.0]


def _colour(entry):
    """The optimizer's own colour (grey where an entry has none)."""
    return entry.get("colour") or FALLBACK_COLOUR


def _bar_trace(entries, axis):
    """The step size along one coordinate per optimizer: solid for x, hatched for y."""
    coord, offset, shape = ("x", -0.2, "") if axis == 0 else ("y", 0.2, "/")
    sizes = [float(np.asarray(e["step_size"], np.float64).reshape(2)[axis]) for e in entries]
    hovers = [f"<b>{e['name']}</b><br>step size along {coord}: {s:.6g}<br>{e.get('step_size_rule', '')}"
              for e, s in zip(entries, sizes, strict=True)]
    shown = [s if np.isfinite(s) and s > 0 else None for s in sizes]
    return dict(type="bar", name=f"step size along {coord}", x=[i + offset for i in range(len(entries))],
                y=shown, width=BAR_WIDTH, text=[coord] * len(entries), textposition="outside",
                cliponaxis=False, showlegend=False, xaxis="x2", yaxis="y2", hovertext=hovers,
                hovertemplate="%{hovertext}<extra></extra>",
                marker=dict(color=[_colour(e) for e in entries],
                            pattern=dict(shape=shape, fgcolor="white", size=6)))


def _missing_marks(bars, floor):
    """A red cross at the bottom of the axis for each step size a log axis cannot show."""
    marks = [(x, text + "<br>not drawn: a log axis shows only finite values > 0")
             for bar in bars for x, y, text in zip(bar["x"], bar["y"], bar["hovertext"], strict=True)
             if y is None]
    return dict(type="scatter", name="step size not drawn", mode="markers", showlegend=False,
                x=[x for x, _ in marks], y=[10 ** (floor + 0.15)] * len(marks),
                hovertext=[text for _, text in marks], hovertemplate="%{hovertext}<extra></extra>",
                marker=dict(symbol="x-thin-open", size=12, color=style.DIVERGED_COLOUR, line=dict(width=2)),
                xaxis="x2", yaxis="y2")


def _layout(entries, step, columns, labels, log_range):
    """Two panels: the compasses (equal x and y scale, so angles are true) and the step-size bars."""
    rows = math.ceil(len(entries) / columns)
    names = [f"<span style='color:{_colour(e)}'>{e['name']}</span>" for e in entries]
    titles = [dict(text=f"<b>Directions at step {step}</b>", x=LEFT[1] / 2),
              dict(text="<b>Effective step size per coordinate</b>", x=(RIGHT[0] + 1) / 2)]
    titles = [dict(t, xref="paper", xanchor="center", y=1.0, yref="paper", yanchor="bottom", showarrow=False)
              for t in titles]
    hidden = dict(visible=False, fixedrange=True)
    return dict(
        height=240 + 190 * rows, font=style.FONT, margin=dict(l=10, r=10, t=70, b=10),
        showlegend=True, legend=dict(orientation="h", x=0, y=1.08, yanchor="bottom", font=dict(size=12)),
        xaxis=dict(hidden, domain=LEFT, range=[-1.25, (columns - 1) * CELL_WIDTH + 1.25]),
        yaxis=dict(hidden, scaleanchor="x", scaleratio=1, range=[-(rows - 1) * CELL_HEIGHT - 2.4, 1.55]),
        xaxis2=dict(domain=RIGHT, tickvals=list(range(len(entries))), ticktext=names, fixedrange=True,
                    range=[-0.6, len(entries) - 0.4], anchor="y2", tickfont=dict(size=12), automargin=True),
        yaxis2=dict(type="log", range=log_range, anchor="x2", exponentformat="power",
                    dtick=max(1, math.ceil((log_range[1] - log_range[0]) / 6)),
                    fixedrange=True, title=dict(text="step size (log)")),
        bargap=0, annotations=titles + labels, hovermode="closest", uirevision="internals",
        plot_bgcolor="white",
    )


def internals_figure(entries, *, step):
    """Per optimizer at update ``step``: the unit directions of -g, -velocity and the update taken
    (left) and the effective step size of each coordinate on a log axis (right).

    ``entries``: one dict per optimizer with ``key``, ``name``, ``colour``, ``point``, ``grad``,
    ``velocity`` (None where the rule has none), ``step_size`` (with its formula, ``step_size_rule``)
    and ``update`` (params[k+1] - params[k]); each a 2-vector. Missing, zero and non-finite vectors
    are left out and named in the hover text.
    """
    columns = max(1, min(len(entries), MAX_COLUMNS))
    data, labels = _legend_keys(), []
    for i, entry in enumerate(entries):
        traces, label = _compass(entry, i, columns)
        data += traces
        labels += label
    sizes = [float(v) for e in entries for v in np.asarray(e["step_size"], np.float64).reshape(2)]
    log_range = _log_range(sizes)
    bars = [_bar_trace(entries, axis) for axis in (0, 1)]
    data += bars + [_missing_marks(bars, log_range[0])]
    return DictFigure(dict(data=data, layout=_layout(entries, step, columns, labels, log_range)))
