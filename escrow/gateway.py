"""E7: the payment gateway adapter.

Money enters (top-ups) and leaves (payouts) through a gateway. The contract with any gateway:
we create and commit a PaymentIntent, then ask the gateway to act on it; the gateway answers
later with a callback signed with HMAC-SHA256 over the raw body, which `gateway_callback_receive`
verifies and settles. Nothing moves money until that callback.

The bundled sandbox (`escrow.sandbox.SandboxGateway`) settles at once. It lives in its own
module because it calls our receiver the way a real gateway calls the callback endpoint: this
module is imported by the services, the sandbox imports them, and `PAYMENT_GATEWAY` names the
class that `get_gateway()` loads when it is first asked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
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


def get_gateway() -> Gateway:
    return import_string(settings.PAYMENT_GATEWAY)()
