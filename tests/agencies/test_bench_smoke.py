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
    (G5), and the hand-written SQL finds the same failed agencies, figure for figure."""
    result = bench.generate(
        agencies=20, creators=300, sessions=3_000, month=OCT, log=lambda *args: None
    )
    assert result.rows["agencies"] == 20
    assert LiveSession.objects.filter(platform_session_id__startswith="bench-").count() == 3_000

    summary = agencies_score(month=OCT, now=bench.after_month(OCT))

    assert summary.assessed == 20
    assert AgencyAssessment.objects.filter(month=OCT).count() == 20
    assert summary.vertical_rows > 0  # G5 ran over the same sessions
    rows = bench.hand_sql(OCT)
    assert len(rows) == 20
    assert sum(1 for row in rows if not row[4]) == summary.failed
    assert bench.compare_with_service(OCT, rows) == []
