"""Foundation benchmark: engine speed, the page's rerun time, XLA compilations and figure bytes.

Run from the repository root::

    .venv/bin/python -m bench.bench_foundation [--json PATH] [--profile] [--quick]

Prints a Markdown table (row, measured value, target, PASS / MISS / INFO) and a line naming the
machine. ``--profile`` adds a cProfile of one rerun of the page (top 20 by cumulative time).
"""

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import re
import statistics
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from engine import run, run_single, sweep
from landscapes import LANDSCAPES
from optimizers import OPTIMIZERS

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"  # AppTest resolves relative paths against the caller's file: pass an absolute one
COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"  # jax/_src/dispatch.py, jax 0.10.2
STEPS = 1000
SWEEP = 1000
LR_KEY = "sgd.learning_rate"
RERUN_TARGET_MS = 50.0
SWEEP_TARGET_MS = 50.0
BYTES_TARGET = 1_000_000


class CompileCounter:
    """A jax.monitoring listener counting backend (XLA) compilations."""

    def __init__(self):
        self.count = 0

    def __call__(self, event, duration, **kwargs):
        if event == COMPILE_EVENT:
            self.count += 1


COMPILES = CompileCounter()
jax.monitoring.register_event_duration_secs_listener(COMPILES)


def check_compile_event():
    """Fail loudly if a fresh jit does not report COMPILE_EVENT (the name changed in this jax)."""
    before = COMPILES.count
    jax.jit(lambda x: x * 3.0 + float(time.time_ns() % 997))(jnp.ones(3)).block_until_ready()
    if COMPILES.count == before:
        raise RuntimeError(f"jax {jax.__version__} did not report {COMPILE_EVENT!r} for a new jit")


def timed_ms(fn, repeats):
    """Wall times of ``repeats`` calls of fn(), in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def summary(times):
    """Median, min and max of a list of times."""
    return {"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times),
            "runs": len(times)}


def machine():
    """CPU model, core count, jax version and devices, as one line and as a dict."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"cpu": model, "cpu_count": os.cpu_count(),
            "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "jax": jax.__version__, "devices": [str(d) for d in jax.devices()],
            "python": platform.python_version(),
            "load_average_1_5_15min": list(os.getloadavg()) if hasattr(os, "getloadavg") else None}
    load = info["load_average_1_5_15min"]
    line = (f"Machine: {info['cpu']}, os.cpu_count()={info['cpu_count']} "
            f"(usable {info['usable_cpus']}), jax {info['jax']}, devices {info['devices']}, "
            f"Python {info['python']}, load average at start "
            f"{' / '.join(f'{x:.2f}' for x in load) if load else 'n/a'} (1/5/15 min)")
    return line, info


# --- rows 1-3: the engine against hand-written loops ---------------------------------------------

def quadratic_setup():
    """The quadratic landscape, its default theta, its start point and SGD's default rate."""
    landscape = LANDSCAPES["quadratic"]
    return landscape, landscape.theta(), np.asarray(landscape.start, np.float32), 0.15


def bench_single(repeats):
    """Row 1: engine.run_single, one 1,000-step SGD run; it returns numpy (already synchronised)."""
    landscape, theta, start, lr = quadratic_setup()

    def once():
        return run_single(landscape.fn_with, "sgd", {"learning_rate": lr}, start, STEPS, (theta,))

    result = once()  # compile
    return summary(timed_ms(once, repeats)), np.asarray(result.params)


def bench_sweep(optimizer_key, repeats, entry=None):
    """Row 2: engine.sweep (or ``entry``) over 1,000 learning rates x 1,000 steps, 1,000 starts."""
    entry = entry or sweep
    landscape, theta, start, _ = quadratic_setup()
    hyperparams = OPTIMIZERS[optimizer_key].defaults()
    hyperparams["learning_rate"] = np.logspace(-4, 1, SWEEP).astype(np.float32)
    starts = np.tile(start, (SWEEP, 1))

    def once():
        return entry(landscape.fn_with, optimizer_key, hyperparams, starts, STEPS, (theta,))

    once()  # compile
    return summary(timed_ms(once, repeats))


def naive_jax_loop():
    """Row 3a: a jitted jax.grad called step by step, with the optimizer's eager update."""
    landscape, theta, start, lr = quadratic_setup()
    grad = jax.jit(jax.grad(landscape.fn_with))
    optimizer = OPTIMIZERS["sgd"].make(learning_rate=lr)

    def once():
        params = jnp.asarray(start)
        state = optimizer.init(params)
        path = [np.asarray(params)]
        for _ in range(STEPS):
            updates, state = optimizer.update(grad(params, theta), state, params)
            params = jax.tree.map(jnp.add, params, updates)
            path.append(np.asarray(params))
        return np.stack(path)

    return once


def jitted_step_loop():
    """Row 3b: the same loop with the whole step (grad + update + add) under one jit."""
    landscape, theta, start, lr = quadratic_setup()
    optimizer = OPTIMIZERS["sgd"].make(learning_rate=lr)

    @jax.jit
    def step(params, state):
        updates, state = optimizer.update(jax.grad(landscape.fn_with)(params, theta), state, params)
        return jax.tree.map(jnp.add, params, updates), state

    def once():
        params = jnp.asarray(start)
        state = optimizer.init(params)
        path = [np.asarray(params)]
        for _ in range(STEPS):
            params, state = step(params, state)
            path.append(np.asarray(params))
        return np.stack(path)

    return once


def numpy_loop():
    """Row 3c: pure numpy SGD with the quadratic's gradient written by hand."""
    landscape, theta, start, lr = quadratic_setup()
    kappa, angle = float(theta[0]), np.deg2rad(float(theta[1]))
    along_u = np.array([np.cos(angle), np.sin(angle)])
    along_v = np.array([-np.sin(angle), np.cos(angle)])

    def once():
        path = np.empty((STEPS + 1, 2))
        params = start.astype(np.float64)
        path[0] = params
        for k in range(STEPS):
            grad = (along_u @ params) * along_u + kappa * (along_v @ params) * along_v
            params = params - lr * grad
            path[k + 1] = params
        return path

    return once


def bench_loops(reference, repeats_slow, repeats_fast):
    """Row 3: the three hand-written loops, timed and checked against the engine's path."""
    results = {}
    for name, make, repeats in (("naive_jax", naive_jax_loop, repeats_slow),
                                ("jitted_step", jitted_step_loop, repeats_slow),
                                ("numpy", numpy_loop, repeats_fast)):
        once = make()
        path = once()  # compile where there is anything to compile
        results[name] = summary(timed_ms(once, repeats))
        results[name]["max_abs_diff_vs_engine"] = float(np.max(np.abs(path - reference)))
    return results


# --- rows 4-6: the page through AppTest ----------------------------------------------------------

class ScriptClock:
    """Times (and optionally profiles) the script thread of AppTest's LocalScriptRunner."""

    def __init__(self):
        from streamlit.testing.v1.local_script_runner import LocalScriptRunner

        self.times = []
        self.profiler = None
        clock = self
        original = LocalScriptRunner._run_script_thread

        def timed(runner):
            start = time.perf_counter()
            if clock.profiler is not None:
                clock.profiler.enable()
            try:
                original(runner)
            finally:
                if clock.profiler is not None:
                    clock.profiler.disable()
                clock.times.append((time.perf_counter() - start) * 1e3)

        LocalScriptRunner._run_script_thread = timed


def figure_bytes(at):
    """Bytes of Plotly JSON the page sends: len(spec) of each plotly chart, by chart key order."""
    return [len(chart.proto.spec) for chart in at.get("plotly_chart")]


def fresh_values(options, used, count):
    """``count`` learning rates from the slider's stops, spread over its range, none in ``used``."""
    free = [v for v in options if v not in used]
    picks = np.linspace(0, len(free) - 1, count).round().astype(int)
    values = [free[i] for i in dict.fromkeys(picks)]
    if len(values) < count:
        raise RuntimeError(f"only {len(free)} unused learning-rate stops for {count} changes")
    return values


def set_lr(at, value):
    at.select_slider(key=LR_KEY).set_value(value)


def bench_page(changes, profile):
    """Rows 4-6: rerun times after learning-rate changes, compilations, figure bytes."""
    from streamlit.testing.v1 import AppTest
    from ui.validate import log_options

    from optimizers.base import LEARNING_RATE

    clock = ScriptClock()
    at = AppTest.from_file(str(APP), default_timeout=60)
    start = time.perf_counter()
    at.run()
    first_ms = (time.perf_counter() - start) * 1e3
    if at.exception:
        raise RuntimeError(f"the page raised: {[e.value for e in at.exception]}")
    default_bytes = figure_bytes(at)
    default_lr = OPTIMIZERS["sgd"].defaults()["learning_rate"]
    options = log_options(LEARNING_RATE.min, LEARNING_RATE.max, default_lr)
    used = {default_lr}
    warm = fresh_values(options, used, 2)
    for value in warm:  # a couple of uncached reruns, so anything lazy is warmed up too
        set_lr(at, value)
        at.run()
    used.update(warm)
    at.run()  # and one cached
    values = fresh_values(options, used, changes)
    used.update(values)

    compiles_before = COMPILES.count
    clock.times.clear()
    run_times = []
    for value in values:
        set_lr(at, value)
        start = time.perf_counter()
        at.run()
        run_times.append((time.perf_counter() - start) * 1e3)
        if at.exception:
            raise RuntimeError(f"the page raised at lr={value}: {[e.value for e in at.exception]}")
    compiles = COMPILES.count - compiles_before
    script_times = list(clock.times)

    profile_text = None
    if profile:
        value = fresh_values(options, used, 1)[0]
        used.add(value)
        set_lr(at, value)
        clock.profiler = cProfile.Profile()
        at.run()
        stream = io.StringIO()
        stats = pstats.Stats(clock.profiler, stream=stream).sort_stats("cumulative")
        stats.print_stats(20)
        stream.write("The same rerun, the project's own functions only (top 20, cumulative):\n")
        stats.print_stats(re.escape(str(ROOT)) + r"/(?!\.venv/)", 20)
        clock.profiler = None
        profile_text = stream.getvalue()

    set_lr(at, default_lr)
    at.slider(key="steps").set_value(STEPS)
    at.run()
    long_bytes = figure_bytes(at)
    rerun = summary(run_times)
    rerun["script_thread_median_ms"] = statistics.median(script_times) if script_times else None
    return {"first_run_ms": first_ms, "rerun": rerun, "rerun_times_ms": run_times,
            "learning_rates": values, "compiles": compiles,
            "figure_bytes_default": default_bytes, "figure_bytes_1000_steps": long_bytes,
            "profile": profile_text}


# --- report --------------------------------------------------------------------------------------

def verdict(ok):
    return "PASS" if ok else "MISS"


def table(results):
    """The Markdown table of all rows."""
    single, sweeps, loops, page = (results["single"], results["sweep"], results["loops"],
                                   results["page"])
    one = single["median_ms"]
    rows = [("1. One 1,000-step trajectory (engine.run_single, sgd, quadratic; returns numpy)",
             f"{one:.2f} ms median ({single['runs']} runs)", "—", "INFO")]
    for key in ("sgd", "adam"):
        s = sweeps[key]
        rows.append((f"2{'ab'[key == 'adam']}. Sweep 1,000 rates × 1,000 steps (engine.sweep, {key})",
                     f"{s['median_ms']:.1f} ms median ({s['runs']} runs)",
                     f"< {SWEEP_TARGET_MS:.0f} ms", verdict(s["median_ms"] < SWEEP_TARGET_MS)))
    s = sweeps["sgd_full_history"]
    rows.append(("2c. The same sweep keeping every step's point, loss and gradient (engine.run, sgd)",
                 f"{s['median_ms']:.1f} ms median ({s['runs']} runs)", "— (reference)", "INFO"))
    labels = {"naive_jax": "3a. Python loop: jit(grad) + eager optimizer update per step",
              "jitted_step": "3b. Python loop: whole step under one jit (for comparison)",
              "numpy": "3c. Python loop: pure numpy SGD, hand-written gradient"}
    for key, label in labels.items():
        s = loops[key]
        rows.append((label, f"{s['median_ms']:.2f} ms median ({s['runs']} runs)",
                     "— (reference)", f"INFO: {s['median_ms'] / one:.1f}× row 1"))
    rerun = page["rerun"]
    rows.append((f"4. Page rerun after a learning-rate change (AppTest, {rerun['runs']} changes)",
                 f"median {rerun['median_ms']:.1f} ms, max {rerun['max_ms']:.1f} ms "
                 f"(script thread median {rerun['script_thread_median_ms']:.1f} ms)",
                 f"median < {RERUN_TARGET_MS:.0f} ms", verdict(rerun["median_ms"] < RERUN_TARGET_MS)))
    rows.append(("5. XLA compilations during those changes", str(page["compiles"]), "0",
                 verdict(page["compiles"] == 0)))
    for key, label in (("figure_bytes_default", "default page (100 steps)"),
                       ("figure_bytes_1000_steps", "1,000 steps")):
        parts = page[key]
        rows.append((f"6. Plotly JSON sent, {label}",
                     f"{sum(parts):,} B (charts: {', '.join(f'{p:,}' for p in parts)})",
                     f"< {BYTES_TARGET:,} B", verdict(sum(parts) < BYTES_TARGET)))
    return markdown_table(rows)


def markdown_table(rows):
    """The benchmark rows (row, measured, target, result) as a Markdown table."""
    lines = ["| row | measured | target | result |", "| --- | --- | --- | --- |"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines)


def argument_parser(description, profile_help):
    """The options every benchmark takes: --json PATH, --profile, --quick."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", metavar="PATH", help="also write the numbers as JSON")
    parser.add_argument("--profile", action="store_true", help=profile_help)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke test)")
    return parser


def main(argv=None):
    parser = argument_parser(__doc__.splitlines()[0],
                             "cProfile one rerun of the page (top 20 by cumulative time)")
    args = parser.parse_args(argv)
    reps = (5, 3, 2, 10, 5) if args.quick else (30, 15, 5, 30, 20)

    line, info = machine()
    check_compile_event()
    single, reference = bench_single(reps[0])
    results = {"machine": info, "single": single,
               "sweep": {"sgd": bench_sweep("sgd", reps[1]), "adam": bench_sweep("adam", reps[1]),
                         "sgd_full_history": bench_sweep("sgd", reps[1], entry=run)},
               "loops": bench_loops(reference, reps[2], reps[3]),
               "page": bench_page(reps[4], args.profile)}
    print(table(results))
    print()
    print(line)
    page = results["page"]
    print(f"First page run (imports, compilation): {page['first_run_ms']:.0f} ms.")
    if page["profile"]:
        print("\ncProfile of one rerun's script thread (top 20, cumulative):\n")
        print(page["profile"])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
        print(f"Wrote {args.json}")


if __name__ == "__main__":
    main()
