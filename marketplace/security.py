"""Z1/Z2 at the edge: the login lockout's answer and `Cache-Control: no-store` on private
responses."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.api_errors import error_body


def lockout_response(request, original_response=None, credentials=None):
    """Z2: what a locked-out login gets (django-axes' AXES_LOCKOUT_CALLABLE): the API error shape
    under /api/, a page elsewhere; both 429 with Retry-After."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed sign-ins. This account is locked from your address for %(minutes)s "
        "minutes; try again later or reset your password."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body("locked_out", message), status=429)
    else:
        response = render(request, "accounts/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


class NoStoreMiddleware:
    """Z1: API answers and every page shown to a signed-in user (wallets, orders, earnings) carry
    `Cache-Control: no-store`, so no shared or browser cache keeps a copy of private data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        is_private = request.path.startswith("/api/") or (
            user is not None and user.is_authenticated
        )
        if is_private:
            response["Cache-Control"] = "no-store"
        return response
