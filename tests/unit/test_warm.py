"""ui.warm.ahead: work started once per key in the background, off with LLL_WARM=0, failures logged."""

import logging
import threading

from ui import warm


def started(key, fn, monkeypatch, setting="1"):
    """Call ``ahead`` twice with the same key, wait for the threads it started and return them."""
    monkeypatch.setenv("LLL_WARM", setting)
    before = list(warm._threads)
    for _ in range(2):
        warm.ahead(key, fn, 7)
    for thread in warm._threads[len(before):]:
        thread.join(timeout=10)
    return warm._threads[len(before):]


def test_runs_once_per_key_in_a_background_thread(monkeypatch):
    calls = []
    threads = started(("test", "once"), lambda x: calls.append((x, threading.current_thread().name)),
                      monkeypatch)
    assert len(threads) == 1 and calls == [(7, "warm ('test', 'once')")]


def test_off_with_lll_warm_0(monkeypatch):
    calls = []
    assert started(("test", "off"), calls.append, monkeypatch, setting="0") == []
    assert calls == []


def test_a_failing_warm_up_is_logged_not_raised(monkeypatch, caplog):
    def fail(_):
        raise ValueError("boom")

    with caplog.at_level(logging.ERROR, logger="loss_landscape_lab"):
        started(("test", "fails"), fail, monkeypatch)
    assert "warming ('test', 'fails') failed" in caplog.text and "boom" in caplog.text
