"""B3: the deadline sweeper clearing an overdue backlog, against pgbench (issue 10).

    BENCH10_DATABASE_URL=… python -m bench.sweeper [--sizes 10000,100000] [--workers 2]

For each size, a backlog of private orders in production whose delivery deadline has passed
(paid into escrow, never swept: the sweeper was down) is added with COPY, then cleared by
`python manage.py run_deadlines --now AS-OF` in 2 worker processes started together (D1: they
share the work through `SELECT … FOR UPDATE SKIP LOCKED`). Every order is refunded (T51): the
order becomes overdue_undelivered, the escrow goes back to the merchant's wallet (E4), the
parties get their inbox lines and e-mail jobs (D5).

The backlog comes with its private tasks, which get the newest ids: run the plaza benchmarks
(B1, B4) before this one, as `make bench` does, or on freshly generated data, since the plaza
page pages by id. The backlog's deadlines lie 30 days back and the sweep runs as of just after
them (D4's ops replay), so whatever else the data set holds is not yet due and the sweep moves
exactly the backlog, whenever the benchmark runs.

Figures: refunds per second over the sweep (from the workers' SweepRun rows: first start to
last finish, so without Python's start-up), against `pgbench -c 8 -j 2 -T 20` on the same server
(goal ≥ 25%); the peak RSS of each worker (its VmHWM; goal ≤ 300 MB); and the rate
at each size (goal: the same at 10,000 and 100,000, i.e. cost linear in the backlog). The
backlog is checked to be fully refunded and the ledger reconciled (E9) after each size.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from bench.common import (
    GOALS,
    ROOT,
    bench_environment,
    fmt,
    log,
    pgbench,
    print_figure,
    require_bench_database,
    save_result,
    setup_django,
)
from bench.settlement import clear_broker_queue

BACKLOG_DAYS_AGO = 30
DAY = 86_400.0
RSS_LIMIT_MB = 300


def linear_enough(rates: list[float]) -> bool:
    """Rates in order of growing backlog: the largest not more than 15% below the smallest."""
    return bool(rates) and rates[-1] >= 0.85 * rates[0]


def default_sizes() -> str:
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    return ",".join(str(max(100, round(size * scale))) for size in (10_000, 100_000))


def as_of_time() -> float:
    """Just after the backlog's last deadline (epoch seconds)."""
    return time.time() - BACKLOG_DAYS_AGO * DAY


def due_before(at: float) -> dict[str, int]:
    from tasks.deadlines import KINDS

    moment = datetime.fromtimestamp(at, UTC)
    return {kind.code: kind.model.objects.filter(kind.due(moment)).count() for kind in KINDS}


def prepare(size: int, as_of: float, seed: int) -> list[int]:
    from django.db import connection

    from bench.generate import add_orders

    began = time.perf_counter()
    ids = add_orders(
        count=size,
        status="in_production",
        deadline_from=as_of - 3 * DAY,
        deadline_to=as_of - 60,
        seed=seed,
        label=f"B3 backlog {size:,}",
    )
    with connection.cursor() as cursor:
        # as autovacuum would have left them after a day: statistics and visibility map fresh
        for table in ("tasks_order", "tasks_task", "escrow_account", "marketplace_notification"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    log(f"B3: backlog of {size:,} overdue orders ready in {time.perf_counter() - began:.1f} s")
    return ids


def sweep(*, workers: int, as_of: float) -> dict:
    """Start `workers` run_deadlines processes together and wait for them."""
    from tasks.models import SweepRun

    env = {**os.environ, **bench_environment(), "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    iso = datetime.fromtimestamp(as_of, UTC).isoformat()
    last_run = SweepRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    clear_broker_queue()
    began = time.perf_counter()
    peaks, outputs, failed = [], [], 0
    with ExitStack() as stack:
        # files, not pipes: a pipe nobody reads could fill and block a worker
        logs = [stack.enter_context(tempfile.TemporaryFile()) for _ in range(workers)]
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.sweeper", "worker", "--now", iso],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            for output in logs
        ]
        for process, output in zip(processes, logs, strict=True):
            process.wait()
            output.seek(0)
            text = output.read().decode(errors="replace")
            outputs.append(text)
            failed += process.returncode != 0
            peak = re.search(r"^peak-rss-mb (\d+\.\d+)$", text, re.M)
            peaks.append(float(peak.group(1)) if peak else float("nan"))
    wall = time.perf_counter() - began
    jobs = clear_broker_queue()
    runs = list(SweepRun.objects.filter(pk__gt=last_run).order_by("pk"))
    moved = sum(run.counts.get("delivery", 0) for run in runs)
    others = sum(sum(run.counts.values()) for run in runs) - moved
    errors = sum(len(run.errors) for run in runs)
    if runs and all(run.finished_at for run in runs):
        seconds = (
            max(run.finished_at for run in runs) - min(run.started_at for run in runs)
        ).total_seconds()
    else:
        seconds = wall
    return {
        "workers": workers,
        "refunded": moved,
        "other_items": others,
        "errors": errors,
        "failed_workers": failed,
        "sweep_seconds": round(seconds, 2),
        "wall_seconds": round(wall, 2),
        "refunds_per_second": round(moved / seconds, 1) if seconds else None,
        "worker_rss_mb": [round(peak, 1) for peak in peaks],
        "per_worker": [run.counts.get("delivery", 0) for run in runs],
        "email_jobs_enqueued": jobs,
        "output_tail": [out.strip().splitlines()[-3:] for out in outputs],
    }


def worker(now: str) -> None:
    """One sweep worker: `manage.py run_deadlines --now NOW` in this process, then its peak RSS.

    The peak is VmHWM of /proc/self/status (this program's memory since it started), not
    getrusage's ru_maxrss: Linux carries the high-water mark of the forking parent (the bench,
    which has just planned the backlog) across exec into the child's figure."""
    from django.core.management import call_command

    try:
        call_command("run_deadlines", "--now", now)
    finally:
        status = Path("/proc/self/status").read_text()
        peak_kb = int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1))
        print(f"peak-rss-mb {peak_kb / 1024:.1f}", flush=True)


def run(*, sizes=(10_000, 100_000), workers: int = 2, save: bool = True, with_pgbench: bool = True):
    from core.bulk import chunks
    from escrow.selectors import ledger_breaches
    from tasks.models import Order, OrderStatus

    base = pgbench() if with_pgbench else None
    if base:
        log(f"B3: pgbench {base['tps']:,.0f} tps ({base['command']})")
    by_size = {}
    for size in sizes:
        as_of = as_of_time()
        leftovers = due_before(as_of)
        if any(leftovers.values()):
            log(f"B3: already due as of the replay time (swept with the backlog): {leftovers}")
        ids = prepare(size, as_of, seed=size)
        result = sweep(workers=workers, as_of=as_of)
        # in IN lists of core.bulk.IN_LIST ids: bound on the server, a statement takes at
        # most 65,535 parameters
        left = sum(
            Order.objects.filter(pk__in=part, status=OrderStatus.IN_PRODUCTION).count()
            for part in chunks(list(ids))
        )
        began = time.perf_counter()
        breaches = ledger_breaches()
        result["reconcile_seconds"] = round(time.perf_counter() - began, 1)
        result["left_unswept"] = left
        result["ledger_breaches"] = len(breaches)
        result["backlog"] = size
        by_size[size] = result
        log(
            f"B3: {size:,} overdue orders → {result['refunded']:,} refunded in "
            f"{result['sweep_seconds']:.1f} s = {fmt(result['refunds_per_second'])}/s by "
            f"{workers} workers ({result['wall_seconds']:.1f} s with start-up); peak RSS "
            + " / ".join(f"{mb:.0f} MB" for mb in result["worker_rss_mb"])
            + f"; per worker {result['per_worker']}; {result['errors']} errors; "
            f"{left} left; ledger {'reconciles' if not breaches else 'BROKEN'}"
        )
        if breaches or left or result["failed_workers"]:
            for line in result["output_tail"]:
                log("   ", line)
            raise SystemExit(f"B3 at {size:,}: {left} left, ledger breaches {breaches[:3]}")
    rates = [r["refunds_per_second"] or 0 for r in by_size.values()]
    largest = by_size[max(by_size)]
    peak = max(max(r["worker_rss_mb"]) for r in by_size.values())
    share = largest["refunds_per_second"] / base["tps"] if base else None
    figures = {
        "sizes": {str(k): v for k, v in by_size.items()},
        "pgbench": base,
        "refunds_per_second": largest["refunds_per_second"],
        "share_of_pgbench": share,
        "peak_rss_mb": peak,
        "rate_small_over_large": round(rates[0] / rates[-1], 2) if rates[-1] else None,
        "met_rate": share is not None and share >= 0.25,
        "met_rss": peak <= RSS_LIMIT_MB,
        # cost linear in the backlog: the largest backlog clears at least 85% as fast per
        # order as the smallest (15% for the noise of a shared machine; faster is fine)
        "met_linear": linear_enough(rates),
    }
    if base:
        print_figure(
            "B3",
            f"sweeper, {max(by_size):,} overdue orders ({workers} workers)",
            f"{fmt(largest['refunds_per_second'])} refunds/s",
            f"pgbench {fmt(base['tps'], 0)} tps",
            f"{share:.1%} (goal ≥ 25%)",
            figures["met_rate"],
        )
    print_figure(
        "B3",
        "peak RSS of a sweep worker",
        f"{peak:.0f} MB",
        f"limit {RSS_LIMIT_MB} MB",
        "(goal ≤ 300 MB)",
        figures["met_rss"],
    )
    print_figure(
        "B3",
        "refunds/s by backlog size",
        ", ".join(f"{k:,}: {fmt(v['refunds_per_second'])}/s" for k, v in by_size.items()),
        "the same rate",
        f"smallest ÷ largest backlog's rate {figures['rate_small_over_large']} (goal ≤ 1.18)",
        figures["met_linear"],
    )
    log(f"   goal: {GOALS['B3']}")
    if save:
        save_result("B3", figures)
    return figures


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sweeper", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    one = commands.add_parser("worker", help="(internal) one sweep worker process")
    one.add_argument("--now", required=True)
    parser.add_argument(
        "--sizes",
        default=os.environ.get("BENCH_B3_SIZES") or default_sizes(),
        help="backlog sizes, comma-separated (default BENCH_B3_SIZES, else 10,000 and 100,000 "
        "× BENCH_SCALE)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)
    setup_django()
    require_bench_database()
    if args.command == "worker":
        worker(args.now)
        return
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    run(
        sizes=sizes,
        workers=args.workers,
        save=not args.no_save,
        with_pgbench=not args.no_pgbench,
    )


if __name__ == "__main__":
    main()
