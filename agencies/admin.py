"""Ops find any shop, creator or agency by name in two clicks: admin index → list with search."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from agencies.models import (
    Agency,
    AgencyAppeal,
    AgencyAssessment,
    AgencyComplaint,
    AgencyContract,
    AgencyExpulsion,
    AppealStatus,
    FocusHour,
    FocusOffer,
    FocusSlot,
    LiveSession,
    ThemeProposal,
    ThemeProposalStatus,
    VerticalEligibility,
)
from agencies.services.live_sessions import CSV_COLUMNS
from core.admin_actions import for_each_row
from core.admin_imports import CsvImportMixin
from core.admin_pages import ObjectPage, ObjectPageMixin, ReadOnlyInline
from core.exceptions import DomainError
from core.money import format_cny
from core.ops_powers import PowerLinksMixin, power

from . import services


class ContractInline(ReadOnlyInline):
    model = AgencyContract
    fields = ["creator", "status", "invited_at", "signed_at", "closed_at", "end_reason"]
    readonly_fields = fields


class AssessmentInline(ReadOnlyInline):
    model = AgencyAssessment
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

    has_readmit_permission = power("agencies.readmit_agency")  # Z3

    @admin.action(
        description=_("Re-admit the selected expelled agencies (180 days after)"),
        permissions=["readmit"],
    )
    def readmit(self, request, queryset):
        for_each_row(
            self,
            request,
            queryset,
            lambda row: services.agency_readmit(agency=row, actor=request.user),
            _("%(n)d agencies re-admitted."),
            label=str,
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

    has_end_permission = power("agencies.end_agencycontract")  # Z3

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
            url = reverse("admin:agencies_agencyappeal_decide", args=[appeal.pk])
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

    has_readmit_permission = power("agencies.readmit_agency")  # Z3

    @admin.action(description=_("Re-admit (180 days after the expulsion)"), permissions=["readmit"])
    def readmit(self, request, queryset):
        for_each_row(
            self,
            request,
            [expulsion.agency for expulsion in queryset.select_related("agency")],
            lambda row: services.agency_readmit(agency=row, actor=request.user),
            _("%(n)d agencies re-admitted."),
            label=str,
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
class AgencyAppealAdmin(ObjectPageMixin, PowerLinksMixin, admin.ModelAdmin):
    """G3: the queue of appeals; each is decided once, with a reason, on its decision page."""

    list_display = ["agency", "submitted_at", "status", "decide_link", "decided_by", "decided_at"]
    power_links = {"decide_link": "agencies.decide_agencyappeal"}  # Z3
    object_page = ObjectPage(  # Z3: the 审核 desk
        "decide",
        "agencies.decide_agencyappeal",
        "admin/marketplace/decide_appeal.html",
        AppealDecisionForm,
        _("The appeal is decided."),
        related=("expulsion__agency__organization",),
    )
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
        return self.object_page_link(appeal, _("Decide"))

    def object_page_act(self, request, appeal, data) -> None:
        services.agency_appeal_decide(
            appeal=appeal,
            actor=request.user,
            grant=data["decision"] == "grant",
            note=data["note"],
        )

    def object_page_context(self, request, appeal) -> dict:
        expulsion = appeal.expulsion
        return {
            "title": _("Decide the appeal of %(agency)s") % {"agency": expulsion.agency},
            "appeal": appeal,
            "expulsion": expulsion,
            "assessments": expulsion.agency.assessments.order_by("-month")[:12],
        }


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

    has_resolve_permission = power("agencies.resolve_agencycomplaint")  # Z3

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


class FocusOfferInline(ReadOnlyInline):
    model = FocusOffer
    fk_name = "hour"
    fields = ["rank", "agency", "vertical_gmv_fen", "status", "note", "decided_at"]
    readonly_fields = fields


class FocusSlotInline(ReadOnlyInline):
    model = FocusSlot
    fields = ["position", "creator", "agency", "theme_proposal", "assigned_by", "assigned_at"]
    readonly_fields = fields


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

    has_decide_permission = power("agencies.decide_themeproposal")  # Z3

    @admin.action(
        description=_("Select: the proposal earns one focus slot"), permissions=["decide"]
    )
    def select(self, request, queryset):
        for_each_row(
            self,
            request,
            queryset.filter(status=ThemeProposalStatus.SUBMITTED),
            lambda row: services.theme_proposal_decide(
                proposal=row, actor=request.user, select=True
            ),
            _("%(n)d proposals selected."),
            label=str,
        )

    @admin.action(description=_("Not selected"), permissions=["decide"])
    def pass_over(self, request, queryset):
        for_each_row(
            self,
            request,
            queryset.filter(status=ThemeProposalStatus.SUBMITTED),
            lambda row: services.theme_proposal_decide(
                proposal=row, actor=request.user, select=False
            ),
            _("%(n)d proposals not selected."),
            label=str,
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
