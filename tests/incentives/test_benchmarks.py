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
