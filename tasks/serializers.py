"""JSON of tasks and orders (DESIGN §5). Money is a yuan string; times ISO 8601 with offset."""

from __future__ import annotations

from rest_framework import serializers

from core.fields import MoneyField
from core.money import format_yuan
from parties.models import ContentType, Notification
from parties.notifications import render
from tasks.models import (
    Announcement,
    Application,
    Channel,
    DeclineReason,
    Delivery,
    Dispute,
    DisputeGround,
    Order,
    OrderMessage,
    PaymentMode,
    Proposal,
    Revision,
    Task,
    TaskMode,
)

from .selectors import order_history

# --- tasks -----------------------------------------------------------------------------------


class SponsorshipSerializer(serializers.Serializer):
    brand_name = serializers.CharField(source="sponsor_brand_name")
    logo_url = serializers.CharField(source="sponsor_logo_url")
    products = serializers.ListField(source="sponsor_products", child=serializers.DictField())


class TaskCreateSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=TaskMode.choices)
    title = serializers.CharField(max_length=120)
    brief = serializers.CharField(max_length=5000)
    content_type = serializers.ChoiceField(choices=ContentType.choices)
    channel = serializers.CharField(max_length=40)
    price = MoneyField(required=False, allow_null=True)
    delivery_deadline = serializers.DateTimeField()
    enrollment_deadline = serializers.DateTimeField(required=False, allow_null=True)
    slots = serializers.IntegerField(required=False, allow_null=True)
    creator = serializers.IntegerField(
        required=False, allow_null=True, help_text="a creator profile id (private tasks)"
    )
    payment = serializers.ChoiceField(choices=PaymentMode.choices, default=PaymentMode.FULL)
    budget = MoneyField(required=False, allow_null=True)
    sponsorship = serializers.JSONField(required=False, allow_null=True)
    shop = serializers.IntegerField(
        required=False, allow_null=True, help_text="merchants with several shops: which one"
    )


_DATETIME = serializers.DateTimeField()


def _text(value):
    """A choice as DRF's ChoiceField writes it: the plain string ('' and None as they are)."""
    return value if value in ("", None) else str(value)


def _maybe(represent, value):
    return None if value is None else represent(value)


class PartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TaskSerializer(serializers.ModelSerializer):
    channel = serializers.CharField(source="channel.code")
    price = MoneyField(source="price_fen", allow_null=True)
    budget = MoneyField(source="budget_fen", allow_null=True)
    payment = serializers.CharField(source="payment_mode")
    owner = serializers.SerializerMethodField()
    sponsorship = serializers.SerializerMethodField()
    application_count = serializers.IntegerField(read_only=True, default=0)
    approved_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Task
        fields = [
            "id",
            "mode",
            "status",
            "title",
            "brief",
            "content_type",
            "channel",
            "price",
            "budget",
            "payment",
            "slots",
            "enrollment_deadline",
            "delivery_deadline",
            "payment_due_at",
            "sponsorship",
            "owner",
            "application_count",
            "approved_count",
            "closed_reason",
            "created_at",
        ]

    def to_representation(self, task) -> dict:
        """The fields above, read straight off the task.

        The plazas serialize 20 tasks a request (B1, docs/performance.md); DRF's loop over
        twenty bound fields cost a quarter of a millisecond a task. This writes the same JSON
        (tests/tasks/test_task_serializer.py compares it with DRF's own for every mode and
        content type); the declared fields still describe the schema and the field set.
        """
        moment = _DATETIME.to_representation
        return {
            "id": task.pk,
            "mode": _text(task.mode),
            "status": _text(task.status),
            "title": str(task.title),
            "brief": str(task.brief),
            "content_type": _text(task.content_type),
            "channel": str(task.channel.code),
            "price": None if task.price_fen is None else format_yuan(task.price_fen),
            "budget": None if task.budget_fen is None else format_yuan(task.budget_fen),
            "payment": str(task.payment_mode),
            "slots": None if task.slots is None else int(task.slots),
            "enrollment_deadline": _maybe(moment, task.enrollment_deadline),
            "delivery_deadline": _maybe(moment, task.delivery_deadline),
            "payment_due_at": _maybe(moment, task.payment_due_at),
            "sponsorship": self.get_sponsorship(task),
            "owner": self.get_owner(task),
            "application_count": int(getattr(task, "application_count", 0)),
            "approved_count": int(getattr(task, "approved_count", 0)),
            "closed_reason": str(task.closed_reason),
            "created_at": _maybe(moment, task.created_at),
        }

    def get_owner(self, task) -> dict:
        if task.creator_id:
            return {"kind": "creator", "id": task.creator_id, "name": task.creator.display_name}
        return {"kind": "shop", "id": task.shop_id, "name": task.shop.organization.name}

    def get_sponsorship(self, task) -> dict | None:
        if task.content_type != ContentType.LIVE_SPONSORSHIP:
            return None
        return {
            "brand_name": task.sponsor_brand_name,
            "logo_url": task.sponsor_logo_url,
            "products": task.sponsor_products,
        }


# --- applications and proposals ------------------------------------------------------------


class ApplicationCreateSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    shop = serializers.IntegerField(required=False, allow_null=True)


class ApplicationSerializer(serializers.ModelSerializer):
    applicant = serializers.SerializerMethodField()
    order = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Application
        fields = ["id", "task", "status", "applicant", "note", "order", "created_at", "decided_at"]

    def get_applicant(self, application) -> dict:
        if application.creator_id:
            return {
                "kind": "creator",
                "id": application.creator_id,
                "name": application.creator.display_name,
            }
        return {
            "kind": "shop",
            "id": application.shop_id,
            "name": application.shop.organization.name,
        }


class ProposalCreateSerializer(serializers.Serializer):
    quote = MoneyField()
    plan = serializers.CharField(max_length=5000)
    agency = serializers.IntegerField(
        required=False, allow_null=True, help_text="agency staff: the agency proposing"
    )
    creator = serializers.IntegerField(
        required=False, allow_null=True, help_text="agency staff: the signed creator proposed"
    )


class ProposalSerializer(serializers.ModelSerializer):
    quote = MoneyField(source="quote_fen")
    creator = serializers.SerializerMethodField()
    agency = serializers.SerializerMethodField()
    order = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Proposal
        fields = ["id", "task", "status", "creator", "agency", "quote", "plan", "order"]

    def get_creator(self, proposal) -> dict:
        return {"id": proposal.creator_id, "name": proposal.creator.display_name}

    def get_agency(self, proposal) -> dict | None:
        if not proposal.agency_id:
            return None
        return {"id": proposal.agency_id, "name": proposal.agency.organization.name}


# --- orders ----------------------------------------------------------------------------------


class OrderSerializer(serializers.ModelSerializer):
    """T62: id, title, merchant, industry, amount, created time, expected publish time
    (the delivery deadline), status — and the rest of the money and due times."""

    merchant = serializers.SerializerMethodField()
    industry = serializers.CharField(source="shop.industry")
    creator = serializers.SerializerMethodField()
    price = MoneyField(source="price_fen")
    fee = MoneyField(source="fee_fen")
    total = MoneyField(source="total_fen")
    original_price = MoneyField(source="original_price_fen")
    deposit = MoneyField(source="deposit_fen")
    balance_due = serializers.SerializerMethodField()
    task_mode = serializers.CharField(source="task.mode", default=None)

    class Meta:
        model = Order
        fields = [
            "id",
            "kind",
            "status",
            "task",
            "task_mode",
            "title",
            "merchant",
            "industry",
            "creator",
            "price",
            "fee",
            "total",
            "original_price",
            "deposit",
            "balance_due",
            "price_restored",
            "revisions_used",
            "acceptance_deadline",
            "balance_deadline",
            "delivery_deadline",
            "auto_confirm_at",
            "paid_at",
            "created_at",
            "closed_at",
        ]

    def get_merchant(self, order) -> dict:
        return {"id": order.shop_id, "name": order.shop.organization.name}

    def get_creator(self, order) -> dict:
        return {"id": order.creator_id, "name": order.creator.display_name}

    def get_balance_due(self, order) -> str | None:
        if not order.is_deposit:
            return None
        return format_yuan(order.balance_due_fen)


class DeliverySerializer(serializers.ModelSerializer):
    files = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = ["id", "links", "note", "is_joint_content", "files", "created_at"]

    def get_files(self, delivery) -> list[dict]:
        return [{"name": f.name, "size": f.size, "url": f.file.url} for f in delivery.files.all()]


class RevisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Revision
        fields = ["id", "note", "new_deadline", "created_at"]


class DisputeSerializer(serializers.ModelSerializer):
    creator_amount = MoneyField(source="creator_fen")
    refund_amount = MoneyField(source="refund_fen")

    class Meta:
        model = Dispute
        fields = [
            "id",
            "ground",
            "reason",
            "opened_from",
            "opened_at",
            "outcome",
            "creator_amount",
            "refund_amount",
            "resolution_note",
            "resolved_at",
        ]


class HistorySerializer(serializers.Serializer):
    transition = serializers.CharField()
    source = serializers.CharField(source="source_state", allow_null=True)
    target = serializers.CharField(source="state")
    by = serializers.SerializerMethodField()
    at = serializers.DateTimeField(source="timestamp")

    def get_by(self, log) -> str | None:
        return log.by.get_username() if log.by_id else None


class OrderDetailSerializer(OrderSerializer):
    history = serializers.SerializerMethodField()
    deliveries = DeliverySerializer(many=True, read_only=True)
    revisions = RevisionSerializer(many=True, read_only=True)
    review = serializers.SerializerMethodField()
    dispute = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = [
            *OrderSerializer.Meta.fields,
            "history",
            "deliveries",
            "revisions",
            "review",
            "dispute",
        ]

    def get_history(self, order) -> list[dict]:
        return HistorySerializer(order_history(order=order), many=True).data

    def get_review(self, order) -> dict | None:
        review = getattr(order, "review", None)
        if review is None:
            return None
        return {"rating": review.rating, "comment": review.comment, "created_at": review.created_at}

    def get_dispute(self, order) -> dict | None:
        dispute = getattr(order, "dispute", None)
        return DisputeSerializer(dispute).data if dispute else None


class AcceptSerializer(serializers.Serializer):
    price = MoneyField(required=False, allow_null=True)


class DeclineSerializer(serializers.Serializer):
    """Both optional (outside clients that send no body still decline): why, and a note."""

    reason = serializers.ChoiceField(choices=DeclineReason.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class DeliverSerializer(serializers.Serializer):
    links = serializers.ListField(child=serializers.CharField(allow_blank=True), allow_empty=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    is_joint_content = serializers.BooleanField(required=False, default=False)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class RevisionRequestSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)
    deadline = serializers.DateTimeField(required=False, allow_null=True)


class ConfirmSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DisputeCreateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    ground = serializers.ChoiceField(choices=DisputeGround.choices, default=DisputeGround.OTHER)


class BalancesSerializer(serializers.Serializer):
    orders = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username", read_only=True)
    body = serializers.CharField(max_length=2000)

    class Meta:
        model = OrderMessage
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class NotificationSerializer(serializers.ModelSerializer):
    message = serializers.SerializerMethodField()

    def get_message(self, notification) -> str:
        return render(notification)

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "order", "task", "read_at", "created_at"]


class AnnouncementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Announcement
        fields = ["id", "title", "body", "published_at"]


class ChannelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Channel
        fields = ["code", "name", "name_en", "allows_recruitment"]
