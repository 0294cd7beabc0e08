"""What every benchmark shares: timing, compile counting, the machine line and the table."""

import os
import platform
import socket
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"  # AppTest resolves relative paths against the caller's file: pass an absolute one
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed_ms(fn, repeats):
    """Wall times of ``repeats`` calls of fn(), in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def median_max(times):
    """'12.3 ms (max 45.6)' for a list of milliseconds."""
    return f"{statistics.median(times):,.1f} ms (max {max(times):,.1f})"


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
    return (f"Machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"jax {jax.__version__} on {jax.devices()[0].platform}, load average {load} (1/5/15 min).")


def verdict(ok):
    return "PASS" if ok else "MISS"


def markdown_table(header, rows):
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
