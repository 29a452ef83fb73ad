"""Reads for service providers, scoped to who asks (A3): applicants see their own application
and documents, merchants their shops' delegations, provider staff the merchants that delegated
to them (P6), ops everything."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from core.parsing import id_or_404
from parties.models import (
    MerchantShop,
    OrganizationKind,
    ProviderStatus,
    Role,
    ServiceProvider,
    User,
)
from parties.selectors import delegated_shop_get, delegation_in_force, shop_list

from .models import Delegation, ProviderApplication, ProviderDecision, ProviderDocument


def _provider_org_ids(user: User, *, managers_only: bool = False):
    memberships = user.memberships.filter(organization__kind=OrganizationKind.PROVIDER)
    if managers_only:
        memberships = memberships.filter(role__in=(Role.OWNER, Role.ADMIN))
    return memberships.values("organization_id")


def provider_for_user(*, user: User) -> ServiceProvider | None:
    """The provider this user works for (the first, if several)."""
    if not user.is_authenticated:
        return None
    return (
        ServiceProvider.objects.filter(organization_id__in=_provider_org_ids(user))
        .select_related("organization")
        .order_by("id")
        .first()
    )


def is_provider_manager(*, user: User, provider: ServiceProvider) -> bool:
    return user.memberships.filter(
        organization_id=provider.organization_id, role__in=(Role.OWNER, Role.ADMIN)
    ).exists()


def application_current(*, provider: ServiceProvider) -> ProviderApplication | None:
    """The provider's latest application (open, or the approved one)."""
    return (
        provider.applications.prefetch_related(
            Prefetch("documents", queryset=ProviderDocument.objects.order_by("kind", "id"))
        )
        .order_by("-created_at", "-id")
        .first()
    )


def application_list(*, user: User) -> QuerySet[ProviderApplication]:
    if not user.is_authenticated:
        return ProviderApplication.objects.none()
    scope = Q(provider__organization_id__in=_provider_org_ids(user))
    if user.is_staff:
        scope = Q()
    return ProviderApplication.objects.filter(scope).select_related("provider__organization")


def application_get(*, user: User, application_id) -> ProviderApplication:
    try:
        return application_list(user=user).get(pk=application_id)
    except (ProviderApplication.DoesNotExist, ValueError, TypeError):
        raise Http404("No such application.") from None


def document_get(*, user: User, document_id) -> ProviderDocument:
    """P3: a document answers its applicant's members and ops; anyone else gets 404."""
    documents = ProviderDocument.objects.select_related("application__provider")
    if not user.is_staff:
        documents = documents.filter(
            application__provider__organization_id__in=_provider_org_ids(user)
        )
    try:
        return documents.get(pk=document_id)
    except (ProviderDocument.DoesNotExist, ValueError, TypeError):
        raise Http404("No such document.") from None


def provider_decisions(*, provider: ServiceProvider) -> QuerySet[ProviderDecision]:
    return provider.decisions.select_related("actor").order_by("-at", "-id")


def admitted_providers() -> QuerySet[ServiceProvider]:
    """P6: the providers a merchant may delegate to."""
    return ServiceProvider.objects.filter(status=ProviderStatus.ADMITTED).select_related(
        "organization"
    )


# --- delegation (P6) --------------------------------------------------------------------------


def active_delegations() -> QuerySet[Delegation]:
    """Delegations in force: not ended, to a provider admitted now."""
    return Delegation.objects.filter(delegation_in_force())


def shop_delegations(*, shop: MerchantShop) -> QuerySet[Delegation]:
    return shop.delegations.select_related(
        "provider__organization", "granted_by", "ended_by"
    ).order_by("-granted_at", "-id")


def delegation_list(*, user: User) -> QuerySet[Delegation]:
    """A merchant's shops' delegations and a provider's own (both sides read them)."""
    if not user.is_authenticated:
        return Delegation.objects.none()
    shop_orgs = user.memberships.filter(organization__kind=OrganizationKind.SHOP).values(
        "organization_id"
    )
    return (
        Delegation.objects.filter(
            Q(shop__organization_id__in=shop_orgs)
            | Q(provider__organization_id__in=_provider_org_ids(user))
        )
        .select_related("shop__organization", "provider__organization", "granted_by", "ended_by")
        .order_by("-granted_at", "-id")
    )


def delegation_get(*, user: User, delegation_id) -> Delegation:
    try:
        return delegation_list(user=user).get(pk=delegation_id)
    except (Delegation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such delegation.") from None


def report_shop_get(*, user: User, shop_id) -> MerchantShop:
    """P7: the shop whose closing report `user` may read: one of its own shops, or one that
    delegated its tasks to the user's provider (P6). Anything else is a 404."""

    shop_id = id_or_404(shop_id)  # Z4: ASCII digits within bigint, or not found
    shop = shop_list(user=user).filter(pk=shop_id).first() if shop_id is not None else None
    return shop or delegated_shop_get(user=user, shop_id=shop_id)
