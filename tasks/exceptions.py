"""The refusals of tasks and orders, each with its stable code (core/error_codes.py lists them
all; docs/errors.md is generated from it). They are the core kinds (400, 403, 409) made
specific, so a client, a page or a test can tell them apart by class or by code."""

from core.exceptions import NotAllowed


class InvalidState(NotAllowed):
    """DESIGN §4: the task, application, proposal or order is in a state that does not allow
    the action now (a transition the state machine refuses)."""

    code = "invalid_state"


class DeadlinePassed(NotAllowed):
    """D3: the deadline of the step has passed (payment, acceptance, delivery …)."""

    code = "deadline_passed"


class SlotsFull(NotAllowed):
    """T12: every slot of the plaza task is taken."""

    code = "slots_full"


class EnrollmentClosed(NotAllowed):
    """T10: the plaza task takes no more applications."""

    code = "enrollment_closed"


class AlreadyApplied(NotAllowed):
    """T11: one active application per creator (or shop) and task."""

    code = "already_applied"


class RevisionsExhausted(NotAllowed):
    """T51: the order has used its revisions."""

    code = "revisions_exhausted"
