"""What happens on an order: deliveries and their files (T50), revisions (T51), reviews (T60),
the order thread (T61), disputes (T62), the sweeper's runs (D1) and content metrics (F1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .orders import DisputeGround, DisputeOutcome, Order


class Delivery(models.Model):
    """T50: the work: links to the published content, optional files, a note."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="deliveries")
    links = models.JSONField(_("links"), default=list)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    is_joint_content = models.BooleanField(
        _("features other merchants' products (拼场)"), default=False
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("delivered at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"#{self.pk} · {self.order_id}"


class DeliveryFile(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to="deliveries/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("delivery file")
        verbose_name_plural = _("delivery files")

    def __str__(self) -> str:
        return self.name


class Revision(models.Model):
    """T53: a merchant's request for changes, with the new deadline it set."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="revisions")
    note = models.TextField(_("what to change"), max_length=2000)
    new_deadline = models.DateTimeField(_("new delivery deadline"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("revision request")
        verbose_name_plural = _("revision requests")

    def __str__(self) -> str:
        return f"#{self.pk} · {self.order_id}"


class Review(models.Model):
    """T52: the merchant's 1–5 star rating when it confirms (none for an automatic one)."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="review")
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            )
        ]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.rating}★ · {self.order_id}"


class OrderMessage(models.Model):
    """T60: the order's thread; the only messages that count as evidence in a dispute."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"), max_length=2000)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="message_order_idx")]
        verbose_name = _("order message")
        verbose_name_plural = _("order messages")

    def __str__(self) -> str:
        return self.body[:40]


class Dispute(models.Model):
    """T61: an order's dispute. Escrow and deadlines stay frozen until ops decide."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="dispute")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ground = models.CharField(
        _("ground"), max_length=20, choices=DisputeGround.choices, default=DisputeGround.OTHER
    )
    reason = models.TextField(_("reason"), max_length=2000)
    opened_from = models.CharField(_("order status when opened"), max_length=24)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    outcome = models.CharField(
        _("outcome"), max_length=8, choices=DisputeOutcome.choices, blank=True
    )
    creator_fen = models.PositiveBigIntegerField(_("creator's part (fen)"), default=0)
    refund_fen = models.PositiveBigIntegerField(_("refunded (fen)"), default=0)
    resolution_note = models.TextField(_("decision note"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        # Z3: an ops power of its own, beyond Django's add/change/view
        permissions = [
            ("decide_dispute", "Can decide disputes (refund, release or split the escrow)"),
        ]
        ordering = ["opened_at", "id"]
        indexes = [models.Index(fields=["resolved_at", "opened_at"], name="dispute_queue_idx")]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return f"#{self.pk} · {self.order}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class SweepRun(models.Model):
    """D1: one run of the deadline sweeper, for the ops view: when, as of when, how many of
    each kind, how long, and the errors (one item's error never stops the others)."""

    started_at = models.DateTimeField(_("started at"), db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    as_of = models.DateTimeField(_("swept as of"))
    trigger = models.CharField(_("started by"), max_length=20, default="beat")
    counts = models.JSONField(_("items moved per kind"), default=dict)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    hostname = models.CharField(_("worker"), max_length=100, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("deadline sweep")
        verbose_name_plural = _("deadline sweeps")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class ContentMetric(models.Model):
    """F1: one day of a delivered order's content figures, as the platform's data feed reports
    them (ingestion comes with the analytics issue). Read by the closing report (P7)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="metrics")
    date = models.DateField(_("date"))
    views = models.PositiveBigIntegerField(_("views"), default=0)
    likes = models.PositiveBigIntegerField(_("likes"), default=0)
    comments = models.PositiveBigIntegerField(_("comments"), default=0)
    shares = models.PositiveBigIntegerField(_("shares"), default=0)
    clicks = models.PositiveBigIntegerField(_("clicks"), default=0)
    gmv_fen = models.PositiveBigIntegerField(_("GMV (fen)"), default=0)
    received_at = models.DateTimeField(_("received at"), auto_now=True)

    class Meta:
        ordering = ["order_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["order", "date"], name="one_metric_row_per_order_day")
        ]
        verbose_name = _("content metrics")
        verbose_name_plural = _("content metrics")

    def __str__(self) -> str:
        return f"{self.order_id} {self.date}"
