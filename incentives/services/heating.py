"""Heating orders paid with coupons (I8): 加热 for the account's own live, 0.5 to 6 hours in
half-hour steps, paid with coupons only (coupons or money, never both: money heating is bought
on 视频号 itself).

Paying moves the coupons from the wallet into the account's heating account, taken from its
lots oldest expiry first (a benchmark tranche lot only for the live it was granted for, I7).
Stopping early spends what was used and returns the rest to the lots it came from — the latest
expiring first, since the oldest are the ones used — so each returned coupon keeps its original
expiry. An order that runs its hours out is finished by the sweep and spends everything.

Locks, always in this order: the live account, then its lots (by primary key), then the coupon
accounts (by primary key, in `post`) — the order restrictions and clawbacks take too.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import InvalidInput, NotAllowed
from parties.models import User

from ..exceptions import NotEnoughCoupons
from ..models import (
    ChannelsSession,
    CouponLot,
    CouponTransactionKind,
    HeatingLotUse,
    HeatingOrder,
    HeatingStatus,
    LiveAccount,
)
from .coupons import Kind, account, post

MIN_HOURS, MAX_HOURS, STEP = Decimal("0.5"), Decimal("6"), Decimal("0.5")
MAX_COUPONS = 1_000_000


def clean_hours(hours) -> Decimal:
    """I8: 0.5 to 6 hours, in half-hour steps."""
    message = _("Heat for 0.5 to 6 hours, in steps of half an hour.")
    try:
        value = Decimal(str(hours))
    except (InvalidOperation, ValueError):
        raise InvalidInput(message, fields={"hours": [message]}) from None
    if not value.is_finite() or not MIN_HOURS <= value <= MAX_HOURS or value % STEP:
        raise InvalidInput(message, fields={"hours": [message]})
    return value.quantize(Decimal("0.1"))


def clean_coupons(coupons) -> int:
    if not isinstance(coupons, int) or isinstance(coupons, bool) or not 0 < coupons <= MAX_COUPONS:
        message = _("Pay with 1 to %(max)s coupons.") % {"max": f"{MAX_COUPONS:,}"}
        raise InvalidInput(message, fields={"coupons": [message]})
    return coupons


def usable_lots(live_account: LiveAccount, *, session: ChannelsSession | None, at):
    """The lots that may pay an order now: unexpired, unused coupons left, and a tranche lot
    (I7) only for its own live. Oldest expiry first."""
    own_live = Q(for_session="")
    if session is not None:
        own_live |= Q(for_session=session.session_id)
    return (
        CouponLot.objects.filter(live_account=live_account, remaining__gt=0, expires_at__gt=at)
        .filter(own_live)
        .order_by("expires_at", "pk")
    )


def live_in_progress(live_account: LiveAccount) -> ChannelsSession | None:
    """The account's live the feed reports as on (no end yet), if any."""
    return (
        ChannelsSession.objects.filter(live_account=live_account, ended_at__isnull=True)
        .order_by("-started_at")
        .first()
    )


@transaction.atomic
def heating_order_pay(*, actor: User, live_account: LiveAccount, hours, coupons) -> HeatingOrder:
    """I8: pay a heating order for the account's own live with `coupons` of its wallet. The
    caller has checked that `actor` owns the account (selectors.live_account_get)."""
    hours, coupons = clean_hours(hours), clean_coupons(coupons)
    at = timezone.now()
    live_account = LiveAccount.objects.select_for_update().get(pk=live_account.pk)
    if live_account.barred_at is not None:
        raise NotAllowed(_("This account is barred from the programs."), code="barred")
    session = live_in_progress(live_account)
    lots = list(usable_lots(live_account, session=session, at=at).select_for_update())
    lots.sort(key=lambda lot: (lot.expires_at, lot.pk))
    usable = sum(lot.remaining for lot in lots)
    if usable < coupons:
        raise NotEnoughCoupons(
            _("The wallet holds %(left)s coupons usable for this live; %(needed)s needed.")
            % {"left": usable, "needed": coupons}
        )
    order = HeatingOrder.objects.create(
        live_account=live_account,
        session=session,
        hours=hours,
        coupons=coupons,
        started_at=at,
        ends_at=at + timedelta(minutes=int(hours * 60)),
        created_by=actor,
    )
    left, uses = coupons, []
    for lot in lots:
        if not left:
            break
        take = min(left, lot.remaining)
        uses.append(HeatingLotUse(order=order, lot=lot, coupons=take))
        CouponLot.objects.filter(pk=lot.pk).update(remaining=F("remaining") - take)
        left -= take
    HeatingLotUse.objects.bulk_create(uses)
    post(
        kind=CouponTransactionKind.USE,
        lines=[
            (account(Kind.WALLET, live_account=live_account), -coupons),
            (account(Kind.HEATING, live_account=live_account), coupons),
        ],
        cause=f"heating:{order.pk}:use",
        live_account=live_account,
        reason="heating_paid",
        params={"order": order.pk, "hours": str(hours), "coupons": coupons},
        actor=actor,
    )
    return order


def _settle(order: HeatingOrder, *, used: int, status: str, at) -> HeatingOrder:
    """Spend `used` coupons of the order and return the rest to its lots, newest expiry
    first. Called with the live account locked; each movement names its cause once."""
    unused = order.coupons - used
    live_account = order.live_account
    uses = list(HeatingLotUse.objects.filter(order=order).order_by("-lot__expires_at", "-lot__pk"))
    # The lots the coupons return to, locked in primary-key order (after the live account).
    list(
        CouponLot.objects.select_for_update()
        .filter(pk__in=[u.lot_id for u in uses])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    heating = account(Kind.HEATING, live_account=live_account)
    if used:
        post(
            kind=CouponTransactionKind.SPEND,
            lines=[(heating, -used), (account(Kind.SPENT), used)],
            cause=f"heating:{order.pk}:spend",
            live_account=live_account,
            reason="heating_delivered",
            params={"order": order.pk, "coupons": used},
        )
    if unused:
        _transaction, created = post(
            kind=CouponTransactionKind.RETURN,
            lines=[(heating, -unused), (account(Kind.WALLET, live_account=live_account), unused)],
            cause=f"heating:{order.pk}:return",
            live_account=live_account,
            reason="heating_stopped",
            params={"order": order.pk, "coupons": unused},
        )
        left = unused
        for use in uses if created else ():
            if not left:
                break
            back = min(left, use.coupons)
            CouponLot.objects.filter(pk=use.lot_id).update(remaining=F("remaining") + back)
            left -= back
    order.used, order.status, order.stopped_at = used, status, at
    order.save(update_fields=["used", "status", "stopped_at"])
    return order


@transaction.atomic
def heating_order_stop(*, actor: User, order: HeatingOrder, used) -> HeatingOrder:
    """I8: stop a running order early: `used` coupons are spent, the rest return to the wallet
    with their original expiry. A finished or stopped order cannot be stopped again."""
    at = timezone.now()
    LiveAccount.objects.select_for_update().get(pk=order.live_account_id)
    order = HeatingOrder.objects.select_for_update().select_related("live_account").get(pk=order.pk)
    if order.status != HeatingStatus.RUNNING:
        raise NotAllowed(_("This heating order has already ended."), code="heating_ended")
    if at >= order.ends_at:
        raise NotAllowed(
            _("This heating order has run its hours: all its coupons are used."),
            code="heating_ended",
        )
    if not isinstance(used, int) or isinstance(used, bool) or not 0 <= used <= order.coupons:
        message = _("The coupons used are 0 to %(max)s.") % {"max": order.coupons}
        raise InvalidInput(message, fields={"used": [message]})
    return _settle(order, used=used, status=HeatingStatus.STOPPED, at=at)


def heating_orders_finish(*, at=None, batch: int = 200) -> int:
    """I8, the sweep: orders that ran their hours out spend all their coupons. Idempotent and
    shareable (skip locked); returns how many finished."""
    at = at or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            due = list(
                HeatingOrder.objects.filter(status=HeatingStatus.RUNNING, ends_at__lte=at)
                .order_by("live_account_id", "pk")
                .values_list("pk", "live_account_id")[:batch]
            )
            finished = 0
            for pk, live_account_id in due:
                if not LiveAccount.objects.select_for_update(skip_locked=True).filter(
                    pk=live_account_id
                ):
                    continue  # another worker has this account: it will finish it
                order = HeatingOrder.objects.select_for_update().select_related("live_account")
                order = order.get(pk=pk)
                if order.status != HeatingStatus.RUNNING:
                    continue
                _settle(order, used=order.coupons, status=HeatingStatus.FINISHED, at=at)
                finished += 1
        done += finished
        if len(due) < batch or not finished:
            return done
