"""What every benchmark shares: timing, JAX compile and trace counts, AppTest pages and the report."""

import argparse
import ast
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"  # AppTest resolves relative paths against the caller's file: pass an absolute one
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking"]
COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"  # an XLA compilation (jax/_src/dispatch.py)
TRACE_EVENT = "/jax/core/compile/jaxpr_trace_duration"  # a trace: may be served from the persistent cache
WIDGET_KINDS = ("slider", "select_slider", "number_input", "selectbox", "toggle")


class AppPage(NamedTuple):
    """A page of the router: its script, its URL path ("" for the default page) and its title."""

    file: str
    path: str
    title: str


def app_pages(app_py=APP):
    """Every st.Page in app.py, read from its source (nothing is imported): a new lesson is tested and
    benchmarked as soon as the router lists it."""
    pages = []
    for node in ast.walk(ast.parse(Path(app_py).read_text())):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page"):
            continue
        keywords = {k.arg: k.value for k in node.keywords}
        default = isinstance(keywords.get("default"), ast.Constant) and keywords["default"].value is True
        file = node.args[0].value
        path = keywords["url_path"].value.strip("/") if "url_path" in keywords else Path(file).parent.name
        pages.append(AppPage(file, "" if default else path, keywords["title"].value))
    return pages


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the real server ------------------------------------------------------------------------------

START_TIMEOUT_S = 120


def start_server(port, log_path=None, address="127.0.0.1", env=None):
    """``streamlit run serve.py`` (the README's command) on address:port, its output into log_path (or
    nowhere), with ``env`` added to the environment; the Popen."""
    command = [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
               "--server.address", address, "--server.headless", "true"]
    # The child keeps the log file open; it is closed with the process.
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})


def healthy(url):
    """True when the server's health endpoint answers "ok"."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


def wait_healthy(url, process=None, timeout_s=START_TIMEOUT_S):
    """Wait until url answers /_stcore/health; raise if the process exits or time runs out."""
    deadline = time.monotonic() + timeout_s
    while not healthy(url):
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with code {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer /_stcore/health within {timeout_s} s")
        time.sleep(0.25)


def stop_server(process):
    """Terminate a process, kill it if it does not stop in time."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def tracebacks(log_path):
    """The last line (the exception) of every traceback in a server log, in order."""
    found, inside = [], False
    for line in Path(log_path).read_text(errors="replace").splitlines():
        if line.startswith("Traceback (most recent call last)"):
            inside = True
        elif inside and line and not line.startswith((" ", "\t", "^", "~")):
            found.append(line.strip()[:200])
            inside = False
    return found


# --- timing ----------------------------------------------------------------------------------------

def timed_ms(fn, repeats=1):
    """Wall times of ``repeats`` calls of fn(), in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def summary(times):
    """Median, max and count of a list of milliseconds, for the JSON file."""
    return {"median_ms": statistics.median(times), "max_ms": max(times), "runs": len(times), "all_ms": times}


def median_max(values, unit="ms", digits=1):
    """'12.3 ms (max 45.6)' for a list of values."""
    return f"{statistics.median(values):,.{digits}f} {unit} (max {max(values):,.{digits}f})"


# --- JAX compilations and traces -------------------------------------------------------------------

@dataclass
class Events:
    """How many XLA compilations and JAX traces happened."""

    compiles: int = 0
    traces: int = 0

    def __str__(self):
        return f"{self.compiles} / {self.traces}"

    def __bool__(self):
        return bool(self.compiles or self.traces)


TOTAL = Events()
_registered = False


def _listener(event, duration, **kwargs):
    """Count the two events this harness cares about."""
    if event == COMPILE_EVENT:
        TOTAL.compiles += 1
    elif event == TRACE_EVENT:
        TOTAL.traces += 1


def _register():
    """Register the one listener of this process and check that this jax still reports both events."""
    global _registered
    if _registered:
        return
    import jax
    import jax.numpy as jnp

    jax.monitoring.register_event_duration_secs_listener(_listener)
    _registered = True
    before = Events(TOTAL.compiles, TOTAL.traces)
    jax.jit(lambda x: x * 3.0 + float(time.time_ns() % 997))(jnp.ones(3)).block_until_ready()
    if TOTAL.compiles == before.compiles or TOTAL.traces == before.traces:
        raise RuntimeError(f"jax {jax.__version__} did not report {COMPILE_EVENT!r} and {TRACE_EVENT!r}")


@contextmanager
def jax_events():
    """Count compilations and traces inside the block: yields an Events, filled in when the block ends."""
    _register()
    before = Events(TOTAL.compiles, TOTAL.traces)
    counted = Events()
    try:
        yield counted
    finally:
        counted.compiles = TOTAL.compiles - before.compiles
        counted.traces = TOTAL.traces - before.traces


# --- AppTest ---------------------------------------------------------------------------------------

def open_page(lesson):
    """An AppTest of the app showing ``pages/<lesson>/page.py``, after its first run."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()  # the router must run once, or switch_page leaves AppTest on the default page
    at.switch_page(f"pages/{lesson}/page.py")
    at.run()
    return at


def find_widget(at, key):
    """The slider, select slider, number box, select box or toggle with this key."""
    for kind in WIDGET_KINDS:
        for widget in getattr(at, kind):
            if widget.key == key:
                return widget
    raise KeyError(f"no widget with key {key!r} on this page")


def timed_run(at):
    """Milliseconds of one ``at.run()``."""
    return timed_ms(at.run)[0]


def set_and_run(at, key, value):
    """Set the widget ``key`` to ``value`` and rerun: milliseconds of the rerun."""
    find_widget(at, key).set_value(value)
    return timed_run(at)


def page_problems(at):
    """The messages of every st.error and exception the page shows now."""
    return [e.value for e in at.error] + [e.message for e in at.exception]


# --- the report ------------------------------------------------------------------------------------

def cpu_model():
    """The CPU's model name from /proc/cpuinfo, or platform's guess."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_line():
    """CPU, cores, Python, jax and the load average, as one line under a table."""
    import jax

    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    devices = ", ".join(str(d) for d in jax.devices())
    return (f"Machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"jax {jax.__version__} on {devices}, load average {load} (1/5/15 min).")


def verdict(ok):
    """PASS or MISS."""
    return "PASS" if ok else "MISS"


def markdown_table(header, rows):
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def arg_parser(doc, quick=True):
    """The command line every benchmark takes: --json PATH, and --quick where it has one."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    if quick:
        parser.add_argument("--quick", action="store_true", help="fewer repeats and moves: a smoke test")
    parser.add_argument("--json", type=Path, help="write every number to this file")
    return parser


def report(header, rows, notes, results, json_path):
    """Print the table, the notes and the machine line; write ``results`` to ``json_path`` if given."""
    print(markdown_table(header, rows))
    print()
    for note in notes:
        print(note)
    print(machine_line())
    if json_path:
        json_path.write_text(json.dumps(results, indent=1, default=str))


TIMED_HEADER = ["row", "wall time (median, max)", "compiles / traces", "target", "result"]


def after_warmup(fn, repeats):
    """Call fn once to compile, then time ``repeats`` calls: (milliseconds, Events while timed)."""
    fn()
    with jax_events() as events:
        times = timed_ms(fn, repeats)
    return times, events


def timed_row(name, times, events, target, strict):
    """One table row: the times, the compilations and traces while timed, the target (median below it,
    or at most it where not ``strict``; None for INFO) and the result."""
    if target is None:
        return [name, median_max(times), str(events), "—", "INFO"]
    median = float(statistics.median(times))
    return [name, median_max(times), str(events), f"median {'<' if strict else '≤'} {target:,.0f} ms",
            verdict(median < target if strict else median <= target)]


def time_cases(cases, quick, strict=False):
    """Time (name, factory, repeats, quick repeats, target) cases after warm-up: (rows, results, and
    the total Events)."""
    rows, results, total = [], {}, Events()
    for name, factory, repeats, quick_repeats, target in cases:
        times, events = after_warmup(factory(), quick_repeats if quick else repeats)
        rows.append(timed_row(name, times, events, target, strict))
        results[name] = {**summary(times), "compiles": events.compiles, "traces": events.traces}
        total = Events(total.compiles + events.compiles, total.traces + events.traces)
    return rows, results, total
