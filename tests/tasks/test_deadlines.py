"""The deadline sweeper (D1–D5): each kind of due item walked to its end state with time
frozen, the ledger effect right, every party told, and reruns that change nothing."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from escrow.models import JournalTransaction
from parties.models import Notification
from tasks import services
from tasks.deadlines import KIND_CODES, due_summary, run_sweep
from tasks.models import (
    ApplicationStatus,
    Order,
    OrderStatus,
    SweepRun,
    Task,
    TaskStatus,
)
from tests import factories
from tests.builders import delivered_order, order_in
from tests.tasks.conftest import earnings_fen, escrow_fen, in_days, wallet_fen

pytestmark = pytest.mark.django_db

PRICE = 100_000


def _kinds_told(order) -> set[tuple[str, int]]:
    return set(Notification.objects.filter(order=order).values_list("kind", "user_id"))


def test_acceptance_timeout_expires_and_refunds_in_full(funded_shop, merchant, creator):
    """D1/T5: 72 h without an answer: the sweep expires the order, refunds the merchant in full
    and tells both sides (D5); a second sweep changes nothing (D2)."""
    before = wallet_fen(funded_shop)
    order = order_in(OrderStatus.AWAITING_ACCEPTANCE, funded_shop, merchant, creator)
    with time_machine.travel(timezone.now() + timedelta(hours=71), tick=False):
        assert run_sweep().counts["acceptance"] == 0
    with time_machine.travel(timezone.now() + timedelta(hours=73), tick=False):
        assert run_sweep().counts["acceptance"] == 1
        transactions = JournalTransaction.objects.count()
        assert run_sweep().counts["acceptance"] == 0
        assert JournalTransaction.objects.count() == transactions
    order = Order.objects.get(pk=order.pk)
    assert order.status == OrderStatus.EXPIRED
    assert wallet_fen(funded_shop) == before and escrow_fen(order.pk) == 0
    assert {("order_expired", merchant.pk), ("order_expired", creator.pk)} <= _kinds_told(order)


def test_deposit_acceptance_timeout_is_24_hours(funded_shop, merchant, creator):
    """D1/T40: a deposit order not answered in 24 h expires and the deposit comes back."""
    before = wallet_fen(funded_shop)
    order = order_in(
        OrderStatus.AWAITING_ACCEPTANCE, funded_shop, merchant, creator, payment="deposit"
    )
    assert wallet_fen(funded_shop) == before - 10_000
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        run_sweep()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.EXPIRED
    assert wallet_fen(funded_shop) == before


def test_unpaid_balance_forfeits_the_deposit(funded_shop, merchant, creator):
    """D1/T42: the balance not paid within 7 days: the deposit goes to the platform, the order
    ends forfeited, both sides are told."""
    from escrow.models import Account

    order = order_in(OrderStatus.AWAITING_BALANCE, funded_shop, merchant, creator)
    assert order.status == OrderStatus.AWAITING_BALANCE
    fees = Account.objects.get(kind="platform_fees").balance_fen
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1), tick=False):
        assert run_sweep().counts["balance"] == 1
        assert run_sweep().counts["balance"] == 0
    order = Order.objects.get(pk=order.pk)
    assert order.status == OrderStatus.FORFEITED and escrow_fen(order.pk) == 0
    assert Account.objects.get(kind="platform_fees").balance_fen == fees + 10_000
    assert ("order_forfeited", creator.pk) in _kinds_told(order)


def test_overdue_delivery_is_refunded(funded_shop, merchant, creator):
    """D1/T51: not delivered by the deadline: overdue_undelivered and a full refund."""
    before = wallet_fen(funded_shop)
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator, days=3)
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1), tick=False):
        assert run_sweep().counts["delivery"] == 1
    order = Order.objects.get(pk=order.pk)
    assert order.status == OrderStatus.OVERDUE_UNDELIVERED
    assert wallet_fen(funded_shop) == before and escrow_fen(order.pk) == 0
    assert {("order_overdue", merchant.pk), ("order_overdue", creator.pk)} <= _kinds_told(order)


def test_delivery_not_reviewed_in_7_days_is_confirmed(funded_shop, merchant, creator):
    """D1/T54: a delivery neither confirmed, revised nor disputed for 7 days is confirmed: the
    creator is paid the price, both sides are told, no review is invented."""
    order = delivered_order(funded_shop, merchant, creator)
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23), tick=False):
        assert run_sweep().counts["auto_confirm"] == 0
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1), tick=False):
        assert run_sweep().counts["auto_confirm"] == 1
    order = Order.objects.get(pk=order.pk)
    assert order.status == OrderStatus.COMPLETED
    assert earnings_fen(creator.creator_profile) == PRICE
    assert not hasattr(order, "review") or order.review is None
    assert ("order_auto_confirmed", creator.pk) in _kinds_told(order)


def test_a_disputed_order_is_left_alone(funded_shop, merchant, creator):
    """D1/T61: deadlines stop while a dispute is open; the sweep moves nothing."""
    order = delivered_order(funded_shop, merchant, creator)
    services.order_dispute(order=order, actor=merchant, reason="没有露出产品")
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        assert run_sweep().total == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DISPUTED


def _plaza(shop, merchant, *, enrollment_days=2) -> Task:
    return services.task_create(
        actor=merchant,
        mode="plaza",
        title="探店视频",
        brief="到店拍摄 30 秒",
        content_type="video",
        channel="toutiao",
        price_fen=50_000,
        slots=2,
        enrollment_deadline=in_days(enrollment_days),
        delivery_deadline=in_days(20),
        shop=shop,
    )


def test_enrollment_ends_at_its_deadline(shop, merchant, creator, outsider_creator):
    """D1/T10: at the enrollment deadline the sweep stops enrollment; pending applications are
    rejected and told; the merchant has 7 days to pay."""
    task = _plaza(shop, merchant)
    approved = services.application_create(task=task, actor=creator)
    services.application_approve(application=approved, actor=merchant)
    pending = services.application_create(task=task, actor=outsider_creator)
    with time_machine.travel(in_days(2) + timedelta(minutes=1), tick=False):
        assert run_sweep().counts["enrollment_end"] == 1
        task = Task.objects.get(pk=task.pk)
        assert task.status == TaskStatus.ENROLLMENT_CLOSED
        assert task.payment_due_at == task.enrollment_closed_at + timedelta(days=7)
    pending.refresh_from_db()
    assert pending.status == ApplicationStatus.REJECTED
    assert Notification.objects.filter(user=outsider_creator, kind="application_rejected").exists()


def test_enrollment_ending_with_nobody_approved_closes_the_task(shop, merchant, creator):
    """D1/T13: enrollment ends with no approved application: the task closes, applicants told."""
    task = _plaza(shop, merchant)
    services.application_create(task=task, actor=creator)
    with time_machine.travel(in_days(3), tick=False):
        run_sweep()
    assert Task.objects.get(pk=task.pk).status == TaskStatus.CLOSED
    assert Notification.objects.filter(user=creator, kind="task_closed").exists()


def test_unpaid_plaza_task_closes_after_7_days(shop, merchant, creator):
    """D1/T13: a plaza task not paid within 7 days of stopping enrollment is closed; the
    approved applicants are told and their applications lapse."""
    task = _plaza(shop, merchant)
    application = services.application_create(task=task, actor=creator)
    services.application_approve(application=application, actor=merchant)
    services.task_close_enrollment(task=task, actor=merchant)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1), tick=False):
        assert run_sweep().counts["plaza_unpaid"] == 1
        assert run_sweep().counts["plaza_unpaid"] == 0
    assert Task.objects.get(pk=task.pk).status == TaskStatus.CLOSED
    application.refresh_from_db()
    assert application.status == ApplicationStatus.EXPIRED
    assert Notification.objects.filter(user=creator, kind="task_closed").exists()


def test_recruitment_task_closes_at_its_enrollment_deadline(db):
    """D1/T20: a recruitment task stops taking merchants at its enrollment deadline."""
    creator = factories.CreatorFactory().user
    task = services.task_create(
        actor=creator,
        mode="recruitment",
        title="直播间招商",
        brief="讲解 5 分钟",
        content_type="live",
        channel="taobao_live",
        price_fen=80_000,
        enrollment_deadline=in_days(1),
        delivery_deadline=in_days(9),
    )
    with time_machine.travel(in_days(2), tick=False):
        run_sweep()
    assert Task.objects.get(pk=task.pk).status == TaskStatus.CLOSED


def test_one_failing_item_does_not_stop_the_sweep(funded_shop, merchant, creator, monkeypatch):
    """D1/D2: an item whose action fails is recorded in the sweep's errors and rolled back; the
    other items still move."""
    first = order_in(OrderStatus.AWAITING_ACCEPTANCE, funded_shop, merchant, creator)
    second = order_in(OrderStatus.AWAITING_ACCEPTANCE, funded_shop, merchant, creator)
    import dataclasses

    import tasks.deadlines as deadlines

    def flaky(order, at):
        if order.pk == first.pk:
            raise RuntimeError("boom")
        return services.order_expire(order=order, at=at)

    monkeypatch.setattr(
        deadlines,
        "KINDS",
        [
            dataclasses.replace(kind, action=flaky) if kind.code == "acceptance" else kind
            for kind in deadlines.KINDS
        ],
    )
    with time_machine.travel(timezone.now() + timedelta(hours=73), tick=False):
        run = run_sweep()
    assert run.counts["acceptance"] == 1
    assert run.errors and run.errors[0]["id"] == first.pk
    assert Order.objects.get(pk=first.pk).status == OrderStatus.AWAITING_ACCEPTANCE
    assert escrow_fen(first.pk) == PRICE
    assert Order.objects.get(pk=second.pk).status == OrderStatus.EXPIRED


def test_run_deadlines_now_sweeps_as_of_that_time(funded_shop, merchant, creator):
    """D4: `run_deadlines --now ISO` sweeps as if it were then and prints counts per kind."""
    order = order_in(OrderStatus.AWAITING_ACCEPTANCE, funded_shop, merchant, creator)
    later = (timezone.now() + timedelta(hours=80)).isoformat()
    out = StringIO()
    call_command("run_deadlines", "--now", later, stdout=out)
    text = out.getvalue()
    assert "acceptance" in text and "     1" in text
    assert Order.objects.get(pk=order.pk).status == OrderStatus.EXPIRED
    run = SweepRun.objects.get()
    assert run.trigger == "command" and run.counts["acceptance"] == 1
    assert set(run.counts) == set(KIND_CODES)


def test_run_deadlines_without_now_moves_nothing_early(funded_shop, merchant, creator):
    """D4: a sweep as of the real time leaves orders that are not due alone."""
    order = order_in(OrderStatus.AWAITING_ACCEPTANCE, funded_shop, merchant, creator)
    call_command("run_deadlines", stdout=StringIO())
    assert Order.objects.get(pk=order.pk).status == OrderStatus.AWAITING_ACCEPTANCE


def test_run_deadlines_refuses_a_bad_time(db):
    """D4: a --now that is not ISO 8601 is refused with a message and sweeps nothing."""
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("run_deadlines", "--now", "tomorrow")
    assert not SweepRun.objects.exists()


def test_beat_runs_the_sweep_every_minute(settings):
    """D1: the beat schedule runs the sweeper every 60 seconds."""
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-deadlines"]
    assert entry["task"] == "tasks.sweep_deadlines"
    assert entry["schedule"] == 60.0


def test_the_job_runs_one_sweep(funded_shop, merchant, creator):
    """D1: the Celery job the beat sends runs one sweep and records it."""
    from tasks.jobs import sweep_deadlines

    order_in(OrderStatus.AWAITING_ACCEPTANCE, funded_shop, merchant, creator)
    with time_machine.travel(timezone.now() + timedelta(hours=73), tick=False):
        counts = sweep_deadlines.apply().get()
    assert counts["acceptance"] == 1
    assert SweepRun.objects.get().trigger == "beat"


def test_due_summary_counts_overdue_and_upcoming(funded_shop, merchant, creator):
    """D1: ops see, per kind, what is overdue now and what falls due in the next 24 hours."""
    order_in(
        OrderStatus.AWAITING_ACCEPTANCE, funded_shop, merchant, creator, days=1
    )  # acceptance due at the delivery deadline
    order_in(OrderStatus.AWAITING_ACCEPTANCE, funded_shop, merchant, creator, days=10)
    rows = {row["code"]: row for row in due_summary()}
    assert rows["acceptance"]["upcoming"] == 1 and rows["acceptance"]["overdue"] == 0
    with time_machine.travel(timezone.now() + timedelta(hours=80), tick=False):
        rows = {row["code"]: row for row in due_summary()}
    assert rows["acceptance"]["overdue"] == 2


def test_ops_view_shows_due_items_and_last_sweeps(client, funded_shop, merchant, creator):
    """D1: the admin page of sweeps shows what is due per kind and the last sweeps."""
    ops = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(ops)
    order_in(OrderStatus.AWAITING_ACCEPTANCE, funded_shop, merchant, creator, days=1)
    run_sweep(trigger="command")
    page = client.get(reverse("admin:tasks_sweeprun_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "acceptance" in html and page.context["cl"].result_count == 1


def test_celery_is_configured_for_money(settings):
    """D1/D2: late acknowledgement, one message at a time, time limits, and no ETA or countdown
    anywhere in the code (due times live in the database, D1)."""
    from pathlib import Path

    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert 0 < settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path)
        for app in ("marketplace", "agencies", "tasks", "escrow", "providers", "incentives")
        for path in (root / app).rglob("*.py")
        if "eta=" in path.read_text() or "countdown=" in path.read_text()
    ]
    assert offenders == []
