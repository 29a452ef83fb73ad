"""E6: `Idempotency-Key` on every request that moves money.

The first request with a key claims it by inserting a row (committed at once, so a concurrent
request with the same key sees it); its response — success or refusal, not a server error — is
stored byte for byte. A retry with the same key and the same body gets that response again and
moves nothing; the same key with another body is 409. A retry that arrives while the first is
still running waits for it a little, then gets 409 telling it to retry.
"""

from __future__ import annotations

import hashlib
import time

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _

from core.exceptions import InvalidInput

from .exceptions import IdempotencyConflict
from .models import IdempotencyKey, IdempotencyStatus

HEADER = "Idempotency-Key"
WAIT_FOR_FIRST_SECONDS = 10.0
MAX_KEY_LENGTH = 255


def request_fingerprint(request) -> str:
    raw = request.body  # read once here; Django keeps it for the parsers
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), raw):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class Replay(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _stored_response(record: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body or b""),
        status=record.response_status,
        content_type=record.response_content_type or "application/json",
    )
    response["Idempotent-Replayed"] = "true"
    return response


def claim(*, user, key: str, request) -> IdempotencyKey:
    """Claim the key for this request, or raise Replay with the first response, or 409."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            _("The Idempotency-Key header must be 1 to 255 characters."),
            fields={"Idempotency-Key": [_("1 to 255 characters.")]},
        )
    fingerprint = request_fingerprint(request)
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user=user,
                key=key,
                request_hash=fingerprint,
                method=request.method,
                path=request.path[:255],
            )
    except IntegrityError:
        pass
    deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
    while True:
        record = IdempotencyKey.objects.get(user=user, key=key)
        if record.request_hash != fingerprint:
            raise IdempotencyConflict(
                _("This Idempotency-Key was already used with a different request.")
            )
        if record.status == IdempotencyStatus.DONE:
            raise Replay(_stored_response(record))
        if time.monotonic() >= deadline:
            raise IdempotencyConflict(
                _("A request with this Idempotency-Key is still being processed; retry shortly.")
            )
        time.sleep(0.05)  # the first request holds no lock we could wait on; poll briefly


def complete(record: IdempotencyKey, response) -> None:
    """Store the first response. A server error frees the key instead, so a retry may run."""
    if response.status_code >= 500:
        abandon(record)
        return
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    IdempotencyKey.objects.filter(pk=record.pk).update(
        status=IdempotencyStatus.DONE,
        response_status=response.status_code,
        response_body=bytes(response.content),
        response_content_type=response.get("Content-Type", "application/json"),
    )


def abandon(record: IdempotencyKey) -> None:
    IdempotencyKey.objects.filter(pk=record.pk, status=IdempotencyStatus.STARTED).delete()


class IdempotentMixin:
    """For DRF views whose POST moves money. Runs after authentication, so keys are per user."""

    _idempotency_record: IdempotencyKey | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.headers.get(HEADER)
        if request.method == "POST" and key is not None:
            self._idempotency_record = claim(user=request.user, key=key, request=request._request)

    def handle_exception(self, exc):
        if isinstance(exc, Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record, self._idempotency_record = self._idempotency_record, None
        if record is not None:
            complete(record, response)
        return response

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except BaseException:
            if self._idempotency_record is not None:
                abandon(self._idempotency_record)
            raise
