"""The update rules of the lecture, keyed by stable strings: ``OPTIMIZERS[key].make(**hp)``.

Every module in this folder that defines a ``SPEC`` joins the registry: adding an optimizer is
adding one file (see sgd.py for the smallest example).
"""

import importlib
import pkgutil

from optimizers.base import GradientTransformation, OptimizerSpec, apply_updates


def _discover():
    """The SPEC of every module in this package, ordered by ``order`` then key."""
    specs = []
    for module in pkgutil.iter_modules(__path__):
        spec = getattr(importlib.import_module(f"{__name__}.{module.name}"), "SPEC", None)
        if isinstance(spec, OptimizerSpec):
            specs.append(spec)
    return {spec.key: spec for spec in sorted(specs, key=lambda s: (s.order, s.key))}


OPTIMIZERS: dict[str, OptimizerSpec] = _discover()

__all__ = ["OPTIMIZERS", "GradientTransformation", "OptimizerSpec", "apply_updates"]
