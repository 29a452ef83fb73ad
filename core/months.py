"""Months of the Beijing calendar (the project's TIME_ZONE): first days, bounds, parsing.

Monthly rules (G2 assessment, G5 verticals, the 视频号 growth tiers) count in Beijing months."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import InvalidInput


def month_first_day(value: date | datetime) -> date:
    if isinstance(value, datetime):
        value = timezone.localdate(value)
    return value.replace(day=1)


def next_month(month: date) -> date:
    days = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=1) + timedelta(days=days)


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first instant of the month and of the next one, in Beijing time."""
    start = timezone.make_aware(datetime.combine(month.replace(day=1), time.min))
    end = timezone.make_aware(datetime.combine(next_month(month), time.min))
    return start, end


def parse_month(text: str) -> date:
    try:
        return datetime.strptime(text.strip(), "%Y-%m").date()
    except (ValueError, AttributeError):
        raise InvalidInput(
            _("Give the month as YYYY-MM, e.g. 2026-10."), code="invalid_month"
        ) from None


def beijing_year(moment: datetime) -> int:
    return timezone.localtime(moment).year
