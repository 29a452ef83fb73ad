"""D1/D2/T51 in batches: the sweeper refunds a batch of overdue orders in one transaction
(issue 10, B3) with exactly the effects of refunding them one at a time."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType as DjangoContentType
from django.utils import timezone
from django_fsm_log.models import StateLog

from escrow.models import Entry, JournalTransaction, TransactionKind
from escrow.selectors import ledger_breaches
from parties.models import Notification
from tasks import services
from tasks.deadlines import run_sweep
from tasks.models import Order, OrderStatus
from tests.tasks.conftest import escrow_fen, in_days, wallet_fen

pytestmark = pytest.mark.django_db


def _in_production(shop, merchant, creator, *, price_fen: int, days: int = 3) -> Order:
    task = services.task_create(
        actor=merchant,
        mode="private",
        title=f"测评视频 {price_fen}",
        brief="一条 60 秒测评",
        content_type="video",
        channel="toutiao",
        price_fen=price_fen,
        delivery_deadline=in_days(days),
        shop=shop,
        creator=creator.creator_profile,
    )
    order = services.order_pay(order=task.order, actor=merchant)
    return services.order_accept(order=order, actor=creator)


def _effects(order: Order) -> dict:
    """What refunding `order` as overdue wrote, without ids and times of writing."""
    order.refresh_from_db()
    logs = StateLog.objects.filter(
        content_type=DjangoContentType.objects.get_for_model(Order), object_id=order.pk
    ).order_by("pk")
    journals = JournalTransaction.objects.filter(order=order, kind=TransactionKind.REFUND)
    return {
        "status": order.status,
        "closed_at": order.closed_at,
        "deadlines": (order.acceptance_deadline, order.balance_deadline, order.auto_confirm_at),
        "last_log": logs.values_list("source_state", "state", "transition", "by_id").last(),
        "refunds": [
            (
                j.memo,
                j.created_by_id,
                sorted(
                    Entry.objects.filter(transaction=j).values_list("account__kind", "amount_fen")
                ),
            )
            for j in journals
        ],
        "told": sorted(
            Notification.objects.filter(order=order, kind="order_overdue").values_list(
                "user_id", "params"
            ),
            key=repr,
        ),
        "escrow": escrow_fen(order.pk),
    }


def test_a_batch_has_the_effects_of_one_order_at_a_time(funded_shop, other_shop, merchant, creator):
    """D1/T51: refunding a batch (orders_mark_overdue) writes for every order what
    order_mark_overdue writes for one: the state, its log line, one refund transaction of the
    whole escrow, the inbox lines of both parties."""
    second_merchant = other_shop.owner
    prices = [100_000, 250_050, 3_333]
    one_by_one = [_in_production(funded_shop, merchant, creator, price_fen=p) for p in prices]
    batched = [_in_production(funded_shop, merchant, creator, price_fen=p) for p in prices]
    batched.append(_in_production(other_shop, second_merchant, creator, price_fen=77_700))
    wallets = wallet_fen(funded_shop), wallet_fen(other_shop)
    at = timezone.now() + timedelta(days=3, minutes=1)

    for order in one_by_one:
        services.order_mark_overdue(order=order, at=at)
    moved = services.orders_mark_overdue(order_ids=[o.pk for o in batched], at=at)

    assert sorted(o.pk for o in moved) == sorted(o.pk for o in batched)
    for single, in_batch in zip(one_by_one, batched, strict=False):
        expected, got = _effects(single), _effects(in_batch)
        # the params name the order's own title and amount, which are the same here
        assert got == expected
        assert got["status"] == OrderStatus.OVERDUE_UNDELIVERED and got["closed_at"] == at
        assert got["escrow"] == 0 and len(got["refunds"]) == 1
    assert wallet_fen(funded_shop) == wallets[0] + 2 * sum(prices)
    assert wallet_fen(other_shop) == wallets[1] + 77_700
    assert {u for u, _ in _effects(batched[-1])["told"]} == {
        second_merchant.pk,
        creator.pk,
    }
    assert ledger_breaches() == []


def test_a_batch_enqueues_nothing_and_its_copies_are_mailed_once_after_commit(
    funded_shop, merchant, creator, django_capture_on_commit_callbacks, mailoutbox
):
    """D5/D1: the batch enqueues no e-mail job inside its flow; the beat job reading the inbox
    e-mails each committed line once (a second run sends nothing)."""
    from parties.notifications import pending_emails_send

    orders = [_in_production(funded_shop, merchant, creator, price_fen=10_000) for _ in range(3)]
    Notification.objects.update(emailed_at=timezone.now())  # the set-up's lines are done
    at = timezone.now() + timedelta(days=4)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.orders_mark_overdue(order_ids=[o.pk for o in orders], at=at)
    assert callbacks == []
    lines = Notification.objects.filter(order__in=orders, kind="order_overdue")
    assert lines.count() == 6  # merchant and creator, for each of the three orders
    with_address = lines.exclude(user__email="").count()
    assert pending_emails_send() == with_address == len(mailoutbox)
    assert pending_emails_send() == 0
    assert not lines.filter(emailed_at__isnull=True).exists()


def test_a_rerun_of_a_batch_moves_nothing(funded_shop, merchant, creator):
    """D2: a second run over the same ids finds nothing in production and writes nothing."""
    orders = [_in_production(funded_shop, merchant, creator, price_fen=20_000) for _ in range(2)]
    at = timezone.now() + timedelta(days=4)
    assert len(services.orders_mark_overdue(order_ids=[o.pk for o in orders], at=at)) == 2
    counts = JournalTransaction.objects.count(), Notification.objects.count()
    logs = StateLog.objects.count()

    assert services.orders_mark_overdue(order_ids=[o.pk for o in orders], at=at) == []
    assert (JournalTransaction.objects.count(), Notification.objects.count()) == counts
    assert StateLog.objects.count() == logs


def test_a_batch_leaves_orders_not_due_or_not_in_production(funded_shop, merchant, creator):
    """D1/T51: ids in the batch that are not yet due, or no longer in production (delivered
    meanwhile), are left as they are; the rest are refunded."""
    due = _in_production(funded_shop, merchant, creator, price_fen=30_000, days=3)
    later = _in_production(funded_shop, merchant, creator, price_fen=30_000, days=10)
    delivered = _in_production(funded_shop, merchant, creator, price_fen=30_000, days=3)
    services.order_deliver(order=delivered, actor=creator, links=["https://v.example.com/1"])
    at = timezone.now() + timedelta(days=3, minutes=1)

    moved = services.orders_mark_overdue(order_ids=[due.pk, later.pk, delivered.pk], at=at)

    assert [o.pk for o in moved] == [due.pk]
    assert Order.objects.get(pk=later.pk).status == OrderStatus.IN_PRODUCTION
    assert escrow_fen(later.pk) == 30_000
    assert Order.objects.get(pk=delivered.pk).status == OrderStatus.DELIVERED
    assert escrow_fen(delivered.pk) == 30_000


def test_the_sweep_refunds_overdue_orders_a_batch_at_a_time(funded_shop, merchant, creator):
    """D1/T51: the sweep moves overdue deliveries in batches: a batch of 12 orders costs one
    query more per order than a batch of 3 — the state log line django-fsm-log writes for each
    transition — and every other write (lock, state, ledger, inbox) is one query per batch."""
    import tasks.deadlines as deadlines

    def sweep_queries(count: int) -> int:
        orders = [
            _in_production(funded_shop, merchant, creator, price_fen=10_000) for _ in range(count)
        ]
        at = timezone.now() + timedelta(days=3, minutes=1)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        kind = next(k for k in deadlines.KINDS if k.code == "delivery")
        with CaptureQueriesContext(connection) as captured:
            moved = deadlines.sweep_kind(kind, at=at)
        assert moved == count
        assert all(
            o.status == OrderStatus.OVERDUE_UNDELIVERED
            for o in Order.objects.filter(pk__in=[o.pk for o in orders])
        )
        return len(captured)

    assert sweep_queries(12) - sweep_queries(3) == 12 - 3


def test_a_failing_batch_is_retried_an_order_at_a_time(funded_shop, merchant, creator, monkeypatch):
    """D1/D2: when the batch action fails, its transaction rolls back and the batch is swept
    again one order per transaction, so the orders are still refunded, each once."""
    import tasks.deadlines as deadlines

    orders = [_in_production(funded_shop, merchant, creator, price_fen=40_000) for _ in range(3)]
    calls = []

    def broken(pks, at):
        calls.append(pks)
        services.orders_mark_overdue(order_ids=pks, at=at)  # writes, then the batch fails
        raise RuntimeError("boom")

    def wrap(kind):
        if kind.code != "delivery":
            return kind
        return dataclasses.replace(kind, batch_action=broken)

    monkeypatch.setattr(deadlines, "KINDS", [wrap(kind) for kind in deadlines.KINDS])
    before = wallet_fen(funded_shop)
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1), tick=False):
        run = run_sweep()

    assert calls and run.counts["delivery"] == 3 and run.errors == []
    assert wallet_fen(funded_shop) == before + 3 * 40_000
    for order in orders:
        assert Order.objects.get(pk=order.pk).status == OrderStatus.OVERDUE_UNDELIVERED
        assert JournalTransaction.objects.filter(order=order, kind="refund").count() == 1
    assert ledger_breaches() == []
