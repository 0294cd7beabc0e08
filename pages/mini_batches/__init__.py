"""Lesson: mini-batches and gradient noise."""
