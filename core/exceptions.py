"""Domain errors with a stable code.

One DRF exception handler (core.api_errors) and the page views turn these into the JSON
error shape of DESIGN §5 or a message next to the form.
"""

from __future__ import annotations


class DomainError(Exception):
    """An action the rules refuse. `status` is the HTTP status the API answers with."""

    code = "not_allowed"
    status = 409

    def __init__(
        self, message: str, *, code: str | None = None, fields: dict | None = None
    ) -> None:
        super().__init__(str(message))
        self.message = str(message)
        if code:
            self.code = code
        self.fields = fields or {}


class InvalidInput(DomainError):
    """Bad input: 400."""

    code = "invalid"
    status = 400


class NotAllowed(DomainError):
    """Not allowed in the current state: 409."""

    code = "not_allowed"
    status = 409


class WrongSide(DomainError):
    """The account's side (or role) cannot do this: 403."""

    code = "wrong_side"
    status = 403


class AdmissionRefused(InvalidInput):
    """M1: the shop does not meet the admission rules."""

    code = "admission_refused"


class Banned(DomainError):
    """S1/S2: the account, shop or agency is banned or restricted now (403)."""

    code = "banned"
    status = 403
