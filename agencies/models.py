"""The parties of the marketplace: users, tenants (organizations) and their memberships,
merchant shops, creators and MCN agencies.

Tenancy (A2): an Organization is a tenant. Shops, agencies and providers each hang off one
organization; users reach them only through a Membership.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parties.models import Category, CreatorProfile, Organization, User


class AgencyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPELLED = "expelled", _("Expelled")


class Agency(models.Model):
    """An MCN agency (机构): a tenant that signs creators."""

    organization = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="agency"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AgencyStatus.choices, default=AgencyStatus.ACTIVE
    )
    # G2–G4: points deducted in `points_year` (Beijing calendar year). The assessments are the
    # truth; this copy is what lists show, and the G4 job zeroes it on 1 January.
    points = models.PositiveSmallIntegerField(_("points deducted this year"), default=0)
    points_year = models.PositiveSmallIntegerField(_("points year"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "marketplace_agency"  # moved from the parties app, table kept
        ordering = ["id"]
        verbose_name = _("MCN agency")
        verbose_name_plural = _("MCN agencies")

    def __str__(self) -> str:
        return self.organization.name

    @property
    def name(self) -> str:
        return self.organization.name

    @property
    def is_expelled(self) -> bool:
        """G3: read by tasks (T30 proposals, brand work) through a creator's or a proposal's
        `agency` relation; tasks sit below agencies and never import this model."""
        return self.status == AgencyStatus.EXPELLED


class ContractStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACTIVE = "active", _("Signed")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Invitation withdrawn")
    ENDED = "ended", _("Ended")


class AgencyContract(models.Model):
    """C3: an agency's invitation to a creator and, once accepted, the signing contract.

    Rows are never deleted, so the history of who signed whom stays.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="contracts")
    creator = models.ForeignKey(CreatorProfile, on_delete=models.PROTECT, related_name="contracts")
    status = models.CharField(
        _("status"), max_length=10, choices=ContractStatus.choices, default=ContractStatus.INVITED
    )
    message = models.CharField(_("message"), max_length=200, blank=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    end_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        # Z3: an ops power of its own, beyond Django's add/change/view
        db_table = "marketplace_agencycontract"  # moved from the parties app, table kept
        permissions = [
            ("end_agencycontract", "Can end agency contracts by an ops decision"),
        ]
        ordering = ["-invited_at", "-id"]
        constraints = [
            # A creator is signed to at most one agency at a time.
            models.UniqueConstraint(
                fields=["creator"],
                condition=Q(status="active"),
                name="one_active_contract_per_creator",
            ),
            # One open invitation per agency and creator.
            models.UniqueConstraint(
                fields=["agency", "creator"],
                condition=Q(status="invited"),
                name="one_open_invitation",
            ),
        ]
        verbose_name = _("agency contract")
        verbose_name_plural = _("agency contracts")

    def __str__(self) -> str:
        return f"{self.agency} ↔ {self.creator} ({self.status})"


class LiveSessionSource(models.TextChoices):
    API = "api", _("Data feed (API)")
    CSV = "csv", _("CSV import")


class LiveSession(models.Model):
    """G1: one live session (直播场次) as the platform's data feed reports it.

    `platform_session_id` is the feed's own id: a batch sent twice changes nothing, a corrected
    row (a refund that came later) updates the figures. `is_counted` is fixed when the row is
    written: a session of 30 minutes or more counts as one session.
    """

    platform_session_id = models.CharField(_("platform session id"), max_length=64, unique=True)
    creator = models.ForeignKey(
        CreatorProfile, on_delete=models.PROTECT, related_name="live_sessions"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"))
    is_counted = models.BooleanField(_("counted (30 min or more)"))
    gmv_fen = models.PositiveBigIntegerField(_("GMV (fen)"))
    refund_fen = models.PositiveBigIntegerField(_("refunds (fen)"), default=0)
    source = models.CharField(_("source"), max_length=4, choices=LiveSessionSource.choices)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "marketplace_livesession"  # moved from the parties app, table kept
        ordering = ["-started_at", "-id"]
        indexes = [
            # The monthly assessment reads one month of sessions per creator.
            models.Index(fields=["started_at", "creator"], name="live_session_month_idx"),
            models.Index(fields=["creator", "-started_at"], name="live_session_creator_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gt=models.F("started_at")), name="live_session_ends_after"
            ),
            models.CheckConstraint(
                condition=Q(refund_fen__lte=models.F("gmv_fen")), name="live_refund_within_gmv"
            ),
        ]
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")

    def __str__(self) -> str:
        return self.platform_session_id


class AgencyAssessment(models.Model):
    """G2: one agency's monthly assessment (月度考核). One row per agency and month, so a rerun
    of the month rewrites the figures and never deducts twice.

    The 40 points count toward the calendar year (Beijing) in which they were deducted
    (`points_year`); G4 resets the count on 1 January. An appeal that is granted voids them.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="assessments")
    month = models.DateField(_("month"), help_text=_("The first day of the assessed month."))
    signed_count = models.PositiveIntegerField(_("signed creators at month end"))
    roster_count = models.PositiveIntegerField(_("creators signed during the month"))
    active_count = models.PositiveIntegerField(_("active creators"))
    activity_rate_bp = models.PositiveIntegerField(_("activity rate (basis points)"))
    passed = models.BooleanField(_("passed"))
    # Why it failed; both can be true.
    is_short_of_creators = models.BooleanField(_("fewer than 5 signed creators"), default=False)
    is_below_activity = models.BooleanField(_("activity rate below 70%"), default=False)
    points_deducted = models.PositiveSmallIntegerField(_("points deducted"), default=0)
    points_year = models.PositiveSmallIntegerField(_("points count in year"))
    is_voided = models.BooleanField(_("voided by appeal"), default=False)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        db_table = "marketplace_agencyassessment"  # moved from the parties app, table kept
        ordering = ["-month", "agency_id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "month"], name="one_assessment_per_month")
        ]
        indexes = [models.Index(fields=["agency", "points_year"], name="assessment_year_idx")]
        verbose_name = _("monthly assessment")
        verbose_name_plural = _("monthly assessments")

    def __str__(self) -> str:
        return f"{self.agency_id} {self.month:%Y-%m}"

    @property
    def activity_rate_percent(self) -> str:
        return f"{self.activity_rate_bp / 100:.2f}%"


class ExpulsionEnd(models.TextChoices):
    APPEAL_GRANTED = "appeal_granted", _("Appeal granted")
    READMITTED = "readmitted", _("Re-admitted after 180 days")


class AgencyExpulsion(models.Model):
    """G3: an agency expelled (清退) for reaching 120 points in a year. It cannot operate and
    cannot be re-admitted before `readmissible_at` (180 days later); one appeal (AgencyAppeal)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="expulsions")
    assessment = models.ForeignKey(
        AgencyAssessment, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    points = models.PositiveSmallIntegerField(_("points at expulsion"))
    expelled_at = models.DateTimeField(_("expelled at"))
    readmissible_at = models.DateTimeField(_("re-admission possible from"))
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    lift_reason = models.CharField(
        _("how it ended"), max_length=20, choices=ExpulsionEnd.choices, blank=True
    )

    class Meta:
        # Z3: an ops power of its own, beyond Django's add/change/view
        db_table = "marketplace_agencyexpulsion"  # moved from the parties app, table kept
        permissions = [
            ("readmit_agency", "Can re-admit expelled agencies"),
        ]
        ordering = ["-expelled_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency"], condition=Q(lifted_at__isnull=True), name="one_open_expulsion"
            )
        ]
        verbose_name = _("expulsion")
        verbose_name_plural = _("expulsions")

    def __str__(self) -> str:
        return f"{self.agency} {self.expelled_at:%Y-%m-%d}"


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    GRANTED = "granted", _("Granted")
    REJECTED = "rejected", _("Rejected")


class AgencyAppeal(models.Model):
    """G3: the one appeal against an expulsion; ops decide it in the admin."""

    expulsion = models.OneToOneField(
        AgencyExpulsion, on_delete=models.PROTECT, related_name="appeal"
    )
    reason = models.TextField(_("grounds"), max_length=4000)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"))
    status = models.CharField(
        _("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision"), max_length=500, blank=True)

    class Meta:
        # Z3: an ops power of its own, beyond Django's add/change/view
        db_table = "marketplace_agencyappeal"  # moved from the parties app, table kept
        permissions = [
            ("decide_agencyappeal", "Can decide agency appeals"),
        ]
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    def __str__(self) -> str:
        return f"{self.expulsion} ({self.status})"


class AgencyComplaint(models.Model):
    """G6: a complaint against an agency that ops record; while open the agency gets no
    focus slot."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="complaints")
    summary = models.CharField(_("summary"), max_length=300)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        # Z3: an ops power of its own, beyond Django's add/change/view
        db_table = "marketplace_agencycomplaint"  # moved from the parties app, table kept
        permissions = [
            ("resolve_agencycomplaint", "Can resolve agency complaints"),
        ]
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["agency", "resolved_at"], name="complaint_open_idx")]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return self.summary


class VerticalEligibility(models.Model):
    """G5: whether an agency is a vertical agency (垂直机构) for one category in one month.

    Computed with the assessment; the focus slots of the next month rank the eligible rows.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="verticals")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    qualifying_creators = models.PositiveIntegerField(_("creators of this vertical (20+ sessions)"))
    vertical_gmv_fen = models.PositiveBigIntegerField(_("vertical GMV (fen)"))
    total_gmv_fen = models.PositiveBigIntegerField(_("agency GMV (fen)"))
    is_eligible = models.BooleanField(_("eligible"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        db_table = "marketplace_verticaleligibility"  # moved from the parties app, table kept
        ordering = ["-month", "category_id", "-vertical_gmv_fen"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "category", "month"], name="one_eligibility_per_vertical_month"
            )
        ]
        indexes = [
            models.Index(
                fields=["month", "category", "-vertical_gmv_fen"], name="vertical_rank_idx"
            )
        ]
        verbose_name = _("vertical eligibility")
        verbose_name_plural = _("vertical eligibility")

    def __str__(self) -> str:
        return f"{self.agency_id} {self.category_id} {self.month:%Y-%m}"

    @property
    def share_percent(self) -> str:
        if not self.total_gmv_fen:
            return "0.00%"
        return f"{self.vertical_gmv_fen * 100 / self.total_gmv_fen:.2f}%"


class FocusHourStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ASSIGNED = "assigned", _("Creators assigned")
    UNFILLED = "unfilled", _("Nobody left in line")


class FocusHour(models.Model):
    """G6: one hour (10:00 or 11:00, Beijing) of a vertical's focus banner (焦点图) on one day."""

    day = models.DateField(_("day"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("starts at"))
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="focus_hours", null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=FocusHourStatus.choices, default=FocusHourStatus.OFFERED
    )
    respond_by = models.DateTimeField(_("assign creators by"), null=True, blank=True)
    # The month of the G5 figures the line was ranked on; the creators of the vertical are
    # read from the same month when the holder assigns its slots.
    basis_month = models.DateField(_("ranked on the month"), null=True, blank=True)

    class Meta:
        db_table = "marketplace_focushour"  # moved from the parties app, table kept
        ordering = ["day", "category_id", "starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "starts_at"], name="one_focus_hour_per_vertical"
            ),
            # Each winner gets one hour of the day's banner of a vertical.
            models.UniqueConstraint(
                fields=["day", "category", "agency"], name="one_focus_hour_per_agency_day"
            ),
        ]
        indexes = [models.Index(fields=["status", "respond_by"], name="focus_offer_due_idx")]
        verbose_name = _("focus hour")
        verbose_name_plural = _("focus hours")

    def __str__(self) -> str:
        return f"{self.category} {self.starts_at:%Y-%m-%d %H:%M}"


class FocusOfferStatus(models.TextChoices):
    WAITING = "waiting", _("In line")
    OFFERED = "offered", _("Offered an hour")
    ACCEPTED = "accepted", _("Creators assigned")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Did not answer in time")
    SKIPPED = "skipped", _("Skipped")


class FocusSkipReason(models.TextChoices):
    """Stored as a code, shown in each reader's language."""

    EXPELLED = "expelled", _("Agency expelled")
    DISPUTE_OR_COMPLAINT = "blocked", _("Open dispute or complaint")
    TOO_FEW_CREATORS = "too_few_creators", _("Fewer than 5 creators of this vertical")


class FocusOffer(models.Model):
    """G6: an eligible agency's place in a vertical's line for one day, ranked by vertical GMV.
    The line is written once by the daily job; a declined hour passes down it."""

    day = models.DateField(_("day"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="focus_offers")
    rank = models.PositiveIntegerField(_("rank"))
    vertical_gmv_fen = models.PositiveBigIntegerField(_("vertical GMV (fen)"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=FocusOfferStatus.choices,
        default=FocusOfferStatus.WAITING,
    )
    hour = models.ForeignKey(
        FocusHour, on_delete=models.PROTECT, related_name="offers", null=True, blank=True
    )
    note = models.CharField(
        _("why skipped"), max_length=20, choices=FocusSkipReason.choices, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        db_table = "marketplace_focusoffer"  # moved from the parties app, table kept
        ordering = ["day", "category_id", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "category", "agency"], name="one_offer_per_agency_day"
            ),
            models.UniqueConstraint(fields=["day", "category", "rank"], name="one_rank_per_line"),
        ]
        verbose_name = _("focus slot offer")
        verbose_name_plural = _("focus slot offers")

    def __str__(self) -> str:
        return f"#{self.rank} {self.agency_id} {self.day}"


class ThemeProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    SELECTED = "selected", _("Selected")
    NOT_SELECTED = "not_selected", _("Not selected")


class ThemeProposal(models.Model):
    """G7: an agency's theme activity proposal for next month (submitted the 10th–18th)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="theme_proposals")
    month = models.DateField(_("for month"), help_text=_("The first day of the activity month."))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("theme"), max_length=100)
    plan = models.TextField(_("plan"), max_length=4000)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ThemeProposalStatus.choices,
        default=ThemeProposalStatus.SUBMITTED,
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        # Z3: an ops power of its own, beyond Django's add/change/view
        db_table = "marketplace_themeproposal"  # moved from the parties app, table kept
        permissions = [
            ("decide_themeproposal", "Can select or pass over theme proposals"),
        ]
        ordering = ["-month", "-submitted_at", "-id"]
        indexes = [models.Index(fields=["month", "status"], name="theme_proposal_month_idx")]
        verbose_name = _("theme activity proposal")
        verbose_name_plural = _("theme activity proposals")

    def __str__(self) -> str:
        return self.title


class FocusSlot(models.Model):
    """G6/G7: one place on a focus hour, given to one creator. Agency slots are positions
    1–N of the hour its holder won; a selected theme proposal (G7) adds one more place."""

    hour = models.ForeignKey(FocusHour, on_delete=models.PROTECT, related_name="slots")
    position = models.PositiveSmallIntegerField(_("position"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    creator = models.ForeignKey(CreatorProfile, on_delete=models.PROTECT, related_name="+")
    theme_proposal = models.OneToOneField(
        ThemeProposal,
        on_delete=models.PROTECT,
        related_name="slot",
        null=True,
        blank=True,
    )
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        db_table = "marketplace_focusslot"  # moved from the parties app, table kept
        ordering = ["hour_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["hour", "position"], name="one_creator_per_position"),
            models.UniqueConstraint(fields=["hour", "creator"], name="creator_once_per_hour"),
        ]
        verbose_name = _("focus slot")
        verbose_name_plural = _("focus slots")

    def __str__(self) -> str:
        return f"{self.hour} #{self.position}"
