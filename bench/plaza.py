"""B1: the plaza API against one hand-written SQL query (issue 10).

    BENCH10_DATABASE_URL=… python -m bench.plaza [--repeats 50] [--no-save]

As the creator persona of bench.generate (`bench10-creator-000001`, logged in with a session,
as a browser is), it requests `GET /api/v1/tasks/?channel=taobao_live&min_price=300&max_price=
3000` in-process through Django's test client — middleware, session, DRF, the selector, the
serializer and the JSON renderer — for the first page and for a deep cursor page (three
quarters down the filtered list), alternating with the competitor: the same page fetched by one
hand-written SQL statement (HAND_SQL) through psycopg, turned into the same JSON by hand — and
the same HAND_SQL served by a bare Django view (`bench.urls_http.plaza_hand_sql`: the same
middleware and session authentication as the API, no DRF, no ORM query of its own), requested
through the same test client. Median of `--repeats` (≥ 50) of each; the ratios are API ÷ bare
view (goal ≤ 1.25×) and API ÷ SQL (goal ≤ 2.5×).

It checks that all three return the same task ids in the same order, counts the queries of one API
request at page sizes 20 and 100 (the count must not grow with the page), and splits one API
request into its SQL time and the rest (Python).
"""

from __future__ import annotations

import argparse
import base64
import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from bench.common import (
    GOALS,
    log,
    median,
    percentile,
    print_figure,
    require_bench_database,
    save_result,
    setup_django,
)

CHANNEL = "taobao_live"
MIN_PRICE_YUAN, MAX_PRICE_YUAN = 300, 3000
PAGE_SIZE = 20
DEEP_FRACTION = 0.75
# issue 20's goals, against the two competitors of the same run
GOAL_VIEW_RATIO = 1.25
GOAL_SQL_RATIO = 2.5
VIEW_PATH = "/bench/plaza-sql/"
LOCAL = ZoneInfo("Asia/Shanghai")

# The page a creator sees, written by hand: the open plaza tasks of the channel
# and price range, newest first, merged with the few tasks the creator takes part in
# (its recruitment tasks, applications, orders, proposals, and the shops and agencies it is a
# member of, as tasks.selectors.task_visibility says), then the page's counts for 21 rows only.
# The open-plaza branch walks task_plaza_idx (mode, status, created_at DESC, id DESC) from the
# cursor and stops after 21 matches. Open brand tasks are public to creators too, but they carry
# a budget and no price, so a price filter never matches them: no branch for them.
HAND_SQL = """
WITH member_orgs AS (
    SELECT organization_id FROM marketplace_membership WHERE user_id = %(user)s
),
party AS (
    SELECT id AS task_id FROM tasks_task WHERE creator_id = %(profile)s
    UNION SELECT task_id FROM tasks_application WHERE creator_id = %(profile)s
    UNION SELECT task_id FROM tasks_order WHERE creator_id = %(profile)s
    UNION SELECT task_id FROM tasks_proposal WHERE creator_id = %(profile)s
    UNION SELECT a.task_id FROM tasks_application a
        JOIN marketplace_merchantshop s ON s.id = a.shop_id
        WHERE s.organization_id IN (SELECT organization_id FROM member_orgs)
    UNION SELECT p.task_id FROM tasks_proposal p
        JOIN marketplace_agency ag ON ag.id = p.agency_id
        WHERE ag.organization_id IN (SELECT organization_id FROM member_orgs)
    UNION SELECT t.id FROM tasks_task t
        JOIN marketplace_merchantshop s ON s.id = t.shop_id
        WHERE s.organization_id IN (SELECT organization_id FROM member_orgs)
),
page AS (
    SELECT id, created_at FROM (
        (SELECT id, created_at FROM tasks_task
          WHERE mode = 'plaza' AND status = 'open' AND channel_id = %(channel)s
            AND (enrollment_deadline IS NULL OR enrollment_deadline > now())
            AND price_fen BETWEEN %(min_price)s AND %(max_price)s AND created_at < %(before)s
          ORDER BY created_at DESC, id DESC LIMIT %(limit)s)
        UNION ALL
        (SELECT t.id, t.created_at FROM tasks_task t JOIN party ON party.task_id = t.id
          WHERE NOT (t.status = 'open' AND t.mode IN ('plaza', 'brand')
                     AND (t.enrollment_deadline IS NULL OR t.enrollment_deadline > now()))
            AND t.channel_id = %(channel)s
            AND t.price_fen BETWEEN %(min_price)s AND %(max_price)s AND t.created_at < %(before)s
          ORDER BY t.created_at DESC, t.id DESC LIMIT %(limit)s)
    ) visible
    ORDER BY created_at DESC, id DESC LIMIT %(limit)s
)
SELECT t.id, t.mode, t.status, t.title, t.brief, t.content_type, c.code, t.price_fen,
       t.budget_fen, t.payment_mode, t.slots, t.enrollment_deadline, t.delivery_deadline,
       t.payment_due_at, t.sponsor_brand_name, t.sponsor_logo_url, t.sponsor_products,
       t.shop_id, o.name, t.creator_id, cp.display_name, t.closed_reason, t.created_at,
       (SELECT count(*) FROM tasks_application a WHERE a.task_id = t.id),
       (SELECT count(*) FROM tasks_application a WHERE a.task_id = t.id AND a.status = 'approved')
FROM page
JOIN tasks_task t ON t.id = page.id
JOIN tasks_channel c ON c.id = t.channel_id
LEFT JOIN marketplace_merchantshop s ON s.id = t.shop_id
LEFT JOIN marketplace_organization o ON o.id = s.organization_id
LEFT JOIN marketplace_creatorprofile cp ON cp.id = t.creator_id
ORDER BY t.created_at DESC, t.id DESC
"""


@dataclass
class Persona:
    user_id: int
    profile_id: int
    username: str


def persona() -> Persona:
    from bench.generate import PERSONA
    from parties.models import User

    user = User.objects.select_related("creator_profile").filter(username=PERSONA).first()
    if user is None:
        raise SystemExit(f"no {PERSONA}: run `python -m bench.generate` first")
    return Persona(user.pk, user.creator_profile.pk, user.username)


def logged_in_client(who: Persona):
    """A test client with a real session (cookie → django_session row), as a browser has."""
    from django.test import Client

    from parties.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(pk=who.user_id))
    return client


def session_cookie(who: Persona) -> str:
    """`sessionid=…` of a fresh login of the persona (for wrk, B4)."""
    from django.conf import settings

    client = logged_in_client(who)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def filters() -> dict[str, str]:
    return {"channel": CHANNEL, "min_price": str(MIN_PRICE_YUAN), "max_price": str(MAX_PRICE_YUAN)}


def drf_cursor(position: str) -> str:
    """A cursor as rest_framework's CursorPagination encodes it (position only, offset 0)."""
    return base64.b64encode(urlencode({"p": position}).encode("ascii")).decode("ascii")


def api_url(cursor: str | None = None, page_size: int | None = None) -> str:
    params = filters()
    if cursor:
        params["cursor"] = cursor
    if page_size:
        params["page_size"] = str(page_size)
    return "/api/v1/tasks/?" + urlencode(params)


def view_url(cursor: str | None = None) -> str:
    """The bare Django view's URL for the same page (same filters, same cursor)."""
    return api_url(cursor).replace("/api/v1/tasks/", VIEW_PATH, 1)


# --- the competitor ---------------------------------------------------------------------------


class HandSql:
    """HAND_SQL on its own psycopg connection (autocommit), rows turned into the API's JSON."""

    def __init__(self, who: Persona):
        import psycopg

        from tasks.models import Channel

        self.who = who
        self.connection = psycopg.connect(_psycopg_dsn(), autocommit=True)
        self.channel_id = Channel.objects.get(code=CHANNEL).pk

    def params(self, before, limit: int = PAGE_SIZE + 1) -> dict:
        return hand_sql_params(
            user=self.who.user_id,
            profile=self.who.profile_id,
            channel=self.channel_id,
            before=before,
            limit=limit,
        )

    def page(self, before) -> tuple[bytes, list[int]]:
        with self.connection.cursor() as cursor:
            cursor.execute(HAND_SQL, self.params(before))
            rows = cursor.fetchall()
        return page_body(rows)

    def close(self) -> None:
        self.connection.close()


def hand_sql_params(
    *,
    user: int,
    profile: int,
    channel: int,
    before,
    limit: int = PAGE_SIZE + 1,
    min_price_fen: int = MIN_PRICE_YUAN * 100,
    max_price_fen: int = MAX_PRICE_YUAN * 100,
) -> dict:
    return {
        "user": user,
        "profile": profile,
        "channel": channel,
        "min_price": min_price_fen,
        "max_price": max_price_fen,
        "before": before,
        "limit": limit,
    }


def page_body(rows) -> tuple[bytes, list[int]]:
    """HAND_SQL's rows as the API's JSON page, and the page's task ids."""
    results = [_task_json(row) for row in rows[:PAGE_SIZE]]
    body = {"next": rows[PAGE_SIZE - 1][22].isoformat() if len(rows) > PAGE_SIZE else None}
    body["previous"] = None
    body["results"] = results
    return json.dumps(body, ensure_ascii=False).encode(), [r["id"] for r in results]


def _psycopg_dsn() -> str:
    """The database Django is connected to (the bench's, or a test database)."""
    from django.db import connection

    settings = connection.settings_dict
    parts = {
        "dbname": settings["NAME"],
        "host": settings.get("HOST") or "127.0.0.1",
        "port": settings.get("PORT") or 5432,
        "user": settings.get("USER") or "postgres",
        "password": settings.get("PASSWORD") or "",
    }
    return " ".join(f"{key}='{value}'" for key, value in parts.items() if value != "")


def _yuan(fen):
    if fen is None:
        return None
    whole, cents = divmod(fen, 100)
    return f"{whole}.{cents:02d}"


def _time(moment):
    return None if moment is None else moment.astimezone(LOCAL).isoformat()


def _task_json(row) -> dict:
    (
        pk,
        mode,
        status,
        title,
        brief,
        content_type,
        channel,
        price,
        budget,
        payment,
        slots,
        enrollment,
        delivery,
        payment_due,
        brand,
        logo,
        products,
        shop_id,
        shop_name,
        creator_id,
        creator_name,
        closed_reason,
        created,
        applications,
        approved,
    ) = row
    owner = (
        {"kind": "creator", "id": creator_id, "name": creator_name}
        if creator_id
        else {"kind": "shop", "id": shop_id, "name": shop_name}
    )
    return {
        "id": pk,
        "mode": mode,
        "status": status,
        "title": title,
        "brief": brief,
        "content_type": content_type,
        "channel": channel,
        "price": _yuan(price),
        "budget": _yuan(budget),
        "payment": payment,
        "slots": slots,
        "enrollment_deadline": _time(enrollment),
        "delivery_deadline": _time(delivery),
        "payment_due_at": _time(payment_due),
        "sponsorship": (
            {"brand_name": brand, "logo_url": logo, "products": products}
            if content_type == "live_sponsorship"
            else None
        ),
        "owner": owner,
        "application_count": applications,
        "approved_count": approved,
        "closed_reason": closed_reason,
        "created_at": _time(created),
    }


# --- the deep page ---------------------------------------------------------------------------


def visible_count(hand: HandSql) -> int:
    """How long the filtered list is for the persona (the hand SQL without its limits)."""
    from datetime import UTC, datetime

    sql = HAND_SQL.replace("LIMIT %(limit)s", "")
    with hand.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM ({sql}) counted", hand.params(datetime(9999, 1, 1, tzinfo=UTC))
        )
        return cursor.fetchone()[0]


def deep_position(hand: HandSql, depth: int):
    """The created_at of the row just above `depth` in the filtered list: a cursor there
    starts the page at row `depth` (as the API's own `next` links would, page after page)."""
    from datetime import UTC, datetime

    sql = HAND_SQL.replace("LIMIT %(limit)s", "")
    with hand.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT created_at FROM ({sql}) listed OFFSET %(depth)s LIMIT 1",
            {**hand.params(datetime(9999, 1, 1, tzinfo=UTC)), "depth": max(0, depth - 1)},
        )
        row = cursor.fetchone()
        return row[0] if row else None


# --- measuring --------------------------------------------------------------------------------


def api_page(client, url: str) -> tuple[bytes, list[int]]:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
    body = response.content
    return body, [task["id"] for task in json.loads(body)["results"]]


def query_profile(client, url: str) -> dict:
    """One API request under CaptureQueriesContext: how many queries, their time, the rest.
    A request to the same URL first, so that it is measured as the timed ones run: with the
    plaza's public part and prepared statements warm (a first request of a page size reads
    the public part too: one query more)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    began = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    total = time.perf_counter() - began
    sql = sum(float(q["time"]) for q in captured.captured_queries)
    return {
        "queries": len(captured.captured_queries),
        "sql_ms": round(sql * 1000, 1),
        "total_ms": round(total * 1000, 1),
        "slowest_sql": max(captured.captured_queries, key=lambda q: float(q["time"]))["sql"][:300],
    }


def time_pair(
    client,
    hand: HandSql,
    url: str,
    before,
    repeats: int,
    warmup: int = 3,
    bare_url: str | None = None,
) -> dict:
    """Alternate API, hand-SQL and (with `bare_url`) bare-view requests for one page; medians,
    p90s, sizes, same ids."""
    api_times, sql_times, view_times = [], [], []
    api_ids = sql_ids = view_ids = []
    api_bytes = sql_bytes = b""
    for _ in range(warmup):
        api_page(client, url)
        hand.page(before)
        if bare_url:
            api_page(client, bare_url)
    for _ in range(repeats):
        began = time.perf_counter()
        api_bytes, api_ids = api_page(client, url)
        api_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        sql_bytes, sql_ids = hand.page(before)
        sql_times.append(time.perf_counter() - began)
        if bare_url:
            began = time.perf_counter()
            _view_bytes, view_ids = api_page(client, bare_url)
            view_times.append(time.perf_counter() - began)
    api_ms, sql_ms = median(api_times) * 1000, median(sql_times) * 1000
    figures = {
        "api_median_ms": round(api_ms, 2),
        "api_p90_ms": round(percentile(api_times, 0.9) * 1000, 2),
        "sql_median_ms": round(sql_ms, 2),
        "sql_p90_ms": round(percentile(sql_times, 0.9) * 1000, 2),
        "ratio": round(api_ms / sql_ms, 2) if sql_ms else None,
        "api_bytes": len(api_bytes),
        "sql_bytes": len(sql_bytes),
        "rows": len(api_ids),
        "same_ids": api_ids == sql_ids and (not bare_url or view_ids == api_ids),
        "api_ids": api_ids,
        "sql_ids": sql_ids,
    }
    if bare_url:
        view_ms = median(view_times) * 1000
        figures["view_median_ms"] = round(view_ms, 2)
        figures["view_p90_ms"] = round(percentile(view_times, 0.9) * 1000, 2)
        figures["ratio_view"] = round(api_ms / view_ms, 2) if view_ms else None
        figures["view_ids"] = view_ids
    return figures


def ratios_met(page: dict) -> bool:
    """Both of issue 20's B1 goals for one page."""
    return (page.get("ratio_view") or 99) <= GOAL_VIEW_RATIO and (
        page["ratio"] or 99
    ) <= GOAL_SQL_RATIO


def run(*, repeats: int = 50, save: bool = True) -> dict:
    from datetime import UTC, datetime

    from django.test.utils import override_settings

    from tasks.models import Task

    who = persona()
    hand = HandSql(who)
    # bench.urls_http: the project's URLs and the bench's own views (the bare hand-SQL view)
    urls = override_settings(ROOT_URLCONF="bench.urls_http")
    urls.enable()
    try:
        client = logged_in_client(who)
        length = visible_count(hand)
        depth = int(length * DEEP_FRACTION)
        position = deep_position(hand, depth)
        deep_cursor = drf_cursor(str(position)) if position is not None else None
        log(
            f"B1: {who.username} sees {length:,} tasks of {CHANNEL} at ¥{MIN_PRICE_YUAN}–"
            f"¥{MAX_PRICE_YUAN} (of {Task.objects.count():,}); deep page starts at row {depth:,}"
        )
        pages = {
            "first": (api_url(), view_url(), datetime(9999, 1, 1, tzinfo=UTC)),
            "deep": (api_url(deep_cursor), view_url(deep_cursor), position),
        }
        figures: dict = {"visible_tasks": length, "deep_row": depth, "repeats": repeats}
        for name, (url, bare_url, before) in pages.items():
            figures[name] = time_pair(client, hand, url, before, repeats, bare_url=bare_url)
            page = figures[name]
            log(
                f"  {name} page: API median {page['api_median_ms']:.1f} ms (p90 "
                f"{page['api_p90_ms']:.1f}), bare Django view {page['view_median_ms']:.2f} ms "
                f"(p90 {page['view_p90_ms']:.2f}), hand SQL {page['sql_median_ms']:.2f} ms (p90 "
                f"{page['sql_p90_ms']:.2f}); ratios {page['ratio_view']}× the view, "
                f"{page['ratio']}× the SQL; {page['rows']} rows, {page['api_bytes']:,} / "
                f"{page['sql_bytes']:,} bytes; same ids: {page['same_ids']}"
            )
            if not page["same_ids"]:
                log(
                    f"    API ids {page['api_ids']}\n    SQL ids {page['sql_ids']}\n"
                    f"    view ids {page['view_ids']}"
                )
        cursor = deep_cursor
        figures["queries"] = {
            "page_size_20": query_profile(client, api_url(cursor, 20)),
            "page_size_100": query_profile(client, api_url(cursor, 100)),
            "bare_view": query_profile(client, view_url(cursor)),
        }
        small, large = figures["queries"]["page_size_20"], figures["queries"]["page_size_100"]
        log(
            f"  queries per request: {small['queries']} at page size 20, {large['queries']} at "
            f"100 ({figures['queries']['bare_view']['queries']} for the bare view); SQL "
            f"{small['sql_ms']} of {small['total_ms']} ms (page size 20)"
        )
    finally:
        urls.disable()
        hand.close()
    figures["ratio_met"] = ratios_met(figures["first"]) and ratios_met(figures["deep"])
    figures["queries_met"] = small["queries"] == large["queries"]
    figures["same_ids"] = figures["first"]["same_ids"] and figures["deep"]["same_ids"]
    for name in ("first", "deep"):
        page = figures[name]
        print_figure(
            "B1",
            f"plaza API, {name} page (median of {repeats})",
            f"{page['api_median_ms']:.1f} ms",
            f"bare Django view {page['view_median_ms']:.2f} ms",
            f"{page['ratio_view']}× (goal ≤ {GOAL_VIEW_RATIO}×)",
            (page["ratio_view"] or 99) <= GOAL_VIEW_RATIO,
        )
        print_figure(
            "B1",
            f"plaza API, {name} page (median of {repeats})",
            f"{page['api_median_ms']:.1f} ms",
            f"hand SQL {page['sql_median_ms']:.2f} ms",
            f"{page['ratio']}× (goal ≤ {GOAL_SQL_RATIO}×)",
            (page["ratio"] or 99) <= GOAL_SQL_RATIO,
        )
    print_figure(
        "B1",
        "queries per API request",
        f"{small['queries']} at page size 20",
        f"{large['queries']} at page size 100",
        "must not grow",
        figures["queries_met"],
    )
    log(f"   goal: {GOALS['B1']}")
    if save:
        for name in ("first", "deep"):
            for key in ("api_ids", "sql_ids", "view_ids"):
                figures[name].pop(key, None)
        save_result("B1", figures)
    return figures


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.plaza", description=__doc__)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)
    if args.repeats < 50:
        log(f"note: {args.repeats} repeats (the issue asks for ≥ 50)")
    setup_django()
    require_bench_database()
    figures = run(repeats=args.repeats, save=not args.no_save)
    if not figures["same_ids"]:
        raise SystemExit("B1: the API and the hand SQL returned different tasks")


if __name__ == "__main__":
    main()
