"""Paths over a loss surface, for the path player (``ui.player``), which animates them in the browser.

The figure is split in what changes and what does not. The surface is a PNG, sent once by URL (a
layout image, which animation leaves alone: plotly.js #4491); axes, colour bar and minima are a
small layout; each run is its points as float32 (exactly what the engine computed) with the look
of its traces: the whole path (dotted, shown when paused at the end or when asked), the trail so
far and the −∇J arrow; the current points of a panel's runs are one trace (fewer traces, faster
frames). One Play, one scrubber and ◀ / ▶ drive every run,
also across side-by-side panels.
"""

import base64
import hashlib
from typing import NamedTuple

import numpy as np

from plotting import style
from plotting.raster import background_png

BACKGROUND = "background.png"  # stands for the surface image's URL until the page stores the image
ARROW_FRACTION = 0.12  # arrow length as a fraction of the plot's width
PANEL_GAP = 0.04
HOVER_GRID = 32  # the surface's values under the mouse, read from a grid this fine
PICTURE_SCALE = 3  # the surface picture has 3x the grid's resolution: smooth iso-lines on a projector


class PlayerFigure(NamedTuple):
    """What the player draws (a JSON-ready dict) and the surface picture behind it (PNG bytes)."""

    spec: dict
    background: bytes


def encode(values):
    """An array as base64 of little-endian float32: compact, and the engine's own precision."""
    return base64.b64encode(np.ascontiguousarray(values, "<f4").tobytes()).decode("ascii")


def arrow_tips(path, grads, span):
    """For every step, the tip of a fixed-length arrow along −grad (the point itself where grad is 0)."""
    path, grads = np.asarray(path, np.float64), np.asarray(grads, np.float64)
    norm = np.hypot(grads[:, 0], grads[:, 1])[:, None]
    usable = np.isfinite(norm) & (norm > 0)
    return np.where(usable, path - ARROW_FRACTION * span * grads / np.where(usable, norm, 1.0), path)


def axes_of(panel):
    """Plotly's axis ids for panel 0, 1, 2...: ("x", "y"), ("x2", "y2"), ..."""
    suffix = "" if panel == 0 else str(panel + 1)
    return "x" + suffix, "y" + suffix


def _styles(run, single):
    """The look of one run's traces: its whole path (dotted), its trail so far and its −∇J arrow."""
    colour, name = run["colour"], run["name"]
    xa, ya = axes_of(run.get("panel", 0))
    many = len(run["path"]) > 201  # markers on every step would blot out a long path
    looks = dict(
        whole=dict(mode="lines", name="whole path" if single else f"whole path: {name}", showlegend=False,
                   line=dict(color=colour, width=1.5, dash="dot"), opacity=0.8, hoverinfo="skip"),
        trail=dict(mode="lines" if many else "lines+markers", name="path so far" if single else name,
                   marker=dict(size=5), line=dict(color=colour, width=3),
                   hovertemplate="x = %{x:.4g}, y = %{y:.4g}<extra>" + ("" if single else name) + "</extra>"),
        arrow=dict(mode="lines+markers", name="−∇J direction", line=dict(color=style.ARROW_COLOUR, width=3),
                   hoverinfo="skip", marker=dict(symbol=["circle", "arrow"], size=[1, 16],
                                                 angleref="previous", color=style.ARROW_COLOUR)),
    )
    return {part: dict(look, type="scatter", xaxis=xa, yaxis=ya, legendgroup=name)
            for part, look in looks.items()}


def _points_style(runs, panel, single):
    """The look of one panel's current points: one trace, a dot per run in the run's colour."""
    xa, ya = axes_of(panel)
    mine = [run for run in runs if run.get("panel", 0) == panel]
    return dict(type="scatter", mode="markers", xaxis=xa, yaxis=ya, name="current point", showlegend=single,
                marker=dict(size=13, color=[style.POINT_COLOUR if single else run["colour"] for run in mine],
                            line=dict(color="black", width=2)),
                hovertext=[run["name"] for run in mine],
                hovertemplate="%{hovertext} now<br>x = %{x:.4g}, y = %{y:.4g}<extra></extra>")


def _run(run, span, single):
    """One run ready to send: its points (and arrow tips, loss) as float32, and its traces' looks."""
    path = np.asarray(run["path"], np.float64)
    grads = run.get("grads")
    return dict(path=encode(path), tips=None if grads is None else encode(arrow_tips(path, grads, span)),
                loss=None if run.get("loss") is None else encode(run["loss"]), panel=int(run.get("panel", 0)),
                styles=_styles(run, single))


def _static_traces(colour, colour_title, minima, panels):
    """The colour bar (one panel only) and the minima as stars on every panel."""
    low, high = float(np.nanmin(colour)), float(np.nanmax(colour))
    traces = [dict(type="scatter", x=[None], y=[None], mode="markers", showlegend=False,
                   hoverinfo="skip", marker=dict(colorscale=style.COLORSCALE, cmin=low, cmax=high,
                   color=[low], showscale=panels == 1,
                   colorbar=dict(title=dict(text=colour_title, side="right"))))]
    for panel in range(panels):
        xa, ya = axes_of(panel)
        traces.append(dict(type="scatter", x=[m[0] for m in minima], y=[m[1] for m in minima],
                           mode="markers", name="global minimum", showlegend=panel == 0,
                           legendgroup="minimum", xaxis=xa, yaxis=ya, hovertemplate="global minimum"
                           "<br>x = %{x:.4g}, y = %{y:.4g}<extra></extra>",
                           marker=dict(symbol="star", size=14, color=style.MINIMUM_COLOUR,
                                       line=dict(color="black", width=1))))
    return traces


def _layout(xs, ys, panels, titles, axis_titles, height):
    """Equal-scale axes (one panel) and a background image for each panel, side by side."""
    width = (1 - PANEL_GAP * (panels - 1)) / panels
    # Fixed margins (room for the axis titles, the legend below): automatic ones cost the browser a
    # second layout pass on every update.
    layout = dict(font=style.FONT, height=height, margin=dict(l=64, r=10, t=36 if titles else 12, b=96),
                  legend=dict(orientation="h", y=0, x=0, yanchor="bottom", yref="container", itemclick=False,
                              itemdoubleclick=False),
                  dragmode=False, hovermode="closest", plot_bgcolor="white", images=[], annotations=[])
    for panel in range(panels):
        xa, ya = axes_of(panel)
        left = panel * (width + PANEL_GAP)
        axis = dict(constrain="domain", showgrid=False, zeroline=False, fixedrange=True)
        layout["xaxis" + xa[1:]] = dict(axis, title=dict(text=axis_titles[0]), domain=[left, left + width],
                                        range=[float(xs[0]), float(xs[-1])], anchor=ya)
        # One panel keeps equal scales (the −∇J arrow stays perpendicular to the level sets);
        # side-by-side panels fill their height instead, or a wide surface would be a thin strip.
        square = dict(scaleanchor=xa, scaleratio=1) if panels == 1 else {}
        layout["yaxis" + ya[1:]] = dict(axis, title=dict(text=axis_titles[1] if panel == 0 else ""),
                                        range=[float(ys[0]), float(ys[-1])], anchor=xa, **square)
        layout["images"].append(dict(source=BACKGROUND, xref=xa, yref=ya, x=float(xs[0]), y=float(ys[-1]),
                                     sizex=float(xs[-1] - xs[0]), sizey=float(ys[-1] - ys[0]),
                                     sizing="stretch", layer="below"))
        if titles:
            layout["annotations"].append(dict(text=titles[panel], xref=f"{xa} domain", yref=f"{ya} domain",
                                              x=0.5, y=1.0, yanchor="bottom", showarrow=False,
                                              font=dict(size=15)))
    return layout


def _hover_grid(xs, ys, z):
    """The surface's values on a coarse grid, for the read-out under the mouse."""
    i = np.linspace(0, len(xs) - 1, HOVER_GRID).round().astype(int)
    j = np.linspace(0, len(ys) - 1, HOVER_GRID).round().astype(int)
    return dict(x0=float(xs[0]), x1=float(xs[-1]), y0=float(ys[0]), y1=float(ys[-1]), nx=HOVER_GRID,
                ny=HOVER_GRID, z=encode(np.asarray(z)[np.ix_(j, i)]))


def player_figure(xs, ys, z, runs, *, log_color, minima, panels=1, titles=None, clickable=False,
                  height=560, tail=None, axis_titles=("x  (w₀)", "y  (w₁)"), step_scale=1):
    """The player's figure: the surface behind every run's path, all played together.

    Each run is a dict: ``name``, ``colour``, ``path`` (valid steps only, shape (n + 1, 2)), and
    optionally ``grads`` (draws the −∇J arrow), ``loss`` (shown beside the step of a single run) and
    ``panel`` (0-based, for side-by-side panels). ``tail`` keeps only the last ``tail`` steps of each
    trail (a comet's tail, for many paths at once). ``step_scale``: the steps between two points of
    a path, where they are snapshots (the step read-out counts steps, not points).
    """
    span = float(xs[-1] - xs[0])
    colour, colour_title = style.colour_values(z, log_color)
    spec = dict(layout=_layout(xs, ys, panels, titles, axis_titles, height),
                static=_static_traces(colour, colour_title, minima, panels),
                runs=[_run(run, span, len(runs) == 1) for run in runs],
                points=[_points_style(runs, panel, len(runs) == 1) for panel in range(panels)],
                tail=None if tail is None else int(tail), clickable=bool(clickable),
                step_scale=int(step_scale),
                hover=_hover_grid(xs, ys, z))
    return PlayerFigure(spec, _picture(colour))


_PICTURES: dict = {}  # the last pictures made, by a digest of the values they show


def _picture(colour):
    """The surface picture for these colour values, made once (a rerun asks again for the same one)."""
    digest = hashlib.blake2b(np.ascontiguousarray(colour).tobytes(), digest_size=16).hexdigest()
    if digest not in _PICTURES:
        if len(_PICTURES) >= 64:
            _PICTURES.pop(next(iter(_PICTURES)))  # the oldest
        _PICTURES[digest] = background_png(colour, float(np.nanmin(colour)), float(np.nanmax(colour)),
                                           PICTURE_SCALE)
    return _PICTURES[digest]
