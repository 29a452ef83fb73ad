"""I9: restrictions. A refund rate above 40% over a live (from the live's end) or over a month
(from the first instant of the next month, found by the growth evaluation), or 3 complaints
confirmed by ops within 30 days (from the third), stops new grants to the account for 30 days
and voids the unused coupons granted in the 30 days before (each lot once)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.bulk import chunks
from parties.notifications import Notice, notify_many

from ..models import ChannelsSession, CouponLot, LiveAccount
from ..selectors import owners_by_account
from .coupons import lot_void

RESTRICTION = timedelta(days=30)
# The message each reason sends (parties.notifications.MESSAGES).
RESTRICTION_MESSAGES = {
    "refund_rate_above_40": "incentive_restricted",
    "month_refund_rate_above_40": "incentive_restricted_month",
    "complaints_confirmed": "incentive_restricted_complaints",
}
MAX_REFUND_PERCENT = 40  # I9: above 40% restricts (exactly 40.00% does not)


def refund_rate_too_high(gmv_fen: int, refund_fen: int) -> bool:
    """I9: refunded GMV ÷ GMV above 40%, in integers (40.00% is allowed, 40.01% is not)."""
    return gmv_fen > 0 and refund_fen * 100 > gmv_fen * MAX_REFUND_PERCENT


def _void_recent(live_account_ids: list[int], *, since: datetime, reason: str, params: dict):
    """The unused coupons of the lots granted in the 30 days before `since` are voided (each lot
    once, its cause), for many accounts in a few reads. Called with the accounts locked.
    Returns the coupons voided per account."""
    voided: dict[int, int] = dict.fromkeys(live_account_ids, 0)
    for chunk in chunks(live_account_ids):
        lots = (
            CouponLot.objects.select_for_update(of=("self",))
            .filter(
                live_account_id__in=chunk,
                remaining__gt=0,
                grant__created_at__gte=since - RESTRICTION,
                grant__created_at__lte=since,
            )
            .select_related("program_month")
            .order_by("pk")
        )
        for lot in lots:
            voided[lot.live_account_id] += lot_void(
                lot, cause=f"void:restriction:{lot.pk}", reason=reason, params=params
            )
    return voided


@transaction.atomic
def restrict(*, live_account: LiveAccount, since: datetime, reason: str, params: dict) -> bool:
    """Restrict the account for 30 days from `since` and void the unused coupons of the lots
    granted in the 30 days before it. Idempotent: the same `since` changes nothing twice.
    Returns whether the restriction was new or longer."""
    return (
        restrict_many(live_account_ids=[live_account.pk], since=since, reason=reason, params=params)
        == 1
    )


@transaction.atomic
def restrict_many(
    *, live_account_ids: list[int], since: datetime, reason: str, params: dict
) -> int:
    """restrict() for many accounts at once (the growth evaluation's high-refund months):
    accounts locked by primary key, then their lots, then the coupon accounts. Returns how many
    restrictions were new or longer; those accounts are told, with the coupons voided."""
    until = since + RESTRICTION
    ids = sorted(set(live_account_ids))
    longer: list[int] = []
    for chunk in chunks(ids):
        rows = (
            LiveAccount.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", "restricted_until")
        )
        longer += [pk for pk, current in rows if current is None or current < until]
    for chunk in chunks(longer):
        LiveAccount.objects.filter(pk__in=chunk).update(restricted_until=until)
    voided = _void_recent(longer, since=since, reason=reason, params=params)
    if longer:
        owners = owners_by_account(longer)
        message = RESTRICTION_MESSAGES.get(reason, "incentive_restricted")
        notify_many(
            Notice(
                owners[pk].users,
                message,
                params={"account": owners[pk].nickname, "until_at": until, "coupons": voided[pk]},
            )
            for pk in longer
        )
    return len(longer)


def restrictions_from_lives(*, live_account_ids: list[int] | None = None) -> int:
    """I9: every ended live whose refund rate is above 40% restricts its account from the
    live's end. Safe to rerun. Returns how many restrictions were new or longer."""
    lives = ChannelsSession.objects.filter(ended_at__isnull=False, gmv_fen__gt=0).filter(
        refund_fen__gt=F("gmv_fen") * MAX_REFUND_PERCENT / 100
    )
    if live_account_ids is not None:
        lives = lives.filter(live_account_id__in=live_account_ids)
    changed = 0
    for live in lives.select_related("live_account").order_by("ended_at"):
        if not refund_rate_too_high(live.gmv_fen, live.refund_fen):
            continue  # the database's division rounds; the integer rule decides
        changed += restrict(
            live_account=live.live_account,
            since=live.ended_at,
            reason="refund_rate_above_40",
            params={"session": live.session_id},
        )
    return changed


def is_restricted(live_account: LiveAccount, at: datetime | None = None) -> bool:
    at = at or timezone.now()
    return live_account.restricted_until is not None and live_account.restricted_until > at
