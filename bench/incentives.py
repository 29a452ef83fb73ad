"""The growth evaluation (I6, with I4's first-come-first-served budget and I9's month refund
rate) at scale: `growth_evaluate` over 100,000 live accounts and 2,000,000 视频号 lives of one
month, next to one hand-written SQL statement that computes the same awards.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mk_bench_inc \\
        python -m bench.incentives generate --accounts 100000 --sessions 2000000 --month 2026-10
    DATABASE_URL=... python -m bench.incentives run --month 2026-10 [--write-docs]

`make bench-incentives` does both (it drops, creates and migrates the database first).

PostgreSQL only, and meant for a dedicated database (its name must contain "bench" unless
--force): `generate` first deletes the rows an earlier run of it created (users named
"bench-inc-…", live accounts "bench-inc-…", lives "bench-inc-…", and what hangs off them),
then writes the new rows with COPY.

`run` leaves the database as it found it: each `growth_evaluate` runs inside a transaction that
is rolled back after the deferred constraint checks of its commit have run (the coupon book is
append-only, so a committed evaluation could not be undone). It times the hand SQL, the service
and the service's read (`growth_rows`) alone, checks that the service wrote the awards the hand
SQL computes, and with --write-docs writes the section "## Growth evaluation at scale (I6)" of
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.agencies import (
    _copy,
    _month_arg,
    _month_bounds,
    _next_id,
    _pg,
    _Recorder,
    _scalar,
    _sync_sequence,
    _table,
    machine,
    require_postgres,
    setup_django,
)
from bench.common import (
    DOCS_FILE,
    PROFILE_COLUMNS,
    ROOT,
    USER_COLUMNS,
    generate_into_bench_database,
    write_docs_section,
)

SEED = 20261108
DOCS_SECTION = "## Growth evaluation at scale (I6)"
BEIJING = ZoneInfo("Asia/Shanghai")

# How the rows of a bench run are recognised (wipe() deletes these and nothing else).
BENCH_USER_PREFIX = "bench-inc-creator-"
BENCH_FINDER_PREFIX = "bench-inc-"
BENCH_SESSION_PREFIX = "bench-inc-"

# The shape of the generated month.
OCCASIONAL_SHARE = 0.35  # accounts that go live now and then (a fifth of the usual rate)
HIGH_REFUND_SHARE = 0.03  # accounts refunding 45–75% of what they sell (I9 restricts them)
BARRED_SHARE = 0.002  # accounts barred for cheating (I10): they earn nothing
RESTRICTED_SHARE = 0.005  # accounts restricted (I9) past the evaluation: they earn nothing
LAPSED_RESTRICTION_SHARE = 0.005  # accounts whose restriction ended before the evaluation
UNENDED_SHARE = 0.0002  # lives whose end the feed never sent: they do not count
OUTSIDE_SHARE = 0.002  # extra lives started just before the month (they do not count)
SELLS_NOTHING_SHARE = 0.10  # lives without a sale
REFUND_SHARE = 0.20  # of the other lives: those with some refunds (up to 30%)
# Start hour of a live: mostly evenings (Beijing time).
HOUR_WEIGHTS = {8: 2, 9: 2, 10: 4, 11: 4, 12: 3, 13: 3, 14: 4, 15: 4, 16: 4, 17: 5, 18: 7}
HOUR_WEIGHTS |= {19: 11, 20: 14, 21: 14, 22: 10, 23: 5}


def evaluated_at(month: date) -> datetime:
    """The moment the Celery job evaluates `month`: 02:00 (Beijing) on the 8th of the next."""
    end = _month_bounds(month)[1].astimezone(BEIJING)
    return end.replace(day=8, hour=2)


def _log(*args) -> None:
    print(*args, flush=True)


# --- generate -------------------------------------------------------------------------------


def _bench_filters() -> dict[str, str]:
    from incentives.models import LiveAccount
    from parties.models import User

    users = f"SELECT id FROM {_table(User)} WHERE username LIKE '{BENCH_USER_PREFIX}%'"
    accounts = f"SELECT id FROM {_table(LiveAccount)} WHERE finder_id LIKE '{BENCH_FINDER_PREFIX}%'"
    return {"users": users, "accounts": accounts}


def wipe(log=_log) -> dict[str, int]:
    """Delete every row an earlier `generate` created (and only those). The coupon book is
    append-only: if a committed evaluation granted coupons to bench accounts, refuse (drop the
    database instead, as `make bench-incentives` does)."""
    from django.db import connection, transaction

    from incentives.models import ChannelsSession, CouponAccount, GrowthAward, LiveAccount
    from parties.models import CreatorProfile, Notification, User

    where = _bench_filters()
    if _scalar(
        f"SELECT EXISTS (SELECT 1 FROM {_table(CouponAccount)} "
        f"WHERE live_account_id IN ({where['accounts']}))"
    ):
        raise SystemExit(
            "the coupon book holds accounts of bench live accounts (an evaluation was "
            "committed) and cannot be deleted: drop and create the database again"
        )
    statements = [
        (GrowthAward, f"live_account_id IN ({where['accounts']})"),
        (Notification, f"user_id IN ({where['users']})"),
        (LiveAccount, f"id IN ({where['accounts']})"),
        (CreatorProfile, f"user_id IN ({where['users']})"),
        (User, f"username LIKE '{BENCH_USER_PREFIX}%'"),
    ]
    deleted: dict[str, int] = {}
    started = time.perf_counter()
    sessions = _table(ChannelsSession)
    is_bench = f"session_id LIKE '{BENCH_SESSION_PREFIX}%'"
    with transaction.atomic(), connection.cursor() as cursor:
        # A DELETE, not a TRUNCATE: the heating orders reference the lives (and the heating
        # lot uses those), so TRUNCATE would need CASCADE. `make bench-incentives` starts
        # from a new database anyway.
        cursor.execute(f"DELETE FROM {sessions} WHERE {is_bench}")
        bench_sessions = cursor.rowcount
        deleted[sessions] = bench_sessions
        for model, condition in statements:
            cursor.execute(f"DELETE FROM {_table(model)} WHERE {condition}")
            deleted[_table(model)] = cursor.rowcount
    if any(deleted.values()):
        log(
            f"wiped the previous bench rows in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{table} {n:,}" for table, n in deleted.items() if n)
        )
    return deleted


@dataclass
class _AccountPlan:
    weight: float  # how often it goes live, relative to the others
    yuan_per_hour: float  # what it sells in an hour of live, typically
    refund_low: float  # the share of a live's GMV refunded: low and high bounds
    refund_high: float
    refund_share: float  # the share of its lives with refunds


@dataclass
class GenerateResult:
    rows: dict[str, int]
    seconds: dict[str, float]
    total_seconds: float
    long_share: float  # lives of 2 hours or more


def generate(
    *, accounts: int, sessions: int, month: date, seed: int = SEED, log=_log
) -> GenerateResult:
    """Write the creators, their live accounts and the month's lives with COPY (one
    transaction per table). Adds to whatever the database holds: call wipe() first for a clean
    bench. Deterministic for a given seed and an empty database."""
    from django.db import connection, transaction

    from incentives.models import ChannelsSession, LiveAccount
    from parties.models import CreatorProfile, User

    require_postgres()
    if accounts < 1 or sessions < 1:
        raise ValueError("need at least one account and one live")
    rng = random.Random(seed)
    rand = rng.random
    started_all = time.perf_counter()
    start, end = _month_bounds(month)
    at = evaluated_at(month)
    days = int((end - start).total_seconds()) // 86400
    hours = [h for h, w in HOUR_WEIGHTS.items() for _ in range(w)]
    timings: dict[str, float] = {}
    counts: dict[str, int] = {}

    # -- plan the accounts: most small, a long tail of big sellers, some refunding too much
    plans: list[_AccountPlan] = []
    for _ in range(accounts):
        weight = rng.lognormvariate(0, 1.0) * (0.2 if rand() < OCCASIONAL_SHARE else 1.0)
        # the accounts that stream more also sell more per hour, on the whole
        level = rng.lognormvariate(5.4, 1.5) * weight**0.5
        if rand() < HIGH_REFUND_SHARE:
            plans.append(_AccountPlan(weight, level, 0.45, 0.75, 0.9))
        else:
            plans.append(_AccountPlan(weight, level, 0.0, 0.3, REFUND_SHARE))

    user_id = _next_id(User)
    profile_id = _next_id(CreatorProfile)
    account_id = _next_id(LiveAccount)
    session_id = _next_id(ChannelsSession)

    def timed(label: str, model, columns: list[str], rows) -> None:
        began = time.perf_counter()
        with transaction.atomic():
            counts[label] = _copy(model, columns, rows)
        _sync_sequence(model)
        timings[label] = time.perf_counter() - began
        log(f"  {label:<28} {counts[label]:>10,} rows  {timings[label]:7.1f} s")

    log(
        f"generating {accounts:,} live accounts and {sessions:,} lives for {month:%Y-%m} "
        f"(seed {seed})"
    )
    joined = [start - timedelta(seconds=int(86400 * (30 + 700 * rand()))) for _ in plans]
    timed(
        "users",
        User,
        USER_COLUMNS,
        (
            (
                user_id + n,
                "!",
                None,
                False,
                f"{BENCH_USER_PREFIX}{user_id + n}",
                "",
                "",
                "",
                False,
                True,
                joined[n],
                "creator",
                joined[n],
            )
            for n in range(accounts)
        ),
    )
    timed(
        "creator profiles",
        CreatorProfile,
        PROFILE_COLUMNS,
        (
            (
                profile_id + n,
                f"主播{n + 1:06d}",
                "",
                int(rng.lognormvariate(9, 1.6)),
                "0",
                0,
                joined[n],
                joined[n],
                None,
                user_id + n,
            )
            for n in range(accounts)
        ),
    )

    def account_rows():
        for n in range(accounts):
            bound = joined[n] + timedelta(days=1 + int(20 * rand()))
            barred = restricted = None
            r = rand()
            if r < BARRED_SHARE:
                barred = start - timedelta(days=1 + int(60 * rand()))
            elif r < BARRED_SHARE + RESTRICTED_SHARE:  # still restricted when evaluated
                restricted = at + timedelta(days=1 + int(25 * rand()))
            elif r < BARRED_SHARE + RESTRICTED_SHARE + LAPSED_RESTRICTION_SHARE:
                restricted = at - timedelta(days=1 + int(25 * rand()))
            yield (
                account_id + n,
                f"{BENCH_FINDER_PREFIX}{account_id + n}",
                f"视频号{n + 1:06d}",
                rand() < 0.05,
                bound,
                barred,
                user_id + n,
                profile_id + n,
                None,
                restricted,
            )

    timed(
        "live accounts",
        LiveAccount,
        [
            "id",
            "finder_id",
            "nickname",
            "has_brand_mark",
            "bound_at",
            "barred_at",
            "bound_by_id",
            "creator_id",
            "shop_id",
            "restricted_until",
        ],
        account_rows(),
    )

    # -- lives: pick the account of each (by weight), then write them in start order, as the
    # feed would have delivered them.
    began = time.perf_counter()
    cum: list[float] = []
    total = 0.0
    for plan in plans:
        total += plan.weight
        cum.append(total)
    outside = round(sessions * OUTSIDE_SHARE)
    keys = []
    for n in rng.choices(range(accounts), cum_weights=cum, k=sessions):
        offset = int(rand() * days) * 86400 + hours[int(rand() * len(hours))] * 3600
        keys.append((offset + int(rand() * 3600)) * accounts + n)
    for n in rng.choices(range(accounts), cum_weights=cum, k=outside):
        keys.append(-(1 + int(rand() * 6 * 3600)) * accounts + n)  # up to 6 h before the 1st
    keys.sort()
    log(f"  {'lives (planning)':<28} {'':>10}       {time.perf_counter() - began:7.1f} s")
    prefix = f"{BENCH_SESSION_PREFIX}{month:%Y%m}-"
    long_count = 0

    def session_rows():
        nonlocal long_count
        for k, key in enumerate(keys):
            offset, n = divmod(key, accounts)
            plan = plans[n]
            seconds = 1800 + int(19800 * rand() ** 1.8)  # 30 min to 6 h, mostly shorter
            long_count += seconds >= 7200
            gmv = 0
            if rand() >= SELLS_NOTHING_SHARE:
                gmv = int(100 * plan.yuan_per_hour * seconds / 3600 * rng.lognormvariate(0, 0.8))
            refund = 0
            if gmv and rand() < plan.refund_share:
                share = plan.refund_low + (plan.refund_high - plan.refund_low) * rand()
                refund = int(gmv * share)
            started = start + timedelta(seconds=offset)
            ended = started + timedelta(seconds=seconds)
            if rand() < UNENDED_SHARE:
                ended = None
            yield (
                session_id + k,
                f"{prefix}{session_id + k}",
                started,
                ended,
                int(rng.lognormvariate(6, 1.5)),
                gmv,
                refund,
                ended or started,
                account_id + n,
                None,
            )

    timed(
        "lives",
        ChannelsSession,
        [
            "id",
            "session_id",
            "started_at",
            "ended_at",
            "viewers",
            "gmv_fen",
            "refund_fen",
            "updated_at",
            "live_account_id",
            "reported_at",
        ],
        session_rows(),
    )
    timings["lives"] = time.perf_counter() - began  # planning included

    began = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM too: the tables are then as autovacuum keeps them (hint bits set, visibility
        # map built), so the first timed run does not pay for rewriting fresh COPY pages.
        for model in (User, CreatorProfile, LiveAccount, ChannelsSession):
            cursor.execute(f"VACUUM (ANALYZE) {_table(model)}")
        # The vacuum's dirty pages are written now, not by a checkpoint in the middle of the
        # next timed run (seen as a 6–7 s stall of the service's first INSERT).
        cursor.execute("CHECKPOINT")
    timings["vacuum analyze"] = time.perf_counter() - began
    log(f"  {'VACUUM (ANALYZE)':<28} {'':>10}       {timings['vacuum analyze']:7.1f} s")
    total_seconds = time.perf_counter() - started_all
    long_share = long_count / len(keys)
    log(f"generated in {total_seconds:.1f} s; {long_share:.1%} of the lives last 2 hours or more")
    return GenerateResult(
        rows=counts, seconds=timings, total_seconds=total_seconds, long_share=long_share
    )


# --- the hand-written statement ---------------------------------------------------------------

# The awards of I6 written by hand, as one SELECT. The tiers become sorted arrays per kind
# (read once, as init plans), so that width_bucket() gives the number of tiers of a kind
# reached by a running total: the running count of lives of 2 hours or more and the running
# GMV net of refunds, over each account's lives in the order they ended (ended_at, id), in
# one window pass. Both totals only grow, so an account's award of a kind is its bucket at
# the end of the month, and the moment it was crossed is the end of the last live that moved
# the total into a higher bucket (its bucket with the live above its bucket without it).
# Eligible: not barred, not restricted when evaluated, a month's refund rate of 40% at most
# (in integers: 40.00% is allowed), no award of that kind for the month yet.
#
# `s.live_account_id + 0` is a hand-tuning: the bench table holds one month, and reading it in
# the index order of live_account_id (which the planner prefers, to save the sort) visits
# each page some 25 times; the sum keeps the planner on a sequential scan and one sort.
HAND_SQL = """
WITH tier AS (
    SELECT coalesce(array_agg(t.threshold ORDER BY t.threshold)
                    FILTER (WHERE t.kind = 'activity'), '{}') AS activity_at,
           coalesce(array_agg(t.coupons ORDER BY t.threshold)
                    FILTER (WHERE t.kind = 'activity'), '{}') AS activity_pays,
           coalesce(array_agg(t.threshold ORDER BY t.threshold)
                    FILTER (WHERE t.kind = 'gmv'), '{}') AS gmv_at,
           coalesce(array_agg(t.coupons ORDER BY t.threshold)
                    FILTER (WHERE t.kind = 'gmv'), '{}') AS gmv_pays
      FROM incentives_growthtier t
      JOIN incentives_program p ON p.id = t.program_id
     WHERE p.code = 'growth'
),
running AS (
    SELECT s.live_account_id + 0 AS live_account_id, s.ended_at, s.gmv_fen, s.refund_fen,
           s.gmv_fen - s.refund_fen AS net,
           (s.ended_at - s.started_at >= interval '2 hours')::int AS is_long,
           count(*) FILTER (WHERE s.ended_at - s.started_at >= interval '2 hours') OVER w
               AS long_so_far,
           sum(s.gmv_fen - s.refund_fen) OVER w AS net_so_far
      FROM incentives_channelssession s
     WHERE s.started_at >= %(start)s AND s.started_at < %(end)s AND s.ended_at IS NOT NULL
    WINDOW w AS (PARTITION BY s.live_account_id + 0 ORDER BY s.ended_at, s.id)
),
month AS (
    SELECT live_account_id, sum(gmv_fen) AS gmv, sum(refund_fen) AS refund,
           width_bucket(max(long_so_far), (SELECT activity_at FROM tier)) AS activity_tier,
           width_bucket(max(net_so_far), (SELECT gmv_at FROM tier)) AS gmv_tier,
           max(ended_at) FILTER (
               WHERE width_bucket(long_so_far, (SELECT activity_at FROM tier))
                   > width_bucket(long_so_far - is_long, (SELECT activity_at FROM tier))
           ) AS activity_at,
           max(ended_at) FILTER (
               WHERE width_bucket(net_so_far, (SELECT gmv_at FROM tier))
                   > width_bucket(net_so_far - net, (SELECT gmv_at FROM tier))
           ) AS gmv_at
      FROM running
     GROUP BY live_account_id
)
SELECT m.live_account_id, award.kind, award.threshold, award.coupons, award.crossed_at
  FROM month m
  JOIN incentives_liveaccount a ON a.id = m.live_account_id
 CROSS JOIN tier t
 CROSS JOIN LATERAL (
        VALUES ('activity', t.activity_at[m.activity_tier], t.activity_pays[m.activity_tier],
                m.activity_at),
               ('gmv', t.gmv_at[m.gmv_tier], t.gmv_pays[m.gmv_tier], m.gmv_at)
       ) AS award (kind, threshold, coupons, crossed_at)
 WHERE award.threshold IS NOT NULL
   AND a.barred_at IS NULL
   AND (a.restricted_until IS NULL OR a.restricted_until <= %(at)s)
   AND m.refund * 100 <= m.gmv * 40
   AND NOT EXISTS (
        SELECT 1 FROM incentives_growthaward g
         WHERE g.month = %(month)s AND g.live_account_id = m.live_account_id
           AND g.kind = award.kind)
 ORDER BY award.crossed_at, m.live_account_id, award.kind
"""


def hand_sql(month: date, at: datetime) -> list[tuple[int, str, int, int, datetime]]:
    """Run HAND_SQL through psycopg and fetch every row: (live account, kind, threshold,
    coupons, crossed_at), in the order the awards are granted."""
    start, end = _month_bounds(month)
    with _pg().cursor() as cursor:
        cursor.execute(HAND_SQL, {"start": start, "end": end, "at": at, "month": month})
        return cursor.fetchall()


def first_come_first_served(rows, budget: int) -> list[bool]:
    """Which of the ordered awards the budget covers, all or nothing each (I4)."""
    left, granted = budget, []
    for row in rows:
        covered = row[3] <= left
        granted.append(covered)
        left -= row[3] if covered else 0
    return granted


@dataclass
class Comparison:
    same_awards: bool  # the same (account, kind, threshold, coupons), status ignored
    same_crossings: bool  # … and the same crossed_at
    same_statuses: bool  # … and the hand SQL's order, granted from the budget, agrees
    only_hand: list
    only_service: list
    granted: int
    exhausted: int
    granted_coupons: int
    budget: int


def compare(hand_rows, service_awards, budget: int) -> Comparison:
    """service_awards: (account, kind, threshold, coupons, crossed_at, status) rows."""
    mine = {row[:4] for row in hand_rows}
    theirs = {row[:4] for row in service_awards}
    crossings = {row[:4]: row[4] for row in service_awards}
    statuses = {row[:4]: row[5] for row in service_awards}
    covered = first_come_first_served(hand_rows, budget)
    granted = [row for row in service_awards if row[5] == "granted"]
    return Comparison(
        same_awards=mine == theirs,
        same_crossings=all(crossings.get(row[:4]) == row[4] for row in hand_rows),
        same_statuses=all(
            statuses.get(row[:4]) == ("granted" if ok else "quota_exhausted")
            for row, ok in zip(hand_rows, covered, strict=True)
        ),
        only_hand=sorted(mine - theirs)[:20],
        only_service=sorted(theirs - mine)[:20],
        granted=len(granted),
        exhausted=len(service_awards) - len(granted),
        granted_coupons=sum(row[3] for row in granted),
        budget=budget,
    )


# --- run ----------------------------------------------------------------------------------

READ = "growth_rows (the month's read)"
REST = "Python (model objects, parameter adaptation, the service's loop)"
CHECKS = "deferred constraint checks (the commit's)"
_TABLE = re.compile(r'^\s*(insert\s+into|update|delete\s+from)\s+"?(\w+)"?', re.IGNORECASE)
_FROM = re.compile(r'\bfrom\s+"?(\w+)"?', re.IGNORECASE)


def _label(sql: str) -> str:
    text = " ".join(sql.split())
    lowered = text.lower()
    if "incentives_channelssession" in lowered and "window" in lowered:
        return READ
    if lowered.startswith("set constraints"):
        return CHECKS
    found = _TABLE.match(text)
    if found:
        verb = found.group(1).split()[0].upper()
        return f"{verb} {found.group(2)}"
    found = _FROM.search(text)
    if lowered.startswith("select") and found:
        return f"SELECT {found.group(1)}"
    return "other statements"


class _Rollback(Exception):
    pass


@dataclass
class ServiceRun:
    seconds: float  # growth_evaluate and the commit's deferred checks
    parts: Counter  # by statement (SQL wall time; the rest is Python)
    phases: Counter  # by step of the service (SQL and Python)
    report: object
    awards: list
    budget: int
    statements: int


# The steps of growth_evaluate, timed by wrapping the functions its module calls (SQL and
# Python); what is left is its own loop, the GrowthAward objects and their INSERT.
PHASES = {
    "growth_rows": "the month's read (growth_rows)",
    "restrict_many": "restrictions for the month's refund rate (restrict_many)",
    "coupons_grant_many": "the batch grant from the budget (coupons_grant_many)",
    "_tell": "the notices (owners_by_account + notify_many)",
}
OWN_STEP = "candidates, GrowthAward rows and their INSERT (growth_evaluate itself)"


@contextmanager
def _timed_steps(phases: Counter):
    from incentives.services import growth

    originals = {name: getattr(growth, name) for name in PHASES}

    def timing(name, function):
        def timed(*args, **kwargs):
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                phases[PHASES[name]] += time.perf_counter() - began

        return timed

    for name, function in originals.items():
        setattr(growth, name, timing(name, function))
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(growth, name, function)


def service_once(month: date, at: datetime) -> ServiceRun:
    """growth_evaluate in a transaction rolled back afterwards, the deferred constraint checks
    of its commit run first (SET CONSTRAINTS ALL IMMEDIATE), with the time of every statement
    and of every step."""
    from django.db import connection, transaction

    from incentives.models import GrowthAward, ProgramMonth
    from incentives.services.growth import growth_evaluate

    recorder = _Recorder()
    phases: Counter = Counter()
    result: ServiceRun | None = None
    try:
        with transaction.atomic():
            with connection.execute_wrapper(recorder), _timed_steps(phases):
                began = time.perf_counter()
                report = growth_evaluate(month=month, at=at)
                evaluated = time.perf_counter() - began
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                seconds = time.perf_counter() - began
            parts: Counter = Counter()
            for sql, _params, spent in recorder.calls:
                parts[_label(sql)] += spent
            parts[REST] = max(0.0, seconds - sum(parts.values()))
            phases[OWN_STEP] = max(0.0, evaluated - sum(phases.values()))
            phases[CHECKS] = seconds - evaluated
            awards = list(
                GrowthAward.objects.filter(month=month).values_list(
                    "live_account_id", "kind", "threshold", "coupons", "crossed_at", "status"
                )
            )
            budget = ProgramMonth.objects.get(program__code="growth", month=month).budget
            result = ServiceRun(seconds, parts, phases, report, awards, budget, len(recorder.calls))
            raise _Rollback
    except _Rollback:
        pass
    assert result is not None
    return result


def vacuum() -> None:
    """Each rolled-back run leaves its rows dead in the tables the service writes (and their
    indexes, which the hand SQL and the service both read for the month's awards): every
    repetition starts from tables as autovacuum keeps them. Outside a transaction only."""
    from django.db import connection

    from incentives.models import (
        CouponAccount,
        CouponEntry,
        CouponLot,
        CouponTransaction,
        GrowthAward,
        LiveAccount,
        ProgramMonth,
    )
    from parties.models import Notification

    with connection.cursor() as cursor:
        for model in (
            GrowthAward,
            Notification,
            CouponTransaction,
            CouponEntry,
            CouponLot,
            CouponAccount,
            ProgramMonth,
            LiveAccount,
        ):
            cursor.execute(f"VACUUM (ANALYZE) {_table(model)}")
        # The vacuum's dirty pages are written now, not by a checkpoint in the middle of the
        # next timed run (seen as a 6–7 s stall of the service's first INSERT).
        cursor.execute("CHECKPOINT")


def read_once(month: date) -> tuple[float, int]:
    """growth_rows alone (the service's read), as growth_evaluate calls it."""
    from incentives.models import Program
    from incentives.selectors import growth_rows, growth_tiers

    tiers = growth_tiers(Program.objects.get(code="growth"))
    began = time.perf_counter()
    rows = growth_rows(month=month, tiers=[(kind, threshold) for kind, threshold, _c in tiers])
    return time.perf_counter() - began, len(rows)


def data_sizes(month: date) -> dict[str, int]:
    from incentives.models import ChannelsSession, LiveAccount

    start, end = _month_bounds(month)
    lives = ChannelsSession.objects.filter(started_at__gte=start, started_at__lt=end)
    return {
        "live accounts": LiveAccount.objects.count(),
        "lives": ChannelsSession.objects.count(),
        "lives in the month": lives.count(),
        "accounts with a live in the month": lives.values("live_account_id").distinct().count(),
    }


def _generate_record_path() -> Path:
    from django.conf import settings
    from django.db import connection

    return Path(settings.VAR_DIR) / "bench" / f"incentives-{connection.settings_dict['NAME']}.json"


@dataclass
class RunResult:
    comparison: Comparison
    service_times: list
    hand_times: list
    read_times: list
    ratio: float


def run(*, month: date, repeats: int = 3, write_docs: bool = False, log=_log) -> RunResult:
    """Time the hand SQL, growth_evaluate (each run rolled back) and growth_rows alone, in
    turns, `repeats` times each; check the awards; print each figure beside its competitor."""
    require_postgres()
    at = evaluated_at(month)
    box = machine()
    log(
        f"machine: {box['cpu_cores']} CPU cores, {box['memory']} RAM, PostgreSQL "
        f"{box['server_version']} (shared_buffers {box['shared_buffers']}, work_mem "
        f"{box['work_mem']}, max_parallel_workers_per_gather "
        f"{box['max_parallel_workers_per_gather']}, jit {box['jit']}); load average "
        f"{box['load_average']}"
    )
    sizes = data_sizes(month)
    log("data: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()) + f" (month {month:%Y-%m})")
    log(f"evaluated at {at.isoformat()}")

    hand_times, service_runs, read_times = [], [], []
    hand_rows: list = []
    same_in_every_run = True
    for n in range(repeats):
        vacuum()
        began = time.perf_counter()
        hand_rows = hand_sql(month, at)
        hand_times.append(time.perf_counter() - began)
        service_runs.append(service_once(month, at))
        seconds, accounts_read = read_once(month)
        read_times.append(seconds)
        current = service_runs[-1]
        checked = compare(hand_rows, current.awards, current.budget)
        same_in_every_run = same_in_every_run and checked.same_awards
        log(
            f"run {n + 1}: hand SQL {hand_times[-1]:.2f} s ({len(hand_rows):,} awards)  |  "
            f"growth_evaluate {current.seconds:.2f} s ({len(current.awards):,} awards, "
            f"{current.statements:,} statements)  |  growth_rows alone {seconds:.2f} s "
            f"({accounts_read:,} accounts); same awards: {_yes(checked.same_awards)}"
        )
        log(
            "    growth_evaluate by step: "
            + ", ".join(f"{k} {v:.2f} s" for k, v in current.phases.most_common())
        )
        log(
            "    growth_evaluate by statement: "
            + ", ".join(f"{k} {v:.2f} s" for k, v in current.parts.most_common(8))
        )
    median_run = sorted(service_runs, key=lambda r: r.seconds)[repeats // 2]
    comparison = compare(hand_rows, median_run.awards, median_run.budget)
    service_times = [r.seconds for r in service_runs]
    hand_median = statistics.median(hand_times)
    service_median = statistics.median(service_times)
    read_median = statistics.median(read_times)
    ratio = service_median / hand_median if hand_median else float("inf")
    read_in_service = median_run.parts.get(READ, 0.0)
    report = median_run.report

    table = [
        ("awards (hand SQL / service)", f"{len(hand_rows):,} / {len(median_run.awards):,}"),
        ("same awards (account, kind, tier, coupons)", _yes(comparison.same_awards)),
        ("same crossed_at", _yes(comparison.same_crossings)),
        ("same granted / quota exhausted as the hand order", _yes(comparison.same_statuses)),
        ("granted / quota exhausted", f"{comparison.granted:,} / {comparison.exhausted:,}"),
        (
            "granted coupons / budget",
            f"{comparison.granted_coupons:,} / {comparison.budget:,}"
            + ("" if comparison.granted_coupons <= comparison.budget else "  OVER BUDGET"),
        ),
        ("restricted (month refund rate) / skipped", f"{report.restricted:,} / {report.skipped:,}"),
        ("hand SQL runs", " / ".join(f"{t:.2f} s" for t in hand_times)),
        ("growth_evaluate runs", " / ".join(f"{t:.2f} s" for t in service_times)),
        ("growth_rows alone runs", " / ".join(f"{t:.2f} s" for t in read_times)),
        ("hand SQL median", f"{hand_median:.2f} s"),
        (
            "growth_evaluate median",
            f"{service_median:.2f} s  →  {ratio:.2f}× the hand SQL  [goal ≤ 2×: "
            f"{'met' if ratio <= 2 else 'NOT met'}]",
        ),
        (
            "  of which growth_rows / the rest",
            f"{read_in_service:.2f} s / {median_run.seconds - read_in_service:.2f} s",
        ),
        (
            "growth_rows alone median",
            f"{read_median:.2f} s  →  {read_median / hand_median:.2f}× the hand SQL",
        ),
    ]
    width = max(len(k) for k, _ in table)
    log("")
    for key, value in table:
        log(f"  {key:<{width}}  {value}")
    result = RunResult(comparison, service_times, hand_times, read_times, ratio)
    comparison.same_awards = comparison.same_awards and same_in_every_run
    if not comparison.same_awards or comparison.granted_coupons > comparison.budget:
        for row in comparison.only_hand:
            print("  MISMATCH only in the hand SQL:", row, file=sys.stderr)
        for row in comparison.only_service:
            print("  MISMATCH only in the service:", row, file=sys.stderr)
        raise SystemExit("the service's awards are not the hand SQL's (or exceed the budget)")
    log("\nthe service wrote the awards the hand SQL computes")

    if write_docs:
        path = _generate_record_path()
        record = json.loads(path.read_text()) if path.exists() else None
        text = _docs_section(
            month=month,
            at=at,
            box=box,
            sizes=sizes,
            record=record,
            result=result,
            median_run=median_run,
            read_times=read_times,
            hand_count=len(hand_rows),
            load_after=machine()["load_average"],
        )
        write_docs_section(DOCS_FILE, DOCS_SECTION, text)
        log(f"wrote the section {DOCS_SECTION!r} of {DOCS_FILE.relative_to(ROOT)}")
    return result


def _yes(value: bool) -> str:
    return "yes" if value else "NO"


def _docs_section(
    *, month, at, box, sizes, record, result, median_run, read_times, hand_count, load_after
) -> str:
    hand_median = statistics.median(result.hand_times)
    service_median = statistics.median(result.service_times)
    read_median = statistics.median(read_times)
    read_in_service = median_run.parts.get(READ, 0.0)
    comparison = result.comparison
    report = median_run.report
    if record:
        generate_line = (
            f"{record['total_seconds']:.0f} s (`generate --accounts {record['accounts']} "
            f"--sessions {record['sessions']} --month {record['month']}`, seed "
            f"{record['seed']}, COPY; "
            + ", ".join(f"{k} {v:.1f} s" for k, v in record["seconds"].items())
            + f"); {record['long_share']:.1%} of the lives last 2 hours or more"
        )
    else:
        generate_line = "not recorded on this machine (run `generate` first)"
    runs = len(result.service_times)
    lines = [
        DOCS_SECTION,
        "",
        f"Measured on {date.today():%Y-%m-%d} by `python -m bench.incentives run --month "
        f"{month:%Y-%m} --write-docs` (`make bench-incentives` drops and creates the database, "
        "generates the data and runs it). What is timed: `growth_evaluate(month, at)` — the "
        "whole I6 evaluation of a month that has none yet: the month's read (`growth_rows`), "
        "the accounts restricted for their month's refund rate (I9), the awards ordered by "
        "crossing and granted first come first served from the month's budget in one batch "
        "(I4), the GrowthAward rows and the notices — plus the deferred constraint checks its "
        "commit would run (`SET CONSTRAINTS ALL IMMEDIATE`); then the transaction is rolled "
        "back, so each run starts from the same state (the coupon book is append-only). Its "
        "competitor is `HAND_SQL` in `bench/incentives.py`: one SELECT, written by hand, that "
        "computes the same awards (account, kind, tier, coupons, crossed_at) of the eligible "
        "accounts in crossing order, fetched through psycopg. The two ran in turns, "
        f"{runs} times each, in the same run, on a machine shared with other jobs (1-minute "
        f"load average {box['load_average']} when the run began, {load_after} when it "
        "ended), so expect some noise.",
        "",
        "| | |",
        "|---|---|",
        f"| Machine | {box['cpu_cores']} CPU cores, {box['memory']} RAM; PostgreSQL "
        f"{box['server_version']} (shared_buffers {box['shared_buffers']}, work_mem "
        f"{box['work_mem']}, jit {box['jit']}, max_parallel_workers_per_gather "
        f"{box['max_parallel_workers_per_gather']}) |",
        f"| Data | {sizes['live accounts']:,} live accounts (each a creator's), "
        f"{sizes['lives in the month']:,} lives in {month:%Y-%m} of "
        f"{sizes['accounts with a live in the month']:,} accounts (and "
        f"{sizes['lives'] - sizes['lives in the month']:,} started just before it); the "
        f"default tiers and budget; evaluated at {at:%Y-%m-%d %H:%M} Beijing |",
        f"| Generate | {generate_line} |",
        f"| Hand-written SQL, {runs} runs | "
        + " / ".join(f"{t:.2f} s" for t in result.hand_times)
        + f" — median **{hand_median:.2f} s** |",
        f"| `growth_evaluate`, {runs} runs | "
        + " / ".join(f"{t:.2f} s" for t in result.service_times)
        + f" — median **{service_median:.2f} s** |",
        f"| Ratio (goal ≤ 2×) | **{result.ratio:.2f}×** — "
        + ("met" if result.ratio <= 2 else "**not met**")
        + " |",
        f"| … its read, `growth_rows`, inside the median run | {read_in_service:.2f} s; the "
        f"writes and Python {median_run.seconds - read_in_service:.2f} s |",
        "| `growth_rows` alone, "
        f"{runs} runs | "
        + " / ".join(f"{t:.2f} s" for t in read_times)
        + f" — median {read_median:.2f} s, {read_median / hand_median:.2f}× the hand SQL |",
        "",
        f"Result: {hand_count:,} awards; the service wrote the same (account, kind, tier, "
        f"coupons): {_yes(comparison.same_awards).lower()}, with the same crossing moments: "
        f"{_yes(comparison.same_crossings).lower()}, and the hand SQL's order granted from the "
        f"budget gives the same granted and quota-exhausted awards: "
        f"{_yes(comparison.same_statuses).lower()}. {comparison.granted:,} awards granted "
        f"({comparison.granted_coupons:,} coupons of the budget of {comparison.budget:,}), "
        f"{comparison.exhausted:,} recorded as quota exhausted; {report.restricted:,} accounts "
        f"restricted for their month's refund rate, {report.skipped:,} more skipped (barred, "
        "or restricted when evaluated).",
        "",
        "Where the time of the median `growth_evaluate` run goes, by step (SQL and Python):",
        "",
        "| Step | Time |",
        "|---|---|",
    ]
    for label, seconds in median_run.phases.most_common():
        lines.append(f"| {label} | {seconds:.2f} s ({seconds / median_run.seconds:.0%}) |")
    lines += [
        "",
        "and by statement (the wall time of the SQL statements of each kind, through the "
        "driver; the rest is Python):",
        "",
        "| Statements | Time |",
        "|---|---|",
    ]
    for label, seconds in median_run.parts.most_common():
        if seconds >= 0.005:
            lines.append(f"| {label} | {seconds:.2f} s ({seconds / median_run.seconds:.0%}) |")
    lines.append("")
    phases = median_run.phases
    notices = phases.get(PHASES["_tell"], 0.0)
    own = phases.get(OWN_STEP, 0.0)
    restrictions = phases.get(PHASES["restrict_many"], 0.0)
    read_step = phases.get(PHASES["growth_rows"], 0.0)
    lines += [
        f"Reading: the hand SQL only computes the {hand_count:,} awards; the service computes "
        f"them too (its read, {read_step:.2f} s with the rows turned into Python objects, is "
        f"{read_step / hand_median:.2f}× the hand SQL on its own) and then writes what I6 "
        f"asks for: a GrowthAward row for every award, granted or quota exhausted "
        f"({len(median_run.awards):,}), a notice for each granted one ({report.granted:,}; "
        f"an award the budget could not cover is shown on the account's 激励中心, not sent), "
        f"the restrictions of {report.restricted:,} accounts (with their notices) and the "
        f"batch grant. The GrowthAward rows go as plain tuples in one COPY "
        f"(`core.bulk.insert_rows`, {own:.2f} s with the candidates and their order), the "
        f"notices take {notices:.2f} s (owners read as ids), the restrictions "
        f"{restrictions:.2f} s (the lots to void read for all restricted accounts at once).",
        "",
        "Changed for this benchmark (issue 19, I6 at scale): `growth_rows` reads the month's "
        "lives in a MATERIALIZED CTE — left to itself the planner fed the window in the order "
        "of the live_account_id index, visiting the table's pages in random order (about twice "
        "the time of a scan and a sort here) — and, on PostgreSQL, keeps the aware datetimes "
        "psycopg returns instead of re-checking each one; `coupons_grant_many` locks and "
        "creates wallets only for the grants the budget covers (about 1,500 of 74,000 here), "
        "not for every award of the batch, and locks the batch's every wallet instead when "
        "the budget moved between its read and its lock. The first measurement (4.1×) was "
        "dominated by a notice per award (13 s), Django's bulk_create of the award rows and "
        "a query per restricted account; those three changes brought it under 2×. Each "
        "repetition starts after a VACUUM ANALYZE and a CHECKPOINT of the tables the service "
        "writes, so that no checkpoint lands inside a timed run.",
        "",
    ]
    return "\n".join(lines) + "\n"


# --- command line ---------------------------------------------------------------------------


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.incentives", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="wipe the previous bench rows, COPY new ones")
    gen.add_argument("--accounts", type=int, default=100_000)
    gen.add_argument("--sessions", type=int, default=2_000_000)
    gen.add_argument("--month", type=_month_arg, default=date(2026, 10, 1))
    gen.add_argument("--seed", type=int, default=SEED)
    gen.add_argument(
        "--force", action="store_true", help="allow a database whose name lacks 'bench'"
    )
    run_ = commands.add_parser("run", help="time growth_evaluate and the hand SQL")
    run_.add_argument("--month", type=_month_arg, default=date(2026, 10, 1))
    run_.add_argument("--repeats", type=int, default=3)
    run_.add_argument("--write-docs", action="store_true", help=f"update {DOCS_FILE.name}")
    args = parser.parse_args(argv)

    setup_django()
    require_postgres()
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if args.command == "generate":
        generate_into_bench_database(
            name,
            force=args.force,
            example="mk_bench_inc",
            wipe=wipe,
            generate=lambda: generate(
                accounts=args.accounts, sessions=args.sessions, month=args.month, seed=args.seed
            ),
            arguments={
                "accounts": args.accounts,
                "sessions": args.sessions,
                "month": f"{args.month:%Y-%m}",
                "seed": args.seed,
            },
            share="long_share",
            record=_generate_record_path(),
        )
    else:
        run(month=args.month, repeats=args.repeats, write_docs=args.write_docs)


if __name__ == "__main__":
    main()
