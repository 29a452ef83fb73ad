"""Shared ground of the task suites (test_task_fields.py, test_plaza.py,
test_recruitment_and_brand.py): posting and acting through the REST API, paying shops, the plaza
fee, the brand shop, and the row counts a refused action must leave unchanged.
"""

from __future__ import annotations

from escrow.models import JournalTransaction
from parties.models import Notification
from tasks import services
from tasks.models import (
    Application,
    Order,
    Proposal,
    Task,
)
from tests import factories
from tests.conftest import client_for, fund_wallet
from tests.tasks.conftest import in_days, iso, post_task

API = "/api/v1"
PRICE = "1000.00"
PRICE_FEN = 100_000
STORED = (Task, Application, Proposal, Order, JournalTransaction, Notification)


# --- helpers -------------------------------------------------------------------------------


def _error(response) -> dict:
    return response.json()["error"]


def _plaza_body(**overrides) -> dict:
    body = {
        "mode": "plaza",
        "channel": "toutiao",
        "content_type": "video",
        "price": PRICE,
        "slots": 2,
        "enrollment_deadline": iso(in_days(3)),
        "delivery_deadline": iso(in_days(10)),
    }
    body.update(overrides)
    return body


def _plaza(merchant, **overrides) -> dict:
    response = post_task(merchant, **_plaza_body(**overrides))
    assert response.status_code == 201, response.json()
    return response.json()


def _recruitment(creator_user, **overrides) -> dict:
    body = {
        "mode": "recruitment",
        "channel": "toutiao",
        "content_type": "video",
        "price": PRICE,
        "enrollment_deadline": iso(in_days(3)),
        "delivery_deadline": iso(in_days(10)),
    }
    body.update(overrides)
    response = post_task(creator_user, **body)
    assert response.status_code == 201, response.json()
    return response.json()


def _brand(brand_owner, **overrides) -> dict:
    body = {
        "mode": "brand",
        "channel": "taobao_live",
        "content_type": "live",
        "budget": "5000.00",
        "price": None,
    }
    body.update(overrides)
    response = post_task(brand_owner, **body)
    assert response.status_code == 201, response.json()
    return response.json()


def _apply(user, task_id, note="我有 10 万粉丝，擅长美妆测评", **headers):
    return client_for(user).post(
        f"{API}/tasks/{task_id}/applications/", {"note": note}, format="json", **headers
    )


def _applied(user, task_id) -> dict:
    response = _apply(user, task_id)
    assert response.status_code == 201, response.json()
    return response.json()


def _act(user, path):
    return client_for(user).post(f"{API}/{path}", format="json")


def _ok(user, path) -> dict:
    response = _act(user, path)
    assert response.status_code == 200, response.json()
    return response.json()


def _stop_enrollment(merchant, task_id) -> None:
    """Arrange a stopped enrollment (T10) through its service; the tests of the endpoint itself
    call POST tasks/{id}/close-enrollment/."""
    services.task_close_enrollment(task=Task.objects.get(pk=task_id), actor=merchant)


def _new_creator():
    return factories.CreatorFactory().user


def _paying_shop(*, fen: int = 10_000_000, **shop_fields):
    """Another shop with a bound payment account (M2) and money in its wallet."""
    shop = factories.ShopFactory(**shop_fields)
    factories.PaymentAccountFactory(shop=shop, bound_by=shop.owner)
    fund_wallet(shop, fen)
    return shop


def _kinds(user, **filters) -> list[str]:
    return list(Notification.objects.filter(user=user, **filters).values_list("kind", flat=True))


def _status(model, pk) -> str:
    return model.objects.get(pk=pk).status
