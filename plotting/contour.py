"""The animated contour plot: the path so far, the current point and the -∇J arrow, frame by frame.

Frames redraw only the three moving traces (``redraw: False``), so playing stays smooth; the surface
behind them is a layout image (see ``plotting.raster``), which animation leaves alone.
"""

import numpy as np

from plotting import style
from plotting.frames import DictFigure, compact
from plotting.raster import background_image

MAX_FRAMES = 101
ARROW_FRACTION = 0.12  # arrow length as a fraction of the plot's width


def frame_steps(last_step, max_frames=MAX_FRAMES):
    """The steps shown as animation frames: every step, or an even subsample up to max_frames."""
    if last_step + 1 <= max_frames:
        return np.arange(last_step + 1)
    return np.unique(np.linspace(0, last_step, max_frames).round().astype(int))


def _arrow(point, grad, span):
    """A short segment from point along -grad, of fixed on-screen length (empty where grad is 0)."""
    norm = float(np.hypot(*grad))
    if not np.isfinite(norm) or norm == 0:
        return [point[0]], [point[1]]
    tip = point - ARROW_FRACTION * span * np.asarray(grad) / norm
    return [point[0], tip[0]], [point[1], tip[1]]


def _moving_traces(path, grads, steps, i, span):
    """Trail, current point and arrow at frame i, as plain trace dicts."""
    step = steps[i]
    trail = path[steps[: i + 1]]
    ax, ay = _arrow(path[step], grads[step], span)
    return [
        dict(type="scatter", x=compact(trail[:, 0], span), y=compact(trail[:, 1], span)),
        dict(type="scatter", x=compact([path[step, 0]], span), y=compact([path[step, 1]], span)),
        dict(type="scatter", x=compact(ax, span), y=compact(ay, span)),
    ]


def _moving_styles():
    """Names and styles of the three animated traces."""
    return [
        dict(mode="lines+markers", name="path so far", marker=dict(size=5),
             line=dict(color=style.PATH_COLOUR, width=3)),
        dict(mode="markers", name="current point", marker=dict(size=13,
             color=style.POINT_COLOUR, line=dict(color="black", width=2))),
        dict(mode="lines+markers", name="−∇J direction", line=dict(color=style.ARROW_COLOUR, width=3),
             marker=dict(symbol=["circle", "arrow"], size=[1, 16], angleref="previous",
                         color=style.ARROW_COLOUR)),
    ]


def _base_traces(xs, ys, z, colour, colour_title, minima, path):
    """Static traces: colour bar, minima, the whole path (faint) and the clickable grid."""
    span = float(xs[-1] - xs[0])
    stride = max(1, len(xs) // 40)
    gx, gy = np.meshgrid(xs[::stride], ys[::stride])
    low, high = float(np.nanmin(colour)), float(np.nanmax(colour))
    return [
        dict(type="scatter", x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
             marker=dict(colorscale=style.COLORSCALE, cmin=low, cmax=high, color=[low], showscale=True,
                         colorbar=dict(title=dict(text=colour_title, side="right")))),
        dict(type="scatter", x=[m[0] for m in minima], y=[m[1] for m in minima], mode="markers",
             name="global minimum", marker=dict(symbol="star", size=14, color=style.MINIMUM_COLOUR,
                                                line=dict(color="black", width=1))),
        dict(type="scatter", x=compact(path[:, 0], span), y=compact(path[:, 1], span), mode="lines",
             name="whole path", line=dict(color=style.PATH_COLOUR, width=1, dash="dot"),
             opacity=0.6, hoverinfo="skip"),
        dict(type="scatter", x=compact(gx.ravel(), span), y=compact(gy.ravel(), span),
             mode="markers", name="click to start here", showlegend=False,
             marker=dict(size=12, opacity=0.01, color="white"),
             customdata=[float(f"{v:.4g}") for v in z[::stride, ::stride].ravel()],
             hovertemplate="x=%{x:.3f}, y=%{y:.3f}<br>J=%{customdata:.4g}"
                           "<br>click to start here<extra></extra>"),
    ]


def _background(xs, ys, colour):
    """The shaded surface as a layout image filling the axes."""
    low, high = float(np.nanmin(colour)), float(np.nanmax(colour))
    return dict(source=background_image(colour, low, high), xref="x", yref="y", x=float(xs[0]),
                y=float(ys[-1]), sizex=float(xs[-1] - xs[0]), sizey=float(ys[-1] - ys[0]),
                sizing="stretch", layer="below")


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


def _layout(xs, ys, colour, steps, active):
    """Equal-scale axes over the surface's bounds, the background image and the player controls."""
    menus, sliders = _controls(steps, active)
    axis = dict(constrain="domain", showgrid=False, zeroline=False)
    return dict(
        font=style.FONT, height=680, margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(axis, title=dict(text="x  (w₀)"), range=[float(xs[0]), float(xs[-1])]),
        yaxis=dict(axis, title=dict(text="y  (w₁)"), range=[float(ys[0]), float(ys[-1])],
                   scaleanchor="x", scaleratio=1),
        legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"),
        updatemenus=menus, sliders=sliders, clickmode="event+select", dragmode=False,
        images=[_background(xs, ys, colour)], plot_bgcolor="white", uirevision="contour",
    )


def path_animation(xs, ys, z, path, grads, *, log_color, minima, inspect_step):
    """Contour of the surface with the optimizer's path animated step by step.

    ``path`` and ``grads`` have shape (steps + 1, 2) and hold only the valid steps (the caller cuts
    a diverged run at its last finite point). The figure opens at ``inspect_step``.
    """
    span = float(xs[-1] - xs[0])
    steps = frame_steps(len(path) - 1)
    active = int(np.searchsorted(steps, min(inspect_step, steps[-1]), side="right") - 1)
    colour, colour_title = style.colour_values(z, log_color)
    base = _base_traces(xs, ys, z, colour, colour_title, minima, path)
    moving = [dict(trace, **look) for trace, look in
              zip(_moving_traces(path, grads, steps, active, span), _moving_styles(), strict=True)]
    moving_indices = list(range(len(base), len(base) + len(moving)))
    frames = [dict(name=str(s), traces=moving_indices, data=_moving_traces(path, grads, steps, i, span))
              for i, s in enumerate(steps)]
    return DictFigure(dict(data=base + moving, layout=_layout(xs, ys, colour, steps, active),
                           frames=frames))
