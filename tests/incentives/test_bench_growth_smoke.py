"""The growth evaluation's benchmark (bench/incentives.py) at a tiny scale, so that it keeps
working: the generator, the hand-written SQL and the rolled-back service runs."""

from __future__ import annotations

from datetime import date

import pytest

from bench import incentives as bench
from incentives.models import ChannelsSession, CouponTransaction, GrowthAward, Program

OCT = date(2026, 10, 1)
# The migration's tiers (0002): a transactional test before this one may have flushed them.
TIERS = [
    ("activity", 8, 300),
    ("gmv", 1_000_000, 500),
    ("gmv", 5_000_000, 1500),
    ("gmv", 20_000_000, 4000),
    ("gmv", 100_000_000, 12000),
]


def growth_program(*, budget: int) -> Program:
    program, _created = Program.objects.update_or_create(
        code="growth", defaults={"monthly_budget": budget}
    )
    for kind, threshold, coupons in TIERS:
        program.tiers.get_or_create(kind=kind, threshold=threshold, defaults={"coupons": coupons})
    return program


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_generated_month_gets_the_awards_the_hand_sql_computes(tmp_path, monkeypatch):
    """I6/I4/I9 over the generator's rows: the service writes the awards the hand SQL computes
    (account, kind, tier, coupons, and the crossing moment), grants them first come first
    served within the budget, and each timed run is rolled back (no award, no grant left). A
    budget of 20,000 coupons: some awards are granted, the others find it exhausted. The docs
    section is written (into a copy)."""
    growth_program(budget=20_000)
    result = bench.generate(accounts=400, sessions=8_000, month=OCT, log=lambda *args: None)
    assert result.rows["live accounts"] == 400
    assert ChannelsSession.objects.filter(session_id__startswith="bench-inc-").count() >= 8_000

    monkeypatch.setattr(bench, "ROOT", tmp_path)
    monkeypatch.setattr(bench, "DOCS_FILE", tmp_path / "performance.md")
    run = bench.run(month=OCT, repeats=1, write_docs=True, log=lambda *args: None)

    comparison = run.comparison
    assert comparison.same_awards and comparison.same_crossings and comparison.same_statuses
    assert comparison.granted > 0 and comparison.exhausted > 0
    assert comparison.granted_coupons <= comparison.budget == 20_000
    assert not GrowthAward.objects.exists()
    assert not CouponTransaction.objects.filter(kind="grant").exists()
    written = (tmp_path / "performance.md").read_text()
    assert bench.DOCS_SECTION in written and "Ratio (goal ≤ 2×)" in written
