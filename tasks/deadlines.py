"""D1–D4: the deadline sweeper. Time moves tasks and orders forward even when nobody clicks.

Each kind of due item has an indexed query (status, due time) and the same service the users'
actions use. A sweep walks each kind in primary-key order in batches; every item is claimed with
`select_for_update(skip_locked=True)` inside its own transaction, so several workers share the
work (a row another worker holds is skipped, not waited for) and a crash leaves no item half
done. A kind with a batch action (overdue deliveries, the bulk of a backlog: B3 in
docs/performance.md) claims and moves a whole batch in one transaction the same way, and falls
back to one transaction per item if the batch fails. The services re-check the state and the
due time under the lock and return None (or leave the row out) when there is nothing to do
(D2), so a rerun or a second worker never refunds or releases twice.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasks.models import Order, OrderStatus, SweepRun, Task, TaskStatus

from . import services

logger = logging.getLogger(__name__)

BATCH_SIZE = 200


@dataclass(frozen=True)
class DeadlineKind:
    code: str
    label: str
    model: type[Model]
    due: Callable[[datetime], Q]  # the indexed condition: status and due time ≤ as of
    upcoming: Callable[[datetime, datetime], Q]
    action: Callable[..., object]
    # Optional: the action for a batch of ids in one transaction, returning how many moved.
    batch_action: Callable[[list[int], datetime], int] | None = None


def _order_kind(code, label, status, field, action, batch_action=None) -> DeadlineKind:
    return DeadlineKind(
        code=code,
        label=label,
        model=Order,
        due=lambda at: Q(status=status, **{f"{field}__lte": at}),
        upcoming=lambda start, end: Q(
            status=status, **{f"{field}__gt": start, f"{field}__lte": end}
        ),
        action=lambda obj, at: action(order=obj, at=at),
        batch_action=batch_action,
    )


def _task_kind(code, label, status, field, action) -> DeadlineKind:
    return DeadlineKind(
        code=code,
        label=label,
        model=Task,
        due=lambda at: Q(status=status, **{f"{field}__lte": at}),
        upcoming=lambda start, end: Q(
            status=status, **{f"{field}__gt": start, f"{field}__lte": end}
        ),
        action=lambda obj, at: action(task=obj, at=at),
    )


# In the order a day unfolds: enrollments end before plaza payments fall due, acceptances
# before balances, deliveries before confirmations.
KINDS: list[DeadlineKind] = [
    _task_kind(
        "enrollment_end",
        _("enrollment ends (T10)"),
        TaskStatus.OPEN,
        "enrollment_deadline",
        services.task_end_enrollment,
    ),
    _task_kind(
        "plaza_unpaid",
        _("unpaid plaza tasks (T13)"),
        TaskStatus.ENROLLMENT_CLOSED,
        "payment_due_at",
        services.plaza_task_close_unpaid,
    ),
    _order_kind(
        "acceptance",
        _("acceptance timeouts (T5, T40)"),
        OrderStatus.AWAITING_ACCEPTANCE,
        "acceptance_deadline",
        services.order_expire,
    ),
    _order_kind(
        "balance",
        _("unpaid balances (T42)"),
        OrderStatus.AWAITING_BALANCE,
        "balance_deadline",
        services.order_forfeit,
    ),
    _order_kind(
        "delivery",
        _("overdue deliveries (T51)"),
        OrderStatus.IN_PRODUCTION,
        "delivery_deadline",
        services.order_mark_overdue,
        # the backlog after an outage is mostly this kind (B3): refunded a batch at a time
        batch_action=lambda pks, at: len(services.orders_mark_overdue(order_ids=pks, at=at)),
    ),
    _order_kind(
        "auto_confirm",
        _("automatic confirmations (T54)"),
        OrderStatus.DELIVERED,
        "auto_confirm_at",
        services.order_auto_confirm,
    ),
]
KIND_CODES = [kind.code for kind in KINDS]


def _claim(kind: DeadlineKind, pk: int, at: datetime):
    """The row, locked for this transaction, if it is still due and no other worker holds it."""
    return (
        kind.model.objects.select_for_update(skip_locked=True).filter(kind.due(at), pk=pk).first()
    )


def sweep_kind(kind: DeadlineKind, *, at: datetime, batch_size: int = BATCH_SIZE, errors=None):
    """Apply one kind's action to every item due at `at`. Returns how many items moved.

    A kind with a batch action moves each batch in one transaction; if that fails, the batch
    is retried an item at a time, so one bad item cannot hold up the others."""
    moved, last_pk = 0, 0
    while True:
        batch: QuerySet = (
            kind.model.objects.filter(kind.due(at), pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        pks = list(batch)
        if not pks:
            return moved
        if kind.batch_action is not None:
            try:
                with transaction.atomic():  # all of the batch or none of it
                    moved += kind.batch_action(pks, at)
            except Exception:
                logger.exception("deadline sweep: %s batch from #%s failed", kind.code, pks[0])
                moved += _sweep_items(kind, pks, at, errors)
        else:
            moved += _sweep_items(kind, pks, at, errors)
        last_pk = pks[-1]


def _sweep_items(kind: DeadlineKind, pks: list[int], at: datetime, errors) -> int:
    """The kind's action on each item in its own transaction; returns how many moved."""
    moved = 0
    for pk in pks:
        try:
            with transaction.atomic():
                item = _claim(kind, pk, at)
                if item is not None and kind.action(item, at) is not None:
                    moved += 1
        except Exception as exc:  # one item's failure must not stop the sweep
            logger.exception("deadline sweep: %s #%s failed", kind.code, pk)
            if errors is not None:
                errors.append({"kind": kind.code, "id": pk, "error": repr(exc)[:300]})
    return moved


def run_sweep(*, at: datetime | None = None, trigger: str = "beat", kinds=None) -> SweepRun:
    """D1/D4: one sweep of every kind as of `at` (now by default), recorded for ops."""
    started = time.monotonic()
    as_of = at or timezone.now()
    run = SweepRun.objects.create(
        started_at=timezone.now(),
        as_of=as_of,
        trigger=trigger,
        hostname=socket.gethostname()[:100],
    )
    counts, errors = {}, []
    for kind in KINDS:
        if kinds and kind.code not in kinds:
            continue
        counts[kind.code] = sweep_kind(kind, at=as_of, errors=errors)
    run.counts = counts
    run.errors = errors
    run.finished_at = timezone.now()
    run.duration_ms = int((time.monotonic() - started) * 1000)
    run.save(update_fields=["counts", "errors", "finished_at", "duration_ms"])
    return run


def due_summary(*, at: datetime | None = None, hours: int = 24) -> list[dict]:
    """For the ops view: per kind, how many are overdue now and how many fall due soon."""

    now = at or timezone.now()
    end = now + timedelta(hours=hours)
    return [
        {
            "code": kind.code,
            "label": kind.label,
            "overdue": kind.model.objects.filter(kind.due(now)).count(),
            "upcoming": kind.model.objects.filter(kind.upcoming(now, end)).count(),
        }
        for kind in KINDS
    ]
