"""REST API of the parties (DESIGN §5). Thin: parse, call one service or selector, render."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import AgencyContract
from core.ops_powers import api_power
from core.pagination import paginate
from core.schema import action_views
from parties.selectors import creator_get
from parties.serializers import (
    CreatorSerializer,
)

from . import selectors, services


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
        creator = creator_get(creator_id=data.validated_data["creator"])
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


CanIngestLiveSessions = api_power(
    "agencies.add_livesession",
    "The feed's account: a user ops gave the permission “Can add live session” (and a token "
    "through /api/v1/auth/token/). Nobody else may write live data.",
)


LIVE_SESSION_ROW = inline_serializer(
    "LiveSessionRow",
    {
        "session_id": serializers.CharField(),
        "platform": serializers.ChoiceField(
            choices=["taobao_live", "shipinhao"], required=False, help_text="taobao_live by default"
        ),
        "creator_id": serializers.IntegerField(required=False, help_text="Taobao Live (G1)"),
        "finder_id": serializers.CharField(required=False, help_text="视频号 (I1)"),
        "viewers": serializers.IntegerField(required=False),
        "category": serializers.CharField(
            required=False, help_text="category code, e.g. beauty (Taobao Live)"
        ),
        "started_at": serializers.DateTimeField(),
        "ended_at": serializers.DateTimeField(required=False, help_text="empty while live"),
        "gmv": serializers.CharField(help_text="yuan, e.g. 1280.50"),
        "refund": serializers.CharField(required=False, help_text="yuan"),
    },
)


LIVE_SESSION_REPORT = inline_serializer(
    "LiveSessionReport",
    {
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "refused": serializers.IntegerField(),
        "rows": serializers.ListField(child=serializers.DictField()),
    },
)
