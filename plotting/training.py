"""Training pictures: the decision boundary animated over training, and the loss curves with the
best and the early-stopping steps marked."""

import base64

import numpy as np

from plotting import style
from plotting.frames import DictFigure, rounded

CLASS_COLOURS = ("#2563eb", "#ea580c")  # class 0 blue, class 1 orange
SLIDER_LEFT = 0.22  # the boundary animation's step slider starts here, its Play and Pause left of it
BOUNDARY_SCALE = [[0.0, "#bfdbfe"], [0.5, "#ffffff"], [1.0, "#fed7aa"]]


def _points(x, y, name, symbol, xa="x", ya="y", legend=True):
    """One scatter per class for a data set (training: filled, validation: open)."""
    return [dict(type="scatter", x=rounded(x[y == c, 0], 4).tolist(), y=rounded(x[y == c, 1], 4).tolist(),
                 mode="markers", name=f"{name}, class {c}", xaxis=xa, yaxis=ya, showlegend=legend,
                 legendgroup=f"{name}{c}", marker=dict(symbol=symbol, size=8, color=CLASS_COLOURS[c],
                 line=dict(color="#1f2937", width=1))) for c in (0, 1)]


def _probabilities(probs):
    """p(class 1) on the grid as bytes 0 … 255 (Plotly's typed-array form): a quarter of the JSON of
    three-digit numbers, and 1/255 is far below what the colours can show."""
    grid = np.clip(np.rint(np.asarray(probs, np.float64) * 255), 0, 255).astype(np.uint8)
    return dict(dtype="u1", bdata=base64.b64encode(grid.tobytes()).decode("ascii"),
                shape=f"{grid.shape[0]},{grid.shape[1]}")


def _heatmap(xs, ys, probs, xa="x", ya="y", legend=True):
    """The probability of class 1 coloured, with the p = 0.5 boundary as a black line: one contour
    trace does both (so the grid is sent once per frame)."""
    x, y = rounded(xs, 4).tolist(), rounded(ys, 4).tolist()
    return [dict(type="contour", x=x, y=y, z=_probabilities(probs), zmin=0, zmax=255, showscale=False,
                 colorscale=BOUNDARY_SCALE, xaxis=xa, yaxis=ya,
                 contours=dict(coloring="heatmap", start=127.5, end=127.5, size=1, showlines=True),
                 line=dict(color="#111827", width=2.5), hoverinfo="skip", name="boundary p = 0.5",
                 showlegend=legend)]


def boundary_animation(xs, ys, panels, snapshot_steps, *, titles, height=600):
    """One panel per run: p(class 1) as it evolves over the snapshots, with the data drawn on top.

    ``panels``: dicts with ``probs`` (snapshots, G, G), ``train`` and ``val`` as (x, y). The heatmap
    and contour change every frame, so frames redraw the figure (only 20 or so of them).
    """
    data, moving = [], []
    width = (1 - 0.04 * (len(panels) - 1)) / len(panels)
    layout = dict(height=height, margin=dict(l=50, r=10, t=50, b=30), font=style.FONT, plot_bgcolor="white",
                  legend=dict(orientation="h", y=1.08, x=0, yanchor="bottom"), annotations=[])
    for i, panel in enumerate(panels):
        xa, ya = ("x", "y") if i == 0 else (f"x{i + 1}", f"y{i + 1}")
        left = i * (width + 0.04)
        # Equal scales kept by shrinking the plot (constrain="domain"), not by widening the axes
        # beyond the data.
        layout["xaxis" + xa[1:]] = dict(domain=[left, left + width], range=[float(xs[0]), float(xs[-1])],
                                        showgrid=False, zeroline=False, anchor=ya, constrain="domain")
        layout["yaxis" + ya[1:]] = dict(range=[float(ys[0]), float(ys[-1])], showgrid=False, zeroline=False,
                                        anchor=xa, scaleanchor=xa, scaleratio=1, constrain="domain")
        layout["annotations"].append(dict(text=titles[i], x=left + width / 2, y=1.0, xref="paper",
                                          yref="paper", yanchor="bottom", showarrow=False,
                                          font=dict(size=15)))
        moving += [len(data)]
        data += _heatmap(xs, ys, panel["probs"][-1], xa, ya, legend=i == 0)  # opens on the trained model
        data += _points(*panel["train"], "training", "circle", xa, ya, legend=i == 0)
        data += _points(*panel["val"], "validation", "circle-open", xa, ya, legend=i == 0)
    frames = [dict(name=str(s), traces=moving,
                   data=[t for p in panels for t in _heatmap(xs, ys, p["probs"][k])])
              for k, s in enumerate(snapshot_steps)]
    still = dict(frame=dict(duration=0, redraw=True), mode="immediate", transition=dict(duration=0))
    play = dict(frame=dict(duration=250, redraw=True), transition=dict(duration=0))
    names = [str(s) for s in snapshot_steps]
    # Play and Pause sit left of the slider, on its row: below it they met its labels at larger sizes.
    layout["sliders"] = [dict(active=len(names) - 1, currentvalue=dict(prefix="step "), pad=dict(t=30, r=50),
                              x=SLIDER_LEFT, len=1 - SLIDER_LEFT,
                              steps=[dict(label=str(s), method="animate", args=[[str(s)], still])
                                     for s in snapshot_steps])]
    layout["updatemenus"] = [dict(type="buttons", direction="left", x=0, y=0, xanchor="left", yanchor="top",
                                  pad=dict(t=62), showactive=False,
                                  buttons=[dict(label="▶ Play", method="animate",
                                                args=[names, play]),
                                           dict(label="Pause", method="animate", args=[[None], still])])]
    return DictFigure(dict(data=data, layout=layout, frames=frames))


def _rounded(values):
    """Curve values for the browser: five digits, None where a value is not finite."""
    return [float(f"{v:.5g}") if np.isfinite(v) else None for v in values]


def training_curves(runs, *, log_y=False):
    """Training and validation loss per evaluation for each run, with best and stopping steps marked.

    ``runs``: dicts with name, colour, eval_steps, train_loss, val_loss, best_step, stopped_at (None
    where early stopping never triggered). Where a run stopped early, its curves are solid up to the
    stop and faint after it (training that early stopping did not keep); the first run's lines are
    wider, so a later run drawn over it leaves it visible where both agree.
    """
    data, shapes, notes = [], [], []
    label_row = 0
    for row, run in enumerate(runs):
        steps = np.asarray(run["eval_steps"])
        stop = run.get("stopped_at")
        width = 4.5 if row == 0 and len(runs) > 1 else 2.5
        for kind, dash in (("train_loss", "solid"), ("val_loss", "dash")):
            label = "training" if kind == "train_loss" else "validation"
            values = np.asarray(run[kind], np.float64)
            kept = steps <= stop if stop is not None else np.ones(len(steps), bool)
            data.append(dict(type="scatter", x=steps[kept].tolist(), y=_rounded(values[kept]), mode="lines",
                             name=f"{run['name']}: {label}", legendgroup=f"{row}{kind}",
                             line=dict(color=run["colour"], width=width, dash=dash)))
            if not kept.all():  # from the stop on (the stop's point too, so the line is unbroken)
                after = steps >= stop
                data.append(dict(type="scatter", x=steps[after].tolist(), y=_rounded(values[after]),
                                 mode="lines", name=f"{run['name']}: {label} after the stop (not kept)",
                                 legendgroup=f"{row}{kind}", showlegend=False, opacity=0.3,
                                 hovertemplate="step %{x}<br>%{y:.4g}<extra>after the stop, not kept</extra>",
                                 line=dict(color=run["colour"], width=1.5, dash=dash)))
        marks = [("best", run["best_step"], "dot")]
        if stop is not None:
            marks.append(("early stop", stop, "dashdot"))
        for label, step, dash in marks:
            shapes.append(dict(type="line", xref="x", yref="paper", x0=step, x1=step, y0=0, y1=1,
                               line=dict(color=run["colour"], dash=dash, width=1.5)))
            # One row of labels per mark, so marks at nearby steps do not write over each other.
            notes.append(dict(x=step, y=1, yshift=4 + 20 * label_row, xref="x", yref="paper",
                              yanchor="bottom", xanchor="left", showarrow=False,
                              text=f"{label} ({run['name']}): {step}",
                              font=dict(color=run["colour"], size=12)))
            label_row += 1
    # Fixed margins (no automargin: a second layout pass per render) wide enough for the axis titles;
    # the legend sits below the x-axis title.
    top = 30 + 20 * label_row
    layout = dict(height=420 + top, font=style.FONT, margin=dict(l=70, r=10, t=top, b=110),
                  shapes=shapes, annotations=notes, xaxis=dict(title=dict(text="step")),
                  yaxis=dict(title=dict(text="cross-entropy loss"), type="log" if log_y else "linear"),
                  legend=dict(orientation="h", x=0, y=-0.22, yanchor="top"))
    return DictFigure(dict(data=data, layout=layout))
