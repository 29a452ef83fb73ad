"""Z2: API throttles per user and per address, tighter on authentication and money routes.

Every rate comes from `settings.API_THROTTLE_RATES` and is read when a request arrives, so a
deployment tunes them from the environment and tests can change them per test.
`settings.API_THROTTLE = False` (`API_THROTTLE=off`) switches every API throttle off for load tests
and scripted runs; the login lockout (django-axes) stays on regardless.

Which routes count as authentication or money is decided here by path, in one place, instead of a
`throttle_scope` on each view: a new money route is added to one list.
"""

from __future__ import annotations

import re

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

# POSTs that start or move money (DESIGN §5: every one of them honours Idempotency-Key).
MONEY_PATHS = re.compile(
    r"^/api/v1/(?:wallet/top-ups/|withdrawals/|payout-account/|payments/balances/"
    r"|tasks/\d+/pay/|tasks/\d+/applications/|orders/\d+/(?:pay|pay-balance|confirm|cancel)/)$"
)
AUTH_PATHS = re.compile(r"^/api/v1/auth/")


class _SettingsRateThrottle(SimpleRateThrottle):
    """A DRF throttle whose rate is looked up in settings at request time."""

    scope = ""

    def __init__(self):
        # SimpleRateThrottle reads its rate in __init__ from the class attribute; ours is read
        # per request in allow_request instead.
        pass

    def applies(self, request) -> bool:
        return True

    def allow_request(self, request, view) -> bool:
        if not getattr(settings, "API_THROTTLE", True) or not self.applies(request):
            return True
        self.rate = settings.API_THROTTLE_RATES[self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def _ident(self, request) -> str:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user-{user.pk}"
        return f"addr-{self.get_ident(request)}"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self._ident(request)}


class UserThrottle(_SettingsRateThrottle):
    """Every API request: per signed-in user, or per address for anonymous callers."""

    scope = "user"

    def applies(self, request) -> bool:
        user = getattr(request, "user", None)
        return user is not None and user.is_authenticated


class AnonymousThrottle(_SettingsRateThrottle):
    scope = "anonymous"

    def applies(self, request) -> bool:
        user = getattr(request, "user", None)
        return user is None or not user.is_authenticated


class AddressThrottle(_SettingsRateThrottle):
    """Every API request from one address, whoever is signed in: many accounts behind one
    address (a script rotating stolen tokens) are still held back."""

    scope = "address"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthThrottle(AddressThrottle):
    """Registration, token and logout calls, per address: password guessing and mass sign-up."""

    scope = "auth"

    def applies(self, request) -> bool:
        return bool(AUTH_PATHS.match(request.path))


class MoneyThrottle(_SettingsRateThrottle):
    """POSTs that move money, per user (or address)."""

    scope = "money"

    def applies(self, request) -> bool:
        return request.method == "POST" and bool(MONEY_PATHS.match(request.path))
