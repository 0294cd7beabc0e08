"""Counting XLA compilations, for the tests that promise a slider never recompiles."""

from contextlib import contextmanager

import jax

COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"


@contextmanager
def compilations():
    """The names of the functions compiled inside the block, in order (jax.monitoring's event)."""
    names = []

    def listener(event, duration, **kwargs):
        if event == COMPILE_EVENT:
            names.append(kwargs.get("fun_name"))

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        yield names
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)
