"""The home page lists what waits for the user, with counts and links (issue 21)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks.selectors import todos
from tests.builders import order_in, plaza_task_with_orders, private_order
from tests.conftest import fund_wallet


@pytest.fixture
def orders(db, shop, merchant, creator):
    fund_wallet(shop, 2_000_000)
    return {
        "pending": private_order(shop, merchant, creator),
        "awaiting": order_in("awaiting_acceptance", shop, merchant, creator),
        "delivered": [order_in("delivered", shop, merchant, creator) for _ in range(2)],
        "balance": order_in("awaiting_balance", shop, merchant, creator),
        "completed": order_in("completed", shop, merchant, creator),
    }


def _home(client, user) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(reverse("home")).content.decode()


def test_the_merchant_sees_what_to_pay_and_to_confirm(orders, merchant, client):
    assert [(t.kind, t.count) for t in todos(user=merchant)] == [
        ("pay", 1),
        ("pay_balance", 1),
        ("confirm", 2),
    ]
    html = _home(client, merchant)
    assert "Deliveries to confirm" in html
    assert f"{reverse('order_list')}?status=delivered" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "待验收的交付" in client.get(reverse("home")).content.decode()


def test_the_creator_sees_what_to_answer_and_to_deliver(orders, creator, client):
    assert [(t.kind, t.count) for t in todos(user=creator)] == [("answer", 1)]
    html = _home(client, creator)
    assert "Orders waiting for your answer" in html
    assert f"{reverse('order_list')}?status=awaiting_acceptance" in html


def test_applications_to_review_are_counted_for_the_tasks_owner(
    db, shop, merchant, creator, outsider_creator
):
    from tasks import services

    fund_wallet(shop, 2_000_000)
    task, _orders = plaza_task_with_orders(shop, merchant, [creator])
    assert ("review", 1) not in [(t.kind, t.count) for t in todos(user=merchant)]
    open_task = services.task_create(
        actor=merchant,
        mode="plaza",
        title="第二个广场任务",
        brief="种草图文",
        content_type="image_text",
        channel="toutiao",
        price_fen=100_000,
        slots=2,
        enrollment_deadline=task.enrollment_deadline,
        delivery_deadline=task.delivery_deadline,
        shop=shop,
    )
    services.application_create(task=open_task, actor=outsider_creator)
    assert ("review", 1) in [(t.kind, t.count) for t in todos(user=merchant)]


def test_the_to_dos_are_two_queries_and_an_empty_list_says_so(db, merchant, client):
    with CaptureQueriesContext(connection) as queries:
        assert todos(user=merchant) == []
    assert len(queries.captured_queries) == 2  # the orders' counts, the applications' count
    assert "Nothing is waiting for you." in _home(client, merchant)
