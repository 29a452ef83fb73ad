"""JSON bodies with a size and a nesting limit (Z4).

Python's json recursion gives a RecursionError (a 500) on a body nested a few thousand deep,
so the depth is counted first by a flat scan of the bytes: brackets inside strings (and
escaped quotes inside them) do not count.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text nests objects/arrays deeper than limit; no recursion."""
    depth = 0
    in_string = False
    escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def check_json_body(body: bytes, *, max_bytes: int | None = None) -> None:
    """Raise the API errors for a body over its size (413) or nesting (400) limit."""
    limit = max_bytes if max_bytes is not None else settings.API_JSON_MAX_BYTES
    if len(body) > limit:
        raise BodyTooLarge(_("The request body is larger than %(limit)d bytes.") % {"limit": limit})
    if json_depth_exceeds(body):
        raise exceptions.ParseError(
            _("The JSON body is nested deeper than %(depth)d levels.") % {"depth": MAX_JSON_DEPTH}
        )


class LimitedJSONParser(JSONParser):
    """DRF's JSON parser behind the size and depth limits."""

    max_bytes: int | None = None

    def parse(self, stream, media_type=None, parser_context=None):
        limit = self.max_bytes if self.max_bytes is not None else settings.API_JSON_MAX_BYTES
        body = stream.read(limit + 1) if stream is not None else b""
        check_json_body(body, max_bytes=limit)
        return super().parse(io.BytesIO(body), media_type, parser_context)
