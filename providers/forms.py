"""Forms of the provider pages (P1–P7). They shape input only: the services check the rules and
their refusals are shown next to these fields (STYLE.md)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.exceptions import InvalidInput
from core.forms import YuanField
from core.money import format_yuan
from core.parsing import StrictDateField, parse_ids

from .files import ACCEPTED, TYPE_NAMES, max_bytes
from .models import CertificationPlatform, DocumentKind

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SEEDING, PERFORMANCE, BOTH = "seeding", "performance", "both"


class HintedForm(forms.Form):
    """A form whose fields may carry hints: the admission rules a saved application does not
    meet yet (P4), shown under the field until it is fixed."""

    # service field name → this form's field name
    SERVICE_FIELDS: dict[str, str] = {}

    def __init__(self, *args, hints: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.hints: dict[str, list[str]] = {}
        for name, messages in (hints or {}).items():
            field = self.SERVICE_FIELDS.get(name, name)
            if field in self.fields:
                self.hints.setdefault(field, []).extend(messages)

    def hinted_fields(self):
        return [(self[name], self.hints.get(name, [])) for name in self.fields]

    @classmethod
    def service_errors(cls, fields: dict) -> dict:
        """A service's refusal fields, renamed onto this form's fields."""
        renamed: dict[str, list[str]] = {}
        for name, errors in (fields or {}).items():
            renamed.setdefault(cls.SERVICE_FIELDS.get(name, name), []).extend(errors)
        return renamed


class CompanyForm(HintedForm):
    """Step 1 (P1–P3): the provider's type and the company facts of its business license."""

    SERVICE_FIELDS = {
        "is_seeding": "types",
        "is_performance": "types",
        "registered_capital_fen": "registered_capital",
    }

    types = forms.ChoiceField(
        label=_("Provider type"),
        choices=[
            (SEEDING, _("Seeding provider (种草服务商)")),
            (PERFORMANCE, _("Performance provider (效果服务商)")),
            (BOTH, _("Both")),
        ],
        widget=forms.RadioSelect,
        required=False,
        help_text=_(
            "Seeding providers prove a certification on a content platform; performance "
            "providers bring a Taobao Union enterprise account."
        ),
    )
    company_name = forms.CharField(
        label=_("Company name"),
        max_length=100,
        help_text=_("As on the business license."),
    )
    registered_on = forms.DateField(
        label=_("Registration date"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("The company must be registered for one year or more."),
    )
    registered_capital = YuanField(
        label=_("Registered capital (¥)"),
        required=False,
        help_text=_("At least ¥500,000.00."),
    )
    business_scope = forms.CharField(
        label=_("Business scope"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Copy it from the business license. Seeding needs “广告” (advertising), performance "
            "needs “内容种草” (content seeding)."
        ),
    )
    employee_count = forms.IntegerField(
        label=_("Employees"),
        min_value=0,
        max_value=1_000_000,
        required=False,
        help_text=_("20 or more."),
    )
    office_address = forms.CharField(
        label=_("Office address"),
        max_length=200,
        required=False,
        help_text=_("The fixed office shown in the office video."),
    )

    @staticmethod
    def initial_from(application) -> dict:
        if application is None:
            return {}
        types = ""
        if application.is_seeding and application.is_performance:
            types = BOTH
        elif application.is_seeding:
            types = SEEDING
        elif application.is_performance:
            types = PERFORMANCE
        capital = application.registered_capital_fen
        return {
            "types": types,
            "company_name": application.company_name,
            "registered_on": application.registered_on,
            "registered_capital": None if capital is None else format_yuan(capital),
            "business_scope": application.business_scope,
            "employee_count": application.employee_count,
            "office_address": application.office_address,
        }

    def facts(self) -> dict:
        """The cleaned data as the keyword arguments of provider_application_update."""
        data = self.cleaned_data
        types = data.get("types") or ""
        return {
            "is_seeding": types in (SEEDING, BOTH),
            "is_performance": types in (PERFORMANCE, BOTH),
            "company_name": data["company_name"],
            "registered_on": data.get("registered_on"),
            "registered_capital_fen": data.get("registered_capital"),
            "business_scope": data.get("business_scope") or "",
            "employee_count": data.get("employee_count"),
            "office_address": data.get("office_address") or "",
        }


def accepted_types(kind: str) -> str:
    return ", ".join(TYPE_NAMES[t] for t in ACCEPTED[kind])


def size_limit_mb(kind: str) -> int:
    return max_bytes(kind) // (1024 * 1024)


ACCEPT_ATTRIBUTE = {
    "pdf": ".pdf,application/pdf",
    "ppt": ".ppt,application/vnd.ms-powerpoint",
    "pptx": ".pptx,application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "jpg": ".jpg,.jpeg,image/jpeg",
    "png": ".png,image/png",
    "mp4": ".mp4,video/mp4",
}


class DocumentForm(forms.Form):
    """Step 2 (P2–P4): one upload of one document kind. The service judges the file by its
    bytes and size; its refusal lands under `file`."""

    platform = forms.ChoiceField(label=_("Platform"), required=False)
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, kind: str, **kwargs):
        kwargs.setdefault("prefix", kind)
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["file"].help_text = _("%(types)s, at most %(size)s MB.") % {
            "types": accepted_types(kind),
            "size": size_limit_mb(kind),
        }
        self.fields["file"].widget.attrs["accept"] = ",".join(
            ACCEPT_ATTRIBUTE[t] for t in ACCEPTED[kind]
        )
        if kind == DocumentKind.CERTIFICATION:
            self.fields["platform"].choices = [("", "—"), *CertificationPlatform.choices]
            self.fields["platform"].required = True
            self.fields["platform"].help_text = _(
                "Where you are a certified service provider, or your own KOC task platform."
            )
        else:
            del self.fields["platform"]


class OwnPlatformForm(HintedForm):
    """Step 2 (P2): the name of the provider's own KOC task platform, when it proves that."""

    own_platform_name = forms.CharField(
        label=_("Name of your own KOC task platform"), max_length=100, required=False
    )


class PerformanceForm(HintedForm):
    """Step 3 (P3): the facts of the Taobao Union enterprise account."""

    SERVICE_FIELDS = {"union_avg_monthly_gmv_fen": "union_avg_monthly_gmv"}
    YES, NO = "yes", "no"

    union_account_id = forms.CharField(
        label=_("Taobao Union enterprise account ID"), max_length=64, required=False
    )
    union_avg_monthly_gmv = YuanField(
        label=_("Average monthly GMV (¥)"),
        required=False,
        min_value=Decimal("0"),
        help_text=_("At least ¥100,000.00 a month on average."),
    )
    union_violation_points = forms.IntegerField(
        label=_("Active violation points"),
        min_value=0,
        max_value=100_000,
        required=False,
        help_text=_("Points not yet expired on the Union account; 0 if none."),
    )
    has_associated_cheating = forms.ChoiceField(
        label=_("Have accounts associated with yours been caught cheating?"),
        choices=[(NO, _("No")), (YES, _("Yes"))],
        widget=forms.RadioSelect,
        required=False,
    )

    @classmethod
    def initial_from(cls, application) -> dict:
        gmv = application.union_avg_monthly_gmv_fen
        cheating = application.has_associated_cheating
        return {
            "union_account_id": application.union_account_id,
            "union_avg_monthly_gmv": None if gmv is None else format_yuan(gmv),
            "union_violation_points": application.union_violation_points,
            "has_associated_cheating": ""
            if cheating is None
            else (cls.YES if cheating else cls.NO),
        }

    def facts(self) -> dict:
        data = self.cleaned_data
        cheating = data.get("has_associated_cheating") or ""
        return {
            "union_account_id": data.get("union_account_id") or "",
            "union_avg_monthly_gmv_fen": data.get("union_avg_monthly_gmv"),
            "union_violation_points": data.get("union_violation_points"),
            "has_associated_cheating": None if not cheating else cheating == self.YES,
        }


class DelegationForm(forms.Form):
    """P6: a merchant picks one of its shops and an admitted provider."""

    shop = forms.TypedChoiceField(label=_("Shop"), coerce=int)
    provider = forms.TypedChoiceField(label=_("Service provider"), coerce=int)

    def __init__(self, *args, shops, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.shop_by_id = {shop.pk: shop for shop in shops}
        self.provider_by_id = {provider.pk: provider for provider in providers}
        self.fields["shop"].choices = [(s.pk, s.organization.name) for s in shops]
        self.fields["provider"].choices = [("", "—")] + [
            (p.pk, p.organization.name) for p in providers
        ]

    def chosen(self):
        return (
            self.shop_by_id[self.cleaned_data["shop"]],
            self.provider_by_id[self.cleaned_data["provider"]],
        )


class ReportFilterForm(forms.Form):
    """P7: the period of a closing report, or the tasks it covers."""

    start = StrictDateField(label=_("From"), required=False, widget=DATE_INPUT)
    end = StrictDateField(label=_("To"), required=False, widget=DATE_INPUT)
    tasks = forms.CharField(
        label=_("Task IDs"),
        required=False,
        max_length=500,
        help_text=_("Optional: only these tasks, e.g. 12,15."),
    )

    def clean_tasks(self) -> list[int] | None:
        try:  # Z4: ASCII digits within bigint, or the field's error
            return parse_ids(self.cleaned_data.get("tasks"), field="tasks") or None
        except InvalidInput:
            raise forms.ValidationError(
                _("Give task IDs separated by commas, e.g. 12,15.")
            ) from None
