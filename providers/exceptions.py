"""The refusals of service providers (P1–P7), each with its stable code (core/error_codes.py)."""

from core.exceptions import NotAllowed


class NotAdmitted(NotAllowed):
    """P2/P6: the provider is not admitted now (pending, suspended or terminated)."""

    code = "not_admitted"


class AlreadyDelegated(NotAllowed):
    """P6: the shop's tasks are already delegated to this provider."""

    code = "already_delegated"


class NotSubmitted(NotAllowed):
    """P3: the application is not waiting for a review."""

    code = "not_submitted"


class ApplicationLocked(NotAllowed):
    """P3: an application under review or decided cannot be changed by the applicant."""

    code = "application_locked"
