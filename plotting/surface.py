"""The 3D view: the surface with the same path lying on it."""

import numpy as np

from plotting import style
from plotting.frames import DictFigure, compact


def _path_height(path_loss, z, height, log_color):
    """The path's height on the same scale as the surface (log-transformed where it is)."""
    if not log_color:
        return path_loss
    low, delta = float(np.nanmin(z)), float(np.nanmin(10.0 ** height))
    return np.log10(np.maximum(path_loss - low, 0) + delta)


def camera_eye(xs, ys, start):
    """Look from the side opposite the path's start, high up: the start sits on the far slope, which
    faces the viewer, and the path comes down it towards them; a fixed corner view put some starts on
    the near slope, whose rim hid the path's descent."""
    centre = np.array([(xs[0] + xs[-1]) / 2, (ys[0] + ys[-1]) / 2], np.float64)
    half = np.array([(xs[-1] - xs[0]) / 2, (ys[-1] - ys[0]) / 2], np.float64)
    offset = (np.asarray(start, np.float64) - centre) / half
    length = float(np.hypot(*offset))
    ux, uy = (offset / length) if length > 1e-6 and np.isfinite(length) else (0.7071, -0.7071)
    return dict(x=round(-1.3 * float(ux), 4), y=round(-1.3 * float(uy), 4), z=2.2)


def surface_with_path(xs, ys, z, path, path_loss, *, log_color, inspect_step, colour=style.PATH_COLOUR):
    """3D surface (subsampled to about 60 x 60) with the path and the inspected point on it."""
    stride = max(1, len(xs) // 60)
    height, axis_title = style.colour_values(z, log_color)
    span = float(xs[-1] - xs[0])
    inside = ((path[:, 0] >= xs[0]) & (path[:, 0] <= xs[-1]) & (path[:, 1] >= ys[0])
              & (path[:, 1] <= ys[-1]))
    # None leaves a gap where the path leaves the plot.
    heights = [float(f"{h:.5g}") if ok else None
               for h, ok in zip(_path_height(path_loss, z, height, log_color), inside, strict=True)]
    k = min(inspect_step, len(path) - 1)
    surface = height[::stride, ::stride]
    data = [
        dict(type="surface", x=compact(xs[::stride], span), y=compact(ys[::stride], span),
             z=np.round(surface.astype(np.float64), 4).tolist(), colorscale=style.COLORSCALE,
             opacity=0.9, showscale=False, hovertemplate="x=%{x:.3f}<br>y=%{y:.3f}<extra></extra>"),
        dict(type="scatter3d", x=compact(path[:, 0], span), y=compact(path[:, 1], span), z=heights,
             mode="lines+markers", name="path", line=dict(color=colour, width=6),
             marker=dict(size=2, color=colour)),
        dict(type="scatter3d", x=[float(path[k, 0])], y=[float(path[k, 1])], z=[heights[k]],
             mode="markers", name=f"step {k}",
             marker=dict(size=7, color=style.POINT_COLOUR, line=dict(color="black", width=2))),
    ]
    layout = dict(
        height=560, font=style.FONT, margin=dict(l=0, r=0, t=10, b=0),
        scene=dict(xaxis=dict(title=dict(text="x"), range=[float(xs[0]), float(xs[-1])]),
                   yaxis=dict(title=dict(text="y"), range=[float(ys[0]), float(ys[-1])]),
                   zaxis=dict(title=dict(text=axis_title),
                              range=[float(np.nanmin(height)), float(np.nanmax(height))]),
                   camera=dict(eye=camera_eye(xs, ys, path[0]))),
        legend=dict(orientation="h", y=1.0, x=0), uirevision="surface",
    )
    return DictFigure(dict(data=data, layout=layout))
