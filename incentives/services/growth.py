"""Growth (成长扶持, I6): no application. On the 8th of each month a job evaluates the previous
Beijing month for every account with a 视频号 live in it, set-based:

1. one query (selectors.growth_rows) reads every account's month — lives of 2 hours or more,
   GMV, refunds, GMV net of refunds — and when it crossed each tier;
2. an account whose month's refund rate is above 40% is restricted (I9) from the first instant
   of the next month; a restricted or barred account earns nothing;
3. the awards — the highest activity tier reached, and the highest GMV tier reached — are
   granted all or nothing in the order the accounts crossed their threshold, from the
   evaluated month's growth budget (I4: first come, first served; an award the budget left
   cannot cover is recorded as quota exhausted and nothing is owed), in one batch
   (coupons.coupons_grant_many).

One award per month, account and kind (a database constraint), each grant named by its cause:
a rerun, or a second worker (which waits on the month's lock), never grants twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.bulk import insert_rows
from core.months import month_bounds, month_first_day, previous_month
from parties.notifications import Notice, notify_many

from ..models import (
    GrowthAward,
    GrowthAwardStatus,
    LiveAccount,
    Program,
    ProgramCode,
    ProgramMonth,
)
from ..selectors import growth_rows, growth_tiers, owners_by_account
from .coupons import GrantLine, coupons_grant_many, month_open
from .restrictions import refund_rate_too_high, restrict_many


@dataclass(frozen=True)
class GrowthReport:
    month: date
    accounts: int  # accounts with a live in the month
    granted: int  # awards granted
    coupons: int  # coupons granted
    exhausted: int  # awards the budget could not cover
    restricted: int  # accounts restricted for the month's refund rate
    skipped: int  # restricted or barred accounts (nothing earned)


def _highest(reached: list[tuple[int, int]]) -> tuple[int, int] | None:
    return max(reached) if reached else None


def growth_evaluate(*, month: date | None = None, at: datetime | None = None) -> GrowthReport:
    """I6: evaluate `month` (the previous Beijing month by default) and grant its awards."""
    at = at or timezone.now()
    month = month_first_day(month or previous_month(timezone.localdate(at)))
    program = Program.objects.get(code=ProgramCode.GROWTH)
    tiers = growth_tiers(program)
    with transaction.atomic():
        program_month = month_open(program, month)
        # The month's lock: a second run of the same month waits here, then finds its awards.
        ProgramMonth.objects.select_for_update().get(pk=program_month.pk)
        rows = growth_rows(month=month, tiers=[(kind, threshold) for kind, threshold, _c in tiers])
        high_refund = [
            r.live_account_id for r in rows if refund_rate_too_high(r.gmv_fen, r.refund_fen)
        ]
        restricted = restrict_many(
            live_account_ids=high_refund,
            since=month_bounds(month)[1],
            reason="month_refund_rate_above_40",
            params={"month": f"{month:%Y-%m}"},
        )
        excluded = set(
            LiveAccount.objects.filter(
                Q(barred_at__isnull=False) | Q(restricted_until__gt=at)
            ).values_list("pk", flat=True)
        )
        excluded.update(high_refund)
        done = set(GrowthAward.objects.filter(month=month).values_list("live_account_id", "kind"))
        candidates = []
        for row in rows:
            if row.live_account_id in excluded:
                continue
            for kind, measure in (("activity", row.long_lives), ("gmv", row.net_fen)):
                best = _highest([(t, c) for k, t, c in tiers if k == kind and measure >= t])
                if best is None or (row.live_account_id, kind) in done:
                    continue
                threshold, coupons = best
                crossed_at = row.crossed[(kind, threshold)]
                candidates.append((crossed_at, row.live_account_id, kind, threshold, coupons))
        candidates.sort()
        lines = [
            GrantLine(
                live_account_id=account_id,
                amount=coupons,
                cause=f"growth:{month:%Y-%m}:{account_id}:{kind}",
                reason="growth_award",
                params={"month": f"{month:%Y-%m}", "task": kind, "threshold": threshold},
            )
            for _at, account_id, kind, threshold, coupons in candidates
        ]
        granted = coupons_grant_many(program_month=program_month, grants=lines)
        evaluated_at = timezone.now()
        awards = [
            (
                month,
                account_id,
                kind,
                threshold,
                coupons,
                crossed_at,
                GRANTED if line.cause in granted else EXHAUSTED,
                granted[line.cause].pk if line.cause in granted else None,
                evaluated_at,
            )
            for (crossed_at, account_id, kind, threshold, coupons), line in zip(
                candidates, lines, strict=True
            )
        ]
        # Tens of thousands of rows (most of them quota exhausted): plain tuples, one COPY.
        insert_rows(GrowthAward, AWARD_FIELDS, awards)
        won = [(line, granted[line.cause]) for line in lines if line.cause in granted]
        _tell(won, month=month, program=program)
    return GrowthReport(
        month=month,
        accounts=len(rows),
        granted=len(won),
        coupons=sum(line.amount for line, _grant in won),
        exhausted=len(awards) - len(won),
        restricted=restricted,
        skipped=sum(1 for r in rows if r.live_account_id in excluded) - len(high_refund),
    )


GRANTED, EXHAUSTED = GrowthAwardStatus.GRANTED.value, GrowthAwardStatus.QUOTA_EXHAUSTED.value
AWARD_FIELDS = [
    "month",
    "live_account_id",
    "kind",
    "threshold",
    "coupons",
    "crossed_at",
    "status",
    "grant_id",
    "evaluated_at",
]


def _tell(won: list, *, month: date, program: Program) -> None:
    """Each account that was granted an award reads what it earned. An award the budget could
    not cover sends nothing (nothing is owed); the account sees it on its 激励中心 page."""
    if not won:
        return
    owners = owners_by_account([line.live_account_id for line, _grant in won])
    days = program.coupon_days
    notify_many(
        Notice(
            owners[line.live_account_id].users,
            "growth_awarded",
            params={
                "coupons": line.amount,
                "account": owners[line.live_account_id].nickname,
                "month": f"{month:%Y-%m}",
                "expires_at": grant.created_at + timedelta(days=days),
            },
        )
        for line, grant in won
    )
