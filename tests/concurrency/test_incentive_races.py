"""I4, I6 and I8 under real concurrency (PostgreSQL): approvals and grants racing for one
month's budget, heating orders racing for one wallet, two growth evaluations of one month."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from core.exceptions import NotAllowed
from incentives import services
from incentives.exceptions import NotEnoughCoupons, QuotaExhausted
from incentives.models import (
    ChannelsSession,
    CouponTransaction,
    GrowthAward,
    HeatingOrder,
    IncentiveApplication,
    Program,
)
from incentives.selectors import coupon_breaches, coupon_wallet, program_meters
from incentives.services.growth import growth_evaluate
from tests import factories
from tests.concurrency.test_escrow_races import race, unexpected

BJ = ZoneInfo("Asia/Shanghai")


def bound(name: str):
    user = factories.CreatorFactory().user
    return user, services.live_account_bind(actor=user, finder_id=f"wx_{name}", nickname=name)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_100_approvals_and_100_grants_race_for_a_budget_of_50_packages():
    """I4/I5: 100 cold-start approvals (each reserving a 2,000-coupon package) and 100 grants of
    2,000 race for a month whose budget covers 50 of them: exactly 50 succeed, the 150 others
    are refused with quota_exhausted and leave their application waiting, and the meter reads
    budget = reserved + granted + remaining with nothing over-granted."""
    program = Program.objects.get(code="cold_start")
    Program.objects.filter(pk=program.pk).update(monthly_budget=100_000)
    reviewer = factories.UserFactory(is_staff=True)
    reviewer.user_permissions.add(Permission.objects.get(codename="decide_incentiveapplication"))
    applications = []
    for i in range(100):
        user, account = bound(f"apply{i}")
        applications.append(
            services.cold_start_apply(
                actor=user,
                live_account=account,
                proposed_start=timezone.now() + timedelta(days=3),
                plan="每周三场",
            )
        )
    program.refresh_from_db()
    month = services.month_open(program)
    _user, granted_to = bound("grants")

    def approve(application):
        return lambda: services.application_approve(actor=reviewer, application=application)

    def grant(i):
        return lambda: services.coupons_grant(
            program_month=month, live_account=granted_to, amount=2000, cause=f"r:{i}", reason="r"
        )

    calls = [
        f(x)
        for pair in zip(applications, range(100), strict=True)
        for f, x in ((approve, pair[0]), (grant, pair[1]))
    ]
    outcomes = race(calls)
    assert unexpected(outcomes, QuotaExhausted) == []
    assert sum(o.ok for o in outcomes) == 50
    approved = IncentiveApplication.objects.filter(status="approved").count()
    assert IncentiveApplication.objects.filter(status="submitted").count() == 100 - approved
    [meter] = [m for m in program_meters() if m.code == "cold_start"]
    assert meter.budget == 100_000 == meter.reserved + meter.granted + meter.remaining
    assert meter.remaining == 0
    assert coupon_breaches() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_40_heating_orders_race_for_a_wallet_of_10():
    """I8: 40 heating orders of 100 coupons race for a wallet holding 1,000: exactly 10 are
    paid, 30 are refused with not_enough_coupons, the lots and the wallet agree; then 10 stops
    of one order race: exactly one stops it, the others are refused."""
    user, account = bound("heat")
    program = Program.objects.get(code="growth")
    month = services.month_open(program)
    services.coupons_grant(
        program_month=month, live_account=account, amount=600, cause="h:1", reason="growth_award"
    )
    services.coupons_grant(
        program_month=month, live_account=account, amount=400, cause="h:2", reason="growth_award"
    )

    def pay():
        return services.heating_order_pay(
            actor=user, live_account=account, hours=Decimal("1"), coupons=100
        )

    outcomes = race([pay] * 40)
    assert unexpected(outcomes, NotEnoughCoupons) == []
    assert sum(o.ok for o in outcomes) == 10
    assert coupon_wallet(live_account=account).available == 0
    order = HeatingOrder.objects.order_by("pk").first()

    def stop():
        return services.heating_order_stop(actor=user, order=order, used=40)

    stops = race([stop] * 10)
    assert unexpected(stops, NotAllowed) == []
    assert sum(o.ok for o in stops) == 1
    assert coupon_wallet(live_account=account).available == 60
    assert coupon_breaches() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_growth_evaluations_of_one_month_grant_once():
    """I6/D1: the job and a hand run (or two workers) evaluating October at once: every award
    is granted once, the other run finds them done."""
    accounts = [bound(f"grow{i}")[1] for i in range(20)]
    for i, account in enumerate(accounts):
        ChannelsSession.objects.create(
            session_id=f"g-{i}",
            live_account=account,
            started_at=datetime(2026, 10, 3, 20, tzinfo=BJ) + timedelta(minutes=i),
            ended_at=datetime(2026, 10, 3, 23, tzinfo=BJ) + timedelta(minutes=i),
            gmv_fen=2_000_000,
        )

    def evaluate():  # at: the job's moment (time_machine is not for threads)
        return growth_evaluate(month=date(2026, 10, 1), at=datetime(2026, 11, 8, 2, tzinfo=BJ))

    outcomes = race([evaluate] * 4)
    assert unexpected(outcomes) == []
    assert sorted(o.value.granted for o in outcomes) == [0, 0, 0, 20]
    assert GrowthAward.objects.count() == 20
    assert CouponTransaction.objects.filter(kind="grant").count() == 20
    assert coupon_breaches() == []
