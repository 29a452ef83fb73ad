"""Content metrics on the merchant's pages (F1): the order page shows each reported day and the
totals to the order's parties; the task page shows its owner the totals per order and the grand
total. Other tenants get 404 (A3), and the task page costs the same queries for 1 order as for
10. The metric rows are created directly (ingestion is tested with its service)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tasks import selectors, services
from tasks.models import ContentMetric
from tests import factories
from tests.builders import delivered_order, plaza_task_with_orders, private_task

pytestmark = pytest.mark.django_db

PRICE = 100_000
LINK = "https://v.taobao.com/v/1001"
DAY_1 = date(2026, 11, 20)
DAY_2 = date(2026, 11, 21)


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _metric(order, day, **figures) -> ContentMetric:
    return ContentMetric.objects.create(order=order, date=day, **figures)


def _two_days(order) -> None:
    """Two reported days, the later one stored first: pages sort by date."""
    _metric(order, DAY_2, views=3_456, likes=12, comments=3, shares=1, clicks=100, gmv_fen=5_050)
    _metric(
        order,
        DAY_1,
        views=12_000,
        likes=340,
        comments=56,
        shares=7,
        clicks=890,
        gmv_fen=128_000,
    )


def _row(body: str, testid: str) -> list[str]:
    """The cells' texts of the table row marked `testid`."""
    row = re.search(rf'<tr[^>]*data-testid="{testid}"[^>]*>(.*?)</tr>', body, re.S)
    assert row, f"no row {testid}"
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row.group(1), re.S)
    ]


# --- the order page ------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["merchant", "creator"])
def test_the_order_page_shows_each_day_and_the_totals(
    viewer, request, funded_shop, merchant, creator
):
    """F1/A3: the order's parties see a row per reported day, oldest first, and a totals row
    computed by the database; GMV in yuan."""
    order = delivered_order(funded_shop, merchant, creator, links=[LINK])
    _two_days(order)

    body = browser(request.getfixturevalue(viewer)).get(f"/orders/{order.pk}/").content.decode()

    assert 'data-testid="order-metrics"' in body
    assert body.index("metric-2026-11-20") < body.index("metric-2026-11-21")
    assert _row(body, "metric-2026-11-20") == [
        "2026-11-20",
        "12,000",
        "340",
        "56",
        "7",
        "890",
        "¥1,280.00",
    ]
    assert _row(body, "metric-2026-11-21") == [
        "2026-11-21",
        "3,456",
        "12",
        "3",
        "1",
        "100",
        "¥50.50",
    ]
    assert _row(body, "metric-totals")[1:] == ["15,456", "352", "59", "8", "990", "¥1,330.50"]


def test_agency_staff_reading_the_order_see_its_metrics_too(
    funded_shop, merchant, creator, agency, agency_staff
):
    """F1/A4: the creator's agency reads the order page, metrics included."""
    profile = creator.creator_profile
    profile.agency = agency
    profile.save(update_fields=["agency"])
    order = delivered_order(funded_shop, merchant, creator, links=[LINK])
    _two_days(order)

    body = browser(agency_staff).get(f"/orders/{order.pk}/").content.decode()

    assert _row(body, "metric-totals")[1] == "15,456"


def test_a_delivered_order_without_metrics_says_none_yet(funded_shop, merchant, creator):
    """F1: a delivered order with no reported day shows the empty state, no table; an order not
    delivered yet shows no metrics card at all."""
    delivered = delivered_order(funded_shop, merchant, creator, links=[LINK])
    waiting = private_task(funded_shop, merchant, creator).order

    body = browser(merchant).get(f"/orders/{delivered.pk}/").content.decode()
    before = browser(merchant).get(f"/orders/{waiting.pk}/").content.decode()

    with translation.override("zh-hans"):
        none_yet = translation.gettext(
            "No metrics yet: the platform reports them daily after delivery."
        )
    assert 'data-testid="order-metrics"' in body
    assert none_yet in body
    assert 'data-testid="metric-totals"' not in body
    assert 'data-testid="order-metrics"' not in before


def test_the_order_metrics_selector_gives_zeros_without_rows(funded_shop, merchant, creator):
    """F1: no reported day: no rows and zero totals (never None)."""
    order = delivered_order(funded_shop, merchant, creator, links=[LINK])

    rows, totals = selectors.order_metrics(order=order)

    assert rows == []
    assert totals == {
        "views": 0,
        "likes": 0,
        "comments": 0,
        "shares": 0,
        "clicks": 0,
        "gmv_fen": 0,
    }


# --- the task page -------------------------------------------------------------------------


def test_the_task_page_shows_its_owner_the_totals_per_order_and_the_grand_total(
    funded_shop, merchant
):
    """F1: per order of the task with reported days: a link to the order, the creator, the
    sums of its days; an order with nothing reported is not listed; a grand total row."""
    creators = [factories.CreatorFactory(display_name=f"达人{n}").user for n in "甲乙丙"]
    task, (first, second, silent) = plaza_task_with_orders(funded_shop, merchant, creators)
    _two_days(first)
    _metric(second, DAY_1, views=1_000, likes=10, comments=2, shares=3, clicks=40, gmv_fen=99_999)

    body = browser(merchant).get(f"/tasks/{task.pk}/").content.decode()

    assert 'data-testid="task-metrics"' in body
    assert _row(body, f"order-metrics-{first.pk}") == [
        f"#{first.pk}",
        "达人甲",
        "15,456",
        "352",
        "59",
        "8",
        "990",
        "¥1,330.50",
    ]
    assert _row(body, f"order-metrics-{second.pk}")[2:] == [
        "1,000",
        "10",
        "2",
        "3",
        "40",
        "¥999.99",
    ]
    assert f'data-testid="order-metrics-{silent.pk}"' not in body
    assert f'href="/orders/{first.pk}/"' in body
    assert _row(body, "task-metric-totals")[1:] == [
        "16,456",
        "362",
        "61",
        "11",
        "1,030",
        "¥2,330.49",
    ]


def test_the_task_metrics_are_for_its_owner_only(funded_shop, merchant, creator):
    """F1/A3: a creator with an order on the plaza task opens the task page but does not see
    the task's metrics (its own order page shows its own)."""
    task, (order,) = plaza_task_with_orders(funded_shop, merchant, [creator])
    _two_days(order)

    body = browser(creator).get(f"/tasks/{task.pk}/").content.decode()

    assert 'data-testid="task-metrics"' not in body


def test_a_task_without_metrics_shows_no_metrics_section(funded_shop, merchant, creator):
    """F1: nothing reported on any order of the task: no section."""
    task, _orders = plaza_task_with_orders(funded_shop, merchant, [creator])

    body = browser(merchant).get(f"/tasks/{task.pk}/").content.decode()

    assert 'data-testid="task-metrics"' not in body


# --- other tenants (A3) ----------------------------------------------------------------------


def test_another_merchant_gets_404_on_the_order_and_task_pages(
    funded_shop, merchant, creator, outsider, outsider_creator
):
    """A3: another merchant (and another creator) gets 404 on the order page and the task
    page, never the metrics."""
    task = private_task(funded_shop, merchant, creator)
    order = task.order
    services.order_pay(order=order, actor=merchant)
    services.order_accept(order=order, actor=creator)
    services.order_deliver(order=order, actor=creator, links=[LINK])
    _two_days(order)
    plaza, (plaza_order,) = plaza_task_with_orders(funded_shop, merchant, [creator])
    _two_days(plaza_order)

    for url in [f"/orders/{order.pk}/", f"/tasks/{task.pk}/", f"/tasks/{plaza.pk}/"]:
        for intruder in (outsider, outsider_creator):
            response = browser(intruder).get(url)
            assert response.status_code == 404, url
            assert "15,456" not in response.content.decode()


# --- cost ------------------------------------------------------------------------------------


def _queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_the_task_page_costs_the_same_queries_for_1_and_10_orders_with_metrics(
    funded_shop, merchant
):
    """F1/A3 (speed rule): the task page with its metrics runs as many queries for a task with
    10 orders (each with 2 reported days) as for one with 1."""
    tasks = {}
    for size in (1, 10):
        creators = [factories.CreatorFactory().user for _ in range(size)]
        task, orders = plaza_task_with_orders(funded_shop, merchant, creators)
        for order in orders:
            _two_days(order)
        tasks[size] = task
    client = browser(merchant)
    client.get(f"/tasks/{tasks[1].pk}/")  # warm per-process caches

    one, body_one = _queries(client, f"/tasks/{tasks[1].pk}/")
    ten, body_ten = _queries(client, f"/tasks/{tasks[10].pk}/")

    assert body_one.count('data-testid="order-metrics-') == 1
    assert body_ten.count('data-testid="order-metrics-') == 10
    assert _row(body_ten, "task-metric-totals")[1] == "154,560"
    assert ten == one, f"{one} queries for 1 order, {ten} for 10"
