"""S1–S2: violations ops record, the sanctions they bring, and the check every service that
applies, accepts, posts or proposes makes first.

S1 (off-platform deals, 私下接单) is a ladder counted per party: the 1st takes the post down,
the 2nd bans for 7 days, the 3rd for 3 months, the 4th for good. S2 (a high refund rate, many
complaints) restricts for the days ops choose. A ban ends by itself: the check compares its end
with the time of the action; nothing has to run for it to end.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Banned, InvalidInput, NotAllowed, WrongSide

from ..models import (
    Organization,
    OrganizationKind,
    Sanction,
    SanctionKind,
    User,
    Violation,
    ViolationKind,
)
from ..notifications import notify

BAN_DAYS_SECOND = 7  # S1: the 2nd off-platform deal
BAN_MONTHS_THIRD = 3  # S1: the 3rd
MAX_RESTRICTION_DAYS = 365  # S2: ops choose 1–365 days, or permanent


def add_months(moment: datetime, months: int) -> datetime:
    """The same local time `months` later (the 31st becomes the month's last day)."""
    local = timezone.localtime(moment)
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def _party_users(*, user: User | None, organization: Organization | None) -> list[User]:
    if user is not None:
        return [user]
    return [m.user for m in organization.memberships.select_related("user")]


def _task_belongs(task, *, user: User | None, organization: Organization | None) -> bool:
    if organization is not None:
        return task.shop_id is not None and task.shop.organization_id == organization.pk
    if task.creator_id is not None:
        return task.creator.user_id == user.pk
    return task.shop.organization.memberships.filter(user=user).exists()


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
    from tasks.models import TaskStatus
    from tasks.services import task_close

    if task.status in (TaskStatus.OPEN, TaskStatus.ENROLLMENT_CLOSED):
        task_close(
            task=task,
            actor=actor,
            reason=_("Taken down by the platform: %(reason)s") % {"reason": reason},
        )


@transaction.atomic
def sanction_lift(*, sanction: Sanction, actor: User, now: datetime | None = None) -> Sanction:
    """Ops end a ban or restriction early (an appeal, a mistake). Idempotent refusal."""
    if not actor.is_staff:
        raise WrongSide(_("Only ops staff lift sanctions."))
    sanction = Sanction.objects.select_for_update().get(pk=sanction.pk)
    now = now or timezone.now()
    if not sanction.in_force_at(now):
        raise NotAllowed(_("This sanction is not in force."), code="sanction_not_in_force")
    sanction.lifted_at, sanction.lifted_by = now, actor
    sanction.save(update_fields=["lifted_at", "lifted_by"])
    return sanction


def bans_in_force(*, now: datetime | None = None):
    """Q of the bans and restrictions in force at `now`."""
    now = now or timezone.now()
    return (
        Q(kind__in=(SanctionKind.BAN, SanctionKind.RESTRICTION), lifted_at__isnull=True)
        & Q(starts_at__lte=now)
        & (Q(is_permanent=True) | Q(ends_at__gt=now))
    )


def require_not_banned(
    *, user: User | None = None, organizations=(), now: datetime | None = None
) -> None:
    """S1/S2: refuse (403, code `banned`) an action of a banned account, shop or agency,
    saying until when. Called first by every service that applies, accepts, posts or
    proposes."""
    now = now or timezone.now()
    party = Q(pk__in=[])
    if user is not None and user.is_authenticated:
        party |= Q(user=user)
    organization_ids = [o.pk if hasattr(o, "pk") else o for o in organizations if o is not None]
    if organization_ids:
        party |= Q(organization_id__in=organization_ids)
    sanction = (
        Sanction.objects.filter(party)
        .filter(bans_in_force(now=now))
        .select_related("violation", "organization")
        .order_by("-is_permanent", "-ends_at")
        .first()
    )
    if sanction is None:
        return
    whom = sanction.organization.name if sanction.organization_id else _("Your account")
    if sanction.is_permanent:
        message = _("%(whom)s is banned for good (%(reason)s).")
    else:
        message = _("%(whom)s is banned until %(until)s Beijing time (%(reason)s).")
    raise Banned(
        message
        % {
            "whom": whom,
            "until": timezone.localtime(sanction.ends_at).strftime("%Y-%m-%d %H:%M")
            if sanction.ends_at
            else "",
            "reason": sanction.violation.get_kind_display(),
        }
    )


def sanctions_for(*, user: User):
    """What a user sees of its sanctions: its own and those of its shops and agencies."""
    organizations = user.memberships.values("organization_id")
    return (
        Sanction.objects.filter(Q(user=user) | Q(organization_id__in=organizations))
        .select_related("violation__task", "organization", "user")
        .order_by("-starts_at", "-id")
    )
