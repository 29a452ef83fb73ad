"""Content tasks and the orders they make (DESIGN T1–T70, §4).

Every state below is a django-fsm field with `protected=True` on a model with
ConcurrentTransitionMixin. A transition method only changes its own row and checks its guard;
the services (tasks.services) lock rows, move money and notify around it. django-fsm-log writes
one StateLog row per transition with who did it (the `by` keyword), when and from which state
(T70).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
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


class OrderKind(models.TextChoices):
    """How the order came about; the fee policy (E10) has one rate per kind."""

    PRIVATE = "private", _("Private task")
    PLAZA = "plaza", _("Plaza task")
    RECRUITMENT = "recruitment", _("Recruitment task")
    BRAND = "brand", _("Brand task")
    DEPOSIT = "deposit", _("Deposit order")


class OrderStatus(models.TextChoices):
    """DESIGN §4."""

    PENDING_PAYMENT = "pending_payment", _("Pending payment")
    AWAITING_ACCEPTANCE = "awaiting_acceptance", _("Awaiting acceptance")
    AWAITING_BALANCE = "awaiting_balance", _("Awaiting balance payment")
    IN_PRODUCTION = "in_production", _("In production")
    DELIVERED = "delivered", _("Delivered")
    DISPUTED = "disputed", _("Disputed")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")
    OVERDUE_UNDELIVERED = "overdue_undelivered", _("Overdue, not delivered")
    FORFEITED = "forfeited", _("Deposit forfeited")
    REFUNDED = "refunded", _("Refunded")


TERMINAL_ORDER_STATUSES = frozenset(
    {
        OrderStatus.COMPLETED,
        OrderStatus.DECLINED,
        OrderStatus.EXPIRED,
        OrderStatus.CANCELLED,
        OrderStatus.OVERDUE_UNDELIVERED,
        OrderStatus.FORFEITED,
        OrderStatus.REFUNDED,
    }
)


# --- the rules' numbers -------------------------------------------------------------------

ACCEPTANCE_WINDOW = timedelta(hours=72)  # T5
DEPOSIT_ACCEPTANCE_WINDOW = timedelta(hours=24)  # T40
BALANCE_WINDOW = timedelta(days=7)  # T42
AUTO_CONFIRM_WINDOW = timedelta(days=7)  # T54
PLAZA_PAYMENT_WINDOW = timedelta(days=7)  # T13
REVISION_GRACE = timedelta(days=3)  # T53
MAX_REVISIONS = 2  # T53
PRICE_CHANGE_LIMIT_PERCENT = 20  # T41
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
    PENDING = "pending", _("Pending")
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


def _is_deposit(order: Order) -> bool:
    return order.kind == OrderKind.DEPOSIT


def _revisions_left(order: Order) -> bool:
    return order.revisions_used < MAX_REVISIONS


class Order(ConcurrentTransitionMixin, models.Model):
    """A merchant's purchase of one piece of content from one creator (DESIGN §4).

    The ledger (escrow app) keeps one escrow account per order. Every due time the sweeper
    needs is an indexed column here; the services compare against them too (D3).
    """

    kind = models.CharField(_("kind"), max_length=12, choices=OrderKind.choices)
    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    shop = models.ForeignKey(
        "marketplace.MerchantShop", on_delete=models.PROTECT, related_name="orders"
    )
    creator = models.ForeignKey(
        "marketplace.CreatorProfile", on_delete=models.PROTECT, related_name="orders"
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    price_fen = models.PositiveBigIntegerField(_("price (fen)"))
    fee_rate_bp = models.PositiveIntegerField(
        _("fee rate (basis points)"), help_text=_("1000 = 10%; stored when the order is created.")
    )
    fee_fen = models.PositiveBigIntegerField(_("fee (fen)"))
    # T41/T42: a deposit order remembers the original price and the deposit it took.
    original_price_fen = models.PositiveBigIntegerField(_("original price (fen)"), default=0)
    deposit_fen = models.PositiveBigIntegerField(_("deposit (fen)"), default=0)
    price_restored = models.BooleanField(_("original price restored"), default=False)
    revisions_used = models.PositiveSmallIntegerField(_("revisions used"), default=0)

    status = FSMField(
        _("status"),
        max_length=24,
        choices=OrderStatus.choices,
        default=OrderStatus.PENDING_PAYMENT,
        protected=True,
        db_index=True,
    )
    # Due times (D1, D3). Each is set when its clock starts and cleared when it stops.
    acceptance_deadline = models.DateTimeField(_("accept by"), null=True, blank=True)
    balance_deadline = models.DateTimeField(_("pay balance by"), null=True, blank=True)
    delivery_deadline = models.DateTimeField(_("deliver by"), null=True, blank=True)
    auto_confirm_at = models.DateTimeField(_("confirmed automatically at"), null=True, blank=True)

    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        # Z3: an ops power of its own, beyond Django's add/change/view
        permissions = [
            ("apply_order_deadline", "Can apply an order's due deadline now"),
            ("view_ops_dashboard", "Can view the ops dashboard"),
        ]
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["shop", "-created_at"]),
            models.Index(fields=["creator", "-created_at"]),
            # one index per deadline the sweeper scans (D1): status first, then the due time
            models.Index(fields=["status", "acceptance_deadline"], name="order_acceptance_due_idx"),
            models.Index(fields=["status", "balance_deadline"], name="order_balance_due_idx"),
            models.Index(fields=["status", "delivery_deadline"], name="order_delivery_due_idx"),
            models.Index(fields=["status", "auto_confirm_at"], name="order_confirm_due_idx"),
            # G2: the monthly assessment counts the orders completed (closed) in a month.
            models.Index(fields=["status", "closed_at"], name="order_closed_idx"),
        ]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}".strip()

    # The apps below tasks (escrow, parties) read this through their relation to the order
    # (`Account.order`, `MerchantShop.orders`): a model property, never an import of tasks.
    TERMINAL_STATUSES = TERMINAL_ORDER_STATUSES

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_ORDER_STATUSES

    @property
    def total_fen(self) -> int:
        return self.price_fen + self.fee_fen

    @property
    def is_deposit(self) -> bool:
        return _is_deposit(self)

    @property
    def price_band(self) -> tuple[int, int]:
        """T41: the lowest and highest whole-fen prices a deposit order may be accepted at,
        within ±PRICE_CHANGE_LIMIT_PERCENT of the original price (the low end rounded up, the
        high end down, so every price in the band is allowed). The one rule the order page
        offers and the service checks."""
        original = self.original_price_fen
        low = -(-original * (100 - PRICE_CHANGE_LIMIT_PERCENT) // 100)
        high = original * (100 + PRICE_CHANGE_LIMIT_PERCENT) // 100
        return low, high

    @property
    def balance_due_fen(self) -> int:
        """T42: final price + fee on the final price − the deposit already held."""
        return self.price_fen + self.fee_fen - self.deposit_fen

    def _end(self, at) -> None:
        self.closed_at = at
        self.acceptance_deadline = self.balance_deadline = None
        self.auto_confirm_at = None

    # --- transitions (DESIGN §4); `by` is the acting user for the log (T70) ---------------

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=OrderStatus.PENDING_PAYMENT,
        target=RETURN_VALUE(OrderStatus.AWAITING_ACCEPTANCE, OrderStatus.IN_PRODUCTION),
    )
    def pay(self, *, at, by=None, description=None) -> str:
        """Brand orders go straight to production (the proposer agreed by proposing); the others
        wait for the creator: 72 hours, 24 for a deposit, never past the delivery deadline."""
        self.paid_at = at
        if self.kind == OrderKind.BRAND:
            return OrderStatus.IN_PRODUCTION
        window = DEPOSIT_ACCEPTANCE_WINDOW if self.is_deposit else ACCEPTANCE_WINDOW
        self.acceptance_deadline = min(at + window, self.delivery_deadline)
        return OrderStatus.AWAITING_ACCEPTANCE

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=OrderStatus.AWAITING_ACCEPTANCE,
        target=RETURN_VALUE(OrderStatus.IN_PRODUCTION, OrderStatus.AWAITING_BALANCE),
    )
    def accept(self, *, at, by=None, description=None) -> str:
        self.accepted_at = at
        self.acceptance_deadline = None
        if self.is_deposit:
            self.balance_deadline = at + BALANCE_WINDOW
            return OrderStatus.AWAITING_BALANCE
        return OrderStatus.IN_PRODUCTION

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=OrderStatus.AWAITING_ACCEPTANCE, target=OrderStatus.DECLINED)
    def decline(self, *, at, by=None, description=None) -> None:
        self._end(at)

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=OrderStatus.AWAITING_ACCEPTANCE, target=OrderStatus.EXPIRED)
    def expire(self, *, at, by=None, description=None) -> None:
        self._end(at)

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[OrderStatus.PENDING_PAYMENT, OrderStatus.AWAITING_ACCEPTANCE],
        target=OrderStatus.CANCELLED,
    )
    def cancel(self, *, at, by=None, description=None) -> None:
        self._end(at)

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=OrderStatus.AWAITING_BALANCE, target=OrderStatus.IN_PRODUCTION)
    def pay_balance(self, *, at, by=None, description=None) -> None:
        self.balance_deadline = None

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=OrderStatus.AWAITING_BALANCE, target=OrderStatus.FORFEITED)
    def forfeit(self, *, at, by=None, description=None) -> None:
        self._end(at)

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=OrderStatus.IN_PRODUCTION, target=OrderStatus.DELIVERED)
    def deliver(self, *, at, by=None, description=None) -> None:
        self.delivered_at = at
        self.auto_confirm_at = at + AUTO_CONFIRM_WINDOW

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=OrderStatus.DELIVERED,
        target=OrderStatus.IN_PRODUCTION,
        conditions=[_revisions_left],
    )
    def request_revision(self, *, new_deadline, by=None, description=None) -> None:
        self.revisions_used += 1
        self.delivery_deadline = new_deadline
        self.auto_confirm_at = None

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=OrderStatus.DELIVERED, target=OrderStatus.COMPLETED)
    def confirm(self, *, at, by=None, description=None) -> None:
        self._end(at)

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status, source=OrderStatus.IN_PRODUCTION, target=OrderStatus.OVERDUE_UNDELIVERED
    )
    def mark_overdue(self, *, at, by=None, description=None) -> None:
        self._end(at)

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[OrderStatus.IN_PRODUCTION, OrderStatus.DELIVERED],
        target=OrderStatus.DISPUTED,
    )
    def open_dispute(self, *, at, by=None, description=None) -> None:
        # T61: every clock stops while ops decide.
        self.auto_confirm_at = None

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=OrderStatus.DISPUTED,
        target=RETURN_VALUE(OrderStatus.COMPLETED, OrderStatus.REFUNDED),
    )
    def resolve(self, *, at, outcome: str, by=None, description=None) -> str:
        self._end(at)
        return OrderStatus.COMPLETED if outcome == DisputeOutcome.RELEASE else OrderStatus.REFUNDED


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


class DisputeGround(models.TextChoices):
    NOT_AS_BRIEFED = "not_as_briefed", _("Not as briefed")
    QUALITY = "quality", _("Quality")
    NOT_DELIVERED = "not_delivered", _("Not delivered")
    NO_RESPONSE = "no_response", _("The other side does not respond")
    JOINT_CONTENT = "joint_content", _("Features other merchants' products")
    OTHER = "other", _("Other")


class DisputeOutcome(models.TextChoices):
    RELEASE = "release", _("Release to the creator")
    REFUND = "refund", _("Refund the merchant")
    SPLIT = "split", _("Split by an amount")


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
