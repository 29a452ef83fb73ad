"""Disputes (T62) and the order thread (T61): a party opens a dispute on a delivered order, ops
decide it (release, refund or split the escrow); the two parties write in the order's thread."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import NotAllowed, WrongSide
from escrow import services as escrow
from escrow.memos import memo
from escrow.services import fee_for
from parties.models import Membership, User
from parties.notifications import notify
from tasks.models import (
    Dispute,
    DisputeGround,
    DisputeOutcome,
    Order,
    OrderMessage,
    OrderStatus,
)

from ..locks import lock_order
from .common import (
    deadline_passed,
    invalid,
    now,
    order_parties,
    run_transition,
    shop_users,
)
from .orders import MAX_TEXT, check_review_window, refund_all, release_to_creator


@transaction.atomic
def order_dispute(*, order: Order, actor: User, reason: str, ground: str = "") -> Dispute:
    """T61: either side opens a dispute on an order in production or delivered. The escrow
    stays frozen and the deadlines stop until ops decide."""
    reason = (reason or "").strip()
    ground = ground or DisputeGround.OTHER
    if ground not in DisputeGround.values:
        raise invalid("ground", _("Choose one of the listed grounds."))
    if ground == DisputeGround.JOINT_CONTENT:
        raise invalid(
            "ground",
            _(
                "Content that also features other merchants' products (拼场) is allowed and is "
                "not a ground for refusal."
            ),
        )
    if not reason:
        raise invalid("reason", _("Explain what went wrong."))
    if len(reason) > MAX_TEXT:
        raise invalid("reason", _("At most %(max)s characters.") % {"max": MAX_TEXT})
    order = lock_order(order)
    is_merchant = Membership.objects.filter(
        organization_id=order.shop.organization_id, user=actor
    ).exists()
    if not is_merchant and order.creator.user_id != actor.pk:
        raise WrongSide(_("Only the merchant or the creator of this order can open a dispute."))
    at = now()
    if order.status == OrderStatus.DELIVERED:
        check_review_window(order, at, _("dispute"))
    if order.status == OrderStatus.IN_PRODUCTION and (
        order.delivery_deadline and at >= order.delivery_deadline
    ):
        raise deadline_passed(
            _("The delivery deadline has passed; the order is refunded as undelivered.")
        )
    source = order.status
    run_transition(order, "open_dispute", _("dispute"), at=at, by=actor, description=reason[:200])
    order.save()
    dispute = Dispute.objects.create(
        order=order, opened_by=actor, ground=ground, reason=reason, opened_from=source
    )
    notify(order_parties(order), "order_disputed", order=order, title=order.title)
    return dispute


@transaction.atomic
def dispute_resolve(
    *,
    dispute: Dispute,
    actor: User,
    outcome: str,
    note: str,
    creator_fen: int | None = None,
) -> Dispute:
    """T61, ops only: release to the creator (completed), refund the merchant (refunded), or
    split: the creator's part (and the fee on it) released, the rest refunded (refunded)."""
    if not actor.is_staff:
        raise WrongSide(_("Only ops staff decide disputes."))
    note = (note or "").strip()
    if outcome not in DisputeOutcome.values:
        raise invalid("outcome", _("Choose release, refund or split."))
    if not note:
        raise invalid("note", _("Write down why you decided so; both sides will see it."))
    order = lock_order(dispute.order_id)
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if not dispute.is_open or order.status != OrderStatus.DISPUTED:
        raise NotAllowed(_("This dispute was already decided."), code="already_decided")
    split_is_valid = (
        isinstance(creator_fen, int)
        and not isinstance(creator_fen, bool)
        and 0 < creator_fen < order.price_fen
    )
    if outcome == DisputeOutcome.SPLIT and not split_is_valid:
        raise invalid(
            "creator_amount",
            _("The creator's part must be more than ¥0.00 and less than the price."),
        )
    at = now()
    run_transition(
        order, "resolve", _("decide"), at=at, outcome=outcome, by=actor, description=note
    )
    order.save()
    refunded = 0
    if outcome == DisputeOutcome.RELEASE:
        release_to_creator(order, actor=actor, memo=memo("dispute_released"))
        creator_part = order.price_fen
    elif outcome == DisputeOutcome.REFUND:
        refunded = refund_all(order, actor=actor, memo=memo("dispute_refunded"))
        creator_part = 0
    else:
        fee = fee_for(price_fen=creator_fen, rate_bp=order.fee_rate_bp)
        escrow.escrow_release(
            order=order,
            actor=actor,
            creator_fen=creator_fen,
            fee_fen=fee,
            memo=memo("dispute_split"),
        )
        refunded = refund_all(order, actor=actor, memo=memo("dispute_split"))
        creator_part = creator_fen
    dispute.outcome = outcome
    dispute.creator_fen = creator_part
    dispute.refund_fen = refunded
    dispute.resolution_note = note
    dispute.resolved_by = actor
    dispute.resolved_at = at
    dispute.save()
    notify(
        order_parties(order),
        "dispute_resolved",
        order=order,
        title=order.title,
        outcome=DisputeOutcome(outcome).label,
    )
    return dispute


@transaction.atomic
def order_message_post(*, order: Order, actor: User, body: str) -> OrderMessage:
    """T60: a message on the order's thread, from either side (or ops)."""
    body = (body or "").strip()
    if not body:
        raise invalid("body", _("Write a message."))
    if len(body) > MAX_TEXT:
        raise invalid("body", _("At most %(max)s characters.") % {"max": MAX_TEXT})
    is_merchant = Membership.objects.filter(
        organization_id=order.shop.organization_id, user=actor
    ).exists()
    if not (is_merchant or order.creator.user_id == actor.pk or actor.is_staff):
        raise WrongSide(_("Only the two sides of the order can write on its thread."))
    message = OrderMessage.objects.create(order=order, author=actor, body=body)
    recipients = (
        ([order.creator.user] if is_merchant else shop_users(order.shop))
        if not actor.is_staff
        else order_parties(order)
    )
    notify(
        [user for user in recipients if user.pk != actor.pk],
        "order_message",
        order=order,
        title=order.title,
        author=actor.get_username(),
    )
    return message
