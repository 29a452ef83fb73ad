"""Ops read the ledger (never edit it), decide withdrawals through the services, set fee rates."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from core.admin_actions import for_each_row
from core.admin_large import CREATED_FILTER, LargeTableMixin
from core.admin_pages import ReadOnlyInline
from core.money import format_cny, parse_yuan
from core.ops_powers import power

from . import services
from .models import (
    Account,
    Entry,
    FeePolicy,
    IdempotencyKey,
    JournalTransaction,
    PaymentIntent,
    PayoutAccount,
    Withdrawal,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger is append-only (E2): ops look, nobody edits here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AmountSearchMixin:
    """Search also matches an amount typed in yuan ("1280" or "1280.00") against `amount_field`."""

    amount_field = "amount_fen"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            fen = parse_yuan(search_term.strip().lstrip("¥").replace(",", ""))
        except ValueError:
            return results, may_have_duplicates
        by_amount = queryset.filter(Q(**{self.amount_field: fen}) | Q(**{self.amount_field: -fen}))
        return results | by_amount, may_have_duplicates


class EntryInline(ReadOnlyInline):
    model = Entry
    fields = ["account", "amount", "balance_after"]
    readonly_fields = fields

    @admin.display(description=_("amount"))
    def amount(self, entry):
        return format_cny(entry.amount_fen)

    @admin.display(description=_("balance after"))
    def balance_after(self, entry):
        return format_cny(entry.balance_after_fen)


@admin.register(Account)
class AccountAdmin(AmountSearchMixin, ReadOnlyAdmin):
    amount_field = "balance_fen"
    list_display = ["id", "kind", "owner", "balance", "created_at"]
    list_filter = ["kind"]
    search_fields = [
        "shop__organization__name",
        "creator__display_name",
        "creator__user__username",
        "=order__id",
    ]
    list_select_related = ["shop__organization", "creator", "order"]

    @admin.display(description=_("owner"))
    def owner(self, account):
        return account.shop or account.creator or account.order or "—"

    @admin.display(description=_("balance"), ordering="balance_fen")
    def balance(self, account):
        return format_cny(account.balance_fen)


@admin.register(JournalTransaction)
class JournalTransactionAdmin(LargeTableMixin, ReadOnlyAdmin):
    list_display = ["id", "kind", "order", "memo_shown", "created_by", "created_at"]
    list_filter = ["kind", CREATED_FILTER]
    search_fields = ["=id", "=order__id", "memo", "created_by__username"]
    list_select_related = ["order", "created_by"]
    inlines = [EntryInline]

    @admin.display(description=_("memo"), ordering="memo")
    def memo_shown(self, journal):
        return journal.memo_text


@admin.register(Entry)
class EntryAdmin(LargeTableMixin, AmountSearchMixin, ReadOnlyAdmin):
    list_display = ["id", "transaction", "account", "amount", "balance_after", "created_at"]
    list_filter = ["account__kind", "transaction__kind"]
    search_fields = [
        "=transaction__order__id",
        "account__shop__organization__name",
        "account__creator__display_name",
        "account__creator__user__username",
        "transaction__created_by__username",
    ]
    list_select_related = ["transaction", "account"]

    @admin.display(description=_("amount"), ordering="amount_fen")
    def amount(self, entry):
        return format_cny(entry.amount_fen)

    @admin.display(description=_("balance after"))
    def balance_after(self, entry):
        return format_cny(entry.balance_after_fen)


@admin.register(FeePolicy)
class FeePolicyAdmin(admin.ModelAdmin):
    """E10: ops set the fee rate per order kind; orders keep the rate in force when created."""

    list_display = ["order_kind", "rate_bp", "percent", "updated_at"]
    list_editable = ["rate_bp"]
    readonly_fields = ["updated_at"]

    @admin.display(description=_("rate"))
    def percent(self, policy):
        return f"{policy.rate_bp / 100:.2f}%"

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PaymentIntent)
class PaymentIntentAdmin(AmountSearchMixin, ReadOnlyAdmin):
    list_display = [
        "id",
        "kind",
        "status",
        "amount",
        "shop",
        "withdrawal",
        "created_at",
        "settled_at",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["=id", "gateway_reference", "shop__organization__name"]
    list_select_related = ["shop__organization", "withdrawal"]

    @admin.display(description=_("amount"), ordering="amount_fen")
    def amount(self, intent):
        return format_cny(intent.amount_fen)


@admin.register(PayoutAccount)
class PayoutAccountAdmin(ReadOnlyAdmin):
    list_display = ["creator", "account_id", "holder_name", "updated_at"]
    search_fields = ["creator__display_name", "account_id", "holder_name"]
    list_select_related = ["creator"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason shown to the creator"), max_length=200)


@admin.register(Withdrawal)
class WithdrawalAdmin(AmountSearchMixin, ReadOnlyAdmin):
    """E8: the review queue. Each decision goes through the same service as everywhere else."""

    list_display = ["id", "creator", "amount", "status", "account_id", "requested_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["=id", "creator__display_name", "creator__user__username", "account_id"]
    list_select_related = ["creator", "decided_by"]
    actions = ["approve", "reject", "mark_failed"]

    @admin.display(description=_("amount"), ordering="amount_fen")
    def amount(self, withdrawal):
        return format_cny(withdrawal.amount_fen)

    # Z3: paying out or refusing a withdrawal is a finance power (the 财务 group), checked by
    # Django's admin for the dropdown and for a posted action alike.
    has_decide_permission = power("escrow.decide_withdrawal")

    @admin.action(
        description=_("Approve and pay out the selected withdrawals"), permissions=["decide"]
    )
    def approve(self, request, queryset):
        for_each_row(
            self,
            request,
            queryset,
            lambda w: services.withdrawal_approve(withdrawal=w, actor=request.user),
            _("%(n)d withdrawals approved."),
            quiet_when_none=True,
        )

    def _with_reason(self, request, queryset, action, decide, done):
        if "apply" in request.POST:
            form = ReasonForm(request.POST)
            if form.is_valid():
                reason = form.cleaned_data["reason"]
                for_each_row(
                    self, request, queryset, lambda w: decide(w, reason), done, quiet_when_none=True
                )
                return None
        else:
            form = ReasonForm()
        return render(
            request,
            "admin/escrow/reason.html",
            {
                **self.admin_site.each_context(request),
                "title": self.get_actions(request)[action][2],
                "form": form,
                "queryset": queryset,
                "action": action,
                "opts": self.model._meta,
            },
        )

    @admin.action(
        description=_("Reject the selected withdrawals (money returned)"), permissions=["decide"]
    )
    def reject(self, request, queryset):
        return self._with_reason(
            request,
            queryset,
            "reject",
            lambda w, reason: services.withdrawal_reject(
                withdrawal=w, actor=request.user, reason=reason
            ),
            _("%(n)d withdrawals rejected."),
        )

    @admin.action(
        description=_("Record that the payout failed (money returned)"), permissions=["decide"]
    )
    def mark_failed(self, request, queryset):
        return self._with_reason(
            request,
            queryset,
            "mark_failed",
            lambda w, reason: services.withdrawal_fail(
                withdrawal=w, actor=request.user, reason=reason
            ),
            _("%(n)d payouts marked failed."),
        )


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ["user", "key", "method", "path", "status", "response_status", "created_at"]
    list_filter = ["status", "method"]
    search_fields = ["key", "user__username", "path"]
    list_select_related = ["user"]
    exclude = ["response_body"]
