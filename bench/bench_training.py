"""Training benchmark: engine.training.train against a plain Python loop, compilations, the page's rerun.

Run from the repository root::

    .venv/bin/python -m bench.bench_training [--json PATH] [--quick] [--profile]

Prints a Markdown table (row, measured value, target, PASS / MISS / INFO) and a line naming the
machine. ``--profile`` adds a cProfile of one ``train`` call (top 20 by cumulative time).
"""

import cProfile
import io
import json
import pstats
import time
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from bench.bench_foundation import (
    COMPILES,
    argument_parser,
    check_compile_event,
    machine,
    markdown_table,
    summary,
    timed_ms,
    verdict,
)
from engine.training import train
from models import datasets, mlp
from optimizers import OPTIMIZERS

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"  # AppTest resolves relative paths against the caller's file: pass an absolute one
PAGE = "pages/overfitting.py"
DATASET, POINTS, NOISE, DATA_SEED = "circle", 500, 0.25, 0
VALIDATION_FRACTION = 0.5  # as the overfitting page (ui.overfit_lesson.VALIDATION_FRACTION)
SIZES, ACTIVATION = (2, 16, 16, 1), "tanh"
LR, BATCH, STEPS, EVAL_EVERY, SNAPSHOTS = 0.01, 32, 2000, 20, 21
EAGER_STEPS = 200
TRAIN_TARGET_MS = 1000.0
DROPOUT_STOPS = [round(0.05 * i, 2) for i in range(17)]  # the page's slider: 0.0 .. 0.8, step 0.05


def data():
    """The circle data set, 500 points, split in half as the overfitting page does."""
    x, y = datasets.make(DATASET, DATA_SEED, POINTS, NOISE)
    return datasets.split(x, y, VALIDATION_FRACTION, DATA_SEED)


def engine_call(train_set, val_set, **changes):
    """One engine.training.train call with the benchmark's settings, overridden by ``changes``."""
    kw = dict(batch_size=BATCH, seed=0, dropout_rate=0.0, l2=0.0, patience=10, eval_every=EVAL_EVERY,
              snapshots=SNAPSHOTS)
    lr = changes.pop("lr", LR)
    kw.update(changes)
    return train(SIZES, ACTIVATION, "adam", {"learning_rate": lr}, train_set, val_set, steps=STEPS, **kw)


# --- row 1: the engine ---------------------------------------------------------------------------

def bench_engine(train_set, val_set, runs):
    """Row 1: median wall time of train() after compilation, one seed per run."""
    engine_call(train_set, val_set, seed=1000)  # compile
    seeds = iter(range(1, runs + 1))
    times = timed_ms(lambda: engine_call(train_set, val_set, seed=next(seeds)), runs)
    history = engine_call(train_set, val_set, seed=1)
    return summary(times), float(history.val_accuracy[-1])


# --- row 2: the same training as a Python loop over steps ----------------------------------------

def make_loop(train_set, val_set, jit):
    """A Python loop: one (jitted or eager) step per mini-batch, evaluation every EVAL_EVERY steps.

    Batches come from numpy: a shuffle per epoch, the last incomplete batch dropped (as the engine).
    Each evaluation pulls the four metrics to the host; snapshots are kept as numpy, 21 of them.
    """
    spec = OPTIMIZERS["adam"]
    optimizer = spec.make(**{**spec.defaults(), "learning_rate": LR})
    x_train, y_train = (jnp.asarray(a) for a in train_set)
    x_val, y_val = (jnp.asarray(a) for a in val_set)
    loss = partial(mlp.bce_loss, activation=ACTIVATION)

    def step(params, state, idx):
        value, grads = jax.value_and_grad(loss)(params, x_train[idx], y_train[idx])
        updates, state = optimizer.update(grads, state, params)
        return jax.tree.map(jnp.add, params, updates), state, value

    def metrics(params):
        acc = partial(mlp.accuracy, activation=ACTIVATION)
        return jnp.stack([loss(params, x_train, y_train), loss(params, x_val, y_val),
                          acc(params, x_train, y_train), acc(params, x_val, y_val)])

    if jit:
        step, metrics = jax.jit(step), jax.jit(metrics)
    n = len(train_set[1])
    per_epoch = max(n // BATCH, 1)
    snap_at = set(np.round(np.linspace(0, STEPS, SNAPSHOTS)).astype(int).tolist())

    def once(seed, steps=STEPS):
        rng = np.random.default_rng(seed)
        params = mlp.init_params(jax.random.PRNGKey(seed), SIZES, "normal", 0.1)
        state = optimizer.init(params)
        history, snaps = [], []
        order = None
        for k in range(steps + 1):
            if k % EVAL_EVERY == 0 or k == steps:
                history.append(np.asarray(metrics(params)))
            if k in snap_at:
                snaps.append(jax.tree.map(np.asarray, params))
            if k == steps:
                break
            if k % per_epoch == 0:
                order = rng.permutation(n).astype(np.int32)
            position = (k % per_epoch) * BATCH
            params, state, _ = step(params, state, order[position:position + BATCH])
        return np.stack(history), snaps

    return once


def bench_loops(train_set, val_set, runs, eager_runs):
    """Row 2: the jitted-step loop (STEPS steps) and the eager loop (EAGER_STEPS, extrapolated)."""
    jitted = make_loop(train_set, val_set, jit=True)
    jitted(1000)  # compile
    seeds = iter(range(1, runs + 1))
    result = {"jitted_step": summary(timed_ms(lambda: jitted(next(seeds)), runs))}
    history, _ = jitted(1)
    result["jitted_step"]["final_val_accuracy"] = float(history[-1, 3])
    eager = make_loop(train_set, val_set, jit=False)
    eager(1000, EAGER_STEPS)  # first eager ops compile their primitives
    seeds = iter(range(1, eager_runs + 1))
    s = summary(timed_ms(lambda: eager(next(seeds), EAGER_STEPS), eager_runs))
    s["steps_timed"] = EAGER_STEPS
    s["extrapolated_median_ms"] = s["median_ms"] * STEPS / EAGER_STEPS
    result["eager"] = s
    return result


# --- row 3: compilations when a number changes ---------------------------------------------------

CHANGES = {"learning rate": ("lr", (0.003, 0.05, 0.2)), "batch size": ("batch_size", (8, 64, 250)),
           "dropout": ("dropout_rate", (0.1, 0.35, 0.6)), "l2": ("l2", (1e-4, 1e-3, 0.03)),
           "patience": ("patience", (3, 25, 50)), "seed": ("seed", (7, 8, 9))}


def bench_compiles(train_set, val_set):
    """Row 3: XLA compilations per changed slider after one warm-up call (target 0 each)."""
    engine_call(train_set, val_set)
    counts = {}
    for label, (name, values) in CHANGES.items():
        before = COMPILES.count
        for value in values:
            engine_call(train_set, val_set, **{name: value})
        counts[label] = COMPILES.count - before
    return counts


# --- row 4: the page -----------------------------------------------------------------------------

def bench_page(changes):
    """Row 4: at.run() after the dropout slider moves to ``changes`` unused values."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=120)
    at.switch_page(PAGE)
    start = time.perf_counter()
    at.run()
    first_ms = (time.perf_counter() - start) * 1e3
    if at.exception:
        raise RuntimeError(f"the page raised: {[e.value for e in at.exception]}")
    free = [v for v in DROPOUT_STOPS if v != at.slider(key="dropout").value]
    warm, free = free[-1:], free[:-1]
    for value in warm:  # an uncached rerun, so anything lazy is warmed up too
        at.slider(key="dropout").set_value(value)
        at.run()
    picks = np.linspace(0, len(free) - 1, changes).round().astype(int)
    values = [free[i] for i in dict.fromkeys(picks.tolist())]
    if len(values) < changes:
        raise RuntimeError(f"only {len(free)} unused dropout stops for {changes} changes")
    before = COMPILES.count
    times = []
    for value in values:
        at.slider(key="dropout").set_value(value)
        start = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - start) * 1e3)
        if at.exception:
            raise RuntimeError(f"the page raised at dropout={value}: {[e.value for e in at.exception]}")
    return {"first_run_ms": first_ms, "rerun": summary(times), "rerun_times_ms": times,
            "dropout_values": values, "compiles": COMPILES.count - before}


# --- report --------------------------------------------------------------------------------------

def table(results):
    """The Markdown table of all rows."""
    engine, loops, compiles, page = (results["engine"], results["loops"], results["compiles"],
                                     results["page"])
    one = engine["median_ms"]
    setup = (f"{DATASET}, {POINTS} points, validation {VALIDATION_FRACTION:g} (as the page), "
             f"{'→'.join(map(str, SIZES))} {ACTIVATION}, Adam lr {LR:g}, batch {BATCH}, {STEPS:,} steps, "
             f"eval every {EVAL_EVERY}, {SNAPSHOTS} snapshots")
    rows = [(f"1. Full training run, engine.training.train ({setup})",
             f"{one:.1f} ms median, max {engine['max_ms']:.1f} ms ({engine['runs']} runs, different seeds)",
             f"< {TRAIN_TARGET_MS:.0f} ms", verdict(one < TRAIN_TARGET_MS))]
    s = loops["jitted_step"]
    rows.append(("2a. The same training as a Python loop over steps: jitted step (value_and_grad of "
                 "bce_loss on a gathered batch + Adam update), numpy batch indices, jitted evaluation "
                 f"every {EVAL_EVERY} steps",
                 f"{s['median_ms']:.1f} ms median ({s['runs']} runs)", "— (reference)",
                 f"INFO: {s['median_ms'] / one:.1f}× row 1"))
    s = loops["eager"]
    rows.append((f"2b. The same loop fully eager (no jit), {s['steps_timed']} steps timed, "
                 f"extrapolated × {STEPS // s['steps_timed']} to {STEPS:,}",
                 f"≈ {s['extrapolated_median_ms']:,.0f} ms ({s['median_ms']:.0f} ms median for "
                 f"{s['steps_timed']} steps, {s['runs']} runs)", "— (reference)",
                 f"INFO: {s['extrapolated_median_ms'] / one:.0f}× row 1"))
    for label, count in compiles.items():
        values = ", ".join(f"{v:g}" for v in CHANGES[label][1])
        rows.append((f"3. XLA compilations in train() after warm-up, {label} changed ({values})",
                     str(count), "0", verdict(count == 0)))
    rerun = page["rerun"]
    rows.append((f"4. Overfitting page rerun after a dropout change (AppTest, {rerun['runs']} unused values)",
                 f"median {rerun['median_ms']:.0f} ms, max {rerun['max_ms']:.0f} ms "
                 f"({page['compiles']} compilations)", "— (no target)", "INFO"))
    return markdown_table(rows)


def profile_train(train_set, val_set):
    """cProfile of one train() call after compilation, top 20 by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    engine_call(train_set, val_set, seed=4242)
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(20)
    return stream.getvalue()


def main(argv=None):
    parser = argument_parser(__doc__.splitlines()[0],
                             "cProfile one train() call after compilation (top 20 by cumulative time)")
    args = parser.parse_args(argv)
    runs, loop_runs, eager_runs, changes = (3, 2, 1, 4) if args.quick else (5, 5, 3, 10)

    line, info = machine()
    check_compile_event()
    train_set, val_set = data()
    results = {"machine": info}
    # The page first, so its first run compiles what a fresh server would.
    results["page"] = bench_page(changes)
    results["engine"], results["engine_final_val_accuracy"] = bench_engine(train_set, val_set, runs)
    results["loops"] = bench_loops(train_set, val_set, loop_runs, eager_runs)
    results["compiles"] = bench_compiles(train_set, val_set)
    results["profile"] = profile_train(train_set, val_set) if args.profile else None
    print(table(results))
    print()
    print(line)
    print(f"First page run (imports, compilation): {results['page']['first_run_ms']:.0f} ms. "
          f"Final validation accuracy: engine {results['engine_final_val_accuracy']:.3f}, "
          f"Python loop {results['loops']['jitted_step']['final_val_accuracy']:.3f} (seed 1).")
    if results["profile"]:
        print("\ncProfile of one train() call (top 20, cumulative):\n")
        print(results["profile"])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
        print(f"Wrote {args.json}")


if __name__ == "__main__":
    main()
