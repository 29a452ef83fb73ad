"""F1: content metrics (views, likes, comments, shares, clicks, GMV) per delivered order and
day, from the platform's data feed (API) or a CSV import in the admin.

Idempotent per order and day: the same row again is `unchanged`, other figures for a day
already known are `updated` (the platform revises its counts). Each row is checked on its own;
bad rows are refused with their errors per field and never stop the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.feeds import (
    IngestReport,
    RowResult,
    check_batch,
    count,
    csv_batches,
    is_ascii_number,
    money,
    parse_day,
)
from tasks.models import ContentMetric, Order

CSV_COLUMNS = ("order_id", "date", "views", "likes", "comments", "shares", "clicks", "gmv")
FIGURES = ("views", "likes", "comments", "shares", "clicks", "gmv_fen")


def _clean_row(raw: Mapping, *, orders: dict, today) -> tuple[tuple, dict, dict]:
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    order_key = str(raw.get("order_id") or "").strip()
    order = orders.get(order_key)
    if order is None:
        err("order_id", _("No order has the id “%(id)s”.") % {"id": order_key})
    elif order.delivered_at is None:
        err(
            "order_id",
            _("Order %(id)s has not been delivered: there is no content to measure.")
            % {"id": order_key},
        )
    day = parse_day(raw.get("date"))
    if day is None:
        err("date", _("Give the day as YYYY-MM-DD, e.g. 2026-11-02."))
    elif day > today:
        err("date", _("The day is in the future; send the figures once the day has begun."))
    elif order is not None and order.delivered_at is not None:
        delivered_on = timezone.localdate(order.delivered_at)
        if day < delivered_on:
            err(
                "date",
                _("The order was delivered on %(day)s; there are no figures before it.")
                % {"day": delivered_on.isoformat()},
            )
    values = {name: count(raw.get(name), errors, name) for name in FIGURES[:-1]}
    values["gmv_fen"] = money(raw.get("gmv"), errors, "gmv", required=False)
    key = (order.pk if order else order_key, day)
    return key, values, errors


def content_metrics_ingest(*, rows: Iterable[Mapping], first_row: int = 1) -> IngestReport:
    """F1: check and store a batch of daily figures; one report line per row."""
    rows = check_batch(rows)
    keys = {str(r.get("order_id") or "").strip() for r in rows}
    orders = {
        str(o.pk): o
        for o in Order.objects.filter(pk__in=[k for k in keys if is_ascii_number(k)]).only(
            "id", "delivered_at"
        )
    }
    today = timezone.localdate()
    results, cleaned = [], {}
    for number, raw in enumerate(rows, start=first_row):
        key, values, errors = _clean_row(raw, orders=orders, today=today)
        label = f"{key[0]}@{key[1].isoformat() if key[1] else raw.get('date')}"
        if not errors and key in cleaned:
            errors = {"date": [_("This order and day appear twice in the batch.")]}
        result = RowResult(row=number, key=label, status="refused", errors=errors)
        results.append(result)
        if not errors:
            cleaned[key] = (result, values)

    with transaction.atomic():
        order_ids = {order_id for order_id, _day in cleaned}
        existing = {
            (m.order_id, m.date): m
            for m in ContentMetric.objects.select_for_update().filter(order_id__in=order_ids)
            if (m.order_id, m.date) in cleaned
        }
        to_create, to_update = [], []
        for (order_id, day), (result, values) in cleaned.items():
            metric = existing.get((order_id, day))
            if metric is None:
                to_create.append(ContentMetric(order_id=order_id, date=day, **values))
                result.status = "created"
            elif all(getattr(metric, name) == values[name] for name in FIGURES):
                result.status = "unchanged"
            else:
                for name in FIGURES:
                    setattr(metric, name, values[name])
                metric.received_at = timezone.now()  # bulk_update does not run auto_now
                to_update.append(metric)
                result.status = "updated"
        # A concurrent batch may have written the same day since the read: its row stands.
        ContentMetric.objects.bulk_create(to_create, ignore_conflicts=True, batch_size=500)
        if to_update:
            ContentMetric.objects.bulk_update(to_update, [*FIGURES, "received_at"], batch_size=500)
    return IngestReport(rows=results, key_name="order_date")


def content_metrics_import_csv(*, file: bytes | str) -> IngestReport:
    """F1: the admin's CSV import: order_id, date, views, likes, comments, shares, clicks,
    gmv (yuan). Rows numbered by CSV line."""
    report = IngestReport(rows=[], key_name="order_date")
    for line, batch in csv_batches(file, columns=CSV_COLUMNS):
        report.rows += content_metrics_ingest(rows=batch, first_row=line).rows
    return report
