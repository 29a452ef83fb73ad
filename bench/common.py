"""What the issue-10 benchmarks (B1–B4) share: the environment they run in, the database they
may touch, pgbench (the database's own limit), the figures file and the docs writer.

Every benchmark runs as production does: DEBUG off (so Django keeps no query log), the
filesystem Celery broker under its own VAR_DIR (the e-mail jobs the services enqueue go there
and are thrown away), and a database whose name starts with `mk_bench10`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
DOCS_FILE = ROOT / "docs" / "performance.md"
DOCS_SECTION = "## Benchmarks B1–B4 (issue 10)"
BEGIN_MARK = "<!-- bench10:figures:begin (written by `make bench`; edit bench/common.py) -->"
END_MARK = "<!-- bench10:figures:end -->"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mk_bench10"
DATABASE_PREFIX = "mk_bench10"
PGBENCH_DATABASE = "mk_bench10_pgbench"

# What each benchmark must reach (issue 10; B1 and B4 against issue 20's fair competitors).
GOALS = {
    "B1": "API ≤ 1.25× the same SQL in a bare Django view and ≤ 2.5× the hand SQL; queries per "
    "request the same at page size 20 and 100",
    "B2": "transactions/s of the four steps ≥ 25% of pgbench's tps (issue 20; the money-moving "
    "ones alone shown beside); pay and confirm ≤ 6 statements each, BEGIN and COMMIT included",
    "B3": "refunds/s ≥ 25% of pgbench's tps; worker RSS ≤ 300 MB; same rate at 10k and 100k",
    "B4": "plaza API ≥ 80% and plaza page ≥ 60% of the session-authenticated hand-SQL view's "
    "requests/s, no errors",
}


# marketplace_user's columns, in the order the generators COPY them
USER_COLUMNS = [
    "id",
    "password",
    "last_login",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
    "side",
    "side_chosen_at",
]
# marketplace_creatorprofile's columns, likewise
PROFILE_COLUMNS = [
    "id",
    "display_name",
    "bio",
    "followers",
    "rating",
    "rating_count",
    "created_at",
    "updated_at",
    "agency_id",
    "user_id",
]


def bench_environment() -> dict[str, str]:
    """The environment every bench process gets (and the gunicorn of B4)."""
    return {
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench10-not-a-secret-" + "x" * 32),
        "VAR_DIR": str(var_dir()),
        "ALLOWED_HOSTS": "localhost,127.0.0.1,testserver",
        "LOG_LEVEL": "WARNING",
        # Production settings over plain http on loopback with the sandbox gateway: a demo (Z1),
        # no https redirect, and no API throttles in a load test (Z2).
        "DEMO_DEPLOYMENT": "1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "API_THROTTLE": "off",
        # the bench must never talk to a shared Redis queue: other jobs' workers read it
        "REDIS_URL": "",
    }


def database_url() -> str:
    return (
        os.environ.get("BENCH10_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or DEFAULT_DATABASE_URL
    )


def var_dir() -> Path:
    return Path(os.environ.get("BENCH10_VAR_DIR", ROOT / "var" / "bench10"))


def setup_django(settings_module: str = "marketplace.settings") -> None:
    """Configure Django for a bench process (DEBUG off, bench VAR_DIR, bench database)."""
    for key, value in bench_environment().items():
        if key == "REDIS_URL":
            os.environ.pop(key, None)
        elif key in ("SECRET_KEY", "LOG_LEVEL"):
            os.environ.setdefault(key, value)
        else:  # a benchmark always runs as production does, on the bench database
            os.environ[key] = value
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def require_bench_database(force: bool = False) -> str:
    """The database's name; refuse anything that is not a mk_bench10… database."""
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit(
            "the issue-10 benchmarks need PostgreSQL; set BENCH10_DATABASE_URL="
            f"{DEFAULT_DATABASE_URL}"
        )
    name = connection.settings_dict["NAME"]
    if not name.startswith(DATABASE_PREFIX) and not force:
        raise SystemExit(
            f"refusing to run on {name!r}: the benchmarks write millions of rows and may only "
            f"use a database whose name starts with {DATABASE_PREFIX!r}"
        )
    return name


def pg():
    """The psycopg 3 connection under Django's (same session, same transaction)."""
    from django.db import connection

    connection.ensure_connection()
    return connection.connection


def scalar(sql: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return row[0] if row else None


def log(*args) -> None:
    print(*args, flush=True)


# --- the machine --------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """Cores, memory, load and the PostgreSQL settings that matter (bench.agencies' helper)."""
    from bench.agencies import machine as agencies_machine

    box = agencies_machine()
    for name in ("max_connections", "synchronous_commit", "effective_cache_size"):
        box[name] = str(scalar(f"SHOW {name}"))
    return box


def machine_line(box: dict[str, str]) -> str:
    return (
        f"{box['cpu_cores']} CPU cores, {box['memory']} RAM; PostgreSQL "
        f"{box['server_version'].split(' ')[0]} on the same machine (shared_buffers "
        f"{box['shared_buffers']}, work_mem {box['work_mem']}, synchronous_commit "
        f"{box['synchronous_commit']}, jit {box['jit']})"
    )


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# --- pgbench: what the database server itself can do ------------------------------------


def _pg_cli_args(url: str | None = None) -> tuple[list[str], dict[str, str]]:
    parsed = urlparse(url or database_url())
    args = ["-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432)]
    args += ["-U", parsed.username or "postgres"]
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    return args, env


def pgbench_binary() -> str:
    found = shutil.which("pgbench")
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"), reverse=True):
        return str(candidate)
    raise SystemExit(
        "pgbench is missing: `apt-get install -y postgresql-contrib` (on Debian 12 it ships in "
        "postgresql-15, which postgresql-contrib pulls in); `make bench` does it"
    )


def pgbench(*, clients: int = 8, threads: int = 2, seconds: int = 20, scale: int = 10) -> dict:
    """TPC-B-like pgbench (`pgbench -c 8 -j 2 -T 20`) on the bench's database server, in its
    own database. Scale 10 (1,000,000 pgbench_accounts rows): more branches than clients, so
    the clients do not all queue on one branch row. Returns tps and latency."""
    args, env = _pg_cli_args()
    binary = pgbench_binary()
    subprocess.run(
        ["createdb", *args, PGBENCH_DATABASE],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    began = time.perf_counter()
    subprocess.run(
        [binary, *args, "-i", "-q", "-s", str(scale), PGBENCH_DATABASE],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    init_seconds = time.perf_counter() - began
    command = [binary, *args, "-c", str(clients), "-j", str(threads), "-T", str(seconds)]
    result = subprocess.run(
        [*command, PGBENCH_DATABASE], env=env, check=True, capture_output=True, text=True
    )
    text = result.stdout
    tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", text)
    latency = re.search(r"latency average = ([0-9.]+) ms", text)
    done = re.search(r"number of transactions actually processed: (\d+)", text)
    if tps is None:
        raise SystemExit(f"could not read pgbench's tps from:\n{text}\n{result.stderr}")
    return {
        "command": f"pgbench -c {clients} -j {threads} -T {seconds} (scale {scale})",
        "tps": float(tps.group(1)),
        "latency_ms": float(latency.group(1)) if latency else None,
        "transactions": int(done.group(1)) if done else None,
        "init_seconds": round(init_seconds, 1),
        "load_average": load_average(),
    }


# --- figures: each benchmark saves its own, the docs writer reads them all ---------------


def results_path() -> Path:
    return var_dir() / "results.json"


def run_id() -> str:
    """One `make bench` is one run: its steps share BENCH_RUN_ID."""
    return os.environ.get("BENCH_RUN_ID") or datetime.now().strftime("%Y%m%dT%H%M%S")


def save_result(key: str, figures: dict) -> None:
    path = results_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(path.read_text()) if path.exists() else {}
    data[key] = {
        **figures,
        "load_average": load_average(),
        "run_id": run_id(),
        "finished_at": datetime.now().isoformat(timespec="seconds"),
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def load_results() -> dict:
    path = results_path()
    return json.loads(path.read_text()) if path.exists() else {}


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values, q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def print_figure(code: str, label: str, value: str, competitor: str, ratio: str, met) -> None:
    """One figure with its goal, as `make bench` prints it."""
    status = "" if met is None else f"  [{verdict(bool(met))}]"
    log(f"{code} {label}: {value}  vs  {competitor}  →  {ratio}{status}")


# --- docs/performance.md --------------------------------------------------------------------


def write_figures(text: str, path: Path = DOCS_FILE) -> None:
    """Put `text` between the figure markers of the issue-10 section of docs/performance.md.

    The rest of the section (what was slow, what was changed) is written by hand and kept;
    a missing section is appended after the existing ones, with an empty notes part.
    """
    content = path.read_text() if path.exists() else "# Performance\n\n"
    block = f"{BEGIN_MARK}\n{text.rstrip()}\n{END_MARK}"
    if BEGIN_MARK in content and END_MARK in content:
        head, rest = content.split(BEGIN_MARK, 1)
        _old, tail = rest.split(END_MARK, 1)
        content = head + block + tail
    else:
        if not content.endswith("\n"):
            content += "\n"
        if DOCS_SECTION not in content:
            content += f"\n{DOCS_SECTION}\n\n{block}\n"
        else:
            head, tail = content.split(DOCS_SECTION, 1)
            content = f"{head}{DOCS_SECTION}\n\n{block}\n{tail}"
    path.write_text(content)


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def today() -> str:
    return f"{date.today():%Y-%m-%d}"


def python_module_command(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


# --- the figures of one `make bench`, as a table ---------------------------------------------


def _yes(value) -> str:
    return "yes" if value else "**no**"


def figures_table(results: dict, box: dict[str, str], data: dict | None) -> str:
    """The generated part of the docs section: machine, data, the table, the details."""
    lines = []
    runs = sorted({r.get("run_id", "?") for r in results.values()})
    loads = ", ".join(f"{k} {v.get('load_average', '?')}" for k, v in sorted(results.items()))
    lines.append(
        f"Measured on {today()} by `make bench` (run {', '.join(runs)}) on {machine_line(box)}. "
        "The machine is shared with other jobs: 1/5/15-minute load average when each benchmark "
        f"finished: {loads}. Each competitor ran in the same run on the same machine."
    )
    lines.append("")
    if data:
        statuses = data.get("orders_by_status", {})
        lines.append(
            f"Data (`python -m bench.generate`, scale {data.get('scale', 1)}, seed "
            f"{data.get('seed')}): {data['tasks']:,} tasks ({data.get('open_plaza_tasks', 0):,} "
            f"open on the plaza), {data['creators']:,} creators, {data['merchants']:,} "
            f"merchants, {sum(statuses.values()):,} orders in {len(statuses)} states, "
            f"{data['rows'].get('applications', 0):,} applications, "
            f"{data['rows'].get('ledger entries', 0):,} ledger entries, "
            f"{data['rows'].get('orders: state log', 0):,} StateLog rows; written with COPY in "
            f"{data['total_seconds']:.0f} s."
        )
        lines.append("")
    lines += [
        "| Figure | Value | Competitor | Ratio | Goal | Met |",
        "|---|---|---|---|---|---|",
    ]
    b1, b2, b3, b4 = (results.get(k) for k in ("B1", "B2", "B3", "B4"))
    if b1:
        deep = f"deep page (row {b1['deep_row']:,})"
        for name, label in (("first", "first page"), ("deep", deep)):
            page = b1[name]
            if page.get("view_median_ms") is not None:
                lines.append(
                    f"| B1 plaza API, {label}, median of {b1['repeats']} | "
                    f"{page['api_median_ms']:.1f} ms | the same SQL in a bare Django view "
                    f"{page['view_median_ms']:.2f} ms | {page['ratio_view']}× | ≤ 1.25× | "
                    f"{_yes((page['ratio_view'] or 99) <= 1.25)} |"
                )
            lines.append(
                f"| B1 plaza API, {label}, median of {b1['repeats']} | "
                f"{page['api_median_ms']:.1f} ms | hand SQL {page['sql_median_ms']:.2f} ms | "
                f"{page['ratio']}× | ≤ 2.5× | {_yes((page['ratio'] or 99) <= 2.5)} |"
            )
        small, large = b1["queries"]["page_size_20"], b1["queries"]["page_size_100"]
        lines.append(
            f"| B1 queries per API request | {small['queries']} (page size 20) | "
            f"{large['queries']} (page size 100) | – | does not grow | {_yes(b1['queries_met'])} |"
        )
    if b2:
        base = b2.get("pgbench") or {}
        if "service_share_of_pgbench" in b2:
            lines.append(
                f"| B2 transactions/s of the four steps, {b2['workers']} workers | "
                f"{b2['service_tps']:,.1f} ({b2['flows_per_second']:,.1f} flows/s) | pgbench "
                f"{base.get('tps', 0):,.0f} tps | "
                f"{100 * (b2['service_share_of_pgbench'] or 0):.1f}% | ≥ 25% | "
                f"{_yes(b2['service_met'])} |"
            )
        lines.append(
            f"| B2 money-moving transactions/s (pay and confirm), {b2['workers']} workers | "
            f"{b2['money_tps']:,.1f} | pgbench "
            f"{base.get('tps', 0):,.0f} tps | {100 * (b2['share_of_pgbench'] or 0):.1f}% | "
            f"≥ 25% | {_yes(b2['met'])} |"
        )
        if "step_statements" in b2:
            counts = b2["step_statements"]
            lines.append(
                "| B2 statements per step, BEGIN and COMMIT included | "
                + ", ".join(f"{step} {count}" for step, count in counts.items())
                + " | – | – | pay and confirm ≤ 6 | "
                + f"{_yes(b2['statements_met'])} |"
            )
    if b3:
        base = b3.get("pgbench") or {}
        sizes = {int(k): v for k, v in b3["sizes"].items()}
        large = sizes[max(sizes)]
        lines.append(
            f"| B3 refunds/s, {max(sizes):,} overdue orders, {large['workers']} workers | "
            f"{large['refunds_per_second']:,.1f} | pgbench {base.get('tps', 0):,.0f} tps | "
            f"{100 * (b3['share_of_pgbench'] or 0):.1f}% | ≥ 25% | {_yes(b3['met_rate'])} |"
        )
        small = sizes[min(sizes)]
        linear = (large["refunds_per_second"] or 0) >= 0.85 * (small["refunds_per_second"] or 0)
        lines.append(
            f"| B3 refunds/s, {min(sizes):,} vs {max(sizes):,} overdue orders | "
            f"{small['refunds_per_second']:,.1f} | {large['refunds_per_second']:,.1f} | "
            f"{b3['rate_small_over_large']} | the same: the larger backlog not slower per order "
            f"(ratio ≤ 1.18) | {_yes(linear)} |"
        )
        lines.append(
            f"| B3 peak RSS of a sweep worker | {b3['peak_rss_mb']:.0f} MB | – | – | ≤ 300 MB | "
            f"{_yes(b3['met_rss'])} |"
        )
    if b4:
        targets = b4["targets"]
        floor, fair = targets["minimal view"], targets.get("hand-SQL view")
        for name, goal in (("plaza page", 0.6), ("plaza API", 0.8)):
            r = targets[name]
            if fair is None:  # a run from before issue 20's competitor
                continue
            ok = r["share_of_hand_sql"] >= goal and r["errors"] == 0 and fair["errors"] == 0
            lines.append(
                f"| B4 {name}, wrk -c{b4['connections']} {b4['seconds']} s, gunicorn "
                f"{b4['workers']} workers | {r['requests_per_second']:,.1f} req/s, "
                f"{r['errors']} errors | session-authenticated hand-SQL view "
                f"{fair['requests_per_second']:,.1f} req/s ({fair['errors']} errors); minimal "
                f"view {floor['requests_per_second']:,.1f} req/s ({floor['errors']} errors, "
                f"{100 * r['share_of_minimal']:.1f}% of it) | "
                f"{100 * r['share_of_hand_sql']:.1f}% | ≥ {100 * goal:.0f}%, no errors | "
                f"{_yes(ok)} |"
            )
    lines.append("")
    lines.append("Details of the same run:")
    lines.append("")
    if b1:
        small = b1["queries"]["page_size_20"]
        lines.append(
            f"- B1: the persona `bench10-creator-000001` sees {b1['visible_tasks']:,} tasks of "
            f"the filter (channel taobao_live, ¥300–¥3,000). p90: first page API "
            f"{b1['first']['api_p90_ms']:.1f} ms / bare view "
            f"{b1['first'].get('view_p90_ms', 0):.2f} ms / SQL "
            f"{b1['first']['sql_p90_ms']:.2f} ms, deep page {b1['deep']['api_p90_ms']:.1f} / "
            f"{b1['deep'].get('view_p90_ms', 0):.2f} / {b1['deep']['sql_p90_ms']:.2f} ms. The "
            f"bare view makes {b1['queries'].get('bare_view', {}).get('queries', '–')} queries "
            f"(the session, the user, HAND_SQL). One API "
            f"request (deep page) spends {small['sql_ms']} ms in SQL of its {small['total_ms']} "
            f"ms. Page size {b1['first']['api_bytes']:,} bytes (API) / "
            f"{b1['first']['sql_bytes']:,} (hand SQL); same task ids in the same order: "
            f"{_yes(b1['same_ids'])}."
        )
    if b2:
        steps = ", ".join(
            f"{k} {v['median']:.0f} / {v['p95']:.0f} ms" for k, v in b2["step_ms"].items()
        )
        base = b2.get("pgbench") or {}
        lines.append(
            f"- B2: {b2['flows']:,} flows in {b2['seconds']:.1f} s, {b2['errors']} errors; per "
            f"step median / p95 under load: {steps}; worker peak RSS "
            f"{b2['worker_max_rss_mb']:.0f} MB; the workers' own CPU "
            f"{100 * b2.get('python_cpu_share', 0):.0f}% of the machine's "
            f"({b2.get('python_cpu_ms_per_flow', 0):.0f} ms per flow); "
            f"{b2['email_jobs_enqueued']:,} e-mail jobs enqueued (the copies are sent by the "
            f"beat job send_pending_emails); ledger reconciled afterwards: "
            f"{_yes(not b2['ledger_breaches'])}. "
            f"pgbench: {base.get('command', '')}, latency {base.get('latency_ms')} ms."
        )
    if b3:
        for size, r in sorted(((int(k), v) for k, v in b3["sizes"].items())):
            lines.append(
                f"- B3, {size:,} overdue orders: refunded {r['refunded']:,} in "
                f"{r['sweep_seconds']:.1f} s of sweep ({r['wall_seconds']:.1f} s with the "
                f"processes' start-up), split {r['per_worker']} between the workers, "
                f"{r['errors']} errors, {r['left_unswept']} left, peak RSS "
                + " / ".join(f"{mb:.0f} MB" for mb in r["worker_rss_mb"])
                + f"; ledger reconciled afterwards: {_yes(not r['ledger_breaches'])}."
            )
    if b4:
        parts = []
        for name, r in b4["targets"].items():
            latency = r["latency_ms"]
            parts.append(
                f"{name} p50 {latency.get('50', 0):,.1f} ms / p99 {latency.get('99', 0):,.1f} ms"
            )
        lines.append(f"- B4 latency: {'; '.join(parts)}.")
        persistent = b4.get("persistent_connections")
        if persistent:
            lines.append(
                "- B4 with persistent database connections (DB_CONN_MAX_AGE=60): "
                + ", ".join(
                    f"{name} {r['requests_per_second']:,.1f} req/s ({r['errors']} errors)"
                    for name, r in persistent.items()
                )
                + "."
            )
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.common")
    parser.add_argument("--write-docs", action="store_true", help=f"update {DOCS_FILE.name}")
    args = parser.parse_args(argv)
    setup_django()
    require_bench_database()
    results = load_results()
    missing = [key for key in ("B1", "B2", "B3", "B4") if key not in results]
    if missing:
        log(f"no figures yet for {', '.join(missing)} (run them first)")
    runs = {r.get("run_id") for r in results.values()}
    if len(runs) > 1:
        log(f"note: the figures come from several runs: {sorted(runs)}")
    record = var_dir() / "generate.json"
    data = json.loads(record.read_text()) if record.exists() else None
    text = figures_table(results, machine(), data)
    log("")
    log(text)
    if args.write_docs:
        write_figures(text)
        log(f"wrote the figures into {DOCS_SECTION!r} of {DOCS_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()


def write_docs_section(path: Path, heading: str, section: str) -> None:
    """Replace the section of docs/performance.md that starts at `heading` (up to the next
    "## " line or the end) with `section`, or append it. Each bench owns one section."""
    lines = path.read_text().splitlines(keepends=True) if path.exists() else ["# Performance\n"]
    begin = next((i for i, line in enumerate(lines) if line.rstrip() == heading), None)
    if begin is None:
        if lines and lines[-1].strip():
            lines.append("\n")
        lines.append(section)
    else:
        stop = next(
            (i for i in range(begin + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        tail = lines[stop:]
        lines[begin:stop] = [section + ("\n" if tail else "")]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines))


def generate_into_bench_database(
    name: str, *, force: bool, example: str, wipe, generate, arguments: dict, share: str, record
):
    """A bench's `generate` command: refuse a database whose name lacks "bench" (unless
    `force`), delete an earlier run's rows (`wipe`), call `generate()` and keep its record
    (write_generate_record) at `record`. Returns what `generate()` returned."""
    if "bench" not in name and not force:
        raise SystemExit(
            f"refusing to write the bench rows into {name!r}: use a dedicated database "
            f"whose name contains 'bench' (e.g. {example}), or pass --force"
        )
    print(f"database {name}: deleting the rows of any earlier bench run first")
    began = time.perf_counter()
    wipe()
    wipe_seconds = time.perf_counter() - began
    result = generate()
    write_generate_record(record, arguments, result, share=share, wipe_seconds=wipe_seconds)
    return result


def write_generate_record(
    path: Path, arguments: dict, result, *, share: str, wipe_seconds: float
) -> None:
    """What a bench's `generate` made, for its docs section: the arguments, the rows and
    seconds per table, and `share` (the attribute of `result` the section quotes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                **arguments,
                "rows": result.rows,
                "seconds": {k: round(v, 2) for k, v in result.seconds.items()},
                "total_seconds": round(result.total_seconds, 2),
                share: round(getattr(result, share), 4),
                "wipe_seconds": round(wipe_seconds, 2),
                "finished_at": datetime.now().isoformat(timespec="seconds"),
            },
            indent=2,
        )
    )
