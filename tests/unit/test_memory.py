"""engine.memory: compiled programs dropped past a budget, and they still run (reloaded) afterwards."""

import logging
import threading
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from engine import memory


def compiled_twice():
    """A jitted function holding two compiled programs (two shapes)."""
    double = jax.jit(lambda x: 2 * x + 1)
    double(jnp.ones(3))
    double(jnp.ones(4))
    assert double._cache_size() == 2
    return double


def test_release_drops_compiled_programs_that_then_run_again_alike():
    double = compiled_twice()
    memory.release()
    assert double._cache_size() == 0
    np.testing.assert_array_equal(double(jnp.ones(3)), np.full(3, 3.0))


def test_a_release_drops_the_large_programs_first_and_the_rest_only_if_still_over(monkeypatch):
    monkeypatch.setattr(memory, "_LARGE", [])
    large = memory.large_programs(jax.jit(lambda x: x - 1))
    large(jnp.ones(2))
    small = compiled_twice()
    memory.release(budget=10**9)  # under this budget once the large programs are gone
    assert large._cache_size() == 0 and small._cache_size() == 2
    np.testing.assert_array_equal(large(jnp.ones(2)), np.zeros(2))


def test_a_networks_training_is_a_large_program():
    from engine import training

    assert training._train in memory._LARGE


def test_release_if_over_acts_only_past_the_budget(caplog):
    assert memory.rss_mb() > 10
    double = compiled_twice()
    assert not memory.release_if_over(10**9) and double._cache_size() == 2
    assert not memory.release_if_over(0), "a budget of 0 is no bound"
    with caplog.at_level(logging.WARNING, logger="loss_landscape_lab"):
        assert memory.release_if_over(1)
    assert double._cache_size() == 0 and memory.RELEASED in caplog.text


@pytest.mark.parametrize("setting,budget", [(None, memory.DEFAULT_BUDGET_MB), ("1500", 1500), ("0", 0),
                                            ("-5", 0), ("lots", memory.DEFAULT_BUDGET_MB)])
def test_budget_from_the_environment(monkeypatch, setting, budget):
    if setting is None:
        monkeypatch.delenv(memory.BUDGET_ENV, raising=False)
    else:
        monkeypatch.setenv(memory.BUDGET_ENV, setting)
    assert memory.budget_mb() == budget


def test_the_watch_releases_in_the_background_until_stopped():
    stop = threading.Event()
    assert memory.watch(budget=0, stop=stop) is None, "no thread when the bound is off"
    double = compiled_twice()
    thread = memory.watch(budget=1, every_s=0.05, stop=stop)
    deadline = time.monotonic() + 10
    while double._cache_size() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=5)
    assert double._cache_size() == 0 and not thread.is_alive()
