"""JSON of service providers (P1–P7). Money is a string of yuan (E1)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.fields import MoneyField

from .models import (
    CertificationPlatform,
    Delegation,
    DocumentKind,
    ProviderApplication,
    ProviderDocument,
)
from .services import application_problems


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProviderDocument
        fields = ["id", "kind", "platform", "original_name", "detected_type", "size", "uploaded_at"]


@extend_schema_serializer(component_name="ProviderApplication")
class ApplicationSerializer(serializers.ModelSerializer):
    provider = serializers.IntegerField(source="provider_id", read_only=True)
    provider_status = serializers.CharField(source="provider.status", read_only=True)
    registered_capital = MoneyField(source="registered_capital_fen", allow_null=True)
    union_avg_monthly_gmv = MoneyField(source="union_avg_monthly_gmv_fen", allow_null=True)
    documents = DocumentSerializer(many=True, read_only=True)
    problems = serializers.SerializerMethodField(
        help_text="P4: each hard rule not met yet, per field, with how to fix it."
    )

    class Meta:
        model = ProviderApplication
        fields = [
            "id",
            "provider",
            "provider_status",
            "status",
            "is_seeding",
            "is_performance",
            "company_name",
            "registered_on",
            "registered_capital",
            "business_scope",
            "employee_count",
            "office_address",
            "certification_platforms",
            "own_platform_name",
            "union_account_id",
            "union_avg_monthly_gmv",
            "union_violation_points",
            "has_associated_cheating",
            "documents",
            "problems",
            "submitted_at",
            "decided_at",
            "decision_reason",
        ]

    def get_problems(self, application) -> dict[str, list[str]]:
        if application.status not in ("draft", "rejected"):
            return {}
        return application_problems(application)


class ApplicationStartSerializer(serializers.Serializer):
    company_name = serializers.CharField(max_length=100)


class ApplicationFactsSerializer(serializers.Serializer):
    """P1–P3: any subset of the facts (a PATCH)."""

    is_seeding = serializers.BooleanField(required=False)
    is_performance = serializers.BooleanField(required=False)
    company_name = serializers.CharField(required=False, max_length=100)
    registered_on = serializers.DateField(required=False, allow_null=True)
    registered_capital = MoneyField(required=False, allow_null=True)
    business_scope = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    employee_count = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=1_000_000
    )
    office_address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    certification_platforms = serializers.ListField(
        child=serializers.ChoiceField(choices=CertificationPlatform.choices), required=False
    )
    own_platform_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    union_account_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    union_avg_monthly_gmv = MoneyField(required=False, allow_null=True)
    union_violation_points = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100_000
    )
    has_associated_cheating = serializers.BooleanField(required=False, allow_null=True)

    RENAMED = {
        "registered_capital": "registered_capital_fen",
        "union_avg_monthly_gmv": "union_avg_monthly_gmv_fen",
    }

    def facts(self) -> dict:
        return {self.RENAMED.get(k, k): v for k, v in self.validated_data.items()}


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    platform = serializers.ChoiceField(
        choices=CertificationPlatform.choices, required=False, allow_blank=True, default=""
    )
    file = serializers.FileField()


class ProviderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="organization.name")
    status = serializers.CharField()


class DelegationSerializer(serializers.ModelSerializer):
    shop = serializers.IntegerField(source="shop_id")
    shop_name = serializers.CharField(source="shop.organization.name")
    provider = serializers.IntegerField(source="provider_id")
    provider_name = serializers.CharField(source="provider.organization.name")
    status = serializers.SerializerMethodField()

    class Meta:
        model = Delegation
        fields = [
            "id",
            "shop",
            "shop_name",
            "provider",
            "provider_name",
            "status",
            "granted_at",
            "ended_at",
            "end_reason",
        ]

    def get_status(self, delegation) -> str:
        return "active" if delegation.ended_at is None else "ended"


class DelegationGrantSerializer(serializers.Serializer):
    provider = serializers.IntegerField()
