"""Lesson: backpropagation, the chain rule on the lecture's tiny network."""
