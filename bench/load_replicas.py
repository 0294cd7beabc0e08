"""One server against several replicas behind nginx, on this machine, without containers.

Run from the repository root (``scripts/replicas.sh`` is this command)::

    .venv/bin/python -m bench.load_replicas [--replicas 2] [--skip-single] [bench.load options ...]
    .venv/bin/python -m bench.load_replicas --ramp 10,20,30,40,60 --minutes 2   # the capacities

First one app server on a loopback port takes the class directly (``bench.load``); then --replicas
servers take it through a real nginx (``/usr/sbin/nginx``, Debian's package) that runs
``deploy/nginx.conf``, rewritten only where it says "templated" (upstream ports, listen port, log
path), as the current user with its prefix, pid file and temporary files in a temporary folder. The
students reach nginx on loopback and are spread by its route cookie, as browsers would be (ip_hash
would send all of 127.0.0.x to one replica). Prints both results side by side and the sessions each
replica received (websocket upgrades in nginx's access log).
"""

import argparse
import getpass
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.harness import ROOT, free_port, markdown_table, start_server, stop_server, wait_healthy

NGINX_CONF = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MAIN_CONF = """# written by bench/load_replicas.py: the main config around deploy/nginx.conf
{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/lll.conf;
}}
"""


def render_site(text, upstream_ports, listen_port, access_log):
    """deploy/nginx.conf with its templated lines (upstream, listen, access log) set for loopback."""
    lines = []
    for line in text.splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        if "# templated" in line and line.strip().startswith("server "):
            lines += [f"{indent}server 127.0.0.1:{port};" for port in upstream_ports]
        elif "# templated" in line and line.strip().startswith("listen "):
            lines.append(f"{indent}listen 127.0.0.1:{listen_port};")
        elif "# templated" in line and line.strip().startswith("access_log "):
            lines.append(f"{indent}access_log {access_log} lll;")
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def write_nginx_conf(prefix, upstream_ports, listen_port):
    """The site and main configs under prefix; the main config's path."""
    site = render_site(NGINX_CONF.read_text(), upstream_ports, listen_port, prefix / "access.log")
    (prefix / "lll.conf").write_text(site)
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""  # workers stay the current user
    (prefix / "nginx.conf").write_text(MAIN_CONF.format(user=user, prefix=prefix))
    return prefix / "nginx.conf"


def start_nginx(prefix, conf):
    """Check the config (nginx -t), then run nginx in the foreground as a child; the Popen."""
    base = [NGINX, "-p", str(prefix), "-c", str(conf)]
    check = subprocess.run([*base, "-t"], capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
    return subprocess.Popen([*base, "-g", "daemon off;"], stderr=open(prefix / "nginx.stderr", "wb"))  # noqa: SIM115


def sessions_per_upstream(access_log):
    """Websocket sessions (101 upgrades of /_stcore/stream) and HTTP requests per replica."""
    sessions, requests = Counter(), Counter()
    for line in Path(access_log).read_text(errors="replace").splitlines():
        match = re.search(r'"(\w+) (\S+) [^"]*" (\d{3}) .*upstream=(\S+)', line)
        if not match:
            continue
        _, path, status, upstream = match.groups()
        requests[upstream] += 1
        if path.startswith("/_stcore/stream") and status == "101":
            sessions[upstream] += 1
    return sessions, requests


def run_load(url, servers, prime_urls, json_path, load_args):
    """bench.load against url (its own process), sampling the given (process, log) servers."""
    command = [sys.executable, "-m", "bench.load", "--url", url, "--json", str(json_path), *load_args]
    for process, log in servers:
        command += ["--server-pid", str(process.pid), "--server-log", str(log)]
    for prime_url in prime_urls:
        command += ["--prime-url", prime_url]
    subprocess.run(command, cwd=ROOT, check=True)
    return json.loads(json_path.read_text())


def start_replicas(prefix, count):
    """count app servers on free loopback ports, healthy; [(process, log, port)]."""
    started = []
    for _ in range(count):
        port = free_port()
        log = prefix / f"app-{port}.log"
        started.append((start_server(port, log), log, port))
    for process, _, port in started:
        wait_healthy(f"http://127.0.0.1:{port}", process)
    return started


def summary_row(name, results):
    """One row of the comparison."""
    moves = results["overall"]["moves"]
    duration_s = results["step_s"] * len(results["steps"])
    cpu = sum(s["cpu_mean_pct"] for s in results["servers"].values())
    rss = sum(s["rss_max_mb"] for s in results["servers"].values())

    def ms(value):
        return "—" if value is None else f"{value:,.0f} ms"

    return [name, "/".join(str(n) for n in results["steps"]), moves["reruns"],
            f"{moves['reruns'] / duration_s:.1f}", *(ms(moves[k]) for k in ("p50_ms", "p95_ms", "max_ms")),
            results["overall"]["errors"], f"{cpu:.0f} %", f"{rss:,.0f} MB",
            results.get("capacity", results["result"])]


def compare(single, replicated, replicas, sessions):
    """Print the two runs side by side and how the sessions were spread."""
    header = ["setup", "sessions", "moves", "reruns/s", "p50", "p95", "max", "errors",
              "servers' CPU (mean, summed)", "servers' RSS (max)",
              "capacity" if "capacity" in replicated else "p95 target"]
    rows = ([summary_row("1 server", single)] if single else []) + [
        summary_row(f"{replicas} replicas behind nginx", replicated)]
    print("\n## One server against replicas\n")
    print(markdown_table(header, rows))
    spread = ", ".join(f"{upstream}: {count}" for upstream, count in sorted(sessions.items()))
    print(f"\nWebsocket sessions per replica (nginx's access log): {spread or 'none'}.")


def arguments(argv=None):
    """This script's options; the rest goes to bench.load."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--skip-single", action="store_true", help="only the replicas behind nginx")
    parser.add_argument("--json", type=Path, help="write both runs' numbers to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (configs, logs)")
    return parser.parse_known_args(argv)


def main(argv=None):
    """Single server, then replicas behind nginx; the comparison."""
    args, load_args = arguments(argv)
    prefix = Path(tempfile.mkdtemp(prefix="lll-replicas-"))
    single, nginx, servers = None, None, []
    try:
        servers = start_replicas(prefix, 1)
        if not args.skip_single:
            print(f"## 1 server on port {servers[0][2]}\n", flush=True)
            single = run_load(f"http://127.0.0.1:{servers[0][2]}", [s[:2] for s in servers],
                              [f"http://127.0.0.1:{servers[0][2]}"], prefix / "single.json", load_args)
        servers += start_replicas(prefix, args.replicas - 1)
        listen = free_port()
        nginx = start_nginx(prefix, write_nginx_conf(prefix, [s[2] for s in servers], listen))
        wait_healthy(f"http://127.0.0.1:{listen}", nginx)
        print(f"\n## {args.replicas} replicas (ports {', '.join(str(s[2]) for s in servers)}) behind nginx "
              f"on port {listen}\n", flush=True)
        backends = [f"http://127.0.0.1:{s[2]}" for s in servers]
        replicated = run_load(f"http://127.0.0.1:{listen}", [s[:2] for s in servers], backends,
                              prefix / "replicas.json", load_args)
        sessions, _ = sessions_per_upstream(prefix / "access.log")
        compare(single, replicated, args.replicas, sessions)
        if args.json:
            args.json.write_text(json.dumps({"single": single, "replicas": replicated,
                                             "sessions_per_replica": sessions}, indent=1, default=str))
    finally:
        stop_server(nginx)
        for process, _, _ in servers:
            stop_server(process)
        if not args.keep:
            shutil.rmtree(prefix, ignore_errors=True)
        else:
            print(f"Configs and logs kept in {prefix}")


if __name__ == "__main__":
    main()
