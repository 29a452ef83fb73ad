"""Service providers: admission (P1–P4), ops decisions (P4–P5) and delegation (P6).

Every action is one function in one transaction; every ops decision writes a ProviderDecision
with who and when. Files are checked by their bytes before anything is written (providers.files).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import InvalidInput, NotAllowed, WrongSide
from core.money import format_cny
from parties.models import (
    Membership,
    MerchantShop,
    Organization,
    OrganizationKind,
    ProviderStatus,
    Role,
    ServiceProvider,
    User,
)
from parties.navigation import navigation_changed
from parties.notifications import notify
from parties.selectors import manages_organization
from providers.exceptions import AlreadyDelegated, ApplicationLocked, NotAdmitted, NotSubmitted

from .files import check_upload, sha256_of
from .models import (
    ApplicationStatus,
    CertificationPlatform,
    DecisionAction,
    Delegation,
    DelegationEnd,
    DocumentKind,
    ProviderApplication,
    ProviderDecision,
    ProviderDocument,
)
from .selectors import is_provider_manager

MIN_REGISTERED_DAYS = 365  # P2, P3: registered for one year or more
MIN_CAPITAL_FEN = 500_000_00  # P2, P3: ¥500,000
MIN_EMPLOYEES = 20  # P2, P3
MIN_UNION_GMV_FEN = 100_000_00  # P3: ¥100,000 a month on average
SEEDING_SCOPE = "广告"  # P2: the business scope includes advertising
PERFORMANCE_SCOPE = "内容种草"  # P3: … includes content seeding
EDITABLE = (ApplicationStatus.DRAFT, ApplicationStatus.REJECTED)
FACT_FIELDS = {
    "is_seeding",
    "is_performance",
    "company_name",
    "registered_on",
    "registered_capital_fen",
    "business_scope",
    "employee_count",
    "office_address",
    "certification_platforms",
    "own_platform_name",
    "union_account_id",
    "union_avg_monthly_gmv_fen",
    "union_violation_points",
    "has_associated_cheating",
}


def _today() -> date:
    return timezone.localdate()


def _lock_application(application: ProviderApplication) -> ProviderApplication:
    return (
        ProviderApplication.objects.select_for_update()
        .select_related("provider__organization")
        .get(pk=application.pk)
    )


def _require_applicant(application: ProviderApplication, actor: User) -> None:
    if not is_provider_manager(user=actor, provider=application.provider):
        raise WrongSide(_("Only the provider's owner or an admin can change its application."))


def _require_editable(application: ProviderApplication) -> None:
    if application.status not in EDITABLE:
        raise ApplicationLocked(
            _("This application is %(status)s and cannot be changed now.")
            % {"status": application.get_status_display()},
        )


def _reopen_if_rejected(application: ProviderApplication) -> None:
    """A rejected application is edited to be submitted again: it becomes a draft."""
    if application.status == ApplicationStatus.REJECTED:
        application.status = ApplicationStatus.DRAFT


def _managers(provider: ServiceProvider) -> list[User]:
    return [
        m.user
        for m in provider.organization.memberships.filter(
            role__in=(Role.OWNER, Role.ADMIN)
        ).select_related("user")
    ]


# --- the application (P1–P4) -----------------------------------------------------------------


@transaction.atomic
def provider_application_start(*, actor: User, company_name: str) -> ProviderApplication:
    """P1: a user starts an admission application; its company becomes a provider tenant
    (status applying) with the user as owner. A user with a provider already continues it."""
    if actor.side:
        # A1: merchants and creators keep their side; a provider's staff use their own accounts.
        raise WrongSide(
            _(
                "Merchant and creator accounts cannot apply as a service provider; register a "
                "service provider account."
            )
        )
    company_name = (company_name or "").strip()
    if not company_name:
        raise InvalidInput(
            _("Give the company name as on the business license."),
            fields={"company_name": [_("Give the company name as on the business license.")]},
        )
    if len(company_name) > 100:
        raise InvalidInput(
            _("At most 100 characters."), fields={"company_name": [_("At most 100 characters.")]}
        )
    existing = ServiceProvider.objects.filter(organization__memberships__user=actor).first()
    if existing is not None:
        raise NotAllowed(
            _("You already work for the provider %(name)s; continue its application.")
            % {"name": existing.organization.name},
            code="already_a_provider",
        )
    organization = Organization.objects.create(kind=OrganizationKind.PROVIDER, name=company_name)
    Membership.objects.create(user=actor, organization=organization, role=Role.OWNER)
    navigation_changed([actor.pk])  # the provider workspace link shows at once
    provider = ServiceProvider.objects.create(organization=organization)
    return ProviderApplication.objects.create(
        provider=provider, created_by=actor, company_name=company_name
    )


def _clean_facts(facts: dict) -> tuple[dict, dict]:
    """Type checks of the facts (the P4 thresholds are checked by application_problems)."""
    errors: dict[str, list[str]] = {}
    cleaned = {}
    for name, value in facts.items():
        if name not in FACT_FIELDS:
            raise ValueError(f"unknown application field {name!r}")
        is_count = name in {
            "registered_capital_fen",
            "union_avg_monthly_gmv_fen",
            "employee_count",
            "union_violation_points",
        }
        is_bad_count = value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        )
        if is_count and is_bad_count:
            errors[name] = [_("Give a whole number, zero or more.")]
            continue
        if name == "registered_on" and value is not None:
            if not isinstance(value, date):
                errors[name] = [_("Give a date, e.g. 2020-05-01.")]
                continue
            if value > _today():
                errors[name] = [_("The registration date cannot be in the future.")]
                continue
        if name == "certification_platforms":
            value = list(dict.fromkeys(value or []))
            unknown = [v for v in value if v not in CertificationPlatform.values]
            if unknown:
                errors[name] = [
                    _("Unknown platform: %(codes)s.") % {"codes": ", ".join(map(str, unknown))}
                ]
                continue
        if name in {
            "company_name",
            "business_scope",
            "office_address",
            "own_platform_name",
            "union_account_id",
        }:
            value = (value or "").strip()
            limit = ProviderApplication._meta.get_field(name).max_length
            if limit and len(value) > limit:
                errors[name] = [_("At most %(max)s characters.") % {"max": limit}]
                continue
        if name == "company_name" and not value:
            errors[name] = [_("Give the company name as on the business license.")]
            continue
        cleaned[name] = value
    return cleaned, errors


@transaction.atomic
def provider_application_update(
    *, application: ProviderApplication, actor: User, **facts
) -> ProviderApplication:
    """P1–P3: save some of the application's facts (one step of the form). Bad values are
    refused and nothing of the step is saved."""
    application = _lock_application(application)
    _require_applicant(application, actor)
    _require_editable(application)
    cleaned, errors = _clean_facts(facts)
    if errors:
        raise InvalidInput(_("Please correct the highlighted fields."), fields=errors)
    for name, value in cleaned.items():
        setattr(application, name, value)
    _reopen_if_rejected(application)
    application.save()
    if "company_name" in cleaned:
        Organization.objects.filter(pk=application.provider.organization_id).update(
            name=cleaned["company_name"]
        )
    return application


@transaction.atomic
def provider_document_add(
    *, application: ProviderApplication, actor: User, kind: str, file, platform: str = ""
) -> ProviderDocument:
    """P3/P4: attach a document, checked by its bytes and size first. A second file of the
    same kind (and platform) replaces the first."""
    application = _lock_application(application)
    _require_applicant(application, actor)
    _require_editable(application)
    if kind not in DocumentKind.values:
        raise InvalidInput(
            _("Choose which document this is."), fields={"kind": [_("Unknown document.")]}
        )
    if kind == DocumentKind.CERTIFICATION:
        if platform not in CertificationPlatform.values:
            raise InvalidInput(
                _("Choose the platform this certification is from."),
                fields={"platform": [_("Choose the platform this certification is from.")]},
            )
    else:
        platform = ""
    if file is None:
        raise InvalidInput(_("Choose a file."), fields={"file": [_("Choose a file.")]})
    detected = check_upload(file, kind=kind)
    digest = sha256_of(file)
    replaced = list(application.documents.filter(kind=kind, platform=platform))
    document = ProviderDocument(
        application=application,
        kind=kind,
        platform=platform,
        original_name=(getattr(file, "name", "") or "upload")[-200:],
        detected_type=detected,
        size=file.size,
        sha256=digest,
        uploaded_by=actor,
    )
    document.file.save("upload", file, save=False)
    document.save()
    for old in replaced:
        _delete_document(old)
    if kind == DocumentKind.CERTIFICATION and platform not in application.certification_platforms:
        application.certification_platforms = [*application.certification_platforms, platform]
    _reopen_if_rejected(application)
    application.save()
    return document


def _delete_document(document: ProviderDocument) -> None:
    storage, name = document.file.storage, document.file.name
    document.delete()
    # The file goes once the row is gone for good.
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def provider_document_remove(*, document: ProviderDocument, actor: User) -> None:
    application = _lock_application(document.application)
    _require_applicant(application, actor)
    _require_editable(application)
    _delete_document(document)
    _reopen_if_rejected(application)
    application.save()


def application_problems(application: ProviderApplication, *, today: date | None = None) -> dict:
    """P4: every hard rule the application fails now, per field, each saying how to fix it.
    Empty when it may be submitted. Ops still review the documents (P4)."""
    today = today or _today()
    problems: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    seeding, performance = application.is_seeding, application.is_performance
    if not (seeding or performance):
        fail("types", _("Choose seeding, performance, or both."))
    if not application.company_name:
        fail("company_name", _("Give the company name as on the business license."))
    if application.registered_on is None:
        fail("registered_on", _("Give the registration date from the business license."))
    else:
        age = (today - application.registered_on).days
        if age < MIN_REGISTERED_DAYS:
            fail(
                "registered_on",
                _(
                    "The company was registered %(days)d days ago; it must be registered for at "
                    "least one year (365 days). You can apply from %(date)s."
                )
                % {
                    "days": age,
                    "date": (
                        application.registered_on + timedelta(days=MIN_REGISTERED_DAYS)
                    ).isoformat(),
                },
            )
    capital = application.registered_capital_fen
    if capital is None:
        fail("registered_capital_fen", _("Give the registered capital from the business license."))
    elif capital < MIN_CAPITAL_FEN:
        fail(
            "registered_capital_fen",
            _("Registered capital of %(capital)s is under the required %(minimum)s.")
            % {"capital": format_cny(capital), "minimum": format_cny(MIN_CAPITAL_FEN)},
        )
    employees = application.employee_count
    if employees is None:
        fail("employee_count", _("Give the number of employees."))
    elif employees < MIN_EMPLOYEES:
        fail(
            "employee_count",
            _("%(n)d employees is fewer than the required %(min)d.")
            % {"n": employees, "min": MIN_EMPLOYEES},
        )
    scope = application.business_scope or ""
    if seeding and SEEDING_SCOPE not in scope:
        fail(
            "business_scope",
            _(
                "A seeding provider's business scope must include “%(word)s” (advertising); "
                "copy the scope from the business license, or apply as performance only."
            )
            % {"word": SEEDING_SCOPE},
        )
    if performance and PERFORMANCE_SCOPE not in scope:
        fail(
            "business_scope",
            _(
                "A performance provider's business scope must include “%(word)s” (content "
                "seeding); copy the scope from the business license, or apply as seeding only."
            )
            % {"word": PERFORMANCE_SCOPE},
        )
    kinds = {d.kind for d in application.documents.all()}
    if DocumentKind.INTRO not in kinds:
        fail("intro", _("Upload the company introduction (PDF, PPT or PPTX)."))
    if DocumentKind.LICENSE not in kinds:
        fail("license", _("Upload a scan of the business license (JPG, PNG or PDF)."))
    if DocumentKind.OFFICE_VIDEO not in kinds:
        fail("office_video", _("Upload a video of the office (MP4) showing the fixed office."))
    if seeding:
        proofs = {
            d.platform for d in application.documents.all() if d.kind == DocumentKind.CERTIFICATION
        }
        if not proofs:
            fail(
                "certification",
                _(
                    "Upload the proof of certified service provider status on Douyin, "
                    "Xiaohongshu, Kuaishou, Bilibili, Weibo or Zhihu, or of your own KOC task "
                    "platform."
                ),
            )
        elif CertificationPlatform.OWN_KOC in proofs and not application.own_platform_name:
            fail("own_platform_name", _("Name your own KOC task platform."))
    if performance:
        if not application.union_account_id:
            fail("union_account_id", _("Give the Taobao Union enterprise account id."))
        gmv = application.union_avg_monthly_gmv_fen
        if gmv is None:
            fail("union_avg_monthly_gmv_fen", _("Give the Union account's average monthly GMV."))
        elif gmv < MIN_UNION_GMV_FEN:
            fail(
                "union_avg_monthly_gmv_fen",
                _("An average monthly GMV of %(gmv)s is under the required %(minimum)s.")
                % {"gmv": format_cny(gmv), "minimum": format_cny(MIN_UNION_GMV_FEN)},
            )
        points = application.union_violation_points
        if points is None:
            fail(
                "union_violation_points",
                _("Give the Union account's active violation points (0 if none)."),
            )
        elif points > 0:
            fail(
                "union_violation_points",
                _(
                    "The Union account has %(n)d active violation points; apply once they have "
                    "expired."
                )
                % {"n": points},
            )
        if application.has_associated_cheating is None:
            fail(
                "has_associated_cheating",
                _("Say whether associated accounts have a cheating history."),
            )
        elif application.has_associated_cheating:
            fail(
                "has_associated_cheating",
                _("Accounts associated with a cheating history cannot be admitted."),
            )
    return problems


@transaction.atomic
def provider_application_submit(
    *, application: ProviderApplication, actor: User
) -> ProviderApplication:
    """P4: submit for review once every hard rule is met; otherwise refused with each problem
    under its field, and nothing changes."""
    application = _lock_application(application)
    _require_applicant(application, actor)
    if application.status not in EDITABLE:
        raise ApplicationLocked(
            _("This application is %(status)s; it cannot be submitted again.")
            % {"status": application.get_status_display()},
        )
    problems = application_problems(application)
    if problems:
        raise InvalidInput(
            _("The application does not meet the admission rules yet; fix the points listed."),
            code="admission_requirements",
            fields=problems,
        )
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = timezone.now()
    application.save(update_fields=["status", "submitted_at", "updated_at"])
    ProviderDecision.objects.create(
        provider=application.provider,
        application=application,
        action=DecisionAction.SUBMITTED,
        actor=actor,
    )
    return application


def _require_ops(actor: User) -> None:
    if not actor.is_staff:
        raise WrongSide(_("Only ops staff review service providers."))


@transaction.atomic
def provider_application_approve(
    *, application: ProviderApplication, actor: User, reason: str = ""
) -> ProviderApplication:
    """P4: ops admit the provider after reviewing its documents."""
    _require_ops(actor)
    application = _lock_application(application)
    provider = ServiceProvider.objects.select_for_update().get(pk=application.provider_id)
    if application.status != ApplicationStatus.SUBMITTED:
        raise NotSubmitted(_("Only a submitted application can be decided."))
    problems = application_problems(application)
    if problems:
        # The rules are checked again: a registration date is 365 days only from a given day on.
        raise NotAllowed(
            _("The application no longer meets the rules: %(problems)s")
            % {"problems": " ".join(m for ms in problems.values() for m in ms)},
            code="admission_requirements",
        )
    now = timezone.now()
    application.status = ApplicationStatus.APPROVED
    application.decided_at, application.decided_by = now, actor
    application.decision_reason = (reason or "").strip()[:2000]
    application.save()
    provider.status = ProviderStatus.ADMITTED
    provider.save(update_fields=["status"])
    ProviderDecision.objects.create(
        provider=provider,
        application=application,
        action=DecisionAction.APPROVED,
        reason=application.decision_reason,
        actor=actor,
    )
    notify(_managers(provider), "provider_admitted", provider=provider.organization.name)
    return application


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            _("Write the reason; the provider reads it."),
            fields={"reason": [_("Write the reason; the provider reads it.")]},
        )
    return reason[:2000]


@transaction.atomic
def provider_application_reject(
    *, application: ProviderApplication, actor: User, reason: str
) -> ProviderApplication:
    """P4: ops reject with a reason the applicant sees; it may fix and submit again."""
    _require_ops(actor)
    reason = _required_reason(reason)
    application = _lock_application(application)
    if application.status != ApplicationStatus.SUBMITTED:
        raise NotSubmitted(_("Only a submitted application can be decided."))
    application.status = ApplicationStatus.REJECTED
    application.decided_at, application.decided_by = timezone.now(), actor
    application.decision_reason = reason
    application.save()
    ProviderDecision.objects.create(
        provider=application.provider,
        application=application,
        action=DecisionAction.REJECTED,
        reason=reason,
        actor=actor,
    )
    notify(
        _managers(application.provider),
        "provider_rejected",
        provider=application.provider.organization.name,
        reason=reason,
    )
    return application


def _end_delegations(provider: ServiceProvider, *, actor: User, end: str) -> int:
    """P5/P6: a suspended or terminated provider loses every delegation at once."""
    ended = 0
    for delegation in provider.delegations.select_for_update().filter(ended_at__isnull=True):
        delegation.ended_at, delegation.ended_by, delegation.end_reason = timezone.now(), actor, end
        delegation.save(update_fields=["ended_at", "ended_by", "end_reason"])
        notify(
            [m.user for m in delegation.shop.organization.memberships.select_related("user")],
            "delegation_ended_by_ops",
            provider=provider.organization.name,
            shop=delegation.shop.organization.name,
        )
        ended += 1
    return ended


@transaction.atomic
def provider_suspend(*, provider: ServiceProvider, actor: User, reason: str) -> ServiceProvider:
    """P5: ops suspend an admitted provider that no longer meets the rules; its delegations
    stop."""
    _require_ops(actor)
    reason = _required_reason(reason)
    provider = (
        ServiceProvider.objects.select_for_update()
        .select_related("organization")
        .get(pk=provider.pk)
    )
    if provider.status != ProviderStatus.ADMITTED:
        raise NotAdmitted(_("Only an admitted provider can be suspended."))
    provider.status = ProviderStatus.SUSPENDED
    provider.save(update_fields=["status"])
    _end_delegations(provider, actor=actor, end=DelegationEnd.PROVIDER_SUSPENDED)
    ProviderDecision.objects.create(
        provider=provider, action=DecisionAction.SUSPENDED, reason=reason, actor=actor
    )
    notify(
        _managers(provider),
        "provider_suspended",
        provider=provider.organization.name,
        reason=reason,
    )
    return provider


@transaction.atomic
def provider_reinstate(*, provider: ServiceProvider, actor: User, reason: str) -> ServiceProvider:
    """P5: ops lift a suspension. Delegations do not come back by themselves: merchants grant
    them again."""
    _require_ops(actor)
    reason = _required_reason(reason)
    provider = ServiceProvider.objects.select_for_update().get(pk=provider.pk)
    if provider.status != ProviderStatus.SUSPENDED:
        raise NotAllowed(_("Only a suspended provider can be reinstated."), code="not_suspended")
    provider.status = ProviderStatus.ADMITTED
    provider.save(update_fields=["status"])
    ProviderDecision.objects.create(
        provider=provider, action=DecisionAction.REINSTATED, reason=reason, actor=actor
    )
    return provider


@transaction.atomic
def provider_terminate(*, provider: ServiceProvider, actor: User, reason: str) -> ServiceProvider:
    """P5: ops end an admitted or suspended provider for good; its delegations stop."""
    _require_ops(actor)
    reason = _required_reason(reason)
    provider = (
        ServiceProvider.objects.select_for_update()
        .select_related("organization")
        .get(pk=provider.pk)
    )
    if provider.status not in (ProviderStatus.ADMITTED, ProviderStatus.SUSPENDED):
        raise NotAdmitted(_("Only an admitted or suspended provider can be terminated."))
    provider.status = ProviderStatus.TERMINATED
    provider.save(update_fields=["status"])
    _end_delegations(provider, actor=actor, end=DelegationEnd.PROVIDER_TERMINATED)
    ProviderDecision.objects.create(
        provider=provider, action=DecisionAction.TERMINATED, reason=reason, actor=actor
    )
    notify(
        _managers(provider),
        "provider_terminated",
        provider=provider.organization.name,
        reason=reason,
    )
    return provider


# --- delegation (P6) --------------------------------------------------------------------------


@transaction.atomic
def delegation_grant(*, shop: MerchantShop, actor: User, provider: ServiceProvider) -> Delegation:
    """P6: a merchant lets an admitted provider manage its tasks (never pay)."""
    if not manages_organization(user=actor, organization_id=shop.organization_id):
        raise WrongSide(_("Only the shop's owner or an admin can delegate its tasks."))
    provider = (
        ServiceProvider.objects.select_for_update()
        .select_related("organization")
        .get(pk=provider.pk)
    )
    if provider.status != ProviderStatus.ADMITTED:
        raise NotAllowed(
            _("%(name)s is not an admitted service provider.")
            % {"name": provider.organization.name},
            code="provider_not_admitted",
        )
    if Delegation.objects.filter(shop=shop, provider=provider, ended_at__isnull=True).exists():
        raise AlreadyDelegated(
            _("%(name)s already manages this shop's tasks.") % {"name": provider.organization.name},
        )
    try:
        with transaction.atomic():
            delegation = Delegation.objects.create(shop=shop, provider=provider, granted_by=actor)
    except IntegrityError:
        raise AlreadyDelegated(
            _("%(name)s already manages this shop's tasks.") % {"name": provider.organization.name},
        ) from None
    notify(_managers(provider), "delegation_granted", shop=shop.organization.name)
    return delegation


@transaction.atomic
def delegation_revoke(*, delegation: Delegation, actor: User) -> Delegation:
    """P6: the merchant ends a delegation at any time; the provider's staff lose access at once."""
    delegation = (
        Delegation.objects.select_for_update()
        .select_related("shop__organization", "provider__organization")
        .get(pk=delegation.pk)
    )
    if not manages_organization(user=actor, organization_id=delegation.shop.organization_id):
        raise WrongSide(_("Only the shop's owner or an admin can revoke a delegation."))
    if delegation.ended_at is not None:
        raise NotAllowed(_("This delegation has already ended."), code="delegation_ended")
    delegation.ended_at, delegation.ended_by = timezone.now(), actor
    delegation.end_reason = DelegationEnd.REVOKED
    delegation.save(update_fields=["ended_at", "ended_by", "end_reason"])
    notify(
        _managers(delegation.provider),
        "delegation_revoked",
        shop=delegation.shop.organization.name,
    )
    return delegation
