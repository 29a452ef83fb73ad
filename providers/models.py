"""Service providers (服务商, 淘宝联盟星任务): admission applications with their documents and
the ops decisions on them (P1–P5), and merchants' delegations (P6).

The provider itself is `marketplace.ServiceProvider` (a tenant, with its status); this app holds
what happens to it.
"""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Files outside the web root (settings.PRIVATE_MEDIA_ROOT), with no public URL: they are
    served only by views that check who asks, as downloads."""

    def __init__(self):
        super().__init__(location=None, base_url=None)

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("private files have no URL; use the download view")


private_storage = PrivateStorage()


class CertificationPlatform(models.TextChoices):
    """P2: where a seeding provider is a certified service provider, or its own KOC platform."""

    DOUYIN = "douyin", _("Douyin")
    XIAOHONGSHU = "xiaohongshu", _("Xiaohongshu")
    KUAISHOU = "kuaishou", _("Kuaishou")
    BILIBILI = "bilibili", _("Bilibili")
    WEIBO = "weibo", _("Weibo")
    ZHIHU = "zhihu", _("Zhihu")
    OWN_KOC = "own_koc", _("Own KOC task platform")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ProviderApplication(models.Model):
    """P1–P4: one admission application. A rejected one may be edited and submitted again; the
    decisions stay in ProviderDecision."""

    provider = models.ForeignKey(
        "marketplace.ServiceProvider", on_delete=models.PROTECT, related_name="applications"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
    )
    # P1
    is_seeding = models.BooleanField(_("seeding provider (种草服务商)"), default=False)
    is_performance = models.BooleanField(_("performance provider (效果服务商)"), default=False)
    # P2, P3: company facts (from the business license)
    company_name = models.CharField(_("company name"), max_length=100)
    registered_on = models.DateField(_("registration date"), null=True, blank=True)
    registered_capital_fen = models.PositiveBigIntegerField(
        _("registered capital (fen)"), null=True, blank=True
    )
    business_scope = models.TextField(_("business scope"), max_length=2000, blank=True)
    employee_count = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    office_address = models.CharField(_("office address"), max_length=200, blank=True)
    # P2: seeding
    certification_platforms = models.JSONField(
        _("certified on"), default=list, blank=True, help_text=_("CertificationPlatform codes.")
    )
    own_platform_name = models.CharField(_("own KOC platform"), max_length=100, blank=True)
    # P3: performance (Taobao Union)
    union_account_id = models.CharField(
        _("Taobao Union enterprise account"), max_length=64, blank=True
    )
    union_avg_monthly_gmv_fen = models.PositiveBigIntegerField(
        _("average monthly GMV (fen)"), null=True, blank=True
    )
    union_violation_points = models.PositiveIntegerField(
        _("active violation points"), null=True, blank=True
    )
    has_associated_cheating = models.BooleanField(
        _("associated accounts have cheated"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decision_reason = models.TextField(_("reason of the decision"), max_length=2000, blank=True)

    class Meta:
        # Z3: an ops power of its own, beyond Django's add/change/view
        permissions = [
            ("decide_providerapplication", "Can admit or reject provider applications"),
        ]
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="provider_review_queue_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(status__in=["draft", "submitted", "rejected"]),
                name="one_open_application_per_provider",
            )
        ]
        verbose_name = _("admission application")
        verbose_name_plural = _("admission applications")

    def __str__(self) -> str:
        return f"{self.company_name} ({self.get_status_display()})"

    @property
    def types_display(self) -> str:
        kinds = []
        if self.is_seeding:
            kinds.append(str(_("seeding")))
        if self.is_performance:
            kinds.append(str(_("performance")))
        return " + ".join(kinds) or "—"


class DocumentKind(models.TextChoices):
    INTRO = "intro", _("Company introduction (PDF, PPT or PPTX)")
    LICENSE = "license", _("Business license scan (JPG, PNG or PDF)")
    OFFICE_VIDEO = "office_video", _("Office video (MP4)")
    CERTIFICATION = "certification", _("Platform certification proof (JPG, PNG or PDF)")


def _document_path(document, filename: str) -> str:
    # The stored name says nothing the applicant chose: a random name in the provider's folder.
    return f"provider_documents/{document.application.provider_id}/{uuid.uuid4().hex}"


class ProviderDocument(models.Model):
    """P2–P4: an uploaded document, checked by its bytes (the detected type is stored), kept
    outside the web root and served only to the applicant and ops, as a download."""

    application = models.ForeignKey(
        ProviderApplication, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("document"), max_length=20, choices=DocumentKind.choices)
    platform = models.CharField(
        _("platform"), max_length=20, choices=CertificationPlatform.choices, blank=True
    )
    file = models.FileField(
        _("file"), storage=private_storage, upload_to=_document_path, max_length=200
    )
    original_name = models.CharField(_("file name"), max_length=200)
    detected_type = models.CharField(_("type (by content)"), max_length=10)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "platform", "id"]
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class DecisionAction(models.TextChoices):
    SUBMITTED = "submitted", _("Application submitted")
    APPROVED = "approved", _("Admitted")
    REJECTED = "rejected", _("Application rejected")
    SUSPENDED = "suspended", _("Suspended")
    REINSTATED = "reinstated", _("Suspension lifted")
    TERMINATED = "terminated", _("Terminated")


class ProviderDecision(models.Model):
    """P4–P5: every step of a provider's admission and standing, with who and when."""

    provider = models.ForeignKey(
        "marketplace.ServiceProvider", on_delete=models.PROTECT, related_name="decisions"
    )
    application = models.ForeignKey(
        ProviderApplication,
        on_delete=models.PROTECT,
        related_name="decisions",
        null=True,
        blank=True,
    )
    action = models.CharField(_("action"), max_length=12, choices=DecisionAction.choices)
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("provider decision")
        verbose_name_plural = _("provider decisions")

    def __str__(self) -> str:
        return f"{self.provider_id} {self.action}"


class DelegationEnd(models.TextChoices):
    REVOKED = "revoked", _("Revoked by the merchant")
    PROVIDER_SUSPENDED = "suspended", _("Provider suspended")
    PROVIDER_TERMINATED = "terminated", _("Provider terminated")


class Delegation(models.Model):
    """P6: a merchant's shop lets an admitted provider manage its tasks. Active while
    `ended_at` is empty; ends when the merchant revokes it or ops suspend the provider."""

    shop = models.ForeignKey(
        "marketplace.MerchantShop", on_delete=models.PROTECT, related_name="delegations"
    )
    provider = models.ForeignKey(
        "marketplace.ServiceProvider", on_delete=models.PROTECT, related_name="delegations"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    end_reason = models.CharField(
        _("how it ended"), max_length=12, choices=DelegationEnd.choices, blank=True
    )

    class Meta:
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "provider"],
                condition=Q(ended_at__isnull=True),
                name="one_active_delegation_per_pair",
            )
        ]
        indexes = [models.Index(fields=["provider", "ended_at"], name="delegation_provider_idx")]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")

    def __str__(self) -> str:
        return f"{self.shop_id} → {self.provider_id}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None
