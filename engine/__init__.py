"""The engine: runs optimizers over losses and hands back numpy arrays."""

from engine.grid import surface_grid
from engine.trajectory import NEVER, Summary, Trajectory, random_starts, run, run_single, sweep

__all__ = ["NEVER", "Summary", "Trajectory", "random_starts", "run", "run_single", "surface_grid", "sweep"]
