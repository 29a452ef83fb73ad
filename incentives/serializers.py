from __future__ import annotations

from rest_framework import serializers

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
