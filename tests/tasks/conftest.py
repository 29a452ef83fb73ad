"""Shared helpers of the task and order tests: deadlines, posting through the API, money."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import client_for


def iso(moment) -> str:
    return moment.isoformat()


def in_days(days: float):
    return timezone.now() + timedelta(days=days)


def post_task(user, **overrides):
    """POST /api/v1/tasks/ with sensible defaults; returns the response."""
    body = {
        "mode": "private",
        "title": "新品种草视频",
        "brief": "60 秒开箱视频，突出保湿功效",
        "content_type": "video",
        "channel": "haohuo",
        "price": "1000.00",
        "delivery_deadline": iso(in_days(10)),
    }
    body.update(overrides)
    return client_for(user).post("/api/v1/tasks/", body, format="json")


def wallet_fen(shop) -> int:
    from escrow.selectors import merchant_wallet_summary

    return merchant_wallet_summary(shop=shop).available_fen


def escrow_fen(order_id: int) -> int:
    from escrow.models import Account

    account = Account.objects.filter(kind="order_escrow", order_id=order_id).first()
    return account.balance_fen if account else 0


def earnings_fen(creator_profile) -> int:
    from escrow.models import Account

    account = Account.objects.filter(kind="creator_earnings", creator=creator_profile).first()
    return account.balance_fen if account else 0


@pytest.fixture(autouse=True)
def ledger_invariants_hold_after_each_test(request):
    """E9 after every database test of this folder: balanced transactions, no forbidden
    negative balance, cached balances equal to their entries, and every terminal order's escrow
    empty (E4)."""
    yield
    if request.node.get_closest_marker("django_db") is None:
        return
    from escrow.selectors import ledger_breaches

    assert ledger_breaches() == []


@pytest.fixture
def plaza_fee(db):
    """E10: a 5% plaza fee, so the payment visibly includes the fee."""
    from escrow.models import FeePolicy

    FeePolicy.objects.update_or_create(order_kind="plaza", defaults={"rate_bp": 500})


@pytest.fixture
def brand_shop(db):
    """M4/M2: a Tmall brand shop with a bound payment account and ¥100,000.00."""
    from tests.tasks.task_api import _paying_shop

    return _paying_shop(is_brand=True)
