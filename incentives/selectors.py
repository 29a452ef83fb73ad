"""Reads of the incentive programs, scoped to what the user may see (A3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from core.months import month_first_day
from parties.models import OrganizationKind, User

from .models import CouponAccount, CouponAccountKind, LiveAccount, Program, ProgramMonth


@dataclass(frozen=True)
class Meter:
    """I4: budget = reserved + granted + remaining, for one program and month."""

    code: str
    name: str
    month: date
    budget: int
    reserved: int
    granted: int
    remaining: int


def program_meters(*, month: date | None = None) -> list[Meter]:
    """I4: each active program's meter for the Beijing month (this month by default); a month
    not opened yet shows the program's budget, whole."""
    month = month_first_day(month or timezone.now())
    programs = list(Program.objects.filter(is_active=True).order_by("id"))
    months = {
        pm.program_id: pm for pm in ProgramMonth.objects.filter(program__in=programs, month=month)
    }
    balances = {
        (row.program_month_id, row.kind): row.balance
        for row in CouponAccount.objects.filter(
            program_month__in=months.values(),
            kind__in=(CouponAccountKind.BUDGET, CouponAccountKind.RESERVED),
        )
    }
    meters = []
    for program in programs:
        opened = months.get(program.pk)
        if opened is None:
            budget, reserved, remaining = program.monthly_budget, 0, program.monthly_budget
        else:
            budget = opened.budget
            reserved = balances.get((opened.pk, CouponAccountKind.RESERVED), 0)
            remaining = balances.get((opened.pk, CouponAccountKind.BUDGET), 0)
        meters.append(
            Meter(
                code=program.code,
                name=str(program.get_code_display()),
                month=month,
                budget=budget,
                reserved=reserved,
                granted=budget - reserved - remaining,
                remaining=remaining,
            )
        )
    return meters


def live_accounts_of(*, user: User) -> QuerySet[LiveAccount]:
    """I1/A3: the 视频号 accounts the user acts for: its creator profile's, and those of the shops
    it is a member of."""
    if not user.is_authenticated:
        return LiveAccount.objects.none()
    shop_orgs = user.memberships.filter(organization__kind=OrganizationKind.SHOP).values(
        "organization_id"
    )
    return (
        LiveAccount.objects.filter(Q(creator__user=user) | Q(shop__organization_id__in=shop_orgs))
        .select_related("creator", "shop__organization")
        .order_by("id")
    )


def live_account_get(*, user: User, live_account_id) -> LiveAccount:
    found = live_accounts_of(user=user).filter(pk=live_account_id).first()
    if found is None:
        raise Http404("No such live account.")
    return found
