"""The ops dashboard's figures (read only): today's orders by status, the money held in escrow,
what left escrow today, the dispute queue (T61) and the bans in force (S1, S2).

Ops staff see everything (A3), so nothing here is scoped to a user; the admin page that shows it
is staff only. "Today" is the Beijing day (TIME_ZONE) that contains `now`. Every figure is an
aggregate computed by the database: the page costs the same few queries however many orders,
ledger lines, disputes or sanctions there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from escrow.models import Account, AccountKind, Entry, TransactionKind
from parties.models import Sanction, SanctionKind
from tasks.models import Dispute, Order, OrderStatus

OLDEST_DISPUTES_SHOWN = 5
BANS_SHOWN = 10


@dataclass(frozen=True)
class StatusCount:
    """One order status: the orders created today that are in it now, and all orders in it."""

    status: str
    label: str
    created_today: int
    total: int


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    day: date
    day_start: datetime
    day_end: datetime
    # Orders: every status of OrderStatus, in its declared order, zeros included.
    orders_by_status: tuple[StatusCount, ...]
    orders_created_today: int
    orders_total: int
    # E4: the sum of every order escrow account's balance, and how many hold money.
    held_fen: int
    orders_holding: int
    # E4: money that left escrow today, by release (to the creator and the platform's fee) and
    # by refund (back to the merchant's wallet); counts are journal transactions.
    released_today_fen: int
    releases_today: int
    refunded_today_fen: int
    refunds_today: int
    # T61: disputes waiting for a decision, oldest first.
    open_disputes: int
    oldest_disputes: tuple[Dispute, ...]
    # S1/S2: bans and restrictions barring their party now, newest first.
    bans_in_force: int
    bans: tuple[Sanction, ...]


def beijing_day(moment: datetime) -> tuple[date, datetime, datetime]:
    """The Beijing day containing `moment`: its date, its first instant, the next day's."""
    zone = ZoneInfo(settings.TIME_ZONE)
    day = moment.astimezone(zone).date()
    start = datetime.combine(day, time.min, tzinfo=zone)
    # China keeps no daylight saving time: a day is always 24 hours.
    return day, start, start + timedelta(days=1)


def open_disputes() -> QuerySet[Dispute]:
    """T61: disputes ops have not decided yet, oldest first (the queue's index)."""
    return Dispute.objects.filter(resolved_at__isnull=True).order_by("opened_at", "id")


def sanctions_in_force(*, at: datetime) -> QuerySet[Sanction]:
    """S1/S2: bans and restrictions barring their party at `at` — the query form of
    Sanction.in_force_at: not lifted, started, and permanent or ending after `at`."""
    return Sanction.objects.filter(
        Q(is_permanent=True) | Q(ends_at__gt=at),
        kind__in=(SanctionKind.BAN, SanctionKind.RESTRICTION),
        lifted_at__isnull=True,
        starts_at__lte=at,
    )


def _orders_by_status(start: datetime, end: datetime) -> tuple[StatusCount, ...]:
    counts = {
        row["status"]: row
        for row in Order.objects.order_by()
        .values("status")
        .annotate(
            total=Count("id"),
            created_today=Count("id", filter=Q(created_at__gte=start, created_at__lt=end)),
        )
    }
    return tuple(
        StatusCount(
            status=status.value,
            label=str(status.label),
            created_today=counts.get(status.value, {}).get("created_today", 0),
            total=counts.get(status.value, {}).get("total", 0),
        )
        for status in OrderStatus
    )


def _left_escrow(start: datetime, end: datetime) -> dict[str, tuple[int, int]]:
    """Per transaction kind: the money that left order escrows in [start, end) and the number
    of journal transactions that moved it. Money leaving escrow is a negative entry on the
    escrow account; a dispute split is one release and one refund, each counted in its kind."""
    rows = (
        Entry.objects.filter(
            account__kind=AccountKind.ORDER_ESCROW,
            amount_fen__lt=0,
            transaction__kind__in=(TransactionKind.RELEASE, TransactionKind.REFUND),
            transaction__created_at__gte=start,
            transaction__created_at__lt=end,
        )
        .order_by()
        .values("transaction__kind")
        .annotate(total=Sum("amount_fen"), transactions=Count("transaction_id", distinct=True))
    )
    return {row["transaction__kind"]: (-int(row["total"]), row["transactions"]) for row in rows}


def ops_dashboard(*, now: datetime | None = None) -> Dashboard:
    """The figures of the ops dashboard as of `now` (default: the current time). Seven queries."""
    now = now or timezone.now()
    day, start, end = beijing_day(now)

    statuses = _orders_by_status(start, end)
    held = Account.objects.filter(kind=AccountKind.ORDER_ESCROW).aggregate(
        held=Sum("balance_fen", default=0),
        holding=Count("id", filter=Q(balance_fen__gt=0)),
    )
    left = _left_escrow(start, end)
    released_fen, releases = left.get(TransactionKind.RELEASE, (0, 0))
    refunded_fen, refunds = left.get(TransactionKind.REFUND, (0, 0))

    disputes = open_disputes()
    bans = sanctions_in_force(at=now)
    return Dashboard(
        now=now,
        day=day,
        day_start=start,
        day_end=end,
        orders_by_status=statuses,
        orders_created_today=sum(row.created_today for row in statuses),
        orders_total=sum(row.total for row in statuses),
        held_fen=int(held["held"]),
        orders_holding=held["holding"],
        released_today_fen=released_fen,
        releases_today=releases,
        refunded_today_fen=refunded_fen,
        refunds_today=refunds,
        open_disputes=disputes.count(),
        oldest_disputes=tuple(
            disputes.select_related("order__shop__organization", "order__creator")[
                :OLDEST_DISPUTES_SHOWN
            ]
        ),
        bans_in_force=bans.count(),
        bans=tuple(
            bans.select_related("user", "organization", "violation").order_by("-starts_at", "-id")[
                :BANS_SHOWN
            ]
        ),
    )
