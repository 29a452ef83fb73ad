"""E7: the payment gateway adapter.

Money enters (top-ups) and leaves (payouts) through a gateway. The contract with any gateway:
we create and commit a PaymentIntent, then ask the gateway to act on it; the gateway answers
later with a callback signed with HMAC-SHA256 over the raw body, which `gateway_callback_receive`
verifies and settles. Nothing moves money until that callback.

The bundled SandboxGateway settles at once: it signs its callback with the shared secret and
delivers it to the same receiver the HTTP callback endpoint uses. Payouts to an account whose id
starts with "fail" fail, so the failure path can be tried by hand.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

SIGNATURE_HEADER = "X-Gateway-Signature"


def sign(body: bytes) -> str:
    return hmac.new(settings.GATEWAY_SECRET.encode(), body, hashlib.sha256).hexdigest()


def signature_is_valid(body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(body), (signature or "").strip().lower())


def callback_body(
    *, intent_id: int, status: str, amount_fen: int, reference: str, reason: str = ""
) -> bytes:
    payload = {
        "intent_id": intent_id,
        "status": status,
        "amount_fen": amount_fen,
        "reference": reference,
        "reason": reason,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


class Gateway(Protocol):
    def start_top_up(self, intent) -> None: ...

    def start_payout(self, intent, *, account_id: str, holder_name: str) -> None: ...


class SandboxGateway:
    """Settles at once, through the signed-callback path a real gateway would use."""

    def _deliver(self, body: bytes) -> None:
        from .services import gateway_callback_receive

        gateway_callback_receive(body=body, signature=sign(body))

    def start_top_up(self, intent) -> None:
        self._deliver(
            callback_body(
                intent_id=intent.pk,
                status="succeeded",
                amount_fen=intent.amount_fen,
                reference=f"sandbox-{uuid.uuid4().hex[:16]}",
            )
        )

    def start_payout(self, intent, *, account_id: str, holder_name: str) -> None:
        failed = account_id.lower().startswith("fail")
        self._deliver(
            callback_body(
                intent_id=intent.pk,
                status="failed" if failed else "succeeded",
                amount_fen=intent.amount_fen,
                reference=f"sandbox-{uuid.uuid4().hex[:16]}",
                reason="sandbox: the receiving account refused the transfer" if failed else "",
            )
        )


def get_gateway() -> Gateway:
    return import_string(settings.PAYMENT_GATEWAY)()
