"""Ops review of service providers (P4–P5): the queue of submitted applications with their
documents and the P4 checks, approve or reject with a reason, and every decision logged."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin_pages import ObjectPage, ObjectPageMixin
from core.money import format_cny
from core.ops_powers import PowerLinksMixin
from parties.models import ProviderStatus, ServiceProvider

from . import services
from .models import (
    ApplicationStatus,
    Delegation,
    ProviderApplication,
    ProviderDecision,
    ProviderDocument,
)


def document_link(document: ProviderDocument) -> str:
    try:
        url = reverse("provider_document_download", args=[document.pk])
    except NoReverseMatch:  # the pages are not wired (never in production)
        return document.original_name
    return format_html(
        '<a href="{}">{}</a> <span class="help">({}, {} KB)</span>',
        url,
        document.original_name,
        document.detected_type.upper(),
        (document.size + 1023) // 1024,
    )


class DocumentInline(admin.TabularInline):
    model = ProviderDocument
    extra = 0
    can_delete = False
    fields = ["kind", "platform", "download", "detected_type", "size", "sha256", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file"))
    def download(self, document):
        return document_link(document)


class DecisionInline(admin.TabularInline):
    model = ProviderDecision
    fk_name = "application"
    extra = 0
    can_delete = False
    fields = ["at", "action", "actor", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class QueueFilter(admin.SimpleListFilter):
    title = _("review")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("waiting", _("Awaiting review")), ("decided", _("Decided"))]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(status=ApplicationStatus.SUBMITTED)
        if self.value() == "decided":
            return queryset.filter(
                status__in=[ApplicationStatus.APPROVED, ApplicationStatus.REJECTED]
            )
        return queryset


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("approve", _("Approve: admit the provider")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("reason (the applicant reads it; required to reject)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@admin.register(ProviderApplication)
class ProviderApplicationAdmin(ObjectPageMixin, PowerLinksMixin, admin.ModelAdmin):
    """P4: the review queue. Open an application, read its documents and checks, decide."""

    power_links = {"decide_link": "providers.decide_providerapplication"}  # Z3
    object_page = ObjectPage(  # Z3: the 审核 desk
        "decide",
        "providers.decide_providerapplication",
        "admin/providers/decide_application.html",
        DecideForm,
        _("The application is decided."),
        related=("provider__organization",),
    )

    list_display = [
        "company_name",
        "types_display",
        "status",
        "submitted_at",
        "decide_link",
        "decided_by",
        "decided_at",
    ]
    list_filter = [QueueFilter, "status", "is_seeding", "is_performance"]
    search_fields = ["company_name", "provider__organization__name", "union_account_id"]
    list_select_related = ["provider__organization", "decided_by"]
    ordering = ["-submitted_at", "-id"]
    inlines = [DocumentInline, DecisionInline]
    readonly_fields = [
        "provider",
        "status",
        "checks",
        "is_seeding",
        "is_performance",
        "company_name",
        "registered_on",
        "registered_capital",
        "business_scope",
        "employee_count",
        "office_address",
        "certification_platforms",
        "own_platform_name",
        "union_account_id",
        "union_gmv",
        "union_violation_points",
        "has_associated_cheating",
        "created_by",
        "submitted_at",
        "decided_by",
        "decided_at",
        "decision_reason",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("types"))
    def types_display(self, application):
        return application.types_display

    @admin.display(description=_("registered capital"))
    def registered_capital(self, application):
        fen = application.registered_capital_fen
        return format_cny(fen) if fen is not None else "—"

    @admin.display(description=_("average monthly GMV"))
    def union_gmv(self, application):
        fen = application.union_avg_monthly_gmv_fen
        return format_cny(fen) if fen is not None else "—"

    @admin.display(description=_("admission rules (P4)"))
    def checks(self, application):
        problems = services.application_problems(application)
        if not problems:
            return format_html(
                '<span style="color:#1a7f37">✓ {}</span>', _("Every hard rule is met.")
            )
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li style="color:#b42318">{}</li>',
                ((m,) for ms in problems.values() for m in ms),
            ),
        )

    @admin.display(description=_("decide"))
    def decide_link(self, application):
        if application.status != ApplicationStatus.SUBMITTED:
            return "—"
        return self.object_page_link(application, _("Review and decide"))

    def object_page_act(self, request, application, data) -> None:
        decide = {
            "approve": services.provider_application_approve,
            "reject": services.provider_application_reject,
        }[data["decision"]]
        decide(application=application, actor=request.user, reason=data["reason"])

    def object_page_refused(self, form, exc) -> None:
        form.add_error("reason" if "reason" in exc.fields else None, exc.message)

    def object_page_context(self, request, application) -> dict:
        return {
            "title": _("Review the application of %(name)s") % {"name": application.company_name},
            "application": application,
            "documents": [
                (d, document_link(d)) for d in application.documents.order_by("kind", "id")
            ],
            "problems": services.application_problems(application),
        }


@admin.register(ProviderDocument)
class ProviderDocumentAdmin(admin.ModelAdmin):
    list_display = [
        "application",
        "kind",
        "platform",
        "download",
        "detected_type",
        "size",
        "uploaded_at",
    ]
    list_filter = ["kind", "detected_type"]
    search_fields = ["application__company_name", "original_name", "=sha256"]
    list_select_related = ["application"]
    readonly_fields = [
        "application",
        "kind",
        "platform",
        "download",
        "original_name",
        "detected_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file"))
    def download(self, document):
        return document_link(document)


@admin.register(ProviderDecision)
class ProviderDecisionAdmin(admin.ModelAdmin):
    """P4–P5: who decided what, when, and why."""

    list_display = ["at", "provider", "action", "actor", "reason"]
    list_filter = ["action"]
    search_fields = ["provider__organization__name", "reason", "actor__username"]
    list_select_related = ["provider__organization", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    """P6: which merchant lets which provider manage its tasks (merchants grant and revoke)."""

    list_display = ["shop", "provider", "granted_by", "granted_at", "ended_at", "end_reason"]
    list_filter = ["end_reason"]
    search_fields = ["shop__organization__name", "provider__organization__name"]
    list_select_related = ["shop__organization", "provider__organization", "granted_by"]
    readonly_fields = [
        "shop",
        "provider",
        "granted_by",
        "granted_at",
        "ended_at",
        "ended_by",
        "end_reason",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProviderStandingForm(forms.Form):
    action = forms.ChoiceField(
        label=_("action"),
        choices=[
            ("suspend", _("Suspend: its delegations end at once")),
            ("reinstate", _("Lift the suspension")),
            ("terminate", _("Terminate for good: its delegations end at once")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("reason (the provider reads it)"), max_length=2000, widget=forms.Textarea
    )


@admin.register(ServiceProvider)
class ServiceProviderAdmin(ObjectPageMixin, PowerLinksMixin, admin.ModelAdmin):
    """P5: admitted providers that no longer meet the rules are suspended or terminated here,
    with a reason; admission itself is decided on the application (Providers → applications)."""

    list_display = ["name", "status", "standing_link", "created_at"]
    power_links = {"standing_link": "marketplace.change_provider_standing"}  # Z3
    object_page = ObjectPage(  # Z3: the 风控 desk
        "standing",
        "marketplace.change_provider_standing",
        "admin/marketplace/provider_standing.html",
        ProviderStandingForm,
        _("The provider's standing is changed."),
        related=("organization",),
    )
    list_filter = ["status"]
    search_fields = ["organization__name"]
    readonly_fields = ["organization", "status", "created_at", "decisions"]
    list_select_related = ["organization"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("name"), ordering="organization__name")
    def name(self, provider):
        return provider.organization.name

    @admin.display(description=_("standing"))
    def standing_link(self, provider):
        if provider.status not in (ProviderStatus.ADMITTED, ProviderStatus.SUSPENDED):
            return "—"
        return self.object_page_link(provider, _("Suspend / terminate"))

    @admin.display(description=_("decisions"))
    def decisions(self, provider):
        rows = provider.decisions.select_related("actor").order_by("-at", "-id")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} · {} · {} · {}</li>",
                (
                    (
                        timezone.localtime(d.at).strftime("%Y-%m-%d %H:%M"),
                        d.get_action_display(),
                        d.actor,
                        d.reason,
                    )
                    for d in rows
                ),
            ),
        )

    def object_page_act(self, request, provider, data) -> None:
        change = {
            "suspend": services.provider_suspend,
            "reinstate": services.provider_reinstate,
            "terminate": services.provider_terminate,
        }[data["action"]]
        change(provider=provider, actor=request.user, reason=data["reason"])

    def object_page_context(self, request, provider) -> dict:
        return {
            "title": _("Standing of %(name)s") % {"name": provider.organization.name},
            "provider": provider,
        }
