"""I4 under real concurrency (PostgreSQL): the month's grants never exceed its budget."""

from __future__ import annotations

from datetime import date

import pytest

from incentives import services
from incentives.exceptions import QuotaExhausted
from incentives.models import CouponLot, Program
from incentives.selectors import program_meters
from incentives.services.coupons import account
from tests import factories
from tests.concurrency.test_escrow_races import race, unexpected

OCTOBER = date(2026, 10, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_200_concurrent_grants_against_a_budget_for_50_grant_exactly_50():
    """I4: 200 grants of 100 coupons racing against a month whose budget covers 50 of them:
    exactly 50 succeed, 150 are refused with quota_exhausted, nothing is over-granted, a cause
    raced twice grants once, and the meter reads budget = reserved + granted + remaining."""
    creator = factories.CreatorFactory()
    live = services.live_account_bind(actor=creator.user, finder_id="wx_race", nickname="抢券")
    program = Program.objects.get(code="cold_start")
    Program.objects.filter(pk=program.pk).update(monthly_budget=5000)
    program.refresh_from_db()
    program_month = services.month_open(program, OCTOBER)

    def grant(cause: str):
        return lambda: services.coupons_grant(
            program_month=program_month, live_account=live, amount=100, cause=cause, reason="r"
        )

    # 190 distinct causes, and one cause sent 10 times at once (a retried job, two workers).
    calls = [grant(f"race:{i}") for i in range(190)] + [grant("race:twice")] * 10
    outcomes = race(calls)

    assert unexpected(outcomes, QuotaExhausted) == []
    granted = {o.value.pk for o in outcomes if o.ok}
    assert len(granted) == 50  # the repeated cause, when it won, is one grant
    assert sum(isinstance(o.error, QuotaExhausted) for o in outcomes) == sum(
        not o.ok for o in outcomes
    )
    assert account("wallet", live_account=live).balance == 5000
    assert account("budget", program_month=program_month).balance == 0
    assert CouponLot.objects.count() == 50
    [meter] = [m for m in program_meters(month=OCTOBER) if m.code == "cold_start"]
    assert (meter.budget, meter.granted, meter.remaining, meter.reserved) == (5000, 5000, 0, 0)
