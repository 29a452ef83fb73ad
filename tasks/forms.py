"""Forms of the task and order pages. They shape input only; the services decide (STYLE.md)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import YuanField
from parties.models import ContentType
from tasks.models import (
    MAX_SPONSORED_PRODUCTS,
    Channel,
    DeclineReason,
    DisputeGround,
    OrderStatus,
    PaymentMode,
    TaskMode,
)
from tasks.selectors import channel_choices
from tasks.services.tasks import sponsor_logo_problem

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class BeijingDateTimeField(forms.DateTimeField):
    """A date-time picker; the value is read in the site's time zone (Beijing time)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", [DATETIME_FORMAT, "%Y-%m-%d %H:%M"])
        kwargs.setdefault(
            "widget",
            forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        )
        kwargs.setdefault("help_text", _("Beijing time"))
        super().__init__(**kwargs)


class TaskForm(forms.Form):
    """One form for every mode; the page shows the fields of the chosen mode (T2, T3)."""

    mode = forms.ChoiceField(label=_("Task type"), widget=forms.RadioSelect)
    shop = forms.ChoiceField(label=_("Shop"), required=False)
    title = forms.CharField(label=_("Title"), max_length=120)
    brief = forms.CharField(
        label=_("Requirements"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the creator must make: selling points, length, must-say lines."),
    )
    content_type = forms.ChoiceField(label=_("Content type"), choices=ContentType.choices)
    channel = forms.ChoiceField(label=_("Channel"))
    price = YuanField(label=_("Fixed price per creator (¥)"), required=False)
    budget = YuanField(label=_("Budget (¥)"), required=False)
    payment = forms.ChoiceField(
        label=_("Payment"),
        choices=PaymentMode.choices,
        initial=PaymentMode.FULL,
        widget=forms.RadioSelect,
        required=False,
        help_text=_(
            "Deposit: pay the 10% service fee now; the creator may change the price by up to "
            "±20% when accepting, and you pay the balance within 7 days."
        ),
    )
    creator = forms.IntegerField(
        label=_("Creator ID"),
        required=False,
        min_value=1,
        help_text=_("The creator who gets this private task (see Find creators)."),
    )
    slots = forms.IntegerField(label=_("Places"), required=False, min_value=1, max_value=1000)
    enrollment_deadline = BeijingDateTimeField(label=_("Enrollment ends"), required=False)
    delivery_deadline = BeijingDateTimeField(label=_("Delivery deadline"))
    sponsor_brand_name = forms.CharField(label=_("Brand name"), max_length=60, required=False)
    sponsor_logo = forms.FileField(
        label=_("Brand logo"),
        required=False,
        help_text=_("PNG, JPG, GIF or WebP, at most 2 MB; shown top right of the stream."),
    )
    sponsor_product_1 = forms.CharField(label=_("Product 1"), max_length=80, required=False)
    sponsor_product_2 = forms.CharField(label=_("Product 2"), max_length=80, required=False)
    sponsor_product_3 = forms.CharField(label=_("Product 3"), max_length=80, required=False)

    def __init__(self, *args, modes, shops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [(mode, TaskMode(mode).label) for mode in modes]
        if len(modes) == 1:
            self.fields["mode"].initial = modes[0]
        self.fields["channel"].choices = [
            (channel.code, channel.name) for channel in Channel.objects.order_by("pk")
        ]
        self.fields["shop"].choices = [(shop.pk, shop.organization.name) for shop in shops]
        if len(shops) <= 1:
            self.fields["shop"].widget = forms.HiddenInput()
            if shops:
                self.fields["shop"].initial = shops[0].pk

    def clean_sponsor_logo(self):
        upload = self.cleaned_data.get("sponsor_logo")
        if not upload:
            return None
        problem = sponsor_logo_problem(upload)  # Z5: the service judges it again on post
        if problem is not None:
            raise forms.ValidationError(problem)
        return upload

    def products(self) -> list[dict]:
        names = [
            self.cleaned_data.get(f"sponsor_product_{n}") or ""
            for n in range(1, MAX_SPONSORED_PRODUCTS + 1)
        ]
        return [{"name": name.strip()} for name in names if name.strip()]

    # the services name sponsorship fields "sponsorship.x"; show them on the page's fields
    SERVICE_FIELDS = {
        "sponsorship.brand_name": "sponsor_brand_name",
        "sponsorship.logo_url": "sponsor_logo",
        "sponsorship.products": "sponsor_product_1",
        "sponsorship": "sponsor_brand_name",
    }


class TaskFilterForm(forms.Form):
    """The task plaza's filters (channel, content type, price range, deadline)."""

    channel = forms.ChoiceField(label=_("Channel"), required=False)
    content_type = forms.ChoiceField(
        label=_("Content type"),
        required=False,
        choices=[("", _("All")), *list(ContentType.choices)],
    )
    min_price = YuanField(label=_("Price from (¥)"), required=False)
    max_price = YuanField(label=_("Price up to (¥)"), required=False)
    deadline_before = forms.DateField(
        label=_("Deliver by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", _("All")), *channel_choices()]

    def clean(self):
        data = super().clean()
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", _("The upper price is below the lower price."))
        return data


class OrderFilterForm(forms.Form):
    """T62: search orders by id, status and created time."""

    id = forms.IntegerField(label=_("Order ID"), required=False, min_value=1)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *list(OrderStatus.choices)]
    )
    created_after = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_before = forms.DateField(
        label=_("Created up to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class NoteForm(forms.Form):
    """An application's note: a creator's to the merchant of a plaza task, or a merchant's to
    the creator of a recruitment task (`to_creator`)."""

    note = forms.CharField(
        label=_("Note to the merchant"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, to_creator: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if to_creator:
            self.fields["note"].label = _("Message to the creator")


class ProposalForm(forms.Form):
    """T30: the proposer's quote and plan; agency staff pick one of their signed creators."""

    quote = YuanField(label=_("Quote (¥)"))
    plan = forms.CharField(
        label=_("Plan"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    creator = forms.ChoiceField(label=_("Creator"), required=False)

    def __init__(self, *args, creators=(), **kwargs):
        super().__init__(*args, **kwargs)
        if creators:
            self.fields["creator"].choices = [(c.pk, c.display_name) for c in creators]
            self.fields["creator"].required = True
        else:
            del self.fields["creator"]


class AcceptForm(forms.Form):
    price = YuanField(label=_("Your price (¥)"), required=False)


class DeclineForm(forms.Form):
    """Issue 21: a decline says why; the merchant reads it."""

    decline_reason = forms.ChoiceField(
        label=_("Why do you decline?"), choices=[("", "—"), *DeclineReason.choices]
    )
    decline_note = forms.CharField(
        label=_("A word to the merchant (optional)"), required=False, max_length=200
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class DeliverForm(forms.Form):
    links = forms.CharField(
        label=_("Links to the published content"),
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://"}),
        help_text=_("One link per line."),
    )
    files = MultipleFileField(label=_("Files (optional)"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_joint_content = forms.BooleanField(
        label=_("The content also features other merchants' products (拼场)"), required=False
    )

    def clean_links(self) -> list[str]:
        """One link per line, as the list the API takes (the service checks each)."""
        return [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]


class ConfirmForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RevisionForm(forms.Form):
    note = forms.CharField(
        label=_("What should change"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    deadline = BeijingDateTimeField(label=_("New delivery deadline"), required=False)


class DisputeForm(forms.Form):
    ground = forms.ChoiceField(label=_("Ground"), choices=DisputeGround.choices)
    reason = forms.CharField(
        label=_("What happened"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
