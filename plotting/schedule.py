"""A learning-rate schedule as a small figure: the effective rate η·factor[k] against the step k."""

import numpy as np

from plotting import style
from plotting.frames import DictFigure, compact


def schedule_figure(factors, learning_rate, name):
    """The effective learning rate of each update, η_k = η·factor[k], titled with the schedule's name."""
    rates = float(learning_rate) * np.asarray(factors, np.float64)
    top = float(rates.max()) if rates.size else 0.0
    data = [dict(type="scatter", x=list(range(rates.size)), y=compact(rates, top), mode="lines",
                 name="η_k", line=dict(color=style.PATH_COLOUR, width=2.5), fill="tozeroy",
                 fillcolor="rgba(228, 87, 46, 0.12)",
                 hovertemplate="step %{x}<br>η_k = %{y:.3g}<extra></extra>")]
    layout = dict(height=220, font=style.FONT, margin=dict(l=10, r=10, t=40, b=10), showlegend=False,
                  title=dict(text=f"{name}: η_k = η·factor(k), η = {learning_rate:.3g}", x=0.01,
                             font=dict(size=14)),
                  xaxis=dict(title=dict(text="step k"), range=[0, max(rates.size - 1, 1)], automargin=True),
                  yaxis=dict(title=dict(text="η_k"), range=[0, 1.1 * top or 1], exponentformat="power",
                             automargin=True),
                  uirevision="schedule")
    return DictFigure(dict(data=data, layout=layout))
