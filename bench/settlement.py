"""B2: settlement throughput through the services, against pgbench on the same server (issue 10).

    BENCH10_DATABASE_URL=… python -m bench.settlement [--workers 8] [--seconds 20] [--no-save]

N worker processes (default 8) each take private orders pending payment and run the whole
flow through the services, as the merchant and the creator would: `order_pay` (wallet →
escrow, E4) → `order_accept` → `order_deliver` → `order_confirm` (escrow → the creator's
earnings, T52). Each step is one database transaction with its row locks (order, then ledger
accounts by primary key, then the creator profile), its StateLog row (T70) and its inbox lines
(D5; their e-mail copies are sent by the beat job send_pending_emails, which the bench does not
run). Since issue 20 each step is an order step (tasks.services.steps): on PostgreSQL its rows
are written by one call of the database function tasks_order_step. Before the timed run the
bench walks one order through the four steps and counts each step's statements (BEGIN and
COMMIT included); the goal is at most 6 for pay and for confirm.

Figures: completed flows per second, and money-moving transactions per second (the pay and the
confirm of each flow move money; accept and deliver do not), against `pgbench -c 8 -j 2 -T 20`
(TPC-B-like) run just before on the same PostgreSQL server. Goal: ≥ 25% of pgbench's tps.

Each worker gets the orders of its own shops (shop id modulo N), so two workers never queue on
one merchant wallet; they may meet on a creator's earnings account, as real traffic does. The
pool is made beforehand with bench.generate.add_orders when the generated orders pending
payment run short. The ledger is reconciled (E9) afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import (
    GOALS,
    ROOT,
    bench_environment,
    fmt,
    log,
    median,
    percentile,
    pgbench,
    print_figure,
    require_bench_database,
    save_result,
    setup_django,
    var_dir,
)

STEPS = ("pay", "accept", "deliver", "confirm")
MONEY_STEPS = ("pay", "confirm")
FLOWS_PER_WORKER_SECOND = 40  # pool size: more than a worker can do, so none runs dry


def clear_broker_queue() -> int:
    """The e-mail jobs the services enqueued (nobody consumes them in a bench)."""
    removed = 0
    for folder in ("queue", "processed"):
        path = var_dir() / "broker" / folder
        if path.is_dir():
            for item in path.iterdir():
                item.unlink(missing_ok=True)
                removed += 1
    return removed


def pool(*, workers: int, per_worker: int) -> dict[int, list[int]]:
    """Order ids pending payment for each worker (shop id modulo `workers`), adding private
    tasks with their orders when the data set has too few."""
    from datetime import timedelta

    from django.utils import timezone

    from bench.generate import add_orders
    from tasks.models import Order, OrderKind, OrderStatus

    def available():
        chosen: dict[int, list[int]] = {index: [] for index in range(workers)}
        rows = (
            Order.objects.filter(
                kind=OrderKind.PRIVATE,
                status=OrderStatus.PENDING_PAYMENT,
                delivery_deadline__gt=timezone.now() + timedelta(hours=6),
            )
            .order_by("pk")
            .values_list("pk", "shop_id")
        )
        for pk, shop_id in rows:
            chosen[shop_id % workers].append(pk)
        return chosen

    chosen = available()
    shortfalls = {index: per_worker - len(ids) for index, ids in chosen.items()}
    if any(short > 0 for short in shortfalls.values()):
        now = time.time()
        missing = sum(max(short, 0) for short in shortfalls.values())
        log(f"B2: adding private orders pending payment ({missing:,} more)")
        for index, short in shortfalls.items():
            if short <= 0:
                continue
            # Each worker takes the orders of its own shops (shop id modulo `workers`), so
            # the orders are added to that worker's shops: a random spread could leave one
            # worker short whatever the total.
            add_orders(
                count=short,
                status=OrderStatus.PENDING_PAYMENT,
                deadline_from=now + 10 * 86_400,
                deadline_to=now + 30 * 86_400,
                seed=int(now) + index,
                label="B2 pool",
                shop_filter=lambda shop_id, index=index: shop_id % workers == index,
            )
        chosen = available()
    return {index: ids[:per_worker] for index, ids in chosen.items()}


# --- one worker process ------------------------------------------------------------------------


def worker(*, orders_file: Path, seconds: float, start_at: float) -> dict:
    """Run flows on the given orders from `start_at` for `seconds`; return what was done."""
    from parties.models import Membership
    from tasks import services
    from tasks.models import Order

    ids = json.loads(orders_file.read_text())
    orders = list(Order.objects.filter(pk__in=ids).select_related("creator__user").order_by("pk"))
    shop_ids = {order.shop_id for order in orders}
    owners = {
        membership.organization.shop.pk: membership.user
        for membership in Membership.objects.filter(
            organization__shop__in=shop_ids, role="owner"
        ).select_related("user", "organization__shop")
    }
    step_times: dict[str, list[float]] = {step: [] for step in STEPS}
    flow_times: list[float] = []
    errors: list[str] = []
    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)
    from resource import RUSAGE_SELF, getrusage

    before = getrusage(RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    began = time.perf_counter()
    deadline = began + seconds
    done = 0
    for order in orders:
        if time.perf_counter() >= deadline:
            break
        merchant, creator = owners[order.shop_id], order.creator.user
        flow_began = time.perf_counter()
        try:
            t = time.perf_counter()
            services.order_pay(order=order, actor=merchant)
            step_times["pay"].append(time.perf_counter() - t)
            t = time.perf_counter()
            services.order_accept(order=order, actor=creator)
            step_times["accept"].append(time.perf_counter() - t)
            t = time.perf_counter()
            services.order_deliver(
                order=order,
                actor=creator,
                links=[f"https://v.taobao.com/content/{order.pk}"],
                note="已发布",
            )
            step_times["deliver"].append(time.perf_counter() - t)
            t = time.perf_counter()
            services.order_confirm(order=order, actor=merchant, rating=5, comment="好")
            step_times["confirm"].append(time.perf_counter() - t)
        except Exception as exc:  # counted and shown: a benchmark must not hide a failure
            errors.append(f"order {order.pk}: {exc!r}"[:300])
            continue
        flow_times.append(time.perf_counter() - flow_began)
        done += 1
    elapsed = time.perf_counter() - began
    usage = getrusage(RUSAGE_SELF)
    return {
        "cpu_seconds": usage.ru_utime + usage.ru_stime - cpu_before,
        "flows": done,
        "elapsed": elapsed,
        "ran_dry": done == len(orders),
        "step_times": step_times,
        "flow_times": flow_times,
        "errors": errors,
        # VmHWM, not ru_maxrss: Linux carries the forking parent's peak across exec into it
        "max_rss_kb": int(
            re.search(r"^VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)[1]
        ),
    }


# --- statements per step ---------------------------------------------------------------------


def step_statements(order_id: int) -> dict[str, int]:
    """Walk one order through the four steps and count each step's statements, BEGIN and
    COMMIT included."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from parties.models import Membership
    from tasks import services
    from tasks.models import Order

    ContentType.objects.get_for_model(Order)  # the process-wide cache a worker has warm
    order = Order.objects.select_related("creator__user").get(pk=order_id)
    merchant = Membership.objects.get(organization__shop=order.shop_id, role="owner").user
    creator = order.creator.user
    steps = {
        "pay": lambda: services.order_pay(order=order, actor=merchant),
        "accept": lambda: services.order_accept(order=order, actor=creator),
        "deliver": lambda: services.order_deliver(
            order=order, actor=creator, links=[f"https://v.taobao.com/content/{order.pk}"]
        ),
        "confirm": lambda: services.order_confirm(order=order, actor=merchant, rating=5),
    }
    counts = {}
    for name, step in steps.items():
        with CaptureQueriesContext(connection) as queries:
            step()
        captured = [query["sql"] for query in queries.captured_queries]
        # Django's psycopg backend logs BEGIN and COMMIT itself; count them once either way
        counts[name] = len(captured) + ("BEGIN" not in captured) + ("COMMIT" not in captured)
    return counts


# --- the run -----------------------------------------------------------------------------------


def run(*, workers: int = 8, seconds: float = 20, save: bool = True, with_pgbench: bool = True):
    from escrow.selectors import ledger_breaches

    per_worker = int(FLOWS_PER_WORKER_SECOND * seconds)
    chosen = pool(workers=workers, per_worker=per_worker)
    base = pgbench() if with_pgbench else None
    if base:
        log(
            f"B2: pgbench {base['tps']:,.0f} tps ({base['command']}, latency "
            f"{base['latency_ms']} ms)"
        )
    # one order of the first worker's pool, walked through the steps before the timed run
    statements = step_statements(chosen[0].pop())
    log(
        "B2: statements per step (BEGIN and COMMIT included): "
        + ", ".join(f"{step} {count}" for step, count in statements.items())
    )
    clear_broker_queue()
    env = {**os.environ, **bench_environment(), "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    start_at = time.time() + 8  # after every worker has imported Django and loaded its orders
    processes = []
    with tempfile.TemporaryDirectory() as folder:
        for index in range(workers):
            path = Path(folder) / f"orders-{index}.json"
            path.write_text(json.dumps(chosen[index]))
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "bench.settlement",
                        "worker",
                        "--orders-file",
                        str(path),
                        "--seconds",
                        str(seconds),
                        "--start-at",
                        str(start_at),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        results = []
        for process in processes:
            out, _err = process.communicate()
            if process.returncode != 0:
                raise SystemExit(f"a B2 worker failed (exit {process.returncode})")
            results.append(json.loads(out.strip().splitlines()[-1]))
    jobs = clear_broker_queue()
    flows = sum(r["flows"] for r in results)
    elapsed = max(r["elapsed"] for r in results)
    errors = [e for r in results for e in r["errors"]]
    steps = {step: [t for r in results for t in r["step_times"][step]] for step in STEPS}
    flow_times = [t for r in results for t in r["flow_times"]]
    flows_per_second = flows / elapsed if elapsed else 0.0
    money_tps = flows_per_second * len(MONEY_STEPS)
    service_tps = flows_per_second * len(STEPS)
    share = money_tps / base["tps"] if base else None
    # issue 20's goal counts the transactions of all four steps (each is one)
    service_share = service_tps / base["tps"] if base else None
    began = time.perf_counter()
    breaches = ledger_breaches()
    reconcile_seconds = time.perf_counter() - began
    figures = {
        "workers": workers,
        "seconds": round(elapsed, 2),
        "flows": flows,
        "flows_per_second": round(flows_per_second, 1),
        "money_tps": round(money_tps, 1),
        "service_tps": round(service_tps, 1),
        "pgbench": base,
        "share_of_pgbench": share,
        "met": share is not None and share >= 0.25,
        "service_share_of_pgbench": service_share,
        "service_met": service_share is not None and service_share >= 0.25,
        "step_statements": statements,
        "statements_met": statements["pay"] <= 6 and statements["confirm"] <= 6,
        "errors": len(errors),
        "error_samples": errors[:5],
        "ran_dry": any(r["ran_dry"] for r in results),
        "step_ms": {
            step: {
                "median": round(median(times) * 1000, 2),
                "p95": round(percentile(times, 0.95) * 1000, 2),
            }
            for step, times in steps.items()
        },
        "flow_ms": {
            "median": round(median(flow_times) * 1000, 1),
            "p95": round(percentile(flow_times, 0.95) * 1000, 1),
        },
        "worker_max_rss_mb": round(max(r["max_rss_kb"] for r in results) / 1024, 1),
        # the workers' own CPU, as a share of all the machine's cores over the run
        "python_cpu_share": round(
            sum(r["cpu_seconds"] for r in results) / (elapsed * (os.cpu_count() or 1)), 3
        ),
        "python_cpu_ms_per_flow": round(
            1000 * sum(r["cpu_seconds"] for r in results) / max(1, flows), 1
        ),
        "email_jobs_enqueued": jobs,
        "ledger_breaches": len(breaches),
        "reconcile_seconds": round(reconcile_seconds, 1),
    }
    log(
        f"B2: {workers} workers, {flows:,} flows in {elapsed:.1f} s = {flows_per_second:,.1f} "
        f"flows/s = {money_tps:,.1f} money-moving tx/s ({service_tps:,.1f} service tx/s); "
        f"{len(errors)} errors; ledger {'reconciles' if not breaches else 'BROKEN'} "
        f"({reconcile_seconds:.1f} s)"
    )
    log(
        "  per step, median / p95 ms: "
        + ", ".join(
            f"{step} {v['median']:.1f} / {v['p95']:.1f}" for step, v in figures["step_ms"].items()
        )
    )
    log(
        f"  workers' own CPU: {figures['python_cpu_ms_per_flow']} ms per flow, "
        f"{figures['python_cpu_share']:.0%} of the machine"
    )
    for line in errors[:5]:
        log(f"  error: {line}")
    if figures["ran_dry"]:
        log("  note: a worker ran out of orders before the time was up")
    if base:
        print_figure(
            "B2",
            f"settlement ({workers} workers, pay → accept → deliver → confirm)",
            f"{fmt(money_tps)} money-moving tx/s",
            f"pgbench {fmt(base['tps'], 0)} tps",
            f"{share:.1%} (goal ≥ 25%)",
            figures["met"],
        )
    log(f"   goal: {GOALS['B2']}")
    if breaches:
        raise SystemExit(f"B2 left the ledger broken: {breaches[:3]}")
    if save:
        save_result("B2", figures)
    return figures


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.settlement", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    one = commands.add_parser("worker", help="(internal) one worker process")
    one.add_argument("--orders-file", type=Path, required=True)
    one.add_argument("--seconds", type=float, required=True)
    one.add_argument("--start-at", type=float, required=True)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--no-pgbench", action="store_true", help="skip the competitor")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)
    setup_django()
    require_bench_database()
    if args.command == "worker":
        result = worker(orders_file=args.orders_file, seconds=args.seconds, start_at=args.start_at)
        print(json.dumps(result))
        return
    run(
        workers=args.workers,
        seconds=args.seconds,
        save=not args.no_save,
        with_pgbench=not args.no_pgbench,
    )


if __name__ == "__main__":
    main()
