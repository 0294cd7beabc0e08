"""Work done ahead of the first user who needs it: compilations started in the background."""

import logging
import threading

LOG = logging.getLogger("loss_landscape_lab")
_started: set = set()
_lock = threading.Lock()


def ahead(key, fn, *args):
    """Run ``fn(*args)`` once per ``key`` and process, in a daemon thread (it compiles what a later
    click would otherwise wait for). Failures are logged, never shown: nobody is waiting for it."""
    with _lock:
        if key in _started:
            return
        _started.add(key)

    def run():
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - a warm-up that fails leaves the work to the real call
            LOG.exception("warming %s failed", key)

    threading.Thread(target=run, name=f"warm {key}", daemon=True).start()
