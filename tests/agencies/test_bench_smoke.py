"""Issue 7's benchmark (bench/agencies.py) at a tiny scale, so that it keeps working."""

from __future__ import annotations

from datetime import date

import pytest

from agencies.models import AgencyAssessment, LiveSession
from agencies.services.assessment import agencies_score
from bench import agencies as bench

OCT = date(2026, 10, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_generated_month_is_assessed_and_the_hand_sql_agrees():
    """G2 and G5 over the generator's rows (COPY path only, no wipe: the flush after the test
    empties the tables): every agency is assessed (G2), the vertical eligibility is computed
    (G5), and the fair hand-written SQL (issue 20: G2 and G5) finds the same failed agencies
    and the same eligibility rows, figure for figure."""
    result = bench.generate(
        agencies=20, creators=300, sessions=3_000, month=OCT, log=lambda *args: None
    )
    assert result.rows["agencies"] == 20
    assert LiveSession.objects.filter(platform_session_id__startswith="bench-").count() == 3_000

    summary = agencies_score(month=OCT, now=bench.after_month(OCT))

    assert summary.assessed == 20
    assert AgencyAssessment.objects.filter(month=OCT).count() == 20
    assert summary.vertical_rows > 0  # G5 ran over the same sessions
    hand = bench.hand_sql(OCT)
    assert len(hand.assessments) == 20
    assert sum(1 for row in hand.assessments if not row[4]) == summary.failed
    assert len(hand.eligibility) == summary.vertical_rows
    assert sum(1 for row in hand.eligibility if row[5]) == summary.eligible_verticals
    assert bench.compare_with_service(OCT, hand) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_bench_comparison_sees_a_wrong_eligibility_row():
    """G5: the bench's check is not vacuous: an eligibility row the hand SQL would not give
    (a changed figure, a missing row) is reported."""
    from agencies.models import VerticalEligibility

    bench.generate(agencies=20, creators=300, sessions=3_000, month=OCT, log=lambda *args: None)
    agencies_score(month=OCT, now=bench.after_month(OCT))
    hand = bench.hand_sql(OCT)
    first, second = VerticalEligibility.objects.filter(month=OCT).order_by("pk")[:2]
    VerticalEligibility.objects.filter(pk=first.pk).update(
        qualifying_creators=first.qualifying_creators + 1
    )
    second.delete()

    problems = bench.compare_with_service(OCT, hand)

    assert len(problems) == 2
    assert all(line.startswith("G5 ") for line in problems)
