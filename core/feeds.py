"""The platform's data feeds (G1 live sessions, F1 content metrics): batches of rows from the
API or a CSV file, each row checked on its own, good rows written, bad rows reported with
their errors per field. This module holds what both feeds share."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from .exceptions import InvalidInput
from .money import parse_yuan

MAX_BATCH_ROWS = 1000
# Older figures are typos (year 1 would even be stored as a BC time the database can't read
# back into Python): the platforms' data starts long after this.
EARLIEST = date(2000, 1, 1)


@dataclass
class RowResult:
    row: int
    key: str
    status: str  # created | updated | unchanged | refused
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class IngestReport:
    rows: list[RowResult]
    key_name: str = "id"

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def refused_count(self) -> int:
        return self.count("refused")

    @property
    def refused(self) -> list[RowResult]:
        return [r for r in self.rows if r.status == "refused"]

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "refused": self.refused_count,
            "rows": [
                {"row": r.row, self.key_name: r.key, "status": r.status, "errors": r.errors}
                for r in self.rows
            ],
        }


def is_ascii_number(text: str) -> bool:
    """Digits 0-9 only: "²" or "١٢٣" pass str.isdigit() but are not numbers int() takes as
    the feed means them."""
    return text.isascii() and text.isdigit()


def check_batch(rows) -> list[Mapping]:
    """A batch is a list of at most MAX_BATCH_ROWS objects; anything else is refused whole."""
    rows = list(rows)
    if len(rows) > MAX_BATCH_ROWS:
        raise InvalidInput(
            _("Send at most %(max)d rows per batch.") % {"max": MAX_BATCH_ROWS},
            code="batch_too_large",
        )
    for raw in rows:
        if not isinstance(raw, Mapping):
            raise InvalidInput(_("Each row must be an object."), code="invalid")
    return rows


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time; without an offset it is Beijing time, the feed's own zone."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = parse_datetime(str(value or "").strip())
        except ValueError:
            return None
    if moment is None or moment.date() < EARLIEST:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def parse_day(value: object) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    else:
        try:
            day = parse_date(str(value or "").strip())
        except ValueError:
            return None
    return day if day is not None and day >= EARLIEST else None


def money(value: object, errors: dict, name: str, *, required: bool) -> int:
    """Fen from a yuan string; a bad amount is recorded under `name` in `errors`."""
    if value in (None, "") and not required:
        return 0
    try:
        return parse_yuan(value)
    except (ValueError, TypeError):
        errors.setdefault(name, []).append(
            _("Give an amount in yuan with at most two decimals, e.g. 1280.50.")
        )
        return 0


def count(value: object, errors: dict, name: str) -> int:
    """A whole number, zero or more (a JSON integer or a digit string from a CSV)."""
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or not (
        isinstance(value, int) or (isinstance(value, str) and is_ascii_number(value.strip()))
    ):
        errors.setdefault(name, []).append(_("Give a whole number, zero or more."))
        return 0
    number = int(value)
    if number < 0 or number > 2**62:
        errors.setdefault(name, []).append(_("Give a whole number, zero or more."))
        return 0
    return number


def csv_batches(
    file: bytes | str, *, columns: tuple[str, ...], optional: tuple[str, ...] = ()
) -> Iterator[tuple[int, list[dict]]]:
    """The rows of an uploaded CSV in batches, each with the CSV line of its first row (the
    header is line 1). A file that is not UTF-8, or whose header lacks a column, is refused."""
    if isinstance(file, bytes):
        try:
            file = file.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(
                _("The file is not UTF-8 text; save the CSV as UTF-8 and try again."),
                code="invalid_csv",
            ) from None
    reader = csv.DictReader(io.StringIO(file))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in columns if name not in optional and name not in header]
    if missing:
        raise InvalidInput(
            _("The CSV header lacks the columns: %(columns)s. Expected: %(expected)s.")
            % {"columns": ", ".join(missing), "expected": ",".join(columns)},
            code="invalid_csv",
        )
    reader.fieldnames = header
    batch: list[dict] = []
    line = 2
    try:
        for raw in reader:
            batch.append(raw)
            if len(batch) == MAX_BATCH_ROWS:
                yield line, batch
                line += len(batch)
                batch = []
    except csv.Error as exc:
        raise InvalidInput(
            _("The CSV cannot be read after line %(line)d (%(error)s).")
            % {"line": line + len(batch), "error": exc},
            code="invalid_csv",
        ) from None
    if batch:
        yield line, batch


def store_rows(
    model,
    *,
    key: str,
    cleaned: dict,
    updatable: tuple[str, ...],
    owner: str,
    owner_error: tuple[str, str],
    now,
    **create_fields,
) -> list[dict]:
    """Write a feed batch's checked rows, keyed by the platform's id in the `key` column: a new
    key is created, a known one updated when a figure changed (else unchanged), and a key that
    belongs to another owner (`owner`, a column) is refused with `owner_error` (field,
    message). `cleaned` maps each key to (RowResult, the row's values); each result gets its
    status or errors. Returns the values of the rows created or updated.

    The rows being corrected are locked, so two batches that correct one row serialise. A
    concurrent batch may create the same key after the read: `ignore_conflicts` lets its row
    win (the feed sends one row's facts) and both batches report it created."""
    changed = []
    with transaction.atomic():
        existing = {
            getattr(row, key): row
            for row in model.objects.select_for_update().filter(**{f"{key}__in": list(cleaned)})
        }
        to_create, to_update = [], []
        for row_key, (result, values) in cleaned.items():
            row = existing.get(row_key)
            if row is None:
                to_create.append(model(**create_fields, **values))
                result.status = "created"
            elif getattr(row, owner) != values[owner]:
                result.errors = {owner_error[0]: [owner_error[1]]}
                continue
            elif all(getattr(row, name) == values[name] for name in updatable):
                result.status = "unchanged"
                continue
            else:
                for name in updatable:
                    setattr(row, name, values[name])
                row.updated_at = now  # bulk_update does not run auto_now
                to_update.append(row)
                result.status = "updated"
            changed.append(values)
        model.objects.bulk_create(to_create, ignore_conflicts=True, batch_size=500)
        if to_update:
            model.objects.bulk_update(to_update, [*updatable, "updated_at"], batch_size=500)
    return changed
