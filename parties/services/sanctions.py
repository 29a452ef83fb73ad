"""S1–S2: violations ops record, the sanctions they bring, and the check every service that
applies, accepts, posts or proposes makes first.

S1 (off-platform deals, 私下接单) is a ladder counted per party: the 1st takes the post down,
the 2nd bans for 7 days, the 3rd for 3 months, the 4th for good. S2 (a high refund rate, many
complaints) restricts for the days ops choose. A ban ends by itself: the check compares its end
with the time of the action; nothing has to run for it to end.
"""

from __future__ import annotations

import calendar
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Banned, NotAllowed, WrongSide
from parties.models import (
    Organization,
    Sanction,
    SanctionKind,
    User,
)

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


def _task_belongs(task, *, user: User | None, organization: Organization | None) -> bool:
    if organization is not None:
        return task.shop_id is not None and task.shop.organization_id == organization.pk
    if task.creator_id is not None:
        return task.creator.user_id == user.pk
    return task.shop.organization.memberships.filter(user=user).exists()


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
