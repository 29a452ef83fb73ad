from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from marketplace.money import format_cny

from .models import Channel, Order


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    """T1: ops edit channels, including whether creators may post recruitment tasks."""

    list_display = ["name", "code", "name_en", "allows_recruitment", "is_active", "sort_order"]
    list_editable = ["allows_recruitment", "is_active", "sort_order"]
    search_fields = ["name", "code", "name_en"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders with their money; state changes go through the order services, never this form."""

    list_display = [
        "id",
        "title",
        "kind",
        "shop",
        "creator",
        "price",
        "fee",
        "status",
        "created_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["=id", "title", "shop__organization__name", "creator__display_name"]
    list_select_related = ["shop__organization", "creator"]
    readonly_fields = [
        "kind",
        "shop",
        "creator",
        "price_fen",
        "fee_rate_bp",
        "fee_fen",
        "status",
        "created_at",
        "escrow_balance",
    ]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("price"), ordering="price_fen")
    def price(self, order):
        return format_cny(order.price_fen)

    @admin.display(description=_("fee"), ordering="fee_fen")
    def fee(self, order):
        return format_cny(order.fee_fen)

    @admin.display(description=_("held in escrow"))
    def escrow_balance(self, order):
        account = order.ledger_accounts.filter(kind="order_escrow").first()
        return format_cny(account.balance_fen if account else 0)
