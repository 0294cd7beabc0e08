"""Lesson: the loss landscape of a neural network."""
