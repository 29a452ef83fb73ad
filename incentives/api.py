"""REST API of the 视频号 incentives (DESIGN §5): live accounts (I1), the programs' meters (I4)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import paginate, validated
from core.schema import errors
from parties.selectors import shop_get

from . import selectors, services
from .serializers import LiveAccountBindSerializer, LiveAccountSerializer, MeterSerializer


class LiveAccountListApi(APIView):
    @extend_schema(responses=LiveAccountSerializer(many=True), tags=["incentives"])
    def get(self, request):
        accounts = selectors.live_accounts_of(user=request.user)
        return paginate(self, request, accounts, LiveAccountSerializer)

    @extend_schema(
        request=LiveAccountBindSerializer,
        responses={201: LiveAccountSerializer, **errors(404)},  # 404: a `shop` not one's own
        tags=["incentives"],
        description="I1: bind a 视频号 account — a creator its own, a merchant one for a shop "
        "(`shop`). One account per creator or shop.",
    )
    def post(self, request):
        data = validated(LiveAccountBindSerializer, request)
        shop = None
        if data.get("shop") is not None:
            shop = shop_get(user=request.user, shop_id=data["shop"])
        bound = services.live_account_bind(
            actor=request.user,
            finder_id=data["finder_id"],
            nickname=data["nickname"],
            has_brand_mark=data["has_brand_mark"],
            shop=shop,
        )
        return Response(LiveAccountSerializer(bound).data, status=status.HTTP_201_CREATED)


class ProgramMeterApi(APIView):
    pagination_class = None

    @extend_schema(
        responses=MeterSerializer(many=True),
        tags=["incentives"],
        description="I4: this month's meter of each program: budget = reserved + granted + "
        "remaining (coupons).",
    )
    def get(self, request):
        return Response(MeterSerializer(selectors.program_meters(), many=True).data)
