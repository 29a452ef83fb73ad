"""视频号 live-commerce incentives (DESIGN I1–I10): live accounts, programs and their monthly
budgets, and the coupon book.

The coupon book is a double-entry ledger like the money ledger (E2): every grant, use, return,
expiry, void and clawback is one balanced `CouponTransaction` of `CouponEntry` lines between
`CouponAccount`s, append-only (PostgreSQL triggers, migration 0002), with cached balances that a
database check keeps at or above zero for every account but the explicit source and debt
accounts. A program-month's budget is an account: opening the month moves its budget from the
month's issue account (the only source) into its budget account; a reservation moves coupons on
to the month's reserved account, a grant into a live account's wallet. Nothing can be granted
or reserved that the budget account does not hold (I4), and each grant names its cause once
(`CouponTransaction.cause` is unique), so a rerun or a second worker never grants twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProgramCode(models.TextChoices):
    COLD_START = "cold_start", _("Cold start")
    GROWTH = "growth", _("Growth")
    BENCHMARK = "benchmark", _("Benchmark case")


class LiveAccount(models.Model):
    """I1: one 视频号 account, bound by a creator or by a merchant shop (one each)."""

    finder_id = models.CharField(_("finder id"), max_length=64, unique=True)
    nickname = models.CharField(_("nickname"), max_length=60)
    has_brand_mark = models.BooleanField(_("brand mark (品牌标)"), default=False)
    creator = models.OneToOneField(
        "marketplace.CreatorProfile",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="live_account",
    )
    shop = models.OneToOneField(
        "marketplace.MerchantShop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="live_account",
    )
    bound_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    bound_at = models.DateTimeField(_("bound at"), auto_now_add=True)
    # I10: cheating bars the account from every program, for good.
    barred_at = models.DateTimeField(_("barred from the programs at"), null=True, blank=True)
    # I9: no new grant (and no cold start, I2) until then.
    restricted_until = models.DateTimeField(_("restricted until"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(creator__isnull=False) & Q(shop__isnull=True))
                | (Q(creator__isnull=True) & Q(shop__isnull=False)),
                name="live_account_one_owner",
            )
        ]
        verbose_name = _("视频号 live account")
        verbose_name_plural = _("视频号 live accounts")

    def __str__(self) -> str:
        return f"{self.nickname} ({self.finder_id})"


class Program(models.Model):
    """I4–I7: a program and its policy, edited by ops in the admin. The month's budget is copied
    from `monthly_budget` when the month opens; a change applies from the next month."""

    code = models.CharField(_("program"), max_length=12, choices=ProgramCode.choices, unique=True)
    monthly_budget = models.PositiveIntegerField(_("monthly budget (coupons)"))
    coupon_days = models.PositiveSmallIntegerField(_("coupons expire after (days)"), default=30)
    is_active = models.BooleanField(_("active"), default=True)
    # The program's own parameters (the cold-start stages, the benchmark pool …), editable as
    # one JSON object; incentives.policy gives the defaults and checks a change.
    policy = models.JSONField(_("policy"), default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("incentive program")
        verbose_name_plural = _("incentive programs")
        permissions = [
            ("decide_incentiveapplication", "Can approve or reject incentive applications"),
            ("confirm_incentive_violation", "Can confirm complaints, counterfeits and cheating"),
            ("grant_coupons", "Can grant coupons from a program's budget by hand"),
        ]

    def __str__(self) -> str:
        return str(self.get_code_display())


class GrowthTierKind(models.TextChoices):
    ACTIVITY = "activity", _("Lives of 2 hours or more")
    GMV = "gmv", _("Live GMV net of refunds")


class GrowthTier(models.Model):
    """I6: one task of the growth program, as an editable policy row: reach `threshold` (lives,
    or fen of GMV net of refunds) in the month and earn `coupons`. Of the GMV tiers only the
    highest reached pays; the activity award adds to it."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="tiers")
    kind = models.CharField(_("kind"), max_length=10, choices=GrowthTierKind.choices)
    threshold = models.PositiveBigIntegerField(_("threshold"))
    coupons = models.PositiveIntegerField(_("coupons"))

    class Meta:
        ordering = ["program", "kind", "threshold"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "kind", "threshold"], name="one_tier_per_threshold"
            )
        ]
        verbose_name = _("growth tier")
        verbose_name_plural = _("growth tiers")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ≥ {self.threshold}: {self.coupons}"


class ProgramMonth(models.Model):
    """I4: a program's budget for one Beijing calendar month, opened on first use."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="months")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    budget = models.PositiveIntegerField(_("budget (coupons)"))
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        ordering = ["-month", "program"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "month"], name="one_budget_per_program_month"
            )
        ]
        verbose_name = _("program month")
        verbose_name_plural = _("program months")

    def __str__(self) -> str:
        return f"{self.program} {self.month:%Y-%m}"


# --- the coupon book (I8) ---------------------------------------------------------------------


class CouponAccountKind(models.TextChoices):
    ISSUE = "issue", _("Issued budget (source)")  # per program-month; the only negative source
    BUDGET = "budget", _("Budget remaining")  # per program-month
    RESERVED = "reserved", _("Reserved")  # per program-month
    WALLET = "wallet", _("Coupon wallet")  # per live account
    DEBT = "debt", _("Coupon debt")  # per live account; negative while coupons are owed (I10)
    HEATING = "heating", _("In a heating order")  # per live account
    SPENT = "spent", _("Used for heating")  # one
    EXPIRED = "expired", _("Expired")  # one
    VOID = "void", pgettext_lazy("coupons", "Voided")  # one


NEGATIVE_ALLOWED = (CouponAccountKind.ISSUE, CouponAccountKind.DEBT)


class CouponAccount(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=CouponAccountKind.choices)
    program_month = models.ForeignKey(
        ProgramMonth, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts"
    )
    live_account = models.ForeignKey(
        LiveAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts"
    )
    # A cache of the sum of the entries; `reconcile` proves it (E9 for coupons).
    balance = models.BigIntegerField(_("balance (coupons)"), default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            # One account of a kind per owner: a program-month, a live account, or none (the
            # shared sinks). Three partial constraints, which every database enforces.
            models.UniqueConstraint(
                fields=["kind", "program_month"],
                condition=Q(program_month__isnull=False),
                name="one_coupon_account_per_month",
            ),
            models.UniqueConstraint(
                fields=["kind", "live_account"],
                condition=Q(live_account__isnull=False),
                name="one_coupon_account_per_live_account",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(program_month__isnull=True, live_account__isnull=True),
                name="one_shared_coupon_account",
            ),
            models.CheckConstraint(
                condition=Q(balance__gte=0) | Q(kind__in=["issue", "debt"]),
                name="coupon_balance_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(balance__lte=0) | ~Q(kind="debt"),
                name="coupon_debt_not_positive",
            ),
        ]
        verbose_name = _("coupon account")
        verbose_name_plural = _("coupon accounts")

    def __str__(self) -> str:
        owner = self.program_month or self.live_account or ""
        return f"{self.get_kind_display()} {owner}".strip()


class CouponTransactionKind(models.TextChoices):
    FUND = "fund", _("Month opened")
    RESERVE = "reserve", _("Reserved")
    RELEASE = "release", _("Reservation returned")
    GRANT = "grant", pgettext_lazy("coupons", "Granted")
    USE = "use", _("Used for heating")
    RETURN = "return", _("Returned from heating")
    SPEND = "spend", _("Heating delivered")
    EXPIRY = "expiry", _("Expired")
    VOID = "void", pgettext_lazy("coupons", "Voided")
    CLAWBACK = "clawback", _("Clawed back")
    SETOFF = "setoff", _("Set off against the debt")


class CouponTransaction(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=CouponTransactionKind.choices)
    live_account = models.ForeignKey(
        LiveAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="coupon_moves"
    )
    program_month = models.ForeignKey(
        ProgramMonth, on_delete=models.PROTECT, null=True, blank=True, related_name="moves"
    )
    # What caused it, once: "cold_start:12:stage:2", "growth:2026-10:7:gmv" … A second
    # transaction with the same cause is refused by the database, so nothing is granted twice.
    cause = models.CharField(_("cause"), max_length=80, unique=True)
    # Shown to the account: a reason code and its parameters, rendered in the reader's language.
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["live_account", "-created_at"], name="coupon_move_account_idx")
        ]
        verbose_name = _("coupon transaction")
        verbose_name_plural = _("coupon transactions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.cause}"


class CouponLot(models.Model):
    """The coupons of one grant in a wallet: they expire together, the oldest are used first
    (I8). Benchmark tranche coupons serve the one live they were granted for (I7)."""

    live_account = models.ForeignKey(LiveAccount, on_delete=models.PROTECT, related_name="lots")
    program_month = models.ForeignKey(ProgramMonth, on_delete=models.PROTECT, related_name="lots")
    grant = models.OneToOneField(CouponTransaction, on_delete=models.PROTECT, related_name="lot")
    amount = models.PositiveIntegerField(_("granted"))
    remaining = models.PositiveIntegerField(_("unused"))
    expires_at = models.DateTimeField(_("expires at"))
    for_session = models.CharField(_("only for the live"), max_length=64, blank=True)

    class Meta:
        ordering = ["expires_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__lte=models.F("amount")), name="lot_within_grant"
            )
        ]
        indexes = [models.Index(fields=["live_account", "expires_at"], name="lot_fifo_idx")]
        verbose_name = _("coupon lot")
        verbose_name_plural = _("coupon lots")

    def __str__(self) -> str:
        return f"{self.remaining}/{self.amount} until {self.expires_at:%Y-%m-%d}"


class CouponEntry(models.Model):
    transaction = models.ForeignKey(
        CouponTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(CouponAccount, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField(_("amount (coupons)"))
    balance_after = models.BigIntegerField(_("balance after"))

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="coupon_entry_not_zero")]
        verbose_name = _("coupon entry")
        verbose_name_plural = _("coupon entries")

    def __str__(self) -> str:
        return f"{self.account}: {self.amount:+d}"


# --- 视频号 lives and the applications (I1–I3, I5, I7) ------------------------------------------


class ChannelsSession(models.Model):
    """I1: one 视频号 live of an account, as the G1 feed reports it (`platform: shipinhao`): the
    feed sends the same session again while it goes on and when it ends."""

    session_id = models.CharField(_("session id"), max_length=64, unique=True)
    live_account = models.ForeignKey(LiveAccount, on_delete=models.PROTECT, related_name="sessions")
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    viewers = models.PositiveIntegerField(_("viewers"), default=0)
    gmv_fen = models.PositiveBigIntegerField(_("GMV (fen)"), default=0)
    refund_fen = models.PositiveBigIntegerField(_("refunded GMV (fen)"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # I8: the private message with the ended live's data and what it earned, sent once.
    reported_at = models.DateTimeField(_("live report sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["live_account", "started_at"], name="channels_live_idx"),
            # The live-report sweep (I8) reads only the ended lives not reported yet.
            models.Index(
                fields=["ended_at"],
                condition=Q(reported_at__isnull=True, ended_at__isnull=False),
                name="channels_unreported_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(refund_fen__lte=models.F("gmv_fen")), name="channels_refund_within_gmv"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=models.F("started_at")),
                name="channels_ends_after_start",
            ),
        ]
        verbose_name = _("视频号 live")
        verbose_name_plural = _("视频号 lives")

    def __str__(self) -> str:
        return f"{self.live_account_id} {self.started_at:%Y-%m-%d %H:%M}"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class IncentiveApplication(models.Model):
    """I2/I3 (cold start) and I7 (benchmark case): an account's application, reviewed by ops
    within 2–5 mainland business days (never approved automatically)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="applications")
    live_account = models.ForeignKey(
        LiveAccount, on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default="submitted"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    review_due_at = models.DateTimeField(_("review due at"))  # 2 business days (I3)
    review_overdue_at = models.DateTimeField(_("review overdue at"))  # 5 business days (I3)
    proposed_start = models.DateTimeField(_("proposed live start"))
    plan = models.JSONField(_("plan"), default=dict)  # cold start: long-term plan, investment
    # I7, the single-event template of a benchmark case:
    planned_hours = models.DecimalField(
        _("planned hours"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    gmv_target_fen = models.PositiveBigIntegerField(_("GMV target (fen)"), null=True, blank=True)
    goods = models.JSONField(_("goods"), default=list, blank=True)
    # The decision (I3): who, when, why; the agreed start and (I7) the pool.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    agreed_start = models.DateTimeField(_("agreed live start"), null=True, blank=True)
    pool = models.PositiveIntegerField(_("pool (coupons)"), null=True, blank=True)
    program_month = models.ForeignKey(
        ProgramMonth, on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )

    class Meta:
        ordering = ["review_due_at", "id"]
        indexes = [models.Index(fields=["status", "review_due_at"], name="incentive_queue_idx")]
        verbose_name = _("incentive application")
        verbose_name_plural = _("incentive applications")

    def __str__(self) -> str:
        return f"{self.program} · {self.live_account}"


class StageStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved")
    GRANTED = "granted", pgettext_lazy("coupons", "Granted")
    LAPSED = "lapsed", _("Lapsed")
    REVERSED = "reversed", _("Reversed")  # I7: 7 days on, the net GMV no longer meets it


class Stage(models.Model):
    """I5: a stage of a cold-start package (or I7: a tranche of a benchmark pool): reserved at
    approval, granted when its condition is met, lapsed when its deadline passes."""

    application = models.ForeignKey(
        IncentiveApplication, on_delete=models.PROTECT, related_name="stages"
    )
    number = models.PositiveSmallIntegerField(_("stage"))
    coupons = models.PositiveIntegerField(_("coupons"))
    status = models.CharField(
        _("status"), max_length=10, choices=StageStatus.choices, default="reserved"
    )
    due_by = models.DateTimeField(_("to be met by"), null=True, blank=True)
    grant = models.OneToOneField(
        CouponTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="stage"
    )
    settled_at = models.DateTimeField(_("granted or lapsed at"), null=True, blank=True)

    class Meta:
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="one_stage_per_number")
        ]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return f"{self.application_id} #{self.number}: {self.coupons}"


# --- heating orders (I8) ----------------------------------------------------------------------


class HeatingStatus(models.TextChoices):
    RUNNING = "running", _("Heating")
    STOPPED = "stopped", _("Stopped early")
    FINISHED = "finished", _("Finished")


class HeatingOrder(models.Model):
    """I8: a heating order (加热) for the account's own live, paid with coupons only: 0.5 to 6
    hours in half-hour steps. Its coupons sit in the account's heating account until it stops
    (the unused ones return to the lots they came from, with their expiry) or runs out."""

    live_account = models.ForeignKey(
        LiveAccount, on_delete=models.PROTECT, related_name="heating_orders"
    )
    # The live in progress when it was paid, if the feed reported one: its benchmark tranche
    # coupons (I7) can pay only for it.
    session = models.ForeignKey(
        ChannelsSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="heating_orders",
    )
    hours = models.DecimalField(_("hours"), max_digits=3, decimal_places=1)
    coupons = models.PositiveIntegerField(_("coupons paid"))
    used = models.PositiveIntegerField(_("coupons used"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=HeatingStatus.choices, default="running"
    )
    started_at = models.DateTimeField(_("started at"))
    ends_at = models.DateTimeField(_("runs until"))
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "ends_at"], name="heating_sweep_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(coupons__gt=0), name="heating_paid_with_coupons"),
            models.CheckConstraint(
                condition=Q(used__isnull=True) | Q(used__lte=models.F("coupons")),
                name="heating_used_within_paid",
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=0.5) & Q(hours__lte=6), name="heating_half_to_six_hours"
            ),
        ]
        verbose_name = _("heating order")
        verbose_name_plural = _("heating orders")

    def __str__(self) -> str:
        return f"{self.live_account_id} · {self.coupons} · {self.get_status_display()}"


class HeatingLotUse(models.Model):
    """Which lots paid a heating order, so that a stop returns coupons to them (I8)."""

    order = models.ForeignKey(HeatingOrder, on_delete=models.PROTECT, related_name="lot_uses")
    lot = models.ForeignKey(CouponLot, on_delete=models.PROTECT, related_name="heating_uses")
    coupons = models.PositiveIntegerField(_("coupons"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "lot"], name="one_use_per_order_lot"),
            models.CheckConstraint(condition=Q(coupons__gt=0), name="heating_use_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} ← lot {self.lot_id}: {self.coupons}"


# --- growth awards (I6) -----------------------------------------------------------------------


class GrowthAwardStatus(models.TextChoices):
    GRANTED = "granted", pgettext_lazy("coupons", "Granted")
    QUOTA_EXHAUSTED = "quota_exhausted", _("Budget exhausted")


class GrowthAward(models.Model):
    """I6: what an account earned in the growth program for one month (an activity award, a
    GMV award), granted in the order the accounts crossed their threshold. One per month,
    account and kind: a rerun never grants twice. An award the budget could not cover is
    recorded as quota exhausted, and nothing is owed."""

    month = models.DateField(_("month"), help_text=_("The first day of the month evaluated."))
    live_account = models.ForeignKey(
        LiveAccount, on_delete=models.PROTECT, related_name="growth_awards"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=GrowthTierKind.choices)
    threshold = models.PositiveBigIntegerField(_("tier reached"))
    coupons = models.PositiveIntegerField(_("coupons"))
    crossed_at = models.DateTimeField(_("threshold crossed at"))
    status = models.CharField(_("status"), max_length=16, choices=GrowthAwardStatus.choices)
    grant = models.OneToOneField(
        CouponTransaction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="growth_award",
    )
    evaluated_at = models.DateTimeField(_("evaluated at"), auto_now_add=True)

    class Meta:
        ordering = ["-month", "crossed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "live_account", "kind"], name="one_growth_award_per_kind"
            )
        ]
        verbose_name = _("growth award")
        verbose_name_plural = _("growth awards")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.live_account_id} {self.kind}: {self.coupons}"


# --- ops confirmations (I9, I10) --------------------------------------------------------------


class ViolationKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    COUNTERFEIT = "counterfeit", _("Counterfeit goods")
    CLOSED_SHOP = "closed_shop", _("Closed shop")
    CHEATING = "cheating", _("Cheating (fake followers or traffic, emulators, several accounts)")


class ViolationConfirmation(models.Model):
    """I9/I10: a complaint, counterfeit goods, a closed shop or cheating, confirmed by ops with
    the permission `confirm_incentive_violation`; what it restricted or clawed back is in the
    coupon book, with this confirmation as its cause. Append-only (who and when)."""

    live_account = models.ForeignKey(
        LiveAccount, on_delete=models.PROTECT, related_name="violations"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ViolationKind.choices)
    note = models.CharField(_("what was found (shown to the account)"), max_length=500)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"))
    voided = models.PositiveIntegerField(_("unused coupons voided"), default=0)
    clawed_back = models.PositiveIntegerField(_("used coupons turned into debt"), default=0)

    class Meta:
        ordering = ["-confirmed_at", "-id"]
        indexes = [
            models.Index(fields=["live_account", "kind", "confirmed_at"], name="violation_idx")
        ]
        verbose_name = _("confirmed violation")
        verbose_name_plural = _("confirmed violations")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.live_account}"
