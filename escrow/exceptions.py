from core.exceptions import DomainError, InvalidInput, NotAllowed


class InsufficientFunds(NotAllowed):
    """E3/E5: the movement would take an account below zero."""

    code = "insufficient_funds"


class EscrowMismatch(NotAllowed):
    """The order's escrow does not hold what the movement needs (already released or refunded)."""

    code = "escrow_mismatch"


class LedgerInvariantBroken(DomainError):
    """A posting that would break E2 (unbalanced, fewer than two lines). A bug, never user input."""

    code = "ledger_invariant"
    status = 500


class BadSignature(InvalidInput):
    """E7: a gateway callback whose signature does not verify."""

    code = "bad_signature"


class PaymentAccountRequired(NotAllowed):
    """M2: a Tmall store pays only with a bound operating payment account."""

    code = "payment_account_required"


class IdempotencyConflict(NotAllowed):
    """E6: the key was used with another request, or its first request is still running."""

    code = "idempotency_conflict"
