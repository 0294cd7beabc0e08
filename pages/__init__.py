"""One folder per lesson: page.py (what the student sees) beside lesson.py (its presets, verdicts,
cached computations)."""
