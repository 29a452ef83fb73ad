"""D1/D2 on PostgreSQL: several sweeps at once, and a worker killed in the middle of one.

10,000 overdue orders are built straight into the ledger (one hold transaction per shop) so the
test spends its time sweeping, not setting up.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from escrow.models import Account, AccountKind, JournalTransaction, TransactionKind
from escrow.selectors import ledger_breaches
from escrow.services import post_transaction, wallet_account
from tasks.deadlines import run_sweep
from tasks.models import Order, OrderKind, OrderStatus
from tests import factories
from tests.conftest import fund_wallet

ROOT = Path(__file__).resolve().parents[2]
PRICE = 10_000


def _overdue_orders(count: int, *, shops: int = 20) -> list[int]:
    """`count` paid orders in production whose delivery deadline passed an hour ago."""
    past = timezone.now() - timedelta(hours=1)
    per_shop = count // shops
    ids = []
    for _ in range(shops):
        shop = factories.ShopFactory()
        factories.PaymentAccountFactory(shop=shop, bound_by=shop.owner)
        creator = factories.CreatorFactory()
        fund_wallet(shop, PRICE * per_shop)
        orders = Order.objects.bulk_create(
            Order(
                kind=OrderKind.PRIVATE,
                shop=shop,
                creator=creator,
                title="overdue",
                price_fen=PRICE,
                fee_rate_bp=0,
                fee_fen=0,
                original_price_fen=PRICE,
                status=OrderStatus.IN_PRODUCTION,
                delivery_deadline=past,
            )
            for _ in range(per_shop)
        )
        escrows = Account.objects.bulk_create(
            Account(kind=AccountKind.ORDER_ESCROW, order=order) for order in orders
        )
        with transaction.atomic():
            post_transaction(
                kind=TransactionKind.HOLD,
                lines=[(wallet_account(shop), -PRICE * per_shop)]
                + [(escrow, PRICE) for escrow in escrows],
            )
        ids += [order.pk for order in orders]
    return ids


def _assert_each_refunded_once(ids: list[int]) -> None:
    assert (
        Order.objects.filter(pk__in=ids).exclude(status=OrderStatus.OVERDUE_UNDELIVERED).count()
        == 0
    )
    refunds = (
        JournalTransaction.objects.filter(kind=TransactionKind.REFUND, order_id__in=ids)
        .values("order_id")
        .annotate(n=Count("id"))
    )
    counts = {row["order_id"]: row["n"] for row in refunds}
    assert len(counts) == len(ids)
    assert set(counts.values()) == {1}
    assert not Account.objects.filter(
        kind=AccountKind.ORDER_ESCROW, order_id__in=ids, balance_fen__gt=0
    ).exists()
    assert ledger_breaches() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_sweeps_at_once_refund_each_overdue_order_exactly_once():
    """D1/D2/T51: four sweeps started together over 10,000 overdue orders share the work
    through SKIP LOCKED; every order is refunded exactly once and the ledger reconciles."""
    ids = _overdue_orders(10_000)
    barrier = threading.Barrier(4)
    runs, failures = [], []

    def sweep():
        try:
            barrier.wait(timeout=60)
            runs.append(run_sweep(trigger="test", kinds=["delivery"]))
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sum(run.counts["delivery"] for run in runs) == 10_000
    assert all(not run.errors for run in runs)
    assert sum(1 for run in runs if run.counts["delivery"] > 0) >= 2  # the work was shared
    _assert_each_refunded_once(ids)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_sweep_and_a_rerun_refund_each_order_once(tmp_path):
    """D2: a sweep process killed with SIGKILL in the middle leaves no order half done; the
    rerun finishes the rest; every order is refunded exactly once and `reconcile` is clean."""
    ids = _overdue_orders(2_000, shops=10)
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "VAR_DIR": str(tmp_path / "var"),
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_deadlines", "--kind", "delivery"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = Order.objects.filter(pk__in=ids, status=OrderStatus.OVERDUE_UNDELIVERED).count()
        if done >= 300:
            break
        time.sleep(0.05)  # watching another process: there is no clock to freeze
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    killed_after = Order.objects.filter(pk__in=ids, status=OrderStatus.OVERDUE_UNDELIVERED).count()
    assert 300 <= killed_after < len(ids), "the kill must land in the middle of the sweep"

    rerun = run_sweep(trigger="test", kinds=["delivery"])
    assert rerun.counts["delivery"] == len(ids) - killed_after
    _assert_each_refunded_once(ids)
    result = subprocess.run(
        [sys.executable, "manage.py", "reconcile"], cwd=ROOT, env=env, capture_output=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
