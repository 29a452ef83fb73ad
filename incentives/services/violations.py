"""What ops confirm against a 视频号 account (I9, I10), with the permission
`incentives.confirm_incentive_violation` (Z3). Each confirmation is kept (who, when, what was
found), and what it restricted or clawed back is in the coupon book with it as the cause:

- a complaint: the third confirmed within 30 days restricts the account for 30 days and voids
  the unused coupons granted in the 30 days before (I9);
- counterfeit goods or a closed shop: every unused coupon is voided and the coupons used for
  heating in the last 90 days become a coupon debt, set off against later grants (I10);
- cheating: the same for every coupon ever used, the account is barred from every program for
  good (its reserved stages lapse and return to their budgets) and an S2 restriction is
  recorded against its owner (I10).

Nothing is deleted: voids and debts are movements of their own, which the account reads with
their reason. Locks: the live account, then its lots, then the coupon accounts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import InvalidInput, WrongSide
from parties.models import User
from parties.models import ViolationKind as PartyViolationKind
from parties.notifications import notify
from tasks.services.sanctions import violation_record

from ..models import (
    ApplicationStatus,
    CouponLot,
    CouponTransaction,
    CouponTransactionKind,
    LiveAccount,
    Stage,
    StageStatus,
    ViolationConfirmation,
    ViolationKind,
)
from ..selectors import account_owners
from .coupons import Kind, account, lot_void, post, reservation_release
from .restrictions import RESTRICTION, restrict

COMPLAINTS_TO_RESTRICT = 3  # I9: 3 or more complaints confirmed within 30 days
CLAWBACK_WINDOW = timedelta(days=90)  # I10: the coupons used in the last 90 days
CHEATING_RESTRICTION_DAYS = 90  # I10: the S2 restriction's default length (ops may choose)
MAX_NOTE = 500

MESSAGES = {
    ViolationKind.COMPLAINT: "incentive_complaint",
    ViolationKind.COUNTERFEIT: "incentive_clawback_counterfeit",
    ViolationKind.CLOSED_SHOP: "incentive_clawback_closed_shop",
    ViolationKind.CHEATING: "incentive_barred_cheating",
}


def _clean(kind: str, note: str) -> str:
    errors: dict[str, list[str]] = {}
    if kind not in ViolationKind.values:
        errors["kind"] = [_("Choose what was confirmed.")]
    note = (note or "").strip()
    if not note:
        errors["note"] = [_("Write what was found; the account reads it.")]
    elif len(note) > MAX_NOTE:
        errors["note"] = [_("At most %(max)s characters.") % {"max": MAX_NOTE}]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], fields=errors)
    return note


@transaction.atomic
def violation_confirm(
    *,
    actor: User,
    live_account: LiveAccount,
    kind: str,
    note: str,
    restriction_days: int | None = CHEATING_RESTRICTION_DAYS,
) -> ViolationConfirmation:
    """I9/I10: ops confirm a complaint, counterfeit goods, a closed shop or cheating."""
    if not actor.has_perm("incentives.confirm_incentive_violation"):
        raise WrongSide(_("Confirming violations needs the incentive violations permission."))
    note = _clean(kind, note)
    at = timezone.now()
    live_account = LiveAccount.objects.select_for_update().get(pk=live_account.pk)
    confirmation = ViolationConfirmation.objects.create(
        live_account=live_account, kind=kind, note=note, confirmed_by=actor, confirmed_at=at
    )
    params = {"violation": confirmation.pk}
    if kind == ViolationKind.COMPLAINT:
        recent = ViolationConfirmation.objects.filter(
            live_account=live_account, kind=kind, confirmed_at__gt=at - RESTRICTION
        ).count()
        if recent >= COMPLAINTS_TO_RESTRICT:
            restrict(
                live_account=live_account, since=at, reason="complaints_confirmed", params=params
            )
        else:
            notify(
                account_owners(live_account),
                MESSAGES[kind],
                account=live_account.nickname,
                note=note,
                count=recent,
            )
        return confirmation
    since = None if kind == ViolationKind.CHEATING else at - CLAWBACK_WINDOW
    reason = f"{kind}_confirmed"
    confirmation.voided = _void_unused(live_account, reason=reason, params=params)
    confirmation.clawed_back = _claw_back(
        live_account, since=since, reason=reason, params=params, cause=confirmation.pk
    )
    confirmation.save(update_fields=["voided", "clawed_back"])
    if kind == ViolationKind.CHEATING:
        _bar(live_account, actor=actor, note=note, at=at, restriction_days=restriction_days)
    notify(
        account_owners(live_account),
        MESSAGES[kind],
        account=live_account.nickname,
        note=note,
        voided=confirmation.voided,
        debt=confirmation.clawed_back,
    )
    return confirmation


def _void_unused(live_account: LiveAccount, *, reason: str, params: dict) -> int:
    """Every unused coupon of the account's lots is voided (each lot once)."""
    lots = (
        CouponLot.objects.select_for_update()
        .filter(live_account=live_account, remaining__gt=0)
        .select_related("program_month")
        .order_by("pk")
    )
    cause = f"void:violation:{params['violation']}"
    return sum(
        lot_void(lot, cause=f"{cause}:{lot.pk}", reason=reason, params=params) for lot in lots
    )


def _claw_back(
    live_account: LiveAccount, *, since: datetime | None, reason: str, params: dict, cause: int
) -> int:
    """The coupons the account used for heating since `since` (or ever) become a debt, less
    what earlier clawbacks of that period already made a debt (never charged twice)."""

    def total(kind: str, sink: str) -> int:
        moves = CouponTransaction.objects.filter(live_account=live_account, kind=kind)
        if since is not None:
            moves = moves.filter(created_at__gte=since)
        summed = moves.filter(entries__account__kind=sink).aggregate(s=Sum("entries__amount"))
        return summed["s"] or 0

    owed = total(CouponTransactionKind.SPEND, Kind.SPENT) - total(
        CouponTransactionKind.CLAWBACK, Kind.VOID
    )
    if owed <= 0:
        return 0
    post(
        kind=CouponTransactionKind.CLAWBACK,
        lines=[(account(Kind.DEBT, live_account=live_account), -owed), (account(Kind.VOID), owed)],
        cause=f"clawback:violation:{cause}",
        live_account=live_account,
        reason=reason,
        params={**params, "coupons": owed},
    )
    return owed


def _bar(
    live_account: LiveAccount, *, actor: User, note: str, at: datetime, restriction_days
) -> None:
    """I10, cheating: barred from every program for good; the reserved stages of its approved
    applications lapse (their reservations return); an S2 restriction on its owner."""
    LiveAccount.objects.filter(pk=live_account.pk).update(barred_at=at)
    stages = (
        Stage.objects.select_for_update(of=("self",))
        .filter(
            application__live_account=live_account,
            application__status=ApplicationStatus.APPROVED,
            status=StageStatus.RESERVED,
        )
        .select_related("application__program_month", "application__program")
        .order_by("pk")
    )
    for stage in stages:
        application = stage.application
        reservation_release(
            program_month=application.program_month,
            amount=stage.coupons,
            cause=f"{application.program.code}:{application.pk}:stage:{stage.number}:lapse",
            reason="account_barred",
        )
        stage.status, stage.settled_at = StageStatus.LAPSED, at
        stage.save(update_fields=["status", "settled_at"])
    owner = (
        {"user": live_account.creator.user}
        if live_account.creator_id
        else {"organization": live_account.shop.organization}
    )
    violation_record(
        actor=actor,
        kind=PartyViolationKind.CHEATING,
        reason=note,
        restriction_days=restriction_days,
        now=at,
        **owner,
    )
