"""A network's loss landscape: slices as contours or a surface, 1D interpolations, sharpness curves."""

import numpy as np

from plotting import style
from plotting.frames import DictFigure, typed

TRAIN_COLOUR, VAL_COLOUR = "#1d4ed8", "#e4572e"
EDGE_COLOUR = "#d62728"  # the 2/η line


def _rounded(values):
    """Values for the browser: five digits, None where a value is not finite."""
    return [float(f"{v:.5g}") if np.isfinite(v) else None for v in np.asarray(values, np.float64)]


def slice_figure(xs, ys, z, *, log_color, title, axis_titles=("α  (direction 1)", "β  (direction 2)"),
                 centre_label="trained weights", height=480):
    """A 2D slice as filled contours (drawn as lines, smooth at any zoom) with its centre starred."""
    values, colour_title = style.colour_values(np.asarray(z, np.float64), log_color)
    data = [dict(type="contour", x=_rounded(xs), y=_rounded(ys), z=[_rounded(row) for row in values],
                 colorscale=style.COLORSCALE, ncontours=30, line=dict(width=0.5, color="rgba(0,0,0,0.35)"),
                 colorbar=dict(title=dict(text=colour_title, side="right")),
                 customdata=[_rounded(row) for row in z],
                 hovertemplate=f"{axis_titles[0].split()[0]} = %{{x:.3f}}, {axis_titles[1].split()[0]} = "
                               "%{y:.3f}<br>loss %{customdata:.4g}<extra></extra>"),
            dict(type="scatter", x=[0.0], y=[0.0], mode="markers", name=centre_label,
                 marker=dict(symbol="star", size=16, color=style.MINIMUM_COLOUR,
                             line=dict(color="black", width=1)),
                 hovertemplate=centre_label + "<extra></extra>")]
    layout = dict(height=height, font=style.FONT, margin=dict(l=64, r=10, t=40, b=60),
                  title=dict(text=title, x=0.02, font=dict(size=15)),
                  xaxis=dict(title=dict(text=axis_titles[0]), range=[float(xs[0]), float(xs[-1])]),
                  yaxis=dict(title=dict(text=axis_titles[1]), range=[float(ys[0]), float(ys[-1])]),
                  legend=dict(orientation="h", x=0, y=-0.16, yanchor="top"), showlegend=False)
    return DictFigure(dict(data=data, layout=layout))


def slice_surface(xs, ys, z, *, log_color, height=480):
    """The same slice as a 3D surface (the picture of Li et al.'s paper)."""
    values, colour_title = style.colour_values(np.asarray(z, np.float64), log_color)
    data = [dict(type="surface", x=_rounded(xs), y=_rounded(ys), z=[_rounded(row) for row in values],
                 colorscale=style.COLORSCALE, showscale=False,
                 hovertemplate="α = %{x:.3f}, β = %{y:.3f}<extra></extra>")]
    layout = dict(height=height, font=style.FONT, margin=dict(l=0, r=0, t=10, b=0), uirevision="slice3d",
                  scene=dict(xaxis=dict(title=dict(text="α")), yaxis=dict(title=dict(text="β")),
                             zaxis=dict(title=dict(text=colour_title)),
                             camera=dict(eye=dict(x=1.8, y=-1.8, z=1.4))))
    return DictFigure(dict(data=data, layout=layout))


def interpolation_figure(alphas, curves, *, title, ends=("start", "end"), height=380):
    """Loss (left axis) and accuracy (right axis, dotted) along (1 − α)·a + α·b for each data set.

    ``curves``: {"training": (loss, accuracy), "validation": (loss, accuracy)}.
    """
    data = []
    for (name, (loss, accuracy)), colour in zip(curves.items(), (TRAIN_COLOUR, VAL_COLOUR), strict=False):
        data.append(dict(type="scatter", x=_rounded(alphas), y=_rounded(loss), mode="lines",
                         name=f"{name} loss", line=dict(color=colour, width=3),
                         hovertemplate="α = %{x:.2f}<br>loss %{y:.4g}<extra>" + name + "</extra>"))
        # Dotted, on the right axis, and left out of the legend: the axis title names it (a legend of
        # four entries wraps to four rows in a half-width chart).
        data.append(dict(type="scatter", x=_rounded(alphas), y=_rounded(accuracy), mode="lines", yaxis="y2",
                         name=f"{name} accuracy", line=dict(color=colour, width=1.5, dash="dot"),
                         showlegend=False,
                         hovertemplate="α = %{x:.2f}<br>accuracy %{y:.1%}<extra>" + name + "</extra>"))
    shapes = [dict(type="line", xref="x", yref="paper", x0=a, x1=a, y0=0, y1=1,
                   line=dict(color="#555", width=1, dash="dash")) for a in (0.0, 1.0)]
    notes = [dict(x=a, y=1, xref="x", yref="paper", yanchor="bottom", showarrow=False, text=label,
                  font=dict(size=13)) for a, label in zip((0.0, 1.0), ends, strict=True)]
    layout = dict(height=height, font=style.FONT, margin=dict(l=70, r=60, t=64, b=100), shapes=shapes,
                  annotations=notes, title=dict(text=title, x=0.02, y=0.98, font=dict(size=15)),
                  xaxis=dict(title=dict(text="α  in  (1 − α)·θ_start + α·θ_end")),
                  yaxis=dict(title=dict(text="cross-entropy loss"), type="log", exponentformat="power",
                             dtick=1),  # powers of ten only: minor labels crowd a short axis
                  yaxis2=dict(title=dict(text="accuracy (dotted)"), overlaying="y", side="right",
                              range=[0, 1.02], tickformat=".0%", dtick=0.25, showgrid=False),
                  legend=dict(orientation="h", x=0, y=0, yanchor="bottom", yref="container"))
    return DictFigure(dict(data=data, layout=layout))


def sharpness_figure(steps, sharpness, learning_rate, *, diverged_at=None, height=380):
    """λ_max of the Hessian per evaluation against the 2/η line gradient descent cannot cross for long."""
    edge = 2.0 / learning_rate
    data = [dict(type="scatter", x=typed(steps), y=typed(sharpness), mode="lines", name="sharpness λ_max",
                 line=dict(color=style.RECOMMENDED, width=2.5),
                 hovertemplate="step %{x}<br>λ_max %{y:.4g}<extra></extra>"),
            dict(type="scatter", x=[float(steps[0]), float(steps[-1])], y=[edge, edge], mode="lines",
                 name=f"2/η = {edge:.3g}", line=dict(color=EDGE_COLOUR, width=2, dash="dash"),
                 hoverinfo="skip")]
    if diverged_at is not None:
        data.append(dict(type="scatter", x=[diverged_at], y=[edge], mode="markers",
                         name=f"diverged at step {diverged_at}",
                         marker=dict(symbol="x", size=14, color=style.DIVERGED_COLOUR)))
    finite = np.asarray(sharpness, np.float64)[np.isfinite(sharpness)]
    top = max(edge, float(finite.max()) if finite.size else edge) * 1.15
    layout = dict(height=height, font=style.FONT, margin=dict(l=70, r=10, t=30, b=90),
                  xaxis=dict(title=dict(text="step")),
                  yaxis=dict(title=dict(text="λ_max (top Hessian eigenvalue)"), range=[0, top]),
                  legend=dict(orientation="h", x=0, y=-0.22, yanchor="top"))
    return DictFigure(dict(data=data, layout=layout))


def loss_steps_figure(steps, loss, *, label="training loss (squared error)", height=380):
    """The training loss per evaluation, on a log axis (it keeps falling, not monotonically)."""
    data = [dict(type="scatter", x=typed(steps), y=typed(loss), mode="lines", name=label,
                 line=dict(color=TRAIN_COLOUR, width=2.5),
                 hovertemplate="step %{x}<br>%{y:.4g}<extra></extra>")]
    layout = dict(height=height, font=style.FONT, margin=dict(l=70, r=10, t=30, b=90),
                  xaxis=dict(title=dict(text="step")),
                  yaxis=dict(title=dict(text=label), type="log", exponentformat="power"),
                  legend=dict(orientation="h", x=0, y=-0.22, yanchor="top"), showlegend=True)
    return DictFigure(dict(data=data, layout=layout))
