"""REST API of tasks, applications, proposals, orders, payments, messages and the inbox
(DESIGN §5). Thin: parse, fetch through a selector (another tenant's id is a 404), call one
service, render. Every POST that can move money honours `Idempotency-Key` (E6)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import InvalidInput
from core.ops_powers import api_power
from core.pagination import PlazaCursorPagination, paginate, validated
from core.schema import action_views, errors
from escrow.api import IDEMPOTENCY_PARAMETER
from escrow.idempotency import IdempotentMixin
from parties import notifications
from parties.models import CreatorProfile
from parties.selectors import channel_list
from tasks.models import Task, TaskMode
from tasks.serializers import ChannelSerializer

from . import selectors, services
from .actions import ORDER_ACTIONS
from .filters import OrderFilter, TaskFilter
from .serializers import (
    AnnouncementSerializer,
    ApplicationCreateSerializer,
    ApplicationSerializer,
    BalancesSerializer,
    MessageSerializer,
    NotificationSerializer,
    OrderDetailSerializer,
    OrderSerializer,
    ProposalCreateSerializer,
    ProposalSerializer,
    TaskCreateSerializer,
    TaskSerializer,
)


def _refinement(filterset_class, request, model):
    """The request's filters, checked once, as a function of a queryset of `model`; its
    `cache_key` (the checked values) names them for the plaza cache."""
    filterset = filterset_class(
        request.query_params, queryset=model.objects.none(), request=request
    )
    if not filterset.is_valid():
        fields = {key: [str(e) for e in errors] for key, errors in filterset.errors.items()}
        raise InvalidInput(_("Please correct the filters."), fields=fields)

    def refine(queryset):
        return filterset.filter_queryset(queryset)

    refine.cache_key = tuple(
        sorted(
            (name, str(value))
            for name, value in filterset.form.cleaned_data.items()
            if value not in (None, "", [])
        )
    )
    return refine


def _filtered(filterset_class, request, queryset):
    return _refinement(filterset_class, request, queryset.model)(queryset)


def _order_response(order, request, *, code=status.HTTP_200_OK):
    order = selectors.order_get(user=request.user, order_id=order.pk)
    return Response(OrderDetailSerializer(order).data, status=code)


# --- tasks -------------------------------------------------------------------------------


class TaskListApi(APIView):
    pagination_class = PlazaCursorPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("mode", str, enum=["private", "plaza", "recruitment", "brand"]),
            OpenApiParameter("status", str),
            OpenApiParameter("channel", str, description="channel code"),
            OpenApiParameter("content_type", str),
            OpenApiParameter("min_price", str, description="yuan, e.g. 100.00"),
            OpenApiParameter("max_price", str, description="yuan"),
            OpenApiParameter("mine", bool, description="own tasks instead of the plazas"),
        ],
        responses=TaskSerializer(many=True),
        tags=["tasks"],
        description="The plazas (task plaza for creators, recruitment plaza for merchants, "
        "brand tasks for creators and agencies) and, with `mine=true`, the user's own tasks.",
    )
    def get(self, request):
        mine = request.query_params.get("mine", "").lower() in {"1", "true", "yes"}
        tasks = selectors.task_list(
            user=request.user,
            mine=mine,
            refine=_refinement(TaskFilter, request, Task),
        )
        return paginate(self, request, tasks, TaskSerializer)

    @extend_schema(
        request=TaskCreateSerializer,
        responses={201: TaskSerializer, **errors(404)},  # 404: a `shop` or `creator` not found
        tags=["tasks"],
        description="T3: post a task; it is `open` at once. A private task answers with its "
        "order (pending payment) under `order`.",
    )
    def post(self, request):
        data = validated(TaskCreateSerializer, request)
        task = services.task_post(
            actor=request.user, data=data, sponsorship=data.get("sponsorship")
        )
        body = TaskSerializer(selectors.task_get(user=request.user, task_id=task.pk)).data
        if getattr(task, "order", None) is not None:
            body["order"] = OrderDetailSerializer(
                selectors.order_get(user=request.user, order_id=task.order.pk)
            ).data
        return Response(body, status=status.HTTP_201_CREATED)


class TaskDetailApi(APIView):
    @extend_schema(responses=TaskSerializer, tags=["tasks"])
    def get(self, request, task_id: int):
        return Response(TaskSerializer(selectors.task_get(user=request.user, task_id=task_id)).data)


class TaskActionApi(IdempotentMixin, APIView):
    """close-enrollment (T10), cancel, close (recruitment and brand tasks)."""

    ACTIONS = {
        "close-enrollment": services.task_close_enrollment,
        "cancel": services.task_cancel,
        "close": services.task_close,
    }

    def post(self, request, task_id: int, action: str):
        task = selectors.task_get_as_owner(user=request.user, task_id=task_id)
        self.ACTIONS[action](task=task, actor=request.user)
        return Response(TaskSerializer(selectors.task_get(user=request.user, task_id=task_id)).data)


# Z6: one operation per action, each with its own body and answers (routed in api_urls.py).
TASK_ACTION_VIEWS = action_views(
    TaskActionApi,
    operation_id="tasks",
    request=None,
    parameters=[IDEMPOTENCY_PARAMETER],
    responses=TaskSerializer,
    tags=["tasks"],
    actions={
        "close-enrollment": {
            "description": "T10: the owner stops enrollment of a plaza task early. With no "
            "approved application the task closes at once (T13); otherwise the 7 days to pay "
            "(T11) start."
        },
        "cancel": {
            "description": "The owner withdraws a task before anything is paid; a private "
            "task cancels its order (refunded if the creator has not accepted, §4)."
        },
        "close": {
            "description": "The owner stops a recruitment or brand task taking new "
            "applications or proposals; orders already made go on."
        },
    },
)


class TaskPayApi(IdempotentMixin, APIView):
    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses=inline_serializer("PlazaPayment", {"orders": OrderSerializer(many=True)}),
        tags=["tasks"],
        description="T11: once enrollment has stopped, price × approved applications (plus the "
        "fee) in one payment; each approved application becomes an order in production. "
        "Before enrollment stops: 409 (T12).",
    )
    def post(self, request, task_id: int):
        task = selectors.task_get_as_owner(user=request.user, task_id=task_id)
        orders = services.plaza_task_pay(task=task, actor=request.user)
        rows = selectors.order_list(user=request.user).filter(pk__in=[o.pk for o in orders])
        return Response({"orders": OrderSerializer(rows.order_by("id"), many=True).data})


# --- applications (T10–T13, T20) -----------------------------------------------------------


class TaskApplicationsApi(IdempotentMixin, APIView):
    @extend_schema(responses=ApplicationSerializer(many=True), tags=["applications"])
    def get(self, request, task_id: int):
        task = selectors.task_get(user=request.user, task_id=task_id)
        applications = selectors.task_applications(user=request.user, task=task)
        return paginate(self, request, applications, ApplicationSerializer)

    @extend_schema(
        request=ApplicationCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: ApplicationSerializer},
        tags=["applications"],
        description="T10: a creator applies to a plaza task. T20: a merchant applies to a "
        "recruitment task by paying its price: the answer is the order (awaiting the "
        "creator) with its `application`.",
    )
    def post(self, request, task_id: int):
        task = selectors.task_get(user=request.user, task_id=task_id)
        data = validated(ApplicationCreateSerializer, request)
        shop = None
        if task.mode == TaskMode.RECRUITMENT and request.user.is_merchant:
            shop = selectors.merchant_shop(user=request.user, shop_id=data.get("shop"))
        application = services.application_create(
            task=task, actor=request.user, note=data["note"], shop=shop
        )
        if application.order_id:
            body = OrderDetailSerializer(
                selectors.order_get(user=request.user, order_id=application.order_id)
            ).data
            body["application"] = application.pk
            return Response(body, status=status.HTTP_201_CREATED)
        application = selectors.application_get(user=request.user, application_id=application.pk)
        return Response(ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


class ApplicationActionApi(IdempotentMixin, APIView):
    ACTIONS = {
        "approve": services.application_approve,
        "reject": services.application_reject,
        "withdraw": services.application_withdraw,
    }

    def post(self, request, application_id: int, action: str):
        application = selectors.application_get(user=request.user, application_id=application_id)
        self.ACTIONS[action](application=application, actor=request.user)
        application = selectors.application_get(user=request.user, application_id=application_id)
        return Response(ApplicationSerializer(application).data)


APPLICATION_ACTION_VIEWS = action_views(
    ApplicationActionApi,
    operation_id="applications",
    request=None,
    parameters=[IDEMPOTENCY_PARAMETER],
    responses=ApplicationSerializer,
    tags=["applications"],
    actions={
        "approve": {
            "description": "T10/T12: the owner approves a plaza application while enrollment "
            "is open and within the slots. T20: the creator approves a merchant's "
            "recruitment application; its order goes into production."
        },
        "reject": {
            "description": "T10: the owner rejects a plaza application. T20: the creator "
            "rejects a recruitment application; the merchant is refunded at once."
        },
        "withdraw": {
            "description": "The applicant takes its application back: a creator before the "
            "plaza task is paid, a merchant before the creator answers (refunded)."
        },
    },
)


# --- proposals (T30) -----------------------------------------------------------------------


class TaskProposalsApi(APIView):
    @extend_schema(responses=ProposalSerializer(many=True), tags=["proposals"])
    def get(self, request, task_id: int):
        task = selectors.task_get(user=request.user, task_id=task_id)
        proposals = selectors.task_proposals(user=request.user, task=task)
        return paginate(self, request, proposals, ProposalSerializer)

    @extend_schema(
        request=ProposalCreateSerializer,
        responses={201: ProposalSerializer},
        tags=["proposals"],
        description="T30: a creator quotes for itself; agency staff quote for one of the "
        "agency's signed creators (`agency`, `creator`).",
    )
    def post(self, request, task_id: int):
        task = selectors.task_get(user=request.user, task_id=task_id)
        data = validated(ProposalCreateSerializer, request)
        agency = creator = None
        if data.get("agency"):
            agency = selectors.staff_agency(user=request.user, agency_id=data["agency"])
            if agency is None:
                raise Http404("No such agency.")
            creator = CreatorProfile.objects.filter(pk=data.get("creator") or 0).first()
        proposal = services.proposal_submit(
            task=task,
            actor=request.user,
            quote_fen=data["quote"],
            plan=data["plan"],
            creator=creator,
            agency=agency,
        )
        proposal = selectors.proposal_get(user=request.user, proposal_id=proposal.pk)
        return Response(ProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)


class ProposalActionApi(APIView):
    def post(self, request, proposal_id: int, action: str):
        proposal = selectors.proposal_get(user=request.user, proposal_id=proposal_id)
        if action == "accept":
            order = services.proposal_accept(proposal=proposal, actor=request.user)
            return _order_response(order, request)
        if action == "reject":
            services.proposal_reject(proposal=proposal, actor=request.user)
        else:
            services.proposal_withdraw(proposal=proposal, actor=request.user)
        proposal = selectors.proposal_get(user=request.user, proposal_id=proposal_id)
        return Response(ProposalSerializer(proposal).data)


PROPOSAL_ACTION_VIEWS = action_views(
    ProposalActionApi,
    operation_id="proposals",
    request=None,
    responses=ProposalSerializer,
    tags=["proposals"],
    actions={
        "accept": {
            "responses": OrderDetailSerializer,
            "description": "T30: the brand accepts a proposal; the answer is the order, "
            "pending payment.",
        },
        "reject": {"description": "T30: the brand rejects a proposal."},
        "withdraw": {"description": "T30: who proposed withdraws the proposal."},
    },
)


# --- orders (§4, T4–T62) ------------------------------------------------------------------


class OrderListApi(APIView):
    pagination_class = PlazaCursorPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, many=True),
            OpenApiParameter("kind", str),
            OpenApiParameter("created_after", str, description="ISO 8601"),
            OpenApiParameter("created_before", str, description="ISO 8601"),
            OpenApiParameter("id", int),
            OpenApiParameter("task", int),
        ],
        responses=OrderSerializer(many=True),
        tags=["orders"],
        description="T62: own orders, newest first, searchable by created time, status, id.",
    )
    def get(self, request):
        orders = _filtered(OrderFilter, request, selectors.order_list(user=request.user))
        return paginate(self, request, orders, OrderSerializer)


class OrderDetailApi(APIView):
    @extend_schema(responses=OrderDetailSerializer, tags=["orders"])
    def get(self, request, order_id: int):
        order = selectors.order_get(user=request.user, order_id=order_id)
        return Response(OrderDetailSerializer(order).data)


class OrderActionApi(IdempotentMixin, APIView):
    """The order's transitions (§4); 409 when the state does not allow one now."""

    def post(self, request, order_id: int, action: str):
        order = selectors.order_get(user=request.user, order_id=order_id)
        entry = ORDER_ACTIONS[action]  # the one table the order page uses too
        data = validated(entry.serializer, request) if entry.serializer else {}
        entry.run(order=order, actor=request.user, data=data)
        return _order_response(order, request)


# What each order action does, for its operation; the body each one reads is the serializer
# of its entry in the shared table (tasks/actions.py).
ORDER_ACTION_DESCRIPTIONS = {
    "pay": "T4, T40: the merchant pays the full price or the deposit.",
    "accept": "T41: the creator accepts, optionally at another `price` (the merchant then pays "
    "the difference or restores the price).",
    "decline": "T5, T20: the creator declines; the merchant is refunded at once.",
    "cancel": "§4, T43: the merchant cancels before the creator accepts; what is held is "
    "refunded at once.",
    "restore-price": "T41: after the creator changed the price, the merchant restores the "
    "original, once, before paying the balance.",
    "pay-balance": "T42: the merchant pays a deposit order's balance.",
    "deliver": "T50: the creator delivers links and a note; files as multipart/form-data.",
    "request-revision": "T53: the merchant asks for a revision, optionally with a new deadline.",
    "confirm": "T52: the merchant confirms the delivery and rates the creator; the escrow is "
    "released.",
    "dispute": "T61: either party opens a dispute on an order in production or delivered; the "
    "escrow stays frozen until ops decide.",
}

ORDER_ACTION_VIEWS = action_views(
    OrderActionApi,
    operation_id="orders",
    parameters=[IDEMPOTENCY_PARAMETER],
    responses=OrderDetailSerializer,
    tags=["orders"],
    actions={
        name: {"request": entry.serializer, "description": ORDER_ACTION_DESCRIPTIONS[name]}
        for name, entry in ORDER_ACTIONS.items()
    },
)


class BalancesApi(IdempotentMixin, APIView):
    @extend_schema(
        request=BalancesSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            200: inline_serializer("CombinedBalance", {"orders": OrderSerializer(many=True)}),
            **errors(404),  # an order id that is not the merchant's
        },
        tags=["orders"],
        description="T42: several deposit orders' balances in one combined payment.",
    )
    def post(self, request):
        data = validated(BalancesSerializer, request)
        for order_id in data["orders"]:
            selectors.order_get(user=request.user, order_id=order_id)  # 404 for a stranger's
        orders = services.balances_pay(order_ids=data["orders"], actor=request.user)
        rows = selectors.order_list(user=request.user).filter(pk__in=[o.pk for o in orders])
        return Response({"orders": OrderSerializer(rows.order_by("id"), many=True).data})


class OrderMessagesApi(APIView):
    @extend_schema(responses=MessageSerializer(many=True), tags=["orders"])
    def get(self, request, order_id: int):
        order = selectors.order_get(user=request.user, order_id=order_id)
        return paginate(self, request, selectors.order_messages(order=order), MessageSerializer)

    @extend_schema(request=MessageSerializer, responses={201: MessageSerializer}, tags=["orders"])
    def post(self, request, order_id: int):
        order = selectors.order_get(user=request.user, order_id=order_id)
        data = validated(MessageSerializer, request)
        message = services.order_message_post(order=order, actor=request.user, body=data["body"])
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


# --- the inbox (D5) and announcements (T21) ------------------------------------------------


class NotificationListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("unread", bool)],
        responses=NotificationSerializer(many=True),
        tags=["notifications"],
    )
    def get(self, request):
        unread = request.query_params.get("unread", "").lower() in {"1", "true", "yes"}
        return paginate(
            self,
            request,
            notifications.inbox(user=request.user, unread=unread),
            NotificationSerializer,
        )


class NotificationReadApi(APIView):
    @extend_schema(
        request=inline_serializer(
            "MarkRead", {"ids": serializers.ListField(child=serializers.IntegerField())}
        ),
        responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}),
        tags=["notifications"],
        description="Mark the given notifications read, or all of them without `ids`.",
    )
    def post(self, request):
        ids = request.data.get("ids") if hasattr(request.data, "get") else None
        if ids is not None and (
            not isinstance(ids, list) or not all(isinstance(i, int) for i in ids)
        ):
            raise InvalidInput(_("`ids` is a list of notification ids."))
        return Response({"marked": notifications.mark_read(user=request.user, ids=ids)})


class AnnouncementListApi(APIView):
    @extend_schema(responses=AnnouncementSerializer(many=True), tags=["tasks"])
    def get(self, request):
        return paginate(self, request, selectors.announcement_list(), AnnouncementSerializer)


# --- F1: content metrics from the platform's data feed ----------------------------------------


CanIngestContentMetrics = api_power(
    "tasks.add_contentmetric",
    "The feed's account: a user ops gave “Can add content metrics” (and a token).",
)


class ContentMetricIngestApi(APIView):
    """F1: a batch of up to 1,000 daily figures of delivered orders; idempotent per order and
    day; every row answered as created, updated, unchanged or refused with its errors."""

    permission_classes = [CanIngestContentMetrics]

    @extend_schema(
        request=inline_serializer(
            "ContentMetricBatch",
            {
                "metrics": inline_serializer(
                    "ContentMetricRow",
                    {
                        "order_id": serializers.IntegerField(),
                        "date": serializers.DateField(),
                        "views": serializers.IntegerField(),
                        "likes": serializers.IntegerField(),
                        "comments": serializers.IntegerField(),
                        "shares": serializers.IntegerField(),
                        "clicks": serializers.IntegerField(),
                        "gmv": serializers.CharField(help_text="yuan, e.g. 1280.50"),
                    },
                    many=True,
                )
            },
        ),
        responses=dict,
        tags=["analytics"],
    )
    def post(self, request):
        rows = request.data.get("metrics") if isinstance(request.data, dict) else request.data
        if not isinstance(rows, list) or not rows:
            message = _('Send {"metrics": [...]} with at least one row.')
            raise InvalidInput(message, fields={"metrics": [message]})
        report = services.content_metrics_ingest(rows=rows)
        return Response(report.as_dict())


class ChannelListApi(APIView):
    pagination_class = None

    @extend_schema(responses=ChannelSerializer(many=True), tags=["catalogue"])
    def get(self, request):
        return Response(ChannelSerializer(channel_list(), many=True).data)
