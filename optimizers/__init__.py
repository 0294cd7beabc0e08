"""The seven update rules of the lecture, keyed by stable strings: ``OPTIMIZERS[key].make(**hp)``."""

from optimizers import adadelta, adagrad, adam, momentum, nesterov, rmsprop, sgd
from optimizers.base import GradientTransformation, HyperParam, OptimizerSpec

OPTIMIZERS: dict[str, OptimizerSpec] = {
    module.SPEC.key: module.SPEC
    for module in (sgd, momentum, nesterov, adagrad, rmsprop, adadelta, adam)
}

__all__ = ["OPTIMIZERS", "GradientTransformation", "HyperParam", "OptimizerSpec"]
