"""The server's rerun on every page after its main slider moves to values it has not had (AppTest).

Run from the repository root::

    .venv/bin/python -m bench.pages [--quick] [--json PATH]
"""

import numpy as np

from bench.harness import (
    arg_parser,
    find_widget,
    jax_events,
    median_max,
    open_page,
    page_problems,
    report,
    set_and_run,
    summary,
    verdict,
)

RERUN_TARGET_MS = 50.0
TRAIN_TARGET_MS = 1000.0
SLICE_TARGET_MS = 250.0  # the target for a 51 × 51 slice of a network's loss
DIVERGES_AT = 0.2  # larger SGD rates diverge on the default bowl (2 / λ_max), and the first computes a sweep
STAY_BELOW = {"sgd.learning_rate": DIVERGES_AT}
# (title, lesson folder, main slider's key, target median in ms, why the target differs)
PAGES = (
    ("Gradient descent", "gradient_descent", "sgd.learning_rate", RERUN_TARGET_MS, f"values < {DIVERGES_AT}"),
    ("Backpropagation", "backpropagation", "w1", RERUN_TARGET_MS, ""),
    ("Learning rate", "learning_rate", "lr.stable", RERUN_TARGET_MS, ""),
    ("Optimizer race", "optimizer_race", "steps", RERUN_TARGET_MS, ""),
    ("Mini-batches", "mini_batches", "batch", RERUN_TARGET_MS, ""),
    ("Overfitting", "overfitting", "dropout", TRAIN_TARGET_MS, "trains a network on every move"),
    ("Loss landscape", "loss_landscape", "extent", SLICE_TARGET_MS, "a new 51 × 51 slice on every move"),
)


def stops(widget):
    """Every value the slider can take, in order."""
    if widget.type == "select_slider":
        return [float(option) for option in widget.options]  # AppTest maps a value back by its label
    count = round((widget.max - widget.min) / widget.step)
    values = [round(widget.min + i * widget.step, 10) for i in range(count + 1)]
    return [int(v) for v in values] if isinstance(widget.value, int) else values


def fresh_values(widget, count, below=None):
    """``count`` values evenly spread over the slider's stops, leaving out the current one."""
    values = [v for v in stops(widget) if below is None or v < below]
    current = min(values, key=lambda v: abs(v - widget.value))
    values = [v for v in values if v != current]
    if count >= len(values):
        return values
    return [values[i] for i in np.linspace(0, len(values) - 1, count).round().astype(int)]


def measure_page(lesson, key, moves, below=None):
    """Open the page, move the slider once to warm up, then time ``moves`` moves to new values."""
    at = open_page(lesson)
    values = fresh_values(find_widget(at, key), moves + 1, below)
    problems = page_problems(at)
    set_and_run(at, key, values[0])
    problems += page_problems(at)
    times = []
    with jax_events() as events:
        for value in values[1:]:
            times.append(set_and_run(at, key, value))
            problems += page_problems(at)
    result = {"values": values[1:], **summary(times), "compiles": events.compiles, "traces": events.traces,
              "problems": sorted(set(problems))}
    return at, result


def first_divergence(at, key):
    """One rerun after the first rate that diverges: its time and compilations."""
    value = min(v for v in stops(find_widget(at, key)) if v > DIVERGES_AT)
    with jax_events() as events:
        ms = set_and_run(at, key, value)
    return {"value": value, "ms": ms, "compiles": events.compiles, "traces": events.traces,
            "diverged": any("Diverged" in w.value for w in at.warning),
            "problems": sorted(set(page_problems(at)))}


def shown(problems):
    """The errors a page showed, short enough for a table cell."""
    return "; ".join(p.splitlines()[0][:80].replace("|", "/") for p in problems) or "none"


def counts(result):
    """'compilations / traces' of a result."""
    return f"{result['compiles']} / {result['traces']}"


def page_row(title, key, target, why, result):
    """One row: the moves, the rerun's median and max, compilations / traces, errors and the verdict."""
    times = result["all_ms"]
    ok = (np.median(times) <= target and not result["compiles"] and not result["traces"]
          and not result["problems"])
    target_text = f"median ≤ {target:,.0f} ms, 0 / 0" + (f" ({why})" if why else "")
    return [title, f"`{key}`", len(times), median_max(times), counts(result), shown(result["problems"]),
            target_text, verdict(ok)]


def divergence_row(key, result):
    """The INFO row of the first diverging learning rate on the gradient-descent page."""
    said = "warning shown" if result["diverged"] else "no divergence warning"
    return ["Gradient descent: first divergence", f"`{key}` = {result['value']:g} ({said})", 1,
            f"{result['ms']:,.1f} ms", counts(result), shown(result["problems"]), "—", "INFO"]


def main(argv=None):
    """Measure every page and print the table."""
    args = arg_parser(__doc__).parse_args(argv)
    moves = 5 if args.quick else 20
    rows, results = [], {}
    for title, lesson, key, target, why in PAGES:
        below = STAY_BELOW.get(key)
        at, results[title] = measure_page(lesson, key, moves, below)
        rows.append(page_row(title, key, target, why, results[title]))
        if below is not None:
            results["first divergence"] = first_divergence(at, key)
            rows.append(divergence_row(key, results["first divergence"]))
    header = ["page", "slider", "moves", "`at.run()` (median, max)", "compiles / traces", "errors shown",
              "target", "result"]
    notes = [f"Each page opens in a fresh AppTest, moves its slider once to warm up, then to {moves} values "
             "it has not had; only `at.run()` is timed. Compiles and traces are counted during those moves."]
    report(header, rows, notes, results, args.json)


if __name__ == "__main__":
    main()
