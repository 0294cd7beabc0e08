"""Lesson: adaptive learning rates, as a race of the optimizers."""
