"""G1: live sessions (直播场次) from the platform data feed, through the API or a CSV import.

One function takes a batch of rows from either source, checks each row on its own and writes
the good ones; a bad row never stops the others and never half-writes. The platform's session
id makes a batch idempotent: the same row again is `unchanged`, a corrected row (refunds
arrive after the session) is `updated`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import LiveSession, LiveSessionSource
from core.feeds import (
    IngestReport,
    RowResult,
    check_batch,
    csv_batches,
    is_ascii_number,
    money,
    parse_time,
    store_rows,
)
from parties.models import Category, CreatorProfile

COUNTED_SESSION = timedelta(minutes=30)  # G1: 30 minutes or more counts as one session.
CSV_COLUMNS = ("session_id", "creator_id", "category", "started_at", "ended_at", "gmv", "refund")
# Figures a corrected row may change; the creator of a session never changes.
UPDATABLE = (
    "category_id",
    "started_at",
    "ended_at",
    "duration_seconds",
    "is_counted",
    "gmv_fen",
    "refund_fen",
)


def _clean_row(
    raw: Mapping, *, now: datetime, creators: dict, categories: dict
) -> tuple[dict, dict]:
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    session_id = str(raw.get("session_id") or "").strip()
    if not session_id:
        err("session_id", _("The platform session id is required."))
    elif len(session_id) > 64:
        err("session_id", _("The platform session id has at most 64 characters."))
    creator_key = str(raw.get("creator_id") or "").strip()
    creator = creators.get(creator_key)
    if creator is None:
        err("creator_id", _("No creator has the id “%(id)s”.") % {"id": creator_key})
    category_key = str(raw.get("category") or "").strip()
    category = categories.get(category_key)
    if category is None:
        err(
            "category",
            _("Unknown category “%(code)s”: use a category code.") % {"code": category_key},
        )
    started_at = parse_time(raw.get("started_at"))
    ended_at = parse_time(raw.get("ended_at"))
    if started_at is None:
        err("started_at", _("Give the start as an ISO 8601 time, e.g. 2026-11-02T20:00:00+08:00."))
    if ended_at is None:
        err("ended_at", _("Give the end as an ISO 8601 time, e.g. 2026-11-02T22:00:00+08:00."))
    if started_at and ended_at:
        if ended_at <= started_at:
            err("ended_at", _("The session must end after it starts."))
        elif ended_at > now + timedelta(minutes=5):
            err("ended_at", _("The session ends in the future; send it once it has ended."))
        elif ended_at - started_at > timedelta(hours=24):
            err("ended_at", _("A session lasts at most 24 hours."))
    gmv_fen = money(raw.get("gmv"), errors, "gmv", required=True)
    refund_fen = money(raw.get("refund"), errors, "refund", required=False)
    if "gmv" not in errors and "refund" not in errors and refund_fen > gmv_fen:
        err("refund", _("Refunds cannot exceed the session's GMV."))
    if errors:
        return {"platform_session_id": session_id}, errors
    duration = ended_at - started_at
    return {
        "platform_session_id": session_id,
        "creator_id": creator.pk,
        "category_id": category.pk,
        "started_at": started_at,
        "ended_at": ended_at,
        "duration_seconds": int(duration.total_seconds()),
        "is_counted": duration >= COUNTED_SESSION,
        "gmv_fen": gmv_fen,
        "refund_fen": refund_fen,
    }, {}


def live_sessions_ingest(
    *, rows: Iterable[Mapping], source: str, first_row: int = 1
) -> IngestReport:
    """G1: check and store a batch of sessions. Each row is reported as created, updated,
    unchanged or refused (with its errors per field); refused rows write nothing.

    Rows are numbered from `first_row` (the CSV import passes 2: line 1 is the header).
    """
    if source not in LiveSessionSource.values:
        raise ValueError(f"unknown source {source!r}")
    rows = check_batch(rows)
    now = timezone.now()
    creator_keys = {str(r.get("creator_id") or "").strip() for r in rows}
    creators = {
        str(c.pk): c
        for c in CreatorProfile.objects.filter(
            pk__in=[k for k in creator_keys if is_ascii_number(k)]
        )
    }
    categories = {c.code: c for c in Category.objects.all()}

    results: list[RowResult] = []
    cleaned: dict[str, tuple[RowResult, dict]] = {}
    for number, raw in enumerate(rows, start=first_row):
        values, errors = _clean_row(raw, now=now, creators=creators, categories=categories)
        session_id = values["platform_session_id"]
        if not errors and session_id in cleaned:
            errors = {"session_id": [_("This session id appears twice in the batch.")]}
        result = RowResult(row=number, key=session_id, status="refused", errors=errors)
        results.append(result)
        if not errors:
            cleaned[session_id] = (result, values)

    store_rows(
        LiveSession,
        key="platform_session_id",
        cleaned=cleaned,
        updatable=UPDATABLE,
        owner="creator_id",
        owner_error=("creator_id", _("This session id belongs to another creator.")),
        now=now,
        source=source,
    )
    return IngestReport(rows=results, key_name="session_id")


def live_sessions_import_csv(*, file: bytes | str) -> IngestReport:
    """G1: the admin's CSV import. Columns: session_id, creator_id, category, started_at,
    ended_at, gmv, refund (yuan). Imported in batches; the report numbers rows by CSV line."""
    report = IngestReport(rows=[], key_name="session_id")
    for line, batch in csv_batches(file, columns=CSV_COLUMNS, optional=("refund",)):
        report.rows += live_sessions_ingest(rows=batch, source="csv", first_row=line).rows
    return report


__all__ = [
    "COUNTED_SESSION",
    "CSV_COLUMNS",
    "IngestReport",
    "live_sessions_import_csv",
    "live_sessions_ingest",
]
