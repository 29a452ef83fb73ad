"""The row locks of tasks and orders, and the one order every service takes them in.

A service that locks more than one row takes them in this order, so two transactions never
wait for each other in a circle (a deadlock):

    task → orders (by primary key) → application or proposal → ledger accounts (by primary key,
    inside escrow.services.post_transaction) → creator profile

`tasks` owns the order lock: the escrow services move an order's money on the understanding that
the caller holds the lock on that order (taken here), and lock only their own accounts.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Subquery

from parties.models import Membership, PaymentAccount, User

from .models import Application, Order, Proposal, Task


def lock_task(task: Task | int) -> Task:
    """Re-read the task under a row lock (with its channel, which every task rule reads)."""
    pk = task.pk if isinstance(task, Task) else task
    return Task.objects.select_for_update().select_related("channel").get(pk=pk)


def lock_order(
    order: Order | int, *, member: User | None = None, with_application: bool = False
) -> Order:
    """Re-read the order under a row lock; the state seen after this is the state that counts.

    The same statement answers what the step would otherwise ask next (issue 20): with
    `member`, whether that user is a member of the order's shop (`actor_is_shop_member`, read
    by common.require_merchant_of_order) and whether the shop has a bound payment account
    (`order.shop.has_bound_account`, read by parties.services.shop_can_pay, M2); with
    `with_application`, the id of the recruitment application the order came from
    (`linked_application_id`, or None)."""
    pk = order.pk if isinstance(order, Order) else order
    # Only the relations every order service reads: each joined table costs the planner
    # time on every call (2.5 ms with six tables, B2 in docs/performance.md).
    rows = Order.objects.select_for_update(of=("self",)).select_related("shop", "creator__user")
    if member is not None:
        rows = rows.annotate(
            actor_is_shop_member=Exists(
                Membership.objects.filter(
                    user_id=member.pk, organization_id=OuterRef("shop__organization_id")
                )
            ),
            shop_has_bound_account=Exists(
                PaymentAccount.objects.filter(shop_id=OuterRef("shop_id"), unbound_at__isnull=True)
            ),
        )
    if with_application:
        rows = rows.annotate(
            linked_application_id=Subquery(
                Application.objects.filter(order_id=OuterRef("pk")).values("pk")[:1]
            )
        )
    locked = rows.get(pk=pk)
    if member is not None:
        locked.shop.has_bound_account = locked.shop_has_bound_account
    return locked


def lock_orders(orders: Iterable[Order | int]) -> list[Order]:
    """Several orders, locked one by one in primary-key order (the fixed order above)."""
    pks = sorted({order.pk if isinstance(order, Order) else int(order) for order in orders})
    return [lock_order(pk) for pk in pks]


def lock_application(application: Application | int) -> Application:
    pk = application.pk if isinstance(application, Application) else application
    return Application.objects.select_for_update(of=("self",)).select_related("task").get(pk=pk)


def lock_proposal(proposal: Proposal | int) -> Proposal:
    pk = proposal.pk if isinstance(proposal, Proposal) else proposal
    return Proposal.objects.select_for_update(of=("self",)).select_related("task").get(pk=pk)
