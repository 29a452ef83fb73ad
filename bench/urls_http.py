"""The benchmarks' URLs: the project's, and two bench-only views served through the same
middleware (session, authentication, language, CSRF, whitenoise):

- `/bench/minimal/` answers "ok" without a query of its own: the floor a page of this server
  cannot go below (B4);
- `/bench/plaza-sql/` is B1's hand SQL in a bare Django view (issue 20's fair competitor, B1
  in-process and B4 over HTTP): session-authenticated like the API (a 403 without a login),
  then HAND_SQL on Django's connection and the API's JSON written by hand — no DRF, no ORM
  query of its own, the same filters and cursor as the API's URL.
"""

import base64
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs

from django.db import connection
from django.http import HttpResponse, HttpResponseForbidden
from django.urls import path

from bench.plaza import HAND_SQL, hand_sql_params, page_body
from marketplace.urls import urlpatterns as project_urlpatterns

# The channel's id and each user's creator profile id, read once per process: the psycopg
# competitor is given them too, so neither competitor pays for them per request.
_CHANNEL_IDS: dict[str, int] = {}
_PROFILE_IDS: dict[int, int] = {}
_NO_CURSOR = datetime(9999, 1, 1, tzinfo=UTC)


def minimal(request):
    return HttpResponse("ok", content_type="text/plain")


def _scalar(sql: str, value) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        return cursor.fetchone()[0]


def _before(cursor: str):
    """The position of a cursor as rest_framework's CursorPagination encodes it."""
    if not cursor:
        return _NO_CURSOR
    decoded = parse_qs(base64.b64decode(cursor.encode("ascii")).decode("ascii"))
    return datetime.fromisoformat(decoded["p"][0])


def plaza_hand_sql(request):
    user = request.user
    if not user.is_authenticated:
        return HttpResponseForbidden("log in first")
    code = request.GET.get("channel", "")
    if code not in _CHANNEL_IDS:
        _CHANNEL_IDS[code] = _scalar("SELECT id FROM tasks_channel WHERE code = %s", code)
    if user.pk not in _PROFILE_IDS:
        _PROFILE_IDS[user.pk] = _scalar(
            "SELECT id FROM marketplace_creatorprofile WHERE user_id = %s", user.pk
        )
    params = hand_sql_params(
        user=user.pk,
        profile=_PROFILE_IDS[user.pk],
        channel=_CHANNEL_IDS[code],
        before=_before(request.GET.get("cursor", "")),
        min_price_fen=int(Decimal(request.GET.get("min_price", "0")) * 100),
        max_price_fen=int(Decimal(request.GET.get("max_price", "100000000")) * 100),
    )
    with connection.cursor() as cursor:
        cursor.execute(HAND_SQL, params)
        rows = cursor.fetchall()
    body, _ids = page_body(rows)
    return HttpResponse(body, content_type="application/json")


urlpatterns = [
    path("bench/minimal/", minimal, name="bench_minimal"),
    path("bench/plaza-sql/", plaza_hand_sql, name="bench_plaza_sql"),
    *project_urlpatterns,
]
