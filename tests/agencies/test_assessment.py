"""G2–G4: the monthly assessment, deductions, expulsion, appeal, re-admission and the yearly
reset, at their boundaries."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command

from agencies import services
from agencies.models import (
    Agency,
    AgencyAppeal,
    AgencyAssessment,
    AgencyExpulsion,
    AgencyStatus,
    AppealStatus,
)
from agencies.services.assessment import agency_points_now
from core.exceptions import InvalidInput, NotAllowed
from tests import factories
from tests.agencies.conftest import add_sessions, bj, sign_creators
from tests.conftest import row_counts

pytestmark = pytest.mark.django_db

OCT = bj(2026, 10, 1).date()
NOV_1 = bj(2026, 11, 1, 1, 0)  # the Celery job's moment for October


def score(month=OCT, at=NOV_1):
    with time_machine.travel(at, tick=False):
        return services.agencies_score(month=month)


def assessment(agency, month=OCT) -> AgencyAssessment:
    return AgencyAssessment.objects.get(agency=agency, month=month)


def active_roster(agency, *, signed: int, active: int):
    creators = sign_creators(agency, signed)
    for creator in creators[:active]:
        add_sessions(creator, start=bj(2026, 10, 5, 20, 0))
    return creators


def test_four_creators_are_deducted_five_are_not(mcn):
    """G2: an agency with 4 signed creators is deducted 40 points; with 5 it passes."""
    active_roster(mcn, signed=4, active=4)
    other = factories.AgencyFactory()
    Agency.objects.filter(pk=other.pk).update(created_at=bj(2025, 1, 1))
    active_roster(other, signed=5, active=5)
    score()
    four, five = assessment(mcn), assessment(other)
    assert (four.signed_count, four.passed, four.points_deducted) == (4, False, 40)
    assert four.is_short_of_creators and not four.is_below_activity
    assert (five.signed_count, five.passed, five.points_deducted) == (5, True, 0)
    mcn.refresh_from_db()
    assert mcn.points == 40


def test_activity_rate_699_per_mille_fails_700_passes(mcn):
    """G2: 699 active of 1,000 creators (69.9%) is deducted; 700 of 1,000 (70%) passes."""
    active_roster(mcn, signed=1000, active=699)
    other = factories.AgencyFactory()
    Agency.objects.filter(pk=other.pk).update(created_at=bj(2025, 1, 1))
    active_roster(other, signed=1000, active=700)
    score()
    low, ok = assessment(mcn), assessment(other)
    assert (low.activity_rate_bp, low.passed, low.is_below_activity) == (6990, False, True)
    assert (ok.activity_rate_bp, ok.passed, ok.points_deducted) == (7000, True, 0)


def test_29_minute_session_does_not_make_a_creator_active_30_does(mcn):
    """G1, G2: a 29-minute session does not count; a 30-minute one does."""
    creators = sign_creators(mcn, 5)
    for creator in creators[:3]:
        add_sessions(creator, start=bj(2026, 10, 3, 20, 0))
    add_sessions(creators[3], start=bj(2026, 10, 3, 20, 0), minutes=29)
    add_sessions(creators[4], start=bj(2026, 10, 3, 20, 0), minutes=29)
    score()
    row = assessment(mcn)
    assert (row.active_count, row.passed) == (3, False)  # 60%
    add_sessions(creators[4], start=bj(2026, 10, 9, 20, 0), minutes=30)
    score()
    row = assessment(mcn)
    assert (row.active_count, row.activity_rate_bp, row.passed) == (4, 8000, True)


def test_a_completed_order_makes_a_creator_active(mcn):
    """G2: a creator with no live session but an order completed in the month is active."""
    creators = sign_creators(mcn, 5)
    for creator in creators[:3]:
        add_sessions(creator, start=bj(2026, 10, 3, 20, 0))
    factories.OrderFactory(creator=creators[3], status="completed", closed_at=bj(2026, 10, 20))
    factories.OrderFactory(creator=creators[4], status="completed", closed_at=bj(2026, 11, 1, 0, 1))
    score()
    assert assessment(mcn).active_count == 4  # the order closed in November does not count


def test_the_denominator_is_everyone_signed_during_the_month(mcn):
    """G2: a creator who left mid-month counts in the activity rate but not in the signed
    count at the month's end."""
    creators = active_roster(mcn, signed=6, active=5)
    leaver = creators[5]
    mcn.contracts.filter(creator=leaver).update(status="ended", closed_at=bj(2026, 10, 15))
    score()
    row = assessment(mcn)
    assert (row.signed_count, row.roster_count, row.active_count) == (5, 6, 5)
    assert row.activity_rate_bp == 8333 and row.passed


def test_rerunning_a_month_never_deducts_twice(mcn):
    """G2: the job and the command run twice for October: one row, 40 points, not 80."""
    active_roster(mcn, signed=2, active=2)
    score()
    score(at=NOV_1 + timedelta(hours=5))
    with time_machine.travel(NOV_1 + timedelta(days=1), tick=False):
        call_command("score_agencies", "--month", "2026-10")
    assert AgencyAssessment.objects.filter(agency=mcn).count() == 1
    mcn.refresh_from_db()
    assert mcn.points == 40


def test_a_month_not_over_is_refused(mcn):
    """G2: October cannot be assessed before 1 November 00:00 Beijing time."""
    with pytest.raises(InvalidInput):
        score(at=bj(2026, 10, 31, 23, 59))
    assert AgencyAssessment.objects.count() == 0
    score(at=bj(2026, 11, 1, 0, 0))
    assert AgencyAssessment.objects.count() == 1


def three_failed_months(agency, *, months=((2026, 8), (2026, 9), (2026, 10))):
    """Fail `agency` for each month (no creators), scored on the 1st of the next month."""
    for year, month in months:
        first = bj(year, month, 1).date()
        after = bj(year + (month == 12), month % 12 + 1, 1, 1, 0)
        score(month=first, at=after)


def earlier_points(agency, points: int) -> None:
    """A September row carrying `points` already deducted this year."""
    AgencyAssessment.objects.create(
        agency=agency,
        month=bj(2026, 9, 1).date(),
        signed_count=0,
        roster_count=0,
        active_count=0,
        activity_rate_bp=0,
        passed=False,
        points_deducted=points,
        points_year=2026,
        computed_at=bj(2026, 10, 1, 1, 0),
    )


def test_119_points_stay_120_points_expel(mcn):
    """G3: a failed October takes one agency to 119 points (it operates) and another to 120
    (expelled for 180 days, and it can no longer invite creators)."""
    other = factories.AgencyFactory()
    Agency.objects.filter(pk=other.pk).update(created_at=bj(2025, 1, 1))
    earlier_points(mcn, 79)
    earlier_points(other, 80)
    score()
    mcn.refresh_from_db()
    other.refresh_from_db()
    assert (mcn.points, mcn.status) == (119, AgencyStatus.ACTIVE)
    assert (other.points, other.status) == (120, AgencyStatus.EXPELLED)
    assert not AgencyExpulsion.objects.filter(agency=mcn).exists()
    expulsion = AgencyExpulsion.objects.get(agency=other)
    assert expulsion.points == 120
    assert expulsion.readmissible_at - expulsion.expelled_at == timedelta(days=180)
    with pytest.raises(NotAllowed):
        services.agency_invite(
            agency=other,
            actor=other.organization.memberships.get().user,
            creator=factories.CreatorFactory(),
        )


def test_expelled_agency_is_not_assessed_again(mcn):
    """G3: once expelled an agency has no more monthly rows (it does not operate)."""
    three_failed_months(mcn)
    score(month=bj(2026, 11, 1).date(), at=bj(2026, 12, 1, 1, 0))
    assert not AgencyAssessment.objects.filter(agency=mcn, month=bj(2026, 11, 1).date()).exists()


def test_readmission_refused_on_day_179_allowed_on_day_180(mcn):
    """G3: re-admission is barred for 180 days after the expulsion."""
    three_failed_months(mcn)
    ops = factories.UserFactory(is_staff=True)
    expelled_at = AgencyExpulsion.objects.get(agency=mcn).expelled_at
    with pytest.raises(NotAllowed) as refused:
        services.agency_readmit(agency=mcn, actor=ops, now=expelled_at + timedelta(days=179))
    assert refused.value.code == "readmission_barred"
    mcn.refresh_from_db()
    assert mcn.status == AgencyStatus.EXPELLED
    services.agency_readmit(agency=mcn, actor=ops, now=expelled_at + timedelta(days=180))
    mcn.refresh_from_db()
    assert mcn.status == AgencyStatus.ACTIVE
    assert AgencyExpulsion.objects.get(agency=mcn).lifted_at is not None


def test_one_appeal_granted_voids_the_deduction(mcn):
    """G3: the agency appeals once; ops grant it; the deduction that expelled it is voided."""
    three_failed_months(mcn)
    ops = factories.UserFactory(is_staff=True)
    appeal = services.agency_appeal_submit(
        agency=mcn, actor=mcn.owner, reason="十月份数据延迟到账，请复核直播场次。"
    )
    services.agency_appeal_decide(appeal=appeal, actor=ops, grant=True, note="数据已复核")
    mcn.refresh_from_db()
    assert (mcn.status, mcn.points) == (AgencyStatus.ACTIVE, 80)
    assert assessment(mcn).is_voided
    score()  # a rerun of October keeps the appeal's outcome
    mcn.refresh_from_db()
    assert (mcn.status, mcn.points) == (AgencyStatus.ACTIVE, 80)


def test_a_second_appeal_is_refused(mcn):
    """G3: exactly one appeal: after a rejected appeal a second one is refused, nothing
    written."""
    three_failed_months(mcn)
    ops = factories.UserFactory(is_staff=True)
    appeal = services.agency_appeal_submit(
        agency=mcn, actor=mcn.owner, reason="请复核我们的考核数据。"
    )
    services.agency_appeal_decide(appeal=appeal, actor=ops, grant=False, note="数据无误")
    before = row_counts(AgencyAppeal)
    with pytest.raises(NotAllowed) as refused:
        services.agency_appeal_submit(agency=mcn, actor=mcn.owner, reason="再次申诉，请复核。")
    assert refused.value.code == "appeal_used"
    assert row_counts(AgencyAppeal) == before
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REJECTED
    mcn.refresh_from_db()
    assert mcn.status == AgencyStatus.EXPELLED


def test_points_before_and_after_1_january(mcn):
    """G4: 80 points on 31 December 23:59 count; at 00:00 on 1 January they are zero, and
    December's deduction (assessed on 1 January 01:00) counts toward the new year."""
    three_failed_months(mcn, months=((2026, 10), (2026, 11)))
    with time_machine.travel(bj(2026, 12, 31, 23, 59), tick=False):
        mcn.refresh_from_db()
        assert agency_points_now(mcn) == 80
    with time_machine.travel(bj(2027, 1, 1, 0, 0), tick=False):
        assert agency_points_now(mcn) == 0  # before the job runs, too
        assert services.agency_points_reset() == Agency.objects.count()
        assert services.agency_points_reset() == 0  # idempotent
    mcn.refresh_from_db()
    assert (mcn.points, mcn.points_year) == (0, 2027)
    three_failed_months(mcn, months=((2026, 12),))
    mcn.refresh_from_db()
    assert (mcn.points, mcn.points_year) == (40, 2027)
    assert assessment(mcn, bj(2026, 12, 1).date()).points_year == 2027


def test_new_agency_is_not_assessed_for_its_first_partial_month(db):
    """G2: an agency admitted during October is first assessed for November."""
    agency = factories.AgencyFactory()
    Agency.objects.filter(pk=agency.pk).update(created_at=bj(2026, 10, 10))
    score()
    assert not AgencyAssessment.objects.filter(agency=agency).exists()


def test_rerunning_the_expelling_month_after_readmission_does_not_expel_again(mcn):
    """G3: re-admitted after 180 days, a rerun of the month that expelled the agency leaves
    it admitted (one expulsion row)."""
    three_failed_months(mcn)
    ops = factories.UserFactory(is_staff=True)
    expulsion = AgencyExpulsion.objects.get(agency=mcn)
    services.agency_readmit(agency=mcn, actor=ops, now=expulsion.readmissible_at)
    score(at=expulsion.readmissible_at + timedelta(days=1))
    mcn.refresh_from_db()
    assert mcn.status == AgencyStatus.ACTIVE
    assert AgencyExpulsion.objects.filter(agency=mcn).count() == 1
