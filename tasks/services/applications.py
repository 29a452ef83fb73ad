"""Applications to plaza and recruitment tasks, and the plaza payment (T10–T13, T20)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import NotAllowed, WrongSide
from escrow import services as escrow
from escrow.memos import memo
from parties.models import MerchantShop, User
from parties.notifications import notify
from parties.services.sanctions import require_not_banned
from tasks.caching import plaza_changed
from tasks.exceptions import AlreadyApplied, EnrollmentClosed, InvalidState, SlotsFull
from tasks.models import (
    ACTIVE_APPLICATION_STATUSES,
    Application,
    ApplicationStatus,
    Order,
    OrderKind,
    OrderStatus,
    Task,
    TaskMode,
    TaskStatus,
)

from ..locks import lock_application, lock_task
from .common import (
    deadline_passed,
    invalid,
    log_creation,
    now,
    refuse_state,
    require_merchant_of,
    require_task_owner,
    run_transition,
    task_owners,
)
from .orders import order_accept, order_cancel, order_create, order_decline, order_pay
from .tasks import close_enrollment_locked

MAX_NOTE = 2000


def _check_enrollment_open(task: Task, at) -> None:
    if task.status != TaskStatus.OPEN:
        raise EnrollmentClosed(_("Enrollment for this task has stopped."))
    if task.enrollment_is_over(at):
        raise deadline_passed(_("The enrollment deadline of this task has passed."))


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise invalid("note", _("At most %(max)s characters.") % {"max": MAX_NOTE})
    return note


@transaction.atomic
def application_create(
    *, task: Task, actor: User, note: str = "", shop: MerchantShop | None = None
) -> Application:
    """T10: a creator applies to a plaza task. T20: a merchant applies to a recruitment task by
    paying its price into escrow; the answer carries the order, awaiting the creator."""
    note = _clean_note(note)
    # S1/S2: a banned creator, merchant or shop cannot apply.
    require_not_banned(user=actor, organizations=[shop.organization_id] if shop else [])
    task = lock_task(task)
    at = now()
    if task.mode == TaskMode.PLAZA:
        profile = getattr(actor, "creator_profile", None) if actor.is_creator else None
        if profile is None:
            raise WrongSide(_("Only creators apply to plaza tasks."))
        _check_enrollment_open(task, at)
        if task.applications.filter(
            creator=profile, status__in=ACTIVE_APPLICATION_STATUSES
        ).exists():
            raise AlreadyApplied(_("You have already applied to this task."))
        application = Application.objects.create(
            task=task, creator=profile, applied_by=actor, note=note
        )
        log_creation(application, by=actor)
        notify(
            task_owners(task),
            "application_received",
            task=task,
            title=task.title,
            applicant=profile.display_name,
        )
        return application

    if task.mode != TaskMode.RECRUITMENT:
        raise InvalidState(_("This task does not take applications."))
    if not actor.is_merchant or shop is None:
        raise WrongSide(_("Only merchants apply to recruitment tasks."))
    _check_enrollment_open(task, at)
    if at >= task.delivery_deadline:
        raise deadline_passed(_("The delivery deadline of this task has passed."))
    if task.applications.filter(shop=shop, status__in=ACTIVE_APPLICATION_STATUSES).exists():
        raise AlreadyApplied(
            _("This shop has already applied to this task; see its order."),
        )
    if task.slots is not None:
        taken = task.applications.filter(status__in=ACTIVE_APPLICATION_STATUSES).count()
        if taken >= task.slots:
            raise SlotsFull(
                _("All %(slots)s places of this recruitment task are taken.")
                % {"slots": task.slots},
            )
        if taken + 1 == task.slots:
            plaza_changed()  # this application takes the last place
    order = order_create(
        kind=OrderKind.RECRUITMENT,
        task=task,
        shop=shop,
        creator=task.creator,
        price_fen=task.price_fen,
        actor=actor,
    )
    application = Application.objects.create(
        task=task, shop=shop, order=order, applied_by=actor, note=note
    )
    log_creation(application, by=actor)
    order_pay(order=order, actor=actor)  # T20: the application is the payment
    return application


@transaction.atomic
def application_approve(*, application: Application, actor: User) -> Application:
    """T10/T12: the owner approves a plaza application while enrollment is open and within the
    task's slots. T20: the creator approves a merchant's recruitment application: its order
    goes into production."""
    if application.order_id:
        order_accept(order=application.order, actor=actor)
        return Application.objects.get(pk=application.pk)
    task = lock_task(application.task_id)
    require_task_owner(task=task, actor=actor)
    # S1/S2: a banned shop (or account) accepts no creator.
    require_not_banned(
        user=actor, organizations=[task.shop.organization_id] if task.shop_id else []
    )
    application = lock_application(application)
    if application.status != ApplicationStatus.PENDING:
        raise refuse_state(application, _("approve"))
    at = now()
    if task.status != TaskStatus.OPEN or task.enrollment_is_over(at):
        raise EnrollmentClosed(
            _("Enrollment has stopped; applications can no longer be approved."),
        )
    approved = task.applications.filter(status=ApplicationStatus.APPROVED).count()
    if task.slots is not None and approved >= task.slots:
        raise SlotsFull(
            _("All %(slots)s slots of this task are filled.") % {"slots": task.slots},
        )
    run_transition(application, "approve", _("approve"), at=at, by=actor)
    application.save()
    if task.slots is not None and approved + 1 == task.slots:
        plaza_changed()  # this approval fills the last slot
    notify([application.creator.user], "application_approved", task=task, title=task.title)
    return application


@transaction.atomic
def application_reject(*, application: Application, actor: User) -> Application:
    """T10: the owner rejects a plaza application. T20: the creator rejects a recruitment
    application: the order ends and the merchant is refunded at once."""
    if application.order_id:
        order_decline(order=application.order, actor=actor)
        return Application.objects.get(pk=application.pk)
    task = lock_task(application.task_id)
    require_task_owner(task=task, actor=actor)
    application = lock_application(application)
    run_transition(application, "reject", _("reject"), at=now(), by=actor)
    application.save()
    notify([application.creator.user], "application_rejected", task=task, title=task.title)
    return application


@transaction.atomic
def application_withdraw(*, application: Application, actor: User) -> Application:
    """The applicant takes its application back: a creator before the plaza task is paid; a
    merchant before the creator answers (its payment is refunded, like a cancel)."""
    if application.order_id:
        order_cancel(order=application.order, actor=actor)
        return Application.objects.get(pk=application.pk)
    task = lock_task(application.task_id)
    application = lock_application(application)
    if application.creator.user_id != actor.pk:
        raise WrongSide(_("Only the applicant can withdraw an application."))
    if task.status not in (TaskStatus.OPEN, TaskStatus.ENROLLMENT_CLOSED):
        raise refuse_state(application, _("withdraw"))
    run_transition(application, "withdraw", _("withdraw"), at=now(), by=actor)
    application.save()
    notify(
        task_owners(task),
        "application_withdrawn",
        task=task,
        title=task.title,
        applicant=application.creator.display_name,
    )
    return application


@transaction.atomic
def plaza_task_pay(*, task: Task, actor: User) -> list[Order]:
    """T11: once enrollment has stopped, pay price × approved applications (plus the fee, E10)
    in one payment; each approved application becomes an order in production.

    Paying earlier is refused (T12). A task whose enrollment deadline passed but which the
    sweeper has not closed yet is closed here first (D3).
    """
    task = lock_task(task)
    # Paying is the shop's own: a provider managing the task for it (P6) never pays.
    if task.shop_id:
        require_merchant_of(shop=task.shop, actor=actor)
    require_task_owner(task=task, actor=actor)
    if task.mode != TaskMode.PLAZA:
        raise refuse_state(task, _("pay"))
    at = now()
    if task.status == TaskStatus.OPEN:
        if not task.enrollment_is_over(at):
            raise NotAllowed(
                _(
                    "Stop enrollment before paying: a plaza task is paid once enrollment has "
                    "stopped (T11, T12)."
                ),
                code="enrollment_open",
            )
        # Not swept yet: enrollment ended at its deadline, and so the 7 days to pay started then.
        close_enrollment_locked(task, actor=None, at=task.enrollment_deadline)
    if task.status != TaskStatus.ENROLLMENT_CLOSED:
        raise refuse_state(task, _("pay"))
    if task.payment_due_at is not None and at >= task.payment_due_at:
        raise deadline_passed(_("The 7 days to pay this task are over."))
    if at >= task.delivery_deadline:
        raise deadline_passed(_("The delivery deadline of this task has passed."))
    applications = list(
        task.applications.select_for_update(of=("self",))
        .filter(status=ApplicationStatus.APPROVED)
        .select_related("creator__user")
        .order_by("pk")
    )
    if not applications:
        raise NotAllowed(_("No application is approved; there is nothing to pay."), code="empty")
    orders = []
    for application in applications:
        order = order_create(
            kind=OrderKind.PLAZA,
            task=task,
            shop=task.shop,
            creator=application.creator,
            price_fen=task.price_fen,
            actor=actor,
            status=OrderStatus.IN_PRODUCTION,
        )
        Application.objects.filter(pk=application.pk).update(order=order)
        orders.append(order)
    escrow.escrow_hold_many(
        shop=task.shop,
        holds=[(order, order.total_fen) for order in orders],
        actor=actor,
        memo=memo("plaza_task", task.pk),
    )
    Order.objects.filter(pk__in=[order.pk for order in orders]).update(paid_at=at)
    run_transition(task, "mark_paid", _("pay"), by=actor)
    task.save()
    for order in orders:
        notify(
            [order.creator.user],
            "order_started",
            order=order,
            title=order.title,
            deadline_at=order.delivery_deadline,
        )
    return orders


__all__ = [
    "application_approve",
    "application_create",
    "application_reject",
    "application_withdraw",
    "plaza_task_pay",
]
