"""I7: benchmark cases — the single-event template, the pool and its tranches."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission

from incentives import services
from incentives.models import IncentiveApplication, Stage
from incentives.policy import benchmark_pool
from incentives.selectors import program_meters
from incentives.services.lives import benchmark_evaluate
from marketplace.api import feed_ingest
from tests import factories
from tests.conftest import client_for

BJ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 10, 10, 0, tzinfo=BJ)
GOODS = [{"name": "限定礼盒", "is_exclusive": True}, {"name": "面霜", "is_exclusive": False}]


@pytest.fixture
def account(creator):
    return services.live_account_bind(actor=creator, finder_id="wx_bm", nickname="标杆号")


def body(account, **overrides):
    return {
        "live_account": account.pk,
        "planned_start": (NOW + timedelta(days=14)).isoformat(),
        "planned_hours": "5.0",
        "gmv_target": "100000.00",
        "goods": GOODS,
        **overrides,
    }


def post(creator, payload):
    with time_machine.travel(NOW, tick=False):
        return client_for(creator).post("/api/v1/incentives/benchmarks/", payload, format="json")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"planned_start": (NOW + timedelta(days=13, hours=23)).isoformat()}, "planned_start"),
        ({"planned_hours": "4.9"}, "planned_hours"),
        ({"gmv_target": "49999.99"}, "gmv_target"),
        ({"goods": [{"name": "面霜", "is_exclusive": False}]}, "goods"),
    ],
)
def test_the_single_event_template_is_checked_at_the_edges(creator, account, change, field):
    """I7: 13 days 23 h ahead is too late (14 days is in time); 4.9 planned hours are too few
    (5 are enough); the GMV target is at least ¥50,000; one good must be exclusive or
    advantaged. A refusal names the field and writes nothing."""
    refused = post(creator, body(account, **change))
    assert refused.status_code == 400, refused.content
    assert field in refused.json()["error"]["fields"]
    assert not IncentiveApplication.objects.exists()
    accepted = post(creator, body(account))
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["gmv_target"] == "100000.00"


def test_the_default_pool_is_2_percent_rounded_down_to_100_within_its_bounds(db):
    """I7: 2% of the target in coupons, rounded down to 100, between 2,000 and 50,000."""
    from incentives.models import Program

    program = Program.objects.get(code="benchmark")
    assert benchmark_pool(program, 12_345_678_00) == 50_000  # ¥12,345,678 → capped
    assert benchmark_pool(program, 5_000_000) == 2_000  # ¥50,000 → 1,000, raised to 2,000
    assert benchmark_pool(program, 15_678_900) == 3_100  # ¥156,789 → 3,135.78 → 3,100


@pytest.mark.django_db
def test_tranches_follow_the_lives_paid_gmv_and_are_granted_once(creator, account):
    """I7: approval reserves the pool (2% of a ¥100,000 target: 2,000 coupons); as the feed
    reports the event live's GMV reaching 30%, 60% and 100% of the target,
    20%, 30% and 50% of the pool are granted for that live only; a rerun grants nothing twice."""
    application_id = post(creator, body(account)).json()["id"]
    reviewer = factories.UserFactory(is_staff=True)
    reviewer.user_permissions.add(Permission.objects.get(codename="decide_incentiveapplication"))
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        approved = client_for(reviewer).post(
            f"/api/v1/ops/incentives/applications/{application_id}/approve/", {}, format="json"
        )
    assert approved.status_code == 200, approved.content
    assert approved.json()["pool"] == 2000
    assert [s["coupons"] for s in approved.json()["stages"]] == [400, 600, 1000]
    [meter] = [m for m in program_meters(month=NOW.date()) if m.code == "benchmark"]
    assert (meter.reserved, meter.granted) == (2000, 0)

    application = IncentiveApplication.objects.get()
    start = application.agreed_start + timedelta(minutes=10)

    def report(gmv):
        feed_ingest(
            [
                {
                    "platform": "shipinhao",
                    "session_id": "bm-live",
                    "finder_id": "wx_bm",
                    "started_at": start.isoformat(),
                    "gmv": gmv,
                }
            ]
        )
        with time_machine.travel(start + timedelta(hours=1), tick=False):
            benchmark_evaluate(application=application)
            benchmark_evaluate(application=application)
        return list(Stage.objects.order_by("number").values_list("status", flat=True))

    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        assert report("29999.99") == ["reserved", "reserved", "reserved"]
        assert report("30000.00") == ["granted", "reserved", "reserved"]
        assert report("99999.99") == ["granted", "granted", "reserved"]
        assert report("100000.00") == ["granted", "granted", "granted"]
    assert account.accounts.get(kind="wallet").balance == 2000
    lots = list(account.lots.values_list("amount", "for_session"))
    assert sorted(lots) == [(400, "bm-live"), (600, "bm-live"), (1000, "bm-live")]


def approved_case(creator, account):
    """A ¥100,000 case approved with its 2,000-coupon pool (400 / 600 / 1,000)."""
    application_id = post(creator, body(account)).json()["id"]
    reviewer = factories.UserFactory(is_staff=True)
    reviewer.user_permissions.add(Permission.objects.get(codename="decide_incentiveapplication"))
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        services.application_approve(
            actor=reviewer, application=IncentiveApplication.objects.get(pk=application_id)
        )
    return IncentiveApplication.objects.get(pk=application_id)


def event(application, *, minutes=None, gmv="0", refund="0", late=10):
    start = application.agreed_start + timedelta(minutes=late)
    end = (start + timedelta(minutes=minutes)).isoformat() if minutes is not None else None
    with time_machine.travel(start + timedelta(minutes=(minutes or 30) + 1), tick=False):
        feed_ingest(
            [
                {
                    "platform": "shipinhao",
                    "session_id": "bm-event",
                    "finder_id": "wx_bm",
                    "started_at": start.isoformat(),
                    "ended_at": end,
                    "gmv": gmv,
                    "refund": refund,
                }
            ]
        )
    return start


def evaluate(application, at):
    with time_machine.travel(at, tick=False):
        benchmark_evaluate(application=application)


def statuses(application):
    return list(application.stages.order_by("number").values_list("status", flat=True))


def budget(application):
    [meter] = [m for m in program_meters(month=NOW.date()) if m.code == "benchmark"]
    return meter


@pytest.mark.django_db
def test_no_live_within_two_hours_of_the_planned_start_lapses_every_tranche(creator, account):
    """I7: no live by the planned start + 2 hours: the three tranches lapse and the pool's
    reservation returns to the month's budget."""
    application = approved_case(creator, account)
    evaluate(application, application.agreed_start + timedelta(hours=1, minutes=59))
    assert statuses(application) == ["reserved"] * 3
    evaluate(application, application.agreed_start + timedelta(hours=2, minutes=1))
    assert statuses(application) == ["lapsed"] * 3
    assert (budget(application).reserved, budget(application).granted) == (0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(("minutes", "short"), [(299, True), (300, False)])
def test_a_live_shorter_than_5_hours_voids_its_unused_tranche_coupons(
    creator, account, minutes, short
):
    """I7: 4 h 59 min voids the unused coupons of the tranches granted during the live (the
    ones used for heating stay used) and lapses the tranches not reached; 5 h keeps them."""
    from incentives.selectors import coupon_breaches, coupon_wallet

    application = approved_case(creator, account)
    start = event(application, gmv="60000.00")  # live, 60%: tranches 1 and 2 (1,000)
    evaluate(application, start + timedelta(minutes=30))
    assert statuses(application) == ["granted", "granted", "reserved"]
    with time_machine.travel(start + timedelta(minutes=40), tick=False):
        order = services.heating_order_pay(
            actor=creator, live_account=account, hours="1", coupons=300
        )
    with time_machine.travel(start + timedelta(minutes=90), tick=False):
        services.heating_order_stop(actor=creator, order=order, used=300)
    event(application, minutes=minutes, gmv="60000.00")
    evaluate(application, start + timedelta(minutes=minutes + 5))
    evaluate(application, start + timedelta(minutes=minutes + 6))
    assert statuses(application) == ["granted", "granted", "lapsed"]
    assert coupon_wallet(live_account=account).available == (0 if short else 700)
    assert budget(application).reserved == 0
    assert coupon_breaches() == []


@pytest.mark.django_db
def test_seven_days_after_the_live_a_tranche_the_net_gmv_no_longer_meets_is_reversed(
    creator, account
):
    """I7/I10: paid GMV reached 100% (all three tranches); 7 days after the live, refunds leave
    ¥59,999.99 net: the 60% and 100% tranches are reversed (unused voided, used turned into a
    debt), the 30% one stands. Before the 7 days nothing is reversed; a rerun moves nothing."""
    from incentives.selectors import coupon_breaches, coupon_wallet
    from parties.models import Notification

    application = approved_case(creator, account)
    start = event(application, gmv="100000.00")
    evaluate(application, start + timedelta(minutes=30))
    with time_machine.travel(start + timedelta(minutes=40), tick=False):
        order = services.heating_order_pay(
            actor=creator, live_account=account, hours="1", coupons=1500
        )  # the 400 + 600 lots first, then 500 of the 1,000
    with time_machine.travel(start + timedelta(minutes=90), tick=False):
        services.heating_order_stop(actor=creator, order=order, used=1500)
    start = event(application, minutes=360, gmv="100000.00", refund="40000.01")
    ended = start + timedelta(minutes=360)
    evaluate(application, ended + timedelta(days=6, hours=23))
    assert statuses(application) == ["granted"] * 3
    evaluate(application, ended + timedelta(days=7))
    evaluate(application, ended + timedelta(days=7, minutes=1))
    assert statuses(application) == ["granted", "reversed", "reversed"]
    view = coupon_wallet(live_account=account)
    # Used 1,500 = 400 (stands) + 600 + 500 of the reversed ones: debt 1,100; unused 500 voided.
    assert (view.available, view.debt) == (0, 1100)
    assert Notification.objects.filter(user=creator, kind="benchmark_tranche_reversed").count() == 2
    assert coupon_breaches() == []
