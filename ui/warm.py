"""Work done ahead of the first user who needs it: compilations started in the background."""

import atexit
import logging
import os
import threading
import time

LOG = logging.getLogger("loss_landscape_lab")
JOIN_AT_EXIT_S = 60  # a compilation cut off at exit can abort the interpreter: let it finish
_started: set = set()
_threads: list = []
_lock = threading.Lock()


def ahead(key, fn, *args, delay=0.0):
    """Run ``fn(*args)`` once per ``key`` and process, in a background thread, after ``delay`` seconds
    (it computes what a later click would otherwise wait for). Failures are logged, never shown:
    nobody is waiting for it. ``LLL_WARM=0`` turns it off (tests that walk every surface would start a
    compilation for each)."""
    if os.environ.get("LLL_WARM", "1") == "0":
        return
    with _lock:
        if key in _started:
            return
        _started.add(key)

    def run():
        time.sleep(delay)
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - a warm-up that fails leaves the work to the real call
            LOG.exception("warming %s failed", key)

    thread = threading.Thread(target=run, name=f"warm {key}", daemon=True)
    _threads.append(thread)
    thread.start()


@atexit.register
def _finish():
    """Let running warm-ups end before the interpreter does."""
    for thread in list(_threads):
        thread.join(timeout=JOIN_AT_EXIT_S)


LESSONS = ("gradient_descent", "backpropagation", "learning_rate", "optimizer_race", "mini_batches",
           "overfitting", "loss_landscape", "lecture")


def import_lessons():
    """Import every lesson's modules (JAX, Plotly, the engine) and what a component's first call
    imports: the first visitor's page then finds them loaded."""
    import importlib

    for lesson in LESSONS:
        importlib.import_module(f"pages.{lesson}.lesson")
    # A component checks every argument against pandas' and pyarrow's types, importing both the first
    # time: 0.7 s of the first visitor's wait.
    importlib.import_module("pandas")
    importlib.import_module("pyarrow")


def compile_default_page():
    """Compile what the default page computes first: the trajectory, the surface's grid and picture,
    the every-stop sweep."""
    import numpy as np

    from landscapes import LANDSCAPES
    from optimizers import OPTIMIZERS
    from plotting import player_figure
    from ui import compute

    landscape, spec = LANDSCAPES["quadratic"], OPTIMIZERS["sgd"]  # the default page's defaults
    theta = tuple(float(v) for v in landscape.theta())
    run = compute.run_of(landscape.key, theta, spec.key, spec.defaults(), landscape.start)
    xs, ys, z = compute.grid_values(landscape.key, theta)
    player_figure(xs, ys, z, [dict(name="path", colour=spec.colour, path=np.asarray(run.params[:2]))],
                  log_color=landscape.log_color, minima=landscape.minima)
    compute.stops_sweep(landscape.key, theta, spec.key, spec.defaults(), landscape.start)
