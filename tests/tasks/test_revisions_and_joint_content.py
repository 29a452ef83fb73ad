"""Revisions (T53) and joint content (T55) through the REST API: two revisions at most, each
back to production with a deadline no later than the task's delivery deadline + 3 days; content
featuring other merchants' products is delivered like any other and is no ground for refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from tasks import services
from tasks.models import Dispute, Order, OrderStatus, Revision
from tests.builders import delivered_order
from tests.conftest import client_for
from tests.tasks.conftest import escrow_fen, in_days, iso

pytestmark = pytest.mark.django_db

PRICE = 100_000
LINK = "https://v.taobao.com/v/1"


def _post(user, order, action, body=None):
    return client_for(user).post(f"/api/v1/orders/{order.pk}/{action}/", body or {}, format="json")


def test_a_revision_returns_the_order_to_production_with_the_latest_deadline(
    funded_shop, merchant, creator
):
    """T53: asked without a date, the new deadline is the task's delivery deadline + 3 days; the
    order is in production again and the creator is told (D5)."""
    order = delivered_order(funded_shop, merchant, creator, links=[LINK])

    response = _post(merchant, order, "request-revision", {"note": "口播再自然一些"})

    assert response.status_code == 200, response.json()
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_PRODUCTION
    assert order.revisions_used == 1
    assert order.delivery_deadline == order.task.delivery_deadline + timedelta(days=3)
    assert Revision.objects.get(order=order).note == "口播再自然一些"
    assert creator.notifications.filter(kind="order_revision_requested").exists()
    assert escrow_fen(order.pk) == PRICE


def test_a_third_revision_is_409_and_changes_nothing(funded_shop, merchant, creator):
    """T53: at most 2 revisions; the third request is 409 revisions_exhausted."""
    order = delivered_order(funded_shop, merchant, creator, links=[LINK])
    for round_ in range(2):
        assert (
            _post(merchant, order, "request-revision", {"note": f"第{round_}次"}).status_code == 200
        )
        services.order_deliver(order=order, actor=creator, links=[LINK])

    response = _post(merchant, order, "request-revision", {"note": "第三次"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "revisions_exhausted"
    order.refresh_from_db()
    assert (order.status, order.revisions_used) == (OrderStatus.DELIVERED, 2)
    assert Revision.objects.filter(order=order).count() == 2


def test_a_deadline_beyond_the_task_deadline_plus_3_days_is_400(funded_shop, merchant, creator):
    """T53: the merchant may name an earlier deadline, not a later one: +3 days is accepted,
    +3 days and 1 minute is a field error."""
    order = delivered_order(funded_shop, merchant, creator, links=[LINK])
    limit = order.task.delivery_deadline + timedelta(days=3)

    late = _post(
        merchant,
        order,
        "request-revision",
        {"note": "改", "deadline": iso(limit + timedelta(minutes=1))},
    )
    exact = _post(merchant, order, "request-revision", {"note": "改", "deadline": iso(limit)})

    assert late.status_code == 400
    assert "deadline" in late.json()["error"]["fields"]
    assert exact.status_code == 200, exact.json()
    order.refresh_from_db()
    assert order.delivery_deadline == limit and order.revisions_used == 1


def test_a_revision_needs_a_note(funded_shop, merchant, creator):
    """T53: the merchant says what should change; an empty note is 400 and nothing changes."""
    order = delivered_order(funded_shop, merchant, creator, links=[LINK])

    response = _post(merchant, order, "request-revision", {"note": "  "})

    assert response.status_code == 400
    order.refresh_from_db()
    assert (order.status, order.revisions_used) == (OrderStatus.DELIVERED, 0)


def test_only_the_merchant_asks_for_a_revision(funded_shop, merchant, creator, outsider):
    """T53/A3: the creator is refused; another tenant gets 404."""
    order = delivered_order(funded_shop, merchant, creator, links=[LINK])

    by_creator = _post(creator, order, "request-revision", {"note": "自己改"})
    by_outsider = _post(outsider, order, "request-revision", {"note": "改"})

    assert by_creator.status_code == 403
    assert by_outsider.status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_a_revision_after_the_7_review_days_is_409(funded_shop, merchant, creator):
    """T53/T54/D3: once the delivery is due to be confirmed automatically, a revision is 409."""
    order = delivered_order(funded_shop, merchant, creator, links=[LINK])

    with time_machine.travel(in_days(7) + timedelta(minutes=1), tick=False):
        response = _post(merchant, order, "request-revision", {"note": "晚了"})

    assert response.status_code == 409
    order.refresh_from_db()
    assert order.revisions_used == 0


def test_joint_content_is_delivered_and_confirmed_like_any_other(funded_shop, merchant, creator):
    """T55: a delivery that also features other merchants' products (拼场) is accepted and
    marked so; the merchant confirms it and the creator is paid."""
    order = delivered_order(funded_shop, merchant, creator, links=[LINK], joint=True)

    confirmed = _post(merchant, order, "confirm", {"rating": 4})

    assert order.deliveries.get().is_joint_content is True
    assert confirmed.status_code == 200, confirmed.json()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETED


def test_joint_content_is_no_ground_for_a_dispute(funded_shop, merchant, creator):
    """T55: a dispute on the ground of joint content is 400 with the T55 reason; the order stays
    delivered and its escrow held."""
    order = delivered_order(funded_shop, merchant, creator, links=[LINK], joint=True)

    response = _post(
        merchant, order, "dispute", {"reason": "出现了别家的商品", "ground": "joint_content"}
    )

    assert response.status_code == 400
    ground_error = response.json()["error"]["fields"]["ground"][0]
    assert "拼场" in ground_error and "T55" not in ground_error  # users never see rule ids
    assert not Dispute.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert escrow_fen(order.pk) == PRICE
