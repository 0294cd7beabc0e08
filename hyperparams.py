"""A number the user sets with a slider: its keyword, label, default, range and scale.

Optimizers, loss surfaces and lessons describe their numbers with it; the UI builds its widgets
from it and checks every value that comes back against it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class HyperParam:
    """One number: its keyword, label, default, range and whether its slider is logarithmic."""

    name: str
    label: str
    default: float
    min: float
    max: float
    log: bool = False
    help: str = ""
    near_one: bool = False  # a decay rate: its slider is finer as it approaches 1
