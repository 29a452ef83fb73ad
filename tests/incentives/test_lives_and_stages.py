"""I1 (the 视频号 feed) and I5 (the cold-start stages the lives earn or miss)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission

from incentives import services
from incentives.models import ChannelsSession, IncentiveApplication, Stage
from incentives.selectors import program_meters
from incentives.services.lives import cold_start_evaluate
from marketplace.api import feed_ingest
from tests import factories
from tests.conftest import client_for

BJ = ZoneInfo("Asia/Shanghai")
AGREED = datetime(2026, 11, 25, 20, 0, tzinfo=BJ)


@pytest.fixture
def approved(creator):
    """A cold start approved on 20 November with the agreed live at 25 November 20:00."""
    account = services.live_account_bind(actor=creator, finder_id="wx_cs", nickname="新号")
    reviewer = factories.UserFactory(is_staff=True)
    reviewer.user_permissions.add(Permission.objects.get(codename="decide_incentiveapplication"))
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=BJ), tick=False):
        application = services.cold_start_apply(
            actor=creator, live_account=account, proposed_start=AGREED, plan="每周三场"
        )
        services.application_approve(actor=reviewer, application=application)
    return IncentiveApplication.objects.get(pk=application.pk)


def row(session_id, started, hours=None, *, gmv="0", refund="0", finder="wx_cs"):
    ended = (started + timedelta(hours=hours)).isoformat() if hours is not None else None
    return {
        "platform": "shipinhao",
        "session_id": session_id,
        "finder_id": finder,
        "started_at": started.isoformat(),
        "ended_at": ended,
        "viewers": 1200,
        "gmv": gmv,
        "refund": refund,
    }


def stages(application) -> dict[int, str]:
    return dict(Stage.objects.filter(application=application).values_list("number", "status"))


@pytest.mark.django_db
def test_the_feed_takes_shipinhao_rows_beside_taobao_rows(creator, settings):
    """I1/G1: one batch may carry both platforms; 视频号 rows are keyed by the account's
    finder id and stored as its lives; an unknown finder id or platform is refused alone; the
    same session sent again as it goes on is updated, then unchanged."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    services.live_account_bind(actor=creator, finder_id="wx_cs", nickname="新号")
    started = datetime(2026, 11, 1, 20, tzinfo=BJ)
    feeder = factories.UserFactory()
    feeder.user_permissions.add(Permission.objects.get(codename="add_livesession"))
    batch = [
        row("sph-1", started),  # still live: no end yet
        row("sph-2", started, finder="wx_nobody"),
        {**row("x-1", started), "platform": "douyin"},
    ]
    report = client_for(feeder).post("/api/v1/live-sessions/", {"sessions": batch}, format="json")
    assert report.status_code == 200, report.content
    body = report.json()
    assert [(r["row"], r["status"]) for r in body["rows"]] == [
        (1, "created"),
        (2, "refused"),
        (3, "refused"),
    ]
    assert "finder_id" in body["rows"][1]["errors"] and "platform" in body["rows"][2]["errors"]
    ended = feed_ingest([row("sph-1", started, 2.5, gmv="1280.50")])
    assert ended.rows[0].status == "updated"
    assert feed_ingest([row("sph-1", started, 2.5, gmv="1280.50")]).rows[0].status == "unchanged"
    live = ChannelsSession.objects.get()
    assert (live.gmv_fen, live.ended_at - live.started_at) == (128050, timedelta(hours=2.5))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("minutes_late", "hours", "outcome"),
    [(0, 2, "granted"), (119, 2, "granted"), (121, 2, None), (0, 1 + 59 / 60, "lapsed")],
)
def test_stage_two_needs_the_agreed_live_within_2_hours_and_2_hours_long(
    approved, minutes_late, hours, outcome
):
    """I5: stage 2 (500) when the agreed live started within 2 hours of the agreed time and
    lasted at least 2 hours: 1 h 59 min is too short and the stage lapses with stage 3, their
    1,500 reserved coupons going back to the month's budget."""
    started = AGREED + timedelta(minutes=minutes_late)
    feed_ingest([row("agreed", started, hours)])
    with time_machine.travel(started + timedelta(hours=3), tick=False):
        cold_start_evaluate(application=approved)
    result = stages(approved)
    if outcome == "granted":
        assert result == {1: "granted", 2: "granted", 3: "reserved"}
        assert approved.live_account.accounts.get(kind="wallet").balance == 1000
    elif outcome == "lapsed":
        assert result == {1: "granted", 2: "lapsed", 3: "lapsed"}
        [meter] = [m for m in program_meters(month=AGREED.date()) if m.code == "cold_start"]
        assert (meter.reserved, meter.granted) == (0, 500)
    else:  # 2 h 1 min late is not the agreed live: the stage lapses once its window is over
        assert result == {1: "granted", 2: "lapsed", 3: "lapsed"}


@pytest.mark.django_db
def test_stage_three_is_decided_seven_days_after_a_further_3_hour_live(approved):
    """I5: stage 3 (1,000) when a further live of at least 3 hours ended within 14 days of the
    agreed live and its GMV net of refunds is at least ¥1,000 seven days after it ended; the
    evaluation waits for those 7 days, and rerunning it grants nothing twice."""
    feed_ingest([row("agreed", AGREED, 2)])
    further = AGREED + timedelta(days=3)
    feed_ingest([row("further", further, 3, gmv="1500.00", refund="400.00")])
    with time_machine.travel(further + timedelta(days=5), tick=False):
        cold_start_evaluate(application=approved)
    assert stages(approved) == {1: "granted", 2: "granted", 3: "reserved"}  # refunds may come
    with time_machine.travel(further + timedelta(days=8), tick=False):
        cold_start_evaluate(application=approved)
        cold_start_evaluate(application=approved)
    assert stages(approved) == {1: "granted", 2: "granted", 3: "granted"}
    assert approved.live_account.accounts.get(kind="wallet").balance == 2000


@pytest.mark.django_db
def test_a_further_live_short_of_1000_net_lets_stage_three_lapse(approved):
    """I5: net GMV of ¥999.99 seven days after the live does not earn stage 3; once the 14 days
    and their 7 days of refunds are over the stage lapses and its 1,000 coupons return."""
    feed_ingest([row("agreed", AGREED, 2)])
    feed_ingest([row("short", AGREED + timedelta(days=2), 3, gmv="1000.00", refund="0.01")])
    with time_machine.travel(AGREED + timedelta(days=22), tick=False):
        cold_start_evaluate(application=approved)
    assert stages(approved) == {1: "granted", 2: "granted", 3: "lapsed"}
    [meter] = [m for m in program_meters(month=AGREED.date()) if m.code == "cold_start"]
    assert (meter.reserved, meter.granted) == (0, 1000)


def test_beat_sweeps_the_stages_with_a_registered_idempotent_job(settings):
    """I5/D1: the stage sweep runs every 10 minutes from beat, under a registered task name."""
    from marketplace.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-incentive-stages"]
    assert (entry["task"], entry["schedule"]) == ("incentives.sweep_stages", 600)
    app.loader.import_default_modules()
    assert {"incentives.sweep_stages", "incentives.evaluate_accounts"} <= set(app.tasks)


@pytest.mark.django_db
@pytest.mark.parametrize(("refund", "restricted"), [("4000.00", False), ("4001.00", True)])
def test_a_refund_rate_above_40_percent_restricts_and_voids_the_last_30_days(
    approved, refund, restricted
):
    """I9: a live with a refund rate of 40.01% (not 40.00%) stops new grants for 30 days and
    voids the unused coupons granted in the 30 days before; the account reads why; the stage
    the live would have earned is not granted; a rerun voids nothing twice."""
    from incentives.models import CouponTransaction
    from incentives.services.lives import cold_starts_evaluate
    from parties.models import Notification

    feed_ingest([row("agreed", AGREED, 2, gmv="10000.00", refund=refund)])
    with time_machine.travel(AGREED + timedelta(hours=3), tick=False):
        cold_starts_evaluate()
        cold_starts_evaluate()
    account = approved.live_account
    account.refresh_from_db()
    wallet = account.accounts.get(kind="wallet").balance
    if restricted:
        assert account.restricted_until == AGREED + timedelta(hours=2) + timedelta(days=30)
        assert wallet == 0  # stage 1's 500 voided, stage 2 not granted
        assert stages(approved)[2] == "reserved"
        [void] = CouponTransaction.objects.filter(kind="void")
        assert (void.reason, void.params["coupons"]) == ("refund_rate_above_40", 500)
        assert Notification.objects.filter(kind="incentive_restricted").count() == 1
    else:
        assert account.restricted_until is None
        assert wallet == 1000  # stages 1 and 2
        assert not CouponTransaction.objects.filter(kind="void").exists()


@pytest.mark.django_db
def test_a_grant_for_a_live_and_the_live_report_carry_the_lives_data(approved, creator):
    """I8: the stage a live earned arrives as a private message with that live's data
    (duration, viewers, GMV, coupons used for heating), and once per ended live a report says
    what it earned; a rerun sends neither twice. Cold-start coupons are not tied to the live."""
    from incentives.models import CouponLot
    from incentives.services.lives import cold_starts_evaluate
    from parties.models import Notification
    from parties.notifications import render

    feed_ingest([row("agreed", AGREED, 2.5, gmv="3280.00")])
    with time_machine.travel(AGREED + timedelta(hours=3), tick=False):
        cold_starts_evaluate(live_account_ids=[approved.live_account_id])
        cold_starts_evaluate(live_account_ids=[approved.live_account_id])
    granted = Notification.objects.get(user=creator, kind="coupons_granted_for_live")
    text = render(granted)
    assert "150" in text and "1200" in text and "¥3,280.00" in text and "500" in text
    report = Notification.objects.get(user=creator, kind="live_report")
    assert report.params["earned"] == 500 and report.params["minutes"] == 150
    assert not CouponLot.objects.exclude(for_session="").exists()
