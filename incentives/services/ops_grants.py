"""Coupons granted by hand (Z3, I4, I10): an ops user with `incentives.grant_coupons` grants
coupons to an account — a goodwill gesture, a correction — from this month's budget of one
program, never beyond it (refused with `quota_exhausted`: nobody, staff included, grants coupons
that no budget backs). The form's key names the grant once, so a double submit grants once."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import InvalidInput, NotAllowed, WrongSide
from parties.models import User
from parties.notifications import notify

from ..models import CouponTransaction, LiveAccount, Program, ProgramCode
from ..selectors import account_owners
from .coupons import coupons_grant, month_open
from .restrictions import is_restricted

MAX_BY_HAND = 50_000
MAX_NOTE = 200


@transaction.atomic
def coupons_grant_by_ops(
    *, actor: User, live_account: LiveAccount, program: str, coupons: int, note: str, key: str
) -> CouponTransaction:
    """Grant `coupons` to the account from this month's budget of `program`, once per `key`."""
    if not actor.has_perm("incentives.grant_coupons"):
        raise WrongSide(_("Granting coupons needs the coupon grant permission."))
    errors: dict[str, list[str]] = {}
    if program not in ProgramCode.values:
        errors["program"] = [_("Choose the program whose budget pays.")]
    if isinstance(coupons, bool) or not isinstance(coupons, int) or not 0 < coupons <= MAX_BY_HAND:
        errors["coupons"] = [_("Grant 1 to %(max)s coupons.") % {"max": f"{MAX_BY_HAND:,}"}]
    note = (note or "").strip()
    if not note or len(note) > MAX_NOTE:
        errors["note"] = [
            _("Write why (at most %(max)s characters); the account reads it.") % {"max": MAX_NOTE}
        ]
    key = (key or "").strip()
    if not key or len(key) > 40:
        errors["key"] = [_("The form expired: open it again.")]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], fields=errors)
    live_account = LiveAccount.objects.select_for_update().get(pk=live_account.pk)
    if live_account.barred_at is not None:
        raise NotAllowed(_("This account is barred from the programs."), code="barred")
    if is_restricted(live_account):
        raise NotAllowed(_("The account is restricted: no grant until it ends."), code="restricted")
    cause = f"ops:{key}"
    done = CouponTransaction.objects.filter(cause=cause).first()
    if done is not None:  # the form sent twice: granted once
        if done.live_account_id != live_account.pk:
            raise InvalidInput(
                _("The form expired: open it again."), fields={"key": [_("Reused.")]}
            )
        return done
    month = month_open(Program.objects.get(code=program), timezone.now())
    grant = coupons_grant(
        program_month=month,
        live_account=live_account,
        amount=coupons,
        cause=cause,
        reason="granted_by_ops",
        params={"note": note},
        actor=actor,
    )
    notify(
        account_owners(live_account),
        "coupons_granted_by_ops",
        coupons=grant.lot.amount,
        account=live_account.nickname,
        note=note,
        expires_at=grant.lot.expires_at,
    )
    return grant
