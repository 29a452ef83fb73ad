"""The pages' form kit: a yuan input that hands services integer fen, and a service refusal
shown beside the fields it names."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from core.exceptions import DomainError
from core.money import parse_yuan


def show_domain_error(form, exc: DomainError) -> None:
    """Put a service's refusal next to the fields it names, or at the top of the form."""
    placed_messages = set()
    for field, errors in (exc.fields or {}).items():
        if field in form.fields:
            for error in errors:
                form.add_error(field, error)
                placed_messages.add(str(error))
    if not placed_messages or exc.message not in placed_messages:
        form.add_error(None, exc.message)


class YuanField(forms.DecimalField):
    """A money input in yuan that hands the service integer fen."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", Decimal("0.01"))
        kwargs.setdefault("max_digits", 15)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("step", "0.01")
        self.widget.attrs.setdefault("placeholder", "0.00")

    def clean(self, value):
        amount = super().clean(value)
        return None if amount is None else parse_yuan(f"{amount:.2f}")
