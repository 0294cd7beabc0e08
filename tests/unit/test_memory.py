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


def test_release_if_over_acts_only_past_the_budget(caplog):
    assert memory.rss_mb() > 10
    double = compiled_twice()
    assert not memory.release_if_over(10**9) and double._cache_size() == 2
    assert not memory.release_if_over(0), "a budget of 0 is no bound"
    with caplog.at_level(logging.WARNING, logger="loss_landscape_lab"):
        assert memory.release_if_over(1)
    assert double._cache_size() == 0 and memory.RELEASED in caplog.text


BUDGET, GAP = (memory.BUDGET_ENV, memory.budget_mb), (memory.GAP_ENV, memory.min_gap_s)


@pytest.mark.parametrize("name,read,setting,value", [
    (*BUDGET, None, memory.DEFAULT_BUDGET_MB), (*BUDGET, "1500", 1500), (*BUDGET, "0", 0), (*BUDGET, "-5", 0),
    (*BUDGET, "lots", memory.DEFAULT_BUDGET_MB),
    (*GAP, None, memory.DEFAULT_GAP_S), (*GAP, "0", 0), (*GAP, "30", 30), (*GAP, "x", memory.DEFAULT_GAP_S)])
def test_settings_from_the_environment(monkeypatch, name, read, setting, value):
    if setting is None:
        monkeypatch.delenv(name, raising=False)
    else:
        monkeypatch.setenv(name, setting)
    assert read() == value


def test_the_watch_releases_in_the_background_until_stopped():
    stop = threading.Event()
    assert memory.watch(budget=0, stop=stop) is None, "no thread when the bound is off"
    double = compiled_twice()
    thread = memory.watch(budget=1, every_s=0.05, stop=stop, gap_s=0)
    deadline = time.monotonic() + 10
    while double._cache_size() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=5)
    assert double._cache_size() == 0 and not thread.is_alive()


def test_the_watch_releases_at_most_once_a_gap(caplog):
    stop = threading.Event()
    with caplog.at_level(logging.WARNING, logger="loss_landscape_lab"):
        thread = memory.watch(budget=1, every_s=0.02, stop=stop, gap_s=60)
        time.sleep(0.5)  # 25 checks, every one over the budget
        stop.set()
        thread.join(timeout=5)
    assert caplog.text.count(memory.RELEASED) == 1
