"""The API's money fields: yuan as a two-decimal string in JSON, integer fen inside (E1)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.money import format_yuan, parse_yuan


@extend_schema_field({"type": "string", "example": "1280.00", "pattern": r"^\d+(\.\d{1,2})?$"})
class MoneyField(serializers.Field):
    """Yuan as a string with two decimals in JSON; integer fen inside (E1)."""

    default_error_messages = {
        "invalid": _(
            'Enter an amount of yuan as a string with at most two decimals, e.g. "1280.00".'
        ),
    }

    def to_representation(self, value: int) -> str:
        return format_yuan(value)

    def to_internal_value(self, data) -> int:
        try:
            return parse_yuan(data)
        except ValueError:
            self.fail("invalid")


@extend_schema_field({"type": "string", "example": "-500.00", "pattern": r"^-?\d+(\.\d{1,2})?$"})
class SignedMoneyField(MoneyField):
    """A signed amount of yuan, answered only (ledger lines: a hold or a payout is negative)."""
