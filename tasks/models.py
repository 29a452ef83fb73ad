from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField


class ContentType(models.TextChoices):
    """T1: the kinds of content a merchant can buy."""

    IMAGE_TEXT = "image_text", _("Image & text")
    VIDEO = "video", _("Short video")
    LIVE = "live", _("Live stream")
    LIVE_SPONSORSHIP = "live_sponsorship", _("Live sponsorship")


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
        from django.utils.translation import get_language

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


class Order(ConcurrentTransitionMixin, models.Model):
    """A merchant's purchase of one piece of content from one creator.

    The ledger (escrow app) keeps one escrow account per order. The lifecycle transitions of
    DESIGN §4 are added by the task-and-order work; what is here is what money needs: who pays,
    who is paid, the price and the fee rate in force when the order was created (E10).
    """

    kind = models.CharField(_("kind"), max_length=12, choices=OrderKind.choices)
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
    status = FSMField(
        _("status"),
        max_length=24,
        choices=OrderStatus.choices,
        default=OrderStatus.PENDING_PAYMENT,
        protected=True,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["shop", "-created_at"]),
            models.Index(fields=["creator", "-created_at"]),
        ]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}".strip()

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_ORDER_STATUSES

    @property
    def total_fen(self) -> int:
        return self.price_fen + self.fee_fen
