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

from django.db import connection
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from parties.models import CreatorProfile, Membership, MerchantShop, PaymentAccount, Sanction, User
from parties.services.sanctions import bans_in_force

from .models import Application, Order, Proposal, Task


def lock_task(task: Task | int) -> Task:
    """Re-read the task under a row lock (with its channel, which every task rule reads)."""
    pk = task.pk if isinstance(task, Task) else task
    return Task.objects.select_for_update().select_related("channel").get(pk=pk)


def lock_order(
    order: Order | int,
    *,
    member: User | None = None,
    with_application: bool = False,
    unbanned: User | None = None,
) -> Order:
    """Re-read the order under a row lock; the state seen after this is the state that counts.

    The order comes with its shop and its creator with the creator's user (what every order
    service reads), and the same statement answers what the step would otherwise ask next
    (issue 20):

    - `member`: whether that user is a member of the order's shop (`actor_is_shop_member`, read
      by common.require_merchant_of_order) and whether the shop has a bound payment account
      (`order.shop.has_bound_account`, read by parties.services.shop_can_pay, M2);
    - `with_application`: the id of the recruitment application the order came from
      (`linked_application_id`, or None);
    - `unbanned`: whether a ban or restriction of that user is in force
      (`actor_may_be_banned`; the service asks parties for the details only when it is).

    On PostgreSQL the statement is built once per combination from the models' columns and the
    rows become instances with Model.from_db (`_lock_order_sql`): building and compiling the
    queryset cost more than the statement itself (B2). Elsewhere it is the queryset;
    tests/tasks/test_order_steps.py checks both give the same instances and answers."""
    pk = order.pk if isinstance(order, Order) else order
    lock = _lock_order_sql if connection.vendor == "postgresql" else _lock_order_queryset
    return lock(pk, member=member, application=with_application, banned=unbanned)


def _lock_order_queryset(pk: int, *, member, application: bool, banned) -> Order:
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
    if application:
        rows = rows.annotate(
            linked_application_id=Subquery(
                Application.objects.filter(order_id=OuterRef("pk")).values("pk")[:1]
            )
        )
    if banned is not None:
        rows = rows.annotate(
            actor_may_be_banned=Exists(
                Sanction.objects.filter(bans_in_force(now=timezone.now()), user_id=banned.pk)
            )
        )
    locked = rows.get(pk=pk)
    if member is not None:
        locked.shop.has_bound_account = locked.shop_has_bound_account
    return locked


# The relations a locked order comes with: (model, alias, how it joins).
_LOCK_JOINS = (
    (Order, "o", None),
    (MerchantShop, "s", "JOIN marketplace_merchantshop s ON s.id = o.shop_id"),
    (CreatorProfile, "c", "JOIN marketplace_creatorprofile c ON c.id = o.creator_id"),
    (User, "u", "JOIN marketplace_user u ON u.id = c.user_id"),
)
_LOCK_ANSWERS = {
    "member": (
        "EXISTS (SELECT 1 FROM marketplace_membership m WHERE m.user_id = %(member)s"
        " AND m.organization_id = s.organization_id)",
        "EXISTS (SELECT 1 FROM marketplace_paymentaccount p WHERE p.shop_id = o.shop_id"
        " AND p.unbound_at IS NULL)",
    ),
    "application": ("(SELECT a.id FROM tasks_application a WHERE a.order_id = o.id LIMIT 1)",),
    # the same condition as parties.services.sanctions.bans_in_force
    "banned": (
        "EXISTS (SELECT 1 FROM marketplace_sanction b WHERE b.user_id = %(banned)s"
        " AND b.kind IN ('ban', 'restriction') AND b.lifted_at IS NULL"
        " AND b.starts_at <= %(now)s AND (b.is_permanent OR b.ends_at > %(now)s))",
    ),
}
_lock_statements: dict[tuple[str, ...], str] = {}


def _lock_statement(answers: tuple[str, ...]) -> str:
    statement = _lock_statements.get(answers)
    if statement is None:
        columns = [
            f'{alias}."{field.column}"'
            for model, alias, _join in _LOCK_JOINS
            for field in model._meta.concrete_fields
        ]
        columns += [sql for name in answers for sql in _LOCK_ANSWERS[name]]
        joins = " ".join(join for _model, _alias, join in _LOCK_JOINS if join)
        statement = (
            f"SELECT {', '.join(columns)} FROM tasks_order o {joins}"
            " WHERE o.id = %(pk)s FOR UPDATE OF o"
        )
        _lock_statements[answers] = statement
    return statement


def _lock_order_sql(pk: int, *, member, application: bool, banned) -> Order:
    answers = tuple(
        name
        for name, wanted in (
            ("member", member is not None),
            ("application", application),
            ("banned", banned is not None),
        )
        if wanted
    )
    params = {"pk": pk}
    if member is not None:
        params["member"] = member.pk
    if banned is not None:
        params["banned"], params["now"] = banned.pk, timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_lock_statement(answers), params)
        row = cursor.fetchone()
    if row is None:
        raise Order.DoesNotExist("Order matching query does not exist.")
    instances, start = [], 0
    for model, _alias, _join in _LOCK_JOINS:
        fields = model._meta.concrete_fields
        names = [field.attname for field in fields]
        instances.append(model.from_db(connection.alias, names, row[start : start + len(fields)]))
        start += len(fields)
    order, shop, creator, user = instances
    creator.user = user
    order.shop, order.creator = shop, creator
    extra = iter(row[start:])
    if member is not None:
        order.actor_is_shop_member = next(extra)
        order.shop_has_bound_account = shop.has_bound_account = next(extra)
    if application:
        order.linked_application_id = next(extra)
    if banned is not None:
        order.actor_may_be_banned = next(extra)
    return order


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
