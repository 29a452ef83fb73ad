"""Ops find any shop, creator or agency by name in two clicks: admin index → list with search."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from core.admin_actions import for_each_row
from core.admin_large import CREATED_FILTER, LargeTableMixin
from core.admin_pages import ReadOnlyInline
from core.money import format_cny
from core.ops_powers import power
from parties.models import (
    Category,
    CreatorProfile,
    CreatorRate,
    Membership,
    MerchantShop,
    Notification,
    Organization,
    PaymentAccount,
    Sanction,
    User,
)
from parties.notifications import render
from parties.services.sanctions import bans_in_force, sanction_lift


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


class PaymentAccountInline(ReadOnlyInline):
    model = PaymentAccount
    fields = ["account_id", "holder_name", "account_type", "bound_at", "unbound_at"]
    readonly_fields = fields


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

    @admin.display(description=_("message"))
    def message(self, notification) -> str:
        return render(notification)

    def has_add_permission(self, request):
        return False


class InForceFilter(admin.SimpleListFilter):
    title = _("in force")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", _("In force now")), ("no", _("Ended or lifted"))]

    def queryset(self, request, queryset):
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
        for_each_row(
            self,
            request,
            queryset,
            lambda row: sanction_lift(sanction=row, actor=request.user),
            _("%(n)d sanctions lifted."),
            label=str,
        )
