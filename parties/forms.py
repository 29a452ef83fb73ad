"""TODO docstring"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.forms import YuanField
from parties.models import (
    CREDIT_LEVEL_MAX,
    CREDIT_LEVEL_MIN,
    Category,
    ContentType,
    PaymentAccountType,
    Platform,
    Side,
)
from parties.selectors import channel_list
from parties.services import PROVIDER_ACCOUNT


def credit_level_label(level: int) -> str:
    """Taobao's badges: hearts 1–5, diamonds 6–10, crowns 11–15, gold crowns 16–20."""
    count = (level - 1) % 5 + 1
    badges = [
        ngettext("%(count)d heart", "%(count)d hearts", count),
        ngettext("%(count)d diamond", "%(count)d diamonds", count),
        ngettext("%(count)d crown", "%(count)d crowns", count),
        ngettext("%(count)d gold crown", "%(count)d gold crowns", count),
    ]
    badge = badges[(level - 1) // 5] % {"count": count}
    return _("Level %(level)d · %(badge)s") % {"level": level, "badge": badge}


class RegisterForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    email = forms.EmailField(label=_("E-mail (optional)"), required=False)
    password = forms.CharField(label=_("Password"), max_length=128, widget=forms.PasswordInput)
    password_again = forms.CharField(
        label=_("Password again"), max_length=128, widget=forms.PasswordInput
    )
    side = forms.ChoiceField(
        label=_("I am a"),
        # P1: a service provider's staff take no side; their role comes from the provider.
        choices=[*Side.choices, (PROVIDER_ACCOUNT, _("Service provider"))],
        widget=forms.RadioSelect,
        help_text=_("Choose carefully: the side of an account cannot be changed later."),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class PasswordChangeForm(forms.Form):
    """Z2: the fields of a password change; the service checks them."""

    old_password = forms.CharField(
        label=_("Current password"), max_length=128, widget=forms.PasswordInput
    )
    new_password = forms.CharField(
        label=_("New password"), max_length=128, widget=forms.PasswordInput
    )
    new_password_again = forms.CharField(
        label=_("New password again"), max_length=128, widget=forms.PasswordInput
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("The two passwords differ."))
        return data


class ChooseSideForm(forms.Form):
    side = forms.ChoiceField(
        label=_("I am a"),
        choices=Side.choices,
        widget=forms.RadioSelect,
        help_text=_("Choose carefully: the side of an account cannot be changed later."),
    )


class ShopAdmissionForm(forms.Form):
    name = forms.CharField(label=_("Shop name"), max_length=100)
    platform = forms.ChoiceField(label=_("Platform"), choices=Platform.choices)
    seller_credit_level = forms.TypedChoiceField(
        label=_("Seller credit"),
        coerce=int,
        choices=[(n, "") for n in range(CREDIT_LEVEL_MIN, CREDIT_LEVEL_MAX + 1)],
        initial=8,
        help_text=_("Taobao stores need three diamonds (level 8) or more."),
    )
    meets_marketing_rules = forms.BooleanField(
        label=_("The shop meets the basic marketing rules"), required=False
    )
    is_brand = forms.BooleanField(
        label=_("This Tmall store is a brand (may post brand tasks)"), required=False
    )
    industry = forms.CharField(label=_("Industry"), max_length=40, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seller_credit_level"].choices = [
            (n, credit_level_label(n)) for n in range(CREDIT_LEVEL_MIN, CREDIT_LEVEL_MAX + 1)
        ]


class PaymentAccountForm(forms.Form):
    account_type = forms.ChoiceField(
        label=_("Account type"),
        choices=PaymentAccountType.choices,
        initial=PaymentAccountType.COMPANY,
        widget=forms.RadioSelect,
        help_text=_("We recommend a company Alipay account for invoices and higher limits."),
    )
    account_id = forms.CharField(label=_("Alipay account"), max_length=100)
    holder_name = forms.CharField(label=_("Account holder"), max_length=100)


class CreatorProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=60)
    bio = forms.CharField(
        label=_("Introduction"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"), widget=forms.CheckboxSelectMultiple, required=False
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories"), widget=forms.CheckboxSelectMultiple, required=False
    )
    followers = forms.IntegerField(label=_("Followers"), min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = [(c.code, c.display_name) for c in channel_list()]
        self.fields["categories"].choices = [
            (c.name, c.name) for c in Category.objects.order_by("id")
        ]
        for content_type in ContentType:
            self.fields[f"rate_{content_type.value}"] = YuanField(
                label=content_type.label, required=False
            )

    def rate_fields(self):
        return [self[f"rate_{t.value}"] for t in ContentType]

    def rates_fen(self) -> dict[str, int | None]:
        return {t.value: self.cleaned_data.get(f"rate_{t.value}") for t in ContentType}


class CreatorSearchForm(forms.Form):
    q = forms.CharField(label=_("Keyword"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    content_type = forms.ChoiceField(label=_("Content type"), required=False)
    min_followers = forms.IntegerField(label=_("Followers from"), min_value=0, required=False)
    max_followers = forms.IntegerField(label=_("Followers to"), min_value=0, required=False)
    min_price = YuanField(label=_("Price from (¥)"), required=False)
    max_price = YuanField(label=_("Price to (¥)"), required=False)
    min_rating = forms.DecimalField(
        label=_("Rating at least"), min_value=0, max_value=5, decimal_places=1, required=False
    )
    ordering = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("-followers", _("Most followers")),
            ("-rating", _("Best rated")),
            ("newest", _("Newest")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        self.fields["channel"].choices = every + [(c.code, c.display_name) for c in channel_list()]
        self.fields["category"].choices = every + [
            (c.code, c.name) for c in Category.objects.order_by("id")
        ]
        self.fields["content_type"].choices = every + list(ContentType.choices)


class LoginForm(AuthenticationForm):
    """Z4: Django's login form with the password capped like every other password field."""

    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
