"""An order step: every row one order action writes, in one round trip on PostgreSQL (issue 20).

A service locks the order (tasks.locks.lock_order), checks the actor, the state and the due
time, then:

    step = OrderStep.begin(order, "pay", _("pay"), at=at, by=actor)   # the FSM transition
    step.finish(move=escrow.hold_move(...), notices=[StepNotice(...)])

`begin` runs the transition in Python (the rules of the state machine stay on the model) and
remembers the columns it changed; `finish` writes the order's changed columns, its state-log
row (T70), at most one journal transaction (E2–E4), the inbox lines (D5) and, for a confirm, the
review with the creator's running rating sums (C1):

- on PostgreSQL, by one call of the database function tasks_order_step (tasks migration 0011,
  which posts the money through escrow_post, escrow migration 0005): no account reads, no
  savepoints, no re-reads;
- on SQLite (`make run`), or with settings.ORDER_STEPS_IN_DATABASE off, through the ORM.

Both paths lock in the fixed order of tasks/locks.py (the order, then the accounts by primary
key, then the creator profile), refuse before writing (a refused move raises the same
exception either way, and the service's transaction rolls back), and write the same rows:
tests/tasks/test_order_steps.py runs the flows through both on PostgreSQL and compares every
row. A refusal (not enough money, E3) leaves nothing behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_fsm_log.models import StateLog

from escrow.services import MoneyMove, move_money, refusal_of
from parties.models import CreatorProfile, User
from parties.navigation import navigation_changed
from parties.notifications import Notice, notify_many, stored_params
from tasks.models import Order, Review

from .common import order_log_fields, run_transition, shop_users_by_org

STEP_SQL = "SELECT tasks_order_step(%s, %s, %s::jsonb, %s::jsonb, %s::jsonb, %s::jsonb, %s::jsonb)"


@dataclass(frozen=True)
class StepNotice:
    """One inbox event of a step: told to `users` and to every member of `organizations`
    (a shop's organization: its members are read where the line is written)."""

    kind: str
    params: dict = field(default_factory=dict)
    users: tuple[User, ...] = ()
    organizations: tuple[int, ...] = ()


@dataclass(frozen=True)
class StepReview:
    """T52: the merchant's rating of a confirmed order (C1 adds it to the creator's sums)."""

    rating: int
    comment: str
    by: User


def rating_of(total: int, count: int) -> Decimal:
    """C1: the average rating, to two decimals, rounded half up (as PostgreSQL's round)."""
    if not count:
        return Decimal("0")
    return (Decimal(total) / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _columns(order: Order) -> dict:
    return {f.attname: getattr(order, f.attname) for f in Order._meta.concrete_fields}


def _json_value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def in_database() -> bool:
    return connection.vendor == "postgresql" and settings.ORDER_STEPS_IN_DATABASE


@dataclass
class OrderStep:
    order: Order
    transition: str
    source: str
    by: User | None
    description: str | None
    changed: dict

    @classmethod
    def begin(
        cls,
        order: Order,
        method_name: str,
        action: str,
        *,
        by: User | None,
        description: str | None = None,
        **transition_kwargs,
    ) -> OrderStep:
        """Run the FSM transition `method_name` on the locked `order` (a refused one is a 409)
        and remember what it changed; nothing is written yet."""
        source, before = order.status, _columns(order)
        run_transition(
            order,
            method_name,
            action,
            log=False,
            by=by,
            description=description,
            **transition_kwargs,
        )
        changed = {name: value for name, value in _columns(order).items() if before[name] != value}
        return cls(order, method_name, source, by, description, changed)

    def also_changed(self, **columns) -> None:
        """Columns the service set besides the transition's (a deposit order's new price)."""
        for name, value in columns.items():
            setattr(self.order, name, value)
            self.changed[name] = value

    def finish(
        self,
        *,
        move: MoneyMove | None = None,
        notices: list[StepNotice] = (),
        review: StepReview | None = None,
    ):
        """Write the step's rows (see the module). Returns the journal transaction's id, or
        None when the step moves no money. A refused move raises and nothing is left behind
        once the caller's transaction rolls back."""
        at = timezone.now()
        if in_database():
            return self._finish_in_database(at, move, list(notices), review)
        return self._finish_in_python(at, move, list(notices), review)

    def _log_fields(self, at) -> dict:
        return order_log_fields(
            self.order,
            transition=self.transition,
            source=self.source,
            by=self.by,
            description=self.description,
            at=at,
        )

    # --- PostgreSQL: one call ----------------------------------------------------------------

    def _finish_in_database(self, at, move, notices, review):
        order = self.order
        log = self._log_fields(at)
        log_json = {
            "timestamp": at.isoformat(),
            "by": self.by.pk if self.by is not None else None,
            "source_state": log["source_state"],
            "state": log["state"],
            "transition": log["transition"],
            "content_type": log["content_type"].pk,
            "description": log["description"],
        }
        notices_json = [
            {
                "kind": notice.kind,
                "params": stored_params(notice.params),
                "users": sorted({user.pk for user in notice.users if user is not None}),
                "organizations": list(notice.organizations),
                "order": order.pk,
                "task": None,
                "at": at.isoformat(),
            }
            for notice in notices
        ]
        review_json = None
        if review is not None:
            review_json = {
                "rating": review.rating,
                "comment": review.comment,
                "by": review.by.pk,
                "creator": order.creator_id,
                "at": at.isoformat(),
            }
        with connection.cursor() as cursor:
            cursor.execute(
                STEP_SQL,
                [
                    order.pk,
                    self.source,
                    json.dumps({name: _json_value(value) for name, value in self.changed.items()}),
                    json.dumps(log_json),
                    json.dumps(move.as_json(at=at)) if move is not None else None,
                    json.dumps(notices_json),
                    json.dumps(review_json) if review_json is not None else None,
                ],
            )
            result = cursor.fetchone()[0]
        if isinstance(result, str):
            result = json.loads(result)
        refusal = refusal_of(result)
        if refusal is not None:
            raise refusal
        # the inbox lines were written in the database: their readers' badges are forgotten
        # (as notify_many does on the ORM path)
        navigation_changed(result.get("notified") or (), after_commit=False)
        return result.get("transaction")

    # --- the ORM (SQLite, and the comparison test) -------------------------------------------

    def _finish_in_python(self, at, move, notices, review):
        order = self.order
        journal = move_money(move) if move is not None else None
        names = {f.attname: f.name for f in Order._meta.concrete_fields}
        order.save(update_fields=[names[attname] for attname in self.changed])
        StateLog.objects.create(**self._log_fields(at))
        members = shop_users_by_org({org for notice in notices for org in notice.organizations})
        notify_many(
            Notice(
                [
                    *notice.users,
                    *(user for org in notice.organizations for user in members.get(org, [])),
                ],
                notice.kind,
                order=order,
                params=notice.params,
            )
            for notice in notices
        )
        if review is not None:
            Review.objects.create(
                order=order, rating=review.rating, comment=review.comment, created_by=review.by
            )
            profile = (
                CreatorProfile.objects.select_for_update()
                .only("rating_total", "rating_count")
                .get(pk=order.creator_id)
            )
            total, count = profile.rating_total + review.rating, profile.rating_count + 1
            CreatorProfile.objects.filter(pk=order.creator_id).update(
                rating_total=total, rating_count=count, rating=rating_of(total, count)
            )
        return journal.pk if journal is not None else None
