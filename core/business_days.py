"""Business days of mainland China (I3): official holidays off, make-up working days on.

The calendar is the maintained `chinesecalendar` package (updated each year from the State
Council's notice), never a hand-made list. For a year the package does not know yet, Monday to
Friday count, so a deadline is never lost for want of a calendar.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import chinese_calendar
from django.utils import timezone


def is_business_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year beyond the package's data
        return day.weekday() < 5


def add_business_days(moment: datetime, days: int) -> datetime:
    """The end of the `days`-th business day after `moment`'s Beijing day (23:59:59 of it):
    submitted on a Friday, 2 business days are over at the end of Tuesday."""
    day = timezone.localtime(moment).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_business_day(day):
            counted += 1
    return timezone.make_aware(datetime.combine(day, time.max))
