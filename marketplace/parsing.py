"""Z4: one strict reading of ids that arrive as text (query strings, form fields).

Python's int() also reads "１２" (full-width) and "١٢" (Arabic-Indic) and any length of digits, so
a hand-written `int(request.GET[...])` turns a tampered parameter into a database overflow, a
silent fallback or a 500. Ids are ASCII digits within PostgreSQL's bigint, nothing else.
"""

from __future__ import annotations

import re

from django.http import Http404
from django.utils.translation import gettext as _

from .exceptions import InvalidInput

_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")
BIGINT_MAX = 2**63 - 1


def parse_id(value, *, field: str = "id") -> int | None:
    """The id in `value`, or None when it is blank. Anything but ASCII digits within bigint is
    refused with a 400 naming the field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if _ASCII_DIGITS.fullmatch(text) and int(text) <= BIGINT_MAX:
        return int(text)
    message = _("Enter an id made of the digits 0-9.")
    raise InvalidInput(message, fields={field: [message]})


def id_or_404(value) -> int | None:
    """For pages: an id that cannot name any object is simply not found."""
    try:
        return parse_id(value)
    except InvalidInput:
        raise Http404("No such object.") from None
