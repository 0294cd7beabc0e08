"""Lesson: gradient descent on a loss surface."""
