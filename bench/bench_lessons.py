"""Lesson-page benchmark: the learning-rate sweep, the two lesson pages' reruns, compilations, bytes.

Run from the repository root::

    .venv/bin/python -m bench.bench_lessons [--json PATH] [--quick] [--profile]

Prints a Markdown table (row, measured value, target, PASS / MISS / INFO) and a line naming the
machine. The machine line, the compile counter and the timing helpers come from
``bench.bench_foundation``. ``--profile`` adds a cProfile of one rerun of each timed kind (a rate
change and a step-count change on the learning-rate page, a learning-rate change in the race).
"""

import cProfile
import io
import json
import logging
import os
import pstats
import re
import statistics
import time
from pathlib import Path

import jax
import numpy as np

from bench.bench_foundation import (
    APP,
    BYTES_TARGET,
    COMPILE_EVENT,
    COMPILES,
    ROOT,
    ScriptClock,
    argument_parser,
    check_compile_event,
    figure_bytes,
    fresh_values,
    machine,
    markdown_table,
    summary,
    timed_ms,
    verdict,
)
from engine import SCHEDULES, log_rates, sweep
from landscapes import LANDSCAPES
from optimizers.base import LEARNING_RATE
from ui.compute import divergence_box

LR_PAGE = "pages/learning_rate.py"
RACE_PAGE = "pages/optimizer_race.py"
SWEEP_COUNT = 241  # the page's sweep: 241 log-spaced rates over the slider's range, 1e-4 to 10
SWEEP_STEPS = (200, 1000)  # the page's default step count, and the slider's maximum
SWEEP_LANDSCAPES = ("trap", "quadratic")
TOLERANCE = 1e-3  # the page's "reached J* + 0.001"
SWEEP_TARGET_MS = 100.0
RERUN_TARGET_MS = 100.0
WIDGET_KINDS = ("select_slider", "slider", "number_input", "selectbox", "radio", "toggle")


class CompileClock:
    """A jax.monitoring listener adding up the seconds of backend (XLA) compilations.

    It sits beside bench_foundation's COMPILES counter (same event): the counter says how many, this
    says how long, so a rerun's time can be split into XLA compilation and the rest.
    """

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, event, duration, **kwargs):
        if event == COMPILE_EVENT:
            self.seconds += duration


COMPILE_TIME = CompileClock()
jax.monitoring.register_event_duration_secs_listener(COMPILE_TIME)


# --- row 1: engine.sweep as the learning-rate page calls it --------------------------------------

def bench_sweep(landscape_key, steps, repeats):
    """engine.sweep over SWEEP_COUNT rates x ``steps`` steps, SGD, from the landscape's start.

    The same arguments as ``ui.compute.rate_sweep`` builds (box, target, float32 theta), but called
    directly: no st.cache_data in between, so every call computes.
    """
    landscape = LANDSCAPES[landscape_key]
    rates = log_rates(LEARNING_RATE.min, LEARNING_RATE.max, SWEEP_COUNT)
    starts = np.tile(np.asarray(landscape.start, np.float32), (SWEEP_COUNT, 1))
    theta = np.asarray(landscape.theta(), np.float32)
    target = landscape.min_value + TOLERANCE

    def once():
        return sweep(landscape.fn_with, "sgd", {"learning_rate": rates}, starts, steps, (theta,),
                     divergence_box(landscape), None, target)

    before = COMPILES.count
    once()  # compile
    first_compiles = COMPILES.count - before
    before = COMPILES.count
    result = summary(timed_ms(once, repeats))
    result.update(compiles_first_call=first_compiles, compiles_while_timed=COMPILES.count - before)
    return result


# --- rows 2-5: the pages through AppTest ---------------------------------------------------------

class Page:
    """One AppTest session on one lesson page: move widgets to values it has not seen, time reruns.

    The page is selected before the first run, so it starts from its own defaults (a session that
    came from another page would carry that page's shared widgets, such as "landscape" and "steps").
    """

    def __init__(self, path, clock):
        from streamlit.testing.v1 import AppTest

        self.path, self.clock = path, clock
        self.at = AppTest.from_file(str(APP), default_timeout=120)
        self.at.switch_page(path)
        self.used = {}
        self.errors = {}  # st.error text -> the change after which it first showed
        before = COMPILES.count
        self.first_ms, _ = self.run()
        self.first_compiles = COMPILES.count - before
        self.default_bytes = figure_bytes(self.at)
        self.default_state = {"landscape": self.widget("landscape").value,
                              "steps": self.widget("steps").value}

    def run(self, what="rerun"):
        """One at.run(): (wall ms, script-thread ms); fails on an uncaught exception."""
        start = time.perf_counter()
        self.at.run()
        wall = (time.perf_counter() - start) * 1e3
        if self.at.exception:
            raise RuntimeError(f"{self.path} after {what}: {[e.value for e in self.at.exception]}")
        for error in self.at.error:  # the page caught it and said so: keep going, report it
            self.errors.setdefault(error.value, what)
        return wall, self.clock.times[-1]

    def widget(self, key):
        for kind in WIDGET_KINDS:
            for element in self.at.get(kind):
                if element.key == key:
                    return element
        raise KeyError(f"no widget with key {key!r} on {self.path}")

    def stops(self, key, most=2001):
        """The values a widget can take: a select slider's stops, a slider's or number box's steps
        (the first ``most`` of them), as ints where the widget holds ints."""
        element = self.widget(key)
        if element.type == "select_slider":
            return [float(option) for option in element.options]  # labels are f"{v:.6g}": exact
        if element.type not in ("slider", "number_input"):
            raise TypeError(f"{key!r} is a {element.type}, not a slider or a number box")
        low, step = element.min, element.step
        count = min(int(round((element.max - low) / step)) + 1, most)
        if isinstance(element.value, int):
            return [int(low) + i * int(step) for i in range(count)]
        return [round(low + i * step, 6) for i in range(count)]

    def fresh(self, key, count):
        """Up to ``count`` values of a widget never set before in this session (nor its first value)."""
        used = self.used.setdefault(key, {self.widget(key).value})
        free = [v for v in self.stops(key) if v not in used]
        if count + 2 <= len(free):  # spread over the range, its two ends left out
            values = fresh_values(free, used, count + 2)[1:-1]
        else:
            values = fresh_values(free, used, len(free))
        used.update(values)
        return values

    def set(self, key, value):
        self.widget(key).set_value(value)

    def change(self, key, value):
        """Set one widget and rerun: wall ms, script-thread ms, compilations during the rerun and
        the ms they took (XLA only: tracing and lowering are not in it)."""
        self.set(key, value)
        before, seconds = COMPILES.count, COMPILE_TIME.seconds
        wall, script = self.run(f"{key} = {value!r}")
        return wall, script, COMPILES.count - before, (COMPILE_TIME.seconds - seconds) * 1e3

    def sweep_values(self, key, values):
        """change() through ``values``: the times and the compilations, per value and in total."""
        walls, scripts, compiles, compile_ms = [], [], [], []
        for value in values:
            wall, script, count, ms = self.change(key, value)
            walls.append(wall)
            scripts.append(script)
            compiles.append(count)
            compile_ms.append(ms)
        result = summary(walls) if walls else {"runs": 0}
        result.update(script_thread_median_ms=statistics.median(scripts) if scripts else None,
                      xla_compile_median_ms=statistics.median(compile_ms) if compile_ms else None,
                      compiles=sum(compiles), compiles_per_change=compiles, values=list(values),
                      times_ms=walls, xla_compile_ms=compile_ms)
        return result

    def structure(self, key, value):
        """Switch a structural widget (surface, optimizer, schedule, start mode); its compilations."""
        return self.change(key, value)[2]

    def moves(self, keys, count):
        """Each widget in ``keys`` to ``count`` unused values: compilations and reruns per widget."""
        found = {}
        for key in keys:
            changes = [self.change(key, value) for value in self.fresh(key, count)]
            found[key] = {"moves": len(changes), "compiles": sum(c[2] for c in changes),
                          "median_ms": statistics.median(c[0] for c in changes) if changes else None}
        return found

    def click(self, label_start):
        """Click the button whose label starts with ``label_start``: wall ms and compilations."""
        button = next(b for b in self.at.get("button") if b.label.startswith(label_start))
        button.click()
        before = COMPILES.count
        wall, _ = self.run(f"clicking {label_start!r}")
        return wall, COMPILES.count - before

    def profile(self, key, value):
        """cProfile of the script thread during one change of ``key``: the report as text."""
        self.clock.profiler = cProfile.Profile()
        try:
            wall, _, compiles, _ = self.change(key, value)
        finally:
            profiler, self.clock.profiler = self.clock.profiler, None
        stream = io.StringIO()
        stream.write(f"{self.path}, {key} = {value!r}: {wall:.1f} ms wall, {compiles} compilations.\n")
        stats = pstats.Stats(profiler, stream=stream).sort_stats("cumulative")
        stats.print_stats(20)
        stream.write("The same rerun, the project's own functions only (top 20, cumulative):\n")
        stats.print_stats(re.escape(str(ROOT)) + r"/(?!\.venv/)", 20)
        return stream.getvalue()


class OncePerMessage(logging.Filter):
    """Let each distinct log message through once: the pages log a traceback per caught failure."""

    def __init__(self):
        super().__init__()
        self.seen = set()

    def filter(self, record):
        message = record.getMessage()
        if message in self.seen:
            return False
        self.seen.add(message)
        return True


def warm_up(page, keys):
    """One change of each kind of widget after the first run, then each back to its first value, so
    that what is timed next runs at the page's defaults. Returns the compilations (not judged)."""
    before = COMPILES.count
    first = {key: page.widget(key).value for key in keys}
    for key in keys:
        page.change(key, page.fresh(key, 1)[0])
    for key, value in first.items():
        page.change(key, value)
    return COMPILES.count - before


def bench_lr_page(clock, changes, moves, profile):
    """Rows 2, 4a, 5a: the learning-rate page."""
    page = Page(LR_PAGE, clock)
    landscape = page.default_state["landscape"]
    result = {"first_run_ms": page.first_ms, "first_run_compiles": page.first_compiles,
              "defaults": page.default_state, "figure_bytes_default": page.default_bytes}
    result["warm_up_compiles"] = warm_up(page, ["lr.stable", "steps", f"x0.{landscape}", "inspect"])
    result["rate_change"] = page.sweep_values("lr.stable", page.fresh("lr.stable", changes))
    result["steps_change"] = page.sweep_values("steps", page.fresh("steps", changes))
    profiles = []
    if profile:
        profiles.append(page.profile("lr.stable", page.fresh("lr.stable", 1)[0]))
        profiles.append(page.profile("steps", page.fresh("steps", 1)[0]))

    # Row 4a: every other slider and number box, each structure (surface, schedule) seen first.
    structure, other = {}, {}
    other.update(page.moves(["lr.small", "lr.large", f"x0.{landscape}", f"y0.{landscape}", "inspect",
                             "steps"], moves))
    structure["landscape=quadratic"] = page.structure("landscape", "quadratic")
    other.update(page.moves(["quadratic.condition", "quadratic.angle", "x0.quadratic", "y0.quadratic",
                             "lr.stable", "steps"], moves))
    for kind in (k for k in SCHEDULES if k != "constant"):
        structure[f"schedule={kind}"] = page.structure("schedule", kind)
        params = [f"schedule.{kind}.{h.name}" for h in SCHEDULES[kind].params]
        other.update({f"{key} ({kind})" if key == "steps" else key: found
                      for key, found in page.moves(params + ["steps"], moves).items()})
    structure["schedule=constant"] = page.structure("schedule", "constant")
    result.update(structure_compiles=structure, other_widgets=other)

    buttons = {}  # INFO: the lecture's presets set a surface, a start, three rates and a step count
    for name in ("small", "large", "stable"):
        wall, compiles = page.click({"small": "🐢", "large": "💥", "stable": "✅"}[name])
        buttons[f"preset {name}"] = {"ms": wall, "compiles": compiles,
                                     "steps": page.widget("steps").value}
    result["buttons"] = buttons
    result["profiles"] = profiles
    result["errors"] = page.errors
    return result


RACE_OTHERS = ("race.sgd.learning_rate", "race.momentum.learning_rate", "race.nesterov.learning_rate",
               "race.nesterov.momentum", "race.adagrad.learning_rate", "race.adagrad.eps",
               "race.adagrad.initial_accumulator_value", "race.rmsprop.learning_rate",
               "race.rmsprop.decay", "race.rmsprop.eps", "race.adadelta.learning_rate",
               "race.adadelta.rho", "race.adadelta.eps", "race.adam.b1", "race.adam.b2", "race.adam.eps")


def bench_race_page(clock, changes, moves, profile):
    """Rows 3, 4b, 5b: the optimizer race."""
    page = Page(RACE_PAGE, clock)
    landscape = page.default_state["landscape"]
    result = {"first_run_ms": page.first_ms, "first_run_compiles": page.first_compiles,
              "defaults": page.default_state, "figure_bytes_default": page.default_bytes}
    result["warm_up_compiles"] = warm_up(page, ["race.adam.learning_rate", "steps", f"x0.{landscape}",
                                                "inspect"])
    result["adam_rate_change"] = page.sweep_values("race.adam.learning_rate",
                                                   page.fresh("race.adam.learning_rate", changes))
    # The momentum slider has only 16 stops (0 ... 0.999), so at most 15 values are new.
    result["momentum_change"] = page.sweep_values("race.momentum.momentum",
                                                  page.fresh("race.momentum.momentum", changes))
    profiles = []
    if profile:
        profiles.append(page.profile("race.adam.learning_rate",
                                     page.fresh("race.adam.learning_rate", 1)[0]))

    structure, other = {}, {}
    other.update(page.moves(list(RACE_OTHERS) + [f"x0.{landscape}", f"y0.{landscape}", "inspect",
                                                 "steps"], moves))
    toggle = page.widget("log_loss")
    wall, _, compiles, _ = page.change("log_loss", not toggle.value)
    other["log_loss"] = {"moves": 1, "compiles": compiles, "median_ms": wall}
    structure["start_mode=random"] = page.structure("start_mode", "random")
    other.update(page.moves(["seed", "sigma"], moves))
    structure["start_mode=typed"] = page.structure("start_mode", "typed")
    structure["landscape=quadratic"] = page.structure("landscape", "quadratic")
    other.update({f"{key} (quadratic)" if key == "steps" else key: found for key, found in
                  page.moves(["quadratic.condition", "quadratic.angle", "x0.quadratic", "y0.quadratic",
                              "steps"], moves).items()})
    result.update(structure_compiles=structure, other_widgets=other)

    # INFO: the fair-comparison button sweeps every optimizer at the race's step count.
    buttons = {}
    wall, compiles = page.click("⚖️")
    buttons["fair comparison, first click"] = {"ms": wall, "compiles": compiles,
                                               "steps": page.widget("steps").value}
    page.change("steps", page.fresh("steps", 1)[0])
    wall, compiles = page.click("⚖️")
    buttons["fair comparison at a new step count"] = {"ms": wall, "compiles": compiles,
                                                      "steps": page.widget("steps").value}
    result["buttons"] = buttons
    result["profiles"] = profiles
    result["errors"] = page.errors
    return result


# --- report --------------------------------------------------------------------------------------

def rerun_cell(s):
    compiling = (f", of which XLA compilation median {s['xla_compile_median_ms']:.0f} ms"
                 if s["compiles"] else "")
    return (f"median {s['median_ms']:.1f} ms, max {s['max_ms']:.1f} ms "
            f"(script thread median {s['script_thread_median_ms']:.1f} ms{compiling}; "
            f"{s['runs']} changes)")


def offenders(widgets):
    """'key: n' for each widget whose moves compiled, or 'none'."""
    found = [f"{key}: {w['compiles']}" for key, w in widgets.items() if w["compiles"]]
    return ", ".join(found) if found else "none"


def table(results):
    """The Markdown table of all rows."""
    rows = []
    for i, (key, s) in enumerate(results["sweep"].items()):
        landscape, steps = key.split("@")
        rows.append((f"1{'abcd'[i]}. Sweep {SWEEP_COUNT} rates × {int(steps):,} steps (engine.sweep, sgd, "
                     f"{landscape})",
                     f"{s['median_ms']:.1f} ms median, max {s['max_ms']:.1f} ms ({s['runs']} runs; "
                     f"{s['compiles_while_timed']} compilations while timed)",
                     f"< {SWEEP_TARGET_MS:.0f} ms", verdict(s["median_ms"] < SWEEP_TARGET_MS)))
    lr, race = results["lr_page"], results["race_page"]
    rate, steps = lr["rate_change"], lr["steps_change"]
    rows.append(("2a. Learning-rate page rerun after a change of lr.stable (AppTest)", rerun_cell(rate),
                 f"median < {RERUN_TARGET_MS:.0f} ms", verdict(rate["median_ms"] < RERUN_TARGET_MS)))
    rows.append(("2b. Learning-rate page rerun after a change of steps (a new sweep each time)",
                 rerun_cell(steps), f"median < {RERUN_TARGET_MS:.0f} ms",
                 verdict(steps["median_ms"] < RERUN_TARGET_MS)))
    rows.append(("2c. XLA compilations during the lr.stable changes", str(rate["compiles"]), "0",
                 verdict(rate["compiles"] == 0)))
    rows.append(("2d. XLA compilations during the steps changes",
                 f"{steps['compiles']} in {steps['runs']} changes", "0", verdict(steps["compiles"] == 0)))
    adam, momentum = race["adam_rate_change"], race["momentum_change"]
    rows.append(("3a. Race rerun after a change of race.adam.learning_rate", rerun_cell(adam),
                 f"median < {RERUN_TARGET_MS:.0f} ms", verdict(adam["median_ms"] < RERUN_TARGET_MS)))
    rows.append(("3b. Race rerun after a change of race.momentum.momentum (all its unused stops)",
                 rerun_cell(momentum), f"median < {RERUN_TARGET_MS:.0f} ms",
                 verdict(momentum["median_ms"] < RERUN_TARGET_MS)))
    both = adam["compiles"] + momentum["compiles"]
    rows.append(("3c. XLA compilations during those race changes", str(both), "0", verdict(both == 0)))
    for label, page in (("4a. Learning-rate page", lr), ("4b. Race page", race)):
        other = page["other_widgets"]
        total = sum(w["compiles"] for w in other.values())
        moved = sum(w["moves"] for w in other.values())
        rows.append((f"{label}: every other slider / number box moved after warm-up ({len(other)} widgets)",
                     f"{total} compilations in {moved} moves (compiled: {offenders(other)})", "0",
                     verdict(total == 0)))
    for label, page in (("4c. Learning-rate page", lr), ("4d. Race page", race)):
        found = ", ".join(f"{k}: {v}" for k, v in page["structure_compiles"].items())
        buttons = ", ".join(f"{k}: {v['compiles']} ({v['ms']:.0f} ms, steps {v['steps']})"
                            for k, v in page["buttons"].items())
        rows.append((f"{label}: first switch of a structure; buttons (for reference)",
                     f"first run {page['first_run_compiles']}, warm-up {page['warm_up_compiles']}; "
                     f"{found}; {buttons}", "—", "INFO"))
    for label, page in (("5a. Plotly JSON sent, learning-rate page", lr), ("5b. Plotly JSON sent, race page",
                                                                          race)):
        parts = page["figure_bytes_default"]
        state = page["defaults"]
        rows.append((f"{label} (defaults: {state['landscape']}, {state['steps']} steps)",
                     f"{sum(parts):,} B (charts: {', '.join(f'{p:,}' for p in parts)})",
                     f"< {BYTES_TARGET:,} B", verdict(sum(parts) < BYTES_TARGET)))
    for label, page in (("6a. st.error shown on the learning-rate page", lr),
                        ("6b. st.error shown on the race page", race)):
        errors = page["errors"]
        found = "; ".join(f"after {what}: {text}" for text, what in errors.items()) or "none"
        rows.append((label, found, "none", verdict(not errors)))
    return markdown_table(rows)


def start_page_benchmark():
    """The set-up every page benchmark shares: machine line, compile-event check, clock, quiet logs."""
    line, info = machine()
    check_compile_event()
    clock = ScriptClock()
    logging.getLogger("loss_landscape_lab").addFilter(OncePerMessage())
    return line, info, clock


def report(results, table_text, line, first_runs, profiles, json_path):
    """Print the table, the machine and load, each page's first run and profiles; write JSON if asked."""
    results["load_average_at_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    print(table_text)
    print()
    print(line)
    end = results["load_average_at_end"]
    if end:
        print(f"Load average at the end {' / '.join(f'{x:.2f}' for x in end)} (1/5/15 min).")
    for label, page in first_runs:
        print(f"First run of {label} (imports, compilation): {page['first_run_ms']:.0f} ms, "
              f"{page['first_run_compiles']} compilations.")
    for text in profiles:
        print("\ncProfile of one rerun's script thread (top 20, cumulative):\n")
        print(text)
    if json_path:
        Path(json_path).write_text(json.dumps(results, indent=2, default=float))
        print(f"Wrote {json_path}")


def main(argv=None):
    parser = argument_parser(__doc__.splitlines()[0],
                             "cProfile one rerun of each timed kind (top 20 by cumulative time)")
    args = parser.parse_args(argv)
    repeats, changes, moves = (5, 5, 1) if args.quick else (20, 20, 3)

    line, info, clock = start_page_benchmark()
    results = {"machine": info, "sweep": {}}
    for landscape in SWEEP_LANDSCAPES:
        for steps in SWEEP_STEPS:
            results["sweep"][f"{landscape}@{steps}"] = bench_sweep(landscape, steps, repeats)
    results["lr_page"] = bench_lr_page(clock, changes, moves, args.profile)
    results["race_page"] = bench_race_page(clock, changes, moves, args.profile)
    report(results, table(results), line,
           [(key, results[key]) for key in ("lr_page", "race_page")],
           results["lr_page"]["profiles"] + results["race_page"]["profiles"], args.json)


if __name__ == "__main__":
    main()
