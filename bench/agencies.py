"""Issues 7 and 20: how long `score_agencies` (G2–G5) takes over 10,000 agencies, 200,000
creators and 2,000,000 live sessions, next to a hand-written SQL that computes the same G2 and
G5 figures over the same data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mk_bench \\
        python -m bench.agencies generate --agencies 10000 --creators 200000 \\
            --sessions 2000000 --month 2026-10
    DATABASE_URL=... python -m bench.agencies run --month 2026-10 [--explain] [--write-docs]

`make bench-agencies` does both (it creates and migrates the database first).

PostgreSQL only, and meant for a dedicated database (its name must contain "bench" unless
--force): `generate` first deletes the rows an earlier run of it created (users named
"bench-…", organizations named "Bench MCN …", sessions "bench-…", and what hangs off them),
then writes the new rows with COPY. Nothing else in the database is touched.

`run` times `agencies_score()` three times (a rerun rewrites the same rows), times the
hand-written competitor three times (two SELECTs, each fetched in full: the G2 figures of every
agency and the G5 rows of every agency and vertical — the cost of "the database doing the
aggregates"), checks that both agree row by row (every assessment row and every eligibility
row), and with --write-docs writes the section "## MCN agency scoring (issue 7)" of
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from bench.common import (
    DOCS_FILE,
    PROFILE_COLUMNS,
    ROOT,
    USER_COLUMNS,
    generate_into_bench_database,
    write_docs_section,
)

SEED = 20261001
DOCS_SECTION = "## MCN agency scoring (issue 7)"

# How the rows of a bench run are recognised (wipe() deletes these and nothing else).
BENCH_OWNER_PREFIX = "bench-owner-"
BENCH_CREATOR_PREFIX = "bench-creator-"
BENCH_ORG_PREFIX = "Bench MCN "
BENCH_SESSION_PREFIX = "bench-"

# The shape of the generated month (all fractions are of the rows they apply to).
SMALL_AGENCY_SHARE = 0.08  # agencies with 1–4 signed creators (they fail G2 outright)
VERTICAL_AGENCY_SHARE = 0.30  # agencies whose creators mostly stream one category
UNSIGNED_CREATOR_SHARE = 0.03  # creators with no contract in force during the month
LEFT_MID_MONTH_SHARE = 0.025  # signed creators whose contract ended during the month
RESIGNED_SHARE = 0.40  # of those, signed again with another agency later in the month
OLD_CONTRACT_SHARE = 0.04  # creators with an earlier contract ended before the month
ACTIVITY_MEAN, ACTIVITY_SD = 0.77, 0.11  # per agency: the chance a creator streams
SHORT_ONLY_SHARE = 0.35  # of the creators who do not stream: those with only short sessions
SHORT_SESSION_SHARE = 0.145  # sessions under 30 minutes among streaming creators
FAVOURITE_SHARE = 0.80  # a creator's sessions in its favourite category
# Category popularity, in the seeded order (beauty, apparel, food, digital, maternal, home,
# sports, travel, pets, jewelry).
CATEGORY_WEIGHTS = (22, 18, 14, 10, 9, 8, 7, 5, 4, 3)
# Start hour of a session: mostly evenings (Beijing time).
HOUR_WEIGHTS = {8: 2, 9: 2, 10: 4, 11: 4, 12: 3, 13: 3, 14: 4, 15: 4, 16: 4, 17: 5, 18: 7}
HOUR_WEIGHTS |= {19: 11, 20: 14, 21: 14, 22: 10, 23: 5}


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def require_postgres() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit(
            "bench.agencies needs PostgreSQL (COPY, the assessment's SQL); DATABASE_URL points "
            f"at {connection.vendor}. Example: DATABASE_URL=postgres://postgres@127.0.0.1:5432/"
            "mk_bench python -m bench.agencies generate …"
        )


def _pg():
    """The psycopg 3 connection under Django's (same session, same transaction)."""
    from django.db import connection

    connection.ensure_connection()
    return connection.connection


def _table(model) -> str:
    return model._meta.db_table


def _scalar(sql: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _next_id(model) -> int:
    return _scalar(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {_table(model)}")


def _sync_sequence(model) -> None:
    """COPY wrote explicit ids: move the identity past them for the next ordinary INSERT."""
    table = _table(model)
    _scalar(
        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))",
        [table],
    )


def _copy(model, columns: list[str], rows) -> int:
    """COPY `rows` (tuples in `columns` order) into the model's table; returns the count."""
    count = 0
    sql = f"COPY {_table(model)} ({', '.join(columns)}) FROM STDIN"
    with _pg().cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    from core.months import month_bounds

    return month_bounds(month)


def after_month(month: date) -> datetime:
    """The moment the Celery job would assess `month`: 01:00 (Beijing) on the next 1st."""
    return _month_bounds(month)[1] + timedelta(hours=1)


# --- generate -------------------------------------------------------------------------------


def _log(*args) -> None:
    print(*args, flush=True)


def wipe(log=_log) -> dict[str, int]:
    """Delete every row an earlier `generate` created (and only those)."""
    from django.db import connection, transaction

    from agencies.models import (
        Agency,
        AgencyAppeal,
        AgencyAssessment,
        AgencyContract,
        AgencyExpulsion,
        LiveSession,
        VerticalEligibility,
    )
    from parties.models import CreatorProfile, Membership, Notification, Organization, User

    t = {m: _table(m) for m in (Agency, CreatorProfile, Organization, User, LiveSession)}
    is_bench_user = (
        f"(username LIKE '{BENCH_OWNER_PREFIX}%' OR username LIKE '{BENCH_CREATOR_PREFIX}%')"
    )
    is_bench_org = f"name LIKE '{BENCH_ORG_PREFIX}%'"
    is_bench_session = f"platform_session_id LIKE '{BENCH_SESSION_PREFIX}%'"
    bench_users = f"SELECT id FROM {t[User]} WHERE {is_bench_user}"
    bench_orgs = f"SELECT id FROM {t[Organization]} WHERE {is_bench_org}"
    bench_agencies = f"SELECT id FROM {t[Agency]} WHERE organization_id IN ({bench_orgs})"
    bench_creators = f"SELECT id FROM {t[CreatorProfile]} WHERE user_id IN ({bench_users})"
    expulsions = f"SELECT id FROM {_table(AgencyExpulsion)} WHERE agency_id IN ({bench_agencies})"
    statements = [
        (AgencyAppeal, f"expulsion_id IN ({expulsions})"),
        (AgencyExpulsion, f"agency_id IN ({bench_agencies})"),
        (VerticalEligibility, f"agency_id IN ({bench_agencies})"),
        (AgencyAssessment, f"agency_id IN ({bench_agencies})"),
        (Notification, f"user_id IN ({bench_users})"),
        (
            AgencyContract,
            f"agency_id IN ({bench_agencies}) OR creator_id IN ({bench_creators})",
        ),
        (CreatorProfile, f"user_id IN ({bench_users})"),
        (Agency, f"organization_id IN ({bench_orgs})"),
        (Membership, f"organization_id IN ({bench_orgs}) OR user_id IN ({bench_users})"),
        (Organization, is_bench_org),
        (User, is_bench_user),
    ]
    deleted: dict[str, int] = {}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        # Sessions first: nothing references them. A table holding only bench sessions is
        # emptied with TRUNCATE (2,000,000 DELETEs would take minutes).
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE {is_bench_session}), count(*) FROM {t[LiveSession]}"
        )
        bench_sessions, all_sessions = cursor.fetchone()
        if bench_sessions and bench_sessions == all_sessions:
            cursor.execute(f"TRUNCATE {t[LiveSession]}")
        elif bench_sessions:
            cursor.execute(f"DELETE FROM {t[LiveSession]} WHERE {is_bench_session}")
        deleted[t[LiveSession]] = bench_sessions
        for model, where in statements:
            cursor.execute(f"DELETE FROM {_table(model)} WHERE {where}")
            deleted[_table(model)] = cursor.rowcount
    if any(deleted.values()):
        log(
            f"wiped the previous bench rows in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{table} {n:,}" for table, n in deleted.items() if n)
        )
    return deleted


@dataclass
class _AgencyPlan:
    index: int
    created_at: datetime
    activity: float
    vertical: bool
    focus: int  # category id
    weight: float
    small_size: int = 0  # 1–4 for the deliberately small agencies
    id: int = 0
    organization_id: int = 0
    owner_id: int = 0


@dataclass
class _CreatorPlan:
    joined_at: datetime
    favourite: int = 0
    weight: float = 0.0
    short_only: bool = False
    current_agency: int | None = None  # agency index signed at month end
    contracts: list[tuple] = field(default_factory=list)


@dataclass
class GenerateResult:
    rows: dict[str, int]
    seconds: dict[str, float]
    total_seconds: float
    short_share: float


def generate(
    *,
    agencies: int,
    creators: int,
    sessions: int,
    month: date,
    seed: int = SEED,
    log=_log,
) -> GenerateResult:
    """Write the agencies, creators, contracts and the month's sessions with COPY (one
    transaction per table). Adds to whatever the database holds: call wipe() first for a
    clean bench. Deterministic for a given seed and an empty database."""
    from django.db import transaction

    from agencies.models import Agency, AgencyContract, LiveSession
    from parties.models import Category, CreatorProfile, Membership, Organization, User

    require_postgres()
    if agencies < 1 or creators < agencies or sessions < 1:
        raise ValueError("need at least one agency, as many creators as agencies, one session")
    rng = random.Random(seed)
    rand = rng.random
    started_all = time.perf_counter()
    start, end = _month_bounds(month)
    month_seconds = int((end - start).total_seconds())
    category_ids = list(Category.objects.order_by("id").values_list("id", flat=True))
    if not category_ids:
        raise SystemExit("no categories: migrate the database first (0002_seed_categories)")
    weights = list(CATEGORY_WEIGHTS[: len(category_ids)]) + [3] * (
        len(category_ids) - len(CATEGORY_WEIGHTS)
    )
    popular = [cid for cid, w in zip(category_ids, weights, strict=True) for _ in range(w)]

    def popular_category() -> int:
        return popular[int(rand() * len(popular))]

    hours = [h for h, w in HOUR_WEIGHTS.items() for _ in range(w)]
    timings: dict[str, float] = {}
    counts: dict[str, int] = {}

    # -- plan the agencies
    n_small = max(1, round(agencies * SMALL_AGENCY_SHARE)) if agencies >= 4 else 0
    plans: list[_AgencyPlan] = []
    for i in range(agencies):
        vertical = rand() < VERTICAL_AGENCY_SHARE
        plans.append(
            _AgencyPlan(
                index=i,
                created_at=start - timedelta(seconds=int(86400 * (60 + 840 * rand()))),
                activity=min(0.99, max(0.2, rng.gauss(ACTIVITY_MEAN, ACTIVITY_SD))),
                vertical=vertical,
                focus=popular_category(),
                weight=rng.lognormvariate(0, 0.7),
                small_size=1 + int(rand() * 4) if i < n_small else 0,
            )
        )
    rng.shuffle(plans)  # the small agencies are not the first ids
    big = [p for p in plans if not p.small_size]
    big_cum: list[float] = []
    total = 0.0
    for p in big:
        total += p.weight
        big_cum.append(total)

    def some_big_agency() -> _AgencyPlan:
        return rng.choices(big, cum_weights=big_cum)[0]

    # -- which agency each creator is signed to during the month (None: unsigned)
    n_unsigned = round(creators * UNSIGNED_CREATOR_SHARE)
    home: list[_AgencyPlan | None] = [None] * n_unsigned
    for p in plans:
        home.extend([p] * p.small_size)
    home = home[:creators]
    if big:
        home.extend(rng.choices(big, cum_weights=big_cum, k=creators - len(home)))
    rng.shuffle(home)

    # -- ids
    user_id = _next_id(User)
    org_id = _next_id(Organization)
    membership_id = _next_id(Membership)
    agency_id = _next_id(Agency)
    profile_id = _next_id(CreatorProfile)
    contract_id = _next_id(AgencyContract)
    session_id = _next_id(LiveSession)
    for n, p in enumerate(sorted(plans, key=lambda p: p.index)):
        p.id, p.organization_id, p.owner_id = agency_id + n, org_id + n, user_id + n
    creator_user_base = user_id + agencies

    # -- plan the creators and their contracts
    hour = timedelta(hours=1)
    creator_plans: list[_CreatorPlan] = []
    for ag in home:
        joined = start - timedelta(seconds=int(86400 * (30 + 970 * rand())))
        cp = _CreatorPlan(joined_at=joined)
        if ag is None:
            activity, heavy_share = 0.6, 0.1
            cp.favourite = popular_category()
            r = rand()
            if r < 0.4:  # a pending invitation
                other = some_big_agency()
                invited = start + timedelta(seconds=int(month_seconds * rand()))
                cp.contracts.append((other, "invited", invited, None, None, ""))
            elif r < 0.7:  # an invitation the creator declined
                other = some_big_agency()
                invited = start - timedelta(days=1 + int(200 * rand()))
                cp.contracts.append((other, "declined", invited, None, invited + hour, ""))
        else:
            activity = ag.activity
            heavy_share = 0.35 if ag.vertical else 0.12
            if ag.vertical and rand() < 0.85:
                cp.favourite = ag.focus
            else:
                cp.favourite = popular_category()
            lo = max(ag.created_at, joined)
            signed = lo + (start - hour - lo) * rand()
            invited = signed - timedelta(seconds=int(86400 * 3 * rand()) + 60)
            if rand() < LEFT_MID_MONTH_SHARE:
                closed = start + timedelta(seconds=int(month_seconds * 0.9 * rand()))
                cp.contracts.append((ag, "ended", invited, signed, closed, "合约到期"))
                if rand() < RESIGNED_SHARE:
                    other = some_big_agency()
                    if other is not ag:
                        again = closed + (end - closed) * (0.5 * rand())
                        cp.contracts.append((other, "active", again - hour, again, None, ""))
                        cp.current_agency = other.index
            else:
                cp.contracts.append((ag, "active", invited, signed, None, ""))
                cp.current_agency = ag.index
            if rand() < OLD_CONTRACT_SHARE:
                other = some_big_agency()
                old_closed = signed - timedelta(days=1 + int(30 * rand()))
                old_signed = old_closed - timedelta(days=60 + int(300 * rand()))
                cp.contracts.append(
                    (other, "ended", old_signed - hour, old_signed, old_closed, "解约")
                )
        if rand() < activity:
            heavy = rand() < heavy_share
            cp.weight = 22 + 18 * rand() if heavy else 1 + 11 * rand()
        elif rand() < SHORT_ONLY_SHARE:
            cp.short_only, cp.weight = True, 1.0
        creator_plans.append(cp)
    by_index = {p.index: p for p in plans}

    def timed(label: str, model, columns: list[str], rows) -> None:
        began = time.perf_counter()
        with transaction.atomic():
            counts[label] = _copy(model, columns, rows)
        _sync_sequence(model)
        timings[label] = time.perf_counter() - began
        log(f"  {label:<28} {counts[label]:>10,} rows  {timings[label]:7.1f} s")

    log(
        f"generating {agencies:,} agencies, {creators:,} creators, {sessions:,} sessions "
        f"for {month:%Y-%m} (seed {seed})"
    )
    log(f"  planning                     {time.perf_counter() - started_all:18.1f} s")

    def users():
        for p in sorted(plans, key=lambda p: p.index):
            joined = p.created_at - timedelta(days=1)
            yield (
                p.owner_id,
                "!",
                None,
                False,
                f"{BENCH_OWNER_PREFIX}{p.owner_id}",
                "",
                "",
                "",
                False,
                True,
                joined,
                "",
                None,
            )
        for n, cp in enumerate(creator_plans):
            uid = creator_user_base + n
            yield (
                uid,
                "!",
                None,
                False,
                f"{BENCH_CREATOR_PREFIX}{uid}",
                "",
                "",
                "",
                False,
                True,
                cp.joined_at,
                "creator",
                cp.joined_at,
            )

    timed("users", User, USER_COLUMNS, users())
    ordered = sorted(plans, key=lambda p: p.index)
    timed(
        "organizations",
        Organization,
        ["id", "kind", "name", "is_active", "created_at"],
        (
            (p.organization_id, "agency", f"{BENCH_ORG_PREFIX}{p.id:05d}", True, p.created_at)
            for p in ordered
        ),
    )
    timed(
        "memberships",
        Membership,
        ["id", "role", "created_at", "user_id", "organization_id"],
        (
            (membership_id + n, "owner", p.created_at, p.owner_id, p.organization_id)
            for n, p in enumerate(ordered)
        ),
    )
    timed(
        "agencies",
        Agency,
        ["id", "status", "created_at", "organization_id", "points", "points_year"],
        ((p.id, "active", p.created_at, p.organization_id, 0, 0) for p in ordered),
    )

    def profiles():
        for n, cp in enumerate(creator_plans):
            current = by_index[cp.current_agency].id if cp.current_agency is not None else None
            followers = int(rng.lognormvariate(9, 1.6))
            rating_count = int(rand() * 200)
            rating = f"{3 + 2 * rand():.2f}" if rating_count else "0"
            yield (
                profile_id + n,
                f"主播{n + 1:06d}",
                "",
                followers,
                rating,
                rating_count,
                cp.joined_at,
                cp.joined_at,
                current,
                creator_user_base + n,
            )

    timed(
        "creator profiles",
        CreatorProfile,
        PROFILE_COLUMNS,
        profiles(),
    )

    def contracts():
        cid = contract_id
        for n, cp in enumerate(creator_plans):
            for ag, status, invited, signed, closed, reason in cp.contracts:
                closed_by = ag.owner_id if status in ("ended",) else None
                yield (
                    cid,
                    status,
                    "",
                    invited,
                    signed,
                    closed,
                    reason,
                    ag.id,
                    closed_by,
                    ag.owner_id,
                    profile_id + n,
                )
                cid += 1

    timed(
        "contracts",
        AgencyContract,
        [
            "id",
            "status",
            "message",
            "invited_at",
            "signed_at",
            "closed_at",
            "end_reason",
            "agency_id",
            "closed_by_id",
            "invited_by_id",
            "creator_id",
        ],
        contracts(),
    )

    # -- sessions: pick the creator of each (by weight), then write them in start order, as
    # the feed would have delivered them.
    began = time.perf_counter()
    cum: list[float] = []
    total = 0.0
    for cp in creator_plans:
        total += cp.weight
        cum.append(total)
    if total == 0:
        creator_plans[0].weight, cum = 1.0, [1.0] * creators
    n_creators = len(creator_plans)
    days = month_seconds // 86400
    keys = []
    for n in rng.choices(range(n_creators), cum_weights=cum, k=sessions):
        offset = int(rand() * days) * 86400 + hours[int(rand() * len(hours))] * 3600
        keys.append((offset + int(rand() * 3600)) * n_creators + n)
    keys.sort()
    log(f"  {'sessions (planning)':<28} {'':>10}       {time.perf_counter() - began:7.1f} s")
    favourites = [cp.favourite for cp in creator_plans]
    short_only = [cp.short_only for cp in creator_plans]
    prefix = f"{BENCH_SESSION_PREFIX}{month:%Y%m}-"
    short_count = 0

    def session_rows():
        nonlocal short_count
        for k, key in enumerate(keys):
            offset, n = divmod(key, n_creators)
            if short_only[n] or rand() < SHORT_SESSION_SHARE:
                seconds = 600 + int(rand() * 1200)  # 10:00 to 29:59
                short_count += 1
            else:
                seconds = 1800 + int(12600 * rand() ** 1.6)  # 30 min to 4 h, mostly short
            category = favourites[n] if rand() < FAVOURITE_SHARE else popular_category()
            # one session in ten sells nothing
            gmv = int(rng.lognormvariate(11, 1.2) * seconds / 3600) if rand() >= 0.1 else 0
            refund = int(gmv * 0.3 * rand()) if gmv and rand() < 0.2 else 0
            started = start + timedelta(seconds=offset)
            ended = started + timedelta(seconds=seconds)
            received = ended + timedelta(seconds=60 + int(7200 * rand()))
            yield (
                session_id + k,
                f"{prefix}{session_id + k}",
                started,
                ended,
                seconds,
                seconds >= 1800,
                gmv,
                refund,
                "api" if rand() < 0.9 else "csv",
                received,
                received,
                category,
                profile_id + n,
            )

    timed(
        "live sessions",
        LiveSession,
        [
            "id",
            "platform_session_id",
            "started_at",
            "ended_at",
            "duration_seconds",
            "is_counted",
            "gmv_fen",
            "refund_fen",
            "source",
            "received_at",
            "updated_at",
            "category_id",
            "creator_id",
        ],
        session_rows(),
    )
    timings["live sessions"] = time.perf_counter() - began  # planning included

    began = time.perf_counter()
    from django.db import connection

    with connection.cursor() as cursor:
        # VACUUM too: the tables are then as autovacuum keeps them (hint bits set, visibility
        # map built), so the first timed run does not pay for rewriting fresh COPY pages.
        for model in (User, Organization, Membership, Agency, CreatorProfile):
            cursor.execute(f"VACUUM (ANALYZE) {_table(model)}")
        cursor.execute(f"VACUUM (ANALYZE) {_table(AgencyContract)}")
        cursor.execute(f"VACUUM (ANALYZE) {_table(LiveSession)}")
    timings["vacuum analyze"] = time.perf_counter() - began
    log(f"  {'VACUUM (ANALYZE)':<28} {'':>10}       {timings['vacuum analyze']:7.1f} s")
    total_seconds = time.perf_counter() - started_all
    short_share = short_count / sessions if sessions else 0.0
    log(
        f"generated in {total_seconds:.1f} s; {short_share:.1%} of the sessions are under 30 "
        f"minutes"
    )
    return GenerateResult(
        rows=counts, seconds=timings, total_seconds=total_seconds, short_share=short_share
    )


# --- the hand-written competitor ------------------------------------------------------------

# What `agencies_score` computes, written by hand as two SELECTs (the natural minimum: the two
# results have different shapes), each fetched in full through psycopg.
#
# G2: for every active agency admitted before the month, the creators whose contract was in
# force at some moment of the month (roster), those still signed at its end (signed), those
# with a counted (30 min+) session or a completed order in the month (active), and the
# verdict: at least 5 signed and at least 70 % active.
HAND_G2_SQL = """
WITH roster AS (
    SELECT agency_id, creator_id, bool_or(closed_at IS NULL OR closed_at >= %(end)s) AS at_end
    FROM marketplace_agencycontract
    WHERE status IN ('active', 'ended') AND signed_at < %(end)s
      AND (closed_at IS NULL OR closed_at >= %(start)s)
    GROUP BY agency_id, creator_id
),
active AS (
    SELECT creator_id FROM marketplace_livesession
    WHERE started_at >= %(start)s AND started_at < %(end)s AND is_counted
    UNION
    SELECT creator_id FROM tasks_order
    WHERE status = 'completed' AND closed_at >= %(start)s AND closed_at < %(end)s
)
SELECT ag.id,
       count(*) FILTER (WHERE r.at_end) AS signed,
       count(r.creator_id) AS roster,
       count(a.creator_id) AS active,
       count(*) FILTER (WHERE r.at_end) >= 5
           AND count(r.creator_id) > 0
           AND count(a.creator_id) * 100 >= count(r.creator_id) * 70 AS passed
FROM marketplace_agency ag
LEFT JOIN roster r ON r.agency_id = ag.id
LEFT JOIN active a ON a.creator_id = r.creator_id
WHERE ag.status = 'active' AND ag.created_at < %(start)s
GROUP BY ag.id
"""

# G5: for every active agency and every category its month-end creators sold in, the
# vertical's GMV, the agency's GMV, the creators whose main category (most GMV among their
# month's sessions; ties to the lower category id) is that vertical and who have 20+ counted
# sessions, and whether it is eligible: 5+ such creators and the vertical 10 %+ of the GMV.
HAND_G5_SQL = """
WITH members AS (
    SELECT DISTINCT agency_id, creator_id FROM marketplace_agencycontract
    WHERE status IN ('active', 'ended') AND signed_at < %(end)s
      AND (closed_at IS NULL OR closed_at >= %(end)s)
),
sales AS (
    SELECT creator_id, category_id, sum(gmv_fen) AS gmv, count(*) FILTER (WHERE is_counted) AS n
    FROM marketplace_livesession
    WHERE started_at >= %(start)s AND started_at < %(end)s
    GROUP BY creator_id, category_id
),
creators AS (
    SELECT DISTINCT ON (creator_id) creator_id, category_id AS main,
           sum(n) OVER (PARTITION BY creator_id) AS counted
    FROM sales
    ORDER BY creator_id, gmv DESC, category_id
),
verticals AS (
    SELECT m.agency_id, s.category_id,
           count(*) FILTER (WHERE c.main = s.category_id AND c.counted >= 20) AS qualifying,
           sum(s.gmv) AS gmv,
           sum(sum(s.gmv)) OVER (PARTITION BY m.agency_id) AS total
    FROM members m
    JOIN marketplace_agency ag ON ag.id = m.agency_id AND ag.status = 'active'
    JOIN sales s ON s.creator_id = m.creator_id
    JOIN creators c ON c.creator_id = m.creator_id
    GROUP BY m.agency_id, s.category_id
)
SELECT agency_id, category_id, qualifying, gmv::bigint, total::bigint,
       qualifying >= 5 AND gmv * 100 >= total * 10 AS eligible
FROM verticals WHERE gmv > 0
"""


@dataclass
class HandResult:
    assessments: list[tuple]  # (agency id, signed, roster, active, passed)
    eligibility: list[tuple]  # (agency id, category id, qualifying, vertical GMV, GMV, eligible)
    g2_seconds: float = 0.0
    g5_seconds: float = 0.0


def hand_sql(month: date) -> HandResult:
    """Run the two hand-written SELECTs through psycopg and fetch every row of each."""
    start, end = _month_bounds(month)
    params = {"start": start, "end": end}
    with _pg().cursor() as cursor:
        began = time.perf_counter()
        cursor.execute(HAND_G2_SQL, params)
        assessments = cursor.fetchall()
        middle = time.perf_counter()
        cursor.execute(HAND_G5_SQL, params)
        eligibility = cursor.fetchall()
        ended = time.perf_counter()
    return HandResult(assessments, eligibility, middle - began, ended - middle)


def compare_with_service(month: date, hand: HandResult) -> list[str]:
    """Where the hand SQL and the stored rows of the month disagree (empty: nowhere): every
    assessment row (G2) and every eligibility row (G5), figure for figure."""
    from agencies.models import AgencyAssessment, VerticalEligibility

    stored = {
        a: (s, r, c, p)
        for a, s, r, c, p in AgencyAssessment.objects.filter(month=month).values_list(
            "agency_id", "signed_count", "roster_count", "active_count", "passed"
        )
    }
    problems = []
    for agency_id, signed, roster, active, passed in hand.assessments:
        mine = (signed, roster, active, passed)
        theirs = stored.pop(agency_id, None)
        if theirs != mine:
            problems.append(f"G2 agency {agency_id}: hand SQL {mine}, service {theirs}")
    problems += [f"G2 agency {a}: only in the service's rows {v}" for a, v in stored.items()]
    verticals = {
        (a, c): rest
        for a, c, *rest in VerticalEligibility.objects.filter(month=month).values_list(
            "agency_id",
            "category_id",
            "qualifying_creators",
            "vertical_gmv_fen",
            "total_gmv_fen",
            "is_eligible",
        )
    }
    for agency_id, category_id, *figures in hand.eligibility:
        theirs = verticals.pop((agency_id, category_id), None)
        if theirs != list(figures):
            problems.append(
                f"G5 agency {agency_id} category {category_id}: hand SQL {tuple(figures)}, "
                f"service {theirs and tuple(theirs)}"
            )
    problems += [
        f"G5 agency {a} category {c}: only in the service's rows {tuple(v)}"
        for (a, c), v in verticals.items()
    ]
    return problems


# --- run ----------------------------------------------------------------------------------


class _Recorder:
    """A Django execute wrapper: every statement's SQL, parameters and wall time."""

    def __init__(self):
        self.calls: list[tuple[str, object, float]] = []

    def __call__(self, execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.calls.append((sql, params, time.perf_counter() - began))


REST = "commit (deferred foreign-key checks) and Python"


def _label(sql: str) -> str:
    text = " ".join(sql.split()).lower()
    if "insert into marketplace_agencyassessment" in text:
        return "G2 assessment INSERT … SELECT"
    if "insert into marketplace_verticaleligibility" in text:
        return "G5 eligibility INSERT … SELECT"
    if text.startswith("update") and "marketplace_agency" in text:
        return "points refresh (UPDATE agencies)"
    if text.startswith("delete"):
        return "eligibility DELETE (rerun)"
    return "other queries"


def machine() -> dict[str, str]:
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    try:
        load = Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        load = "?"
    settings = {"load_average": load}
    for name in (
        "server_version",
        "shared_buffers",
        "work_mem",
        "max_parallel_workers_per_gather",
        "jit",
    ):
        settings[name] = _scalar(f"SHOW {name}")
    return {"cpu_cores": str(os.cpu_count()), "memory": memory, **settings}


def data_sizes(month: date) -> dict[str, int]:
    from agencies.models import Agency, AgencyContract, LiveSession
    from parties.models import CreatorProfile
    from tasks.models import Order

    start, end = _month_bounds(month)
    sessions = LiveSession.objects.filter(started_at__gte=start, started_at__lt=end)
    return {
        "agencies": Agency.objects.count(),
        "creators": CreatorProfile.objects.count(),
        "contracts": AgencyContract.objects.count(),
        "sessions": LiveSession.objects.count(),
        "sessions_in_month": sessions.count(),
        "short_sessions_in_month": sessions.filter(is_counted=False).count(),
        "orders": Order.objects.count(),
    }


def _plan_nodes(plan: dict, out: list, depth: int = 0, ctes: dict | None = None) -> float:
    """Flatten an EXPLAIN (ANALYZE, FORMAT JSON) tree into [depth, label, rows, total ms,
    self ms, node]; returns the node's total time. Self time = total minus the children's
    totals; a CTE body's time is taken out of the CTE Scans that ran it."""
    ctes = {} if ctes is None else ctes
    loops = plan.get("Actual Loops", 1) or 1
    total = plan.get("Actual Total Time", 0.0) * loops
    label = plan["Node Type"]
    for key in ("Relation Name", "CTE Name", "Index Name"):
        if key in plan:
            label += f" {plan[key]}"
    if plan.get("Subplan Name"):
        label = f"[{plan['Subplan Name']}] {label}"
    if plan.get("Sort Space Type") == "Disk":
        label += f" (sort spilled {plan.get('Sort Space Used', 0) / 1024:.0f} MB to disk)"
    if plan.get("Disk Usage"):
        label += (
            f" (hash spilled {plan['Disk Usage'] / 1024:.0f} MB to disk, "
            f"{plan.get('HashAgg Batches', 0)} batches)"
        )
    if (plan.get("Hash Batches") or 1) > 1:
        label += f" ({plan['Hash Batches']} batches on disk)"
    index = len(out)
    out.append([depth, label, plan.get("Actual Rows", 0) * loops, total, 0.0, plan])
    children = 0.0
    for child in plan.get("Plans", []):
        child_total = _plan_nodes(child, out, depth + 1, ctes)
        if child.get("Parent Relationship") == "InitPlan":
            name = child.get("Subplan Name", "")
            if name.startswith("CTE "):
                ctes[name[4:]] = child_total
            continue  # its time is inside the node that reads it
        children += child_total
    if plan["Node Type"] == "CTE Scan":
        share = min(total - children, ctes.get(plan.get("CTE Name"), 0.0))
        ctes[plan.get("CTE Name")] = ctes.get(plan.get("CTE Name"), 0.0) - share
        children += share
    out[index][4] = max(0.0, total - children)
    return total


def _explain_once(sql: str, params, prelude, jit: bool) -> dict:
    from django.db import connection, transaction

    class _Rollback(Exception):
        pass

    result = {}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if not jit:
                cursor.execute("SET LOCAL jit = off")
            for before, before_params in prelude:
                cursor.execute(before, before_params)
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
            value = cursor.fetchone()[0]
            result = (json.loads(value) if isinstance(value, str) else value)[0]
            raise _Rollback
    except _Rollback:
        pass
    return result


def explain(sql: str, params, prelude=()) -> dict:
    """EXPLAIN ANALYZE a statement twice, each time in a transaction that is rolled back after
    the `prelude` statements ((sql, params) pairs) it followed in the real run: once as the
    server is configured (its execution and JIT compilation times), once with JIT off for the
    plan nodes (with JIT on, the compilation of the whole query is charged to whichever node
    runs first)."""
    configured = _explain_once(sql, params, prelude, jit=True)
    plain = _explain_once(sql, params, prelude, jit=False)
    nodes: list = []
    _plan_nodes(plain["Plan"], nodes)
    return {
        "execution_ms": configured.get("Execution Time", 0.0),
        "jit_ms": _jit_ms(configured),
        "execution_no_jit_ms": plain.get("Execution Time", 0.0),
        "nodes": nodes,
    }


def _print_plan(title: str, plan: dict) -> None:
    print(
        f"\nEXPLAIN ANALYZE: {title} — {plan['execution_ms']:.0f} ms as configured (JIT "
        f"compilation {plan['jit_ms']:.0f} ms), {plan['execution_no_jit_ms']:.0f} ms with jit "
        "off; the nodes, jit off:"
    )
    print(f"  {'self ms':>9} {'total ms':>9} {'rows':>10}  node")
    for depth, label, rows, total, own, _node in plan["nodes"]:
        print(f"  {own:9.0f} {total:9.0f} {int(rows):>10,}  {'  ' * depth}{label}")


def _jit_ms(result: dict) -> float:
    return result.get("JIT", {}).get("Timing", {}).get("Total", 0.0)


def _top_nodes(nodes: list, n: int = 3) -> list[tuple[str, float]]:
    return [(label, own) for _d, label, _r, _t, own, _p in sorted(nodes, key=lambda x: -x[4])[:n]]


def _generate_record_path() -> Path:
    from django.conf import settings
    from django.db import connection

    return Path(settings.VAR_DIR) / "bench" / f"agencies-{connection.settings_dict['NAME']}.json"


def run(
    *,
    month: date,
    repeats: int = 3,
    show_explain: bool = False,
    write_docs: bool = False,
    session_settings: dict[str, str] | None = None,
):
    from django.db import connection

    from agencies.models import AgencyAssessment
    from agencies.services.assessment import agencies_score

    require_postgres()
    now = after_month(month)
    session_settings = session_settings or {}
    for name, value in session_settings.items():
        # An experiment (e.g. work_mem=64MB): the service and the hand SQL share the session.
        with _pg().cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
        print(f"session setting: {name} = {_scalar(f'SHOW {name}')}")
    box = machine()
    print(
        f"machine: {box['cpu_cores']} CPU cores, {box['memory']} RAM, PostgreSQL "
        f"{box['server_version']} (shared_buffers {box['shared_buffers']}, work_mem "
        f"{box['work_mem']}, max_parallel_workers_per_gather "
        f"{box['max_parallel_workers_per_gather']}, jit {box['jit']})"
    )
    sizes = data_sizes(month)
    from agencies.models import Agency, VerticalEligibility

    with connection.cursor() as cursor:
        # Earlier runs left dead rows in the tables the service rewrites; start every
        # invocation from the same state.
        for model in (Agency, AgencyAssessment, VerticalEligibility):
            cursor.execute(f"VACUUM (ANALYZE) {_table(model)}")
    print(
        "data: "
        + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sizes.items())
        + f" (month {month:%Y-%m})"
    )

    first_of_month = not AgencyAssessment.objects.filter(month=month).exists()
    score_times: list[float] = []
    breakdowns: list[Counter] = []
    recorder = None
    summary = None
    for n in range(repeats):
        recorder = _Recorder()
        with connection.execute_wrapper(recorder):
            began = time.perf_counter()
            summary = agencies_score(month=month, now=now)
            score_times.append(time.perf_counter() - began)
        parts: Counter = Counter()
        for sql, _params, seconds in recorder.calls:
            parts[_label(sql)] += seconds
        parts[REST] = max(0.0, score_times[-1] - sum(parts.values()))
        breakdowns.append(parts)
        print(
            f"agencies_score run {n + 1}: {score_times[-1]:.2f} s  ("
            + ", ".join(f"{k} {v:.2f} s" for k, v in parts.most_common())
            + ")"
        )
    score_median = statistics.median(score_times)
    median_run = sorted(range(repeats), key=lambda i: score_times[i])[repeats // 2]

    hand_times: list[float] = []
    hand_parts: list[tuple[float, float]] = []
    hand = None
    for n in range(repeats):
        began = time.perf_counter()
        hand = hand_sql(month)
        hand_times.append(time.perf_counter() - began)
        hand_parts.append((hand.g2_seconds, hand.g5_seconds))
        print(
            f"hand SQL run {n + 1}: {hand_times[-1]:.2f} s (G2 {hand.g2_seconds:.2f} s, "
            f"{len(hand.assessments):,} rows; G5 {hand.g5_seconds:.2f} s, "
            f"{len(hand.eligibility):,} rows)"
        )
    hand_median = statistics.median(hand_times)
    hand_median_run = sorted(range(repeats), key=lambda i: hand_times[i])[repeats // 2]

    assessments = AgencyAssessment.objects.filter(month=month)
    short = assessments.filter(is_short_of_creators=True).count()
    below = assessments.filter(is_below_activity=True).count()
    hand_failed = sum(1 for row in hand.assessments if not row[4])
    hand_eligible = sum(1 for row in hand.eligibility if row[5])
    problems = compare_with_service(month, hand)
    rates = sorted(assessments.values_list("activity_rate_bp", flat=True))
    ratio = score_median / hand_median if hand_median else float("inf")

    table = [
        ("agencies assessed", f"{summary.assessed:,}"),
        ("failed (−40 points)", f"{summary.failed:,}"),
        ("  fewer than 5 signed", f"{short:,}"),
        ("  activity below 70 %", f"{below:,}"),
        ("expelled", f"{len(summary.expelled):,}"),
        ("vertical rows / eligible", f"{summary.vertical_rows:,} / {summary.eligible_verticals:,}"),
        (
            "activity rate p10 / median / p90",
            " / ".join(f"{rates[int(q * (len(rates) - 1))] / 100:.1f} %" for q in (0.1, 0.5, 0.9))
            if rates
            else "-",
        ),
        ("hand SQL failed", f"{hand_failed:,}"),
        ("hand SQL vertical rows / eligible", f"{len(hand.eligibility):,} / {hand_eligible:,}"),
        ("rows that differ (G2 + G5)", f"{len(problems):,}"),
        ("score_agencies runs", " / ".join(f"{t:.2f} s" for t in score_times)),
        ("score_agencies median", f"{score_median:.2f} s"),
        ("hand SQL runs", " / ".join(f"{t:.2f} s" for t in hand_times)),
        ("hand SQL median", f"{hand_median:.2f} s"),
        ("ratio", f"{ratio:.2f}× (goal ≤ 1.5×)"),
    ]
    width = max(len(k) for k, _ in table)
    print()
    for key, value in table:
        print(f"  {key:<{width}}  {value}")

    plans = {}
    if show_explain or write_docs:
        deletes = []
        for sql, params, _seconds in recorder.calls:
            label = _label(sql)
            if label.startswith("eligibility DELETE"):
                deletes.append((sql, params))  # G5 inserts into a month it just emptied
            elif label.startswith(("G2", "G5")):
                plans[label] = explain(sql, params, prelude=deletes if "G5" in label else ())
        start, end = _month_bounds(month)
        plans["hand SQL G2 SELECT"] = explain(HAND_G2_SQL, {"start": start, "end": end})
        plans["hand SQL G5 SELECT"] = explain(HAND_G5_SQL, {"start": start, "end": end})
        if show_explain:
            for label, plan in plans.items():
                _print_plan(label, plan)

    if hand_failed != summary.failed or problems:
        for line in problems[:20]:
            print("  MISMATCH", line, file=sys.stderr)
        raise SystemExit(
            f"the hand SQL and the service disagree on {len(problems):,} rows (failed "
            f"agencies: hand SQL {hand_failed}, service {summary.failed})"
        )
    print("\nthe hand SQL agrees with the service on every assessment and eligibility row")

    if write_docs:
        record = None
        path = _generate_record_path()
        if path.exists():
            record = json.loads(path.read_text())
        box["load_average_end"] = machine()["load_average"]
        text = _docs_section(
            month=month,
            box=box,
            sizes=sizes,
            record=record,
            score_times=score_times,
            breakdown=breakdowns[median_run],
            hand_times=hand_times,
            hand_parts=hand_parts[hand_median_run],
            summary=summary,
            short=short,
            below=below,
            rates=rates,
            plans=plans,
            session_settings=session_settings,
            first_of_month=first_of_month,
        )
        write_docs_section(DOCS_FILE, DOCS_SECTION, text)
        print(f"wrote the section {DOCS_SECTION!r} of {DOCS_FILE.relative_to(ROOT)}")


def _docs_section(
    *,
    month,
    box,
    sizes,
    record,
    score_times,
    breakdown,
    hand_times,
    hand_parts,
    summary,
    short,
    below,
    rates,
    plans,
    session_settings,
    first_of_month,
) -> str:
    score_median = statistics.median(score_times)
    hand_median = statistics.median(hand_times)
    ratio = score_median / hand_median if hand_median else float("inf")
    short_share = sizes["short_sessions_in_month"] / max(1, sizes["sessions_in_month"])
    if record:
        wiped = record.get("wipe_seconds")
        generate_line = (
            f"{record['total_seconds']:.0f} s"
            + (f", after {wiped:.0f} s deleting the previous run's rows" if wiped else "")
            + f" (`generate --agencies {record['agencies']} "
            f"--creators {record['creators']} --sessions {record['sessions']} --month "
            f"{record['month']}`, seed {record['seed']}, COPY; "
            + ", ".join(f"{k} {v:.1f} s" for k, v in record["seconds"].items())
            + ")"
        )
    else:
        generate_line = "not recorded on this machine (run `generate` first)"
    lines = [
        DOCS_SECTION,
        "",
        f"Measured on {date.today():%Y-%m-%d} by `python -m bench.agencies run --month "
        f"{month:%Y-%m} --write-docs` (`make bench-agencies` generates the data and runs it). "
        "Wall times from Python, on a machine shared with other jobs (1-minute load average "
        f"{box['load_average']} when the run began, {box.get('load_average_end', '?')} when it "
        "ended; no other bench ran meanwhile), so expect some noise. "
        + (
            "Run 1 is the month's first assessment; runs 2 and 3 are reruns, which rewrite the "
            "same rows. "
            if first_of_month
            else "All three runs are reruns of a month assessed before, which rewrite its rows. "
        )
        + "The competitor (issue 20's fair hand SQL) computes what the service computes, G2 "
        "and G5: `HAND_G2_SQL` (the signed, roster and active counts and the verdict of every "
        "agency) and `HAND_G5_SQL` (for every agency and category, the qualifying creators, "
        "the vertical's GMV, the agency's GMV and the verdict) in `bench/agencies.py`, two "
        "SELECTs (the natural minimum: the two results have different shapes), each fetched "
        "in full through psycopg. Before any figure is printed the bench checks that both "
        "give the same rows: every assessment row and every eligibility row, figure for "
        "figure, none missing on either side. It writes nothing, so the service's writes "
        "(indexes, constraints, the deferred foreign-key checks at commit) are its overhead. "
        "The ratio is the median of `agencies_score` over the median of the hand SQL, from "
        "the same run; the goal is at most 1.5×.",
        "",
        "| | |",
        "|---|---|",
        f"| Machine | {box['cpu_cores']} CPU cores, {box['memory']} RAM; PostgreSQL "
        f"{box['server_version']} (shared_buffers {box['shared_buffers']}, work_mem "
        f"{box['work_mem']}, jit {box['jit']}, max_parallel_workers_per_gather "
        f"{box['max_parallel_workers_per_gather']}"
        + (
            "; set for this run: " + ", ".join(f"{k}={v}" for k, v in session_settings.items())
            if session_settings
            else ""
        )
        + ") |",
        f"| Data | {sizes['agencies']:,} agencies, {sizes['creators']:,} creators, "
        f"{sizes['contracts']:,} contracts, {sizes['sessions_in_month']:,} sessions in "
        f"{month:%Y-%m} ({short_share:.1%} under 30 minutes), {sizes['orders']:,} orders"
        + (
            " (the bench writes none, so the completed-orders half of G2's active creators "
            "reads an empty table)"
            if not sizes["orders"]
            else ""
        )
        + " |",
        f"| Generate | {generate_line} |",
        "| `agencies_score` (what `score_agencies` runs), 3 runs | "
        + " / ".join(f"{t:.2f} s" for t in score_times)
        + " |",
        f"| `agencies_score`, median | **{score_median:.2f} s** |",
        "| Hand-written SQL: the G2 SELECT and the G5 SELECT, fetchall, 3 runs | "
        + " / ".join(f"{t:.2f} s" for t in hand_times)
        + f" (median run: G2 {hand_parts[0]:.2f} s, G5 {hand_parts[1]:.2f} s) |",
        f"| Hand-written SQL, median | **{hand_median:.2f} s** |",
        f"| Ratio (goal ≤ 1.5×) | **{ratio:.2f}×** |",
        "",
        f"Result: {summary.assessed:,} agencies assessed, {summary.failed:,} deducted 40 points "
        f"({short:,} with fewer than 5 signed creators, {below:,} below 70 % activity), "
        f"{len(summary.expelled)} expelled; {summary.vertical_rows:,} vertical rows, "
        f"{summary.eligible_verticals:,} eligible (G5). Activity rate p10 / median / p90: "
        + " / ".join(f"{rates[int(q * (len(rates) - 1))] / 100:.1f} %" for q in (0.1, 0.5, 0.9))
        + ". The hand SQL gives the same signed, roster and active counts and verdict for "
        f"every agency, and the same {summary.vertical_rows:,} eligibility rows with the same "
        "qualifying creators, vertical GMV, agency GMV and verdict.",
        "",
        "Where the time of the median `agencies_score` run goes:",
        "",
        "| Statement | Time |",
        "|---|---|",
    ]
    for label, seconds in breakdown.most_common():
        lines.append(f"| {label} | {seconds:.2f} s ({seconds / score_median:.0%}) |")
    lines.append("")
    (top_label, top_seconds), *_ = breakdown.most_common(1)
    g2 = breakdown.get("G2 assessment INSERT … SELECT", 0.0)
    g5 = breakdown.get("G5 eligibility INSERT … SELECT", 0.0)
    rest = score_median - g2 - g5
    met = ratio <= 1.5
    lines.append(
        f"What dominates: {top_label} ({top_seconds:.2f} s of the {score_median:.2f} s). "
        f"Statement by statement: the service's G2 INSERT … SELECT took {g2:.2f} s against "
        f"{hand_parts[0]:.2f} s for the hand G2 SELECT, its G5 INSERT … SELECT {g5:.2f} s "
        f"against {hand_parts[1]:.2f} s for the hand G5 SELECT, and {rest:.2f} s went to the "
        "rest (the points refresh, the expulsion query, the summary counts and the commit, "
        "where the deferred foreign-key checks of every row written run). Both sides are "
        "set-based the same way — one statement per rule, each a single pass over the "
        "month's sessions and the contracts, no Python loop, no per-row query, no ORM object "
        "built for an assessed agency or a vertical (only an expelled agency is handled one "
        "by one, and none was expelled here) — so the gap is the writing: "
        f"{summary.assessed:,} assessment rows and {summary.vertical_rows:,} eligibility "
        "rows inserted (a rerun first deletes the month's eligibility rows) into tables with "
        "their unique keys, indexes, checks and foreign keys."
    )
    lines.append("")
    lines.append(
        (
            f"Goal (issue 20: at most 1.5× the fair hand SQL): **met**, at {ratio:.2f}×"
            + (", narrowly." if ratio > 1.4 else ".")
            if met
            else f"Goal (issue 20: at most 1.5× the fair hand SQL): **not met**, at {ratio:.2f}×."
        )
        + " What limits it: the writes. Measured by hand on the same data (psql, in "
        "rolled-back transactions, 2026-12-04): inserting the month's 81,735 eligibility "
        "rows into an empty month takes about 1.1 s (0.6 s with the three secondary indexes "
        "dropped, 23 ms into an unindexed temporary table), 1.4–1.6 s after the "
        "rerun's DELETE of the same keys, and the deferred foreign-key checks of those rows "
        "another 0.65 s at commit — about 2 s the SELECT competitor never pays, on a "
        f"competitor of {hand_median:.1f} s. Tried on 2026-12-04 and not kept (each the "
        "median of 3 against the hand SQL in the same run; the unchanged service measured "
        "6.99 s against 4.79 s, 1.46×, and 6.06 s against 4.20 s, 1.44×, in two runs that "
        "day): (1) the month's sessions grouped once per "
        "creator and category into a temporary table read by both G2 and G5 (one scan of the "
        "sessions instead of two): G2 fell to 0.9–1.1 s and G5 to 3.3–3.8 s, but building "
        "the table took 1.5–1.7 s — 7.31 s against 4.87 s, 1.50×; (2) G5's rows computed "
        "by a CREATE TEMPORARY TABLE … AS SELECT (whose SELECT PostgreSQL may run with "
        "parallel workers, which it never does for an INSERT … SELECT, while the hand G5 "
        "SELECT gets them) and then inserted: 2.5–3.0 s plus 1.3–1.4 s — 6.43 s against "
        "4.17 s, 1.54×. Neither beats the single statements; what remains is the cost of "
        "writing the rows, which only fewer indexes or foreign keys on the eligibility table "
        "would cut."
    )
    lines.append("")
    if plans:
        lines.append(
            "From EXPLAIN (ANALYZE) of each statement, run again in a rolled-back transaction "
            "(self time of the costliest plan nodes, measured with jit off so that the "
            "compilation is not charged to one node):"
        )
        lines.append("")
        for label, plan in plans.items():
            nodes = plan["nodes"]
            parallel = any(n[5].get("Node Type") in ("Gather", "Gather Merge") for n in nodes)
            spills = sum(1 for n in nodes if "to disk" in n[1] or "on disk" in n[1])
            tops = ", ".join(f"{name} {own / 1000:.2f} s" for name, own in _top_nodes(nodes))
            lines.append(
                f"- {label}: {plan['execution_ms'] / 1000:.2f} s, of which JIT compilation "
                f"{plan['jit_ms'] / 1000:.2f} s ({plan['execution_no_jit_ms'] / 1000:.2f} s "
                f"with jit off); "
                f"{'parallel workers' if parallel else 'one process (no parallel plan)'}; "
                f"{spills} plan nodes spill to disk at work_mem {box['work_mem']}; "
                f"costliest nodes: {tops}."
            )
        lines.append("")
    return "\n".join(lines) + "\n"


# --- command line ---------------------------------------------------------------------------


def _month_arg(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError("give the month as YYYY-MM, e.g. 2026-10") from None


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.agencies", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="wipe the previous bench rows, COPY new ones")
    gen.add_argument("--agencies", type=int, default=10_000)
    gen.add_argument("--creators", type=int, default=200_000)
    gen.add_argument("--sessions", type=int, default=2_000_000)
    gen.add_argument("--month", type=_month_arg, default=date(2026, 10, 1))
    gen.add_argument("--seed", type=int, default=SEED)
    gen.add_argument(
        "--force", action="store_true", help="allow a database whose name lacks 'bench'"
    )
    run_ = commands.add_parser("run", help="time agencies_score and the hand SQL")
    run_.add_argument("--month", type=_month_arg, default=date(2026, 10, 1))
    run_.add_argument("--repeats", type=int, default=3)
    run_.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE summaries")
    run_.add_argument("--write-docs", action="store_true", help=f"update {DOCS_FILE.name}")
    run_.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for the session, e.g. --set work_mem=64MB (an experiment)",
    )
    args = parser.parse_args(argv)

    setup_django()
    require_postgres()
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if args.command == "generate":
        generate_into_bench_database(
            name,
            force=args.force,
            example="mk_bench",
            wipe=wipe,
            generate=lambda: generate(
                agencies=args.agencies,
                creators=args.creators,
                sessions=args.sessions,
                month=args.month,
                seed=args.seed,
            ),
            arguments={
                "agencies": args.agencies,
                "creators": args.creators,
                "sessions": args.sessions,
                "month": f"{args.month:%Y-%m}",
                "seed": args.seed,
            },
            share="short_share",
            record=_generate_record_path(),
        )
    else:
        run(
            month=args.month,
            repeats=args.repeats,
            show_explain=args.explain,
            write_docs=args.write_docs,
            session_settings=dict(item.split("=", 1) for item in args.set),
        )


if __name__ == "__main__":
    main()
