"""Builders of the world the tests start from, driven through the real services.

Every builder walks an order the way production does (task_create, order_pay, order_accept,
order_pay_balance, order_deliver, order_confirm), so a test that starts from "a delivered order"
starts from the same rows, ledger entries and notifications a real delivered order has.
The defaults are the ones most suites used; pass `title=`, `brief=`, `price_fen=`, `days=`,
`payment=` where a test needs its own.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tasks import services
from tasks.models import Order, OrderStatus, Task

PRICE_FEN = 100_000  # ¥1,000.00
LINK = "https://v.taobao.com/v/1001"


def private_task(
    shop,
    merchant,
    creator,
    *,
    title: str = "新品开箱视频",
    brief: str = "60 秒开箱视频",
    channel: str = "toutiao",
    price_fen: int = PRICE_FEN,
    days: float = 10,
    payment: str = "full",
) -> Task:
    """A private task of `shop` naming `creator` (a user), posted by `merchant`; its order
    (`task.order`) awaits payment. The delivery deadline is `days` from now."""
    return services.task_create(
        actor=merchant,
        mode="private",
        title=title,
        brief=brief,
        content_type="video",
        channel=channel,
        price_fen=price_fen,
        delivery_deadline=timezone.now() + timedelta(days=days),
        shop=shop,
        creator=creator.creator_profile,
        payment=payment,
    )


def private_order(shop, merchant, creator, **task_fields) -> Order:
    """The order of a fresh private task (see `private_task`), awaiting payment."""
    return private_task(shop, merchant, creator, **task_fields).order


def fresh(order: Order) -> Order:
    """The order as the database has it now."""
    return Order.objects.get(pk=order.pk)


def order_in(
    state: str,
    shop,
    merchant,
    creator,
    *,
    joint: bool = False,
    links=(LINK,),
    note: str = "",
    accept_price_fen: int | None = None,
    payment: str | None = None,
    **task_fields,
) -> Order:
    """A private order walked through the services to `state`, read back from the database.

    States: pending_payment, awaiting_acceptance, awaiting_balance, in_production, delivered,
    completed (confirmed with 5 stars). `payment` defaults to "deposit" for awaiting_balance
    and "full" otherwise; a deposit order's balance is paid on the way past awaiting_balance.
    `accept_price_fen` is the creator's counter-price when accepting; `links` and `joint` go
    to the delivery, with its `note`.
    """
    if payment is None:
        payment = "deposit" if state == OrderStatus.AWAITING_BALANCE else "full"
    order = private_order(shop, merchant, creator, payment=payment, **task_fields)
    if state == OrderStatus.PENDING_PAYMENT:
        return order
    services.order_pay(order=order, actor=merchant)
    if state == OrderStatus.AWAITING_ACCEPTANCE:
        return fresh(order)
    accept = {} if accept_price_fen is None else {"price_fen": accept_price_fen}
    order = services.order_accept(order=fresh(order), actor=creator, **accept)
    if state == OrderStatus.AWAITING_BALANCE:
        assert order.status == OrderStatus.AWAITING_BALANCE, order.status
        return fresh(order)
    if order.status == OrderStatus.AWAITING_BALANCE:
        services.order_pay_balance(order=order, actor=merchant)
    if state == OrderStatus.IN_PRODUCTION:
        return fresh(order)
    services.order_deliver(
        order=fresh(order), actor=creator, links=list(links), note=note, is_joint_content=joint
    )
    if state == OrderStatus.DELIVERED:
        return fresh(order)
    assert state == OrderStatus.COMPLETED, f"order_in cannot build a {state!r} order"
    services.order_confirm(order=fresh(order), actor=merchant, rating=5)
    return fresh(order)


def delivered_order(shop, merchant, creator, **kwargs) -> Order:
    """A private order paid (its balance too, for a deposit order), accepted and delivered."""
    return order_in(OrderStatus.DELIVERED, shop, merchant, creator, **kwargs)


def plaza_task_with_orders(shop, merchant, creators) -> tuple[Task, list[Order]]:
    """T10/T11: a plaza image-text task of `shop` with one slot per creator; each of `creators`
    (users) applied and was approved, enrollment closed and the task was paid: one order each,
    in production, returned in the order they were made."""
    task = services.task_create(
        actor=merchant,
        mode="plaza",
        title="广场种草任务",
        brief="种草图文",
        content_type="image_text",
        channel="toutiao",
        price_fen=PRICE_FEN,
        slots=len(creators),
        enrollment_deadline=timezone.now() + timedelta(days=3),
        delivery_deadline=timezone.now() + timedelta(days=10),
        shop=shop,
    )
    for creator in creators:
        application = services.application_create(task=task, actor=creator)
        services.application_approve(application=application, actor=merchant)
    services.task_close_enrollment(task=task, actor=merchant)
    orders = services.plaza_task_pay(task=task, actor=merchant)
    return task, sorted(orders, key=lambda order: order.pk)
