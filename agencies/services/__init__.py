"""Use cases of MCN agencies (C3, G1–G7): one function per user action, each in one transaction.

Views, the API, the admin and commands call these; none of them writes the models directly.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, AgencyContract, AgencyStatus, ContractStatus

# --- MCN agency scoring, focus slots and live data (G1–G7) live in their own modules -----
from agencies.services.assessment import (
    agencies_score,
    agency_appeal_decide,
    agency_appeal_submit,
    agency_points_reset,
    agency_readmit,
)
from agencies.services.focus import (
    complaints_resolve,
    focus_hour_assign,
    focus_hour_decline,
    focus_lines_build,
    focus_offers_expire,
    theme_proposal_decide,
    theme_proposal_submit,
    theme_slot_assign,
)
from agencies.services.live_sessions import live_sessions_import_csv, live_sessions_ingest
from core.exceptions import NotAllowed, WrongSide
from parties.models import CreatorProfile, Membership, Organization, OrganizationKind, Role, User
from parties.navigation import navigation_changed
from parties.notifications import email_on_commit
from parties.selectors import manages_organization


def _require_agency_manager(*, agency: Agency, actor: User) -> None:
    if not manages_organization(user=actor, organization_id=agency.organization_id):
        raise WrongSide(_("Only the agency's owner or an admin can sign or end contracts."))


def _require_active_agency(agency: Agency) -> None:
    if agency.status != AgencyStatus.ACTIVE or not agency.organization.is_active:
        raise NotAllowed(_("This agency cannot operate now."), code="agency_inactive")


@transaction.atomic
def agency_invite(
    *, agency: Agency, actor: User, creator: CreatorProfile, message: str = ""
) -> AgencyContract:
    """C3: an agency invites a creator to sign."""
    _require_agency_manager(agency=agency, actor=actor)
    _require_active_agency(agency)
    creator = CreatorProfile.objects.select_for_update().get(pk=creator.pk)
    if creator.agency_id == agency.pk:
        raise NotAllowed(_("This creator is already signed to your agency."), code="already_signed")
    if AgencyContract.objects.filter(
        agency=agency, creator=creator, status=ContractStatus.INVITED
    ).exists():
        raise NotAllowed(
            _("An invitation to this creator is already open."), code="already_invited"
        )
    contract = AgencyContract.objects.create(
        agency=agency, creator=creator, invited_by=actor, message=(message or "").strip()[:200]
    )
    email_on_commit(
        to=creator.user.email,
        subject=_("%(agency)s invites you to sign") % {"agency": agency.name},
        body=_("Open your agency page to accept or decline the invitation."),
    )
    return contract


def _lock_contract(contract: AgencyContract) -> tuple[AgencyContract, CreatorProfile]:
    # Lock order: creator profile first, then the contract, everywhere contracts change.
    creator = CreatorProfile.objects.select_for_update().get(pk=contract.creator_id)
    contract = (
        AgencyContract.objects.select_for_update()
        .select_related("agency__organization")
        .get(pk=contract.pk)
    )
    return contract, creator


@transaction.atomic
def contract_accept(*, contract: AgencyContract, actor: User) -> AgencyContract:
    """C3: the creator accepts an invitation and is signed to the agency."""
    contract, creator = _lock_contract(contract)
    if creator.user_id != actor.pk:
        raise WrongSide(_("Only the invited creator can accept."))
    if contract.status != ContractStatus.INVITED:
        raise NotAllowed(_("This invitation is no longer open."), code="invitation_closed")
    _require_active_agency(contract.agency)
    if creator.agency_id is not None:
        raise NotAllowed(
            _("You are signed to another agency; end that contract first."),
            code="already_signed_elsewhere",
        )
    now = timezone.now()
    contract.status = ContractStatus.ACTIVE
    contract.signed_at = now
    contract.save(update_fields=["status", "signed_at"])
    creator.agency = contract.agency
    creator.save(update_fields=["agency", "updated_at"])
    return contract


def _close_invitation(contract: AgencyContract, *, actor: User, status: str) -> AgencyContract:
    """Caller holds the locks of _lock_contract and has checked who may close it."""
    if contract.status != ContractStatus.INVITED:
        raise NotAllowed(_("This invitation is no longer open."), code="invitation_closed")
    contract.status = status
    contract.closed_at, contract.closed_by = timezone.now(), actor
    contract.save(update_fields=["status", "closed_at", "closed_by"])
    return contract


@transaction.atomic
def contract_decline(*, contract: AgencyContract, actor: User) -> AgencyContract:
    """C3: the creator declines an invitation."""
    contract, creator = _lock_contract(contract)
    if creator.user_id != actor.pk:
        raise WrongSide(_("Only the invited creator can decline."))
    return _close_invitation(contract, actor=actor, status=ContractStatus.DECLINED)


@transaction.atomic
def invitation_withdraw(*, contract: AgencyContract, actor: User) -> AgencyContract:
    """C3: the agency withdraws an invitation not yet answered."""
    contract, _creator = _lock_contract(contract)
    _require_agency_manager(agency=contract.agency, actor=actor)
    return _close_invitation(contract, actor=actor, status=ContractStatus.WITHDRAWN)


@transaction.atomic
def contract_end(
    *, contract: AgencyContract, actor: User, reason: str = "", by_ops: bool = False
) -> AgencyContract:
    """C3: either side (or ops, in the admin) ends a signed contract; the row stays as history."""
    contract, creator = _lock_contract(contract)
    if by_ops:
        if not actor.is_staff:
            raise WrongSide(_("Only ops staff can end a contract for both sides."))
    elif creator.user_id != actor.pk:
        _require_agency_manager(agency=contract.agency, actor=actor)
    if contract.status != ContractStatus.ACTIVE:
        raise NotAllowed(_("This contract is not in force."), code="contract_not_active")
    contract.status = ContractStatus.ENDED
    contract.closed_at, contract.closed_by = timezone.now(), actor
    contract.end_reason = (reason or "").strip()[:200]
    contract.save(update_fields=["status", "closed_at", "closed_by", "end_reason"])
    if creator.agency_id == contract.agency_id:
        creator.agency = None
        creator.save(update_fields=["agency", "updated_at"])
    return contract


@transaction.atomic
def agency_create(*, name: str, owner: User) -> Agency:
    """Create an MCN agency with its owner (ops and seed data use this)."""
    organization = Organization.objects.create(kind=OrganizationKind.AGENCY, name=name)
    Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    navigation_changed([owner.pk])  # the owner's navigation links to its agency at once
    return Agency.objects.create(organization=organization)


__all__ = [
    "agencies_score",
    "agency_appeal_decide",
    "agency_appeal_submit",
    "agency_points_reset",
    "agency_readmit",
    "complaints_resolve",
    "focus_hour_assign",
    "focus_hour_decline",
    "focus_lines_build",
    "focus_offers_expire",
    "live_sessions_import_csv",
    "live_sessions_ingest",
    "theme_proposal_decide",
    "theme_proposal_submit",
    "theme_slot_assign",
]
