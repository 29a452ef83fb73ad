"""Channels, tasks, applications, proposals and announcements (DESIGN T1–T30).

Every state below is a django-fsm field with `protected=True` on a model with
ConcurrentTransitionMixin. A transition method only changes its own row and checks its guard;
the services (tasks.services) lock rows, move money and notify around it. django-fsm-log writes
one StateLog row per transition with who did it (the `by` keyword), when and from which state
(T70)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from parties.models import ContentType


class Channel(models.Model):
    """T1: a content channel, edited by ops in the admin, seeded by a data migration."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    allows_recruitment = models.BooleanField(
        _("creators may post recruitment tasks"),
        default=True,
        help_text=_("Channels without fixed-column recruitment (e.g. 有好货) turn this off."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


PLAZA_PAYMENT_WINDOW = timedelta(days=7)  # T13
MAX_SPONSORED_PRODUCTS = 3  # T2


LOGO_TYPES = ("png", "jpg", "gif", "webp")  # T2: a sponsor's logo, judged by its content (Z5)


LOGO_MAX_BYTES = 2 * 1024 * 1024


class TaskMode(models.TextChoices):
    PRIVATE = "private", _("Private task")
    PLAZA = "plaza", _("Plaza task")
    RECRUITMENT = "recruitment", _("Recruitment task")
    BRAND = "brand", _("Brand task")


class PaymentMode(models.TextChoices):
    FULL = "full", _("Full price")
    DEPOSIT = "deposit", _("Deposit, balance on acceptance")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ENROLLMENT_CLOSED = "enrollment_closed", _("Enrollment closed")
    PAID = "paid", _("Paid")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Task(ConcurrentTransitionMixin, models.Model):
    """T3: what a merchant (or, for recruitment, a creator) wants made, at a fixed price.

    Private and plaza tasks belong to a shop, brand tasks to a brand shop (M4), recruitment
    tasks to the creator that posts them (T20). Tasks are published (`open`) when created.
    """

    mode = models.CharField(_("mode"), max_length=12, choices=TaskMode.choices)
    shop = models.ForeignKey(
        "marketplace.MerchantShop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    creator = models.ForeignKey(
        "marketplace.CreatorProfile",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recruitment_tasks",
        help_text=_("The creator who posted a recruitment task."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    brief = models.TextField(_("requirements"), max_length=5000)
    content_type = models.CharField(_("content type"), max_length=20, choices=ContentType.choices)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="tasks")
    price_fen = models.PositiveBigIntegerField(
        _("price per creator (fen)"), null=True, blank=True, help_text=_("Empty for brand tasks.")
    )
    budget_fen = models.PositiveBigIntegerField(_("budget (fen)"), null=True, blank=True)
    payment_mode = models.CharField(
        _("payment"), max_length=8, choices=PaymentMode.choices, default=PaymentMode.FULL
    )
    slots = models.PositiveIntegerField(_("slots"), null=True, blank=True)
    enrollment_deadline = models.DateTimeField(_("enrollment deadline"), null=True, blank=True)
    delivery_deadline = models.DateTimeField(_("delivery deadline"))
    # T2: live sponsorship
    sponsor_brand_name = models.CharField(_("sponsoring brand"), max_length=60, blank=True)
    sponsor_logo_url = models.URLField(_("brand logo"), blank=True)
    sponsor_products = models.JSONField(_("sponsored products"), default=list, blank=True)

    status = FSMField(
        _("status"),
        max_length=20,
        choices=TaskStatus.choices,
        default=TaskStatus.OPEN,
        protected=True,
    )
    enrollment_closed_at = models.DateTimeField(_("enrollment closed at"), null=True, blank=True)
    payment_due_at = models.DateTimeField(
        _("payment due"), null=True, blank=True, help_text=_("T13: 7 days after enrollment stops.")
    )
    closed_reason = models.CharField(_("closing reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        # Z3: an ops power of its own, beyond Django's add/change/view
        permissions = [
            ("close_task", "Can stop enrollment of or close any task"),
        ]
        ordering = ["-created_at", "-id"]
        indexes = [
            # the plazas: open tasks of a mode, newest first
            models.Index(fields=["mode", "status", "-created_at", "-id"], name="task_plaza_idx"),
            # B1: the plazas by channel, newest first, answered from the index alone (the
            # mode, price, content type and enrollment filters are read off its INCLUDE
            # columns); the open tasks only, a fifth of all (docs/performance.md).
            models.Index(
                fields=["channel", "-created_at", "-id"],
                include=["mode", "price_fen", "content_type", "enrollment_deadline"],
                condition=Q(status="open"),
                name="task_open_channel_idx",
            ),
            # B4: the plaza page with no channel chosen lists open plaza and brand tasks
            # together, which task_plaza_idx (one mode at a time) cannot give in time order.
            models.Index(
                fields=["-created_at", "-id"],
                include=["mode", "channel", "price_fen", "content_type", "enrollment_deadline"],
                condition=Q(status="open"),
                name="task_open_recent_idx",
            ),
            # the sweeper (D1): enrollment ends and unpaid plaza tasks
            models.Index(fields=["status", "enrollment_deadline"], name="task_enrollment_due_idx"),
            models.Index(fields=["status", "payment_due_at"], name="task_payment_due_idx"),
            models.Index(fields=["shop", "-created_at"], name="task_shop_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(shop__isnull=False) | Q(creator__isnull=False),
                name="task_has_owner",
            ),
        ]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_public(self) -> bool:
        return self.mode != TaskMode.PRIVATE

    def enrollment_is_over(self, now) -> bool:
        """T10: enrollment stops at its deadline or when the owner stops it."""
        if self.status != TaskStatus.OPEN:
            return True
        return self.enrollment_deadline is not None and now >= self.enrollment_deadline

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=TaskStatus.OPEN,
        target=TaskStatus.ENROLLMENT_CLOSED,
        conditions=[lambda task: task.mode == TaskMode.PLAZA],
    )
    def close_enrollment(self, *, at, by=None, description=None) -> None:
        self.enrollment_closed_at = at
        self.payment_due_at = at + PLAZA_PAYMENT_WINDOW

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=TaskStatus.ENROLLMENT_CLOSED, target=TaskStatus.PAID)
    def mark_paid(self, *, by=None, description=None) -> None:
        self.payment_due_at = None

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[TaskStatus.OPEN, TaskStatus.ENROLLMENT_CLOSED],
        target=TaskStatus.CLOSED,
    )
    def close(self, *, reason: str, by=None, description=None) -> None:
        self.closed_reason = reason[:200]
        self.payment_due_at = None

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[TaskStatus.OPEN, TaskStatus.ENROLLMENT_CLOSED],
        target=TaskStatus.CANCELLED,
    )
    def cancel(self, *, by=None, description=None) -> None:
        self.payment_due_at = None


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("application", "Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


ACTIVE_APPLICATION_STATUSES = (ApplicationStatus.PENDING, ApplicationStatus.APPROVED)


class Application(ConcurrentTransitionMixin, models.Model):
    """T10/T20: a creator applying to a plaza task, or a merchant to a recruitment task.

    A merchant's application to a recruitment task is a payment: it carries the order it paid.
    """

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="applications")
    creator = models.ForeignKey(
        "marketplace.CreatorProfile",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    shop = models.ForeignKey(
        "marketplace.MerchantShop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    order = models.OneToOneField(
        "Order", on_delete=models.PROTECT, null=True, blank=True, related_name="application"
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    status = FSMField(
        _("status"),
        max_length=12,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.PENDING,
        protected=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["task", "status"], name="application_task_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "creator"],
                condition=Q(status__in=["pending", "approved"]),
                name="one_active_application_per_creator",
            ),
        ]
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def __str__(self) -> str:
        return f"#{self.pk} → {self.task_id}"

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=ApplicationStatus.PENDING, target=ApplicationStatus.APPROVED)
    def approve(self, *, at, by=None, description=None) -> None:
        self.decided_at = at

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=ApplicationStatus.PENDING, target=ApplicationStatus.REJECTED)
    def reject(self, *, at, by=None, description=None) -> None:
        self.decided_at = at

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[ApplicationStatus.PENDING, ApplicationStatus.APPROVED],
        target=ApplicationStatus.WITHDRAWN,
    )
    def withdraw(self, *, at, by=None, description=None) -> None:
        self.decided_at = at

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[ApplicationStatus.PENDING, ApplicationStatus.APPROVED],
        target=ApplicationStatus.EXPIRED,
    )
    def expire(self, *, at, by=None, description=None) -> None:
        self.decided_at = at


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Proposal(ConcurrentTransitionMixin, models.Model):
    """T30: an agency's or a creator's quote and plan for a brand task.

    An agency proposes one of its signed creators, who makes the content if the brand accepts.
    """

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="proposals")
    creator = models.ForeignKey(
        "marketplace.CreatorProfile", on_delete=models.PROTECT, related_name="proposals"
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    quote_fen = models.PositiveBigIntegerField(_("quote (fen)"))
    plan = models.TextField(_("plan"), max_length=5000)
    order = models.OneToOneField(
        "Order", on_delete=models.PROTECT, null=True, blank=True, related_name="proposal"
    )
    status = FSMField(
        _("status"),
        max_length=12,
        choices=ProposalStatus.choices,
        default=ProposalStatus.SUBMITTED,
        protected=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "creator"],
                condition=Q(status__in=["submitted", "accepted"]),
                name="one_live_proposal_per_creator",
            ),
        ]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self) -> str:
        return f"#{self.pk} → {self.task_id}"

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=ProposalStatus.SUBMITTED, target=ProposalStatus.ACCEPTED)
    def accept(self, *, at, by=None, description=None) -> None:
        self.decided_at = at

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=ProposalStatus.SUBMITTED, target=ProposalStatus.REJECTED)
    def reject(self, *, at, by=None, description=None) -> None:
        self.decided_at = at

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=ProposalStatus.SUBMITTED, target=ProposalStatus.WITHDRAWN)
    def withdraw(self, *, at, by=None, description=None) -> None:
        self.decided_at = at


class Announcement(models.Model):
    """T21: the platform's official announcements, shown on the recruitment plaza."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=5000)
    is_published = models.BooleanField(_("published"), default=True)
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def __str__(self) -> str:
        return self.title
