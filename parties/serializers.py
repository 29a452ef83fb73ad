"""TODO docstring"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.fields import MoneyField
from core.money import format_yuan, parse_yuan
from parties.models import (
    CREDIT_LEVEL_MAX,
    CREDIT_LEVEL_MIN,
    Category,
    ContentType,
    CreatorProfile,
    Membership,
    MerchantShop,
    PaymentAccount,
    PaymentAccountType,
    Platform,
    Side,
    User,
)
from parties.selectors import shop_bound_account
from parties.services import shop_can_pay

PASSWORD_MAX_LENGTH = 128


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    # Z4: a password longer than any person types is refused before it is hashed.
    password = serializers.CharField(
        write_only=True, max_length=PASSWORD_MAX_LENGTH, style={"input_type": "password"}
    )
    side = serializers.ChoiceField(
        choices=[*Side.choices, ("provider", "Service provider staff (no side)")]
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, max_length=PASSWORD_MAX_LENGTH)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class MembershipSerializer(serializers.ModelSerializer):
    organization_id = serializers.IntegerField(source="organization.id")
    organization_name = serializers.CharField(source="organization.name")
    kind = serializers.CharField(source="organization.kind")

    class Meta:
        model = Membership
        fields = ["organization_id", "organization_name", "kind", "role"]


class MeSerializer(serializers.ModelSerializer):
    # Z6: the address is optional, so "" is a possible answer (not a string of format email).
    email = serializers.CharField(read_only=True, help_text="E-mail address; empty when none.")
    # Z6: a provider's staff member (and an account that has not chosen yet) has no side: "".
    side = serializers.ChoiceField(
        choices=Side.choices,
        allow_blank=True,
        read_only=True,
        help_text="merchant or creator; empty for a provider's staff or before choosing.",
    )
    memberships = MembershipSerializer(many=True, read_only=True)
    creator_id = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "email", "side", "is_staff", "memberships", "creator_id"]
        read_only_fields = fields

    def get_creator_id(self, user: User) -> int | None:
        profile = getattr(user, "creator_profile", None)
        return profile.pk if profile else None


class ChooseSideSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=Side.choices)


class PaymentAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentAccount
        fields = ["id", "account_id", "holder_name", "account_type", "bound_at", "unbound_at"]
        read_only_fields = ["id", "bound_at", "unbound_at"]


class PaymentAccountBindSerializer(serializers.Serializer):
    account_id = serializers.CharField(max_length=100)
    holder_name = serializers.CharField(max_length=100)
    account_type = serializers.ChoiceField(
        choices=PaymentAccountType.choices, default=PaymentAccountType.COMPANY
    )


class ShopSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="organization.name")
    payment_account = serializers.SerializerMethodField()
    can_pay = serializers.SerializerMethodField()

    class Meta:
        model = MerchantShop
        fields = [
            "id",
            "name",
            "platform",
            "seller_credit_level",
            "meets_marketing_rules",
            "is_brand",
            "industry",
            "admitted_at",
            "payment_account",
            "can_pay",
        ]
        read_only_fields = fields

    @extend_schema_field(PaymentAccountSerializer(allow_null=True))
    def get_payment_account(self, shop: MerchantShop):
        account = shop_bound_account(shop)
        return PaymentAccountSerializer(account).data if account else None

    def get_can_pay(self, shop: MerchantShop) -> bool:
        return shop_can_pay(shop=shop)


class ShopAdmissionSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    platform = serializers.ChoiceField(choices=Platform.choices)
    seller_credit_level = serializers.IntegerField(
        min_value=CREDIT_LEVEL_MIN,
        max_value=CREDIT_LEVEL_MAX,
        help_text="Hearts 1–5, diamonds 6–10 (three diamonds = 8), crowns 11–15, "
        "gold crowns 16–20.",
    )
    meets_marketing_rules = serializers.BooleanField()
    is_brand = serializers.BooleanField(default=False)
    industry = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["code", "name", "name_en"]


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "string", "example": "1280.00"},
        "example": {"video": "1280.00", "live": "5000.00"},
    }
)
class RatesField(serializers.Field):
    """`{content_type: price}` with prices as yuan strings."""

    def to_representation(self, rates) -> dict:
        return {rate.content_type: format_yuan(rate.price_fen) for rate in rates.all()}

    def to_internal_value(self, data) -> dict:
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Rates are an object of content type to price."))
        result, errors = {}, []
        for content_type, price in data.items():
            if content_type not in ContentType.values:
                errors.append(_("Unknown content type: %(code)s.") % {"code": content_type})
                continue
            if price in (None, ""):
                result[content_type] = None
                continue
            try:
                result[content_type] = parse_yuan(price)
            except ValueError:
                errors.append(
                    _("The price for %(code)s must be yuan with at most two decimals.")
                    % {"code": content_type}
                )
        if errors:
            raise serializers.ValidationError(errors)
        return result


class CreatorSerializer(serializers.ModelSerializer):
    channels = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    categories = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    rates = RatesField(read_only=True)
    agency = serializers.SerializerMethodField()

    class Meta:
        model = CreatorProfile
        fields = [
            "id",
            "display_name",
            "bio",
            "channels",
            "categories",
            "followers",
            "rates",
            "rating",
            "rating_count",
            "agency",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        }
    )
    def get_agency(self, profile: CreatorProfile):
        if profile.agency is None:
            return None
        return {"id": profile.agency.pk, "name": profile.agency.organization.name}


class CreatorUpdateSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=60)
    bio = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    channels = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    categories = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    followers = serializers.IntegerField(min_value=0, required=False, default=0)
    rates = RatesField(required=False, default=dict)


class CreatorSearchSerializer(serializers.Serializer):
    """C2 query parameters."""

    q = serializers.CharField(required=False, allow_blank=True, default="")
    channel = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.CharField(required=False, allow_blank=True, default="")
    content_type = serializers.ChoiceField(
        choices=ContentType.choices, required=False, allow_blank=True, default=""
    )
    min_followers = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    max_followers = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    min_price = MoneyField(required=False, allow_null=True)
    max_price = MoneyField(required=False, allow_null=True)
    min_rating = serializers.DecimalField(
        max_digits=3, decimal_places=2, min_value=0, max_value=5, required=False, allow_null=True
    )
    agency = serializers.IntegerField(required=False, allow_null=True)
    ordering = serializers.ChoiceField(
        choices=["-followers", "followers", "-rating", "newest"],
        required=False,
        default="-followers",
    )
