"""Posting, cancelling and closing tasks (T1–T5, T10, T13, T20, T30, T40, M4)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlparse

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import Banned, InvalidInput, NotAllowed, WrongSide
from core.uploads import detect, markup_problem
from parties.models import ContentType, CreatorProfile, MerchantShop, Platform, User
from parties.notifications import notify
from parties.services.sanctions import require_not_banned
from tasks.caching import plaza_changed
from tasks.exceptions import InvalidState
from tasks.models import (
    ACTIVE_APPLICATION_STATUSES,
    LOGO_MAX_BYTES,
    LOGO_TYPES,
    MAX_SPONSORED_PRODUCTS,
    ApplicationStatus,
    Channel,
    OrderKind,
    OrderStatus,
    PaymentMode,
    ProposalStatus,
    Task,
    TaskMode,
    TaskStatus,
)
from tasks.selectors import named_creator, posting_shop

from ..locks import lock_order, lock_task
from .common import (
    acts_for_shop,
    invalid,
    log_creation,
    now,
    refuse_state,
    require_task_owner,
    run_transition,
    task_owners,
)
from .orders import order_cancel, order_create

MAX_SLOTS = 1000
MAX_TITLE = 120
MAX_BRIEF = 5000


def _clean_sponsorship(content_type: str, sponsorship) -> dict:
    """T2: a live sponsorship carries the brand name, its logo and at most 3 products."""
    if content_type != ContentType.LIVE_SPONSORSHIP:
        if sponsorship:
            raise invalid(
                "sponsorship", _("Only a live sponsorship task carries sponsorship details.")
            )
        return {"sponsor_brand_name": "", "sponsor_logo_url": "", "sponsor_products": []}
    if not isinstance(sponsorship, dict):
        raise invalid(
            "sponsorship",
            _("A live sponsorship needs the brand name, the brand logo and its products."),
        )
    errors = {}
    brand = str(sponsorship.get("brand_name") or "").strip()
    logo = str(sponsorship.get("logo_url") or "").strip()
    products = sponsorship.get("products") or []
    if not brand:
        errors["sponsorship.brand_name"] = [_("Enter the brand name shown on the stream.")]
    elif len(brand) > 60:
        errors["sponsorship.brand_name"] = [_("At most 60 characters.")]
    parsed = urlparse(logo)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        errors["sponsorship.logo_url"] = [
            _("Give the web address of the brand logo (shown top right of the stream).")
        ]
    if not isinstance(products, list):
        errors["sponsorship.products"] = [_("Give the products as a list.")]
        products = []
    cleaned_products = []
    for product in products:
        name = str((product.get("name") if isinstance(product, dict) else product) or "").strip()
        if name:
            cleaned_products.append({"name": name[:80]})
    if len(cleaned_products) > MAX_SPONSORED_PRODUCTS:
        errors["sponsorship.products"] = [
            _("At most %(max)s products are shown on a sponsored stream.")
            % {"max": MAX_SPONSORED_PRODUCTS}
        ]
    if errors:
        raise InvalidInput(_("Please correct the sponsorship details."), fields=errors)
    return {
        "sponsor_brand_name": brand,
        "sponsor_logo_url": logo[:200],
        "sponsor_products": cleaned_products,
    }


def _check_money(field: str, amount, *, required: bool) -> int | None:
    if amount is None:
        if required:
            raise invalid(field, _("Enter an amount greater than ¥0.00."))
        return None
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise invalid(field, _("Enter an amount greater than ¥0.00."))
    if amount > settings.MAX_TRANSFER_FEN:
        raise invalid(field, _("That amount is above the platform's limit per order."))
    return amount


def _check_deadlines(
    *, mode: str, at: datetime, delivery: datetime | None, enrollment: datetime | None
) -> None:
    errors = {}
    if delivery is None:
        errors["delivery_deadline"] = [_("Give the delivery deadline (推送时间).")]
    elif delivery <= at:
        errors["delivery_deadline"] = [_("The delivery deadline must be in the future.")]
    if mode in (TaskMode.PLAZA, TaskMode.RECRUITMENT):
        if enrollment is None:
            errors["enrollment_deadline"] = [_("Give the enrollment deadline.")]
        elif enrollment <= at:
            errors["enrollment_deadline"] = [_("The enrollment deadline must be in the future.")]
        elif delivery is not None and enrollment >= delivery:
            errors["enrollment_deadline"] = [_("Enrollment must end before the delivery deadline.")]
    elif mode == TaskMode.BRAND and enrollment is not None:
        if enrollment <= at or (delivery is not None and enrollment >= delivery):
            errors["enrollment_deadline"] = [
                _("Proposals must close in the future and before the delivery deadline.")
            ]
    elif enrollment is not None:
        errors["enrollment_deadline"] = [_("A private task has no enrollment.")]
    if errors:
        raise InvalidInput(_("Please correct the deadlines."), fields=errors)


def logo_type(upload) -> str | None:
    """A sponsor logo's image type by its content (core.uploads.detect, never by its name)."""
    detected = detect(upload)
    return detected if detected in LOGO_TYPES else None


def sponsor_logo_problem(upload) -> str | None:
    """Z5: why an uploaded sponsor logo is refused (its size, its type by content, markup
    behind an image header), or None. The form shows it at once; task_create checks again."""
    if upload.size > LOGO_MAX_BYTES:
        return _("The logo is larger than 2 MB.")
    if logo_type(upload) is None:
        return _("The logo must be a PNG, JPG, GIF or WebP image.")
    return markup_problem(upload, skip=4)


@transaction.atomic
def task_create(
    *,
    sponsor_logo=None,
    absolute_url: Callable[[str], str] | None = None,
    **fields,
) -> Task:
    """T3: post a task (see `_task_create` for the modes and their fields).

    A live sponsorship's brand logo comes either as `sponsorship["logo_url"]` (the API) or as an
    uploaded file, `sponsor_logo` (the page). The upload is judged by its content (Z5) and stored
    under a fresh name only once the post is accepted, inside this transaction: a refused post
    stores nothing, and a failed save undoes the task. `absolute_url` turns the stored file's
    path into the address kept on the task (the page passes request.build_absolute_uri).
    """
    logo_name = None
    if sponsor_logo is not None:
        problem = sponsor_logo_problem(sponsor_logo)
        if problem is not None:
            raise invalid("sponsorship.logo_url", problem)
        logo_name = f"sponsor_logos/{uuid.uuid4().hex}.{logo_type(sponsor_logo)}"
        url = default_storage.url(logo_name)
        fields["sponsorship"] = {
            **(fields.get("sponsorship") or {}),
            "logo_url": absolute_url(url) if absolute_url else url,
        }
    task = _task_create(**fields)
    if task.mode != TaskMode.PRIVATE:
        plaza_changed()  # published on a plaza (a private task is only its parties')
    if logo_name is not None:
        default_storage.save(logo_name, sponsor_logo)  # a fresh uuid name: saved under it as is
    return task


def task_post(
    *,
    actor: User,
    data: dict,
    sponsorship: dict | None = None,
    sponsor_logo=None,
    absolute_url: Callable[[str], str] | None = None,
) -> Task:
    """T3: post a task from the checked input of the page's form or the API's serializer (the
    same keys): the shop it is posted for (selectors.posting_shop, P6 included), the named
    creator of a private task (T4), then task_create."""
    shop = posting_shop(user=actor, mode=data["mode"], shop_id=data.get("shop"))
    creator = named_creator(data["creator"]) if data.get("creator") is not None else None
    return task_create(
        actor=actor,
        mode=data["mode"],
        title=data["title"],
        brief=data["brief"],
        content_type=data["content_type"],
        channel=data["channel"],
        delivery_deadline=data["delivery_deadline"],
        price_fen=data.get("price"),
        enrollment_deadline=data.get("enrollment_deadline"),
        slots=data.get("slots"),
        shop=shop,
        creator=creator,
        payment=data.get("payment"),
        budget_fen=data.get("budget"),
        sponsorship=sponsorship,
        sponsor_logo=sponsor_logo,
        absolute_url=absolute_url,
    )


def _task_create(
    *,
    actor: User,
    mode: str,
    title: str,
    brief: str,
    content_type: str,
    channel: str,
    delivery_deadline: datetime | None,
    price_fen: int | None = None,
    enrollment_deadline: datetime | None = None,
    slots: int | None = None,
    shop: MerchantShop | None = None,
    creator: CreatorProfile | None = None,
    payment: str = PaymentMode.FULL,
    budget_fen: int | None = None,
    sponsorship: dict | None = None,
) -> Task:
    """T3: post a task; it is published (`open`) at once.

    private (T4, T40): `creator` named, `payment` full or deposit; the task's order is created
    pending payment and is reachable as `task.order`.
    plaza (T10): `slots` and `enrollment_deadline`.
    recruitment (T20): posted by a creator, for channels that allow it.
    brand (T30, M4): Tmall brand shops only; `budget` instead of a price.
    """
    if mode not in TaskMode.values:
        raise invalid("mode", _("Choose private, plaza, recruitment or brand."))
    # S1/S2: a banned account or shop cannot post.
    require_not_banned(user=actor, organizations=[shop.organization_id] if shop else [])
    at = now()
    title, brief = (title or "").strip(), (brief or "").strip()
    errors = {}
    if not title:
        errors["title"] = [_("Give the task a title.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("At most %(max)s characters.") % {"max": MAX_TITLE}]
    if not brief:
        errors["brief"] = [_("Write the requirements (brief) for the creator.")]
    elif len(brief) > MAX_BRIEF:
        errors["brief"] = [_("At most %(max)s characters.") % {"max": MAX_BRIEF}]
    if content_type not in ContentType.values:
        errors["content_type"] = [_("Choose image_text, video, live or live_sponsorship.")]
    channel_row = Channel.objects.filter(code=channel, is_active=True).first()
    if channel_row is None:
        errors["channel"] = [_("No active channel has this code.")]
    if errors:
        raise InvalidInput(_("Please correct the highlighted fields."), fields=errors)
    _check_deadlines(mode=mode, at=at, delivery=delivery_deadline, enrollment=enrollment_deadline)
    sponsor = _clean_sponsorship(content_type, sponsorship)

    fields = {
        "mode": mode,
        "created_by": actor,
        "title": title,
        "brief": brief,
        "content_type": content_type,
        "channel": channel_row,
        "delivery_deadline": delivery_deadline,
        "enrollment_deadline": enrollment_deadline,
        **sponsor,
    }
    if mode == TaskMode.RECRUITMENT:
        if not actor.is_creator or not hasattr(actor, "creator_profile"):
            raise WrongSide(_("Only creators post recruitment tasks."))
        if not channel_row.allows_recruitment:
            raise invalid(
                "channel",
                _("Creators cannot post recruitment tasks for %(channel)s (T1, T20).")
                % {"channel": channel_row.display_name},
            )
        fields["creator"] = actor.creator_profile
        fields["price_fen"] = _check_money("price", price_fen, required=True)
        if slots is not None:
            fields["slots"] = _check_slots(slots)
        task = Task.objects.create(**fields)
        log_creation(task, by=actor)
        return task

    if shop is None or not acts_for_shop(shop=shop, user=actor):
        # P6: a shop's members, or the staff of a provider it delegated its tasks to.
        raise WrongSide(_("Only merchants post this kind of task."))
    fields["shop"] = shop
    if mode == TaskMode.BRAND:
        if not (shop.is_brand and shop.platform == Platform.TMALL):
            raise WrongSide(
                _("Brand tasks are open only to Tmall stores flagged as brands."),
                code="not_a_brand",
            )
        fields["budget_fen"] = _check_money("budget", budget_fen, required=True)
        task = Task.objects.create(**fields)
        log_creation(task, by=actor)
        return task

    fields["price_fen"] = _check_money("price", price_fen, required=True)
    if mode == TaskMode.PLAZA:
        fields["slots"] = _check_slots(slots)
        task = Task.objects.create(**fields)
        log_creation(task, by=actor)
        return task

    # private (T4) or deposit (T40)
    if payment not in PaymentMode.values:
        raise invalid("payment", _("Choose full or deposit."))
    if creator is None:
        raise invalid("creator", _("Name the creator of a private task."))
    fields["payment_mode"] = payment
    task = Task.objects.create(**fields)
    log_creation(task, by=actor)
    kind = OrderKind.DEPOSIT if payment == PaymentMode.DEPOSIT else OrderKind.PRIVATE
    task.order = order_create(
        kind=kind, task=task, shop=shop, creator=creator, price_fen=task.price_fen, actor=actor
    )
    return task


def _check_slots(slots) -> int:
    if not isinstance(slots, int) or isinstance(slots, bool) or not 1 <= slots <= MAX_SLOTS:
        raise invalid(
            "slots", _("Give the number of creators wanted, 1 to %(max)s.") % {"max": MAX_SLOTS}
        )
    return slots


def _applicants(task: Task) -> list[User]:
    users = []
    for application in task.applications.select_related("creator__user", "shop__organization"):
        if application.creator_id:
            users.append(application.creator.user)
    return users


@transaction.atomic
def task_cancel(*, task: Task, actor: User) -> Task:
    """The owner withdraws a task before anything is paid. A private task cancels its order
    (refunding it if the creator has not accepted yet, §4)."""
    task = lock_task(task)
    require_task_owner(task=task, actor=actor)
    at = now()
    if task.mode == TaskMode.PRIVATE:
        order = task.orders.first()
        if order is not None and lock_order(order).status not in (
            OrderStatus.PENDING_PAYMENT,
            OrderStatus.AWAITING_ACCEPTANCE,
        ):
            raise InvalidState(
                _("The creator has already accepted; the task cannot be cancelled."),
            )
        if order is not None:
            order_cancel(order=order, actor=actor)
    elif task.mode == TaskMode.RECRUITMENT:
        if task.applications.filter(status__in=ACTIVE_APPLICATION_STATUSES).exists():
            raise NotAllowed(
                _("Merchants have paid to join; answer their applications, or close the task."),
                code="has_applications",
            )
    elif task.mode == TaskMode.BRAND:
        if task.proposals.filter(status=ProposalStatus.ACCEPTED).exists():
            raise NotAllowed(
                _("A proposal was accepted; close the task instead."), code="has_orders"
            )
    run_transition(task, "cancel", _("cancel"), by=actor)
    task.save()
    plaza_changed()
    _lapse_applications(task, at=at, actor=actor)
    notify(_applicants(task), "task_cancelled", task=task, title=task.title)
    return task


def _lapse_applications(task: Task, *, at, actor) -> None:
    """Plaza applications and open proposals end with their task."""
    if task.mode == TaskMode.PLAZA:
        for application in task.applications.select_for_update().filter(
            status__in=ACTIVE_APPLICATION_STATUSES
        ):
            application.expire(at=at, by=actor)
            application.save()
    if task.mode == TaskMode.BRAND:
        for proposal in task.proposals.select_for_update().filter(status=ProposalStatus.SUBMITTED):
            proposal.reject(at=at, by=actor)
            proposal.save()


@transaction.atomic
def task_close(*, task: Task, actor: User | None, reason: str = "") -> Task:
    """The owner stops a recruitment or brand task taking new applications or proposals.
    Orders already made go on. Plaza tasks stop enrollment instead (T10)."""
    task = lock_task(task)
    if actor is not None and not actor.is_staff:
        require_task_owner(task=task, actor=actor)
    if task.mode in (TaskMode.PLAZA, TaskMode.PRIVATE) and not (actor and actor.is_staff):
        raise refuse_state(task, _("close"))
    run_transition(task, "close", _("close"), reason=reason or _("closed by its owner"), by=actor)
    task.save()
    plaza_changed()
    _lapse_applications(task, at=now(), actor=actor)
    notify(_applicants(task), "task_closed", task=task, title=task.title, reason=task.closed_reason)
    return task


@transaction.atomic
def task_close_enrollment(*, task: Task, actor: User | None) -> Task:
    """T10: the owner stops enrollment early (or the sweeper at the deadline). With no approved
    application the task closes at once (T13); otherwise the 7 days to pay start."""
    task = lock_task(task)
    if actor is not None and not actor.is_staff:
        require_task_owner(task=task, actor=actor)
    if task.mode != TaskMode.PLAZA:
        raise refuse_state(task, _("stop enrollment of"))
    return close_enrollment_locked(task, actor=actor)


def close_enrollment_locked(task: Task, *, actor: User | None, at: datetime | None = None) -> Task:
    """Caller holds the task's lock."""
    at = at or now()
    run_transition(task, "close_enrollment", _("stop enrollment of"), at=at, by=actor)
    task.save()
    plaza_changed()
    pending = task.applications.select_for_update().filter(status=ApplicationStatus.PENDING)
    for application in pending:
        application.reject(at=at, by=actor, description="enrollment closed")
        application.save()
        notify([application.creator.user], "application_rejected", task=task, title=task.title)
    if not task.applications.filter(status=ApplicationStatus.APPROVED).exists():
        run_transition(task, "close", _("close"), reason=_("no application was approved"), by=actor)
        task.save()
        notify(
            [*_applicants(task), *task_owners(task)],
            "task_closed",
            task=task,
            title=task.title,
            reason=task.closed_reason,
        )
    return task


@transaction.atomic
def task_end_enrollment(*, task: Task, at: datetime | None = None) -> Task | None:
    """D1 sweep action for an enrollment deadline: a plaza task stops enrollment; a recruitment
    or brand task closes. Idempotent (D2): None when it is not due or already done."""
    task = lock_task(task)
    at = at or now()
    if task.status != TaskStatus.OPEN or not (
        task.enrollment_deadline and at >= task.enrollment_deadline
    ):
        return None
    if task.mode == TaskMode.PLAZA:
        # A late sweep still ends enrollment at the deadline: the 7 days to pay start there (T13).
        return close_enrollment_locked(task, actor=None, at=task.enrollment_deadline)
    run_transition(task, "close", _("close"), reason=_("the enrollment deadline passed"))
    task.save()
    plaza_changed()
    _lapse_applications(task, at=at, actor=None)
    return task


@transaction.atomic
def plaza_task_close_unpaid(*, task: Task, at: datetime | None = None) -> Task | None:
    """T13: a plaza task not paid within 7 days of stopping enrollment is closed and its
    applicants are told. Idempotent (D2)."""
    task = lock_task(task)
    at = at or now()
    if task.status != TaskStatus.ENROLLMENT_CLOSED or not (
        task.payment_due_at and at >= task.payment_due_at
    ):
        return None
    users = _applicants(task)
    run_transition(task, "close", _("close"), reason=_("not paid within 7 days"))
    task.save()
    _lapse_applications(task, at=at, actor=None)
    notify(
        [*users, *task_owners(task)],
        "task_closed",
        task=task,
        title=task.title,
        reason=task.closed_reason,
    )
    return task


def creator_may_take_work(creator: CreatorProfile) -> bool:
    """T30: the qualified side of a brand task: a creator whose agency is not expelled, and
    who is not banned (S1/S2; require_not_banned says until when)."""

    if creator.agency_id is not None and creator.agency.is_expelled:
        return False
    try:
        agency = [creator.agency.organization_id] if creator.agency_id else []
        require_not_banned(user=creator.user, organizations=agency)
    except Banned:
        return False
    return True
