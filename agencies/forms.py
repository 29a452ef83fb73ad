"""TODO docstring"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from core.months import next_month
from parties.models import (
    Category,
)


class InviteForm(forms.Form):
    creator = forms.IntegerField(label=_("Creator ID"), min_value=1)
    message = forms.CharField(label=_("Message"), max_length=200, required=False)


class EndContractForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("Grounds of the appeal"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("An expulsion can be appealed once; ops decide and write you their reasons."),
    )


class FocusAssignForm(forms.Form):
    """G6: tick the creators who take the hour's slots. The count (5 to the slots of the hour)
    is the service's rule, so its refusal lands next to this field."""

    creators = forms.TypedMultipleChoiceField(
        label=_("Creators of this vertical"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, creators: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.creator_by_id = {creator.pk: creator for creator in creators}
        self.fields["creators"].choices = [
            (creator.pk, creator.display_name) for creator in creators
        ]

    def chosen_creators(self) -> list:
        return [self.creator_by_id[pk] for pk in self.cleaned_data["creators"]]


class ThemeProposalForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Vertical"), queryset=Category.objects.order_by("id"), empty_label=None
    )
    title = forms.CharField(label=_("Theme"), max_length=100)
    plan = forms.CharField(
        label=_("Plan"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the activity is, which creators take part and what they will sell."),
    )


class ThemeSlotForm(forms.Form):
    """G7: the day (of the activity month) and the signed creator of a selected proposal's
    focus slot."""

    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    creator = forms.TypedChoiceField(label=_("Creator"), coerce=int)

    def __init__(self, *args, creators: list, month=None, **kwargs):
        super().__init__(*args, **kwargs)
        if month is not None:
            last_day = next_month(month) - timedelta(days=1)
            self.fields["day"].widget.attrs.update(
                {"min": month.isoformat(), "max": last_day.isoformat()}
            )
        self.creator_by_id = {creator.pk: creator for creator in creators}
        self.fields["creator"].choices = [("", "—")] + [
            (creator.pk, creator.display_name) for creator in creators
        ]

    def chosen_creator(self):
        return self.creator_by_id[self.cleaned_data["creator"]]
