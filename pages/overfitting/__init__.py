"""Lesson: overfitting and regularization."""
