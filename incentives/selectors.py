"""Reads of the incentive programs, scoped to what the user may see (A3)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta

from django.db import connection
from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.bulk import chunks
from core.months import month_bounds, month_first_day
from parties.models import Membership, OrganizationKind, User

from .models import (
    CouponAccount,
    CouponAccountKind,
    CouponEntry,
    CouponLot,
    GrowthAward,
    HeatingOrder,
    IncentiveApplication,
    LiveAccount,
    Program,
    ProgramCode,
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
    params: dict = field(default_factory=dict)


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
    # The wallet's own movements, and (I10) the clawbacks that put the account in debt: every
    # reversal is shown with its reason. A set-off moves wallet → debt: shown once, from the
    # wallet.
    moves = (
        CouponEntry.objects.filter(account__live_account=live_account)
        .filter(
            Q(account__kind=CouponAccountKind.WALLET)
            | Q(account__kind=CouponAccountKind.DEBT, transaction__kind="clawback")
        )
        .select_related("transaction__program_month__program", "transaction__lot")
        .order_by("-id")[:limit]
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
            params=entry.transaction.params or {},
        )
        for entry in moves
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
        # What sits in an account's heating account is what its running orders paid (I8).
        cursor.execute(
            """
            SELECT a.live_account_id, a.balance, COALESCE(SUM(o.coupons), 0)
              FROM incentives_couponaccount a
              LEFT JOIN incentives_heatingorder o
                ON o.live_account_id = a.live_account_id AND o.status = 'running'
             WHERE a.kind = 'heating'
             GROUP BY a.live_account_id, a.balance
            HAVING a.balance <> COALESCE(SUM(o.coupons), 0)
            """
        )
        for live_account_id, balance, running in cursor.fetchall():
            breaches.append(
                f"the heating account of live account {live_account_id} holds {balance} "
                f"coupons but its running orders {running}"
            )
    return breaches


def heating_orders_of(*, user: User) -> QuerySet[HeatingOrder]:
    """I8: the heating orders of the accounts the user acts for, newest first."""
    return (
        HeatingOrder.objects.filter(live_account__in=live_accounts_of(user=user).values("pk"))
        .select_related("session", "live_account")
        .order_by("-started_at", "-id")
    )


def heating_order_get(*, user: User, order_id) -> HeatingOrder:
    found = heating_orders_of(user=user).filter(pk=order_id).first()
    if found is None:
        raise Http404("No such heating order.")
    return found


# --- growth (I6) -------------------------------------------------------------------------------

GROWTH_LIVE_SECONDS = 2 * 3600  # I6: a live counts for the activity task from 2 hours on


@dataclass(frozen=True)
class GrowthRow:
    """One account's month in the growth program, as the set-based query reads it."""

    live_account_id: int
    lives: int
    long_lives: int
    gmv_fen: int
    refund_fen: int
    net_fen: int
    # For each tier (kind, threshold): when the account crossed it in the month, or None.
    crossed: dict


def _seconds_between(start: str, end: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({end} - {start}))"
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def growth_rows(
    *, month: date, tiers: list[tuple[str, int]], live_account_ids: list[int] | None = None
) -> list[GrowthRow]:
    """I6, set-based: one query over the month's ended 视频号 lives (those that started in the
    Beijing month) for every account with one: its lives, lives of 2 hours or more, GMV,
    refunds, GMV net of refunds, and for each tier the moment it was crossed — the end of the
    live that brought the count of long lives, or the running net GMV, to the threshold (lives
    in the order they ended)."""
    start, end = month_bounds(month)
    crossing, params = [], []
    for kind, threshold in tiers:
        if kind == "activity":
            crossing.append("MIN(CASE WHEN is_long = 1 AND cum_long >= %s THEN ended_at END)")
        else:
            crossing.append("MIN(CASE WHEN cum_net >= %s THEN ended_at END)")
        params.append(threshold)
    only = ""
    adapt = connection.ops.adapt_datetimefield_value  # SQLite compares UTC text
    where_params: list = [adapt(start), adapt(end)]
    if live_account_ids is not None:
        only = "AND live_account_id IN (SELECT value FROM json_each(%s))"
        if connection.vendor == "postgresql":
            only = "AND live_account_id = ANY(%s)"
            where_params.append(list(live_account_ids))
        else:
            where_params.append(json.dumps(list(live_account_ids)))
    crossing_sql = "".join(f", {c}" for c in crossing)
    # MATERIALIZED: the window must not read the month in the order of the live_account_id
    # index (the planner's choice, to save the sort): that visits the table's pages in
    # random order, each many times, and took twice as long as a scan and a sort at 2,000,000
    # lives (bench/incentives.py).
    sql = f"""
        WITH lives AS MATERIALIZED (
            SELECT id, live_account_id, ended_at, gmv_fen, refund_fen,
                   gmv_fen - refund_fen AS net,
                   CASE WHEN {_seconds_between("started_at", "ended_at")} >= {GROWTH_LIVE_SECONDS}
                        THEN 1 ELSE 0 END AS is_long
              FROM incentives_channelssession
             WHERE started_at >= %s AND started_at < %s AND ended_at IS NOT NULL {only}
        ), running AS (
            SELECT live_account_id, ended_at, gmv_fen, refund_fen, net, is_long,
                   SUM(net) OVER w AS cum_net, SUM(is_long) OVER w AS cum_long
              FROM lives
            WINDOW w AS (PARTITION BY live_account_id ORDER BY ended_at, id
                         ROWS UNBOUNDED PRECEDING)
        )
        SELECT live_account_id, COUNT(*), SUM(is_long), SUM(gmv_fen), SUM(refund_fen), SUM(net)
               {crossing_sql}
          FROM running
         GROUP BY live_account_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*where_params, *params])
        rows = cursor.fetchall()
    aware = connection.vendor == "postgresql"  # psycopg returns aware datetimes already
    out = []
    for row in rows:
        if aware:
            crossed = dict(zip(tiers, row[6:], strict=True))
        else:
            crossed = {}
            for (kind, threshold), moment in zip(tiers, row[6:], strict=True):
                if moment is not None and isinstance(moment, str):
                    moment = parse_datetime(moment)
                if moment is not None and timezone.is_naive(moment):
                    moment = timezone.make_aware(moment, UTC)
                crossed[(kind, threshold)] = moment
        out.append(
            GrowthRow(
                live_account_id=row[0],
                lives=row[1],
                long_lives=int(row[2] or 0),
                gmv_fen=int(row[3] or 0),
                refund_fen=int(row[4] or 0),
                net_fen=int(row[5] or 0),
                crossed=crossed,
            )
        )
    return out


def growth_tiers(program: Program) -> list[tuple[str, int, int]]:
    """I6: the program's tiers as ops set them: (kind, threshold, coupons), lowest first."""
    return list(
        program.tiers.order_by("kind", "threshold").values_list("kind", "threshold", "coupons")
    )


@dataclass(frozen=True)
class TierProgress:
    kind: str
    threshold: int
    coupons: int
    reached: bool


@dataclass(frozen=True)
class GrowthProgress:
    month: date
    lives_2h: int
    gmv_fen: int
    refund_fen: int
    net_fen: int
    refund_rate_ok: bool
    tiers: list


def growth_progress(*, live_account: LiveAccount, month: date | None = None) -> GrowthProgress:
    """I6: the account's month so far against each tier (the 激励中心 page)."""
    month = month_first_day(month or timezone.now())
    program = Program.objects.get(code=ProgramCode.GROWTH)
    tiers = growth_tiers(program)
    rows = growth_rows(month=month, tiers=[], live_account_ids=[live_account.pk])
    row = rows[0] if rows else None
    long_lives = row.long_lives if row else 0
    gmv, refund, net = (row.gmv_fen, row.refund_fen, row.net_fen) if row else (0, 0, 0)
    return GrowthProgress(
        month=month,
        lives_2h=long_lives,
        gmv_fen=gmv,
        refund_fen=refund,
        net_fen=net,
        refund_rate_ok=not (gmv > 0 and refund * 100 > gmv * 40),
        tiers=[
            TierProgress(
                kind=kind,
                threshold=threshold,
                coupons=coupons,
                reached=(long_lives if kind == "activity" else net) >= threshold,
            )
            for kind, threshold, coupons in tiers
        ],
    )


def growth_awards_of(*, live_account: LiveAccount, month: date) -> list[GrowthAward]:
    """I6: what the account was awarded for `month` — granted, or recorded as quota exhausted
    when the budget ran out (told nowhere else: nothing is owed)."""
    return list(GrowthAward.objects.filter(live_account=live_account, month=month).order_by("kind"))


@dataclass(frozen=True)
class Owners:
    nickname: str
    users: list


def owners_by_account(live_account_ids: list[int]) -> dict[int, Owners]:
    """Who is told about each live account, and its nickname (account_owners for many): two
    reads of ids only, a few thousand accounts at a time; the users come back as bare
    instances (their primary key), which is all a notice needs."""
    owners: dict[int, Owners] = {}
    shops: dict[int, int] = {}
    ids = sorted(set(live_account_ids))
    for chunk in chunks(ids):
        rows = LiveAccount.objects.filter(pk__in=chunk).values_list(
            "pk", "nickname", "creator__user_id", "shop__organization_id"
        )
        for pk, nickname, user_id, organization_id in rows:
            owners[pk] = Owners(nickname, [User(pk=user_id)] if user_id else [])
            if organization_id:
                shops[organization_id] = pk
    orgs = sorted(shops)
    for chunk in chunks(orgs):
        members = Membership.objects.filter(organization_id__in=chunk).values_list(
            "organization_id", "user_id"
        )
        for organization_id, user_id in members:
            owners[shops[organization_id]].users.append(User(pk=user_id))
    return owners


def account_owners(live_account: LiveAccount) -> list[User]:
    """Who is told about a live account: its creator, or its shop's members."""
    if live_account.creator_id:
        return [live_account.creator.user]
    return [m.user for m in live_account.shop.organization.memberships.select_related("user")]


# --- pages (激励中心) ---

# I2's two windows, as services.applications counts them (tests/incentives/test_pages.py holds
# the two equal; the services import this module, so it cannot import theirs).
COLD_START_NEW_DAYS = 30  # the first live within the last 30 days …
COLD_START_DORMANT_DAYS = 60  # … or no live in the last 60 days


@dataclass(frozen=True)
class ColdStartWindow:
    """I2's new-account condition at a moment, as the 激励中心 counts it down. `state`:
    never_live (open), new (open: the first live `days_since_first` days ago, `days_left` to
    apply, until `closes_at`), dormant (open: no live for `days_since_last` days, while it stays
    off air), closed (it lived within 60 days after its first 30: it opens again at `opens_at`,
    in `days_left` days, if it does not go live before)."""

    state: str
    first_live_at: object = None
    last_live_at: object = None
    days_since_first: int | None = None
    days_since_last: int | None = None
    days_left: int | None = None
    closes_at: object = None
    opens_at: object = None

    @property
    def is_open(self) -> bool:
        return self.state != "closed"


def _whole_days_until(moment, at) -> int:
    """Days from `at` to `moment`, a part day counted as one (18 days left, not 17.6)."""
    left = moment - at
    return left.days + (1 if left - timedelta(days=left.days) else 0)


def cold_start_window(*, live_account: LiveAccount, at=None) -> ColdStartWindow:
    """I2: where the account stands against the new-account window at `at` (now by default):
    two indexed reads of its lives (channels_live_idx)."""
    at = at or timezone.now()
    lives = live_account.sessions.filter(started_at__lte=at)
    first = lives.order_by("started_at").values_list("started_at", flat=True).first()
    if first is None:
        return ColdStartWindow(state="never_live")
    last = lives.order_by("-started_at").values_list("started_at", flat=True).first()
    since_first, since_last = (at - first).days, (at - last).days
    known = {
        "first_live_at": first,
        "last_live_at": last,
        "days_since_first": since_first,
        "days_since_last": since_last,
    }
    closes_at = first + timedelta(days=COLD_START_NEW_DAYS)
    if at <= closes_at:
        left = _whole_days_until(closes_at, at)
        return ColdStartWindow(state="new", days_left=left, closes_at=closes_at, **known)
    opens_at = last + timedelta(days=COLD_START_DORMANT_DAYS)
    if opens_at < at:
        return ColdStartWindow(state="dormant", **known)
    left = _whole_days_until(opens_at, at)
    return ColdStartWindow(state="closed", days_left=left, opens_at=opens_at, **known)
