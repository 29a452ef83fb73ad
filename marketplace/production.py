"""Z1: the start-up refusal of an unsafe production configuration.

Imported by settings.py, so it imports nothing from Django but the exception."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

DEFAULT_SECRET_KEY_PREFIX = "dev-only"
# Django's own deployment check asks for 50 characters or more.
MIN_SECRET_KEY_LENGTH = 50
DEFAULT_GATEWAY_SECRET = "sandbox-gateway-secret"
SANDBOX_GATEWAY = "escrow.sandbox.SandboxGateway"


def production_problems(
    *, debug: bool, secret_key: str, gateway: str, gateway_secret: str, demo: bool
) -> list[str]:
    """Z1: what stops a deployment with DEBUG off from starting (an empty list: none).

    A default SECRET_KEY is never allowed (sessions and password-reset links could be forged). The
    sandbox gateway settles every top-up at once with no money behind it, and the default gateway
    secret is public, so a signed callback could credit any wallet: both are allowed only when
    DEMO_DEPLOYMENT=1 names the deployment a demo, and then every page says so."""
    if debug:
        return []
    problems = []
    if (
        len(secret_key or "") < MIN_SECRET_KEY_LENGTH
        or secret_key.startswith(DEFAULT_SECRET_KEY_PREFIX)
        or "change-me" in secret_key
    ):
        problems.append(
            "Set SECRET_KEY when DEBUG is off: a random value of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters."
        )
    if not demo:
        if gateway == SANDBOX_GATEWAY:
            problems.append(
                "PAYMENT_GATEWAY is the sandbox, which settles top-ups with no real money: "
                "configure a real gateway, or set DEMO_DEPLOYMENT=1 for a demo."
            )
        if not gateway_secret or gateway_secret == DEFAULT_GATEWAY_SECRET:
            problems.append(
                "GATEWAY_SECRET is the public default: set the gateway's own secret, "
                "or DEMO_DEPLOYMENT=1 for a demo."
            )
    return problems


def refuse_unsafe_production(**configuration) -> None:
    problems = production_problems(**configuration)
    if problems:
        raise ImproperlyConfigured(" ".join(problems))
