"""Ops find any shop, creator or agency by name in two clicks: admin index → list with search."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError
from core.money import format_cny

from . import services
from .admin_imports import CsvImportMixin
from .admin_large import CREATED_FILTER, LargeTableMixin
from .models import (
    Agency,
    AgencyAppeal,
    AgencyAssessment,
    AgencyComplaint,
    AgencyContract,
    AgencyExpulsion,
    AppealStatus,
    Category,
    CreatorProfile,
    CreatorRate,
    FocusHour,
    FocusOffer,
    FocusSlot,
    LiveSession,
    Membership,
    MerchantShop,
    Notification,
    Organization,
    PaymentAccount,
    ProviderStatus,
    Sanction,
    ServiceProvider,
    ThemeProposal,
    ThemeProposalStatus,
    User,
    VerticalEligibility,
    Violation,
    ViolationKind,
)
from .ops_powers import PowerLinksMixin, power, require_power
from .services.live_sessions import CSV_COLUMNS


def _each(model_admin, request, queryset, service, done, *, arg: str, **kwargs) -> None:
    """Run `service(<arg>=row, actor=…)` on each selected row; a refusal is shown with its
    row and the others go on."""
    count = 0
    for obj in queryset:
        try:
            service(**{arg: obj}, actor=request.user, **kwargs)
            count += 1
        except DomainError as exc:
            model_admin.message_user(request, f"{obj}: {exc.message}", messages.WARNING)
    model_admin.message_user(request, done % {"n": count})


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "side", "is_staff", "is_active", "date_joined"]
    list_filter = ["side", "is_staff", "is_active"]
    search_fields = ["username", "email"]
    readonly_fields = ["side", "side_chosen_at", "last_login", "date_joined"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Marketplace"), {"fields": ("side", "side_chosen_at")}),
    )


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    readonly_fields = ["created_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization__kind"]
    search_fields = ["user__username", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    readonly_fields = ["created_at"]
    list_select_related = ["user", "organization"]


class PaymentAccountInline(admin.TabularInline):
    model = PaymentAccount
    extra = 0
    can_delete = False
    fields = ["account_id", "holder_name", "account_type", "bound_at", "unbound_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MerchantShop)
class MerchantShopAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "platform",
        "seller_credit_level",
        "is_brand",
        "industry",
        "admitted_at",
    ]
    list_filter = ["platform", "is_brand", "meets_marketing_rules"]
    search_fields = ["organization__name", "industry"]
    readonly_fields = ["admitted_at"]
    list_select_related = ["organization"]
    inlines = [PaymentAccountInline]

    @admin.display(description=_("name"), ordering="organization__name")
    def name(self, shop):
        return shop.organization.name


@admin.register(PaymentAccount)
class PaymentAccountAdmin(admin.ModelAdmin):
    list_display = ["account_id", "holder_name", "account_type", "shop", "bound_at", "unbound_at"]
    list_filter = ["account_type"]
    search_fields = ["account_id", "holder_name", "shop__organization__name"]
    readonly_fields = ["shop", "bound_by", "bound_at", "unbound_at", "unbound_by"]
    list_select_related = ["shop__organization"]

    def has_add_permission(self, request):
        # Binding goes through the merchant's own flow (M2), not around it.
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code"]
    search_fields = ["name", "name_en", "code"]


class CreatorRateInline(admin.TabularInline):
    model = CreatorRate
    extra = 0
    fields = ["content_type", "price_fen", "price"]
    readonly_fields = ["price"]

    @admin.display(description=_("price"))
    def price(self, rate):
        return format_cny(rate.price_fen)


@admin.register(CreatorProfile)
class CreatorProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "followers", "rating", "agency", "created_at"]
    list_filter = ["channels", "categories", "agency"]
    search_fields = ["display_name", "user__username", "user__email"]
    readonly_fields = ["rating", "rating_count", "agency", "created_at", "updated_at"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["channels", "categories"]
    list_select_related = ["user", "agency__organization"]
    inlines = [CreatorRateInline]


class ContractInline(admin.TabularInline):
    model = AgencyContract
    extra = 0
    can_delete = False
    fields = ["creator", "status", "invited_at", "signed_at", "closed_at", "end_reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class AssessmentInline(admin.TabularInline):
    model = AgencyAssessment
    extra = 0
    can_delete = False
    fields = [
        "month",
        "signed_count",
        "roster_count",
        "active_count",
        "activity_rate_percent",
        "passed",
        "points_deducted",
        "points_year",
        "is_voided",
    ]
    readonly_fields = fields
    ordering = ["-month"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "signed_creators", "points", "points_year", "created_at"]
    list_filter = ["status"]
    search_fields = ["organization__name"]
    # Status and points change only through the assessment, appeal and re-admission (G2–G3).
    readonly_fields = ["status", "points", "points_year", "created_at"]
    list_select_related = ["organization"]
    inlines = [AssessmentInline, ContractInline]
    actions = ["readmit"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(signed=Count("creators", distinct=True))

    @admin.display(description=_("name"), ordering="organization__name")
    def name(self, agency):
        return agency.organization.name

    @admin.display(description=_("signed creators"), ordering="signed")
    def signed_creators(self, agency):
        return agency.signed

    has_readmit_permission = power("marketplace.readmit_agency")  # Z3

    @admin.action(
        description=_("Re-admit the selected expelled agencies (180 days after)"),
        permissions=["readmit"],
    )
    def readmit(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            services.agency_readmit,
            _("%(n)d agencies re-admitted."),
            arg="agency",
        )


@admin.register(AgencyContract)
class AgencyContractAdmin(admin.ModelAdmin):
    list_display = ["agency", "creator", "status", "invited_at", "signed_at", "closed_at"]
    list_filter = ["status"]
    search_fields = ["agency__organization__name", "creator__display_name"]
    readonly_fields = [
        "agency",
        "creator",
        "status",
        "message",
        "invited_by",
        "invited_at",
        "signed_at",
        "closed_at",
        "closed_by",
        "end_reason",
    ]
    list_select_related = ["agency__organization", "creator"]
    actions = ["end_contracts"]

    def has_add_permission(self, request):
        return False

    has_end_permission = power("marketplace.end_agencycontract")  # Z3

    @admin.action(description=_("End the selected contracts (ops decision)"), permissions=["end"])
    def end_contracts(self, request, queryset):
        ended = 0
        for contract in queryset:
            try:
                services.contract_end(
                    contract=contract,
                    actor=request.user,
                    reason=str(_("Ended by ops")),
                    by_ops=True,
                )
                ended += 1
            except DomainError as exc:
                self.message_user(request, f"{contract}: {exc.message}", messages.WARNING)
        self.message_user(request, _("%(n)d contracts ended.") % {"n": ended})


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
class ServiceProviderAdmin(PowerLinksMixin, admin.ModelAdmin):
    """P5: admitted providers that no longer meet the rules are suspended or terminated here,
    with a reason; admission itself is decided on the application (Providers → applications)."""

    list_display = ["name", "status", "standing_link", "created_at"]
    power_links = {"standing_link": "marketplace.change_provider_standing"}  # Z3
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
        url = reverse("admin:marketplace_serviceprovider_standing", args=[provider.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Suspend / terminate"))

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

    def get_urls(self):
        return [
            path(
                "<int:provider_id>/standing/",
                self.admin_site.admin_view(self.standing_view),
                name="marketplace_serviceprovider_standing",
            ),
            *super().get_urls(),
        ]

    def standing_view(self, request, provider_id: int):
        from providers import services as provider_services

        require_power(request, "marketplace.change_provider_standing")  # Z3: the 风控 desk
        provider = get_object_or_404(
            ServiceProvider.objects.select_related("organization"), pk=provider_id
        )
        form = ProviderStandingForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            service = {
                "suspend": provider_services.provider_suspend,
                "reinstate": provider_services.provider_reinstate,
                "terminate": provider_services.provider_terminate,
            }[form.cleaned_data["action"]]
            try:
                service(provider=provider, actor=request.user, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, _("The provider's standing is changed."))
                return redirect("admin:marketplace_serviceprovider_changelist")
        return render(
            request,
            "admin/marketplace/provider_standing.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Standing of %(name)s") % {"name": provider.organization.name},
                "provider": provider,
                "form": form,
                "opts": self.model._meta,
            },
        )


@admin.register(CreatorRate)
class CreatorRateAdmin(admin.ModelAdmin):
    """Rate cards across creators, e.g. to find every live price above a level."""

    list_display = ["creator", "content_type", "price"]
    list_filter = ["content_type"]
    search_fields = ["creator__display_name"]
    list_select_related = ["creator"]
    readonly_fields = ["creator"]

    @admin.display(description=_("price"), ordering="price_fen")
    def price(self, rate):
        return format_cny(rate.price_fen)


@admin.register(Notification)
class NotificationAdmin(LargeTableMixin, admin.ModelAdmin):
    """D5: what each user was told, and whether the e-mail copy went out."""

    list_display = ["id", "user", "kind", "message", "order", "read_at", "emailed_at", "created_at"]
    list_filter = ["kind", CREATED_FILTER]
    search_fields = ["user__username", "=order__id", "=task__id"]
    list_select_related = ["user", "order"]
    readonly_fields = ["user", "kind", "params", "order", "task", "read_at", "emailed_at"]

    def has_add_permission(self, request):
        return False


# --- MCN agencies: live data, assessments, appeals, focus slots (G1–G7) -------------------


@admin.register(LiveSession)
class LiveSessionAdmin(CsvImportMixin, admin.ModelAdmin):
    """G1: the sessions the feed sent. Read only; more arrive through the API or “Import CSV”."""

    import_service = staticmethod(services.live_sessions_import_csv)
    import_columns = CSV_COLUMNS
    import_title = _("Import live sessions (CSV)")

    list_display = [
        "platform_session_id",
        "creator",
        "category",
        "started_at",
        "minutes",
        "is_counted",
        "gmv",
        "refund",
        "source",
    ]
    list_filter = ["source", "is_counted", "category"]
    search_fields = ["=platform_session_id", "creator__display_name"]
    date_hierarchy = "started_at"
    list_select_related = ["creator", "category"]
    show_full_result_count = False  # millions of rows: no COUNT(*) on every page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("minutes"), ordering="duration_seconds")
    def minutes(self, session):
        return session.duration_seconds // 60

    @admin.display(description=_("GMV"), ordering="gmv_fen")
    def gmv(self, session):
        return format_cny(session.gmv_fen)

    @admin.display(description=_("refunds"), ordering="refund_fen")
    def refund(self, session):
        return format_cny(session.refund_fen)


@admin.register(AgencyAssessment)
class AgencyAssessmentAdmin(admin.ModelAdmin):
    """G2: the monthly rows `score_agencies` writes. Read only: rerun the month to change them."""

    list_display = [
        "agency",
        "month",
        "signed_count",
        "roster_count",
        "active_count",
        "activity_rate_percent",
        "passed",
        "is_short_of_creators",
        "is_below_activity",
        "points_deducted",
        "points_year",
        "is_voided",
    ]
    list_filter = ["month", "passed", "is_short_of_creators", "is_below_activity", "is_voided"]
    search_fields = ["agency__organization__name"]
    list_select_related = ["agency__organization"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AppealInline(admin.StackedInline):
    model = AgencyAppeal
    extra = 0
    can_delete = False
    fields = ["status", "reason", "submitted_by", "submitted_at", "decision", "decided_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("decision"))
    def decision(self, appeal):
        if appeal.status == AppealStatus.PENDING:
            url = reverse("admin:marketplace_agencyappeal_decide", args=[appeal.pk])
            return format_html('<a class="button" href="{}">{}</a>', url, _("Decide"))
        return appeal.decision_note


@admin.register(AgencyExpulsion)
class AgencyExpulsionAdmin(admin.ModelAdmin):
    """G3: expulsions, their 180-day bar and their one appeal."""

    list_display = ["agency", "points", "expelled_at", "readmissible_at", "lifted_at", "appeal"]
    list_filter = ["lifted_at"]
    search_fields = ["agency__organization__name"]
    list_select_related = ["agency__organization", "appeal"]
    readonly_fields = [
        "agency",
        "assessment",
        "points",
        "expelled_at",
        "readmissible_at",
        "lifted_at",
        "lifted_by",
        "lift_reason",
    ]
    inlines = [AppealInline]
    actions = ["readmit"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("appeal"))
    def appeal(self, expulsion):
        appeal = getattr(expulsion, "appeal", None)
        return appeal.get_status_display() if appeal else "—"

    has_readmit_permission = power("marketplace.readmit_agency")  # Z3

    @admin.action(description=_("Re-admit (180 days after the expulsion)"), permissions=["readmit"])
    def readmit(self, request, queryset):
        _each(
            self,
            request,
            [expulsion.agency for expulsion in queryset.select_related("agency")],
            services.agency_readmit,
            _("%(n)d agencies re-admitted."),
            arg="agency",
        )


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[
            ("grant", _("Grant: lift the expulsion and void the deduction that caused it")),
            ("reject", _("Reject: the expulsion stands")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("reason (the agency reads it)"), max_length=500, widget=forms.Textarea
    )


class AppealPendingFilter(admin.SimpleListFilter):
    title = _("decision")
    parameter_name = "pending"

    def lookups(self, request, model_admin):
        return [("yes", _("Awaiting decision")), ("no", _("Decided"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status=AppealStatus.PENDING)
        if self.value() == "no":
            return queryset.exclude(status=AppealStatus.PENDING)
        return queryset


@admin.register(AgencyAppeal)
class AgencyAppealAdmin(PowerLinksMixin, admin.ModelAdmin):
    """G3: the queue of appeals; each is decided once, with a reason, on its decision page."""

    list_display = ["agency", "submitted_at", "status", "decide_link", "decided_by", "decided_at"]
    power_links = {"decide_link": "marketplace.decide_agencyappeal"}  # Z3
    list_filter = [AppealPendingFilter, "status"]
    search_fields = ["expulsion__agency__organization__name"]
    list_select_related = ["expulsion__agency__organization", "decided_by"]
    ordering = ["status", "-submitted_at"]
    readonly_fields = [
        "expulsion",
        "reason",
        "submitted_by",
        "submitted_at",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("agency"))
    def agency(self, appeal):
        return appeal.expulsion.agency

    @admin.display(description=_("decide"))
    def decide_link(self, appeal):
        if appeal.status != AppealStatus.PENDING:
            return "—"
        url = reverse("admin:marketplace_agencyappeal_decide", args=[appeal.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Decide"))

    def get_urls(self):
        return [
            path(
                "<int:appeal_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="marketplace_agencyappeal_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, appeal_id: int):
        require_power(request, "marketplace.decide_agencyappeal")  # Z3: the 审核 desk
        appeal = get_object_or_404(
            AgencyAppeal.objects.select_related("expulsion__agency__organization"), pk=appeal_id
        )
        form = AppealDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.agency_appeal_decide(
                    appeal=appeal,
                    actor=request.user,
                    grant=form.cleaned_data["decision"] == "grant",
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, _("The appeal is decided."), messages.SUCCESS)
                return redirect("admin:marketplace_agencyappeal_changelist")
        expulsion = appeal.expulsion
        return render(
            request,
            "admin/marketplace/decide_appeal.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Decide the appeal of %(agency)s") % {"agency": expulsion.agency},
                "appeal": appeal,
                "expulsion": expulsion,
                "assessments": expulsion.agency.assessments.order_by("-month")[:12],
                "form": form,
                "opts": self.model._meta,
            },
        )


@admin.register(AgencyComplaint)
class AgencyComplaintAdmin(admin.ModelAdmin):
    """G6: complaints ops record; an open one keeps the agency off the focus slots."""

    list_display = ["agency", "summary", "opened_at", "resolved_at"]
    list_filter = ["resolved_at"]
    search_fields = ["agency__organization__name", "summary"]
    autocomplete_fields = ["agency"]
    readonly_fields = ["opened_at", "resolved_at"]
    list_select_related = ["agency__organization"]
    actions = ["resolve"]

    has_resolve_permission = power("marketplace.resolve_agencycomplaint")  # Z3

    @admin.action(description=_("Mark the selected complaints resolved"), permissions=["resolve"])
    def resolve(self, request, queryset):
        count = services.complaints_resolve(complaints=queryset, actor=request.user)
        self.message_user(request, _("%(n)d complaints resolved.") % {"n": count})


@admin.register(VerticalEligibility)
class VerticalEligibilityAdmin(admin.ModelAdmin):
    """G5: which agencies are vertical agencies in which month (written by score_agencies)."""

    list_display = [
        "agency",
        "category",
        "month",
        "qualifying_creators",
        "vertical_gmv",
        "share_percent",
        "is_eligible",
    ]
    list_filter = ["month", "category", "is_eligible"]
    search_fields = ["agency__organization__name"]
    list_select_related = ["agency__organization", "category"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("vertical GMV"), ordering="vertical_gmv_fen")
    def vertical_gmv(self, row):
        return format_cny(row.vertical_gmv_fen)


class FocusOfferInline(admin.TabularInline):
    model = FocusOffer
    fk_name = "hour"
    extra = 0
    can_delete = False
    fields = ["rank", "agency", "vertical_gmv_fen", "status", "note", "decided_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class FocusSlotInline(admin.TabularInline):
    model = FocusSlot
    extra = 0
    can_delete = False
    fields = ["position", "creator", "agency", "theme_proposal", "assigned_by", "assigned_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FocusHour)
class FocusHourAdmin(admin.ModelAdmin):
    """G6: each vertical's 10:00 and 11:00 focus hours, who holds them and their slots."""

    list_display = ["day", "category", "starts_at", "agency", "status", "respond_by"]
    list_filter = ["status", "category", "day"]
    search_fields = ["agency__organization__name"]
    date_hierarchy = "day"
    list_select_related = ["category", "agency__organization"]
    readonly_fields = ["day", "category", "starts_at", "agency", "status", "respond_by"]
    inlines = [FocusSlotInline, FocusOfferInline]

    def has_add_permission(self, request):
        return False


@admin.register(FocusOffer)
class FocusOfferAdmin(admin.ModelAdmin):
    """G6: the ranked line of each vertical and day, with why an agency was skipped."""

    list_display = ["day", "category", "rank", "agency", "vertical_gmv_fen", "status", "note"]
    list_filter = ["status", "category", "day"]
    search_fields = ["agency__organization__name"]
    list_select_related = ["category", "agency__organization"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ThemeProposal)
class ThemeProposalAdmin(admin.ModelAdmin):
    """G7: proposals for next month (submitted the 10th–18th); ops select them here."""

    list_display = ["title", "agency", "month", "category", "status", "submitted_at", "slot_day"]
    list_filter = ["status", "month", "category"]
    search_fields = ["title", "agency__organization__name"]
    list_select_related = ["agency__organization", "category", "slot__hour"]
    readonly_fields = [
        "agency",
        "month",
        "category",
        "title",
        "plan",
        "submitted_by",
        "submitted_at",
        "status",
        "decided_by",
        "decided_at",
    ]
    actions = ["select", "pass_over"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("focus slot"))
    def slot_day(self, proposal):
        slot = getattr(proposal, "slot", None)
        return timezone.localtime(slot.hour.starts_at).strftime("%Y-%m-%d %H:%M") if slot else "—"

    has_decide_permission = power("marketplace.decide_themeproposal")  # Z3

    @admin.action(
        description=_("Select: the proposal earns one focus slot"), permissions=["decide"]
    )
    def select(self, request, queryset):
        _each(
            self,
            request,
            queryset.filter(status=ThemeProposalStatus.SUBMITTED),
            services.theme_proposal_decide,
            _("%(n)d proposals selected."),
            arg="proposal",
            select=True,
        )

    @admin.action(description=_("Not selected"), permissions=["decide"])
    def pass_over(self, request, queryset):
        _each(
            self,
            request,
            queryset.filter(status=ThemeProposalStatus.SUBMITTED),
            services.theme_proposal_decide,
            _("%(n)d proposals not selected."),
            arg="proposal",
            select=False,
        )


@admin.register(FocusSlot)
class FocusSlotAdmin(admin.ModelAdmin):
    """G6–G7: who is on the focus banner when. Agencies assign slots on their pages."""

    list_display = ["hour", "position", "creator", "agency", "theme_proposal", "assigned_at"]
    list_filter = ["hour__day", "hour__category"]
    search_fields = ["creator__display_name", "agency__organization__name"]
    list_select_related = ["hour__category", "creator", "agency__organization", "theme_proposal"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- sanctions (S1–S2) ----------------------------------------------------------------------


class ViolationForm(forms.Form):
    kind = forms.ChoiceField(label=_("violation"), choices=ViolationKind.choices)
    user = forms.ModelChoiceField(
        label=_("account (creator or merchant)"),
        queryset=User.objects.filter(is_staff=False).order_by("username"),
        required=False,
    )
    organization = forms.ModelChoiceField(
        label=_("or a merchant shop / agency"),
        queryset=Organization.objects.filter(kind__in=["shop", "agency"]).order_by("name"),
        required=False,
    )
    task = forms.IntegerField(
        label=_("post (task ID)"),
        required=False,
        help_text=_("S1: a first off-platform deal takes this post down."),
    )
    restriction_days = forms.IntegerField(
        label=_("restriction (days)"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_("S2 only: empty means a permanent restriction. S1 follows its ladder."),
    )
    reason = forms.CharField(
        label=_("reason (the party reads it)"), max_length=2000, widget=forms.Textarea
    )


@admin.register(Violation)
class ViolationAdmin(admin.ModelAdmin):
    """S1/S2: violations are recorded on “Record a violation”; the sanction follows the
    ladder (S1) or the chosen days (S2)."""

    list_display = ["recorded_at", "kind", "party", "step", "task", "recorded_by", "sanction_kind"]
    list_filter = ["kind"]
    search_fields = ["user__username", "organization__name", "reason"]
    list_select_related = ["user", "organization", "task", "recorded_by", "sanction"]
    readonly_fields = [
        "kind",
        "user",
        "organization",
        "task",
        "step",
        "reason",
        "recorded_by",
        "recorded_at",
    ]
    change_list_template = "admin/marketplace/violation_change_list.html"

    def has_add_permission(self, request):
        return False  # through record_view, which runs the service

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("party"))
    def party(self, violation):
        return violation.party_name

    @admin.display(description=_("sanction"))
    def sanction_kind(self, violation):
        sanction = getattr(violation, "sanction", None)
        return sanction.get_kind_display() if sanction else "—"

    def get_urls(self):
        return [
            path(
                "record/",
                self.admin_site.admin_view(self.record_view),
                name="marketplace_violation_record",
            ),
            *super().get_urls(),
        ]

    def record_view(self, request):
        from tasks.models import Task

        require_power(request, "marketplace.record_violation")  # Z3: the 风控 desk
        form = ViolationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            task = None
            if data["task"]:
                task = Task.objects.filter(pk=data["task"]).first()
                if task is None:
                    form.add_error("task", _("No task has this ID."))
            if not form.errors:
                try:
                    services.violation_record(
                        actor=request.user,
                        kind=data["kind"],
                        reason=data["reason"],
                        user=data["user"],
                        organization=data["organization"],
                        task=task,
                        restriction_days=data["restriction_days"],
                    )
                except DomainError as exc:
                    placed = False
                    for field, errors in exc.fields.items():
                        target = "user" if field == "party" else field
                        if target in form.fields:
                            for error in errors:
                                form.add_error(target, error)
                            placed = True
                    if not placed:
                        form.add_error(None, exc.message)
                else:
                    self.message_user(request, _("The violation is recorded."), messages.SUCCESS)
                    return redirect("admin:marketplace_violation_changelist")
        return render(
            request,
            "admin/marketplace/record_violation.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Record a violation"),
                "form": form,
                "opts": self.model._meta,
            },
        )


class InForceFilter(admin.SimpleListFilter):
    title = _("in force")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", _("In force now")), ("no", _("Ended or lifted"))]

    def queryset(self, request, queryset):
        from .services.sanctions import bans_in_force

        if self.value() == "yes":
            return queryset.filter(bans_in_force())
        if self.value() == "no":
            return queryset.exclude(bans_in_force())
        return queryset


@admin.register(Sanction)
class SanctionAdmin(admin.ModelAdmin):
    """S1/S2: bans and restrictions; they end by themselves, ops may lift one early."""

    list_display = ["party", "kind", "starts_at", "ends_at", "is_permanent", "lifted_at"]
    list_filter = [InForceFilter, "kind", "is_permanent"]
    search_fields = ["user__username", "organization__name"]
    list_select_related = ["user", "organization"]
    readonly_fields = [
        "violation",
        "user",
        "organization",
        "kind",
        "starts_at",
        "ends_at",
        "is_permanent",
        "lifted_at",
        "lifted_by",
    ]
    actions = ["lift"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("party"))
    def party(self, sanction):
        return str(sanction.user or sanction.organization)

    has_lift_permission = power("marketplace.lift_sanction")  # Z3

    @admin.action(description=_("Lift the selected sanctions now"), permissions=["lift"])
    def lift(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            services.sanction_lift,
            _("%(n)d sanctions lifted."),
            arg="sanction",
        )
