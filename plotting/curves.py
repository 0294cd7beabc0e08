"""Loss against step, with the inspected step and any divergence marked."""

import numpy as np

from plotting import style
from plotting.frames import DictFigure, typed


def loss_curve(loss, *, diverged_at=None, min_value=None, log_y=False, colour=style.PATH_COLOUR):
    """Loss per step; on a log axis the gap J - J* is drawn, since J itself can be negative.

    The step on screen is marked by the page's player (``ui.player.linked_chart``), not here.
    """
    steps = np.arange(len(loss))
    values, label = np.asarray(loss, np.float64), "loss J"
    if log_y:
        floor = min_value if min_value is not None else float(np.min(loss))
        values = np.maximum(values - floor, 1e-12)
        label = "J − J*" if min_value is not None else "J − min J"
    data = [dict(type="scatter", x0=0, dx=1, y=typed(values), mode="lines", name=label,
                 line=dict(color=colour, width=3))]
    if diverged_at is not None:
        data.append(dict(type="scatter", x=[int(steps[-1])], y=[float(values[-1])], mode="markers",
                         name=f"diverged at step {diverged_at}",
                         marker=dict(symbol="x", size=14, color=style.DIVERGED_COLOUR)))
    layout = dict(height=360, font=style.FONT, margin=dict(l=74, r=10, t=30, b=52),
                  xaxis=dict(title=dict(text="step")),
                  yaxis=dict(title=dict(text=label), type="log" if log_y else "linear",
                             exponentformat="power"),
                  legend=dict(orientation="h", x=0, y=1.12), uirevision="loss")
    return DictFigure(dict(data=data, layout=layout))


def losses_figure(series, *, min_value=None, log_y=False):
    """Loss per step for several runs; ``series`` holds dicts with name, colour, loss, diverged_at."""
    data = []
    floor = min_value if min_value is not None else min(float(np.min(run["loss"])) for run in series)
    for run in series:
        values = np.asarray(run["loss"], np.float64)
        if log_y:
            values = np.maximum(values - floor, 1e-12)
        data.append(dict(type="scatter", x0=0, dx=1, y=typed(values), mode="lines",
                         name=run["name"], line=dict(color=run["colour"], width=2.5),
                         legendgroup=run["name"]))
        if run.get("diverged_at") is not None:
            data.append(dict(type="scatter", x=[len(values) - 1], y=[float(values[-1])], mode="markers",
                             name=f"{run['name']} diverged at step {run['diverged_at']}",
                             showlegend=False, legendgroup=run["name"],
                             marker=dict(symbol="x", size=13, color=run["colour"])))
    label = ("J − J*" if min_value is not None else "J − min J") if log_y else "loss J"
    layout = dict(height=380, font=style.FONT, margin=dict(l=74, r=10, t=30, b=52),
                  xaxis=dict(title=dict(text="step")),
                  yaxis=dict(title=dict(text=label), type="log" if log_y else "linear",
                             exponentformat="power"),
                  legend=dict(orientation="h", y=1.08, yanchor="bottom"), uirevision="losses")
    return DictFigure(dict(data=data, layout=layout))
