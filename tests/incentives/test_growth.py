"""I6 (growth, evaluated on the 8th for the previous month) with I4 (the month's budget, first
come first served) and I9 (a month's refund rate above 40% restricts)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from incentives import services
from incentives.models import (
    ChannelsSession,
    CouponTransaction,
    GrowthAward,
    LiveAccount,
    Program,
    ProgramMonth,
)
from incentives.selectors import coupon_breaches, coupon_wallet, growth_progress, program_meters
from incentives.services.growth import growth_evaluate
from parties.models import Notification
from tests import factories

BJ = ZoneInfo("Asia/Shanghai")
OCTOBER = datetime(2026, 10, 1).date()
EVALUATED = datetime(2026, 11, 8, 2, tzinfo=BJ)


def account(name: str) -> LiveAccount:
    user = factories.CreatorFactory().user
    return services.live_account_bind(actor=user, finder_id=f"wx_{name}", nickname=name)


def live(who: LiveAccount, start: datetime, *, minutes: int, gmv: int = 0, refund: int = 0):
    """A live of `minutes`, GMV and refunds in yuan."""
    return ChannelsSession.objects.create(
        session_id=f"s-{who.pk}-{start.isoformat()}",
        live_account=who,
        started_at=start,
        ended_at=start + timedelta(minutes=minutes),
        gmv_fen=gmv * 100,
        refund_fen=refund * 100,
    )


def lives(who, count: int, *, minutes: int = 120, gmv: int = 0, first_day: int = 1):
    for day in range(count):
        live(who, datetime(2026, 10, first_day + day, 20, tzinfo=BJ), minutes=minutes, gmv=gmv)


def evaluate(month=OCTOBER):
    with time_machine.travel(EVALUATED, tick=False):
        return growth_evaluate(month=month)


def awards(who) -> dict[str, tuple[int, str]]:
    return {
        a.kind: (a.coupons, a.status)
        for a in GrowthAward.objects.filter(live_account=who, month=OCTOBER)
    }


@pytest.mark.django_db
def test_activity_counts_lives_of_two_hours_and_the_eighth_pays():
    """I6: 8 lives of at least 2 hours each → 300 coupons; a live of 1 h 59 min does not count,
    so 7 lives of 2 h and one of 1 h 59 min earn nothing (the tier edge)."""
    eight, seven = account("eight"), account("seven")
    lives(eight, 8, minutes=120)
    lives(seven, 7, minutes=120)
    live(seven, datetime(2026, 10, 20, 20, tzinfo=BJ), minutes=119)
    report = evaluate()
    assert awards(eight) == {"activity": (300, "granted")}
    assert awards(seven) == {}
    assert coupon_wallet(live_account=eight).available == 300
    assert report.accounts == 2 and report.granted == 1 and report.coupons == 300
    assert coupon_breaches() == []


@pytest.mark.django_db
def test_gmv_tiers_pay_the_highest_reached_only_and_add_the_activity_award():
    """I6: net GMV ≥ ¥10,000 → 500, ≥ ¥50,000 → 1,500, ≥ ¥200,000 → 4,000, ≥ ¥1,000,000 →
    12,000, the highest only; the activity award adds to it. ¥9,999.99 earns nothing; exactly
    ¥50,000 earns 1,500 (the tier edges)."""
    edge, below, top = account("edge"), account("below"), account("top")
    live(edge, datetime(2026, 10, 3, 20, tzinfo=BJ), minutes=60, gmv=50_000)
    ChannelsSession.objects.create(
        session_id="below-1",
        live_account=below,
        started_at=datetime(2026, 10, 3, 20, tzinfo=BJ),
        ended_at=datetime(2026, 10, 3, 21, tzinfo=BJ),
        gmv_fen=999_999,
    )
    lives(top, 8, minutes=180, gmv=150_000)  # ¥1,200,000 and 8 long lives
    evaluate()
    assert awards(edge) == {"gmv": (1500, "granted")}
    assert awards(below) == {}
    assert awards(top) == {"gmv": (12_000, "granted"), "activity": (300, "granted")}
    assert coupon_wallet(live_account=top).available == 12_300


@pytest.mark.django_db
def test_gmv_is_net_of_refunds_and_a_refund_rate_of_40_percent_still_earns():
    """I6/I9: GMV counts net of refunds; a month's refund rate of exactly 40.00% earns, 40.01%
    earns nothing and restricts the account for 30 days from 1 November."""
    forty, above = account("forty"), account("above")
    live(forty, datetime(2026, 10, 5, 20, tzinfo=BJ), minutes=60, gmv=100_000, refund=40_000)
    ChannelsSession.objects.create(
        session_id="above-1",
        live_account=above,
        started_at=datetime(2026, 10, 5, 20, tzinfo=BJ),
        ended_at=datetime(2026, 10, 5, 22, tzinfo=BJ),
        gmv_fen=10_000_000,
        refund_fen=4_001_000,  # 40.01%
    )
    report = evaluate()
    assert awards(forty) == {"gmv": (1500, "granted")}  # net ¥60,000
    assert awards(above) == {}
    above.refresh_from_db()
    forty.refresh_from_db()
    assert above.restricted_until == datetime(2026, 12, 1, tzinfo=BJ)
    assert forty.restricted_until is None
    assert report.restricted == 1
    assert Notification.objects.filter(
        user=above.creator.user, kind="incentive_restricted_month"
    ).exists()


@pytest.mark.django_db
def test_a_restricted_or_barred_account_earns_nothing():
    """I6/I9/I10: an account restricted at the evaluation, or barred, earns no award."""
    restricted, barred = account("restricted"), account("barred")
    for who in (restricted, barred):
        live(who, datetime(2026, 10, 5, 20, tzinfo=BJ), minutes=60, gmv=20_000)
    LiveAccount.objects.filter(pk=restricted.pk).update(restricted_until=EVALUATED + timedelta(1))
    LiveAccount.objects.filter(pk=barred.pk).update(barred_at=EVALUATED - timedelta(days=90))
    report = evaluate()
    assert GrowthAward.objects.count() == 0
    assert report.skipped == 2


@pytest.mark.django_db
def test_awards_are_granted_in_crossing_order_and_the_budget_runs_out_without_debt():
    """I6/I4: awards go in the order the accounts crossed their threshold; when the month's
    growth budget left is smaller than an award, that award is recorded as quota exhausted
    (nothing owed) and a later, smaller award that still fits is granted."""
    Program.objects.filter(code="growth").update(monthly_budget=2000)
    early, middle, late = account("early"), account("middle"), account("late")
    live(early, datetime(2026, 10, 2, 20, tzinfo=BJ), minutes=60, gmv=60_000)  # 1,500
    live(middle, datetime(2026, 10, 3, 20, tzinfo=BJ), minutes=60, gmv=12_000)  # 500
    live(late, datetime(2026, 10, 4, 20, tzinfo=BJ), minutes=60, gmv=11_000)  # 500, no room
    report = evaluate()
    assert awards(early) == {"gmv": (1500, "granted")}
    assert awards(middle) == {"gmv": (500, "granted")}
    assert awards(late) == {"gmv": (500, "quota_exhausted")}
    assert report.exhausted == 1
    meter = {m.code: m for m in program_meters(month=OCTOBER)}["growth"]
    assert (meter.budget, meter.granted, meter.remaining) == (2000, 2000, 0)
    assert coupon_wallet(live_account=late).debt == 0
    # Told of what it was granted; an award the budget could not cover sends nothing.
    assert Notification.objects.filter(user=early.creator.user, kind="growth_awarded").exists()
    assert not Notification.objects.filter(user=late.creator.user).exists()


@pytest.mark.django_db
def test_crossing_order_is_the_moment_the_running_net_gmv_reached_the_tier():
    """I6: an account whose net GMV reached ¥10,000 on 10 October is granted before one that
    reached it on 20 October, though the second's month started earlier."""
    Program.objects.filter(code="growth").update(monthly_budget=500)
    slow, quick = account("slow"), account("quick")
    live(slow, datetime(2026, 10, 1, 20, tzinfo=BJ), minutes=60, gmv=5_000)
    live(slow, datetime(2026, 10, 20, 20, tzinfo=BJ), minutes=60, gmv=5_000)
    live(quick, datetime(2026, 10, 10, 20, tzinfo=BJ), minutes=60, gmv=10_000)
    evaluate()
    assert awards(quick) == {"gmv": (500, "granted")}
    assert awards(slow) == {"gmv": (500, "quota_exhausted")}


@pytest.mark.django_db
def test_a_rerun_and_the_command_never_grant_twice(capsys):
    """I6: a rerun of the month (the job twice, or the command by hand) grants nothing more."""
    who = account("rerun")
    lives(who, 8, gmv=2_000)
    evaluate()
    evaluate()
    with time_machine.travel(EVALUATED, tick=False):
        call_command("evaluate_growth", "--month", "2026-10")
    assert "0 awards granted" in capsys.readouterr().out
    assert awards(who) == {"activity": (300, "granted"), "gmv": (500, "granted")}
    assert CouponTransaction.objects.filter(cause__startswith="growth:").count() == 2
    assert coupon_wallet(live_account=who).available == 800
    assert ProgramMonth.objects.filter(program__code="growth").count() == 1
    assert coupon_breaches() == []


@pytest.mark.django_db
def test_the_month_is_the_beijing_month_of_the_live_start():
    """I6/I4: a live that starts at 23:30 on 31 October Beijing time counts for October, one
    that starts at 00:10 on 1 November (16:10 UTC on 31 October) does not."""
    who = account("edges")
    live(who, datetime(2026, 10, 31, 23, 30, tzinfo=BJ), minutes=60, gmv=10_000)
    live(who, datetime(2026, 11, 1, 0, 10, tzinfo=BJ), minutes=60, gmv=40_000)
    evaluate()
    assert awards(who) == {"gmv": (500, "granted")}


@pytest.mark.django_db
def test_growth_progress_shows_the_month_so_far_against_each_tier():
    """I6: the 激励中心 reads the month so far: long lives, net GMV, each tier reached or not."""
    who = account("progress")
    with time_machine.travel(datetime(2026, 10, 25, 12, tzinfo=BJ), tick=False):
        lives(who, 3, gmv=4_000)
        progress = growth_progress(live_account=who)
    assert (progress.lives_2h, progress.net_fen) == (3, 1_200_000)
    reached = {(t.kind, t.threshold): t.reached for t in progress.tiers}
    assert reached[("gmv", 1_000_000)] is True and reached[("gmv", 5_000_000)] is False
    assert reached[("activity", 8)] is False


def test_beat_runs_the_growth_job_on_the_8th_and_finishes_heating_orders(settings):
    """I6/I8: beat runs the growth evaluation on the 8th at 02:00 Beijing time (the previous
    month) and finishes heating orders every 5 minutes; both jobs are registered."""
    from marketplace.celery import app

    growth = settings.CELERY_BEAT_SCHEDULE["evaluate-growth"]
    assert growth["task"] == "incentives.evaluate_growth"
    assert (growth["schedule"].day_of_month, growth["schedule"].hour) == ({8}, {2})
    heating = settings.CELERY_BEAT_SCHEDULE["finish-heating-orders"]
    assert (heating["task"], heating["schedule"]) == ("incentives.finish_heating_orders", 300)
    app.loader.import_default_modules()
    assert {"incentives.evaluate_growth", "incentives.finish_heating_orders"} <= set(app.tasks)
