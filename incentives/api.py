"""REST API of the 视频号 incentives (DESIGN §5): live accounts (I1), the programs' meters (I4)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.ops_powers import api_power
from core.pagination import paginate, validated
from core.parsing import parse_id
from core.schema import action_views, errors
from parties.selectors import shop_get

from . import selectors, services
from .serializers import (
    BenchmarkApplySerializer,
    ColdStartApplySerializer,
    CouponWalletSerializer,
    HeatingOrderPaySerializer,
    HeatingOrderSerializer,
    HeatingOrderStopSerializer,
    IncentiveApplicationSerializer,
    IncentiveDecisionSerializer,
    LiveAccountBindSerializer,
    LiveAccountSerializer,
    MeterSerializer,
)


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


class ColdStartApi(APIView):
    @extend_schema(
        request=ColdStartApplySerializer,
        responses={
            201: IncentiveApplicationSerializer,
            **errors(404),
        },  # 404: another's live account
        tags=["incentives"],
        description="I2/I3: apply for cold start. Refused with 409 and a `code` naming the "
        "condition that failed (brand_mark, not_a_new_account, cold_start_used, restricted, "
        "already_applied, rejected_recently, barred).",
    )
    def post(self, request):
        data = validated(ColdStartApplySerializer, request)
        account = selectors.live_account_get(
            user=request.user, live_account_id=data["live_account"]
        )
        application = services.cold_start_apply(
            actor=request.user,
            live_account=account,
            proposed_start=data["proposed_start"],
            plan=data["plan"],
        )
        application = selectors.applications_of(user=request.user).get(pk=application.pk)
        return Response(
            IncentiveApplicationSerializer(application).data, status=status.HTTP_201_CREATED
        )


class BenchmarkApi(APIView):
    @extend_schema(
        request=BenchmarkApplySerializer,
        responses={201: IncentiveApplicationSerializer, **errors(404)},
        tags=["incentives"],
        description="I7: apply for a benchmark case on the single-event template, at least 14 "
        "days before the planned start (planned hours ≥ 5, one good exclusive or advantaged, "
        "a GMV target of at least ¥50,000).",
    )
    def post(self, request):
        data = validated(BenchmarkApplySerializer, request)
        account_id = data["live_account"]
        account = selectors.live_account_get(user=request.user, live_account_id=account_id)
        application = services.benchmark_apply(
            actor=request.user,
            live_account=account,
            planned_start=data["planned_start"],
            planned_hours=data["planned_hours"],
            gmv_target_fen=data["gmv_target"],
            goods=data["goods"],
        )
        application = selectors.applications_of(user=request.user).get(pk=application.pk)
        body = IncentiveApplicationSerializer(application).data
        return Response(body, status=status.HTTP_201_CREATED)


class ApplicationListApi(APIView):
    @extend_schema(responses=IncentiveApplicationSerializer(many=True), tags=["incentives"])
    def get(self, request):
        return paginate(
            self,
            request,
            selectors.applications_of(user=request.user),
            IncentiveApplicationSerializer,
        )


CanDecideApplications = api_power(
    "incentives.decide_incentiveapplication",
    "Z3: the ops API rows need the review power, not only a staff flag.",
)


class OpsApplicationDecisionApi(APIView):
    permission_classes = [CanDecideApplications]
    action: str = ""

    def post(self, request, application_id: int, action: str):
        data = validated(IncentiveDecisionSerializer, request)
        application = selectors.application_for_review(application_id=application_id)
        if action == "approve":
            services.application_approve(
                actor=request.user,
                application=application,
                agreed_start=data.get("agreed_start"),
                pool=data.get("pool"),
            )
        else:
            services.application_reject(
                actor=request.user, application=application, reason=data.get("reason") or ""
            )
        application = selectors.application_for_review(application_id=application_id)
        return Response(IncentiveApplicationSerializer(application).data)


OPS_APPLICATION_ACTION_VIEWS = action_views(
    OpsApplicationDecisionApi,
    operation_id="ops_incentive_applications",
    request=IncentiveDecisionSerializer,
    responses={200: IncentiveApplicationSerializer, **errors(404)},
    tags=["incentives"],
    actions={
        "approve": {
            "description": "I3/I5: ops approve (`agreed_start` 1–14 days ahead, the proposed "
            "start by default): the package is reserved and stage 1 granted."
        },
        "reject": {"description": "I3: ops reject with the `reason` the applicant reads."},
    },
)


class CouponWalletApi(APIView):
    pagination_class = None

    @extend_schema(
        parameters=[OpenApiParameter("live_account", int, required=False)],
        responses={200: CouponWalletSerializer, **errors(404)},
        tags=["incentives"],
        description="I8: the coupon wallet of one of the user's 视频号 accounts (the first by "
        "default): available, expiring within 7 days, debt, and every movement with its reason.",
    )
    def get(self, request):
        account_id = parse_id(request.query_params.get("live_account"), field="live_account")
        accounts = selectors.live_accounts_of(user=request.user)
        account = (
            selectors.live_account_get(user=request.user, live_account_id=account_id)
            if account_id is not None
            else accounts.first()
        )
        if account is None:
            raise Http404("No live account.")
        return Response(CouponWalletSerializer(selectors.coupon_wallet(live_account=account)).data)


class HeatingOrderListApi(APIView):
    @extend_schema(responses=HeatingOrderSerializer(many=True), tags=["incentives"])
    def get(self, request):
        orders = selectors.heating_orders_of(user=request.user)
        return paginate(self, request, orders, HeatingOrderSerializer)

    @extend_schema(
        request=HeatingOrderPaySerializer,
        responses={201: HeatingOrderSerializer, **errors(404)},
        tags=["incentives"],
        description="I8: pay a heating order (0.5–6 hours in half-hour steps) for the "
        "account's own live with coupons, oldest expiry first; refused with 409 "
        "`not_enough_coupons` when the wallet holds fewer usable ones.",
    )
    def post(self, request):
        data = validated(HeatingOrderPaySerializer, request)
        account = selectors.live_account_get(
            user=request.user, live_account_id=data["live_account"]
        )
        order = services.heating_order_pay(
            actor=request.user, live_account=account, hours=data["hours"], coupons=data["coupons"]
        )
        order = selectors.heating_order_get(user=request.user, order_id=order.pk)
        return Response(HeatingOrderSerializer(order).data, status=status.HTTP_201_CREATED)


class HeatingOrderStopApi(APIView):
    @extend_schema(
        request=HeatingOrderStopSerializer,
        responses={200: HeatingOrderSerializer, **errors(404)},
        tags=["incentives"],
        description="I8: stop a running heating order: `used` coupons are spent, the unused "
        "return to the wallet with their original expiry.",
    )
    def post(self, request, order_id: int):
        data = validated(HeatingOrderStopSerializer, request)
        order = selectors.heating_order_get(user=request.user, order_id=order_id)
        services.heating_order_stop(actor=request.user, order=order, used=data["used"])
        order = selectors.heating_order_get(user=request.user, order_id=order_id)
        return Response(HeatingOrderSerializer(order).data)
