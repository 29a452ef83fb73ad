"""Large counts the way the platforms our users know show them (issue 21): 310万 in Chinese,
3.1M in English. A count is never overstated: the one decimal is cut, not rounded up."""

from __future__ import annotations

# (threshold, divisor, suffix), largest first
CHINESE_UNITS = ((100_000_000, 100_000_000, "亿"), (10_000, 10_000, "万"))
ENGLISH_UNITS = (
    (1_000_000_000, 1_000_000_000, "B"),
    (1_000_000, 1_000_000, "M"),
    (10_000, 1_000, "K"),
)


def _one_decimal(number: int, divisor: int) -> str:
    tenths = number * 10 // divisor
    whole, tenth = divmod(tenths, 10)
    return f"{whole:,}.{tenth}" if tenth else f"{whole:,}"


def format_count(number, language: str = "zh-hans") -> str:
    """3_100_000 → "310万" (zh) / "3.1M" (en); 31_000 → "3.1万" / "31K"; below 10,000 the
    count itself, grouped ("9,999"). Anything not an int is returned as it came."""
    if isinstance(number, bool) or not isinstance(number, int):
        return number
    sign, number = ("-", -number) if number < 0 else ("", number)
    units = CHINESE_UNITS if (language or "").lower().startswith("zh") else ENGLISH_UNITS
    for threshold, divisor, suffix in units:
        if number >= threshold:
            return f"{sign}{_one_decimal(number, divisor)}{suffix}"
    return f"{sign}{number:,}"
