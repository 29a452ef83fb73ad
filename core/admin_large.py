"""Admin lists of tables that grow to millions of rows (tasks, orders, applications, the ledger,
notifications): pages that cost the same at any size (docs/performance.md).

Django's defaults read the whole table on every list page: the model's ordering (creation
time) sorts every row, `date_hierarchy` runs a DISTINCT over every row's date, and the "show
all" count counts the whole table again under a filter. Newest first by primary key walks the
primary key; the creation time is a filter (today, past 7 days, this month, this year)
instead of a drill-down.
"""

from __future__ import annotations

from django.contrib import admin

CREATED_FILTER = ("created_at", admin.DateFieldListFilter)


class LargeTableMixin:
    """Put first among a ModelAdmin's bases."""

    ordering = ("-id",)
    show_full_result_count = False
