"""TODO"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import InvalidInput, WrongSide
from parties.models import (
    Organization,
    OrganizationKind,
    Sanction,
    SanctionKind,
    User,
    Violation,
    ViolationKind,
)
from parties.notifications import notify
from parties.services.sanctions import (
    BAN_DAYS_SECOND,
    BAN_MONTHS_THIRD,
    MAX_RESTRICTION_DAYS,
    _task_belongs,
    add_months,
)
from tasks.models import TaskStatus

from .tasks import task_close


def _party_users(*, user: User | None, organization: Organization | None) -> list[User]:
    if user is not None:
        return [user]
    return [m.user for m in organization.memberships.select_related("user")]


@transaction.atomic
def violation_record(
    *,
    actor: User,
    kind: str,
    reason: str,
    user: User | None = None,
    organization: Organization | None = None,
    task=None,
    restriction_days: int | None = None,
    now: datetime | None = None,
) -> Violation:
    """S1/S2: ops record a violation against one party; its sanction follows at once."""
    if not actor.is_staff:
        raise WrongSide(_("Only ops staff record violations."))
    errors: dict[str, list[str]] = {}
    if kind not in ViolationKind.values:
        errors["kind"] = [_("Choose the kind of violation.")]
    if (user is None) == (organization is None):
        errors["party"] = [_("Choose either an account or a shop or agency, not both.")]
    elif organization is not None and organization.kind not in (
        OrganizationKind.SHOP,
        OrganizationKind.AGENCY,
    ):
        errors["party"] = [_("Sanctions apply to accounts, merchant shops and agencies.")]
    elif user is not None and user.is_staff:
        errors["party"] = [_("Ops accounts are not sanctioned here.")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Write the reason; the sanctioned party reads it.")]
    is_s2 = kind in (ViolationKind.HIGH_REFUND_RATE, ViolationKind.COMPLAINTS)
    bad_days = restriction_days is not None and not 1 <= restriction_days <= MAX_RESTRICTION_DAYS
    if is_s2 and bad_days:
        errors["restriction_days"] = [
            _("Choose 1 to %(max)d days, or leave it empty for a permanent restriction.")
            % {"max": MAX_RESTRICTION_DAYS}
        ]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], fields=errors)

    # Lock the party, so two violations recorded at once take consecutive S1 steps.
    if user is not None:
        user = User.objects.select_for_update().get(pk=user.pk)
    else:
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
    now = now or timezone.now()
    party = Q(user=user) if user is not None else Q(organization=organization)
    step = None
    sanction_kind, ends_at, is_permanent = SanctionKind.RESTRICTION, None, False
    if kind == ViolationKind.OFF_PLATFORM:
        step = Violation.objects.filter(party, kind=ViolationKind.OFF_PLATFORM).count() + 1
        if step == 1:
            sanction_kind = SanctionKind.TAKEDOWN
            if task is None:
                raise InvalidInput(
                    _("A first off-platform deal takes the post down: name the post (task)."),
                    fields={"task": [_("Name the post to take down.")]},
                )
            if not _task_belongs(task, user=user, organization=organization):
                raise InvalidInput(
                    _("This post is not the sanctioned party's."),
                    fields={"task": [_("This post is not the sanctioned party's.")]},
                )
        elif step == 2:
            sanction_kind, ends_at = SanctionKind.BAN, now + timedelta(days=BAN_DAYS_SECOND)
        elif step == 3:
            sanction_kind, ends_at = SanctionKind.BAN, add_months(now, BAN_MONTHS_THIRD)
        else:
            sanction_kind, is_permanent = SanctionKind.BAN, True
    elif restriction_days is None:
        is_permanent = True
    else:
        ends_at = now + timedelta(days=restriction_days)

    violation = Violation.objects.create(
        kind=kind,
        user=user,
        organization=organization,
        task=task,
        step=step,
        reason=reason,
        recorded_by=actor,
    )
    sanction = Sanction.objects.create(
        violation=violation,
        user=user,
        organization=organization,
        kind=sanction_kind,
        starts_at=now,
        ends_at=ends_at,
        is_permanent=is_permanent,
    )
    if sanction_kind == SanctionKind.TAKEDOWN:
        _take_down(task, actor=actor, reason=reason)
    notify(
        _party_users(user=user, organization=organization),
        "sanction_recorded",
        sanction=str(sanction.get_kind_display()),
        reason=reason,
        until_at=ends_at,
        permanent=_("for good") if is_permanent else "",
    )
    return violation


def _take_down(task, *, actor: User, reason: str) -> None:
    """S1 step 1: the post comes off the plazas (closed, its applicants told)."""

    if task.status in (TaskStatus.OPEN, TaskStatus.ENROLLMENT_CLOSED):
        task_close(
            task=task,
            actor=actor,
            reason=_("Taken down by the platform: %(reason)s") % {"reason": reason},
        )
