"""Query-parameter filters of the plazas and the order list (DESIGN §5, T62)."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.money import parse_yuan
from core.parsing import IdFilter, MomentFilter
from parties.models import ContentType
from tasks.models import OrderKind, OrderStatus, Task, TaskMode, TaskStatus

from .selectors import on_channel


def _yuan(value: str) -> int:
    try:
        return parse_yuan(value)
    except ValueError:
        raise ValidationError(_('Enter yuan with at most two decimals, e.g. "1280.00".')) from None


class TaskFilter(django_filters.FilterSet):
    mode = django_filters.ChoiceFilter(choices=TaskMode.choices)
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices)
    channel = django_filters.CharFilter(method="filter_channel")
    content_type = django_filters.ChoiceFilter(choices=ContentType.choices)
    min_price = django_filters.CharFilter(method="filter_min_price", validators=[_yuan])
    max_price = django_filters.CharFilter(method="filter_max_price", validators=[_yuan])
    mine = django_filters.BooleanFilter(method="filter_noop")

    class Meta:
        model = Task
        fields = ["mode", "status", "channel", "content_type"]

    def filter_channel(self, queryset, name, value):
        return queryset.filter(on_channel(value)) if value else queryset

    def filter_min_price(self, queryset, name, value):
        return queryset.filter(price_fen__gte=_yuan(value)) if value else queryset

    def filter_max_price(self, queryset, name, value):
        return queryset.filter(price_fen__lte=_yuan(value)) if value else queryset

    def filter_noop(self, queryset, name, value):
        return queryset  # `mine` picks the selector (own tasks vs the plazas), not a filter


class OrderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    kind = django_filters.ChoiceFilter(choices=OrderKind.choices)
    created_after = MomentFilter(field_name="created_at", lookup_expr="gte")
    created_before = MomentFilter(field_name="created_at", lookup_expr="lt")
    id = IdFilter(field_name="id")
    task = IdFilter(field_name="task_id")
