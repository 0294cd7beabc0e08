"""Loss against step, with the inspected step and any divergence marked."""

import numpy as np
import plotly.graph_objects as go

from plotting import style


def loss_curve(loss, *, inspect_step, diverged_at=None, min_value=None, log_y=False):
    """Loss per step; on a log axis the gap J - J* is drawn, since J itself can be negative."""
    steps = np.arange(len(loss))
    values, label = loss, "loss J"
    if log_y:
        floor = min_value if min_value is not None else float(np.min(loss))
        values = np.maximum(loss - floor, 1e-12)
        label = "J − J*" if min_value is not None else "J − min J"
    figure = go.Figure(go.Scatter(x=steps, y=values, mode="lines", name=label,
                                  line=dict(color=style.PATH_COLOUR, width=3)))
    k = min(inspect_step, len(loss) - 1)
    figure.add_vline(x=k, line=dict(color="grey", dash="dash"),
                     annotation_text=f"step {k}", annotation_position="top")
    if diverged_at is not None:
        figure.add_trace(go.Scatter(x=[steps[-1]], y=[values[-1]], mode="markers",
                                    name=f"diverged at step {diverged_at}",
                                    marker=dict(symbol="x", size=14, color=style.DIVERGED_COLOUR)))
    figure.update_layout(height=360, font=style.FONT, margin=dict(l=10, r=10, t=30, b=10),
                         xaxis_title="step", yaxis_title=label,
                         yaxis_type="log" if log_y else "linear", uirevision="loss")
    return figure
