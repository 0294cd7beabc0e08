"""Figures: numpy arrays in, ``plotly.graph_objects.Figure`` out (no jax, no streamlit)."""

from plotting import style
from plotting.contour import frame_steps, path_animation, paths_animation
from plotting.curves import loss_curve, losses_figure
from plotting.internals import internals_figure
from plotting.noise import cost_figure, gradient_cloud_figure, spread_figure
from plotting.schedule import schedule_figure
from plotting.surface import surface_with_path
from plotting.sweep import sweep_figure

__all__ = ["cost_figure", "frame_steps", "gradient_cloud_figure", "internals_figure", "loss_curve",
           "losses_figure", "path_animation", "paths_animation", "schedule_figure", "spread_figure",
           "style", "surface_with_path", "sweep_figure"]
