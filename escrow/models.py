"""The double-entry ledger (E1–E10).

Every movement of money is one JournalTransaction of two or more Entries whose amounts sum to
zero (E2). An entry's amount is signed: positive adds to the account's balance, negative takes
from it. Accounts cache their balance; the cache is updated in the same transaction as the
entries and can always be rebuilt from them (`reconcile` checks it, E9).

On PostgreSQL the database itself refuses what would break the ledger (migration 0002):
an unbalanced transaction (deferred constraint trigger, checked at commit), any UPDATE or DELETE
of an entry or a journal transaction (trigger), and a negative balance on any account but the
gateway's clearing account (CHECK constraint, on every database).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .memos import memo_text


class AccountKind(models.TextChoices):
    MERCHANT_WALLET = "merchant_wallet", _("Merchant wallet")
    ORDER_ESCROW = "order_escrow", _("Order escrow")
    CREATOR_EARNINGS = "creator_earnings", _("Creator earnings")
    PLATFORM_FEES = "platform_fees", _("Platform fee revenue")
    PAYOUTS_IN_FLIGHT = "payouts_in_flight", _("Payouts in flight")
    GATEWAY_CLEARING = "gateway_clearing", _("Payment gateway clearing")


SINGLETON_KINDS = (
    AccountKind.PLATFORM_FEES,
    AccountKind.PAYOUTS_IN_FLIGHT,
    AccountKind.GATEWAY_CLEARING,
)


class Account(models.Model):
    """E3: a merchant's wallet, an order's escrow, a creator's earnings, or a platform account."""

    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    shop = models.ForeignKey(
        "marketplace.MerchantShop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
    )
    creator = models.ForeignKey(
        "marketplace.CreatorProfile",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
    )
    order = models.ForeignKey(
        "tasks.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
    )
    balance_fen = models.BigIntegerField(_("balance (fen)"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # E3: only the clearing account (the outside world) may go negative.
            models.CheckConstraint(
                condition=Q(balance_fen__gte=0) | Q(kind="gateway_clearing"),
                name="account_balance_not_negative",
            ),
            models.UniqueConstraint(
                fields=["shop"], condition=Q(kind="merchant_wallet"), name="one_wallet_per_shop"
            ),
            models.UniqueConstraint(
                fields=["creator"],
                condition=Q(kind="creator_earnings"),
                name="one_earnings_account_per_creator",
            ),
            models.UniqueConstraint(
                fields=["order"], condition=Q(kind="order_escrow"), name="one_escrow_per_order"
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind__in=["platform_fees", "payouts_in_flight", "gateway_clearing"]),
                name="one_platform_account_per_kind",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="merchant_wallet",
                        shop__isnull=False,
                        creator__isnull=True,
                        order__isnull=True,
                    )
                    | Q(
                        kind="order_escrow",
                        order__isnull=False,
                        shop__isnull=True,
                        creator__isnull=True,
                    )
                    | Q(
                        kind="creator_earnings",
                        creator__isnull=False,
                        shop__isnull=True,
                        order__isnull=True,
                    )
                    | Q(
                        kind__in=["platform_fees", "payouts_in_flight", "gateway_clearing"],
                        shop__isnull=True,
                        creator__isnull=True,
                        order__isnull=True,
                    )
                ),
                name="account_owner_matches_kind",
            ),
        ]
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")

    def __str__(self) -> str:
        owner = self.shop_id or self.creator_id or self.order_id
        return f"{self.get_kind_display()}" + (f" #{owner}" if owner else "")


class TransactionKind(models.TextChoices):
    TOP_UP = "top_up", _("Top-up")
    HOLD = "hold", _("Payment into escrow")
    RELEASE = "release", _("Release to creator")
    REFUND = "refund", _("Refund")
    FORFEIT = "forfeit", _("Deposit forfeited")
    WITHDRAWAL = "withdrawal", _("Withdrawal requested")
    PAYOUT = "payout", _("Withdrawal paid out")
    PAYOUT_RETURNED = "payout_returned", _("Withdrawal returned")


class JournalTransaction(models.Model):
    """E2: one movement of money. Append-only."""

    kind = models.CharField(_("kind"), max_length=20, choices=TransactionKind.choices)
    order = models.ForeignKey(
        "tasks.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal_transactions",
    )
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("journal transaction")
        verbose_name_plural = _("journal transactions")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def memo_text(self) -> str:
        """The memo in the reader's language (escrow.memos)."""
        return memo_text(self.memo)


class Entry(models.Model):
    """E2: one line of a journal transaction. Never updated or deleted."""

    transaction = models.ForeignKey(
        JournalTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    balance_after_fen = models.BigIntegerField(_("balance after (fen)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "-id"], name="entry_account_recent")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_fen=0), name="entry_amount_not_zero")
        ]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")

    def __str__(self) -> str:
        return f"{self.account} {self.amount_fen:+d}"


class FeePolicy(models.Model):
    """E10: the platform service fee rate per order kind, edited by ops."""

    order_kind = models.CharField(_("order kind"), max_length=12, unique=True)
    rate_bp = models.PositiveIntegerField(
        _("rate (basis points)"), help_text=_("1000 basis points = 10%. At most 5000 (50%).")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["order_kind"]
        constraints = [
            models.CheckConstraint(condition=Q(rate_bp__lte=5000), name="fee_rate_at_most_half")
        ]
        verbose_name = _("fee policy")
        verbose_name_plural = _("fee policies")

    def __str__(self) -> str:
        return f"{self.order_kind}: {self.rate_bp / 100:.2f}%"


class IntentKind(models.TextChoices):
    TOP_UP = "top_up", _("Top-up")
    PAYOUT = "payout", _("Payout")


class IntentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class PaymentIntent(models.Model):
    """E7: money asked of the payment gateway (a top-up) or sent through it (a payout).

    Created and committed before the gateway is called; settled only by a signed callback.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=IntentKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=IntentStatus.choices, default=IntentStatus.PENDING
    )
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    shop = models.ForeignKey(
        "marketplace.MerchantShop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal = models.OneToOneField(
        "escrow.Withdrawal", on_delete=models.PROTECT, null=True, blank=True, related_name="intent"
    )
    gateway_reference = models.CharField(_("gateway reference"), max_length=64, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    transaction = models.OneToOneField(
        JournalTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="intent"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="intent_amount_positive")
        ]
        verbose_name = _("payment intent")
        verbose_name_plural = _("payment intents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"


class PayoutAccount(models.Model):
    """E8: the account a creator's withdrawals are paid to."""

    creator = models.OneToOneField(
        "marketplace.CreatorProfile", on_delete=models.CASCADE, related_name="payout_account"
    )
    account_id = models.CharField(_("Alipay account"), max_length=100)
    holder_name = models.CharField(_("account holder"), max_length=100)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payout account")
        verbose_name_plural = _("payout accounts")

    def __str__(self) -> str:
        return f"{self.account_id} ({self.holder_name})"


class WithdrawalStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for review")
    PROCESSING = "processing", _("Paying out")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed, money returned")
    REJECTED = "rejected", _("Rejected, money returned")


class Withdrawal(ConcurrentTransitionMixin, models.Model):
    """E8: a creator's request to be paid its available earnings."""

    creator = models.ForeignKey(
        "marketplace.CreatorProfile", on_delete=models.PROTECT, related_name="withdrawals"
    )
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    account_id = models.CharField(_("Alipay account"), max_length=100)
    holder_name = models.CharField(_("account holder"), max_length=100)
    status = FSMField(
        _("status"),
        max_length=12,
        choices=WithdrawalStatus.choices,
        default=WithdrawalStatus.REQUESTED,
        protected=True,
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        # Z3: an ops power of its own, beyond Django's add/change/view
        permissions = [
            ("decide_withdrawal", "Can approve, reject or record a failed payout of withdrawals"),
        ]
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="withdrawal_amount_positive")
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")

    def __str__(self) -> str:
        return f"#{self.pk} {self.creator} {self.amount_fen}"

    @transition(field=status, source=WithdrawalStatus.REQUESTED, target=WithdrawalStatus.PROCESSING)
    def approve(self) -> None:
        """Ops approved; the payout is sent to the gateway."""

    @transition(field=status, source=WithdrawalStatus.REQUESTED, target=WithdrawalStatus.REJECTED)
    def reject(self) -> None:
        """Ops rejected; the money goes back to the creator's earnings."""

    @transition(field=status, source=WithdrawalStatus.PROCESSING, target=WithdrawalStatus.PAID)
    def mark_paid(self) -> None:
        """The gateway confirmed the payout."""

    @transition(field=status, source=WithdrawalStatus.PROCESSING, target=WithdrawalStatus.FAILED)
    def mark_failed(self) -> None:
        """The payout failed; the money goes back to the creator's earnings."""


class IdempotencyStatus(models.TextChoices):
    STARTED = "started", _("In progress")
    DONE = "done", _("Done")


class IdempotencyKey(models.Model):
    """E6: the first response to a money-moving request, replayed for retries with the same key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    status = models.CharField(
        max_length=8, choices=IdempotencyStatus.choices, default=IdempotencyStatus.STARTED
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_idempotency_key_per_user")
        ]
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
