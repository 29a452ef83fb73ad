"""Smoke test of the issue-10 benchmarks (bench/): the generator at a tiny scale, then B1's two
timings at a tiny repetition count. The benchmarks themselves run by `make bench`, not here."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_generator_and_plaza_benchmark_agree_with_the_api():
    """T10: the hand-written plaza SQL of B1 (open plaza tasks of a channel and price range,
    plus the tasks the creator takes part in) pages exactly as the API does, first page and a
    deep cursor page: same task ids, same order. E2: the generated ledger is balanced (the
    generator runs the reconcile queries and stops on any breach)."""
    from bench.generate import generate
    from bench.plaza import (
        DEEP_FRACTION,
        HandSql,
        api_url,
        deep_position,
        drf_cursor,
        logged_in_client,
        persona,
        time_pair,
        visible_count,
    )
    from escrow.selectors import ledger_breaches
    from tasks.models import Order, Task

    result = generate(tasks=3_000, creators=300, merchants=12, orders=600, seed=7)

    assert Task.objects.count() == 3_000
    assert 550 <= Order.objects.count() <= 600
    assert result.open_plaza > 0
    assert ledger_breaches() == []

    who = persona()
    client = logged_in_client(who)
    hand = HandSql(who)
    try:
        length = visible_count(hand)
        assert length > 25  # more than one page, so that the deep page is another page
        position = deep_position(hand, int(length * DEEP_FRACTION))
        pages = [
            (api_url(), datetime(9999, 1, 1, tzinfo=UTC)),
            (api_url(drf_cursor(str(position))), position),
        ]
        first_ids = None
        for url, before in pages:
            timed = time_pair(client, hand, url, before, repeats=2, warmup=0)
            assert timed["rows"] > 0
            assert timed["api_ids"] == timed["sql_ids"]
            first_ids = first_ids or timed["api_ids"]
        assert timed["api_ids"] != first_ids  # the deep page is not the first page again
    finally:
        hand.close()
