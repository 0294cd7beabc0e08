"""Figures: numpy arrays in, ``plotly.graph_objects.Figure`` out (no jax, no streamlit)."""

from plotting.contour import frame_steps, path_animation
from plotting.curves import loss_curve
from plotting.surface import surface_with_path

__all__ = ["frame_steps", "loss_curve", "path_animation", "surface_with_path"]
