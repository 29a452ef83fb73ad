"""Z4: one strict reading of ids and dates that arrive as text (query strings, form fields).

Python's int() also reads "１２" (full-width) and "١٢" (Arabic-Indic) and any length of digits, so
a hand-written `int(request.GET[...])` turns a tampered parameter into a database overflow, a
silent fallback or a 500. Ids are ASCII digits within PostgreSQL's bigint, nothing else.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import django_filters
from django import forms
from django.http import Http404
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from .exceptions import InvalidInput

_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")
_ASCII_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
BIGINT_MAX = 2**63 - 1
# The dates anyone may ask about: a report or income period, a cursor's position. No ledger
# entry is older than the platform; beyond them a date is a typo or a probe, and date arithmetic
# near date.min or date.max overflows on the way to UTC.
DATE_MIN, DATE_MAX = date(2000, 1, 1), date(2099, 12, 31)


def _out_of_range_message() -> str:
    return _("Choose a date between %(first)s and %(last)s.") % {
        "first": DATE_MIN.isoformat(),
        "last": DATE_MAX.isoformat(),
    }


def require_date_in_range(day: date, *, field: str) -> date:
    """`day` when it lies within DATE_MIN..DATE_MAX, else a 400 naming the field."""
    if not DATE_MIN <= day <= DATE_MAX:
        message = _out_of_range_message()
        raise InvalidInput(message, fields={field: [message]})
    return day


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


def parse_ids(value, *, field: str = "ids") -> list[int]:
    """Comma-separated ids (ASCII or full-width commas), each read by parse_id; [] when blank."""
    text = (value or "").replace("，", ",")
    parts = [part.strip() for part in text.split(",") if part.strip()]
    try:
        return list(dict.fromkeys(parse_id(part, field=field) for part in parts))
    except InvalidInput:
        message = _("Give ids separated by commas, e.g. 12,15.")
        raise InvalidInput(message, fields={field: [message]}) from None


def parse_date(value, *, field: str = "date") -> date | None:
    """A date written YYYY-MM-DD in ASCII digits, between DATE_MIN and DATE_MAX; None when
    blank; anything else is a 400 naming the field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    parsed = None
    if _ASCII_DATE.fullmatch(text):
        try:
            parsed = date.fromisoformat(text)
        except ValueError:
            parsed = None
    if parsed is None:
        message = _("Enter a date like 2026-11-01.")
        raise InvalidInput(message, fields={field: [message]})
    return require_date_in_range(parsed, field=field)


def parse_moment(value) -> datetime | None:
    """An ISO date-time within DATE_MIN..DATE_MAX, or None when it is not one."""
    try:
        moment = parse_datetime(str(value))
    except ValueError:
        return None
    if moment is None or not DATE_MIN <= moment.date() <= DATE_MAX:
        return None
    return moment


class StrictIdField(forms.Field):
    """A form field for an id: ASCII digits within bigint (Z4)."""

    def to_python(self, value):
        try:
            return parse_id(value)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from None


class StrictDateField(forms.DateField):
    """A form field for a date: YYYY-MM-DD in ASCII digits, within DATE_MIN..DATE_MAX (Z4)."""

    def to_python(self, value):
        if isinstance(value, date):
            return value
        try:
            return parse_date(value)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from None


class IdFilter(django_filters.NumberFilter):
    """django-filter's id filter with the strict reading: `？id=１２` or 30 digits is a 400."""

    field_class = StrictIdField


class StrictMomentField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time in ASCII, within DATE_MIN..DATE_MAX (Z4): year 9999 with a
    negative offset overflows on the way to UTC, full-width digits are not a date."""

    def to_python(self, value):
        message = _("Give a date-time in ISO 8601, e.g. 2026-11-01T00:00:00+08:00.")
        if isinstance(value, str) and not value.isascii():
            raise forms.ValidationError(message)
        try:
            moment = super().to_python(value)
        except OverflowError:
            raise forms.ValidationError(message) from None
        if moment is not None and not DATE_MIN <= moment.date() <= DATE_MAX:
            raise forms.ValidationError(_out_of_range_message())
        return moment


class MomentFilter(django_filters.IsoDateTimeFilter):
    """django-filter's ISO date-time filter with the strict reading (Z4)."""

    field_class = StrictMomentField
