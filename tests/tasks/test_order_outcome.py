"""An ended order says where its money went, a disputed one that ops are deciding, and the
timeline reads in the reader's language (issue 21)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tasks import services
from tasks.models import OrderStatus
from tests.builders import delivered_order, fresh, order_in, private_order
from tests.conftest import fund_wallet


@pytest.fixture
def english(client):
    """A page client reading in English."""

    def page(user, order):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get(reverse("order_detail", args=[order.pk]))
        assert response.status_code == 200
        return response.content.decode()

    return page


def _outcome(html: str) -> str:
    start = html.index('data-testid="outcome"')
    return html[start : html.index("</div>", start)]


def test_a_declined_order_tells_the_merchant_the_money_is_back_in_its_wallet(
    db, shop, merchant, creator, english
):
    """T4/E4: the creator declined; the merchant reads the amount returned to the wallet, with
    a link to it, and the creator reads that the merchant got it back."""
    fund_wallet(shop, 500_000)
    order = order_in("awaiting_acceptance", shop, merchant, creator, price_fen=150_000)
    services.order_decline(order=order, actor=creator)
    merchant_box = _outcome(english(merchant, order))
    assert "¥1,500.00 was returned to your wallet." in merchant_box
    assert reverse("wallet") in merchant_box
    assert "the merchant got its ¥1,500.00 back" in _outcome(english(creator, order))


def test_a_completed_order_tells_both_sides_what_was_paid(db, shop, merchant, creator, english):
    fund_wallet(shop, 500_000)
    order = order_in("completed", shop, merchant, creator, price_fen=128_000)
    assert "Completed: ¥1,280.00 was paid to the creator." in _outcome(english(merchant, order))
    assert "Completed: ¥1,280.00 was added to your earnings." in _outcome(english(creator, order))


def test_a_disputed_order_says_ops_are_deciding_not_that_it_has_ended(
    db, shop, merchant, creator, english
):
    """T61: while ops decide, the next-step box says so (the money stays held)."""
    fund_wallet(shop, 500_000)
    order = delivered_order(shop, merchant, creator)
    services.order_dispute(order=order, actor=merchant, reason="未露出", ground="quality")
    for user in (merchant, creator):
        box = _outcome(english(user, order))
        assert "Ops are deciding the dispute" in box
        assert "has ended" not in box


def test_a_split_dispute_shows_partly_refunded_with_both_amounts(
    db, shop, merchant, creator, english, ops_superuser
):
    """T61 split: the merchant reads both parts, the refund and what the creator was paid."""
    fund_wallet(shop, 500_000)
    order = delivered_order(shop, merchant, creator, price_fen=100_000)
    dispute = services.order_dispute(
        order=order, actor=merchant, reason="部分未露出", ground="quality"
    )
    services.dispute_resolve(
        dispute=dispute, actor=ops_superuser, outcome="split", note="各担一半", creator_fen=40_000
    )
    box = _outcome(english(merchant, fresh(order)))
    assert "Partly refunded" in box
    assert "¥600.00 was returned to your wallet and ¥400.00 was paid to the creator." in box


def test_an_order_that_moved_no_money_says_so(db, shop, merchant, creator, english):
    order = private_order(shop, merchant, creator)
    services.order_cancel(order=order, actor=merchant)
    assert fresh(order).status == OrderStatus.CANCELLED
    assert "no money was moved" in _outcome(english(merchant, order))


def test_the_timeline_reads_in_the_readers_language(db, shop, merchant, creator, client):
    """Issue 21: the timeline's steps are not fixed in the language active at import."""
    fund_wallet(shop, 500_000)
    order = order_in("in_production", shop, merchant, creator)
    client.force_login(merchant)
    url = reverse("order_detail", args=[order.pk])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english_page = client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese_page = client.get(url).content.decode()
    assert "accepted" in english_page and "已接单" not in english_page
    assert "已接单" in chinese_page


def test_the_creator_reads_the_brief_on_the_order_before_accepting(
    db, shop, merchant, creator, english
):
    """Issue 21: an order waiting for the creator's answer shows the task's requirements."""
    fund_wallet(shop, 500_000)
    order = order_in("awaiting_acceptance", shop, merchant, creator, brief="60 秒开箱，突出保湿")
    html = english(creator, order)
    start = html.index('data-testid="brief"')
    assert "60 秒开箱，突出保湿" in html[start : html.index("</section>", start)]
    assert 'data-testid="accept"' in html
