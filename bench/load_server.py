"""App servers for the load tests: start ``streamlit run serve.py`` on a loopback port, wait until it
answers, stop it, and read the tracebacks it logged."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.harness import ROOT

START_TIMEOUT_S = 120


def start_server(port, log_path, address="127.0.0.1"):
    """``streamlit run serve.py`` on address:port, stdout and stderr into log_path; the Popen."""
    command = [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
               "--server.address", address, "--server.headless", "true"]
    log = open(log_path, "ab")  # noqa: SIM115 - the child keeps it; closed with the process
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


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


def stop(process):
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
