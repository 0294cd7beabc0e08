"""What a person feels: the real server driven in the system's headless Chromium.

Run from the repository root::

    .venv/bin/python -m bench.browser [--presses 8] [--pages gd,race] [--json PATH]

For every page and its main slider it presses ArrowRight on the slider ``--presses`` times and
measures, per press: key press -> charts settled (the last change inside a chart, seen by a
MutationObserver in every frame, in the browser's own clock), bytes received on the websocket,
main-thread long tasks (a PerformanceObserver), and the server's rerun (the rerun request sent
-> its "script finished" message, read from the websocket with Streamlit's own protobuf classes).
It also starts the server twice, with an empty and with a warm JAX compilation cache, and times
the first chart. Prints the table with the targets and PASS / MISS.
"""

import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    arg_parser,
    free_port,
    healthy,
    median_max,
    report,
    start_server,
    stop_server,
    verdict,
)

VIEWPORT = {"width": 1280, "height": 720}
FIRST_CHART_STARTS = 3  # server starts with a warm cache: a start's time varies by a second here
QUIET_MS = 600  # no chart change and no rerun for this long: the chart has settled
TARGETS = {"settle_median": 300.0, "settle_max": 600.0, "bytes": 100_000, "long_tasks": 200.0,
           "first_chart": 6.0, "rerun": 50.0}
# (page title, URL path, label of the slider a student moves first)
PAGES = (
    ("Gradient descent", "", "learning rate η"),
    ("Backpropagation", "backpropagation", "weight w₁"),
    ("Learning rate", "learning-rate", "stable η"),
    ("Optimizer race", "optimizer-race", "Number of steps"),
    ("Mini-batches", "mini-batches", "Batch size B"),
    ("Overfitting", "overfitting", "Dropout rate p"),
    ("Loss landscape", "loss-landscape?extent=0.1", "Reach of the slice"),  # from the slider's first stop
)

# Runs in every frame (the page and any component iframe) before the frame's own scripts.
OBSERVERS = """(() => {
  const now = () => performance.timeOrigin + performance.now();
  let store;
  try {
    store = window.top.__bench ||
      (window.top.__bench = {mutations: [], longtasks: [], keys: [], received: [], sent: []});
  } catch (error) { return; }
  const top = window === window.top;
  const chart = '.js-plotly-plot, [data-testid="stPlotlyChart"]';
  const watched = new WeakSet();
  const watch = () => {  // the document now in this window (an iframe's first one is replaced)
    if (watched.has(document)) return;
    watched.add(document);
    new MutationObserver(records => {
      for (const record of records) {
        const node = record.target.nodeType === 1 ? record.target : record.target.parentElement;
        if (!top || (node && node.closest && node.closest(chart))) { store.mutations.push(now()); return; }
      }
    }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  };
  watch();
  window.addEventListener('DOMContentLoaded', watch);
  window.addEventListener('load', watch);
  if (top) {
    new PerformanceObserver(list => {
      for (const e of list.getEntries()) {
        store.longtasks.push([performance.timeOrigin + e.startTime, e.duration]);
      }
    }).observe({type: 'longtask', buffered: true});
    window.addEventListener('keydown', () => store.keys.push(now()), true);
    const size = data => data.byteLength !== undefined ? data.byteLength : (data.size || data.length || 0);
    window.WebSocket = class extends window.WebSocket {  // every frame's time and size, in order
      constructor(...args) {
        super(...args);
        this.addEventListener('message', event => store.received.push([now(), size(event.data)]));
      }
      send(data) { store.sent.push([now(), size(data)]); return super.send(data); }
    };
  }
})();"""
# True once a Plotly chart has drawn, in the page or in a same-origin iframe.
CHART_DRAWN = """() => {
  const drawn = doc => doc && doc.querySelector('.js-plotly-plot .main-svg');
  if (drawn(document)) return true;
  return [...document.querySelectorAll('iframe')].some(f => { try { return drawn(f.contentDocument); }
                                                              catch (e) { return false; } });
}"""
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


@dataclass
class Socket:
    """The kind of every websocket frame, in order (the page's own hook has their times and sizes)."""

    received: list = field(default_factory=list)
    sent: list = field(default_factory=list)

    def attach(self, page):
        page.on("websocket", lambda ws: (ws.on("framereceived", self._received),
                                         ws.on("framesent", self._sent)))

    @staticmethod
    def _kind(message, payload):
        try:
            message.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
            return message.WhichOneof("type")
        except Exception:  # noqa: BLE001 - a frame that is not a message still counts as bytes
            return None

    def _received(self, payload):
        self.received.append(self._kind(ForwardMsg(), payload))

    def _sent(self, payload):
        self.sent.append(self._kind(BackMsg(), payload))

    def frames(self, store):
        """(time, bytes, kind) of every frame received and of every frame sent, times from the page."""
        def merged(timed, kinds):
            return [(t, size, kind) for (t, size), kind in zip(timed, kinds, strict=False)]

        return merged(store["received"], self.received), merged(store["sent"], self.sent)


def first_chart_seconds(browser, url, started):
    """Seconds from the server's launch until the default page has drawn its first chart."""
    while not healthy(url):
        time.sleep(0.05)
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(CHART_DRAWN, polling=50, timeout=120_000)
    seconds = (time.time() * 1e3 - started) / 1e3
    context.close()
    return seconds


def wait_settled(page, socket, pressed, timeout_s=30):
    """Wait until a rerun after ``pressed`` has finished and nothing in a chart changed for QUIET_MS."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        page.wait_for_timeout(100)
        store = page.evaluate("() => window.__bench")
        received, _ = socket.frames(store)
        finished = [t for t, _, kind in received if kind == "script_finished" and t > pressed]
        last_change = max([t for t in store["mutations"] if t > pressed], default=pressed)
        now = page.evaluate("() => performance.timeOrigin + performance.now()")
        idle = page.locator(IDLE).count() == 1
        if finished and idle and now - max(last_change, finished[-1]) >= QUIET_MS:
            return store, last_change, now
    raise TimeoutError("the page did not settle")


def press_once(page, socket, thumb):
    """One ArrowRight on the slider: settle time, bytes, long tasks and server rerun, in ms / bytes."""
    thumb.focus()
    page.wait_for_timeout(QUIET_MS)
    page.keyboard.press("ArrowRight")
    pressed = page.evaluate("() => window.__bench.keys.at(-1)")
    store, last_change, end = wait_settled(page, socket, pressed)
    received, sent = socket.frames(store)
    bytes_in = sum(size for t, size, _ in received if pressed <= t <= end)
    long_tasks = sum(d for start, d in store["longtasks"] if pressed <= start <= end)
    request = min((t for t, _, kind in sent if kind == "rerun_script" and t >= pressed), default=None)
    finished = min((t for t, _, kind in received if kind == "script_finished"
                    and request is not None and t >= request), default=None)
    rerun = finished - request if request is not None and finished is not None else float("nan")
    changed = any(t > pressed for t in store["mutations"])
    return dict(settle=last_change - pressed, bytes=bytes_in, long_tasks=long_tasks, rerun=rerun,
                chart_changed=changed, request_delay=(request - pressed) if request else float("nan"))


def measure_page(browser, url, path, label, presses):
    """Open a page in a fresh session and press ArrowRight on its slider ``presses`` times."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(OBSERVERS)
    page = context.new_page()
    socket = Socket()
    socket.attach(page)
    page.goto(f"{url}/{path}")
    page.wait_for_selector(IDLE, timeout=120_000)
    page.wait_for_function(CHART_DRAWN, polling=100, timeout=120_000)
    slider = page.locator('[data-testid="stSlider"], [data-testid="stSelectSlider"]').filter(has_text=label)
    thumb = slider.first.get_by_role("slider")
    press_once(page, socket, thumb)  # warm-up: the first move may fetch code the page had not needed
    moves = [press_once(page, socket, thumb) for _ in range(presses)]
    context.close()
    return moves


def page_row(title, label, moves):
    """One table row: medians and maxima over the presses, with PASS / MISS."""
    settle = [m["settle"] for m in moves]
    kb = [m["bytes"] for m in moves]
    tasks = [m["long_tasks"] for m in moves]
    reruns = [m["rerun"] for m in moves]
    # The rerun seen from the browser includes the browser's own work on the same two cores: the
    # server's target (≤ 50 ms, 0 compilations) is measured without a browser by bench.pages.
    ok = (statistics.median(settle) <= TARGETS["settle_median"] and max(settle) <= TARGETS["settle_max"]
          and max(kb) <= TARGETS["bytes"] and max(tasks) <= TARGETS["long_tasks"])
    return [title, label, median_max(settle, digits=0), median_max([b / 1e3 for b in kb], "kB"),
            median_max(tasks, digits=0), f"{statistics.median(reruns):,.0f} ms", verdict(ok)]


def measure(wanted, presses):
    """Start the server with an empty, then a warm JAX cache; time the first chart and press the sliders."""
    from playwright.sync_api import sync_playwright

    results = {"moves": {}, "first_chart_s": {"empty cache": [], "warm cache": []}}
    cache = Path(tempfile.mkdtemp(prefix="lll-bench-cache-"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for run in ("empty cache", *["warm cache"] * FIRST_CHART_STARTS):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            started = time.time() * 1e3
            process = start_server(port, env={"LLL_CACHE_DIR": str(cache)})
            try:
                results["first_chart_s"][run].append(first_chart_seconds(browser, url, started))
                if run == "warm cache" and len(results["first_chart_s"][run]) == FIRST_CHART_STARTS:
                    for title, path, label in PAGES:
                        if wanted is None or path in wanted:
                            results["moves"][title] = measure_page(browser, url, path, label, presses)
            finally:
                stop_server(process)
        browser.close()
    shutil.rmtree(cache, ignore_errors=True)
    return results


def main(argv=None):
    """Measure, then print the table, the first-chart times and the targets."""
    parser = arg_parser(__doc__, quick=False)
    parser.add_argument("--presses", type=int, default=8)
    parser.add_argument("--pages", default="",
                        help="comma-separated URL paths (gd for the first page; none: the first chart only)")
    args = parser.parse_args(argv)
    wanted = {p if p != "gd" else "" for p in args.pages.split(",")} if args.pages else None
    results = measure(wanted, args.presses)
    rows = [page_row(title, label, results["moves"][title]) for title, _, label in PAGES
            if title in results["moves"]]
    header = ["page", "slider", "key → charts settled (median)", "received per move",
              "long tasks per move", "rerun seen by the browser (median)", "result"]
    starts = results["first_chart_s"]["warm cache"]
    warm, cold = statistics.median(starts), results["first_chart_s"]["empty cache"][0]
    notes = [f"First chart after the server starts: {warm:.1f} s with a warm JAX cache, the median of "
             f"{len(starts)} starts ({', '.join(f'{s:.1f}' for s in starts)} s; target ≤ "
             f"{TARGETS['first_chart']:.0f} s: {verdict(warm <= TARGETS['first_chart'])}), {cold:.1f} s "
             "with an empty one.",
             f"Targets: settle median ≤ {TARGETS['settle_median']:.0f} ms and max ≤ "
             f"{TARGETS['settle_max']:.0f} ms, ≤ {TARGETS['bytes'] / 1e3:.0f} kB and ≤ "
             f"{TARGETS['long_tasks']:.0f} ms of long tasks per move (the rerun column is what the browser "
             f"sees; the server's own ≤ {TARGETS['rerun']:.0f} ms is bench.pages'). {args.presses} presses "
             "per page, "
             f"viewport {VIEWPORT['width']}×{VIEWPORT['height']}."]
    report(header, rows, notes, results, args.json)


if __name__ == "__main__":
    main()
