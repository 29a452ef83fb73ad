"""B4: the plaza over HTTP with wrk, against a session-authenticated view running B1's hand SQL and
a minimal Django view on the same server (issues 10 and 20).

    BENCH10_DATABASE_URL=… python -m bench.http [--seconds 20] [--connections 32] [--no-save]

gunicorn serves the project (`marketplace.wsgi:application`, 2 sync workers, DEBUG off, as
docker-compose.yml runs it; settings `bench.settings_http`, which only adds the two bench views
of bench/urls_http.py).
As the creator persona of bench.generate, logged in once (its session cookie is passed with
`wrk -H "Cookie: sessionid=…"`), wrk (`-t2 -c32 -d20s`, after a 3-second warm-up) requests:

- the minimal view `/bench/minimal/` (same middleware, no query of its own): the floor;
- the session-authenticated hand-SQL view `/bench/plaza-sql/?…` (B1's HAND_SQL in a bare Django
  view, the same filters): issue 20's fair competitor, what any authenticated page of this
  listing must at least do;
- the plaza page `/plaza/?channel=taobao_live&min_price=300&max_price=3000` (HTML);
- the plaza API `/api/v1/tasks/?channel=taobao_live&min_price=300&max_price=3000` (JSON).

Figures: requests per second of each, the page and the API as a share of the hand-SQL view
(goals: API ≥ 80%, page ≥ 60%) and of the minimal view, latency p50 / p99, and errors (socket
errors and non-2xx answers; goal none).
`--conn-max-age 60` runs the same with persistent database connections (DB_CONN_MAX_AGE, a
deployment setting that is 0 by default).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlencode

from bench.common import (
    GOALS,
    ROOT,
    bench_environment,
    log,
    print_figure,
    require_bench_database,
    save_result,
    setup_django,
)
from bench.plaza import filters, persona, session_cookie

TARGETS = {
    "minimal view": "/bench/minimal/",
    "hand-SQL view": "/bench/plaza-sql/?" + urlencode(filters()),
    "plaza page": "/plaza/?" + urlencode(filters()),
    "plaza API": "/api/v1/tasks/?" + urlencode(filters()),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is missing: `apt-get install -y wrk` (`make bench` does it)")
    return found


def start_gunicorn(port: int, *, workers: int, conn_max_age: int) -> subprocess.Popen:
    env = {
        **os.environ,
        **bench_environment(),
        "DJANGO_SETTINGS_MODULE": "bench.settings_http",
        "DB_CONN_MAX_AGE": str(conn_max_age),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "marketplace.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/minimal/", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not answer within 30 s")


def check(port: int, path: str, cookie: str) -> tuple[int, int]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=600) as response:
        return response.status, len(response.read())


def drain(port: int, cookie: str) -> float:
    """Wait until gunicorn has answered what wrk left queued when it stopped (one request to
    the minimal view waits behind them), so that one target's backlog is not the next's."""
    began = time.perf_counter()
    check(port, TARGETS["minimal view"], cookie)
    return round(time.perf_counter() - began, 1)


def wrk(url: str, cookie: str, *, seconds: int, connections: int, threads: int = 2) -> dict:
    command = [
        wrk_binary(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-H",
        f"Cookie: {cookie}",
        url,
    ]
    return parse_wrk(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def parse_wrk(text: str) -> dict:
    """wrk's report (with --latency) as figures: requests/s, errors of every kind, p50/p99."""
    rps = re.search(r"Requests/sec:\s+([0-9.]+)", text)
    total = re.search(r"(\d+) requests in", text)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    latency = {}
    for q in ("50", "99"):
        found = re.search(rf"^\s+{q}%\s+([0-9.]+)(us|ms|s)\b", text, re.M)
        if found:
            latency[q] = float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found[2]]
    errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    if socket_errors:
        errors = dict(zip(errors, (int(g) for g in socket_errors.groups()), strict=True))
    return {
        "requests_per_second": float(rps.group(1)) if rps else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "socket_errors": errors,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "errors": sum(errors.values()) + (int(non_2xx.group(1)) if non_2xx else 0),
        "latency_ms": latency,
    }


def measure(*, seconds: int, connections: int, workers: int, conn_max_age: int) -> dict:
    cookie = session_cookie(persona())
    port = free_port()
    server = start_gunicorn(port, workers=workers, conn_max_age=conn_max_age)
    results = {}
    try:
        for name, path in TARGETS.items():
            status, size = check(port, path, cookie)
            if status != 200:
                raise SystemExit(f"{name}: GET {path} answered {status}")
            url = f"http://127.0.0.1:{port}{path}"
            wrk(url, cookie, seconds=3, connections=connections)  # warm-up
            drain(port, cookie)
            results[name] = {**wrk(url, cookie, seconds=seconds, connections=connections)}
            results[name]["drain_seconds"] = drain(port, cookie)
            results[name]["bytes"] = size
            r = results[name]
            log(
                f"  {name}: {r['requests_per_second']:,.1f} req/s, p50 "
                f"{r['latency_ms'].get('50', 0):,.1f} ms, p99 {r['latency_ms'].get('99', 0):,.1f} "
                f"ms, {r['errors']} errors, {size:,} bytes"
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    floor = results["minimal view"]["requests_per_second"] or 1.0
    fair = results["hand-SQL view"]["requests_per_second"] or 1.0
    for name in ("hand-SQL view", "plaza page", "plaza API"):
        results[name]["share_of_minimal"] = round(results[name]["requests_per_second"] / floor, 4)
    for name in ("plaza page", "plaza API"):
        results[name]["share_of_hand_sql"] = round(results[name]["requests_per_second"] / fair, 4)
    return results


# issue 20: each plaza target's share of the session-authenticated hand-SQL view
GOAL_SHARES = {"plaza page": 0.6, "plaza API": 0.8}


def target_met(results: dict, name: str) -> bool:
    """The share goal of `name`, with no error on it or on the competitor."""
    r, fair = results[name], results["hand-SQL view"]
    return r["share_of_hand_sql"] >= GOAL_SHARES[name] and r["errors"] == 0 and fair["errors"] == 0


def run(
    *,
    seconds: int = 20,
    connections: int = 32,
    workers: int = 2,
    conn_max_age: int = 0,
    save: bool = True,
    also_persistent: bool = True,
) -> dict:
    log(
        f"B4: gunicorn {workers} workers, wrk -t2 -c{connections} -d{seconds}s, "
        f"DB_CONN_MAX_AGE={conn_max_age}"
    )
    results = measure(
        seconds=seconds, connections=connections, workers=workers, conn_max_age=conn_max_age
    )
    figures: dict = {
        "seconds": seconds,
        "connections": connections,
        "workers": workers,
        "conn_max_age": conn_max_age,
        "targets": results,
    }
    if also_persistent and conn_max_age == 0:
        log("B4: the same with persistent database connections (DB_CONN_MAX_AGE=60)")
        figures["persistent_connections"] = measure(
            seconds=seconds, connections=connections, workers=workers, conn_max_age=60
        )
    fair, floor = results["hand-SQL view"], results["minimal view"]
    met = True
    for name in ("plaza page", "plaza API"):
        r = results[name]
        ok = target_met(results, name)
        met = met and ok
        print_figure(
            "B4",
            f"{name} over HTTP",
            f"{r['requests_per_second']:,.1f} req/s ({r['errors']} errors)",
            f"hand-SQL view {fair['requests_per_second']:,.1f} req/s ({fair['errors']} errors; "
            f"minimal view {floor['requests_per_second']:,.1f})",
            f"{r['share_of_hand_sql']:.1%} (goal ≥ {GOAL_SHARES[name]:.0%}, no errors)",
            ok,
        )
    figures["met"] = met
    log(f"   goal: {GOALS['B4']}")
    if save:
        save_result("B4", figures)
    return figures


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--conn-max-age", type=int, default=0)
    parser.add_argument(
        "--no-persistent", action="store_true", help="skip the DB_CONN_MAX_AGE=60 variant"
    )
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)
    setup_django()
    require_bench_database()
    wrk_binary()
    run(
        seconds=args.seconds,
        connections=args.connections,
        workers=args.workers,
        conn_max_age=args.conn_max_age,
        save=not args.no_save,
        also_persistent=not args.no_persistent,
    )


if __name__ == "__main__":
    main()
