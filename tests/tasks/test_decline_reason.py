"""A creator who declines says why, and the merchant reads it in its own language (issue 21,
T5): on the API (optional, so clients that send no body still decline), on the page (asked),
in the inbox and on the order page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django_fsm_log.models import StateLog

from parties.models import Notification
from parties.notifications import render
from tasks.models import OrderStatus
from tests.builders import fresh, order_in
from tests.conftest import client_for, fund_wallet

API = "/api/v1"


@pytest.fixture
def waiting(db, shop, merchant, creator):
    fund_wallet(shop, 500_000)
    return order_in("awaiting_acceptance", shop, merchant, creator, price_fen=150_000)


def _decline(creator, order, body):
    return client_for(creator).post(f"{API}/orders/{order.pk}/decline/", body, format="json")


def test_a_decline_with_a_reason_tells_the_merchant_in_its_own_language(waiting, merchant, creator):
    """T5: the order ends and is refunded; the reason is kept on the decline's log line and
    the merchant's notice reads it in Chinese or English, whoever wrote it."""
    with translation.override("zh-hans"):
        response = _decline(creator, waiting, {"reason": "schedule", "note": "下月有空"})
    assert response.status_code == 200, response.content
    assert fresh(waiting).status == OrderStatus.DECLINED
    log = StateLog.objects.for_(fresh(waiting)).get(transition="decline")
    assert log.description == "schedule: 下月有空"
    notice = Notification.objects.get(user=merchant, kind="order_declined_with_reason")
    with translation.override("en"):
        assert "My schedule is full: 下月有空" in render(notice)
        assert "¥1,500.00" in render(notice)
    with translation.override("zh-hans"):
        assert "档期已满" in render(notice)


def test_a_decline_without_a_body_still_declines(waiting, merchant, creator):
    """The API contract: the body stays optional."""
    assert _decline(creator, waiting, {}).status_code == 200
    assert fresh(waiting).status == OrderStatus.DECLINED
    assert Notification.objects.filter(user=merchant, kind="order_declined").exists()


@pytest.mark.parametrize(
    "body", [{"reason": "bored"}, {"reason": "price", "note": "很" * 201}], ids=["code", "long"]
)
def test_a_bad_reason_is_400_and_changes_nothing(waiting, creator, body):
    response = _decline(creator, waiting, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"]
    assert fresh(waiting).status == OrderStatus.AWAITING_ACCEPTANCE


def test_the_page_asks_for_a_reason_and_the_merchant_reads_it_on_the_order(
    waiting, merchant, creator, client
):
    url = reverse("order_detail", args=[waiting.pk])
    client.force_login(creator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post(url, {"action": "decline"})
    assert page.status_code == 200  # the form again, with its error
    assert fresh(waiting).status == OrderStatus.AWAITING_ACCEPTANCE
    response = client.post(
        url, {"action": "decline", "decline_reason": "price", "decline_note": ""}
    )
    assert response.status_code == 302
    assert fresh(waiting).status == OrderStatus.DECLINED
    client.force_login(merchant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(url).content.decode()
    assert "The creator declined: The price does not suit me" in html
    assert "¥1,500.00 was returned to your wallet." in html
