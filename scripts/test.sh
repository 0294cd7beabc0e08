#!/usr/bin/env bash
# The whole test suite from a fresh checkout: a venv, the test requirements, Chromium for the
# browser tests (from Debian's packages when it is missing and we may install it), ruff, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "Installing Chromium from Debian's packages for the browser tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v apt-get >/dev/null && command -v sudo >/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Chromium at $CHROMIUM (Debian/Ubuntu: apt-get install -y chromium;"
    echo "elsewhere install Chromium and set CHROMIUM_PATH to its executable)." >&2
  fi
fi

.venv/bin/ruff check .
# Four processes (TEST_WORKERS to change), each a whole test file at a time (module fixtures stay
# together). Most of the time is XLA compiling, one core a process, but the browser and load tests
# wait on their servers: on 2 cores more processes keep the cores busy (cold cache, pytest: 2 processes
# 11m18, 3 processes 10m01, 4 processes 9m00, measured on 2026-12-03 and 2026-12-07).
.venv/bin/python -m pytest -n "${TEST_WORKERS:-4}" --dist loadfile "$@"
