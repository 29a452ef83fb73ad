"""G2/G3/G6 on PostgreSQL: the assessment and the focus-offer sweep run twice at once (a
retried Celery job, two workers): one deduction, one expulsion, each hour passed once."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from agencies import services
from agencies.models import (
    Agency,
    AgencyAssessment,
    AgencyExpulsion,
    AgencyStatus,
    FocusHour,
    FocusOffer,
)
from tests import factories
from tests.agencies.conftest import add_sessions, bj, sign_creators
from tests.concurrency.test_escrow_races import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def old_agency() -> Agency:
    agency = factories.AgencyFactory()
    Agency.objects.filter(pk=agency.pk).update(created_at=bj(2025, 1, 1))
    agency.refresh_from_db()
    return agency


def test_two_assessments_at_once_deduct_and_expel_once():
    """G2, G3: two runs of October at the same moment: one row per agency, 40 points once,
    and the agencies at 80 points are expelled exactly once."""
    agencies = [old_agency() for _ in range(6)]
    for month, at in (
        (date(2026, 8, 1), bj(2026, 9, 1, 1)),
        (date(2026, 9, 1), bj(2026, 10, 1, 1)),
    ):
        with time_machine.travel(at, tick=False):
            services.agencies_score(month=month)  # no creators: 40 points each month
    with time_machine.travel(bj(2026, 11, 1, 1, 0), tick=False):
        outcomes = race([lambda: services.agencies_score(month=date(2026, 10, 1))] * 2)
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert AgencyAssessment.objects.filter(month=date(2026, 10, 1)).count() == 6
    assert AgencyExpulsion.objects.count() == 6
    for agency in agencies:
        agency.refresh_from_db()
        assert (agency.points, agency.status) == (120, AgencyStatus.EXPELLED)


def test_two_expiry_sweeps_at_once_pass_each_hour_once():
    """G6: two workers expire the same unanswered offers: each hour moves down the line once."""
    for gmv in (40_000, 30_000, 20_000, 10_000):
        agency = old_agency()
        for creator in sign_creators(agency, 5):
            add_sessions(creator, start=bj(2026, 10, 1, 20), count=20, gmv_fen=gmv)
    with time_machine.travel(bj(2026, 11, 1, 1, 0), tick=False):
        services.agencies_score(month=date(2026, 10, 1))
    with time_machine.travel(bj(2026, 11, 19, 0, 10), tick=False):
        services.focus_lines_build(day=date(2026, 11, 20))
    with time_machine.travel(bj(2026, 11, 19, 4, 10), tick=False):
        outcomes = race([services.focus_offers_expire] * 2)
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert sum(o.value for o in outcomes) == 2
    assert FocusOffer.objects.filter(status="expired").count() == 2
    ranks = sorted(
        FocusHour.objects.filter(day=date(2026, 11, 20)).values_list("offers__rank", flat=True)
    )
    assert ranks == [1, 2, 3, 4]  # the first two expired, the next two now hold the hours
