"""REST API of the money (DESIGN §5): wallet, top-ups, entries, withdrawals, gateway callback,
and the daily income series (F2)."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import InvalidInput, WrongSide
from core.money import format_yuan
from core.pagination import paginate
from core.parsers import check_json_body
from core.parsing import id_or_404, parse_date
from core.schema import errors
from parties.selectors import creator_for_user, shop_get

from . import selectors, services
from .gateway import SIGNATURE_HEADER
from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import IdempotentMixin
from .serializers import (
    AmountSerializer,
    EntrySerializer,
    PaymentIntentSerializer,
    PayoutAccountSerializer,
    TopUpSerializer,
    WalletSerializer,
    WithdrawalSerializer,
)

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="E6: a retry with the same key and body returns the first result and moves "
    "nothing; the same key with another body is 409.",
)
SHOP_PARAMETER = OpenApiParameter(
    "shop", int, description="Merchants with several shops: which shop's wallet."
)


def _shop_id(request) -> int | None:
    # Z4: ASCII digits within bigint only; anything else names no shop of this user (404).
    return id_or_404(request.query_params.get("shop"))


def _creator(request):
    creator = creator_for_user(user=request.user)
    if creator is None:
        raise WrongSide(_("Only creator accounts have earnings."))
    return creator


class WalletApi(APIView):
    @extend_schema(
        parameters=[SHOP_PARAMETER],
        responses={200: WalletSerializer, **errors(404)},  # 404: `shop` is not the caller's
        tags=["money"],
    )
    def get(self, request):
        if request.user.is_creator:
            summary = selectors.creator_wallet_summary(creator=_creator(request))
            return Response(WalletSerializer({**summary.__dict__, "shop": None}).data)
        if not request.user.is_merchant:
            raise WrongSide(_("Only merchants and creators have a wallet."))
        shop = selectors.wallet_shop(user=request.user, shop_id=_shop_id(request))
        summary = selectors.merchant_wallet_summary(shop=shop)
        return Response(WalletSerializer({**summary.__dict__, "shop": shop.pk}).data)


class TopUpApi(IdempotentMixin, APIView):
    @extend_schema(
        request=TopUpSerializer,
        responses={201: PaymentIntentSerializer, **errors(404)},
        parameters=[IDEMPOTENCY_PARAMETER],
        tags=["money"],
        description="E7: a top-up through the payment gateway. The sandbox gateway settles at "
        "once, so the answer is usually `succeeded`.",
    )
    def post(self, request):
        if not request.user.is_merchant:
            raise WrongSide(_("Only merchants top up a wallet."))
        data = TopUpSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        shop = selectors.wallet_shop(user=request.user, shop_id=data.validated_data.get("shop"))
        intent = services.wallet_top_up(
            shop=shop, actor=request.user, amount_fen=data.validated_data["amount"]
        )
        return Response(PaymentIntentSerializer(intent).data, status=status.HTTP_201_CREATED)


class EntryListApi(APIView):
    @extend_schema(
        parameters=[SHOP_PARAMETER], responses=EntrySerializer(many=True), tags=["money"]
    )
    def get(self, request):
        if request.user.is_creator:
            entries = selectors.creator_entries(creator=_creator(request))
        elif request.user.is_merchant:
            shop = selectors.wallet_shop(user=request.user, shop_id=_shop_id(request))
            entries = selectors.merchant_entries(shop=shop)
        else:
            raise WrongSide(_("Only merchants and creators have a wallet."))
        return paginate(self, request, entries, EntrySerializer)


class WithdrawalApi(IdempotentMixin, APIView):
    @extend_schema(responses=WithdrawalSerializer(many=True), tags=["money"])
    def get(self, request):
        withdrawals = selectors.creator_withdrawals(creator=_creator(request))
        return paginate(self, request, withdrawals, WithdrawalSerializer)

    @extend_schema(
        request=AmountSerializer,
        responses={201: WithdrawalSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
        tags=["money"],
        description="E8: withdraw available earnings to the bound payout account; ops approve.",
    )
    def post(self, request):
        creator = _creator(request)
        data = AmountSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        withdrawal = services.withdrawal_request(
            creator=creator, actor=request.user, amount_fen=data.validated_data["amount"]
        )
        return Response(WithdrawalSerializer(withdrawal).data, status=status.HTTP_201_CREATED)


class PayoutAccountApi(APIView):
    @extend_schema(responses=PayoutAccountSerializer, tags=["money"])
    def get(self, request):
        creator = _creator(request)
        account = getattr(creator, "payout_account", None)
        if account is None:
            return Response({"account_id": "", "holder_name": "", "updated_at": None})
        return Response(PayoutAccountSerializer(account).data)

    @extend_schema(
        request=PayoutAccountSerializer, responses=PayoutAccountSerializer, tags=["money"]
    )
    def put(self, request):
        creator = _creator(request)
        data = PayoutAccountSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = services.payout_account_bind(
            creator=creator, actor=request.user, **data.validated_data
        )
        return Response(PayoutAccountSerializer(account).data)


class GatewayCallbackApi(APIView):
    """E7: the gateway's signed callback. No session or token: the signature is the proof."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=inline_serializer(
            "GatewayCallback",
            {
                "intent_id": serializers.IntegerField(),
                "status": serializers.ChoiceField(choices=["succeeded", "failed"]),
                "amount_fen": serializers.IntegerField(),
                "reference": serializers.CharField(),
                "reason": serializers.CharField(required=False),
            },
        ),
        parameters=[
            OpenApiParameter(
                SIGNATURE_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="hex HMAC-SHA256 of the raw body with the shared gateway secret",
            )
        ],
        responses=inline_serializer("GatewayCallbackResult", {"result": serializers.CharField()}),
        tags=["money"],
    )
    def post(self, request):
        check_json_body(request.body)  # Z4: the raw body is read here, not by a parser
        result = services.gateway_callback_receive(
            body=request.body, signature=request.headers.get(SIGNATURE_HEADER, "")
        )
        return Response({"result": result})


gateway_callback_view = csrf_exempt(GatewayCallbackApi.as_view())


# --- F2: daily income ------------------------------------------------------------------------


def _date_params(request) -> tuple[date | None, date | None]:
    """`start` and `end` read by core.parsing.parse_date (None when absent); a bad one is a
    400 naming each bad parameter."""
    values: dict[str, date | None] = {}
    errors: dict[str, list[str]] = {}
    for name in ("start", "end"):
        try:
            values[name] = parse_date(request.query_params.get(name), field=name)
        except InvalidInput as exc:
            values[name] = None
            errors.update(exc.fields)
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], fields=errors)
    return values["start"], values["end"]


class IncomeApi(APIView):
    """F2: the daily income series of the requesting merchant or creator."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "start",
                OpenApiTypes.DATE,
                description="First Beijing day, YYYY-MM-DD (default: 29 days before `end`).",
            ),
            OpenApiParameter(
                "end",
                OpenApiTypes.DATE,
                description="Last Beijing day, YYYY-MM-DD (default: today).",
            ),
            OpenApiParameter(
                "shop", int, description="Merchants: one of its shops (default: all of them)."
            ),
        ],
        responses={
            200: inline_serializer(
                "IncomeSeries",
                {
                    "side": serializers.ChoiceField(choices=["merchant", "creator"]),
                    "start": serializers.DateField(),
                    "end": serializers.DateField(),
                    "total": serializers.CharField(help_text="yuan, two decimals"),
                    "days": inline_serializer(
                        "IncomeDay",
                        {
                            "date": serializers.DateField(),
                            "amount": serializers.CharField(help_text="yuan, two decimals"),
                        },
                        many=True,
                    ),
                },
            ),
            **errors(404),  # `shop` is not one of the merchant's
        },
        tags=["money"],
        description="F2: per Beijing day, for a merchant what it confirmed and paid out to "
        "creators (the creators' part of each release), for a creator what it received. Every "
        "day of the range is present (0.00 when nothing). At most 366 days; `end` before "
        "`start` is 400.",
    )
    def get(self, request):
        user = request.user
        if not (user.is_merchant or user.is_creator):
            raise WrongSide(_("Only merchants and creators have income analytics."))
        start, end = _date_params(request)
        start, end = selectors.income_range(start=start, end=end)
        shop = None
        if user.is_merchant and request.query_params.get("shop") not in (None, ""):
            shop = shop_get(user=user, shop_id=_shop_id(request))
        series = selectors.income_series(user=user, start=start, end=end, shop=shop)
        return Response(
            {
                "side": series.side,
                "start": series.start.isoformat(),
                "end": series.end.isoformat(),
                "total": format_yuan(series.total_fen),
                "days": [
                    {"date": day.isoformat(), "amount": format_yuan(amount_fen)}
                    for day, amount_fen in series.days
                ],
            }
        )
