"""Lesson: setting the learning rate."""
