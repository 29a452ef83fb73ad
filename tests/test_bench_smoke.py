"""Smoke test of the issue-10 benchmarks (bench/): the generator at a tiny scale, then B1's two
timings at a tiny repetition count. The benchmarks themselves run by `make bench`, not here."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_generator_and_plaza_benchmark_agree_with_the_api():
    """T10: the hand-written plaza SQL of B1 (open plaza tasks of a channel and price range,
    plus the tasks the creator takes part in) pages exactly as the API does, first page and a
    deep cursor page, through psycopg and in the bare Django view (issue 20's competitor):
    same task ids, same order. E2: the generated ledger is balanced (the
    generator runs the reconcile queries and stops on any breach)."""
    from django.test import Client
    from django.test.utils import override_settings

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
        view_url,
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
    urls = override_settings(ROOT_URLCONF="bench.urls_http")
    urls.enable()
    try:
        length = visible_count(hand)
        assert length > 25  # more than one page, so that the deep page is another page
        position = deep_position(hand, int(length * DEEP_FRACTION))
        cursor = drf_cursor(str(position))
        pages = [
            (api_url(), view_url(), datetime(9999, 1, 1, tzinfo=UTC)),
            (api_url(cursor), view_url(cursor), position),
        ]
        first_ids = None
        for url, bare_url, before in pages:
            timed = time_pair(client, hand, url, before, repeats=2, warmup=0, bare_url=bare_url)
            assert timed["rows"] > 0
            assert timed["api_ids"] == timed["sql_ids"] == timed["view_ids"]
            first_ids = first_ids or timed["api_ids"]
        assert timed["api_ids"] != first_ids  # the deep page is not the first page again
        assert Client().get(view_url()).status_code == 403  # the bare view wants a login too
    finally:
        urls.disable()
        hand.close()


def test_settlement_flows_and_the_sweepers_backlog_on_generated_data(tmp_path):
    """B2: a settlement worker runs pay → accept → deliver → confirm through the services on
    the orders its pool gives it, every flow completes and the ledger reconciles. B3: the
    backlog of overdue orders the benchmark builds is refunded by one sweep as of its replay
    time, every order once, and the ledger reconciles (E9)."""
    import json
    import time

    from bench.generate import generate
    from bench.settlement import pool, worker
    from bench.sweeper import as_of_time, prepare
    from escrow.models import JournalTransaction
    from escrow.selectors import ledger_breaches
    from tasks.deadlines import run_sweep
    from tasks.models import Order, OrderStatus

    generate(tasks=2_000, creators=200, merchants=8, orders=400, seed=11)

    chosen = pool(workers=2, per_worker=3)
    assert all(len(ids) >= 3 for ids in chosen.values())
    # Every worker gets its full share however the random shops fall (the orders added for
    # a short worker go to that worker's own shops).
    assert [len(ids) for ids in pool(workers=5, per_worker=4).values()] == [4] * 5
    orders_file = tmp_path / "orders.json"
    orders_file.write_text(json.dumps(chosen[0][:3]))
    done = worker(orders_file=orders_file, seconds=60, start_at=time.time())
    assert done["errors"] == [] and done["flows"] == 3
    assert set(Order.objects.filter(pk__in=chosen[0][:3]).values_list("status", flat=True)) == {
        OrderStatus.COMPLETED
    }

    as_of = as_of_time()
    backlog = prepare(40, as_of, seed=5)
    run = run_sweep(at=datetime.fromtimestamp(as_of, UTC), kinds=["delivery"])
    assert run.counts["delivery"] >= 40 and run.errors == []
    assert set(Order.objects.filter(pk__in=backlog).values_list("status", flat=True)) == {
        OrderStatus.OVERDUE_UNDELIVERED
    }
    refunds = JournalTransaction.objects.filter(order_id__in=backlog, kind="refund")
    assert refunds.count() == 40
    assert ledger_breaches() == []


def test_the_http_benchmark_reads_wrk_and_serves_the_minimal_view(client, settings):
    """B4: the minimal view answers through the project's middleware next to its URLs, and
    wrk's report becomes requests/s, errors of every kind and the latency percentiles."""
    from bench.http import parse_wrk

    settings.ROOT_URLCONF = "bench.urls_http"
    response = client.get("/bench/minimal/")
    assert response.status_code == 200 and response.content == b"ok"
    assert client.get("/plaza/").status_code == 302  # the project's own URLs, login first

    report = """Running 20s test @ http://127.0.0.1:8000/plaza/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   600.70ms   40.12ms 800.00ms   70.00%
  Latency Distribution
     50%  600.70ms
     75%  620.00ms
     90%  650.00ms
     99%    1.20s
  1054 requests in 20.02s, 16.12MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:     52.65
Transfer/sec:    824.00KB
"""
    figures = parse_wrk(report)
    assert figures["requests_per_second"] == 52.65 and figures["requests"] == 1054
    assert figures["socket_errors"] == {"connect": 0, "read": 2, "write": 0, "timeout": 3}
    assert figures["non_2xx"] == 4 and figures["errors"] == 9
    assert figures["latency_ms"] == {"50": 600.7, "99": 1200.0}
