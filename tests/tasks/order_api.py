"""Shared ground of the order-action API suites (test_delivery_and_confirmation.py,
test_disputes_and_messages.py): a 10% fee policy on private orders (E10), so every release shows
the price going to the creator and the fee to the platform apart; requests, snapshots of
everything a refused action must leave unchanged, and small readers of the ledger and inbox.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from django_fsm_log.models import StateLog

from escrow.models import Account, AccountKind, FeePolicy, JournalTransaction
from parties.models import Notification
from tasks import services
from tasks.models import (
    Delivery,
    DeliveryFile,
    Dispute,
    Order,
    OrderMessage,
    OrderStatus,
    Review,
    Revision,
)
from tests.builders import order_in
from tests.conftest import client_for, row_counts

API = "/api/v1"
PRICE_FEN = 100_000  # ¥1,000.00
FEE_RATE_BP = 1_000  # 10%
FEE_FEN = 10_000
TOTAL_FEN = PRICE_FEN + FEE_FEN
LINK = "https://v.taobao.com/v/1001"
SECOND_LINK = "https://v.taobao.com/v/1002"
DELIVERY_DAYS = 10


@pytest.fixture(autouse=True)
def ten_percent_fee_on_private_orders(db):
    """E10: ops set a 10% fee on private orders, so release and split show the fee apart."""
    FeePolicy.objects.update_or_create(order_kind="private", defaults={"rate_bp": FEE_RATE_BP})


# --- building the world through the services ----------------------------------------------


def _disputed(shop, merchant, creator, *, source=OrderStatus.DELIVERED, by=None) -> Dispute:
    order = order_in(source, shop, merchant, creator)
    return services.order_dispute(
        order=order, actor=by or merchant, reason="第二条视频没有露出产品", ground="quality"
    )


# --- requests and assertions --------------------------------------------------------------


def _post(user, order, action: str, body=None, **extra):
    return client_for(user).post(
        f"{API}/orders/{order.pk}/{action}/", body or {}, format="json", **extra
    )


def _ok(user, order, action: str, body=None) -> dict:
    response = _post(user, order, action, body)
    assert response.status_code == 200, response.json()
    return response.json()


def _error(response) -> dict:
    return response.json()["error"]


def _platform_fees() -> int:
    account = Account.objects.filter(kind=AccountKind.PLATFORM_FEES).first()
    return account.balance_fen if account else 0


def _kinds(user, order) -> list[str]:
    rows = Notification.objects.filter(user=user, order=order).order_by("created_at", "id")
    return list(rows.values_list("kind", flat=True))


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _snapshot() -> dict:
    """Everything an order action could change: states and due times, money, stored rows."""
    return {
        "orders": sorted(
            Order.objects.values_list(
                "pk",
                "status",
                "revisions_used",
                "delivery_deadline",
                "auto_confirm_at",
                "delivered_at",
                "closed_at",
            )
        ),
        "balances": sorted(Account.objects.values_list("pk", "balance_fen")),
        "journal": JournalTransaction.objects.count(),
        "disputes": sorted(Dispute.objects.values_list("pk", "outcome", "resolved_at")),
        "rows": row_counts(
            Delivery, DeliveryFile, Revision, Review, OrderMessage, Notification, StateLog
        ),
    }
