"""REST API of the parties (DESIGN §5). Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import InvalidInput, WrongSide
from core.pagination import paginate
from parties.models import Category
from parties.serializers import (
    CategorySerializer,
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

from . import selectors, services


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


class CategoryListApi(APIView):
    pagination_class = None

    @extend_schema(responses=CategorySerializer(many=True), tags=["catalogue"])
    def get(self, request):
        return Response(CategorySerializer(Category.objects.order_by("id"), many=True).data)
