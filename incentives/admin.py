"""Ops' view of the 视频号 incentives: programs and their policy rows (I4–I7), the months'
budget meters, live accounts, and the coupon book, read only (only services move coupons)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_large import CREATED_FILTER, LargeTableMixin
from core.admin_pages import ReadOnlyInline

from .models import (
    CouponAccount,
    CouponEntry,
    CouponLot,
    CouponTransaction,
    GrowthTier,
    LiveAccount,
    Program,
    ProgramMonth,
)
from .selectors import program_meters


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


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgramMonth)
class ProgramMonthAdmin(ReadOnlyAdmin):
    list_display = ["program", "month", "budget", "opened_at"]
    list_filter = ["program", "month"]


@admin.register(LiveAccount)
class LiveAccountAdmin(admin.ModelAdmin):
    """I1: bound by creators and merchants; ops read them (and I10 bars one for good)."""

    list_display = ["finder_id", "nickname", "has_brand_mark", "creator", "shop", "barred_at"]
    list_filter = ["has_brand_mark"]
    search_fields = ["finder_id", "nickname"]
    readonly_fields = ["finder_id", "creator", "shop", "bound_by", "bound_at", "barred_at"]
    list_select_related = ["creator", "shop__organization"]

    def has_add_permission(self, request):
        return False


@admin.register(CouponAccount)
class CouponAccountAdmin(LargeTableMixin, ReadOnlyAdmin):
    list_display = ["id", "kind", "program_month", "live_account", "balance"]
    list_filter = ["kind"]
    search_fields = ["=id", "live_account__finder_id"]
    list_select_related = ["program_month__program", "live_account"]


class EntryInline(ReadOnlyInline):
    model = CouponEntry
    fields = ["account", "amount", "balance_after"]
    readonly_fields = fields


@admin.register(CouponTransaction)
class CouponTransactionAdmin(LargeTableMixin, ReadOnlyAdmin):
    list_display = ["id", "kind", "live_account", "program_month", "reason", "created_at"]
    list_filter = ["kind", CREATED_FILTER]
    search_fields = ["=id", "cause", "live_account__finder_id"]
    list_select_related = ["live_account", "program_month__program"]
    inlines = [EntryInline]


@admin.register(CouponEntry)
class CouponEntryAdmin(LargeTableMixin, ReadOnlyAdmin):
    list_display = ["id", "transaction", "account", "amount", "balance_after"]
    search_fields = ["=transaction__id", "=account__id"]
    list_select_related = ["transaction", "account"]


@admin.register(CouponLot)
class CouponLotAdmin(ReadOnlyAdmin):
    list_display = ["id", "live_account", "program_month", "amount", "remaining", "expires_at"]
    search_fields = ["live_account__finder_id"]
    list_select_related = ["live_account", "program_month__program"]
