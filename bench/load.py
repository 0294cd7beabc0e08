"""A class of students on one server: Locust users that speak Streamlit's websocket protocol.

Run from the repository root::

    .venv/bin/python -m bench.load --sessions 30 --minutes 5 --start-server   # a class, on a server it starts
    .venv/bin/python -m bench.load --sessions 30 --minutes 5 --url http://127.0.0.1:8501 --server-pid PID
    .venv/bin/python -m bench.load --soak --start-server            # 10 sessions, 10 min: RSS growth
    .venv/bin/python -m bench.load --ramp 10,20,30,40 --minutes 2 --start-server   # the capacity

Each simulated student (``Student``, a Locust user; ``bench/load_client.py`` speaks the protocol)
opens a page, the pages dealt from a shuffled deck of app.py's pages so that every page is visited,
then every ``--pace`` seconds moves a random slider or select within its range or clicks a button; now
and then (``--switch``) it follows the navigation to another page. Timed: each rerun from the request
sent to its ``script_finished``. An exception or st.error on the page, a run that does not finish
within ``--timeout`` and a failed connection count as errors. The server's processes are sampled
(CPU, RSS, open websocket sessions) every ``--sample`` seconds. Prints Markdown tables; ``--json PATH``
writes every number.
"""

# ruff: noqa: I001 - Locust comes first: importing it patches the standard library for gevent
from locust import User, between, events, task

import argparse
import itertools
import json
import os
import platform
import random
import statistics
import tempfile
import time
from collections import Counter
from importlib.metadata import version
from pathlib import Path

import gevent
import psutil
from locust.env import Environment
from locust.log import setup_logging

from bench.harness import (
    app_pages,
    cpu_model,
    free_port,
    markdown_table,
    start_server,
    stop_server,
    tracebacks,
    wait_healthy,
)
from bench.load_client import ProtocolError, Session

TARGET_P95_MS = 1000.0  # a move still feels like a response, not a wait
SOAK_GROWTH_PCT = 10.0  # RSS may grow this much after warm-up over a soak
RELEASED = "memory: released compiled programs"  # engine/memory.py logs it past the memory budget
PAGES = [(page.path, page.title) for page in app_pages()]  # (URL path, title)
TITLES = dict(PAGES)


# --- what the students did --------------------------------------------------------------------------

class Recorder:
    """Every rerun and failure, with the time, the page, the kind of action and the class size then."""

    def __init__(self):
        self.samples = []
        self.started = time.monotonic()
        self.users = 0

    def add(self, kind, page, rerun=None, error=None, action=None):
        """Keep one rerun (or a failure: ``error``); tell Locust's statistics too."""
        errors = ([error] if error else []) + (rerun.errors if rerun else [])
        sample = {"t": time.monotonic() - self.started, "users": self.users, "kind": kind, "page": page,
                  "action": action or kind, "ms": rerun.ms if rerun else None,
                  "bytes": rerun.received if rerun else 0, "errors": errors}
        self.samples.append(sample)
        events.request.fire(request_type=kind, name=TITLES.get(page, page), response_time=sample["ms"] or 0,
                            response_length=sample["bytes"], context={},
                            exception=RuntimeError(errors[0]) if errors else None)


RECORDER = Recorder()


class Student(User):
    """A student's browser tab: opens a page, then moves widgets at a human pace."""

    wait_time = between(2, 5)
    timeout_s = 60.0
    switch = 0.1  # chance that an action is a page change
    deck = itertools.cycle([path for path, _ in PAGES])  # main() deals a shuffled deck
    rng = random.Random()

    def on_start(self):
        """No tab yet: the first task opens one."""
        self.session, self.page = None, None

    def on_stop(self):
        """Close the tab."""
        if self.session is not None:
            self.session.close()

    @task
    def act(self):
        """Open a page if there is no tab, else change page now and then, else move a widget."""
        kind = "open" if self.session is None else "switch" if self.rng.random() < self.switch else "move"
        try:
            getattr(self, f"_{kind}")()
        except ProtocolError as error:
            self._failed(kind, error)
        except Exception as error:  # a bug of the load test: counted and shown, not hidden
            self._failed(kind, f"bench.load itself: {type(error).__name__}: {error}")

    def _open(self):
        """A new tab on the next page of the deck: HTTP, websocket, the first run."""
        self.page = next(Student.deck)
        self.session = Session(self.host, timeout_s=self.timeout_s, rng=random.Random(self.rng.random()))
        self.session.connect(self.page)
        RECORDER.add("open", self.page, self.session.open(self.page))

    def _switch(self):
        """Follow the navigation to the next other page of the deck."""
        page = next(Student.deck)
        self.page = page if page != self.page else next(Student.deck)
        RECORDER.add("switch", self.page, self.session.switch(self.page))

    def _move(self):
        """Move a widget; no widget to move (a failed page) is an error too."""
        action, rerun = self.session.act()
        RECORDER.add("move", self.page, rerun, action=action)

    def _failed(self, kind, error):
        """Count the failure and drop the tab: the next task opens a new one."""
        RECORDER.add(kind, self.page, error=f"{kind}: {error}")
        if self.session is not None:
            self.session.close()
        self.session = None


# --- the server's processes ---------------------------------------------------------------------------

def _tree(process):
    """A process and its children (a server may fork helpers)."""
    try:
        return [process, *process.children(recursive=True)]
    except psutil.Error:
        return []


def _cpu_seconds(processes):
    """User + system CPU seconds of these processes."""
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def _rss_mb(processes):
    """Resident memory of these processes, in MB."""
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            pass
    return total / 1e6


def _sessions(process):
    """Open connections to the ports the process listens on (the websockets, mostly)."""
    try:
        connections = process.net_connections(kind="tcp")
    except psutil.Error:
        return 0
    ports = {c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN}
    return sum(1 for c in connections if c.status == psutil.CONN_ESTABLISHED and c.laddr.port in ports)


class Monitor:
    """Samples the servers' CPU (% of one core), RSS and sessions, and this process's own CPU."""

    def __init__(self, pids, every_s):
        self.servers = {pid: psutil.Process(pid) for pid in pids}
        self.every_s = every_s
        self.rows = []
        self.me = psutil.Process()

    def run(self):
        """Sample until killed."""
        last = self._cpu_now()
        while True:
            gevent.sleep(self.every_s)
            now = self._cpu_now()
            self.rows.append(self._row(last, now))
            last = now

    def _cpu_now(self):
        """(monotonic time, CPU seconds of each server, CPU seconds of the load generator)."""
        return (time.monotonic(), {pid: _cpu_seconds(_tree(p)) for pid, p in self.servers.items()},
                _cpu_seconds([self.me]))

    def _row(self, last, now):
        """One sample: per server CPU %, RSS MB, sessions; the load generator's CPU; the load average."""
        wall = now[0] - last[0]
        servers = {str(pid): {"cpu_pct": 100 * (now[1][pid] - last[1][pid]) / wall,
                              "rss_mb": _rss_mb(_tree(p)), "sessions": _sessions(p)}
                   for pid, p in self.servers.items()}
        return {"t": now[0] - RECORDER.started, "users": RECORDER.users, "servers": servers,
                "load_generator_cpu_pct": 100 * (now[2] - last[2]) / wall, "loadavg_1m": os.getloadavg()[0]}


# --- the numbers ----------------------------------------------------------------------------------------

def percentile(values, q):
    """The q-th percentile (0..100) of values, interpolated linearly; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency(samples):
    """Count, p50, p95 and max of the reruns among samples that finished."""
    times = [s["ms"] for s in samples if s["ms"] is not None]
    return {"reruns": len(times), "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95),
            "max_ms": max(times) if times else None}


def page_stats(samples):
    """Per page: visits (opens and switches), the first runs, the moves and the errors."""
    stats = {}
    for path, title in PAGES:
        mine = [s for s in samples if s["page"] == path]
        visits = [s for s in mine if s["kind"] in ("open", "switch")]
        stats[path] = {"title": title, "visits": len(visits), "first_run": latency(visits),
                       "moves": latency([s for s in mine if s["kind"] == "move"]),
                       "errors": sum(len(s["errors"]) for s in mine)}
    return stats


def ms(value):
    """A millisecond cell."""
    return "—" if value is None else f"{value:,.0f} ms"


def page_table(stats, overall):
    """The per-page table and the overall row."""
    header = ["page", "visits", "first run p50 (max)", "moves", "move p50", "move p95", "move max", "errors"]
    rows = [[s["title"], s["visits"], f"{ms(s['first_run']['p50_ms'])} ({ms(s['first_run']['max_ms'])})",
             s["moves"]["reruns"], ms(s["moves"]["p50_ms"]), ms(s["moves"]["p95_ms"]),
             ms(s["moves"]["max_ms"]), s["errors"]] for s in stats.values()]
    rows.append(["**all pages**", overall["visits"],
                 f"{ms(overall['first_run']['p50_ms'])} ({ms(overall['first_run']['max_ms'])})",
                 overall["moves"]["reruns"], ms(overall["moves"]["p50_ms"]), ms(overall["moves"]["p95_ms"]),
                 ms(overall["moves"]["max_ms"]), overall["errors"]])
    return markdown_table(header, rows)


def overall_stats(samples):
    """The per-page numbers over every page."""
    visits = [s for s in samples if s["kind"] in ("open", "switch")]
    return {"visits": len(visits), "first_run": latency(visits),
            "moves": latency([s for s in samples if s["kind"] == "move"]),
            "all_reruns": latency(samples), "errors": sum(len(s["errors"]) for s in samples)}


def rss_growth(rows, pid, warmup_s):
    """A server's mean RSS over the first and the second half of the time after warm-up, and the growth
    in %. Means over halves, not short windows: a server that drops its programs past its memory budget
    (engine/memory.py) saws up and down, and two 30 s windows would read a tooth as growth or loss."""
    end = rows[-1]["t"] if rows else 0
    if end < warmup_s + 60:
        return {"after_warmup_mb": None, "end_mb": None, "growth_pct": None}
    middle = (warmup_s + end) / 2
    first = [r["servers"][pid]["rss_mb"] for r in rows if warmup_s <= r["t"] < middle]
    second = [r["servers"][pid]["rss_mb"] for r in rows if r["t"] >= middle]
    after, final = statistics.fmean(first), statistics.fmean(second)
    return {"after_warmup_mb": after, "end_mb": final, "growth_pct": 100 * (final - after) / after}


def server_stats(rows, warmup_s):
    """Per server process: CPU mean, p95 and max; RSS at start, after warm-up, at the end, max; sessions."""
    stats = {}
    for pid in rows[0]["servers"] if rows else []:
        cpu = [r["servers"][pid]["cpu_pct"] for r in rows]
        rss = [r["servers"][pid]["rss_mb"] for r in rows]
        stats[pid] = {"cpu_mean_pct": statistics.fmean(cpu), "cpu_p95_pct": percentile(cpu, 95),
                      "cpu_max_pct": max(cpu), "rss_start_mb": rss[0], "rss_max_mb": max(rss),
                      "sessions_max": max(r["servers"][pid]["sessions"] for r in rows),
                      **rss_growth(rows, pid, warmup_s)}
    return stats


def pct(value):
    """A percentage cell."""
    return "—" if value is None else f"{value:.0f} %"


def action_stats(samples, top=10):
    """The moves that cost the server most time in all (widget and page), with count, p50 and max."""
    groups = {}
    for s in samples:
        if s["kind"] == "move" and s["ms"] is not None:
            groups.setdefault((TITLES.get(s["page"], s["page"]), s["action"]), []).append(s["ms"])
    ranked = sorted(groups.items(), key=lambda item: -sum(item[1]))[:top]
    return [{"page": page, "action": action, "count": len(times), "p50_ms": percentile(times, 50),
             "max_ms": max(times), "total_s": sum(times) / 1e3} for (page, action), times in ranked]


def action_table(actions):
    """The costliest moves as a table."""
    header = ["page", "move", "count", "p50", "max", "total"]
    rows = [[a["page"], a["action"], a["count"], ms(a["p50_ms"]), ms(a["max_ms"]), f"{a['total_s']:.1f} s"]
            for a in actions]
    return markdown_table(header, rows)


def mb(value):
    """A megabyte cell."""
    return "—" if value is None else f"{value:,.0f} MB"


def server_table(stats):
    """One row per server process."""
    header = ["server pid", "CPU mean (p95, max), % of a core", "RSS start", "after warm-up: 1st half (mean)",
              "2nd half (mean)", "max", "growth after warm-up", "sessions (max)"]
    rows = [[pid, f"{s['cpu_mean_pct']:.0f} % ({s['cpu_p95_pct']:.0f}, {s['cpu_max_pct']:.0f})",
             mb(s["rss_start_mb"]), mb(s["after_warmup_mb"]), mb(s["end_mb"]), mb(s["rss_max_mb"]),
             "—" if s["growth_pct"] is None else f"{s['growth_pct']:+.1f} %", s["sessions_max"]]
            for pid, s in stats.items()]
    return markdown_table(header, rows)


def _mean(values):
    """The mean, or None for no values."""
    return statistics.fmean(values) if values else None


def _total(row, key):
    """A sampled number summed over the servers."""
    return sum(server[key] for server in row["servers"].values())


def _bucket(samples, rows, start, bucket_s):
    """One time bucket: class size, reruns/s, p50 and p95, servers' CPU and RSS (summed), load average."""
    mine = [s for s in samples if start <= s["t"] < start + bucket_s]
    sampled = [r for r in rows if start <= r["t"] < start + bucket_s]
    times = [s["ms"] for s in mine if s["ms"] is not None]
    return {"from_s": start, "users": max([s["users"] for s in mine] or [0]),
            "reruns_per_s": len(times) / bucket_s, "p50_ms": percentile(times, 50),
            "p95_ms": percentile(times, 95), "errors": sum(len(s["errors"]) for s in mine),
            "server_cpu_pct": _mean([_total(r, "cpu_pct") for r in sampled]),
            "server_rss_mb": max([_total(r, "rss_mb") for r in sampled] or [None]),
            "load_generator_cpu_pct": _mean([r["load_generator_cpu_pct"] for r in sampled]),
            "loadavg_1m": sampled[-1]["loadavg_1m"] if sampled else None}


def timeline(samples, rows, bucket_s, duration_s):
    """The run in time buckets of bucket_s seconds."""
    return [_bucket(samples, rows, start, bucket_s) for start in range(0, max(int(duration_s), 1), bucket_s)]


def timeline_table(buckets):
    """The timeline as a table."""
    header = ["from", "sessions", "reruns/s", "p50", "p95", "errors", "servers' CPU", "servers' RSS",
              "load generator CPU", "load avg"]
    rows = [[f"{b['from_s']} s", b["users"], f"{b['reruns_per_s']:.1f}", ms(b["p50_ms"]), ms(b["p95_ms"]),
             b["errors"], pct(b["server_cpu_pct"]), mb(b["server_rss_mb"]), pct(b["load_generator_cpu_pct"]),
             "—" if b["loadavg_1m"] is None else f"{b['loadavg_1m']:.2f}"] for b in buckets]
    return markdown_table(header, rows)


def step_stats(samples, rows, steps, step_s, settle_s, target_ms):
    """Per ramp step: moves after it settled, errors, CPU, PASS or MISS; the capacity (see report)."""
    results, capacity = [], 0
    for index, users in enumerate(steps):
        start, window = index * step_s, (index * step_s + settle_s, (index + 1) * step_s)
        mine = [s for s in samples if window[0] <= s["t"] < window[1]]
        moves = latency([s for s in mine if s["kind"] == "move"])
        cpu = [_total(r, "cpu_pct") for r in rows if window[0] <= r["t"] < window[1]]
        errors = sum(len(s["errors"]) for s in samples if start <= s["t"] < window[1])  # arrivals too
        ok = moves["p95_ms"] is not None and moves["p95_ms"] <= target_ms and errors == 0
        capacity = users if ok and capacity == (steps[index - 1] if index else 0) else capacity
        results.append({"users": users, **moves, "reruns_per_s": moves["reruns"] / (window[1] - window[0]),
                        "errors": errors, "server_cpu_pct": statistics.fmean(cpu) if cpu else None,
                        "result": "PASS" if ok else "MISS"})
    return results, capacity


def step_table(results, target_ms):
    """The ramp as a table."""
    header = ["sessions", "moves", "reruns/s", "p50", "p95", "max", "errors", "servers' CPU",
              f"p95 ≤ {target_ms:,.0f} ms, 0 errors"]
    rows = [[r["users"], r["reruns"], f"{r['reruns_per_s']:.1f}", ms(r["p50_ms"]), ms(r["p95_ms"]),
             ms(r["max_ms"]), r["errors"], pct(r["server_cpu_pct"]), r["result"]] for r in results]
    return markdown_table(header, rows)


def error_lines(samples, logged):
    """The distinct errors the students met (most frequent first) and the tracebacks the servers logged."""
    counted = Counter(error for s in samples for error in s["errors"])
    lines = [f"- {count} × {error}" for error, count in counted.most_common(10)]
    for log, found in logged.items():
        if found:
            lines.append(f"- {log}: {len(found)} traceback(s) logged, e.g. {Counter(found).most_common(3)}")
    return lines


def machine_line():
    """CPU, cores, Python, Streamlit and the load average (JAX is not imported in the load generator)."""
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"Machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"streamlit {version('streamlit')}, load average {load} (1/5/15 min) at the end.")


# --- running it -----------------------------------------------------------------------------------------

def prime(urls, timeout_s):
    """Visit every page once on each server before the class (its first-visit compilations); the visits."""
    visits = []
    for url in urls:
        session = Session(url, timeout_s=timeout_s)
        session.connect(PAGES[0][0])
        for index, (path, _) in enumerate(PAGES):
            rerun = session.open(path) if index == 0 else session.switch(path)
            visits.append({"url": url, "page": path, "ms": rerun.ms, "errors": rerun.errors})
        session.close()
    return visits


def configure(args):
    """Set the Student class from the command line."""
    low, _, high = args.pace.partition("-")
    Student.wait_time = between(float(low), float(high or low))
    Student.timeout_s = args.timeout
    Student.switch = args.switch
    Student.rng = random.Random(args.seed)
    deck = [path for path, _ in PAGES]
    Student.rng.shuffle(deck)
    Student.deck = itertools.cycle(deck)


def run_class(url, steps, step_s, pids, sample_s, spawn_s):
    """Run the class (each step's size for step_s seconds); the Monitor's rows."""
    env = Environment(user_classes=[Student], host=url, events=events)
    runner = env.create_local_runner()
    monitor = Monitor(pids, sample_s)
    sampler = gevent.spawn(monitor.run)
    RECORDER.started = time.monotonic()
    for users in steps:
        RECORDER.users = users
        runner.start(users, spawn_rate=max(users / spawn_s, 1.0))
        gevent.sleep(step_s)
    runner.stop()
    runner.quit()
    sampler.kill()
    return monitor.rows


def arguments(argv=None):
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, help="simulated students (default 30; soak 10)")
    parser.add_argument("--minutes", type=float, help="how long, or each step of a ramp (default 5; soak 10)")
    parser.add_argument("--ramp", help="class sizes one after another, e.g. 10,20,30,40: the capacity")
    parser.add_argument("--soak", action="store_true",
                        help="10 sessions for 10 minutes (unless given), RSS growth after warm-up")
    parser.add_argument("--warmup-minutes", type=float, default=2.0, help="RSS growth is counted after this")
    parser.add_argument("--url", default=None, help="a running server (or a proxy in front of several)")
    parser.add_argument("--start-server", action="store_true", help="start `streamlit run serve.py` here")
    parser.add_argument("--server-pid", type=int, action="append", default=[],
                        help="a server process to sample (repeat for replicas); --start-server adds its own")
    parser.add_argument("--server-log", action="append", default=[],
                        help="a server log to read tracebacks from (repeat for replicas)")
    parser.add_argument("--prime-url", action="append", default=None,
                        help="servers whose pages are visited once first (default: the target; repeat)")
    parser.add_argument("--no-prime", action="store_true", help="the class meets cold pages")
    parser.add_argument("--pace", default="2-5", help="seconds between two actions (default 2-5)")
    parser.add_argument("--switch", type=float, default=0.1, help="chance an action changes page (0.1)")
    parser.add_argument("--spawn-seconds", type=float, default=10.0, help="the class arrives over this")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a rerun may take (60)")
    parser.add_argument("--sample", type=float, default=2.0, help="seconds between server samples (2)")
    parser.add_argument("--target-p95-ms", type=float, default=TARGET_P95_MS)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--json", type=Path, help="write every number to this file")
    args = parser.parse_args(argv)
    args.sessions = args.sessions or (10 if args.soak else 30)
    args.minutes = args.minutes or (10.0 if args.soak else 5.0)
    if bool(args.url) == args.start_server:
        parser.error("give exactly one of --url and --start-server")
    return args


def results_of(args, steps, step_s, samples, rows, primed, server_logs):
    """Every number of the run, as written to the JSON file."""
    servers = server_stats(rows, args.warmup_minutes * 60)
    overall = overall_stats(samples)
    p95 = overall["moves"]["p95_ms"]
    duration_s = step_s * len(steps)
    bucket_s = 30 if duration_s <= 600 else 60
    logged = {log: tracebacks(log) for log in server_logs}
    results = {"config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
               "steps": steps, "step_s": step_s, "pages": page_stats(samples), "overall": overall,
               "servers": servers, "timeline": timeline(samples, rows, bucket_s, duration_s),
               "primed": primed, "actions": action_stats(samples), "errors": error_lines(samples, logged),
               "server_tracebacks": sum(len(found) for found in logged.values()),
               "memory_releases": sum(Path(log).read_text(errors="replace").count(RELEASED)
                                      for log in server_logs),
               "machine": machine_line(), "samples": samples, "monitor": rows,
               "result": "PASS" if p95 is not None and p95 <= args.target_p95_ms and not overall["errors"]
               else "MISS"}
    if len(steps) > 1:
        results["ramp"], results["capacity"] = step_stats(samples, rows, steps, step_s, min(30, step_s / 4),
                                                          args.target_p95_ms)
    if args.soak:
        growth = [s["growth_pct"] for s in servers.values() if s["growth_pct"] is not None]
        results["soak"] = "PASS" if growth and max(growth) <= SOAK_GROWTH_PCT else "MISS"
    return results


def notes(args, results):
    """The lines under the tables: priming, the result, the soak, the errors, the machine."""
    lines = []
    if results["primed"]:
        times = [p["ms"] for p in results["primed"]]
        failed = sum(1 for p in results["primed"] if p["errors"])
        lines.append(f"Primed before the class: {len(times)} first visits, {sum(times) / 1e3:.1f} s in all "
                     f"(max {max(times):,.0f} ms), {failed} showed an error.")
    lines.append(f"Result: {results['result']} (moves p95 {ms(results['overall']['moves']['p95_ms'])}, "
                 f"target ≤ {args.target_p95_ms:,.0f} ms; {results['overall']['errors']} errors).")
    if "soak" in results:
        growth = [s["growth_pct"] for s in results["servers"].values() if s["growth_pct"] is not None]
        lines.append(f"Soak: RSS growth after {args.warmup_minutes:g} min of warm-up: "
                     f"{', '.join(f'{g:+.1f} %' for g in growth) or '—'} (target ≤ {SOAK_GROWTH_PCT:g} %): "
                     f"{results['soak']}.")
    if results["memory_releases"]:
        lines.append(f"Memory: the servers dropped their compiled programs {results['memory_releases']} "
                     f"times, past their budget (engine/memory.py, $LLL_MEMORY_BUDGET_MB).")
    return lines + results["errors"] + [results["machine"]]


def report(args, results):
    """Print the tables and the notes."""
    steps, step_s = results["steps"], results["step_s"]
    print(f"## {max(steps)} simulated students, {step_s * len(steps) / 60:g} min, pace {args.pace} s\n")
    print(page_table(results["pages"], results["overall"]), "\n")
    print(server_table(results["servers"]), "\n")
    if "ramp" in results:
        print(step_table(results["ramp"], args.target_p95_ms), "\n")
        print(f"Capacity: {results['capacity']} sessions (the largest class whose moves keep p95 ≤ "
              f"{args.target_p95_ms:,.0f} ms with no error, every smaller step too).\n")
    print(timeline_table(results["timeline"]), "\n")
    print("Moves that took the most server time in all:\n")
    print(action_table(results["actions"]), "\n")
    print("\n".join(notes(args, results)))


def main(argv=None):
    """Start (or find) the server, prime it, run the class, report."""
    args = arguments(argv)
    setup_logging("WARNING")
    configure(args)
    steps = [int(n) for n in args.ramp.split(",")] if args.ramp else [args.sessions]
    step_s = args.minutes * 60
    server, server_logs = None, list(args.server_log)
    try:
        url, pids = args.url, list(args.server_pid)
        if args.start_server:
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            log = Path(tempfile.gettempdir()) / f"lll-load-server-{port}.log"
            server = start_server(port, log)
            server_logs.append(str(log))
            pids.append(server.pid)
            wait_healthy(url, server)
        primed = [] if args.no_prime else prime(args.prime_url or [url], args.timeout)
        if not pids:
            print("No server process to sample: pass --server-pid PID (one per replica) for CPU and RSS.")
        rows = run_class(url, steps, step_s, pids, args.sample, args.spawn_seconds)
        results = results_of(args, steps, step_s, RECORDER.samples, rows, primed, server_logs)
        report(args, results)
    finally:
        stop_server(server)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    return results


if __name__ == "__main__":
    main()
