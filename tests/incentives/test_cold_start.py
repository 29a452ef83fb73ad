"""I2, I3, I5: cold-start applications — eligibility, the review clock in mainland business
days, the decision, the package reserved and its first stage granted."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.utils import timezone

from incentives import services
from incentives.models import (
    ChannelsSession,
    CouponTransaction,
    IncentiveApplication,
    LiveAccount,
    Stage,
)
from incentives.selectors import program_meters
from parties.models import Notification
from tests import factories
from tests.conftest import client_for, row_counts

BJ = ZoneInfo("Asia/Shanghai")
PLAN = {"long_term_plan": "每周三场美妆直播，半年内做到月销十万", "investment": "每月投流 5000 元"}


def bj(*args) -> datetime:
    return datetime(*args, tzinfo=BJ)


def live_of(user, **kwargs) -> LiveAccount:
    return services.live_account_bind(
        actor=user, finder_id=kwargs.pop("finder_id", "wx_new"), nickname="新号", **kwargs
    )


def lived(account: LiveAccount, started_at: datetime, hours: float = 2) -> ChannelsSession:
    return ChannelsSession.objects.create(
        session_id=f"s-{account.pk}-{started_at.timestamp()}",
        live_account=account,
        started_at=started_at,
        ended_at=started_at + timedelta(hours=hours),
    )


def apply(creator, account, at: datetime):
    with time_machine.travel(at, tick=False):
        return client_for(creator).post(
            "/api/v1/incentives/cold-start/",
            {
                "live_account": account.pk,
                "proposed_start": (at + timedelta(days=5)).isoformat(),
                "plan": PLAN,
            },
            format="json",
        )


@pytest.fixture
def reviewer(db):
    user = factories.UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="decide_incentiveapplication"))
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(("first_live_days_ago", "eligible"), [(30, True), (31, False)])
def test_the_first_live_within_30_days_makes_an_account_new(creator, first_live_days_ago, eligible):
    """I2: an account whose first live started within [t − 30 days, t] may apply; one whose
    first live was 31 days ago (and that went live since) is refused, naming the condition."""
    account = live_of(creator)
    now = bj(2026, 11, 20, 10, 0)
    lived(account, now - timedelta(days=first_live_days_ago))
    lived(account, now - timedelta(days=3))
    response = apply(creator, account, now)
    if eligible:
        assert response.status_code == 201, response.content
        assert response.json()["status"] == "submitted"
    else:
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "not_a_new_account"
        assert not IncentiveApplication.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("last_live_days_ago", "eligible"), [(61, True), (59, False), (None, True)]
)
def test_no_live_in_60_days_makes_an_old_account_new_again(creator, last_live_days_ago, eligible):
    """I2: an old account with no live in [t − 60 days, t] may apply (never live counts); a
    live 59 days ago makes it a running account."""
    account = live_of(creator)
    now = bj(2026, 11, 20, 10, 0)
    lived(account, now - timedelta(days=400))
    if last_live_days_ago is not None:
        lived(account, now - timedelta(days=last_live_days_ago))
    else:
        ChannelsSession.objects.all().delete()  # never live
    response = apply(creator, account, now)
    assert (response.status_code == 201) is eligible, response.content


@pytest.mark.django_db
def test_a_brand_marked_account_is_refused_and_nothing_is_written(creator):
    """I2: accounts with a brand mark (品牌标) are refused with code brand_mark."""
    account = live_of(creator, has_brand_mark=True)
    before = row_counts(IncentiveApplication)
    response = apply(creator, account, bj(2026, 11, 20, 10))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "brand_mark"
    assert row_counts(IncentiveApplication) == before


@pytest.mark.django_db
def test_another_users_account_is_a_404(creator, outsider_creator):
    """I1/A3: applying with someone else's live account is a 404 and writes nothing."""
    theirs = live_of(outsider_creator, finder_id="wx_theirs")
    response = apply(creator, theirs, bj(2026, 11, 20, 10))
    assert response.status_code == 404
    assert not IncentiveApplication.objects.exists()


@pytest.mark.django_db
def test_the_review_clock_counts_mainland_business_days_across_national_day(creator):
    """I3: submitted on 30 September 2026, the review is due after 2 business days and overdue
    after 5 — the National Day holiday (1–7 October) does not count and the make-up working
    Saturday of 10 October does (chinesecalendar)."""
    account = live_of(creator)
    body = apply(creator, account, bj(2026, 9, 30, 10, 0)).json()
    due = datetime.fromisoformat(body["review_due"]).astimezone(BJ)
    overdue = datetime.fromisoformat(body["review_overdue"]).astimezone(BJ)
    assert due.date().isoformat() == "2026-10-09"  # 8 Oct (1), 9 Oct (2)
    assert overdue.date().isoformat() == "2026-10-13"  # 10 Oct Sat (3), 12 (4), 13 (5)


@pytest.mark.django_db
def test_approval_fixes_the_start_reserves_the_package_and_grants_stage_one(creator, reviewer):
    """I3/I5: ops approve with an agreed start 1–14 days ahead; the whole 2,000-coupon package
    is reserved from this month's budget, stage 1 (500) is granted at once with a message,
    and the account may never apply for cold start again."""
    account = live_of(creator)
    now = bj(2026, 11, 20, 10, 0)
    application = IncentiveApplication.objects.get(pk=apply(creator, account, now).json()["id"])
    ops = client_for(reviewer)
    url = f"/api/v1/ops/incentives/applications/{application.pk}/approve/"
    with time_machine.travel(now + timedelta(hours=3), tick=False):
        too_late = ops.post(
            url, {"agreed_start": (now + timedelta(days=16)).isoformat()}, format="json"
        )
        assert too_late.status_code == 400
        assert "agreed_start" in too_late.json()["error"]["fields"]
        approved = ops.post(
            url, {"agreed_start": (now + timedelta(days=4)).isoformat()}, format="json"
        )
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert body["status"] == "approved"
    assert [(s["number"], s["coupons"], s["status"]) for s in body["stages"]] == [
        (1, 500, "granted"),
        (2, 500, "reserved"),
        (3, 1000, "reserved"),
    ]
    assert body["granted"] == 500
    [meter] = [m for m in program_meters(month=now.date()) if m.code == "cold_start"]
    assert (meter.reserved, meter.granted, meter.remaining) == (1500, 500, 198_000)
    assert account.accounts.get(kind="wallet").balance == 500
    assert Notification.objects.filter(user=creator, kind="coupons_granted").count() == 1
    assert Notification.objects.filter(user=creator, kind="incentive_approved").count() == 1

    again = apply(creator, account, now + timedelta(days=1))
    assert again.json()["error"]["code"] == "cold_start_used"
    wallet = client_for(creator).get("/api/v1/incentives/coupons/").json()
    assert (wallet["available"], wallet["debt"]) == (500, 0)
    assert wallet["entries"][0]["kind"] == "grant" and wallet["entries"][0]["amount"] == 500


@pytest.mark.django_db
def test_only_ops_with_the_review_permission_decide(creator, reviewer):
    """Z3/I3: a staff account without the review permission, and the applicant itself, are
    refused (403) and nothing changes; a rejection needs a reason and allows a new application
    only 30 days later."""
    account = live_of(creator)
    now = bj(2026, 11, 20, 10, 0)
    application_id = apply(creator, account, now).json()["id"]
    url = f"/api/v1/ops/incentives/applications/{application_id}/reject/"
    for user in (factories.UserFactory(is_staff=True), creator):
        assert client_for(user).post(url, {"reason": "不符合"}, format="json").status_code == 403
    assert IncentiveApplication.objects.get().status == "submitted"
    with time_machine.travel(now + timedelta(hours=1), tick=False):
        blank = client_for(reviewer).post(url, {"reason": " "}, format="json")
        assert blank.status_code == 400
        rejected = client_for(reviewer).post(url, {"reason": "直播计划不完整"}, format="json")
    assert rejected.json()["status"] == "rejected"
    assert apply(creator, account, now + timedelta(days=29)).json()["error"]["code"] == (
        "rejected_recently"
    )
    assert apply(creator, account, now + timedelta(days=31)).status_code == 201
    assert (
        Stage.objects.count() == 0 and CouponTransaction.objects.filter(kind="grant").count() == 0
    )


@pytest.mark.django_db
def test_an_approval_the_budget_cannot_cover_is_refused_whole(creator, reviewer):
    """I4/I5: when the month's budget cannot reserve the whole package the approval is refused
    with quota_exhausted and nothing is granted, reserved or decided."""
    from incentives.models import Program

    Program.objects.filter(code="cold_start").update(monthly_budget=1500)
    account = live_of(creator)
    now = bj(2026, 11, 20, 10, 0)
    application_id = apply(creator, account, now).json()["id"]
    with time_machine.travel(now + timedelta(hours=1), tick=False):
        refused = client_for(reviewer).post(
            f"/api/v1/ops/incentives/applications/{application_id}/approve/", {}, format="json"
        )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "quota_exhausted"
    assert IncentiveApplication.objects.get().status == "submitted"
    assert not Stage.objects.exists()
    assert not account.accounts.filter(kind="wallet", balance__gt=0).exists()
    assert not CouponTransaction.objects.filter(kind__in=["reserve", "grant"]).exists()


@pytest.mark.django_db
def test_the_admin_queue_flags_due_and_overdue_and_ops_decide_on_the_page(creator, client):
    """I3/Z3: the admin queue is ordered by due time and flags applications due after 2 and
    overdue after 5 business days; a 审核 (review) member approves on the decision page, a
    staff account outside the group cannot open it."""
    from django.contrib.auth.models import Group

    account = live_of(creator)
    submitted = bj(2026, 11, 16, 10, 0)  # a Monday
    application_id = apply(creator, account, submitted).json()["id"]
    desk = factories.UserFactory(is_staff=True)
    desk.groups.add(Group.objects.get(name="审核"))
    client.force_login(desk)
    queue = "/admin/incentives/incentiveapplication/"
    with time_machine.travel(bj(2026, 11, 19, 9), tick=False):  # Thursday: past 2 days
        assert application_id in [
            a.pk for a in IncentiveApplication.objects.filter(review_due_at__lte=timezone.now())
        ]
        page = client.get(queue, {"review": "due"}).content.decode()
        assert "新号" in page
    with time_machine.travel(bj(2026, 11, 24, 9), tick=False):  # the next Tuesday: past 5
        assert "新号" in client.get(queue, {"review": "overdue"}).content.decode()
        decide = f"{queue}{application_id}/decide/"
        assert client.get(decide).status_code == 200
        outsider = factories.UserFactory(is_staff=True)
        other = type(client)()
        other.force_login(outsider)
        assert other.get(decide).status_code == 403
        done = client.post(decide, {"decision": "approve", "agreed_start": "2026-11-28 20:00"})
    assert done.status_code == 302
    approved = IncentiveApplication.objects.get()
    assert (approved.status, approved.decided_by) == ("approved", desk)
    assert approved.agreed_start.astimezone(BJ) == bj(2026, 11, 28, 20, 0)
