from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.fields import MoneyField, SignedMoneyField

from .models import Entry, PaymentIntent, PayoutAccount, Withdrawal


class WalletSerializer(serializers.Serializer):
    available = MoneyField(source="available_fen")
    held = MoneyField(source="held_fen")
    shop = serializers.IntegerField(allow_null=True, required=False)


class AmountSerializer(serializers.Serializer):
    amount = MoneyField()


class TopUpSerializer(AmountSerializer):
    shop = serializers.IntegerField(
        required=False, help_text="The shop whose wallet to top up (default: your first shop)."
    )


class PaymentIntentSerializer(serializers.ModelSerializer):
    amount = MoneyField(source="amount_fen")

    class Meta:
        model = PaymentIntent
        fields = ["id", "kind", "status", "amount", "gateway_reference", "created_at", "settled_at"]


class EntrySerializer(serializers.ModelSerializer):
    amount = SignedMoneyField(source="amount_fen", read_only=True)
    balance_after = MoneyField(source="balance_after_fen")
    kind = serializers.CharField(source="transaction.kind")
    order = serializers.IntegerField(source="transaction.order_id", allow_null=True)
    memo = serializers.CharField(source="transaction.memo_text")
    transaction = serializers.IntegerField(source="transaction_id")

    class Meta:
        model = Entry
        fields = [
            "id",
            "transaction",
            "kind",
            "order",
            "amount",
            "balance_after",
            "memo",
            "created_at",
        ]


class PayoutAccountSerializer(serializers.ModelSerializer):
    # Z6: a creator with no account bound yet is answered with empty values and no time.
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = PayoutAccount
        fields = ["account_id", "holder_name", "updated_at"]
        read_only_fields = ["updated_at"]


class WithdrawalSerializer(serializers.ModelSerializer):
    amount = MoneyField(source="amount_fen")

    class Meta:
        model = Withdrawal
        fields = [
            "id",
            "status",
            "amount",
            "account_id",
            "holder_name",
            "reason",
            "requested_at",
            "decided_at",
            "settled_at",
        ]
        read_only_fields = fields


@extend_schema_field({"type": "object"})
class CallbackBodyField(serializers.JSONField):
    pass
