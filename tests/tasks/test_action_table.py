"""Issue 18 (drift): the order page and the API dispatch the order actions (§4) through one
table, so an action cannot exist or be named on one side only (the page posted `revision` where
the API says `request-revision`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver
from django.utils import timezone

from tasks.actions import ORDER_ACTIONS
from tasks.models import OrderStatus
from tests.builders import delivered_order

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "tasks" / "order_detail.html"
PAGE_ONLY = {"message"}  # the order thread; the API has its own messages resource


def _api_order_actions() -> set[str]:
    found = set()

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                if pattern.name == "api_order_action":
                    found.add(pattern.default_args["action"])
            else:
                walk(pattern.url_patterns)

    walk(get_resolver().url_patterns)
    return found


def test_the_api_routes_exactly_the_actions_of_the_table():
    """T4–T61: one API route per entry of the shared table, named as the table names it."""
    assert _api_order_actions() == set(ORDER_ACTIONS)


def test_every_action_the_order_page_posts_is_an_entry_of_the_table():
    """T4–T61: the buttons of the order page post the table's names (and the message form)."""
    posted = set(re.findall(r'name="action" value="([^"]+)"', TEMPLATE.read_text()))
    assert posted - PAGE_ONLY <= set(ORDER_ACTIONS)
    assert {"request-revision", "restore-price", "pay-balance"} <= posted


@pytest.mark.django_db
def test_the_page_requests_a_revision_under_the_apis_name(funded_shop, merchant, creator):
    """T53: posting `request-revision` on the order page asks for the revision, as the API
    action of that name does; the page's message comes from the same entry."""
    order = delivered_order(funded_shop, merchant, creator)
    page = Client()
    page.force_login(merchant)
    deadline = timezone.localtime(order.delivery_deadline).strftime("%Y-%m-%dT%H:%M")

    response = page.post(
        f"/orders/{order.pk}/",
        {"action": "request-revision", "note": "口播再慢一点", "deadline": deadline},
        follow=True,
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.IN_PRODUCTION
    assert order.revisions.count() == 1
    assert str(ORDER_ACTIONS["request-revision"].done) in response.content.decode()
