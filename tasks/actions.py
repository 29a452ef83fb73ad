"""One table of the order actions (§4), for the order page and the API alike.

Each entry names the action once (the API's path segment, which the page posts as `action`
too), the service call it runs with the cleaned input, the page form and the API serializer
that clean that input into the same keys, and the message the page shows when it is done.
The page (`tasks/views.py`) and the API (`tasks/api.py`) both dispatch through it, so an action
can no longer exist, or be named, on one side only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import services
from .forms import AcceptForm, ConfirmForm, DeclineForm, DeliverForm, DisputeForm, RevisionForm
from .serializers import (
    AcceptSerializer,
    ConfirmSerializer,
    DeclineSerializer,
    DeliverSerializer,
    DisputeCreateSerializer,
    RevisionRequestSerializer,
)


@dataclass(frozen=True)
class OrderAction:
    """`run(order=, actor=, data=)` calls the service; `data` is the cleaned input (empty for
    an action without input). `files` is the uploaded files of a delivery."""

    run: Callable
    done: str
    form: type | None = None
    serializer: type | None = None


def _accept(*, order, actor, data):
    return services.order_accept(order=order, actor=actor, price_fen=data.get("price"))


def _decline(*, order, actor, data):
    # the page's form names its fields apart from the other forms of the order page
    return services.order_decline(
        order=order,
        actor=actor,
        reason=data.get("reason") or data.get("decline_reason") or "",
        note=data.get("note") or data.get("decline_note") or "",
    )


def _deliver(*, order, actor, data):
    return services.order_deliver(
        order=order,
        actor=actor,
        links=data["links"],
        note=data.get("note", ""),
        files=data.get("files") or [],
        is_joint_content=data.get("is_joint_content", False),
    )


def _request_revision(*, order, actor, data):
    return services.order_request_revision(
        order=order, actor=actor, note=data["note"], new_deadline=data.get("deadline")
    )


def _confirm(*, order, actor, data):
    return services.order_confirm(
        order=order, actor=actor, rating=data["rating"], comment=data.get("comment", "")
    )


def _dispute(*, order, actor, data):
    return services.order_dispute(
        order=order, actor=actor, reason=data["reason"], ground=data["ground"]
    )


ORDER_ACTIONS: dict[str, OrderAction] = {
    "pay": OrderAction(
        run=lambda *, order, actor, data: services.order_pay(order=order, actor=actor),
        done=_("Paid. The money is held by the platform until you confirm the work."),
    ),
    "accept": OrderAction(
        run=_accept,
        done=_("You accepted the order."),
        form=AcceptForm,
        serializer=AcceptSerializer,
    ),
    "decline": OrderAction(
        run=_decline,
        done=_("You declined the order; the merchant is refunded."),
        form=DeclineForm,
        serializer=DeclineSerializer,
    ),
    "cancel": OrderAction(
        run=lambda *, order, actor, data: services.order_cancel(order=order, actor=actor),
        done=_("The order is cancelled; anything paid is back in the wallet."),
    ),
    "restore-price": OrderAction(
        run=lambda *, order, actor, data: services.order_restore_price(order=order, actor=actor),
        done=_("The original price is restored."),
    ),
    "pay-balance": OrderAction(
        run=lambda *, order, actor, data: services.order_pay_balance(order=order, actor=actor),
        done=_("The balance is paid; the creator can start."),
    ),
    "deliver": OrderAction(
        run=_deliver,
        done=_("Delivered. The merchant has 7 days to confirm."),
        form=DeliverForm,
        serializer=DeliverSerializer,
    ),
    "request-revision": OrderAction(
        run=_request_revision,
        done=_("Revision requested."),
        form=RevisionForm,
        serializer=RevisionRequestSerializer,
    ),
    "confirm": OrderAction(
        run=_confirm,
        done=_("Confirmed. The creator is paid."),
        form=ConfirmForm,
        serializer=ConfirmSerializer,
    ),
    "dispute": OrderAction(
        run=_dispute,
        done=_("The dispute is opened; ops will decide. The money stays held."),
        form=DisputeForm,
        serializer=DisputeCreateSerializer,
    ),
}


def form_key(action: str) -> str:
    """The name a page form goes by in templates (`forms.request_revision`)."""
    return action.replace("-", "_")
