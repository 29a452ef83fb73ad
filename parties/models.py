"""The parties of the marketplace: users, tenants (organizations) and their memberships,
merchant shops, creators and MCN agencies.

Tenancy (A2): an Organization is a tenant. Shops, agencies and providers each hang off one
organization; users reach them only through a Membership.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ContentType(models.TextChoices):
    """T1: the kinds of content a merchant can buy."""

    IMAGE_TEXT = "image_text", _("Image & text")
    VIDEO = "video", _("Short video")
    LIVE = "live", _("Live stream")
    LIVE_SPONSORSHIP = "live_sponsorship", _("Live sponsorship")


class Side(models.TextChoices):
    """A1: the side an account takes, once."""

    MERCHANT = "merchant", _("Merchant")
    CREATOR = "creator", _("Creator")


class User(AbstractUser):
    side = models.CharField(
        _("side"),
        max_length=10,
        choices=Side.choices,
        blank=True,
        help_text=_("Chosen once at onboarding (A1); empty for ops, agency or provider staff."),
    )
    side_chosen_at = models.DateTimeField(_("side chosen at"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_merchant(self) -> bool:
        return self.side == Side.MERCHANT

    @property
    def is_creator(self) -> bool:
        return self.side == Side.CREATOR


class OrganizationKind(models.TextChoices):
    SHOP = "shop", _("Merchant shop")
    AGENCY = "agency", _("MCN agency")
    PROVIDER = "provider", _("Service provider")


class Organization(models.Model):
    """A2: a tenant."""

    kind = models.CharField(_("kind"), max_length=10, choices=OrganizationKind.choices)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "name"])]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    STAFF = "staff", _("Staff")


class Membership(models.Model):
    """A2: a user's place in a tenant."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique")
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"


class Platform(models.TextChoices):
    TMALL = "tmall", _("Tmall")
    TAOBAO = "taobao", _("Taobao")


# seller_credit_level counts Taobao's credit badges in order: hearts 1–5, diamonds 6–10,
# crowns 11–15, gold crowns 16–20. Three diamonds is level 8.
THREE_DIAMONDS = 8


CREDIT_LEVEL_MIN = 1


CREDIT_LEVEL_MAX = 20


class MerchantShop(models.Model):
    """A merchant's store, admitted by M1. Only admitted shops are stored."""

    organization = models.OneToOneField(Organization, on_delete=models.PROTECT, related_name="shop")
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    seller_credit_level = models.PositiveSmallIntegerField(_("seller credit level"))
    meets_marketing_rules = models.BooleanField(_("meets basic marketing rules"))
    is_brand = models.BooleanField(_("brand"), default=False)
    industry = models.CharField(_("industry"), max_length=40, blank=True)
    admitted_at = models.DateTimeField(_("admitted at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("merchant shop")
        verbose_name_plural = _("merchant shops")

    def __str__(self) -> str:
        return self.organization.name

    @property
    def name(self) -> str:
        return self.organization.name


class PaymentAccountType(models.TextChoices):
    COMPANY = "company", _("Company Alipay account")
    PERSONAL = "personal", _("Personal Alipay account")


class PaymentAccount(models.Model):
    """M2: the operating payment account (运营号) a shop pays from. Unbinding keeps the row."""

    shop = models.ForeignKey(
        MerchantShop, on_delete=models.PROTECT, related_name="payment_accounts"
    )
    account_id = models.CharField(_("Alipay account"), max_length=100)
    holder_name = models.CharField(_("account holder"), max_length=100)
    account_type = models.CharField(
        _("account type"),
        max_length=10,
        choices=PaymentAccountType.choices,
        default=PaymentAccountType.COMPANY,
    )
    bound_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    bound_at = models.DateTimeField(_("bound at"), auto_now_add=True)
    unbound_at = models.DateTimeField(_("unbound at"), null=True, blank=True)
    unbound_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["-bound_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop"],
                condition=Q(unbound_at__isnull=True),
                name="one_bound_payment_account_per_shop",
            )
        ]
        verbose_name = _("payment account")
        verbose_name_plural = _("payment accounts")

    def __str__(self) -> str:
        return f"{self.account_id} ({self.holder_name})"

    @property
    def is_bound(self) -> bool:
        return self.unbound_at is None


class Category(models.Model):
    """A content vertical (美妆, 服饰 …) creators work in."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    name_en = models.CharField(_("English name"), max_length=40, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class CreatorProfile(models.Model):
    """C1: what merchants see of a creator."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="creator_profile")
    display_name = models.CharField(_("display name"), max_length=60)
    bio = models.TextField(_("introduction"), blank=True, max_length=2000)
    channels = models.ManyToManyField("tasks.Channel", blank=True, related_name="creators")
    categories = models.ManyToManyField(Category, blank=True, related_name="creators")
    followers = models.PositiveIntegerField(_("followers"), default=0)
    # The average of the merchants' 1–5 star ratings; not money, so a decimal is fine.
    rating = models.DecimalField(_("rating"), max_digits=3, decimal_places=2, default=0)
    rating_count = models.PositiveIntegerField(_("ratings"), default=0)
    # C1, kept as running sums (issue 20): the sum of the ratings, so that a confirm adds one
    # rating without reading the creator's reviews; `rating` is rating_total / rating_count.
    rating_total = models.PositiveIntegerField(_("sum of ratings"), default=0, db_default=0)
    agency = models.ForeignKey(
        "agencies.Agency",  # upward (agencies sit above parties): by string, never an import
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="creators",
        help_text=_("The agency this creator is signed to now (C3 keeps the history)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-followers", "id"]
        indexes = [
            models.Index(fields=["-followers", "id"], name="creator_followers_idx"),
            models.Index(fields=["-rating", "id"], name="creator_rating_idx"),
        ]
        verbose_name = _("creator")
        verbose_name_plural = _("creators")

    def __str__(self) -> str:
        return self.display_name


def channel_model():
    """The content channels (tasks.Channel), reached through a creator profile's `channels`.

    Channels belong to tasks (DESIGN §2), which sit above the parties: the parties read them
    through this relation, never by importing tasks."""
    return CreatorProfile._meta.get_field("channels").related_model


class CreatorRate(models.Model):
    """C1: one line of a creator's rate card, a price in fen per content type."""

    creator = models.ForeignKey(CreatorProfile, on_delete=models.CASCADE, related_name="rates")
    content_type = models.CharField(_("content type"), max_length=20, choices=ContentType.choices)
    price_fen = models.PositiveBigIntegerField(_("price (fen)"))

    class Meta:
        ordering = ["creator_id", "content_type"]
        constraints = [
            models.UniqueConstraint(fields=["creator", "content_type"], name="one_rate_per_type"),
            models.CheckConstraint(condition=Q(price_fen__gt=0), name="rate_positive"),
        ]
        indexes = [models.Index(fields=["content_type", "price_fen"])]
        verbose_name = _("rate")
        verbose_name_plural = _("rate card")

    def __str__(self) -> str:
        return f"{self.creator}: {self.content_type} {self.price_fen}"


class ProviderStatus(models.TextChoices):
    APPLYING = "applying", _("Applying")
    ADMITTED = "admitted", _("Admitted")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")


class ServiceProvider(models.Model):
    """A service provider (服务商) organization; its admission flow lives in `providers/`."""

    organization = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="provider"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ProviderStatus.choices, default=ProviderStatus.APPLYING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        # Z3: an ops power of its own, beyond Django's add/change/view
        permissions = [
            ("change_provider_standing", "Can suspend, reinstate or terminate service providers"),
        ]
        ordering = ["id"]
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")

    def __str__(self) -> str:
        return self.organization.name


class Notification(models.Model):
    """D5: one line of a user's in-app inbox. Written by the services, copied by e-mail.

    The text is not stored: `kind` names a message of parties.notifications and `params`
    fills it in, so each reader sees it in its own language.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("event"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    order = models.ForeignKey(
        "tasks.Order", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    task = models.ForeignKey(
        "tasks.Task", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="inbox_idx")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"


class ViolationKind(models.TextChoices):
    OFF_PLATFORM = "off_platform", _("Off-platform private deal (私下接单)")
    HIGH_REFUND_RATE = "refund_rate", _("High refund rate")
    COMPLAINTS = "complaints", _("Many complaints")
    CHEATING = "cheating", _("Cheating in the 视频号 programs")  # I10: an S2 restriction


class SanctionKind(models.TextChoices):
    TAKEDOWN = "takedown", _("Post taken down")
    BAN = "ban", _("Ban")
    RESTRICTION = "restriction", _("Restriction")


class Violation(models.Model):
    """S1/S2: a violation ops record against a creator or merchant account (`user`), or a
    merchant shop or an agency (`organization`). S1's ladder counts a party's off-platform
    deals: the step is fixed when the violation is recorded."""

    kind = models.CharField(_("violation"), max_length=20, choices=ViolationKind.choices)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="violations"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="violations"
    )
    task = models.ForeignKey(
        "tasks.Task",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The post concerned; an S1 first violation takes it down."),
    )
    step = models.PositiveSmallIntegerField(_("S1 step"), null=True, blank=True)
    reason = models.TextField(_("reason"), max_length=2000)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        # Z3: an ops power of its own, beyond Django's add/change/view
        permissions = [
            ("record_violation", "Can record violations and the sanctions they bring"),
        ]
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(organization__isnull=True))
                | (Q(user__isnull=True) & Q(organization__isnull=False)),
                name="violation_has_one_party",
            )
        ]
        indexes = [
            models.Index(fields=["user", "kind"], name="violation_user_idx"),
            models.Index(fields=["organization", "kind"], name="violation_org_idx"),
        ]
        verbose_name = _("violation")
        verbose_name_plural = _("violations")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.party_name}"

    @property
    def party_name(self) -> str:
        return str(self.user or self.organization)


class Sanction(models.Model):
    """S1/S2: what a violation costs its party. A ban or restriction bars applying, accepting,
    posting and proposing from `starts_at` until `ends_at` (never, when empty); it ends by
    itself: every check compares `ends_at` with the time of the action."""

    violation = models.OneToOneField(Violation, on_delete=models.PROTECT, related_name="sanction")
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="sanctions"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="sanctions"
    )
    kind = models.CharField(_("sanction"), max_length=12, choices=SanctionKind.choices)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    is_permanent = models.BooleanField(_("permanent"), default=False)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        # Z3: an ops power of its own, beyond Django's add/change/view
        permissions = [
            ("lift_sanction", "Can lift sanctions early"),
        ]
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["user", "ends_at"], name="sanction_user_idx"),
            models.Index(fields=["organization", "ends_at"], name="sanction_org_idx"),
        ]
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.user or self.organization}"

    @property
    def bars_actions(self) -> bool:
        return self.kind in (SanctionKind.BAN, SanctionKind.RESTRICTION)

    def in_force_at(self, moment) -> bool:
        if not self.bars_actions or self.lifted_at is not None or moment < self.starts_at:
            return False
        return self.is_permanent or (self.ends_at is not None and moment < self.ends_at)
