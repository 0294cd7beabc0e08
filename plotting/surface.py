"""The 3D view: the surface with the same path lying on it."""

import numpy as np
import plotly.graph_objects as go

from plotting import style


def surface_with_path(xs, ys, z, path, path_loss, *, log_color, inspect_step):
    """3D surface (subsampled to at most 60 x 60) with the path and the inspected point on it."""
    stride = max(1, len(xs) // 60)
    height, axis_title = style.colour_values(z, log_color)
    if log_color:
        # The same transform as the surface, so the path lies on it.
        low, delta = float(np.nanmin(z)), float(np.nanmin(10**height))
        path_height = np.log10(np.maximum(path_loss - low, 0) + delta)
    else:
        path_height = path_loss
    k = min(inspect_step, len(path) - 1)
    figure = go.Figure([
        go.Surface(x=xs[::stride], y=ys[::stride], z=height[::stride, ::stride],
                   colorscale=style.COLORSCALE, opacity=0.9, showscale=False,
                   hovertemplate="x=%{x:.3f}<br>y=%{y:.3f}<extra></extra>"),
        go.Scatter3d(x=path[:, 0], y=path[:, 1], z=path_height, mode="lines+markers",
                     name="path", line=dict(color=style.PATH_COLOUR, width=6),
                     marker=dict(size=2, color=style.PATH_COLOUR)),
        go.Scatter3d(x=[path[k, 0]], y=[path[k, 1]], z=[path_height[k]], mode="markers",
                     name=f"step {k}", marker=dict(size=7, color=style.POINT_COLOUR,
                                                   line=dict(color="black", width=2))),
    ])
    figure.update_layout(
        height=560, font=style.FONT, margin=dict(l=0, r=0, t=10, b=0),
        scene=dict(xaxis_title="x", yaxis_title="y", zaxis_title=axis_title,
                   camera=dict(eye=dict(x=1.5, y=-1.5, z=1.0))),
        legend=dict(orientation="h", y=1.0, x=0), uirevision="surface",
    )
    return figure
