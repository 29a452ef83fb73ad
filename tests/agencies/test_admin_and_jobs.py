"""Ops work for G1–G7 in the admin (appeal decisions, re-admission, theme selection,
complaints), and the Celery jobs and beat entries that run the rules on schedule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.contrib import admin
from django.urls import reverse

from agencies import jobs, services
from agencies.models import (
    Agency,
    AgencyAppeal,
    AgencyAssessment,
    AgencyComplaint,
    AgencyExpulsion,
    AgencyStatus,
    AppealStatus,
    FocusHour,
    ThemeProposal,
)
from tests import factories
from tests.agencies.conftest import add_sessions, bj, category, sign_creators

pytestmark = pytest.mark.django_db

AGENCY_MODELS = [
    "livesession",
    "agencyassessment",
    "agencyexpulsion",
    "agencyappeal",
    "agencycomplaint",
    "verticaleligibility",
    "focushour",
    "focusoffer",
    "themeproposal",
    "agency",
]


def expelled(agency):
    """Three failed months (no creators): 120 points, expelled on 1 November."""
    for month, at in (
        (date(2026, 8, 1), bj(2026, 9, 1, 1)),
        (date(2026, 9, 1), bj(2026, 10, 1, 1)),
        (date(2026, 10, 1), bj(2026, 11, 1, 1)),
    ):
        with time_machine.travel(at, tick=False):
            services.agencies_score(month=month)
    agency.refresh_from_db()
    assert agency.status == AgencyStatus.EXPELLED
    return AgencyExpulsion.objects.get(agency=agency)


def test_every_agency_admin_page_renders_with_data(ops_client, mcn):
    """G1–G7: ops open every list and row of the agency models, with real rows in them."""
    for creator in sign_creators(mcn, 5):
        add_sessions(creator, start=bj(2026, 10, 1, 20), count=20)
    other = factories.AgencyFactory()
    Agency.objects.filter(pk=other.pk).update(created_at=bj(2025, 1, 1))
    expulsion = expelled(other)
    services.agency_appeal_submit(
        agency=other,
        actor=other.organization.memberships.get().user,
        reason="十月直播数据有误，请复核。",
    )
    AgencyComplaint.objects.create(agency=other, summary="投诉")
    with time_machine.travel(bj(2026, 11, 19, 0, 10), tick=False):
        services.focus_lines_build(day=date(2026, 11, 20))
    with time_machine.travel(bj(2026, 11, 12), tick=False):
        services.theme_proposal_submit(
            agency=mcn,
            actor=mcn.owner,
            category=category(),
            title="年货节",
            plan="十二月年货节专场直播，五位主播联动，每晚两小时。",
        )
    assert expulsion.pk and FocusHour.objects.exists()
    for name in AGENCY_MODELS:
        model = next(m for m in admin.site._registry if m._meta.model_name == name)
        changelist = reverse(f"admin:agencies_{name}_changelist")
        assert ops_client.get(changelist).status_code == 200, changelist
        row = model.objects.first()
        assert row is not None, name
        change = reverse(f"admin:agencies_{name}_change", args=[row.pk])
        assert ops_client.get(change).status_code == 200, change


def test_ops_grant_the_appeal_on_its_decision_page(ops_client, mcn):
    """G3: the appeal queue links a decision page; a decision needs a reason; granting lifts
    the expulsion and voids October's deduction."""
    expelled(mcn)
    appeal = services.agency_appeal_submit(
        agency=mcn, actor=mcn.owner, reason="十月直播数据缺失，请复核。"
    )
    queue = ops_client.get(reverse("admin:agencies_agencyappeal_changelist"), {"pending": "yes"})
    url = reverse("admin:agencies_agencyappeal_decide", args=[appeal.pk])
    assert url in queue.content.decode()
    page = ops_client.post(url, {"decision": "grant", "note": ""})
    assert page.status_code == 200  # the form again, with the error
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.PENDING
    ops_client.post(url, {"decision": "grant", "note": "平台数据延迟，撤销十月扣分"})
    appeal.refresh_from_db()
    mcn.refresh_from_db()
    assert (appeal.status, appeal.decided_by, mcn.status, mcn.points) == (
        AppealStatus.GRANTED,
        ops_client.user,
        AgencyStatus.ACTIVE,
        80,
    )
    assert AgencyAssessment.objects.get(agency=mcn, month=date(2026, 10, 1)).is_voided
    ops_client.post(url, {"decision": "reject", "note": "再次"})  # decided once: refused
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.GRANTED


def test_readmission_action_respects_the_180_days(ops_client, mcn):
    """G3: the admin's re-admit action refuses before day 180 (with the date) and works on it."""
    expulsion = expelled(mcn)
    changelist = reverse("admin:agencies_agency_changelist")
    body = {"action": "readmit", "_selected_action": [mcn.pk]}
    with time_machine.travel(expulsion.readmissible_at - timedelta(days=1), tick=False):
        ops_client.force_login(ops_client.user)  # a session from 179 days ago has expired
        page = ops_client.post(changelist, body, follow=True).content.decode()
    assert "180" in page  # the refusal names the bar and the date
    mcn.refresh_from_db()
    assert mcn.status == AgencyStatus.EXPELLED
    with time_machine.travel(expulsion.readmissible_at, tick=False):
        ops_client.force_login(ops_client.user)
        ops_client.post(changelist, body)
    mcn.refresh_from_db()
    assert mcn.status == AgencyStatus.ACTIVE


def test_ops_select_a_theme_proposal_and_resolve_a_complaint(ops_client, mcn):
    """G7: ops select a proposal from the admin; G6: resolving a complaint is recorded."""
    with time_machine.travel(bj(2026, 11, 12), tick=False):
        proposal = services.theme_proposal_submit(
            agency=mcn,
            actor=mcn.owner,
            category=category(),
            title="年货节",
            plan="十二月年货节专场直播，五位主播联动，每晚两小时。",
        )
    ops_client.post(
        reverse("admin:agencies_themeproposal_changelist"),
        {"action": "select", "_selected_action": [proposal.pk]},
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == ("selected", ops_client.user)
    complaint = AgencyComplaint.objects.create(agency=mcn, summary="虚假宣传投诉")
    ops_client.post(
        reverse("admin:agencies_agencycomplaint_changelist"),
        {"action": "resolve", "_selected_action": [complaint.pk]},
    )
    complaint.refresh_from_db()
    assert complaint.resolved_at is not None


# --- jobs and the beat ----------------------------------------------------------------------


def test_beat_schedules_the_assessment_reset_and_focus_jobs(settings):
    """G2: the 1st at 01:00; G4: 1 January 00:00; G6: daily lines and offer expiry — in
    Beijing time (the Celery timezone)."""
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    score = schedule["score-agencies"]["schedule"]
    assert (score.minute, score.hour, score.day_of_month) == ({0}, {1}, {1})
    assert schedule["score-agencies"]["task"] == "marketplace.score_agencies"
    reset = schedule["reset-agency-points"]["schedule"]
    assert (reset.minute, reset.hour, reset.day_of_month, reset.month_of_year) == (
        {0},
        {0},
        {1},
        {1},
    )
    lines = schedule["build-focus-lines"]["schedule"]
    assert (lines.minute, lines.hour) == ({10}, {0})
    assert schedule["expire-focus-offers"]["schedule"] == 300


def test_the_monthly_job_scores_the_previous_month_once(mcn):
    """G2: the job on 1 December scores November; run twice it deducts 40 points once."""
    with time_machine.travel(bj(2026, 12, 1, 1, 0), tick=False):
        first = jobs.score_agencies.apply().get()
        jobs.score_agencies.apply().get()
    assert first["assessed"] == 1 and first["failed"] == 1
    row = AgencyAssessment.objects.get(agency=mcn)
    assert row.month == date(2026, 11, 1) and row.points_deducted == 40
    mcn.refresh_from_db()
    assert mcn.points == 40


def test_the_yearly_job_resets_points(mcn):
    """G4: the 1 January job zeroes last year's points."""
    with time_machine.travel(bj(2026, 11, 1, 1, 0), tick=False):
        services.agencies_score(month=date(2026, 10, 1))
    with time_machine.travel(bj(2027, 1, 1, 0, 0), tick=False):
        assert jobs.reset_agency_points.apply().get() >= 1
    mcn.refresh_from_db()
    assert (mcn.points, mcn.points_year) == (0, 2027)


def test_the_daily_jobs_build_tomorrows_line_and_expire_offers(mcn):
    """G6: at 00:10 the job writes tomorrow's line; the 5-minute job passes unanswered hours."""
    for creator in sign_creators(mcn, 5):
        add_sessions(creator, start=bj(2026, 10, 1, 20), count=20)
    with time_machine.travel(bj(2026, 11, 1, 1, 0), tick=False):
        services.agencies_score(month=date(2026, 10, 1))
    with time_machine.travel(bj(2026, 11, 19, 0, 10), tick=False):
        assert jobs.build_focus_lines.apply().get() == 1
    hour = FocusHour.objects.get(agency=mcn)
    assert hour.day == date(2026, 11, 20)
    with time_machine.travel(bj(2026, 11, 19, 4, 10), tick=False):
        assert jobs.expire_focus_offers.apply().get() == 1
    hour.refresh_from_db()
    assert (hour.agency, hour.status) == (None, "unfilled")


def test_score_agencies_command_refuses_a_bad_month(db):
    """G2: `score_agencies --month` takes YYYY-MM; anything else is refused, nothing written."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("score_agencies", "--month", "2026/10")
    with pytest.raises(CommandError):
        call_command("score_agencies", "--month", "2999-01")
    assert AgencyAssessment.objects.count() == 0
    assert ThemeProposal.objects.count() == AgencyAppeal.objects.count() == 0
