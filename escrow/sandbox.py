"""E7: the sandbox payment gateway, for development, tests and demo deployments.

It settles at once: it signs its callback with the shared secret and delivers it to the same
receiver the HTTP callback endpoint uses (`escrow.services.gateway_callback_receive`), as a real
gateway would over the network. Payouts to an account whose id starts with "fail" fail, so the
failure path can be tried by hand. Production refuses it (Z1) unless DEMO_DEPLOYMENT is set.
"""

from __future__ import annotations

import uuid

from .gateway import callback_body, sign
from .services import gateway_callback_receive


class SandboxGateway:
    """Settles at once, through the signed-callback path a real gateway would use."""

    def _deliver(self, body: bytes) -> None:
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
