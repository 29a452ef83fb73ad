"""REST API of service providers (DESIGN §5 conventions): admission (P1–P4), documents,
delegation (P6). Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import InvalidInput
from core.money import format_yuan
from core.pagination import paginate
from core.parsers import LimitedJSONParser
from core.parsing import parse_date, parse_ids
from parties.selectors import shop_list

from . import reports, selectors, services
from .files import document_response
from .serializers import (
    ApplicationFactsSerializer,
    ApplicationSerializer,
    ApplicationStartSerializer,
    DelegationGrantSerializer,
    DelegationSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    ProviderSerializer,
)


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer


def _application(request, application_id):
    return Response(
        ApplicationSerializer(
            selectors.application_get(user=request.user, application_id=application_id)
        ).data
    )


class ApplicationListApi(APIView):
    @extend_schema(responses=ApplicationSerializer(many=True), tags=["providers"])
    def get(self, request):
        """The applications of the providers the user works for (all of them for ops)."""
        return paginate(
            self,
            request,
            selectors.application_list(user=request.user).order_by("-created_at", "-id"),
            ApplicationSerializer,
        )

    @extend_schema(
        request=ApplicationStartSerializer,
        responses={201: ApplicationSerializer},
        tags=["providers"],
    )
    def post(self, request):
        """P1: start an admission application; the company becomes a provider (applying)."""
        data = _valid(ApplicationStartSerializer, request).validated_data
        application = services.provider_application_start(
            actor=request.user, company_name=data["company_name"]
        )
        response = _application(request, application.pk)
        response.status_code = status.HTTP_201_CREATED
        return response


class ApplicationDetailApi(APIView):
    @extend_schema(responses=ApplicationSerializer, tags=["providers"])
    def get(self, request, application_id: int):
        return _application(request, application_id)

    @extend_schema(
        request=ApplicationFactsSerializer, responses=ApplicationSerializer, tags=["providers"]
    )
    def patch(self, request, application_id: int):
        """P1–P3: save some facts; `problems` in the answer lists what P4 still refuses."""
        application = selectors.application_get(user=request.user, application_id=application_id)
        facts = _valid(ApplicationFactsSerializer, request).facts()
        services.provider_application_update(application=application, actor=request.user, **facts)
        return _application(request, application_id)


class ApplicationSubmitApi(APIView):
    @extend_schema(request=None, responses=ApplicationSerializer, tags=["providers"])
    def post(self, request, application_id: int):
        """P4: submit for review; 400 with every unmet rule under its field otherwise."""
        application = selectors.application_get(user=request.user, application_id=application_id)
        services.provider_application_submit(application=application, actor=request.user)
        return _application(request, application_id)


class DocumentUploadApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
        tags=["providers"],
    )
    def post(self, request, application_id: int):
        """P3: upload a document (checked by its bytes and size; refused with the reason)."""
        application = selectors.application_get(user=request.user, application_id=application_id)
        data = _valid(DocumentUploadSerializer, request).validated_data
        document = services.provider_document_add(
            application=application,
            actor=request.user,
            kind=data["kind"],
            platform=data.get("platform") or "",
            file=data["file"],
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentApi(APIView):
    @extend_schema(responses={204: None}, tags=["providers"])
    def delete(self, request, document_id: int):
        document = selectors.document_get(user=request.user, document_id=document_id)
        services.provider_document_remove(document=document, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentDownloadApi(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes}, tags=["providers"])
    def get(self, request, document_id: int):
        """P3: the file, as a download, to the applicant's staff and ops only."""
        document = selectors.document_get(user=request.user, document_id=document_id)
        return document_response(document)


class ProviderListApi(APIView):
    @extend_schema(responses=ProviderSerializer(many=True), tags=["providers"])
    def get(self, request):
        """P6: admitted providers a merchant can delegate to."""
        return paginate(
            self,
            request,
            selectors.admitted_providers().order_by("organization__name", "id"),
            ProviderSerializer,
        )


class DelegationListApi(APIView):
    parser_classes = [LimitedJSONParser]

    @extend_schema(responses=DelegationSerializer(many=True), tags=["providers"])
    def get(self, request):
        """P6: the delegations of the merchant's shops, or those held by the user's provider."""
        return paginate(
            self, request, selectors.delegation_list(user=request.user), DelegationSerializer
        )


class ShopDelegationApi(APIView):
    @extend_schema(
        request=DelegationGrantSerializer, responses={201: DelegationSerializer}, tags=["providers"]
    )
    def post(self, request, shop_id: int):
        """P6: the merchant delegates the shop's task management to an admitted provider."""
        shop = shop_list(user=request.user).filter(pk=shop_id).first()
        if shop is None:
            raise Http404("No such shop.")
        data = _valid(DelegationGrantSerializer, request).validated_data
        provider = selectors.admitted_providers().filter(pk=data["provider"]).first()
        if provider is None:
            message = _("No admitted service provider has this id.")
            raise InvalidInput(message, fields={"provider": [message]})
        delegation = services.delegation_grant(shop=shop, actor=request.user, provider=provider)
        delegation = selectors.delegation_get(user=request.user, delegation_id=delegation.pk)
        return Response(DelegationSerializer(delegation).data, status=status.HTTP_201_CREATED)


class DelegationRevokeApi(APIView):
    @extend_schema(request=None, responses=DelegationSerializer, tags=["providers"])
    def post(self, request, delegation_id: int):
        """P6: the merchant revokes; the provider's staff lose access at once."""
        delegation = selectors.delegation_get(user=request.user, delegation_id=delegation_id)
        services.delegation_revoke(delegation=delegation, actor=request.user)
        delegation = selectors.delegation_get(user=request.user, delegation_id=delegation_id)
        return Response(DelegationSerializer(delegation).data)


# --- closing report (P7) ----------------------------------------------------------------------


def _report_params(params) -> dict:
    """Z4: the period and task ids of a report, read strictly (ASCII, dates in range)."""
    errors, values = {}, {}
    readers = {
        "start": lambda raw: parse_date(raw, field="start"),
        "end": lambda raw: parse_date(raw, field="end"),
        "task_ids": lambda raw: parse_ids(raw, field="tasks") or None,
    }
    for name, read in readers.items():
        raw = params.get("tasks" if name == "task_ids" else name)
        try:
            value = read(raw)
        except InvalidInput as exc:
            errors.update(exc.fields)
            continue
        if value is not None:
            values[name] = value
    if errors:
        raise InvalidInput(_("Please correct the highlighted fields."), fields=errors)
    return values


def _line(line) -> dict:
    return {
        "order": line.order.pk,
        "task": line.task_title,
        "creator": line.creator_name,
        "status": line.status,
        "price": format_yuan(line.price_fen),
        "fee": format_yuan(line.fee_fen),
        "spent": format_yuan(line.spent_fen),
        "refunded": format_yuan(line.refunded_fen),
        "held": format_yuan(line.held_fen),
        "delivered_at": line.delivered_at.isoformat() if line.delivered_at else None,
        "links": line.links,
        "views": line.views,
        "likes": line.likes,
        "comments": line.comments,
        "shares": line.shares,
        "clicks": line.clicks,
        "gmv": format_yuan(line.gmv_fen),
    }


class ClosingReportApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, description="YYYY-MM-DD, Beijing, inclusive"),
            OpenApiParameter("end", str, description="YYYY-MM-DD, Beijing, inclusive"),
            OpenApiParameter("tasks", str, description="task ids, e.g. 12,15"),
            OpenApiParameter("export", str, enum=["json", "pdf", "xlsx"]),
        ],
        # Z6: `export=pdf|xlsx` answers the file instead of the JSON.
        responses={
            (200, "application/json"): dict,
            **{
                (200, content_type): bytes for content_type in reports.REPORT_CONTENT_TYPES.values()
            },
        },
        tags=["providers"],
    )
    def get(self, request, shop_id: int):
        """P7: the closing report of a shop's campaign, for its members and its delegated
        provider's staff (404 to anyone else): JSON, or `?export=pdf|xlsx` as a download."""
        shop = selectors.report_shop_get(user=request.user, shop_id=shop_id)
        report = reports.closing_report(shop=shop, **_report_params(request.query_params))
        export = request.query_params.get("export", "json")
        if export in ("pdf", "xlsx"):
            return reports.report_download(report, export)
        totals = report.totals
        return Response(
            {
                "shop": shop.pk,
                "start": report.start,
                "end": report.end,
                "tasks": [
                    {
                        "id": t.task.pk if t.task else None,
                        "title": t.title,
                        "orders": t.orders,
                        "completed": t.completed,
                        "spent": format_yuan(t.spent_fen),
                    }
                    for t in report.tasks
                ],
                "orders": [_line(line) for line in report.orders],
                "totals": {
                    "tasks": totals.tasks,
                    "orders": totals.orders,
                    "completed": totals.completed,
                    "spent": format_yuan(totals.spent_fen),
                    "refunded": format_yuan(totals.refunded_fen),
                    "held": format_yuan(totals.held_fen),
                    "views": totals.views,
                    "likes": totals.likes,
                    "comments": totals.comments,
                    "shares": totals.shares,
                    "clicks": totals.clicks,
                    "gmv": format_yuan(totals.gmv_fen),
                },
            }
        )
