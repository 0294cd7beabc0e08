"""A bound on the server's memory.

JAX keeps every program it compiles for as long as the process lives. A network's training is one
program per shape (layers, points, steps) of about 30 MB: 24 Overfitting-page shapes took a process
from 0.19 to 0.95 GB, whether compiled or loaded from disk, and a class moving sliders meets hundreds.
Past a budget the server drops those large programs first (back to 0.31 GB there), and everything
JAX holds only if that is not enough, then hands the freed heap back to the system (glibc keeps it
otherwise). A program needed again is loaded from the persistent compilation cache (``engine.cache``)
in a fraction of a second, not compiled again; the small programs every page runs stay loaded, so
a release costs only the students whose network is dropped. JAX's caches are protected by the GIL,
so dropping them while other sessions compute is safe; the load test does it every few seconds under
a class (``tests/load``).
"""

import ctypes
import ctypes.util
import gc
import logging
import os
import threading

import jax

LOG = logging.getLogger("loss_landscape_lab")
BUDGET_ENV = "LLL_MEMORY_BUDGET_MB"
DEFAULT_BUDGET_MB = 2048  # a server holds 0.75 GB after its start, 1.0-1.4 GB with a few students
CHECK_EVERY_S = 5.0
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
    try:
        return max(0.0, float(os.environ.get(BUDGET_ENV, DEFAULT_BUDGET_MB)))
    except ValueError:
        return float(DEFAULT_BUDGET_MB)


_LARGE = []  # jitted functions whose programs are large and one per shape: dropped first


def large_programs(jitted):
    """Mark a jitted function whose programs are large and one per shape: a release drops them first."""
    _LARGE.append(jitted)
    return jitted


def release(budget=None):
    """Drop the large programs, and all of JAX's caches if the memory is still over ``budget`` MB (or
    no budget is given); collect garbage and return the freed heap to the system."""
    for jitted in _LARGE:
        jitted.clear_cache()
    _collect()
    if budget is None or (rss_mb() or 0) > budget:
        jax.clear_caches()
        _collect()


def _collect():
    """Collect garbage, then hand the heap's free memory back to the system (glibc only)."""
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
    release(budget)
    LOG.warning("%s: %.0f MB over the budget of %.0f MB, %.0f MB after", RELEASED, rss, budget, rss_mb() or 0)
    return True


def watch(budget=None, every_s=CHECK_EVERY_S, stop=None):
    """Check the memory every ``every_s`` seconds in a background thread until ``stop`` (an Event) is
    set, or for the process's life; the thread, or None when the bound is off."""
    budget = budget_mb() if budget is None else budget
    if not budget:
        return None
    stop = stop or threading.Event()

    def loop():
        while not stop.wait(every_s):
            try:
                release_if_over(budget)
            except Exception:  # noqa: BLE001 - the watch must outlive one failed check
                LOG.exception("memory check failed")

    thread = threading.Thread(target=loop, name="memory watch", daemon=True)
    thread.start()
    return thread
