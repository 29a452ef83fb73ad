"""Money is an integer number of fen (E1). This is the one place that converts to and from yuan."""

from __future__ import annotations

import re

_YUAN_RE = re.compile(r"^[0-9]{1,13}(\.[0-9]{1,2})?$")  # ASCII digits only


def parse_yuan(value: object) -> int:
    """Parse a yuan amount (string like "1280.5" or "1280.50", or an int) into fen.

    Raises ValueError for negative, non-numeric or more-than-two-decimal amounts, and for
    floats: a float cannot carry an exact amount of money.
    """
    if isinstance(value, bool | float):
        raise ValueError("amount must be a string of yuan with at most two decimals")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("amount must not be negative")
        # Same 13-digit bound as text, so fen always fits a 64-bit column.
        value = str(value)
    text = str(value).strip()
    if not _YUAN_RE.match(text):
        raise ValueError("amount must be a non-negative number of yuan with at most two decimals")
    whole, _dot, fraction = text.partition(".")
    return int(whole) * 100 + int((fraction + "00")[:2])


def format_yuan(fen: int) -> str:
    """1280000 → "12800.00" (the API's representation)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


def format_cny(fen: int | None) -> str:
    """128000 → "¥1,280.00" (the pages' representation)."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"
