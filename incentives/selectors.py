"""Reads of the incentive programs, scoped to what the user may see (A3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from core.months import month_first_day
from parties.models import OrganizationKind, User

from .models import (
    CouponAccount,
    CouponAccountKind,
    CouponEntry,
    CouponLot,
    IncentiveApplication,
    LiveAccount,
    Program,
    ProgramMonth,
)


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


def applications_of(*, user: User) -> QuerySet:
    """I3: the applications of the accounts the user acts for, newest first, with stages."""
    from_accounts = live_accounts_of(user=user).values("pk")
    return (
        IncentiveApplication.objects.filter(live_account__in=from_accounts)
        .select_related("program")
        .prefetch_related("stages")
        .order_by("-submitted_at", "-id")
    )


def review_queue() -> QuerySet:
    """I3: the applications waiting for ops, the one due first on top."""
    return (
        IncentiveApplication.objects.filter(status="submitted")
        .select_related("program", "live_account")
        .order_by("review_due_at", "id")
    )


def application_for_review(*, application_id) -> IncentiveApplication:
    found = IncentiveApplication.objects.filter(pk=application_id).first()
    if found is None:
        raise Http404("No such application.")
    return found


EXPIRING_SOON = 7  # days: the wallet shows what expires within a week (issue 19)

# The wallet's movements as the account reads them: the kind the API names (DESIGN §5).
WALLET_KINDS = {
    "grant": "grant",
    "use": "use",
    "return": "return",
    "expiry": "expiry",
    "void": "void",
    "clawback": "clawback",
    "setoff": "clawback",
}


@dataclass(frozen=True)
class WalletEntry:
    kind: str
    amount: int
    expires_at: object
    program: str | None
    reason: str
    at: object


@dataclass(frozen=True)
class Wallet:
    available: int
    expiring_soon: int
    debt: int
    entries: list


def coupon_wallet(*, live_account: LiveAccount, limit: int = 200) -> Wallet:
    """I8: the wallet of one account: available, expiring within 7 days, debt (owed, ≥ 0) and
    every movement of its wallet with its reason, newest first."""
    now = timezone.now()
    balances = {
        row.kind: row.balance
        for row in CouponAccount.objects.filter(
            live_account=live_account,
            kind__in=(CouponAccountKind.WALLET, CouponAccountKind.DEBT),
        )
    }
    soon = (
        CouponLot.objects.filter(
            live_account=live_account,
            remaining__gt=0,
            expires_at__gt=now,
            expires_at__lte=now + timedelta(days=EXPIRING_SOON),
        ).aggregate(total=Sum("remaining"))["total"]
        or 0
    )
    entries = [
        WalletEntry(
            kind=WALLET_KINDS.get(entry.transaction.kind, entry.transaction.kind),
            amount=entry.amount,
            expires_at=getattr(getattr(entry.transaction, "lot", None), "expires_at", None),
            program=(
                entry.transaction.program_month.program.code
                if entry.transaction.program_month_id
                else None
            ),
            reason=entry.transaction.reason,
            at=entry.transaction.created_at,
        )
        for entry in CouponEntry.objects.filter(
            account__live_account=live_account, account__kind=CouponAccountKind.WALLET
        )
        .select_related("transaction__program_month__program", "transaction__lot")
        .order_by("-id")[:limit]
    ]
    return Wallet(
        available=balances.get(CouponAccountKind.WALLET, 0),
        expiring_soon=soon,
        debt=-balances.get(CouponAccountKind.DEBT, 0),
        entries=entries,
    )


def coupon_breaches() -> list[str]:
    """E9 for coupons (I8): every invariant of the coupon book, each a sentence naming what
    broke (empty when the book reconciles). Set-based: one query per check."""
    breaches: list[str] = []
    total = CouponAccount.objects.aggregate(total=Sum("balance"))["total"] or 0
    if total != 0:
        breaches.append(f"the balances of all coupon accounts sum to {total}, not 0")
    for row in CouponAccount.objects.filter(balance__lt=0).exclude(
        kind__in=(CouponAccountKind.ISSUE, CouponAccountKind.DEBT)
    ):
        breaches.append(f"coupon account {row.pk} ({row.kind}) is negative: {row.balance}")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.id, COUNT(e.id), COALESCE(SUM(e.amount), 0)
              FROM incentives_coupontransaction t
              LEFT JOIN incentives_couponentry e ON e.transaction_id = t.id
             GROUP BY t.id
            HAVING COUNT(e.id) < 2 OR COALESCE(SUM(e.amount), 0) <> 0
            """
        )
        for txn, lines, amount in cursor.fetchall():
            breaches.append(
                f"coupon transaction {txn} is unbalanced: {lines} entries sum to {amount}"
            )
        cursor.execute(
            """
            SELECT a.id, a.kind, a.balance, COALESCE(SUM(e.amount), 0)
              FROM incentives_couponaccount a
              LEFT JOIN incentives_couponentry e ON e.account_id = a.id
             GROUP BY a.id, a.kind, a.balance
            HAVING a.balance <> COALESCE(SUM(e.amount), 0)
            """
        )
        for pk, kind, cached, summed in cursor.fetchall():
            breaches.append(
                f"coupon account {pk} ({kind}) caches {cached} but its entries sum to {summed}"
            )
        # The unused coupons of a wallet's lots are its balance (what expires is what is left).
        cursor.execute(
            """
            SELECT a.live_account_id, a.balance, COALESCE(SUM(l.remaining), 0)
              FROM incentives_couponaccount a
              LEFT JOIN incentives_couponlot l ON l.live_account_id = a.live_account_id
             WHERE a.kind = 'wallet'
             GROUP BY a.live_account_id, a.balance
            HAVING a.balance <> COALESCE(SUM(l.remaining), 0)
            """
        )
        for live_account_id, balance, remaining in cursor.fetchall():
            breaches.append(
                f"the wallet of live account {live_account_id} holds {balance} coupons but its "
                f"lots {remaining}"
            )
    return breaches


def account_owners(live_account: LiveAccount) -> list[User]:
    """Who is told about a live account: its creator, or its shop's members."""
    if live_account.creator_id:
        return [live_account.creator.user]
    return [m.user for m in live_account.shop.organization.memberships.select_related("user")]
