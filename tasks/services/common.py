"""What every task and order service shares: locks, party checks, refusals, the audit log.

The row locks and the one order they are taken in live in tasks/locks.py.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.contenttypes.models import ContentType as DjangoContentType
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed, can_proceed
from django_fsm_log.models import StateLog

from core.exceptions import InvalidInput, NotAllowed, WrongSide
from parties.models import CreatorProfile, Membership, MerchantShop, User
from parties.selectors import delegated_shop_org_ids
from tasks.exceptions import DeadlinePassed, InvalidState
from tasks.models import Order, Task


def now() -> datetime:
    return timezone.now()


# --- parties -------------------------------------------------------------------------------


def is_shop_member(*, shop: MerchantShop | None, user: User) -> bool:
    if shop is None or not user.is_authenticated:
        return False
    return user.memberships.filter(organization_id=shop.organization_id).exists()


def acts_for_shop(*, shop: MerchantShop | None, user: User) -> bool:
    """P6: the shop's members, and the staff of a service provider it delegated its tasks to,
    manage its tasks (post, pick creators, stop enrollment). Money stays with the members:
    paying services check `require_merchant_of`."""
    if is_shop_member(shop=shop, user=user):
        return True
    if shop is None or not user.is_authenticated:
        return False
    return delegated_shop_org_ids(user).filter(organization_id=shop.organization_id).exists()


def shop_users(shop: MerchantShop) -> list[User]:
    """Everyone who acts for the shop: they all see its events (D5)."""
    return shop_users_by_org([shop.organization_id]).get(shop.organization_id, [])


def shop_users_by_org(organization_ids) -> dict[int, list[User]]:
    """shop_users for many shops at once: organization id → its members (one query)."""
    users: dict[int, list[User]] = {}
    for membership in Membership.objects.filter(
        organization_id__in=organization_ids
    ).select_related("user"):
        users.setdefault(membership.organization_id, []).append(membership.user)
    return users


def require_merchant_of(*, shop: MerchantShop, actor: User) -> None:
    if not is_shop_member(shop=shop, user=actor):
        raise WrongSide(_("Only the merchant of this order can do this."))


def require_merchant_of_order(order: Order, actor: User) -> None:
    """require_merchant_of, read from the lock's answer when the order was locked with
    `lock_order(order, member=actor)` (no query of its own)."""
    member = getattr(order, "actor_is_shop_member", None)
    if member is None:
        require_merchant_of(shop=order.shop, actor=actor)
    elif not member:
        raise WrongSide(_("Only the merchant of this order can do this."))


def require_creator_of(*, creator: CreatorProfile, actor: User) -> None:
    if creator.user_id != actor.pk:
        raise WrongSide(_("Only the creator of this order can do this."))


def order_parties(order: Order) -> list[User]:
    return [*shop_users(order.shop), order.creator.user]


def task_owners(task: Task) -> list[User]:
    if task.shop_id:
        return shop_users(task.shop)
    return [task.creator.user]


def is_task_owner(*, task: Task, user: User) -> bool:
    if task.creator_id:
        return task.creator.user_id == user.pk
    return acts_for_shop(shop=task.shop, user=user)


def require_task_owner(*, task: Task, actor: User) -> None:
    if not is_task_owner(task=task, user=actor):
        raise WrongSide(_("Only the task's owner can do this."))


# --- refusals ------------------------------------------------------------------------------


def refuse_state(obj, action: str) -> NotAllowed:
    """409 for a transition the current state does not allow (DESIGN §5)."""
    return InvalidState(
        _("This %(what)s is %(status)s: you cannot %(action)s it now.")
        % {
            "what": obj._meta.verbose_name,
            "status": obj.get_status_display(),
            "action": action,
        },
    )


def run_transition(obj, method_name: str, action: str, *, log: bool = True, **kwargs):
    """Call an FSM transition; a state that does not allow it becomes a 409.

    T70: django-fsm-log writes the state-log row of every model's transition but an order's
    (settings.DJANGO_FSM_LOG_IGNORED_MODELS): an order's row is written here, or — with
    `log=False` — by the caller's order step (tasks.services.steps), which posts it in the same
    round trip as the order."""
    method = getattr(obj, method_name)
    if not can_proceed(method):
        raise refuse_state(obj, action)
    source = obj.status
    try:
        result = method(**kwargs)
    except TransitionNotAllowed:
        raise refuse_state(obj, action) from None
    if log and isinstance(obj, Order):
        StateLog.objects.create(
            **order_log_fields(
                obj,
                transition=method_name,
                source=source,
                by=kwargs.get("by"),
                description=kwargs.get("description"),
                at=timezone.now(),
            )
        )
    return result


def order_log_fields(order: Order, *, transition: str, source: str, by, description, at) -> dict:
    """The state-log row (T70) of an order's transition from `source`, as model fields."""
    return {
        "timestamp": at,
        "by": by,
        "source_state": source,
        "state": order.status,
        "transition": transition,
        "content_type": DjangoContentType.objects.get_for_model(order),
        "object_id": order.pk,
        "description": description,
    }


def deadline_passed(message: str) -> NotAllowed:
    return DeadlinePassed(message)


def invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: [message]})


# --- T70: a creation is logged like a transition, from no state --------------------------


def log_creation(obj: Model, *, by: User | None, description: str = "") -> None:
    StateLog.objects.create(
        content_type=DjangoContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        source_state=None,
        state=obj.status,
        transition="create",
        by=by,
        description=description or None,
    )
