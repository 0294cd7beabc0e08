"""Figures: numpy arrays in, ``plotly.graph_objects.Figure`` (or, for the path player, a JSON-ready
dict) out; no jax, no streamlit."""

from plotting import style
from plotting.curves import loss_curve, losses_figure
from plotting.internals import internals_figure
from plotting.noise import cost_figure, gradient_cloud_figure, spread_figure
from plotting.player import player_figure
from plotting.schedule import schedule_figure
from plotting.surface import surface_with_path
from plotting.sweep import sweep_figure

__all__ = ["cost_figure", "gradient_cloud_figure", "internals_figure", "loss_curve", "losses_figure",
           "player_figure", "schedule_figure", "spread_figure", "style", "surface_with_path", "sweep_figure"]
