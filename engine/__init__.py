"""The engine: runs optimizers over losses and hands back numpy arrays."""

from engine.analysis import (
    distance_to_nearest,
    hessian_eigenvalues,
    log_rates,
    optimizer_internals,
    quadratic_rates,
)
from engine.divergence import NEVER, box_for
from engine.grid import surface_grid
from engine.schedules import SCHEDULES, schedule_factors
from engine.trajectory import Summary, Trajectory, random_starts, run, run_single, sweep

__all__ = [
    "NEVER", "SCHEDULES", "Summary", "Trajectory", "box_for", "distance_to_nearest", "hessian_eigenvalues",
    "log_rates", "optimizer_internals", "quadratic_rates", "random_starts", "run", "run_single",
    "schedule_factors", "surface_grid", "sweep",
]
