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

from .models import Application, Order, Proposal, Task


def lock_task(task: Task | int) -> Task:
    """Re-read the task under a row lock (with its channel, which every task rule reads)."""
    pk = task.pk if isinstance(task, Task) else task
    return Task.objects.select_for_update().select_related("channel").get(pk=pk)


def lock_order(order: Order | int) -> Order:
    """Re-read the order under a row lock; the state seen after this is the state that counts."""
    pk = order.pk if isinstance(order, Order) else order
    # Only the relations every order service reads: each joined table costs the planner
    # time on every call (2.5 ms with six tables, B2 in docs/performance.md).
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("shop", "creator__user")
        .get(pk=pk)
    )


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
