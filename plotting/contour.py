"""Animated contour plots: one or more paths drawn step by step over the surface.

Frames redraw only the moving traces (``redraw: False``), so playing stays smooth; the surface
behind them is a layout image (see ``plotting.raster``), which animation leaves alone. One Play
button and one step scrubber drive every path, also across side-by-side panels.
"""

import numpy as np

from plotting import style
from plotting.frames import DictFigure, compact, rounded
from plotting.raster import background_image

MAX_FRAMES = 101
ARROW_FRACTION = 0.12  # arrow length as a fraction of the plot's width
PANEL_GAP = 0.04


def frame_steps(last_step, max_frames=MAX_FRAMES):
    """The steps shown as animation frames: every step, or an even subsample up to max_frames."""
    if last_step + 1 <= max_frames:
        return np.arange(last_step + 1)
    return np.unique(np.linspace(0, last_step, max_frames).round().astype(int))


def _arrow_tips(path, grads, span):
    """For every step, the tip of a fixed-length arrow along -grad (the point itself where grad is 0)."""
    norm = np.hypot(grads[:, 0], grads[:, 1])[:, None]
    usable = np.isfinite(norm) & (norm > 0)
    return np.where(usable, path - ARROW_FRACTION * span * grads / np.where(usable, norm, 1.0), path)


def _prepared(run, span):
    """A run with its path (and arrow tips) rounded once, ready to be sliced into frames."""
    path = np.asarray(run["path"], np.float64)
    tips = None if run.get("grads") is None else rounded(_arrow_tips(path, run["grads"], span), span)
    return dict(run, path=rounded(path, span), tips=tips)


def _axes(panel):
    """Plotly's axis ids for panel 0, 1, 2...: ("x", "y"), ("x2", "y2"), ..."""
    suffix = "" if panel == 0 else str(panel + 1)
    return "x" + suffix, "y" + suffix


def _moving(run, steps, i, span, tail=None):
    """One path's trail, current point (and -grad arrow) at frame i, as plain trace dicts.

    The trail joins the frames' steps so far, or only the last ``tail`` of them (a comet's tail,
    which keeps many-path animations small: a full trail grows with the square of the frames).
    """
    path = run["path"]  # already rounded by _prepared
    step = min(steps[i], len(path) - 1)
    first = 0 if tail is None else max(0, i + 1 - tail)
    trail = path[np.minimum(steps[first: i + 1], len(path) - 1)]
    point = path[step]
    traces = [dict(type="scatter", x=trail[:, 0].tolist(), y=trail[:, 1].tolist()),
              dict(type="scatter", x=[float(point[0])], y=[float(point[1])])]
    if run.get("tips") is not None:
        tip = run["tips"][step]
        arrow = [point, tip] if (tip != point).any() else [point]  # no arrow where grad is 0
        traces.append(dict(type="scatter", x=[float(p[0]) for p in arrow], y=[float(p[1]) for p in arrow]))
    return traces


def _moving_styles(run, single):
    """Names and styles of one path's animated traces."""
    colour, name, (xa, ya) = run["colour"], run["name"], _axes(run.get("panel", 0))
    looks = [
        dict(mode="lines+markers", name="path so far" if single else name, marker=dict(size=5),
             line=dict(color=colour, width=3), legendgroup=name),
        dict(mode="markers", name="current point" if single else f"{name} now", showlegend=single,
             marker=dict(size=13, color=style.POINT_COLOUR if single else colour,
                         line=dict(color="black", width=2)), legendgroup=name),
    ]
    if run.get("grads") is not None:
        looks.append(dict(mode="lines+markers", name="−∇J direction",
                          line=dict(color=style.ARROW_COLOUR, width=3),
                          marker=dict(symbol=["circle", "arrow"], size=[1, 16], angleref="previous",
                                      color=style.ARROW_COLOUR)))
    return [dict(look, xaxis=xa, yaxis=ya) for look in looks]


def _whole_path(run, span, single):
    """The whole path at full resolution, faint and dotted, under the animated trail."""
    xa, ya = _axes(run.get("panel", 0))
    return dict(type="scatter", x=compact(run["path"][:, 0], span), y=compact(run["path"][:, 1], span),
                mode="lines", name="whole path" if single else f"whole path: {run['name']}",
                showlegend=single, line=dict(color=run["colour"], width=1 if single else 1.5, dash="dot"),
                opacity=0.6 if single else 0.8,
                hoverinfo="skip", xaxis=xa, yaxis=ya, legendgroup=run["name"])


def _static_traces(xs, ys, z, colour, colour_title, minima, panels, clickable):
    """Colour bar (one panel only), minima on every panel and, where asked, the clickable grid."""
    span = float(xs[-1] - xs[0])
    low, high = float(np.nanmin(colour)), float(np.nanmax(colour))
    traces = [dict(type="scatter", x=[None], y=[None], mode="markers", showlegend=False,
                   hoverinfo="skip", marker=dict(colorscale=style.COLORSCALE, cmin=low, cmax=high,
                   color=[low], showscale=panels == 1,
                   colorbar=dict(title=dict(text=colour_title, side="right"))))]
    for panel in range(panels):
        xa, ya = _axes(panel)
        traces.append(dict(type="scatter", x=[m[0] for m in minima], y=[m[1] for m in minima],
                           mode="markers", name="global minimum", showlegend=panel == 0,
                           legendgroup="minimum", xaxis=xa, yaxis=ya,
                           marker=dict(symbol="star", size=14, color=style.MINIMUM_COLOUR,
                                       line=dict(color="black", width=1))))
    if clickable:
        stride = max(1, len(xs) // 40)
        gx, gy = np.meshgrid(xs[::stride], ys[::stride])
        traces.append(dict(type="scatter", x=compact(gx.ravel(), span), y=compact(gy.ravel(), span),
                           mode="markers", name="click to start here", showlegend=False,
                           marker=dict(size=12, opacity=0.01, color="white"),
                           customdata=[float(f"{v:.4g}") for v in z[::stride, ::stride].ravel()],
                           hovertemplate="x=%{x:.3f}, y=%{y:.3f}<br>J=%{customdata:.4g}"
                                         "<br>click to start here<extra></extra>"))
    return traces


def _controls(steps, active):
    """Play/Pause buttons and a step scrubber driving the frames."""
    still = dict(frame=dict(duration=0, redraw=False), mode="immediate", transition=dict(duration=0))
    play = dict(frame=dict(duration=80, redraw=False), fromcurrent=True, transition=dict(duration=0))
    buttons = [dict(label="▶ Play", method="animate", args=[None, play]),
               dict(label="⏸ Pause", method="animate", args=[[None], still])]
    slider = dict(active=int(active), currentvalue=dict(prefix="step "), x=0, len=1,
                  y=0, yanchor="top", pad=dict(t=45),
                  steps=[dict(label=str(s), method="animate", args=[[str(s)], still]) for s in steps])
    menu = dict(type="buttons", direction="left", x=0, y=0, xanchor="left", yanchor="top",
                showactive=False, buttons=buttons, pad=dict(t=135, r=10))
    return [menu], [slider]


def _panel_layout(xs, ys, colour, panels, titles, axis_titles):
    """Equal-scale axes and a background image for each panel, side by side."""
    width = (1 - PANEL_GAP * (panels - 1)) / panels
    image = background_image(colour, float(np.nanmin(colour)), float(np.nanmax(colour)))
    layout, images, notes = {}, [], []
    for panel in range(panels):
        xa, ya = _axes(panel)
        left = panel * (width + PANEL_GAP)
        axis = dict(constrain="domain", showgrid=False, zeroline=False)
        layout["xaxis" + xa[1:]] = dict(axis, title=dict(text=axis_titles[0]), domain=[left, left + width],
                                        range=[float(xs[0]), float(xs[-1])], anchor=ya)
        # One panel keeps equal scales (the -∇J arrow stays perpendicular to the level sets);
        # side-by-side panels fill their height instead, or a wide surface would be a thin strip.
        square = dict(scaleanchor=xa, scaleratio=1) if panels == 1 else {}
        layout["yaxis" + ya[1:]] = dict(axis, title=dict(text=axis_titles[1] if panel == 0 else ""),
                                        range=[float(ys[0]), float(ys[-1])], anchor=xa, **square)
        images.append(dict(source=image, xref=xa, yref=ya, x=float(xs[0]), y=float(ys[-1]),
                           sizex=float(xs[-1] - xs[0]), sizey=float(ys[-1] - ys[0]),
                           sizing="stretch", layer="below"))
        if titles:
            notes.append(dict(text=titles[panel], xref="x domain" if panel == 0 else f"{xa} domain",
                              yref="y domain" if panel == 0 else f"{ya} domain", x=0.5, y=1.0,
                              yanchor="bottom", showarrow=False, font=dict(size=15)))
    return layout, images, notes


def paths_animation(xs, ys, z, runs, *, log_color, minima, inspect_step, panels=1, titles=None,
                    clickable=False, height=680, tail=None, axis_titles=("x  (w₀)", "y  (w₁)")):
    """Contour of the surface with every run's path animated together, frame by frame.

    Each run is a dict: ``name``, ``colour``, ``path`` (valid steps only, shape (n + 1, 2)),
    optionally ``grads`` (draws the -∇J arrow) and ``panel`` (0-based, for side-by-side panels).
    The figure opens at ``inspect_step``; runs shorter than a frame's step stay at their end.
    ``tail`` limits the bold trail to the last frames (the faint whole path is always drawn).
    """
    span = float(xs[-1] - xs[0])
    single = len(runs) == 1
    runs = [_prepared(run, span) for run in runs]
    steps = frame_steps(max(len(run["path"]) for run in runs) - 1)
    active = int(np.searchsorted(steps, min(inspect_step, steps[-1]), side="right") - 1)
    colour, colour_title = style.colour_values(z, log_color)
    data = _static_traces(xs, ys, z, colour, colour_title, minima, panels, clickable)
    data += [_whole_path(run, span, single) for run in runs]
    moving = []
    for run in runs:
        styled = zip(_moving(run, steps, active, span, tail), _moving_styles(run, single), strict=True)
        moving += [dict(trace, **look) for trace, look in styled]
    indices = list(range(len(data), len(data) + len(moving)))
    frames = [dict(name=str(s), traces=indices,
                   data=[t for run in runs for t in _moving(run, steps, i, span, tail)])
              for i, s in enumerate(steps)]
    axes, images, notes = _panel_layout(xs, ys, colour, panels, titles, axis_titles)
    menus, sliders = _controls(steps, active)
    layout = dict(axes, font=style.FONT, height=height, margin=dict(l=10, r=10, t=50, b=10),
                  legend=dict(orientation="h", y=1.06, x=0, yanchor="bottom"), updatemenus=menus,
                  sliders=sliders, clickmode="event+select", dragmode=False, images=images,
                  annotations=notes, plot_bgcolor="white", uirevision="contour")
    return DictFigure(dict(data=data + moving, layout=layout, frames=frames))


def path_animation(xs, ys, z, path, grads, *, log_color, minima, inspect_step, colour=style.PATH_COLOUR,
                   clickable=True, axis_titles=("x  (w₀)", "y  (w₁)")):
    """One optimizer's path with the -∇J arrow: the gradient-descent page's figure."""
    run = dict(name="path", colour=colour, path=path, grads=grads)
    return paths_animation(xs, ys, z, [run], log_color=log_color, minima=minima,
                           inspect_step=inspect_step, clickable=clickable, axis_titles=axis_titles)
