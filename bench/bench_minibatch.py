"""Mini-batch benchmark: the mini-batch engine, the "Mini-batches" page's reruns, compilations, bytes.

Run from the repository root::

    .venv/bin/python -m bench.bench_minibatch [--json PATH] [--quick] [--profile]

Prints a Markdown table (row, measured value, target, PASS / MISS / INFO) and a line naming the
machine. The machine line, the compile counter, the timing helpers and the AppTest ``Page`` come
from ``bench.bench_foundation`` and ``bench.bench_lessons``. ``--profile`` adds a cProfile of one
rerun after a batch-size change and one after a learning-rate change.
"""

import statistics
import time

import numpy as np
from ui.minibatch_lesson import RATES

from bench.bench_foundation import (
    BYTES_TARGET,
    COMPILES,
    argument_parser,
    figure_bytes,
    markdown_table,
    summary,
    timed_ms,
    verdict,
)
from bench.bench_lessons import Page, offenders, report, rerun_cell, start_page_benchmark
from engine.minibatch import gradient_noise, run_minibatch
from landscapes.data import DATA_LANDSCAPES
from ui.compute import MAX_STEPS, divergence_box

PAGE = "pages/mini_batches.py"
DATA_KEY = "linear"
SIZES = (200, 500)  # the page's default n, and the largest on offer
RERUN_TARGET_MS = 100.0  # the issue: "reruns in under 100 ms median ... no compilation after warm-up"
TIMED = ("batch", "lr.mini")  # rows 3 and 4
OTHERS = ("noise", "data_seed", "batch_seed", "steps", "inspect", f"x0.{DATA_KEY}", f"y0.{DATA_KEY}")


# --- rows 1-2: the engine, called directly (no st.cache_data in between) -------------------------

def page_data(n):
    """The page's data set at its defaults (seed 0, noise 0.5) with n examples."""
    return DATA_LANDSCAPES[DATA_KEY].make_data(0, n, 0.5)


def batch_sizes_for(n, count):
    """``count`` + 1 distinct mini-batch sizes in 2..n-1 (the first for the compiling call)."""
    sizes = np.unique(np.linspace(2, n - 1, count + 1).round().astype(int))
    if len(sizes) < count + 1:
        raise RuntimeError(f"only {len(sizes)} batch sizes below n = {n} for {count + 1} calls")
    return [int(b) for b in sizes]


def bench_runs(n, repeats):
    """Row 1: run_minibatch as ui.compute.minibatch_runs calls it: GD, SGD and a mini-batch run
    (the page's default rates and start), MAX_STEPS steps. The mini-batch size differs each call."""
    landscape = DATA_LANDSCAPES[DATA_KEY]
    data = page_data(n)
    rates = np.asarray([spec.default for spec in RATES.values()], np.float32)
    start = np.asarray(landscape.start, np.float32)
    box = divergence_box(landscape)
    sizes = iter(batch_sizes_for(n, repeats))

    def once():
        return run_minibatch(landscape.example_loss, "sgd", {"learning_rate": rates},
                             np.asarray([n, 1, next(sizes)]), start, data, MAX_STEPS, 0, box)

    before = COMPILES.count
    once()  # compile
    first = COMPILES.count - before
    before = COMPILES.count
    result = summary(timed_ms(once, repeats))
    result.update(compiles_first_call=first, compiles_while_timed=COMPILES.count - before)
    return result


def bench_noise(n, repeats):
    """Row 2: gradient_noise as ui.compute.noise_at calls it (200 estimates, the spread for every
    power of 2 up to n), at the page's start point; the batch size differs each call."""
    landscape = DATA_LANDSCAPES[DATA_KEY]
    data = page_data(n)
    point = np.asarray(landscape.start, np.float32)
    sizes = iter(batch_sizes_for(n, repeats))

    def once():
        return gradient_noise(landscape.example_loss, point, data, next(sizes), 0)

    before = COMPILES.count
    once()
    first = COMPILES.count - before
    before = COMPILES.count
    result = summary(timed_ms(once, repeats))
    result.update(compiles_first_call=first, compiles_while_timed=COMPILES.count - before)
    return result


# --- rows 3-7: the page through AppTest ----------------------------------------------------------

class MiniBatchPage(Page):
    """bench_lessons' Page on the mini-batch page, whose structural widgets are "data" and "n"."""

    def __init__(self, clock):
        from streamlit.testing.v1 import AppTest

        from bench.bench_foundation import APP

        self.path, self.clock = PAGE, clock
        self.at = AppTest.from_file(str(APP), default_timeout=120)
        self.at.switch_page(PAGE)
        self.used = {}
        self.errors = {}
        self.cpu_ms = []
        before = COMPILES.count
        self.first_ms, _ = self.run("the first run")
        self.first_compiles = COMPILES.count - before
        self.default_bytes = figure_bytes(self.at)
        self.default_state = {key: self.widget(key).value for key in ("data", "n", "steps", "batch")}

    def run(self, what="rerun"):
        """Page.run, also keeping the process CPU time of each rerun (all threads, XLA's included):
        on a busy machine it is a steadier figure than the wall time."""
        start = time.process_time()
        try:
            return super().run(what)
        finally:
            self.cpu_ms.append((time.process_time() - start) * 1e3)

    def timed(self, key, values):
        """Page.sweep_values plus the median process CPU time of those reruns."""
        first = len(self.cpu_ms)
        result = self.sweep_values(key, values)
        cpu = self.cpu_ms[first:]
        result.update(cpu_median_ms=statistics.median(cpu) if cpu else None, cpu_ms=cpu)
        return result


def warm_up(page):
    """The issue's warm-up: after the first run, one change of each timed widget, then back."""
    before = COMPILES.count
    first = {key: page.widget(key).value for key in TIMED}
    for key in TIMED:
        page.change(key, page.fresh(key, 1)[0])
    for key, value in first.items():
        page.change(key, value)
    return COMPILES.count - before


def bench_page(clock, changes, moves, profile):
    """Rows 3-7."""
    page = MiniBatchPage(clock)
    result = {"first_run_ms": page.first_ms, "first_run_compiles": page.first_compiles,
              "defaults": page.default_state, "figure_bytes_default": page.default_bytes}
    result["warm_up_compiles"] = warm_up(page)
    result["batch_change"] = page.timed("batch", page.fresh("batch", changes))
    result["rate_change"] = page.timed("lr.mini", page.fresh("lr.mini", changes))
    # Row 4b: at step 0 the noise point is the start, whatever the rate, so noise_at hits its cache.
    # With the inspector inside the run (mid-range), a new rate moves that point: both caches miss.
    step = page.fresh("inspect", 1)[0]
    wall, _, compiles, _ = page.change("inspect", step)
    inspect_move = {"moves": 1, "compiles": compiles, "median_ms": wall}
    result["inspect_step"] = step
    result["rate_change_inspecting"] = page.timed("lr.mini", page.fresh("lr.mini", changes))
    profiles = []
    if profile:
        profiles.append(page.profile("lr.mini", page.fresh("lr.mini", 1)[0]))
        page.change("inspect", 0)
        profiles.append(page.profile("batch", page.fresh("batch", 1)[0]))
    else:
        page.change("inspect", 0)

    # Row 5b: every other value widget, after the warm-up, each moved to unused values (n = 200).
    other = {f"inspect (to {step}, before row 4b)": inspect_move}
    other.update(page.moves(list(OTHERS) + ["lr.gd", "lr.sgd"], moves))
    # Structure: a new n is a new data shape, a new model a new loss; each may compile once.
    structure = {}
    for size in (500, 50):
        structure[f"n={size}"] = page.structure("n", size)
        other.update({f"{key} (n={size})": found for key, found in page.moves(["batch", "lr.mini"],
                                                                              moves).items()})
    structure["n=200 (seen before)"] = page.structure("n", 200)
    structure["data=logistic"] = page.structure("data", "logistic")
    other.update({f"{key} (logistic)": found for key, found in
                  page.moves(["batch", "lr.mini", "noise", "x0.logistic", "inspect"], moves).items()})
    structure["data=linear (seen before)"] = page.structure("data", DATA_KEY)
    result.update(structure_compiles=structure, other_widgets=other)

    buttons = {}
    for label, start in (("linear scaling", "×2"), ("resample", "🎲")):
        wall, compiles = page.click(start)
        buttons[label] = {"ms": wall, "compiles": compiles}
    result["buttons"] = buttons
    result["errors"] = page.errors

    # Row 6: the bytes at the defaults (above), and at the defaults but the slider's maximum step
    # count, in a new session (this one's widgets have moved).
    defaults = MiniBatchPage(clock)
    defaults.change("steps", MAX_STEPS)
    result["figure_bytes_1000_steps"] = figure_bytes(defaults.at)
    result["errors"].update({text: f"{what} (second session)" for text, what in defaults.errors.items()
                             if text not in page.errors})
    result["profiles"] = profiles
    return result


# --- report --------------------------------------------------------------------------------------

def cell(s):
    """bench_lessons' rerun cell, with the median process CPU time of the same reruns."""
    return rerun_cell(s)[:-1] + f"; process CPU time median {s['cpu_median_ms']:.1f} ms)"


def table(results):
    """The Markdown table of all rows."""
    rows = []
    for i, (n, s) in enumerate(results["runs"].items()):
        rows.append((f"1{'ab'[i]}. run_minibatch: GD + SGD + mini-batch (3 runs) × {MAX_STEPS:,} steps, "
                     f"linear, n = {n}",
                     f"{s['median_ms']:.1f} ms median, max {s['max_ms']:.1f} ms ({s['runs']} runs; "
                     f"{s['compiles_while_timed']} compilations while timed)", "—", "INFO"))
    for i, (n, s) in enumerate(results["noise"].items()):
        rows.append((f"2{'ab'[i]}. gradient_noise: 200 estimates + spread for all powers of 2, linear, "
                     f"n = {n}",
                     f"{s['median_ms']:.1f} ms median, max {s['max_ms']:.1f} ms ({s['runs']} runs; "
                     f"{s['compiles_while_timed']} compilations while timed)", "—", "INFO"))
    page = results["page"]
    batch, rate = page["batch_change"], page["rate_change"]
    rows.append(("3. Page rerun after a change of the batch size B (AppTest)", cell(batch),
                 f"median < {RERUN_TARGET_MS:.0f} ms", verdict(batch["median_ms"] < RERUN_TARGET_MS)))
    rows.append(("4. Page rerun after a change of the mini-batch learning rate lr.mini (inspector at step 0)",
                 cell(rate), f"median < {RERUN_TARGET_MS:.0f} ms",
                 verdict(rate["median_ms"] < RERUN_TARGET_MS)))
    inspecting = page["rate_change_inspecting"]
    rows.append((f"4b. The same with the step inspector at step {page['inspect_step']} (noise_at misses too)",
                 cell(inspecting), f"median < {RERUN_TARGET_MS:.0f} ms",
                 verdict(inspecting["median_ms"] < RERUN_TARGET_MS)))
    timed = (batch, rate, inspecting)
    both = sum(s["compiles"] for s in timed)
    rows.append(("5a. XLA compilations during rows 3-4b (after warm-up)",
                 f"{both} in {sum(s['runs'] for s in timed)} changes", "0", verdict(both == 0)))
    other = page["other_widgets"]
    total = sum(w["compiles"] for w in other.values())
    moved = sum(w["moves"] for w in other.values())
    rows.append((f"5b. Every other slider / number box moved after warm-up ({', '.join(OTHERS)}, lr.gd, "
                 "lr.sgd; then B and lr.mini at n = 500 and 50, and on logistic)",
                 f"{total} compilations in {moved} moves (compiled: {offenders(other)})", "0",
                 verdict(total == 0)))
    found = ", ".join(f"{k}: {v}" for k, v in page["structure_compiles"].items())
    buttons = ", ".join(f"{k}: {v['compiles']} ({v['ms']:.0f} ms)" for k, v in page["buttons"].items())
    rows.append(("5c. First switch of a structure (n, model); buttons (for reference)",
                 f"first run {page['first_run_compiles']}, warm-up {page['warm_up_compiles']}; {found}; "
                 f"{buttons}", "—", "INFO"))
    state = page["defaults"]
    for key, label in (("figure_bytes_default", f"defaults ({state['steps']} steps, n = {state['n']}, "
                                                f"B = {state['batch']})"),
                       ("figure_bytes_1000_steps", f"{MAX_STEPS:,} steps")):
        parts = page[key]
        rows.append((f"6. Plotly JSON sent, {label}",
                     f"{sum(parts):,} B (charts: {', '.join(f'{p:,}' for p in parts)})",
                     f"< {BYTES_TARGET:,} B", verdict(sum(parts) < BYTES_TARGET)))
    errors = page["errors"]
    rows.append(("7. st.error shown on the page",
                 "; ".join(f"after {what}: {text}" for text, what in errors.items()) or "none", "none",
                 verdict(not errors)))
    return markdown_table(rows)


def main(argv=None):
    parser = argument_parser(__doc__.splitlines()[0],
                             "cProfile one rerun after a batch-size and one after a rate change")
    args = parser.parse_args(argv)
    repeats, changes, moves = (5, 5, 1) if args.quick else (20, 20, 3)

    line, info, clock = start_page_benchmark()
    # The page first, so that its first run and first switch of n compile what a fresh server would
    # (rows 1-2 call the same jitted functions with the same shapes).
    results = {"machine": info, "page": bench_page(clock, changes, moves, args.profile)}
    results["runs"] = {n: bench_runs(n, repeats) for n in SIZES}
    results["noise"] = {n: bench_noise(n, repeats) for n in SIZES}
    report(results, table(results), line, [("the page", results["page"])], results["page"]["profiles"],
           args.json)


if __name__ == "__main__":
    main()
