"""The order (DESIGN §4): its kinds, its states and every transition between them, and the
windows each state is given (T4–T62). Transitions change only their own row and check their
guard; the services (tasks.services) lock rows, move money and notify around them. Each
transition is logged by django-fsm-log with who and when (T70)."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from .tasks import Task


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


ACCEPTANCE_WINDOW = timedelta(hours=72)  # T5


DEPOSIT_ACCEPTANCE_WINDOW = timedelta(hours=24)  # T40


BALANCE_WINDOW = timedelta(days=7)  # T42


AUTO_CONFIRM_WINDOW = timedelta(days=7)  # T54


REVISION_GRACE = timedelta(days=3)  # T53


MAX_REVISIONS = 2  # T53


PRICE_CHANGE_LIMIT_PERCENT = 20  # T41


def _is_deposit(order: Order) -> bool:
    return order.kind == OrderKind.DEPOSIT


def _revisions_left(order: Order) -> bool:
    return order.revisions_used < MAX_REVISIONS


class DeclineReason(models.TextChoices):
    """Why a creator declines an order (issue 21: the merchant is told). Stored as its code;
    shown in the reader's language."""

    SCHEDULE = "schedule", _("My schedule is full")
    PRICE = "price", _("The price does not suit me")
    FIT = "fit", _("It does not fit my content")
    BRIEF = "brief", _("The brief is unclear")
    OTHER = "other", _("Another reason")


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
