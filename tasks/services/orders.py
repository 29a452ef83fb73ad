"""Order use cases (DESIGN §4, T4–T5, T40–T43, T50–T62).

Each public function is one user (or sweeper, or ops) action in one transaction: lock the
order, re-check its state and its due time (D3) under the lock, run the FSM transition, move the
money through escrow.services, write the inbox lines (D5). Nothing else changes an order.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlparse

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from core.bulk import update_uniform
from core.exceptions import NotAllowed
from core.uploads import check_content, display_name
from escrow import services as escrow
from escrow.memos import memo
from escrow.services import fee_for, fee_rate_for
from parties.models import CreatorProfile, MerchantShop, User
from parties.notifications import Notice, notify, notify_many
from parties.services.sanctions import require_not_banned
from tasks.exceptions import RevisionsExhausted
from tasks.models import (
    MAX_REVISIONS,
    PRICE_CHANGE_LIMIT_PERCENT,
    REVISION_GRACE,
    ApplicationStatus,
    DeclineReason,
    Delivery,
    DeliveryFile,
    Order,
    OrderKind,
    OrderStatus,
    Revision,
    Task,
)

from ..locks import lock_application, lock_order, lock_orders
from .common import (
    deadline_passed,
    invalid,
    log_creation,
    now,
    order_parties,
    refuse_state,
    require_creator_of,
    require_merchant_of,
    require_merchant_of_order,
    run_transition,
    shop_users,
    shop_users_by_org,
)
from .steps import OrderStep, StepNotice, StepReview

MAX_LINKS = 10
MAX_FILES = 5
MAX_FILE_BYTES = 50 * 1024 * 1024
# Z5: what a delivery may carry, by content: images, video, PDF, Office documents and plain
# text; never HTML, scripts, executables or bare archives (a page would run for the merchant).
DELIVERY_FILE_TYPES = (
    "jpg",
    "png",
    "gif",
    "webp",
    "mp4",
    "mov",
    "pdf",
    "docx",
    "xlsx",
    "pptx",
    "txt",
)
MAX_TEXT = 2000


# --- creating orders -------------------------------------------------------------------------


def order_create(
    *,
    kind: str,
    task: Task | None,
    shop: MerchantShop,
    creator: CreatorProfile,
    price_fen: int,
    actor: User,
    title: str = "",
    status: str = OrderStatus.PENDING_PAYMENT,
) -> Order:
    """A new order with the fee rate in force now (E10). The caller is inside a transaction.

    Plaza orders are born in production; the others start pending payment (§4).
    """
    rate = fee_rate_for(order_kind=kind)
    fee = fee_for(price_fen=price_fen, rate_bp=rate)
    order = Order.objects.create(
        kind=kind,
        task=task,
        shop=shop,
        creator=creator,
        title=(title or (task.title if task else ""))[:120],
        price_fen=price_fen,
        fee_rate_bp=rate,
        fee_fen=fee,
        original_price_fen=price_fen,
        deposit_fen=fee if kind == OrderKind.DEPOSIT else 0,
        delivery_deadline=task.delivery_deadline if task else None,
        status=status,
    )
    log_creation(order, by=actor)
    return order


# --- paying (T4, T40, T42) ------------------------------------------------------------------


def _payable_now(order: Order, at) -> None:
    if order.delivery_deadline is not None and at >= order.delivery_deadline:
        raise deadline_passed(
            _("The delivery deadline of this order has passed; it can no longer be paid.")
        )


@transaction.atomic
def order_pay(*, order: Order, actor: User) -> Order:
    """T4/T40/T30: pay a private order in full, a deposit order's deposit, or a brand order.

    One order step (tasks.services.steps): the lock answers whether the actor is the shop's,
    and the order, its log, the payment and the creator's inbox line are written at once."""
    order = lock_order(order, member=actor)
    require_merchant_of_order(order, actor)
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise refuse_state(order, _("pay"))
    at = now()
    _payable_now(order, at)
    amount = order.deposit_fen if order.is_deposit else order.total_fen
    move = escrow.hold_move(
        order=order,
        amount_fen=amount,
        actor=actor,
        memo=memo("deposit") if order.is_deposit else memo("payment"),
    )
    step = OrderStep.begin(order, "pay", _("pay"), at=at, by=actor)
    if order.status == OrderStatus.IN_PRODUCTION:
        notice = StepNotice(
            "order_started",
            {"title": order.title, "deadline_at": order.delivery_deadline},
            users=(order.creator.user,),
        )
    else:
        notice = StepNotice(
            "order_paid",
            {
                "title": order.title,
                "price_fen": order.price_fen,
                "deadline_at": order.acceptance_deadline,
            },
            users=(order.creator.user,),
        )
    step.finish(move=move, notices=[notice])
    return order


def _check_balance_payable(order: Order, at) -> None:
    if order.status != OrderStatus.AWAITING_BALANCE:
        raise refuse_state(order, _("pay the balance of"))
    if order.balance_deadline is not None and at >= order.balance_deadline:
        raise deadline_passed(_("The 7 days to pay the balance are over."))


def _balance_paid_notice(order: Order) -> StepNotice:
    return StepNotice(
        "order_balance_paid",
        {"title": order.title, "deadline_at": order.delivery_deadline},
        users=(order.creator.user,),
    )


def _after_balance_paid(order: Order, *, at, actor: User) -> None:
    step = OrderStep.begin(order, "pay_balance", _("pay the balance of"), at=at, by=actor)
    step.finish(notices=[_balance_paid_notice(order)])


@transaction.atomic
def order_pay_balance(*, order: Order, actor: User) -> Order:
    """T42: the balance (final price + fee on it − deposit), within 7 days of acceptance. One
    order step, like order_pay."""
    order = lock_order(order, member=actor)
    require_merchant_of_order(order, actor)
    at = now()
    _check_balance_payable(order, at)
    move = escrow.hold_move(
        order=order, amount_fen=order.balance_due_fen, actor=actor, memo=memo("balance")
    )
    step = OrderStep.begin(order, "pay_balance", _("pay the balance of"), at=at, by=actor)
    step.finish(move=move, notices=[_balance_paid_notice(order)])
    return order


@transaction.atomic
def balances_pay(*, order_ids: list[int], actor: User) -> list[Order]:
    """T42: several deposit orders' balances in one combined payment from one shop's wallet.

    All or nothing: one order that cannot be paid refuses the whole payment.
    """
    ids = sorted({int(pk) for pk in order_ids})
    if not ids:
        raise invalid("orders", _("Choose at least one order."))
    orders = lock_orders(ids)  # primary-key order: the fixed lock order (tasks.locks)
    shops = {order.shop_id for order in orders}
    if len(shops) > 1:
        raise invalid("orders", _("A combined payment pays the orders of one shop only."))
    shop = orders[0].shop
    require_merchant_of(shop=shop, actor=actor)
    at = now()
    for order in orders:
        _check_balance_payable(order, at)
    escrow.escrow_hold_many(
        shop=shop,
        holds=[(order, order.balance_due_fen) for order in orders],
        actor=actor,
        memo=memo("combined_balance"),
    )
    for order in orders:
        _after_balance_paid(order, at=at, actor=actor)
    return orders


# --- the creator's answer (T5, T20, T41) -----------------------------------------------------


def _linked_application(order: Order):
    """A recruitment order's application (the merchant's payment), locked, or None. An order
    locked `with_application` already knows its id."""
    if hasattr(order, "linked_application_id"):
        application_id = order.linked_application_id
    else:
        application_id = (
            type(order)
            .objects.filter(pk=order.pk)
            .values_list("application__pk", flat=True)
            .first()
        )
    return lock_application(application_id) if application_id else None


def _check_acceptance_open(order: Order, at, action: str) -> None:
    if order.status != OrderStatus.AWAITING_ACCEPTANCE:
        raise refuse_state(order, action)
    if order.acceptance_deadline is not None and at >= order.acceptance_deadline:
        raise deadline_passed(_("The time to answer this order is over; it has expired."))


@transaction.atomic
def order_accept(*, order: Order, actor: User, price_fen: int | None = None) -> Order:
    """T4/T20: the creator accepts. A deposit order's creator may change the price by ±20%
    of the original (T41); the merchant then owes the balance within 7 days (T42)."""
    order = lock_order(order, with_application=True, unbanned=actor)
    require_creator_of(creator=order.creator, actor=actor)
    if order.actor_may_be_banned:  # the lock's answer; the details only when it says so
        require_not_banned(user=actor)  # S1/S2: a banned creator cannot accept
    at = now()
    _check_acceptance_open(order, at, _("accept"))
    new_price = None
    if price_fen is not None and price_fen != order.price_fen:
        if not order.is_deposit:
            raise invalid("price", _("Only a deposit order's price can change on acceptance."))
        low, high = order.price_band
        if not (low <= price_fen <= high):
            raise invalid(
                "price",
                _("The new price must be within ±%(limit)s%% of the original price.")
                % {"limit": PRICE_CHANGE_LIMIT_PERCENT},
            )
        new_price = price_fen
    step = OrderStep.begin(order, "accept", _("accept"), at=at, by=actor)
    if new_price is not None:
        step.also_changed(
            price_fen=new_price,
            fee_fen=fee_for(price_fen=new_price, rate_bp=order.fee_rate_bp),
        )
    application = _linked_application(order)
    if application is not None:
        run_transition(application, "approve", _("approve"), at=at, by=actor)
        application.save()
    params = {
        "title": order.title,
        "creator": order.creator.display_name,
        "price_fen": order.price_fen,
    }
    if order.is_deposit:
        kind = "order_accepted_deposit"
        params.update(balance_fen=order.balance_due_fen, deadline_at=order.balance_deadline)
    else:
        kind = "order_accepted"
    step.finish(notices=[StepNotice(kind, params, organizations=(order.shop.organization_id,))])
    return order


def refund_all(order: Order, *, actor: User | None, memo: str) -> int:
    """Refund whatever the escrow holds; returns the amount (0 when nothing was paid)."""
    held = escrow.escrow_account(order)
    held.refresh_from_db(fields=["balance_fen"])
    if held.balance_fen <= 0:
        return 0
    escrow.escrow_refund(order=order, actor=actor, memo=memo)
    return held.balance_fen


MAX_DECLINE_NOTE = 200


def _decline_reason(reason: str, note: str) -> tuple[str, str]:
    reason, note = (reason or "").strip(), (note or "").strip()
    if reason and reason not in DeclineReason.values:
        raise invalid("reason", _("Choose one of the reasons offered."))
    if len(note) > MAX_DECLINE_NOTE:
        raise invalid("note", _("At most %(max)s characters.") % {"max": MAX_DECLINE_NOTE})
    if note and not reason:
        reason = DeclineReason.OTHER
    return reason, note


@transaction.atomic
def order_decline(*, order: Order, actor: User, reason: str = "", note: str = "") -> Order:
    """T5/T20: the creator declines; the order ends and the merchant is refunded at once.

    The creator may say why (issue 21): one of DeclineReason's codes and a short note, kept on
    the state log and told to the merchant in its own language."""
    reason, note = _decline_reason(reason, note)
    order = lock_order(order)
    require_creator_of(creator=order.creator, actor=actor)
    at = now()
    _check_acceptance_open(order, at, _("decline"))
    description = f"{reason}: {note}" if note else reason
    run_transition(order, "decline", _("decline"), at=at, by=actor, description=description or None)
    order.save()
    application = _linked_application(order)
    if application is not None:
        run_transition(application, "reject", _("reject"), at=at, by=actor)
        application.save()
    amount = refund_all(order, actor=actor, memo=memo("declined"))
    reasons = {}
    if reason:
        with translation.override("en"):  # the label's message id, read in each reader's
            label = str(DeclineReason(reason).label)  # language (parties.notifications)
        reasons = {"reason_msgid": label, "note": f": {note}" if note else ""}
    notify(
        shop_users(order.shop),
        "order_declined_with_reason" if reason else "order_declined",
        order=order,
        title=order.title,
        creator=order.creator.display_name,
        amount_fen=amount,
        **reasons,
    )
    return order


@transaction.atomic
def order_expire(
    *, order: Order, actor: User | None = None, at: datetime | None = None
) -> Order | None:
    """T5: no answer by the acceptance deadline: the order expires, full refund.

    For the sweeper (D2): an order no longer awaiting acceptance, or not yet due, is left alone
    and None is returned, so a rerun changes nothing.
    """
    order = lock_order(order)
    at = at or now()
    if order.status != OrderStatus.AWAITING_ACCEPTANCE or not (
        order.acceptance_deadline and at >= order.acceptance_deadline
    ):
        return None
    run_transition(order, "expire", _("expire"), at=at, by=actor)
    order.save()
    application = _linked_application(order)
    if application is not None:
        run_transition(application, "expire", _("expire"), at=at, by=actor)
        application.save()
    amount = refund_all(order, actor=actor, memo=memo("expired"))
    notify(order_parties(order), "order_expired", order=order, title=order.title, amount_fen=amount)
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor: User) -> Order:
    """§4/T43: the merchant cancels before the creator accepts; whatever is held (the full
    price, or a deposit) is refunded at once."""
    order = lock_order(order)
    require_merchant_of(shop=order.shop, actor=actor)
    at = now()
    was_paid = order.status == OrderStatus.AWAITING_ACCEPTANCE
    run_transition(order, "cancel", _("cancel"), at=at, by=actor)
    order.save()
    application = _linked_application(order)
    if application is not None and application.status in (
        ApplicationStatus.PENDING,
        ApplicationStatus.APPROVED,
    ):
        run_transition(application, "withdraw", _("withdraw"), at=at, by=actor)
        application.save()
    amount = refund_all(order, actor=actor, memo=memo("cancelled"))
    if was_paid:
        notify([order.creator.user], "order_cancelled", order=order, title=order.title)
    notify(
        shop_users(order.shop),
        "order_cancelled_refunded",
        order=order,
        title=order.title,
        amount_fen=amount,
    )
    return order


@transaction.atomic
def order_restore_price(*, order: Order, actor: User) -> Order:
    """T41: after the creator changed the price, the merchant may restore the original, once,
    before paying the balance. Nothing else changes."""
    order = lock_order(order)
    require_merchant_of(shop=order.shop, actor=actor)
    if not order.is_deposit or order.status != OrderStatus.AWAITING_BALANCE:
        raise refuse_state(order, _("restore the price of"))
    if order.price_restored:
        raise NotAllowed(
            _("The original price was already restored once."), code="already_restored"
        )
    if order.price_fen == order.original_price_fen:
        raise NotAllowed(
            _("The creator did not change the price; there is nothing to restore."),
            code="price_unchanged",
        )
    at = now()
    if order.balance_deadline is not None and at >= order.balance_deadline:
        raise deadline_passed(_("The 7 days to pay the balance are over."))
    order.price_fen = order.original_price_fen
    order.fee_fen = fee_for(price_fen=order.price_fen, rate_bp=order.fee_rate_bp)
    order.price_restored = True
    order.save(update_fields=["price_fen", "fee_fen", "price_restored"])
    log_price_restore(order, actor)
    notify(
        [order.creator.user],
        "order_price_restored",
        order=order,
        title=order.title,
        price_fen=order.price_fen,
    )
    return order


def log_price_restore(order: Order, actor: User) -> None:
    """T70: not a state change, but an audited one: written to the same log."""

    StateLog.objects.create(
        content_type=ContentType.objects.get_for_model(order),
        object_id=order.pk,
        source_state=order.status,
        state=order.status,
        transition="restore_price",
        by=actor,
        description=str(order.price_fen),
    )


@transaction.atomic
def order_forfeit(
    *, order: Order, actor: User | None = None, at: datetime | None = None
) -> Order | None:
    """T42: balance not paid within 7 days: the deposit goes to the platform, the order ends.
    Idempotent for the sweeper (D2): returns None when there is nothing (yet) to do."""
    order = lock_order(order)
    at = at or now()
    if order.status != OrderStatus.AWAITING_BALANCE or not (
        order.balance_deadline and at >= order.balance_deadline
    ):
        return None
    run_transition(order, "forfeit", _("forfeit"), at=at, by=actor)
    order.save()
    held = escrow.escrow_account(order)
    held.refresh_from_db(fields=["balance_fen"])
    amount = held.balance_fen
    if amount > 0:
        escrow.escrow_forfeit(order=order, actor=actor, memo=memo("deposit_forfeited"))
    notify(
        order_parties(order), "order_forfeited", order=order, title=order.title, amount_fen=amount
    )
    return order


# --- delivery and after (T50–T55) ----------------------------------------------------------


def _clean_links(links) -> list[str]:
    if isinstance(links, str):
        links = [links]
    if not isinstance(links, list | tuple):
        raise invalid("links", _("Give the links as a list."))
    cleaned = []
    for link in links:
        link = str(link or "").strip()
        if not link:
            continue
        parsed = urlparse(link)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise invalid(
                "links",
                _("“%(link)s” is not a web address (it must start with http:// or https://).")
                % {"link": link[:80]},
            )
        cleaned.append(link[:500])
    if not cleaned:
        raise invalid("links", _("Give at least one link to the published content."))
    if len(cleaned) > MAX_LINKS:
        raise invalid("links", _("At most %(max)s links.") % {"max": MAX_LINKS})
    return cleaned


@transaction.atomic
def order_deliver(
    *,
    order: Order,
    actor: User,
    links,
    note: str = "",
    files=(),
    is_joint_content: bool = False,
) -> Order:
    """T50: the creator delivers before the delivery deadline; later is refused (D3).

    T55: content that also features other merchants' products (拼场) is delivered like any
    other and is no ground for refusal.
    """
    cleaned = _clean_links(links)
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise invalid("note", _("At most %(max)s characters.") % {"max": MAX_TEXT})
    files = list(files or ())
    if len(files) > MAX_FILES:
        raise invalid("files", _("At most %(max)s files.") % {"max": MAX_FILES})
    for upload in files:
        if upload.size > MAX_FILE_BYTES:
            raise invalid(
                "files",
                _("“%(name)s” is larger than 50 MB.") % {"name": upload.name},
            )
        detected, problem = check_content(upload, DELIVERY_FILE_TYPES)
        if problem is not None:
            raise invalid("files", problem)
        # Z5: kept under the detected type's extension, whatever the uploaded name said
        upload.name = display_name(upload.name, detected)
    order = lock_order(order)
    require_creator_of(creator=order.creator, actor=actor)
    if order.status != OrderStatus.IN_PRODUCTION:
        raise refuse_state(order, _("deliver"))
    at = now()
    if order.delivery_deadline is not None and at >= order.delivery_deadline:
        raise deadline_passed(_("The delivery deadline has passed; delivery is refused."))
    step = OrderStep.begin(order, "deliver", _("deliver"), at=at, by=actor)
    delivery = Delivery.objects.create(
        order=order,
        links=cleaned,
        note=note,
        is_joint_content=bool(is_joint_content),
        submitted_by=actor,
    )
    for upload in files:
        DeliveryFile.objects.create(
            delivery=delivery, file=upload, name=upload.name[:200], size=upload.size
        )
    step.finish(
        notices=[
            StepNotice(
                "order_delivered",
                {"title": order.title, "deadline_at": order.auto_confirm_at},
                organizations=(order.shop.organization_id,),
            )
        ]
    )
    return order


def check_review_window(order: Order, at, action: str) -> None:
    if order.status != OrderStatus.DELIVERED:
        raise refuse_state(order, action)
    if order.auto_confirm_at is not None and at >= order.auto_confirm_at:
        raise deadline_passed(
            _("The 7 days to review this delivery are over; it is confirmed automatically.")
        )


@transaction.atomic
def order_request_revision(*, order: Order, actor: User, note: str, new_deadline=None) -> Order:
    """T53: at most 2 revisions; each returns the order to production with a new deadline no
    later than the task's delivery deadline + 3 days (that latest time by default)."""
    note = (note or "").strip()
    if not note:
        raise invalid("note", _("Say what should change."))
    if len(note) > MAX_TEXT:
        raise invalid("note", _("At most %(max)s characters.") % {"max": MAX_TEXT})
    order = lock_order(order)
    require_merchant_of(shop=order.shop, actor=actor)
    at = now()
    check_review_window(order, at, _("ask for a revision of"))
    if order.revisions_used >= MAX_REVISIONS:
        raise RevisionsExhausted(
            _("This order already had its %(max)s revisions.") % {"max": MAX_REVISIONS},
        )
    base = order.task.delivery_deadline if order.task_id else order.delivery_deadline
    latest = base + REVISION_GRACE
    if latest <= at:
        raise deadline_passed(
            _("A revision must be delivered by the task's deadline + 3 days, which has passed.")
        )
    deadline = new_deadline or latest
    if deadline > latest:
        raise invalid(
            "deadline",
            _("The new deadline can be at most the task's deadline + 3 days."),
        )
    if deadline <= at:
        raise invalid("deadline", _("The new deadline must be in the future."))
    run_transition(
        order, "request_revision", _("ask for a revision of"), new_deadline=deadline, by=actor
    )
    order.save()
    Revision.objects.create(order=order, note=note, new_deadline=deadline, requested_by=actor)
    notify(
        [order.creator.user],
        "order_revision_requested",
        order=order,
        title=order.title,
        used=order.revisions_used,
        deadline_at=deadline,
    )
    return order


def release_to_creator(order: Order, *, actor: User | None, memo: str) -> None:
    escrow.escrow_release(order=order, actor=actor, memo=memo)


@transaction.atomic
def order_confirm(*, order: Order, actor: User, rating: int, comment: str = "") -> Order:
    """T52: the merchant confirms and rates 1–5; the price goes to the creator and the fee to
    the platform at once. A second confirm finds the order completed and is refused (E5)."""
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise invalid("rating", _("Rate the work from 1 to 5 stars."))
    comment = (comment or "").strip()
    if len(comment) > MAX_TEXT:
        raise invalid("comment", _("At most %(max)s characters.") % {"max": MAX_TEXT})
    order = lock_order(order, member=actor)
    require_merchant_of_order(order, actor)
    if order.status != OrderStatus.DELIVERED:
        raise refuse_state(order, _("confirm"))
    at = now()
    step = OrderStep.begin(order, "confirm", _("confirm"), at=at, by=actor)
    # C1: the rating joins the creator's running sums; the profile row is locked last (after
    # the ledger accounts), so concurrent confirms for one creator queue there.
    step.finish(
        move=escrow.release_move(order=order, actor=actor, memo=memo("confirmed")),
        notices=[
            StepNotice(
                "order_confirmed",
                {"title": order.title, "amount_fen": order.price_fen},
                users=(order.creator.user,),
            )
        ],
        review=StepReview(rating=rating, comment=comment, by=actor),
    )
    return order


@transaction.atomic
def order_auto_confirm(
    *, order: Order, actor: User | None = None, at: datetime | None = None
) -> Order | None:
    """T54: 7 days after delivery without confirm, revision or dispute. Idempotent (D2)."""
    order = lock_order(order)
    at = at or now()
    if order.status != OrderStatus.DELIVERED or not (
        order.auto_confirm_at and at >= order.auto_confirm_at
    ):
        return None
    step = OrderStep.begin(order, "confirm", _("confirm"), at=at, by=actor, description="auto")
    step.finish(
        move=escrow.release_move(order=order, actor=actor, memo=memo("confirmed_automatically")),
        notices=[
            StepNotice(
                "order_auto_confirmed",
                {"title": order.title, "amount_fen": order.price_fen},
                users=(order.creator.user,),
                organizations=(order.shop.organization_id,),
            )
        ],
    )
    return order


@transaction.atomic
def order_mark_overdue(
    *, order: Order, actor: User | None = None, at: datetime | None = None
) -> Order | None:
    """T51: not delivered by the deadline: overdue_undelivered, the merchant refunded.
    Idempotent (D2)."""
    order = lock_order(order)
    at = at or now()
    if order.status != OrderStatus.IN_PRODUCTION or not (
        order.delivery_deadline and at >= order.delivery_deadline
    ):
        return None
    run_transition(order, "mark_overdue", _("close"), at=at, by=actor)
    order.save()
    amount = refund_all(order, actor=actor, memo=memo("not_delivered"))
    notify(order_parties(order), "order_overdue", order=order, title=order.title, amount_fen=amount)
    return order


def orders_mark_overdue(*, order_ids: list[int], at: datetime) -> list[Order]:
    """T51 for a batch of the sweeper (D1): order_mark_overdue for each of `order_ids` still in
    production past its deadline at `at`, in one transaction — one lock query, one journal
    posting of all the refunds and one insert of the inbox lines (e-mailed by the beat job).

    Orders another worker holds are skipped (SKIP LOCKED) and the state and the deadline are
    checked under the lock, so a rerun or a second worker moves nothing twice (D2). The orders
    are locked before their accounts, as everywhere. Returns the orders moved."""
    with transaction.atomic():
        orders = list(
            Order.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("shop", "creator__user")
            .filter(
                pk__in=order_ids,
                status=OrderStatus.IN_PRODUCTION,
                delivery_deadline__lte=at,
            )
            .order_by("pk")
        )
        if not orders:
            return []
        changed = set()
        for order in orders:
            before = _field_values(order)
            run_transition(order, "mark_overdue", _("close"), at=at, by=None)
            changed |= {
                name for name, value in _field_values(order).items() if before[name] != value
            }
        update_uniform(Order, orders, changed)
        refunded = escrow.escrow_refund_many(orders=orders, memo=memo("not_delivered"))
        parties = shop_users_by_org({order.shop.organization_id for order in orders})
        notify_many(
            Notice(
                [*parties.get(order.shop.organization_id, []), order.creator.user],
                "order_overdue",
                order=order,
                params={"title": order.title, "amount_fen": refunded[order.pk]},
            )
            for order in orders
        )
    return orders


def _field_values(order: Order) -> dict:
    return {f.attname: getattr(order, f.attname) for f in Order._meta.concrete_fields}


# --- disputes (T61) --------------------------------------------------------------------------


# --- messages (T60) ------------------------------------------------------------------------


__all__ = [
    "balances_pay",
    "order_accept",
    "order_auto_confirm",
    "order_cancel",
    "order_confirm",
    "order_create",
    "order_decline",
    "order_deliver",
    "order_expire",
    "order_forfeit",
    "order_mark_overdue",
    "order_pay",
    "order_pay_balance",
    "order_request_revision",
    "order_restore_price",
]
