"""The ops side of tasks and orders in the Django admin: every page renders, and every state
change goes through the services (T61, T70, T21, T10, D4)."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from escrow.models import JournalTransaction
from tasks import services
from tasks.models import Announcement, Dispute, Order, OrderStatus, Task, TaskStatus
from tests.tasks.conftest import earnings_fen, escrow_fen, in_days, wallet_fen

pytestmark = pytest.mark.django_db


def _disputed_order(shop, merchant, creator) -> Order:
    task = services.task_create(
        actor=merchant,
        mode="private",
        title="直播切片",
        brief="三条 30 秒切片",
        content_type="video",
        channel="toutiao",
        price_fen=200_000,
        delivery_deadline=in_days(10),
        shop=shop,
        creator=creator.creator_profile,
    )
    order = services.order_pay(order=task.order, actor=merchant)
    services.order_accept(order=order, actor=creator)
    services.order_deliver(order=order, actor=creator, links=["https://v.example.com/1"])
    services.order_message_post(order=order, actor=merchant, body="第二条没有露出产品")
    services.order_dispute(order=order, actor=merchant, reason="产品没有露出", ground="quality")
    return Order.objects.get(pk=order.pk)


def test_dispute_queue_lists_open_disputes_with_a_decide_link(
    ops_client, funded_shop, merchant, creator
):
    """T61: ops see the disputes waiting for a decision, each with a link to decide it."""
    order = _disputed_order(funded_shop, merchant, creator)
    page = ops_client.get(reverse("admin:tasks_dispute_changelist"), {"state": "open"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert reverse("admin:tasks_dispute_decide", args=[order.dispute.pk]) in page.content.decode()


def test_ops_split_a_dispute_through_the_admin(
    ops_client, funded_shop, merchant, creator, ledger_is_clean
):
    """T61: a split pays the creator its part (and the platform the fee on it) and refunds the
    rest; the order ends refunded and its escrow is empty. The page shows the order's messages
    (T60)."""
    order = _disputed_order(funded_shop, merchant, creator)
    dispute = order.dispute
    url = reverse("admin:tasks_dispute_decide", args=[dispute.pk])
    page = ops_client.get(url)
    assert page.status_code == 200
    assert "第二条没有露出产品" in page.content.decode()
    wallet_before = wallet_fen(funded_shop)
    response = ops_client.post(
        url, {"outcome": "split", "creator_amount": "500.00", "note": "只完成了一半"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    dispute.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert earnings_fen(creator.creator_profile) == 50_000
    assert wallet_fen(funded_shop) == wallet_before + 150_000
    assert escrow_fen(order.pk) == 0
    assert dispute.outcome == "split" and dispute.resolved_by == ops_client.user


def test_a_split_without_an_amount_is_refused_on_the_page(
    ops_client, funded_shop, merchant, creator
):
    """T61: the form explains a missing split amount and nothing moves."""
    order = _disputed_order(funded_shop, merchant, creator)
    transactions = JournalTransaction.objects.count()
    url = reverse("admin:tasks_dispute_decide", args=[order.dispute.pk])
    page = ops_client.post(url, {"outcome": "split", "creator_amount": "", "note": "x"})
    assert page.status_code == 200
    assert page.context["form"].errors["creator_amount"]
    assert JournalTransaction.objects.count() == transactions
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DISPUTED


def test_a_split_of_the_whole_price_is_refused_with_the_service_message(
    ops_client, funded_shop, merchant, creator
):
    """T61: the creator's part must be less than the price; the service's refusal is shown."""
    order = _disputed_order(funded_shop, merchant, creator)
    url = reverse("admin:tasks_dispute_decide", args=[order.dispute.pk])
    page = ops_client.post(url, {"outcome": "split", "creator_amount": "2000.00", "note": "x"})
    assert page.status_code == 200
    assert page.context["form"].errors
    assert Dispute.objects.get(pk=order.dispute.pk).is_open


def test_ops_release_a_dispute_to_the_creator(
    ops_client, funded_shop, merchant, creator, ledger_is_clean
):
    """T61: release completes the order and pays the creator the price."""
    order = _disputed_order(funded_shop, merchant, creator)
    url = reverse("admin:tasks_dispute_decide", args=[order.dispute.pk])
    ops_client.post(url, {"outcome": "release", "note": "交付符合要求"})
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETED
    assert earnings_fen(creator.creator_profile) == 200_000


def test_order_page_shows_history_ledger_lines_and_messages(
    ops_client, funded_shop, merchant, creator
):
    """T70: the order's admin page shows its transition log with who and from which state,
    its ledger lines and its messages (T60)."""
    order = _disputed_order(funded_shop, merchant, creator)
    page = ops_client.get(reverse("admin:tasks_order_change", args=[order.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "open_dispute" in html and "delivered" in html
    assert "¥2,000.00" in html  # the hold, in the ledger lines
    assert "第二条没有露出产品" in html


def test_ops_apply_a_due_deadline_from_the_order_list(ops_client, funded_shop, merchant, creator):
    """D4/T5: the admin action runs the same idempotent sweep service on the chosen orders."""
    task = services.task_create(
        actor=merchant,
        mode="private",
        title="图文",
        brief="一篇测评",
        content_type="image_text",
        channel="toutiao",
        price_fen=100_000,
        delivery_deadline=in_days(10),
        shop=funded_shop,
        creator=creator.creator_profile,
    )
    services.order_pay(order=task.order, actor=merchant)
    url = reverse("admin:tasks_order_changelist")
    with time_machine.travel(in_days(4), tick=False):
        ops_client.post(url, {"action": "apply_due_deadlines", "_selected_action": [task.order.pk]})
        ops_client.post(url, {"action": "apply_due_deadlines", "_selected_action": [task.order.pk]})
    assert Order.objects.get(pk=task.order.pk).status == OrderStatus.EXPIRED
    assert escrow_fen(task.order.pk) == 0
    assert JournalTransaction.objects.filter(kind="refund").count() == 1


def test_ops_stop_enrollment_of_a_plaza_task(ops_client, shop, merchant):
    """T10: ops stop enrollment through the same service; with nobody approved it closes (T13)."""
    task = services.task_create(
        actor=merchant,
        mode="plaza",
        title="探店",
        brief="到店拍摄",
        content_type="video",
        channel="toutiao",
        price_fen=50_000,
        slots=3,
        enrollment_deadline=in_days(2),
        delivery_deadline=in_days(9),
        shop=shop,
    )
    ops_client.post(
        reverse("admin:tasks_task_changelist"),
        {"action": "close_enrollment", "_selected_action": [task.pk]},
    )
    assert Task.objects.get(pk=task.pk).status == TaskStatus.CLOSED


def test_ops_publish_an_announcement(ops_client):
    """T21: ops write announcements in the admin; the author is recorded."""
    response = ops_client.post(
        reverse("admin:tasks_announcement_add"),
        {"title": "双十二招商开启", "body": "报名截止 12 月 5 日", "is_published": "on"},
    )
    assert response.status_code == 302
    announcement = Announcement.objects.get()
    assert announcement.created_by == ops_client.user


@pytest.mark.parametrize(
    "name",
    [
        "tasks_task",
        "tasks_application",
        "tasks_proposal",
        "tasks_order",
        "tasks_dispute",
        "tasks_announcement",
        "tasks_review",
        "tasks_ordermessage",
        "tasks_delivery",
        "tasks_revision",
        "tasks_channel",
        "marketplace_notification",
        "escrow_feepolicy",
    ],
)
def test_every_list_page_renders(ops_client, funded_shop, merchant, creator, name):
    """A3: ops reach every task and order record in the admin."""
    _disputed_order(funded_shop, merchant, creator)
    assert ops_client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_order_page_ledger_lines_include_its_share_of_a_combined_payment(
    ops_client, funded_shop, merchant, creator
):
    """T42/E2: the order's ledger lines are its own transactions and the lines on its escrow
    in a combined balance payment — not the other order's line of that payment."""
    from escrow.models import Entry
    from tests.tasks.test_private_and_deposit import _accepted_deposit, _ok, _paid, _post

    first = _accepted_deposit(merchant, creator)  # ¥1,000.00
    second = _paid(merchant, creator, payment="deposit", price="3000.00")
    _ok(creator, f"orders/{second}/accept/")
    assert _post(merchant, "payments/balances/", {"orders": [first, second]}).status_code == 200
    combined = JournalTransaction.objects.get(order=None, kind="hold")
    own = set(JournalTransaction.objects.filter(order_id=first).values_list("pk", flat=True))

    html = ops_client.get(reverse("admin:tasks_order_change", args=[first])).content.decode()

    shown = {int(t) for t in __import__("re").findall(r"<td>#(\d+)</td>", html)}
    assert shown == own | {combined.pk}
    # of the combined payment, only the line on this order's escrow
    from core.money import format_cny

    lines = Entry.objects.filter(transaction=combined)
    assert lines.count() == 3  # two escrows and the wallet
    assert html.count(f"<td>#{combined.pk}</td>") == 1
    mine = lines.get(account__order_id=first).amount_fen
    theirs = lines.get(account__order_id=second).amount_fen
    assert format_cny(mine) in html and format_cny(theirs) not in html


def test_large_admin_lists_page_newest_first_with_a_creation_filter(
    ops_client, funded_shop, merchant
):
    """Ops lists of tables that grow to millions (tasks, orders, the ledger, notifications) page
    newest first by id without counting the whole table again, and filter by creation date."""
    from tests.tasks.test_tenancy_and_queries import _plaza_task

    tasks = [_plaza_task(funded_shop, merchant, title=f"任务{i}") for i in range(3)]
    page = ops_client.get(reverse("admin:tasks_task_changelist"))
    assert [t.pk for t in page.context["cl"].result_list] == sorted(
        (t.pk for t in tasks), reverse=True
    )
    assert page.context["cl"].show_full_result_count is False
    today = ops_client.get(
        reverse("admin:tasks_task_changelist"), {"created_at__gte": "2000-01-01 00:00:00+08:00"}
    )
    assert today.status_code == 200 and today.context["cl"].result_count == 3
    for name in (
        "admin:tasks_order_changelist",
        "admin:tasks_application_changelist",
        "admin:escrow_journaltransaction_changelist",
        "admin:escrow_entry_changelist",
        "admin:marketplace_notification_changelist",
    ):
        assert (
            ops_client.get(
                reverse(name), {"created_at__gte": "2000-01-01 00:00:00+08:00"}
            ).status_code
            == 200
        )
