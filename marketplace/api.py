"""REST API of the parties (DESIGN §5). Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from core.exceptions import InvalidInput, WrongSide

from . import selectors, services
from .models import AgencyContract
from .schema import action_views
from .serializers import (
    CategorySerializer,
    ChannelSerializer,
    ChooseSideSerializer,
    CreatorSearchSerializer,
    CreatorSerializer,
    CreatorUpdateSerializer,
    MeSerializer,
    PaymentAccountBindSerializer,
    PaymentAccountSerializer,
    RegisterSerializer,
    ShopAdmissionSerializer,
    ShopSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)


def paginate(view: APIView, request, queryset, serializer_class):
    # A plain APIView has no pagination_class (only GenericAPIView does): fall back to the
    # project default, and let a view opt out with `pagination_class = None`.
    pagination_class = getattr(view, "pagination_class", api_settings.DEFAULT_PAGINATION_CLASS)
    paginator = pagination_class() if pagination_class else None
    if paginator is None:
        return Response(serializer_class(queryset, many=True).data)
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class RegisterApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(request=RegisterSerializer, responses={201: MeSerializer}, tags=["auth"])
    def post(self, request):
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return Response(MeSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer}, tags=["auth"])
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # django-axes (Z2) marks a locked-out attempt on the HttpRequest its middleware sees,
        # not on DRF's wrapper: pass that one.
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None:
            raise InvalidInput(_("Wrong user name or password."), code="invalid_credentials")
        # Issuing a token is a login: Django's login signal records it (last_login) and tells
        # django-axes to clear this account's failures from this address (Z2: "in a row").
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class LogoutApi(APIView):
    """Z2: revoke the caller's API tokens (every program signed in as this user)."""

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request):
        services.user_tokens_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(responses=MeSerializer, tags=["auth"])
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(
        request=ChooseSideSerializer,
        responses=MeSerializer,
        tags=["auth"],
        description="A1: an account without a side chooses one; a second choice is 409.",
    )
    def patch(self, request):
        data = ChooseSideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_choose_side(user=request.user, side=data.validated_data["side"])
        return Response(MeSerializer(user).data)


class ShopListApi(APIView):
    @extend_schema(responses=ShopSerializer(many=True), tags=["merchants"])
    def get(self, request):
        return paginate(self, request, selectors.shop_list(user=request.user), ShopSerializer)

    @extend_schema(
        request=ShopAdmissionSerializer,
        responses={201: ShopSerializer},
        tags=["merchants"],
        description="M1: admission. A refused store answers 400 `admission_refused` and "
        "nothing is stored.",
    )
    def post(self, request):
        data = ShopAdmissionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        shop = services.shop_admit(actor=request.user, **data.validated_data)
        shop = selectors.shop_get(user=request.user, shop_id=shop.pk)
        return Response(ShopSerializer(shop).data, status=status.HTTP_201_CREATED)


class ShopDetailApi(APIView):
    @extend_schema(responses=ShopSerializer, tags=["merchants"])
    def get(self, request, shop_id: int):
        return Response(ShopSerializer(selectors.shop_get(user=request.user, shop_id=shop_id)).data)


class ShopPaymentAccountApi(APIView):
    @extend_schema(
        request=PaymentAccountBindSerializer,
        responses={201: PaymentAccountSerializer},
        tags=["merchants"],
        description="M2: bind the operating payment account (a company account is recommended).",
    )
    def post(self, request, shop_id: int):
        shop = selectors.shop_get(user=request.user, shop_id=shop_id)
        data = PaymentAccountBindSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = services.payment_account_bind(
            shop=shop, actor=request.user, **data.validated_data
        )
        return Response(PaymentAccountSerializer(account).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=PaymentAccountSerializer, tags=["merchants"])
    def delete(self, request, shop_id: int):
        shop = selectors.shop_get(user=request.user, shop_id=shop_id)
        account = services.payment_account_unbind(shop=shop, actor=request.user)
        return Response(PaymentAccountSerializer(account).data)


class CreatorMeApi(APIView):
    def _profile(self, request):
        profile = selectors.creator_for_user(user=request.user)
        if profile is None:
            raise WrongSide(_("Only creator accounts have a creator profile."))
        return profile

    @extend_schema(responses=CreatorSerializer, tags=["creators"])
    def get(self, request):
        return Response(CreatorSerializer(self._profile(request)).data)

    @extend_schema(request=CreatorUpdateSerializer, responses=CreatorSerializer, tags=["creators"])
    def put(self, request):
        profile = self._profile(request)
        data = CreatorUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.creator_profile_update(
            profile=profile,
            actor=request.user,
            display_name=values["display_name"],
            bio=values["bio"],
            channel_codes=values["channels"],
            category_names=values["categories"],
            followers=values["followers"],
            rates_fen=values["rates"],
        )
        return Response(CreatorSerializer(selectors.creator_for_user(user=request.user)).data)


class CreatorListApi(APIView):
    @extend_schema(
        parameters=[CreatorSearchSerializer],
        responses=CreatorSerializer(many=True),
        tags=["creators"],
        description="C2: search by channel, category, content type, followers, price, rating, "
        "agency. Prices are yuan.",
    )
    def get(self, request):
        query = CreatorSearchSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        creators = selectors.creator_search_from_query(query.validated_data)
        return paginate(self, request, creators, CreatorSerializer)


class CreatorDetailApi(APIView):
    @extend_schema(responses=CreatorSerializer, tags=["creators"])
    def get(self, request, creator_id: int):
        return Response(CreatorSerializer(selectors.creator_get(creator_id=creator_id)).data)


class ChannelListApi(APIView):
    pagination_class = None

    @extend_schema(responses=ChannelSerializer(many=True), tags=["catalogue"])
    def get(self, request):
        return Response(ChannelSerializer(selectors.channel_list(), many=True).data)


class CategoryListApi(APIView):
    pagination_class = None

    @extend_schema(responses=CategorySerializer(many=True), tags=["catalogue"])
    def get(self, request):
        from .models import Category

        return Response(CategorySerializer(Category.objects.order_by("id"), many=True).data)


# --- agencies (C3) ------------------------------------------------------------------------


class ContractSerializer(serializers.ModelSerializer):
    agency = serializers.SerializerMethodField()
    creator = serializers.SerializerMethodField()

    class Meta:
        model = AgencyContract
        fields = [
            "id",
            "status",
            "agency",
            "creator",
            "message",
            "invited_at",
            "signed_at",
            "closed_at",
            "end_reason",
        ]
        read_only_fields = fields

    def get_agency(self, contract) -> dict:
        return {"id": contract.agency_id, "name": contract.agency.organization.name}

    def get_creator(self, contract) -> dict:
        return {"id": contract.creator_id, "display_name": contract.creator.display_name}


class InviteSerializer(serializers.Serializer):
    creator = serializers.IntegerField(help_text="A creator profile id.")
    message = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class EndContractSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AgencyDetailApi(APIView):
    @extend_schema(
        responses=inline_serializer(
            "Agency",
            {
                "id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "status": serializers.CharField(),
                "creators": CreatorSerializer(many=True),
            },
        ),
        tags=["agencies"],
    )
    def get(self, request, agency_id: int):
        agency = selectors.agency_get(user=request.user, agency_id=agency_id)
        creators = selectors.agency_signed_creators(agency=agency)
        return Response(
            {
                "id": agency.pk,
                "name": agency.organization.name,
                "status": agency.status,
                "creators": CreatorSerializer(creators, many=True).data,
            }
        )


class AgencyInvitationApi(APIView):
    @extend_schema(request=InviteSerializer, responses={201: ContractSerializer}, tags=["agencies"])
    def post(self, request, agency_id: int):
        agency = selectors.agency_get(user=request.user, agency_id=agency_id)
        data = InviteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        creator = selectors.creator_get(creator_id=data.validated_data["creator"])
        contract = services.agency_invite(
            agency=agency,
            actor=request.user,
            creator=creator,
            message=data.validated_data["message"],
        )
        contract = selectors.contract_get(user=request.user, contract_id=contract.pk)
        return Response(ContractSerializer(contract).data, status=status.HTTP_201_CREATED)


class ContractListApi(APIView):
    @extend_schema(responses=ContractSerializer(many=True), tags=["agencies"])
    def get(self, request):
        contracts = selectors.contract_list(user=request.user)
        return paginate(self, request, contracts, ContractSerializer)


class ContractActionApi(APIView):
    actions = {
        "accept": lambda contract, user, data: services.contract_accept(
            contract=contract, actor=user
        ),
        "decline": lambda contract, user, data: services.contract_decline(
            contract=contract, actor=user
        ),
        "withdraw": lambda contract, user, data: services.invitation_withdraw(
            contract=contract, actor=user
        ),
        "end": lambda contract, user, data: services.contract_end(
            contract=contract, actor=user, reason=data.get("reason", "")
        ),
    }

    def post(self, request, contract_id: int, action: str):
        contract = selectors.contract_get(user=request.user, contract_id=contract_id)
        data = EndContractSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.actions[action](contract, request.user, data.validated_data)
        contract = selectors.contract_get(user=request.user, contract_id=contract_id)
        return Response(ContractSerializer(contract).data)


# Z6: one operation per action (routed in urls.py); only `end` reads a body.
CONTRACT_ACTION_VIEWS = action_views(
    ContractActionApi,
    operation_id="contracts",
    request=None,
    responses=ContractSerializer,
    tags=["agencies"],
    actions={
        "accept": {"description": "C3: the invited creator signs the agency's contract."},
        "decline": {"description": "C3: the invited creator declines the invitation."},
        "withdraw": {"description": "C3: the agency withdraws an invitation not yet answered."},
        "end": {
            "request": EndContractSerializer,
            "description": "C3: either side ends a signed contract, with an optional reason.",
        },
    },
)


# --- G1: the platform data feed -------------------------------------------------------------


class CanIngestLiveSessions(permissions.BasePermission):
    """The feed's account: a user ops gave the permission “Can add live session” (and a token
    through /api/v1/auth/token/). Nobody else may write live data."""

    def has_permission(self, request, view) -> bool:
        return bool(
            request.user
            and request.user.is_authenticated
            and request.user.has_perm("marketplace.add_livesession")
        )


LIVE_SESSION_ROW = inline_serializer(
    "LiveSessionRow",
    {
        "session_id": serializers.CharField(),
        "creator_id": serializers.IntegerField(),
        "category": serializers.CharField(help_text="category code, e.g. beauty"),
        "started_at": serializers.DateTimeField(),
        "ended_at": serializers.DateTimeField(),
        "gmv": serializers.CharField(help_text="yuan, e.g. 1280.50"),
        "refund": serializers.CharField(required=False, help_text="yuan"),
    },
)


class LiveSessionIngestApi(APIView):
    """G1: a batch of up to 1,000 live sessions. Idempotent on `session_id`: each row is
    answered as created, updated (corrected figures), unchanged or refused with its errors;
    refused rows write nothing and never stop the others."""

    permission_classes = [CanIngestLiveSessions]

    @extend_schema(
        request=inline_serializer("LiveSessionBatch", {"sessions": LIVE_SESSION_ROW}),
        responses=inline_serializer(
            "LiveSessionReport",
            {
                "created": serializers.IntegerField(),
                "updated": serializers.IntegerField(),
                "unchanged": serializers.IntegerField(),
                "refused": serializers.IntegerField(),
                "rows": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def post(self, request):
        rows = request.data.get("sessions") if isinstance(request.data, dict) else request.data
        if not isinstance(rows, list) or not rows:
            raise InvalidInput(
                _('Send {"sessions": [...]} with at least one session.'),
                fields={"sessions": [_("A non-empty list of sessions is required.")]},
            )
        report = services.live_sessions_ingest(rows=rows, source="api")
        return Response(report.as_dict(), status=status.HTTP_200_OK)
