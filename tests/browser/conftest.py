"""Browser tests: the real Streamlit server, driven in the system's headless Chromium.

Never downloads a browser: Playwright launches the Chromium at ``CHROMIUM_PATH`` (default
``/usr/bin/chromium``) and the tests fail, loudly, where it is missing.
"""

import os
import tempfile
import time
from pathlib import Path

import pytest

from bench.harness import free_port, healthy, start_server, stop_server

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking"]
VIEWPORT = {"width": 1280, "height": 720}  # a classroom projector
SERVER_START_TIMEOUT_S = 90
PAGE_TIMEOUT_MS = 60_000

APP = '[data-testid="stApp"]'
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PLOT = ".js-plotly-plot"
COMPONENT = "ui.player.path_player"  # the path player and the charts: plotly.js in their own frames
# stException: an uncaught traceback; stAlertContentError: st.error, which ui.errors.friendly_errors
# shows when a part of a page failed.
ERROR_ELEMENTS = '[data-testid="stException"], [data-testid="stAlertContentError"]'

_SERVER_LOG = {"path": None}


def server_log_tail(lines=40):
    """The last lines the Streamlit server wrote to stderr (empty before it started)."""
    path = _SERVER_LOG["path"]
    if path is None or not Path(path).exists():
        return ""
    return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="session")
def server():
    """Start ``streamlit run serve.py`` (the README's command) on a free port; yield its base URL; stop it."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(prefix="streamlit-stderr-", suffix=".log", delete=False)
    _SERVER_LOG["path"] = log.name
    process = start_server(port, log.name)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not healthy(base_url):
            if process.poll() is not None:
                pytest.fail(f"streamlit exited with code {process.returncode} before answering "
                            f"/_stcore/health.\n--- server stderr ---\n{server_log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer {base_url}/_stcore/health within "
                            f"{SERVER_START_TIMEOUT_S} s.\n--- server stderr ---\n{server_log_tail()}")
            time.sleep(0.25)
        yield base_url
    finally:
        stop_server(process)
        log.close()


@pytest.fixture(scope="session")
def browser():
    """The system Chromium, headless, launched once for the session."""
    if not Path(CHROMIUM).exists():
        where = "on the CI runner" if os.environ.get("CI") else "on this machine"
        pytest.fail(f"Chromium not found at {CHROMIUM} {where}. Install it with "
                    "`apt-get install -y chromium` (or point CHROMIUM_PATH at a Chromium binary). "
                    "Never run `playwright install`: these tests use the system browser and are "
                    "never skipped silently.", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


FIRST_VISIT = {}


@pytest.fixture(scope="session")
def warm_server(server, browser):
    """Follow a link to a lesson as the very first visitor after the server started, and keep what that
    visitor saw (``FIRST_VISIT``, checked by test_pages.py): before serve.py told Streamlit that the
    pages come from st.navigation, this visitor got a "Page not found" dialog over the right page."""
    context = browser.new_context(viewport=VIEWPORT)
    first = context.new_page()
    first.goto(f"{server}/learning-rate")
    first.wait_for_selector(APP_IDLE, timeout=PAGE_TIMEOUT_MS)
    first.locator(".st-key-player iframe").wait_for(timeout=PAGE_TIMEOUT_MS)
    FIRST_VISIT.update(url=first.url, title=first.locator("h1").first.inner_text(),
                       not_found=first.get_by_text("Page not found").count())
    context.close()
    return server


@pytest.fixture
def page(browser, warm_server, request):
    """A fresh browser context (so a fresh Streamlit session) at 1280 x 720."""
    context = browser.new_context(viewport=VIEWPORT)
    new_page = context.new_page()
    new_page.set_default_timeout(PAGE_TIMEOUT_MS)
    errors = []
    new_page.on("pageerror", lambda error: errors.append(str(error)))
    request.node.browser_page_errors = errors
    yield new_page
    context.close()


def wait_until_idle(page, quiet_ms=500, timeout_ms=PAGE_TIMEOUT_MS):
    """Wait until the script has been in state notRunning for ``quiet_ms`` without a break.

    A widget change can queue several reruns (one per key press); between two of them the state
    flips to notRunning for a moment, so a single look at the attribute is not enough.
    """
    page.wait_for_function(
        """([selector, quietMs]) => {
            const app = document.querySelector(selector);
            const idle = app && app.getAttribute('data-test-script-state') === 'notRunning';
            if (!idle) { window.__idleSince = null; return false; }
            window.__idleSince = window.__idleSince || performance.now();
            return performance.now() - window.__idleSince >= quietMs;
        }""",
        arg=[APP, quiet_ms], polling=100, timeout=timeout_ms)


def frame_of(page, key):
    """The frame of the player or chart drawn with ``key`` (Streamlit marks its box st-key-<key>)."""
    handle = page.locator(f".st-key-{key} iframe").element_handle(timeout=PAGE_TIMEOUT_MS)
    frame = handle.content_frame()
    frame.wait_for_function("() => document.querySelector('.js-plotly-plot .main-svg')",
                            timeout=PAGE_TIMEOUT_MS)
    return frame


def charts_drawn(page):
    """How many of the page's component frames have drawn a Plotly chart."""
    return sum(1 for frame in page.frames if COMPONENT in frame.url
               and frame.evaluate("() => !!document.querySelector('.js-plotly-plot .main-svg')"))


def open_page(page, url):
    """Go to ``url``; wait for the script to finish and every chart to be drawn; no error shown."""
    page.goto(url)
    page.wait_for_selector(APP_IDLE, timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function(f"""() => {{
        const frames = [...document.querySelectorAll('iframe[title="{COMPONENT}"]')];
        return frames.length > 0 && frames.every(f => {{
            try {{ return !!f.contentDocument.querySelector('.js-plotly-plot .main-svg'); }}
            catch (e) {{ return false; }} }});
    }}""", polling=100, timeout=PAGE_TIMEOUT_MS)
    wait_until_idle(page)
    frames = [frame for frame in page.frames if COMPONENT in frame.url]
    failed = [frame.evaluate("() => document.getElementById('readout').textContent") for frame in frames
              if frame.evaluate("() => document.body.classList.contains('failed')")]
    assert not failed, f"{url}: a chart could not draw: {failed}"
    errors = page.locator(ERROR_ELEMENTS)
    assert errors.count() == 0, (f"{url} shows an error element:\n" + "\n".join(errors.all_inner_texts())
                                 + f"\n--- server stderr ---\n{server_log_tail()}")
    return page


def pytest_collection_modifyitems(config, items):
    """Everything under tests/browser carries the ``browser`` marker."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, attach the server's stderr tail and the page's uncaught JS errors."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and Path(__file__).parent in Path(str(item.path)).parents:
        report.sections.append(("streamlit server stderr (tail)", server_log_tail() or "(empty)"))
        page_errors = getattr(item, "browser_page_errors", None)
        if page_errors:
            report.sections.append(("uncaught errors in the page", "\n".join(page_errors)))
