"""I9: restrictions. A live whose refund rate is above 40% stops new grants to its account for 30
days and voids the unused coupons granted in the 30 days before (each lot once). The month's
refund rate and the complaints confirmed by ops come with the growth evaluation and the ops
confirmations (not built yet)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from parties.notifications import notify

from ..models import ChannelsSession, CouponLot, CouponTransactionKind, LiveAccount
from ..selectors import account_owners
from .coupons import Kind, account, post

RESTRICTION = timedelta(days=30)
MAX_REFUND_PERCENT = 40  # I9: above 40% restricts (exactly 40.00% does not)


def refund_rate_too_high(gmv_fen: int, refund_fen: int) -> bool:
    """I9: refunded GMV ÷ GMV above 40%, in integers (40.00% is allowed, 40.01% is not)."""
    return gmv_fen > 0 and refund_fen * 100 > gmv_fen * MAX_REFUND_PERCENT


@transaction.atomic
def restrict(*, live_account: LiveAccount, since: datetime, reason: str, params: dict) -> bool:
    """Restrict the account for 30 days from `since` and void the unused coupons of the lots
    granted in the 30 days before it. Idempotent: the same `since` changes nothing twice.
    Returns whether the restriction was new or longer."""
    live_account = LiveAccount.objects.select_for_update().get(pk=live_account.pk)
    until = since + RESTRICTION
    longer = live_account.restricted_until is None or live_account.restricted_until < until
    if longer:
        live_account.restricted_until = until
        live_account.save(update_fields=["restricted_until"])
    lots = (
        CouponLot.objects.select_for_update()
        .filter(
            live_account=live_account,
            remaining__gt=0,
            grant__created_at__gte=since - RESTRICTION,
            grant__created_at__lte=since,
        )
        .order_by("pk")
    )
    voided = 0
    for lot in lots:
        post(
            kind=CouponTransactionKind.VOID,
            lines=[
                (account(Kind.WALLET, live_account=live_account), -lot.remaining),
                (account(Kind.VOID), lot.remaining),
            ],
            cause=f"void:restriction:{lot.pk}",
            live_account=live_account,
            program_month=lot.program_month,
            reason=reason,
            params={**params, "coupons": lot.remaining},
        )
        voided += lot.remaining
        CouponLot.objects.filter(pk=lot.pk).update(remaining=F("remaining") - lot.remaining)
    if longer:
        notify(
            account_owners(live_account),
            "incentive_restricted",
            account=live_account.nickname,
            until_at=until,
            coupons=voided,
        )
    return longer


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
