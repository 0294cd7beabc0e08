"""A bound on the server's memory.

JAX keeps every program it compiles for as long as the process lives: about 30 MB for one network's
training (measured: 24 Overfitting-page shapes took a process from 0.19 to 0.95 GB, whether compiled
or loaded from disk), and a class moving sliders meets hundreds of shapes. Past a budget the programs
are dropped and the freed heap handed back to the system (glibc keeps it otherwise: 0.87 GB after
dropping, 0.27 GB after ``malloc_trim``). A program needed again is loaded from the persistent
compilation cache (``engine.cache``) in a fraction of a second, not compiled again, but every session
reloads what it uses: at most one release every 2 minutes (``DEFAULT_GAP_S``), so a class whose
programs do not fit the budget does not spend its time reloading them. JAX's caches are protected by
the GIL, so dropping them while other sessions compute is safe; the load test does it under a class
(``tests/load``).

Tried and measured with 30 simulated students on 2 cores, 5 minutes each: releasing at every check
past 2 GB (every 5 s) gave the class a p95 of 7.7 s, and 12 s when the training programs went first and
the rest only if still over; one release in 2 minutes at most, 6.3 s.
"""

import ctypes
import ctypes.util
import gc
import logging
import os
import threading
import time

import jax

LOG = logging.getLogger("loss_landscape_lab")
BUDGET_ENV = "LLL_MEMORY_BUDGET_MB"
DEFAULT_BUDGET_MB = 2048  # a server holds 0.75 GB after its start, 1.0-1.4 GB with a few students
CHECK_EVERY_S = 5.0
GAP_ENV = "LLL_MEMORY_MIN_GAP_S"
DEFAULT_GAP_S = 120.0  # at most one release in this time
RELEASED = "memory: released compiled programs"  # the log line; bench.load counts it


def rss_mb():
    """This process's resident memory in MB, or None where /proc cannot tell (not Linux)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def budget_mb():
    """The budget from $LLL_MEMORY_BUDGET_MB (0 turns the bound off), else DEFAULT_BUDGET_MB."""
    return _setting(BUDGET_ENV, DEFAULT_BUDGET_MB)


def min_gap_s():
    """The least time between two releases, from $LLL_MEMORY_MIN_GAP_S, else DEFAULT_GAP_S."""
    return _setting(GAP_ENV, DEFAULT_GAP_S)


def _setting(name, default):
    """A non-negative number from the environment, the default where it is missing or not a number."""
    try:
        return max(0.0, float(os.environ.get(name, default)))
    except ValueError:
        return float(default)


def release():
    """Drop JAX's compiled programs and traces, collect garbage and return free heap to the system."""
    jax.clear_caches()
    gc.collect()
    try:
        ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim(0)
    except (OSError, AttributeError, TypeError):  # not glibc: the memory is reused, only not returned
        pass


def release_if_over(budget):
    """``release()`` when the resident memory exceeds ``budget`` MB (0: never); whether it did."""
    rss = rss_mb()
    if not budget or rss is None or rss <= budget:
        return False
    release()
    LOG.warning("%s: %.0f MB over the budget of %.0f MB, %.0f MB after", RELEASED, rss, budget, rss_mb() or 0)
    return True


def watch(budget=None, every_s=CHECK_EVERY_S, stop=None, gap_s=None):
    """Check the memory every ``every_s`` seconds in a background thread, releasing at most once every
    ``gap_s`` seconds, until ``stop`` (an Event) is set or for the process's life; the thread, or None
    when the bound is off."""
    budget = budget_mb() if budget is None else budget
    gap_s = min_gap_s() if gap_s is None else gap_s
    if not budget:
        return None
    stop = stop or threading.Event()

    def loop():
        last = -float("inf")
        while not stop.wait(every_s):
            if time.monotonic() - last < gap_s:
                continue
            try:
                if release_if_over(budget):
                    last = time.monotonic()
            except Exception:  # noqa: BLE001 - the watch must outlive one failed check
                LOG.exception("memory check failed")

    thread = threading.Thread(target=loop, name="memory watch", daemon=True)
    thread.start()
    return thread
