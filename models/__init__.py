"""Small models trained live on 2D data: a multilayer perceptron and its data sets."""

from models import datasets, mlp

__all__ = ["datasets", "mlp"]
