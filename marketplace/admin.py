"""Ops find any shop, creator or agency by name in two clicks: admin index → list with search."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .exceptions import DomainError
from .models import (
    Agency,
    AgencyContract,
    Category,
    CreatorProfile,
    CreatorRate,
    Membership,
    MerchantShop,
    Notification,
    Organization,
    PaymentAccount,
    ServiceProvider,
    User,
)
from .money import format_cny

admin.site.site_header = _("Creator task marketplace · Ops")
admin.site.site_title = _("Marketplace ops")
admin.site.index_title = _("Operations")


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


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "signed_creators", "created_at"]
    list_filter = ["status"]
    search_fields = ["organization__name"]
    readonly_fields = ["created_at"]
    list_select_related = ["organization"]
    inlines = [ContractInline]

    @admin.display(description=_("name"), ordering="organization__name")
    def name(self, agency):
        return agency.organization.name

    @admin.display(description=_("signed creators"))
    def signed_creators(self, agency):
        return agency.creators.count()


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

    @admin.action(description=_("End the selected contracts (ops decision)"))
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


@admin.register(ServiceProvider)
class ServiceProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["organization__name"]
    readonly_fields = ["created_at"]
    list_select_related = ["organization"]

    @admin.display(description=_("name"), ordering="organization__name")
    def name(self, provider):
        return provider.organization.name


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
class NotificationAdmin(admin.ModelAdmin):
    """D5: what each user was told, and whether the e-mail copy went out."""

    list_display = ["id", "user", "kind", "message", "order", "read_at", "emailed_at", "created_at"]
    list_filter = ["kind"]
    search_fields = ["user__username", "=order__id", "=task__id"]
    list_select_related = ["user"]
    readonly_fields = ["user", "kind", "params", "order", "task", "read_at", "emailed_at"]

    def has_add_permission(self, request):
        return False
