"""The admin's bulk actions: run one service per selected row, each refusal shown beside its row.

Every app's admin calls `for_each_row`, so a refusal never aborts the others and never reaches
a 500, and the ops user reads one line with the count of rows done."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages

from .exceptions import DomainError


def for_each_row(
    model_admin,
    request,
    queryset,
    action: Callable,
    done: str,
    *,
    label: Callable = lambda obj: f"#{obj.pk}",
    quiet_when_none: bool = False,
) -> int:
    """Call `action(row)` for each row; a row counts when the action returns something.

    `done` is a message with `%(n)d`; `quiet_when_none` skips it when no row was done."""
    count = 0
    for obj in queryset:
        try:
            if action(obj) is not None:
                count += 1
        except DomainError as exc:
            model_admin.message_user(request, f"{label(obj)}: {exc.message}", messages.WARNING)
    if count or not quiet_when_none:
        model_admin.message_user(request, done % {"n": count}, messages.SUCCESS)
    return count
