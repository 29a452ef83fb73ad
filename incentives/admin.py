"""Ops' view of the 视频号 incentives: programs and their policy rows (I4–I7), the months'
budget meters, live accounts, and the coupon book, read only (only services move coupons)."""

from __future__ import annotations

from uuid import uuid4

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.admin_large import CREATED_FILTER, LargeTableMixin
from core.admin_pages import ObjectPage, ObjectPageMixin, ReadOnlyInline, ReadOnlyModelAdmin
from core.ops_powers import PowerLinksMixin

from . import services
from .models import (
    ApplicationStatus,
    ChannelsSession,
    CouponAccount,
    CouponEntry,
    CouponLot,
    CouponTransaction,
    GrowthAward,
    GrowthTier,
    HeatingLotUse,
    HeatingOrder,
    IncentiveApplication,
    LiveAccount,
    Program,
    ProgramCode,
    ProgramMonth,
    Stage,
    ViolationConfirmation,
    ViolationKind,
)
from .selectors import coupon_wallet, program_meters


class GrowthTierInline(admin.TabularInline):
    model = GrowthTier
    extra = 0
    fields = ["kind", "threshold", "coupons"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    """I4: the monthly budget applies from the next month that opens; I5–I7: the policy."""

    list_display = ["code", "monthly_budget", "coupon_days", "is_active", "this_month"]
    list_editable = ["monthly_budget", "is_active"]
    readonly_fields = ["code"]
    inlines = [GrowthTierInline]

    def has_add_permission(self, request):
        return False  # the three programs are seeded; their rules are code

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("this month: reserved / granted / remaining"))
    def this_month(self, program):
        meter = next((m for m in program_meters() if m.code == program.code), None)
        if meter is None:
            return "—"
        return f"{meter.reserved:,} / {meter.granted:,} / {meter.remaining:,}"


@admin.register(GrowthTier)
class GrowthTierAdmin(admin.ModelAdmin):
    """I6: the growth tasks as policy rows (also edited on the growth program's page)."""

    list_display = ["program", "kind", "threshold", "coupons"]
    list_editable = ["coupons"]
    list_filter = ["kind"]


@admin.register(ProgramMonth)
class ProgramMonthAdmin(ReadOnlyModelAdmin):
    list_display = ["program", "month", "budget", "opened_at"]
    list_filter = ["program", "month"]


class ConfirmViolationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("what was confirmed"),
        choices=[("", "---------"), *ViolationKind.choices],  # no default: ops choose
    )
    note = forms.CharField(
        label=_("what was found (the account reads it)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    restriction_days = forms.IntegerField(
        label=_("cheating: days of the restriction recorded against the owner (empty: for good)"),
        required=False,
        min_value=1,
        max_value=365,
        initial=90,
    )


class GrantCouponsForm(forms.Form):
    program = forms.ChoiceField(
        label=_("the program whose budget of this month pays"),
        choices=[("", "---------"), *ProgramCode.choices],
    )
    coupons = forms.IntegerField(label=_("coupons"), min_value=1, max_value=50_000)
    note = forms.CharField(label=_("why (the account reads it)"), max_length=200)
    key = forms.CharField(widget=forms.HiddenInput, initial=lambda: uuid4().hex, max_length=40)


class ViolationInline(ReadOnlyInline):
    model = ViolationConfirmation
    fields = ["kind", "note", "confirmed_by", "confirmed_at", "voided", "clawed_back"]
    readonly_fields = fields


@admin.register(LiveAccount)
class LiveAccountAdmin(ObjectPageMixin, PowerLinksMixin, admin.ModelAdmin):
    """I1: bound by creators and merchants; ops read them, and (I9, I10) confirm complaints,
    counterfeit goods, closed shops and cheating on the account's page."""

    list_display = [
        "finder_id",
        "nickname",
        "has_brand_mark",
        "creator",
        "shop",
        "restricted_until",
        "barred_at",
        "confirm_link",
        "grant_link",
    ]
    list_filter = ["has_brand_mark"]
    search_fields = ["finder_id", "nickname"]
    readonly_fields = [
        "finder_id",
        "creator",
        "shop",
        "bound_by",
        "bound_at",
        "restricted_until",
        "barred_at",
    ]
    list_select_related = ["creator", "shop__organization"]
    inlines = [ViolationInline]
    power_links = {  # Z3
        "confirm_link": "incentives.confirm_incentive_violation",
        "grant_link": "incentives.grant_coupons",
    }
    object_page = ObjectPage(
        "confirm",
        "incentives.confirm_incentive_violation",
        "admin/incentives/confirm_violation.html",
        ConfirmViolationForm,
        _("The violation is confirmed and the account is told."),
        related=("creator__user", "shop__organization"),
    )
    grant_page = ObjectPage(
        "grant",
        "incentives.grant_coupons",
        "admin/incentives/grant_coupons.html",
        GrantCouponsForm,
        _("The coupons are granted and the account is told."),
        related=("creator__user", "shop__organization"),
    )
    more_object_pages = (grant_page,)

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("violations"))
    def confirm_link(self, live_account):
        return self.object_page_link(live_account, _("Confirm a violation"))

    @admin.display(description=_("grant"))
    def grant_link(self, live_account):
        return self.object_page_link(live_account, _("Grant coupons"), self.grant_page)

    def object_page_act(self, request, live_account, data) -> None:
        if request.object_page is self.grant_page:
            services.coupons_grant_by_ops(
                actor=request.user,
                live_account=live_account,
                program=data["program"],
                coupons=data["coupons"],
                note=data["note"],
                key=data["key"],
            )
            return
        services.violation_confirm(
            actor=request.user,
            live_account=live_account,
            kind=data["kind"],
            note=data["note"],
            restriction_days=data.get("restriction_days"),
        )

    def object_page_refused(self, form, exc) -> None:
        placed = False
        for field in ("kind", "note", "restriction_days", "program", "coupons"):
            for error in exc.fields.get(field, []):
                form.add_error(field, error)
                placed = True
        if not placed:
            form.add_error(None, exc.message)

    def object_page_context(self, request, live_account) -> dict:
        if request.object_page is self.grant_page:
            return {
                "title": _("Grant coupons to %(account)s") % {"account": live_account},
                "live_account": live_account,
                "wallet": coupon_wallet(live_account=live_account, limit=10),
                "meters": program_meters(),
            }
        return {
            "title": _("Confirm a violation of %(account)s") % {"account": live_account},
            "live_account": live_account,
            "wallet": coupon_wallet(live_account=live_account, limit=10),
            "violations": live_account.violations.select_related("confirmed_by")[:20],
        }


@admin.register(ViolationConfirmation)
class ViolationConfirmationAdmin(ReadOnlyModelAdmin):
    """I9/I10: every confirmation, with who and when and what it voided or clawed back."""

    list_display = [
        "live_account",
        "kind",
        "confirmed_by",
        "confirmed_at",
        "voided",
        "clawed_back",
    ]
    list_filter = ["kind"]
    search_fields = ["live_account__finder_id", "live_account__nickname"]
    list_select_related = ["live_account", "confirmed_by"]


class HeatingLotUseInline(ReadOnlyInline):
    model = HeatingLotUse
    fields = ["lot", "coupons"]
    readonly_fields = fields


@admin.register(HeatingOrder)
class HeatingOrderAdmin(LargeTableMixin, ReadOnlyModelAdmin):
    """I8: heating orders paid with coupons, and the lots each took its coupons from."""

    list_display = ["id", "live_account", "hours", "coupons", "used", "status", "started_at"]
    list_filter = ["status"]
    search_fields = ["live_account__finder_id"]
    list_select_related = ["live_account"]
    inlines = [HeatingLotUseInline]


@admin.register(HeatingLotUse)
class HeatingLotUseAdmin(LargeTableMixin, ReadOnlyModelAdmin):
    list_display = ["order", "lot", "coupons"]
    list_select_related = ["order", "lot"]


@admin.register(GrowthAward)
class GrowthAwardAdmin(LargeTableMixin, ReadOnlyModelAdmin):
    """I6: the month's growth awards, granted or quota exhausted, in crossing order."""

    list_display = [
        "month",
        "live_account",
        "kind",
        "threshold",
        "coupons",
        "status",
        "crossed_at",
    ]
    list_filter = ["month", "kind", "status"]
    search_fields = ["live_account__finder_id"]
    list_select_related = ["live_account"]
    ordering = ["-month", "crossed_at", "id"]


@admin.register(CouponAccount)
class CouponAccountAdmin(LargeTableMixin, ReadOnlyModelAdmin):
    list_display = ["id", "kind", "program_month", "live_account", "balance"]
    list_filter = ["kind"]
    search_fields = ["=id", "live_account__finder_id"]
    list_select_related = ["program_month__program", "live_account"]


class EntryInline(ReadOnlyInline):
    model = CouponEntry
    fields = ["account", "amount", "balance_after"]
    readonly_fields = fields


@admin.register(CouponTransaction)
class CouponTransactionAdmin(LargeTableMixin, ReadOnlyModelAdmin):
    list_display = ["id", "kind", "live_account", "program_month", "reason", "created_at"]
    list_filter = ["kind", CREATED_FILTER]
    search_fields = ["=id", "cause", "live_account__finder_id"]
    list_select_related = ["live_account", "program_month__program"]
    inlines = [EntryInline]


@admin.register(CouponEntry)
class CouponEntryAdmin(LargeTableMixin, ReadOnlyModelAdmin):
    list_display = ["id", "transaction", "account", "amount", "balance_after"]
    search_fields = ["=transaction__id", "=account__id"]
    list_select_related = ["transaction", "account"]


@admin.register(CouponLot)
class CouponLotAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "live_account", "program_month", "amount", "remaining", "expires_at"]
    search_fields = ["live_account__finder_id"]
    list_select_related = ["live_account", "program_month__program"]


class DecideApplicationForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    agreed_start = forms.DateTimeField(
        label=_("agreed live start (approve; the proposed start when empty)"), required=False
    )
    reason = forms.CharField(
        label=_("reason (reject; the applicant reads it)"), required=False, max_length=500
    )


class ReviewFilter(admin.SimpleListFilter):
    """I3: the queue as ops work it: due after 2 business days, overdue after 5."""

    title = _("review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("waiting", _("Waiting")), ("due", _("Due")), ("overdue", _("Overdue"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        waiting = queryset.filter(status=ApplicationStatus.SUBMITTED)
        if self.value() == "waiting":
            return waiting
        if self.value() == "due":
            return waiting.filter(review_due_at__lte=now, review_overdue_at__gt=now)
        if self.value() == "overdue":
            return waiting.filter(review_overdue_at__lte=now)
        return queryset


class StageInline(ReadOnlyInline):
    model = Stage
    fields = ["number", "coupons", "status", "due_by", "settled_at"]
    readonly_fields = fields


@admin.register(IncentiveApplication)
class IncentiveApplicationAdmin(ObjectPageMixin, PowerLinksMixin, ReadOnlyModelAdmin):
    """I3: the review queue of cold-start and benchmark applications, the one due first on top;
    each is decided on its page (who and when are kept on the row)."""

    list_display = [
        "id",
        "program",
        "live_account",
        "status",
        "submitted_at",
        "review_flag",
        "decide_link",
        "decided_by",
        "decided_at",
    ]
    list_filter = [ReviewFilter, "program", "status"]
    inlines = [StageInline]
    search_fields = ["live_account__finder_id", "live_account__nickname"]
    list_select_related = ["program", "live_account", "decided_by"]
    ordering = ["review_due_at", "id"]
    power_links = {"decide_link": "incentives.decide_incentiveapplication"}  # Z3
    object_page = ObjectPage(  # Z3: the 审核 desk
        "decide",
        "incentives.decide_incentiveapplication",
        "admin/incentives/decide_application.html",
        DecideApplicationForm,
        _("The application is decided."),
        related=("program", "live_account"),
    )

    @admin.display(description=_("review"))
    def review_flag(self, application):
        if application.status != ApplicationStatus.SUBMITTED:
            return "—"
        now = timezone.now()
        if application.review_overdue_at <= now:
            return _("Overdue")
        if application.review_due_at <= now:
            return _("Due")
        return _("Waiting")

    @admin.display(description=_("decide"))
    def decide_link(self, application):
        if application.status != ApplicationStatus.SUBMITTED:
            return "—"
        return self.object_page_link(application, _("Review and decide"))

    def object_page_act(self, request, application, data) -> None:
        if data["decision"] == "approve":
            services.application_approve(
                actor=request.user, application=application, agreed_start=data["agreed_start"]
            )
        else:
            services.application_reject(
                actor=request.user, application=application, reason=data["reason"]
            )

    def object_page_refused(self, form, exc) -> None:
        placed = False
        for field in ("agreed_start", "reason"):
            for error in exc.fields.get(field, []):
                form.add_error(field, error)
                placed = True
        if not placed:
            form.add_error(None, exc.message)

    def object_page_context(self, request, application) -> dict:
        return {
            "title": _("Review the %(program)s application of %(account)s")
            % {"program": application.program, "account": application.live_account},
            "application": application,
            "lives": application.live_account.sessions.order_by("-started_at")[:10],
        }


@admin.register(ChannelsSession)
class ChannelsSessionAdmin(LargeTableMixin, ReadOnlyModelAdmin):
    """I1: the 视频号 lives the feed reported."""

    list_display = ["session_id", "live_account", "started_at", "ended_at", "viewers", "gmv_fen"]
    search_fields = ["session_id", "live_account__finder_id"]
    list_select_related = ["live_account"]


@admin.register(Stage)
class StageAdmin(ReadOnlyModelAdmin):
    list_display = ["application", "number", "coupons", "status", "due_by", "settled_at"]
    list_filter = ["status"]
