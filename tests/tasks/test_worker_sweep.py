"""D1 end to end: a real Celery worker with its beat, on the real Redis, refunds an overdue
order by the scheduled sweep — nobody calls anything."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from escrow.selectors import ledger_breaches
from parties.models import Notification
from tasks import services
from tasks.models import Order, OrderStatus
from tests.conftest import celery_worker, fund_wallet
from tests.tasks.conftest import in_days


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_beat_sweep_in_a_real_worker_refunds_an_overdue_order(shop, merchant, creator, tmp_path):
    """D1/D5/T51: the beat-scheduled sweep running in a real worker process refunds an order not
    delivered by its deadline, tells both sides in the inbox, and e-mails the copies."""
    fund_wallet(shop, 200_000)
    task = services.task_create(
        actor=merchant,
        mode="private",
        title="逾期测试",
        brief="一条视频",
        content_type="video",
        channel="toutiao",
        price_fen=100_000,
        delivery_deadline=in_days(1),
        shop=shop,
        creator=creator.creator_profile,
    )
    order = services.order_pay(order=task.order, actor=merchant)
    order = services.order_accept(order=order, actor=creator)
    # Put the deadline in the past, as if a day had gone by (the worker runs on the real clock).
    Order.objects.filter(pk=order.pk).update(
        delivery_deadline=timezone.now() - timedelta(seconds=1)
    )

    with celery_worker(tmp_path, "--beat", SWEEP_INTERVAL_SECONDS="1"):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if Order.objects.get(pk=order.pk).status == OrderStatus.OVERDUE_UNDELIVERED:
                break
            time.sleep(0.25)  # polling a real process: nothing to freeze time against
        mails = []
        while time.monotonic() < deadline and len(mails) < 2:
            mails = list((tmp_path / "mail").glob("*.log")) if (tmp_path / "mail").exists() else []
            time.sleep(0.25)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.OVERDUE_UNDELIVERED
    told = set(
        Notification.objects.filter(order=order, kind="order_overdue").values_list(
            "user", flat=True
        )
    )
    assert told == {merchant.pk, creator.pk}
    assert mails, "the e-mail copies were not sent by the worker"
    assert ledger_breaches() == []
