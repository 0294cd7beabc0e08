"""Lesson: a guided walk through the lecture, one claim at a time."""
