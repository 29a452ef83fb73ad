from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.fields import MoneyField

from .models import LiveAccount


class LiveAccountSerializer(serializers.ModelSerializer):
    shop = serializers.IntegerField(source="shop_id", read_only=True, allow_null=True)
    creator = serializers.IntegerField(source="creator_id", read_only=True, allow_null=True)

    class Meta:
        model = LiveAccount
        fields = ["id", "finder_id", "nickname", "has_brand_mark", "shop", "creator", "bound_at"]


class LiveAccountBindSerializer(serializers.Serializer):
    finder_id = serializers.CharField(max_length=64)
    nickname = serializers.CharField(max_length=60)
    has_brand_mark = serializers.BooleanField(default=False)
    shop = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class MeterSerializer(serializers.Serializer):
    code = serializers.CharField()
    month = serializers.DateField()
    budget = serializers.IntegerField()
    reserved = serializers.IntegerField()
    granted = serializers.IntegerField()
    remaining = serializers.IntegerField()


class ColdStartApplySerializer(serializers.Serializer):
    live_account = serializers.IntegerField(min_value=1)
    proposed_start = serializers.DateTimeField()
    plan = serializers.JSONField()


class IncentiveStageSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    coupons = serializers.IntegerField()
    status = serializers.CharField()
    due_by = serializers.DateTimeField(allow_null=True)
    settled_at = serializers.DateTimeField(allow_null=True)


class IncentiveApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    program = serializers.CharField(source="program.code")
    live_account = serializers.IntegerField(source="live_account_id")
    status = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    review_due = serializers.DateTimeField(source="review_due_at")
    review_overdue = serializers.DateTimeField(source="review_overdue_at")
    proposed_start = serializers.DateTimeField()
    agreed_start = serializers.DateTimeField(allow_null=True)
    planned_hours = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    gmv_target = MoneyField(source="gmv_target_fen", allow_null=True)
    pool = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    stages = IncentiveStageSerializer(many=True)
    granted = serializers.SerializerMethodField()

    def get_granted(self, application) -> int:
        return sum(s.coupons for s in application.stages.all() if s.status == "granted")


class IncentiveDecisionSerializer(serializers.Serializer):
    agreed_start = serializers.DateTimeField(required=False, allow_null=True)
    pool = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class CouponEntrySerializer(serializers.Serializer):
    kind = serializers.CharField()
    amount = serializers.IntegerField()
    expires_at = serializers.DateTimeField(allow_null=True)
    program = serializers.CharField(allow_null=True)
    reason = serializers.CharField()
    at = serializers.DateTimeField()


class CouponWalletSerializer(serializers.Serializer):
    available = serializers.IntegerField()
    expiring_soon = serializers.IntegerField()
    debt = serializers.IntegerField()
    entries = CouponEntrySerializer(many=True)


class BenchmarkGoodSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    is_exclusive = serializers.BooleanField(default=False)


class BenchmarkApplySerializer(serializers.Serializer):
    live_account = serializers.IntegerField(min_value=1)
    planned_start = serializers.DateTimeField()
    planned_hours = serializers.DecimalField(max_digits=4, decimal_places=1)
    gmv_target = MoneyField()
    goods = BenchmarkGoodSerializer(many=True, allow_empty=False, max_length=50)


class HeatingOrderPaySerializer(serializers.Serializer):
    live_account = serializers.IntegerField(min_value=1)
    hours = serializers.DecimalField(max_digits=3, decimal_places=1)
    coupons = serializers.IntegerField(min_value=1, max_value=1_000_000)
    # I8: coupons or money, never both in one order. Money heating is bought on 视频号.
    money = serializers.JSONField(required=False, write_only=True)

    def validate_money(self, value):
        if value not in (None, "", 0, "0", "0.00"):
            raise serializers.ValidationError(
                _("Heating orders here are paid with coupons only: pay money heating on 视频号.")
            )
        return value


class HeatingOrderStopSerializer(serializers.Serializer):
    used = serializers.IntegerField(min_value=0)


class HeatingOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    live_account = serializers.IntegerField(source="live_account_id")
    session = serializers.CharField(source="session.session_id", allow_null=True, default=None)
    hours = serializers.DecimalField(max_digits=3, decimal_places=1)
    coupons = serializers.IntegerField()
    used = serializers.IntegerField(allow_null=True)
    returned = serializers.SerializerMethodField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    stopped_at = serializers.DateTimeField(allow_null=True)

    def get_returned(self, order) -> int | None:
        return None if order.used is None else order.coupons - order.used
