"""The 激励中心 pages' forms. They parse what the user typed and nothing else: every rule
(who may bind, who is a new account, 14 days ahead, 0.5–6 hours …) is the services', shared
with the API, and a refusal comes back beside the field it names (core.forms.show_domain_error).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import YuanField

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"  # what <input type=datetime-local> sends, in Beijing time
GOODS_ROWS = 5
HEATING_HOURS = [Decimal(n) / 2 for n in range(1, 13)]  # I8: 0.5 to 6, in half-hour steps


def _local_datetime(label) -> forms.DateTimeField:
    """A Beijing time (the project's TIME_ZONE) picked in the browser's datetime-local input."""
    return forms.DateTimeField(
        label=label,
        input_formats=[LOCAL_MINUTE, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE),
        error_messages={"invalid": _("Enter a date and time like 2026-12-20 20:00.")},
    )


def hours_label(hours: Decimal) -> str:
    return f"{hours.normalize():f}"


class LiveAccountBindForm(forms.Form):
    """I1: a creator binds its own 视频号 account; a merchant names the shop it binds one for."""

    finder_id = forms.CharField(
        label=_("视频号 finder id"),
        max_length=64,
        help_text=_("The id shown in the 视频号 assistant, e.g. sphAbc123."),
    )
    nickname = forms.CharField(label=_("Nickname"), max_length=60)
    has_brand_mark = forms.BooleanField(
        label=_("The account carries a brand mark (品牌标)"), required=False
    )

    def __init__(self, *args, shops=None, **kwargs):
        super().__init__(*args, **kwargs)
        if shops is not None:
            self.fields["shop"] = forms.TypedChoiceField(
                label=_("Shop"),
                choices=[(shop.pk, shop.organization.name) for shop in shops],
                coerce=int,
            )


class ColdStartForm(forms.Form):
    """I2/I3: the proposed live start and the account's plan."""

    proposed_start = _local_datetime(_("Proposed live start (Beijing time)"))
    long_term_plan = forms.CharField(
        label=_("Long-term plan"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How often you go live, what you sell, where you want the account to be."),
    )
    investment = forms.CharField(
        label=_("Intended investment"),
        max_length=2000,
        required=False,
        help_text=_("e.g. 5,000 yuan of paid traffic a month, a host and an assistant."),
    )

    def plan(self) -> dict:
        return {
            "long_term_plan": self.cleaned_data["long_term_plan"],
            "investment": self.cleaned_data.get("investment") or "",
        }


class BenchmarkForm(forms.Form):
    """I7: the single-event template — when, how long, the GMV target and the goods."""

    planned_start = _local_datetime(_("Planned live start (Beijing time)"))
    planned_hours = forms.DecimalField(
        label=_("Planned hours"),
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.5"),
        widget=forms.NumberInput(attrs={"step": "0.5"}),
    )
    gmv_target = YuanField(label=_("GMV target (yuan)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number in range(1, GOODS_ROWS + 1):
            self.fields[f"good_{number}"] = forms.CharField(
                label=_("Goods %(number)s") % {"number": number}, max_length=80, required=False
            )
            self.fields[f"exclusive_{number}"] = forms.BooleanField(
                label=_("Exclusive or advantaged"), required=False
            )

    def goods_rows(self):
        """(name field, exclusive field) of each row, for the template."""
        return [
            (self[f"good_{number}"], self[f"exclusive_{number}"])
            for number in range(1, GOODS_ROWS + 1)
        ]

    def goods(self) -> list[dict]:
        return [
            {
                "name": self.cleaned_data[f"good_{number}"],
                "is_exclusive": self.cleaned_data[f"exclusive_{number}"],
            }
            for number in range(1, GOODS_ROWS + 1)
            if self.cleaned_data.get(f"good_{number}")
        ]


class HeatingPayForm(forms.Form):
    """I8: hours in half-hour steps, and the coupons to pay with."""

    hours = forms.TypedChoiceField(
        label=_("Hours"),
        choices=[(hours_label(h), hours_label(h)) for h in HEATING_HOURS],
        coerce=Decimal,
        initial="1",
    )
    coupons = forms.IntegerField(label=_("Coupons"), min_value=1, max_value=1_000_000)


class HeatingStopForm(forms.Form):
    """I8: stop a running order, saying how many of its coupons were used."""

    order = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    used = forms.IntegerField(label=_("Coupons used"), min_value=0)
