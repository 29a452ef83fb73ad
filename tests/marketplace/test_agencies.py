"""C3 (agency invitations and contracts, history kept) and A4 (agency staff read only),
through the API and the services."""

from __future__ import annotations

import pytest

from agencies import services as agency_services
from agencies.models import AgencyContract, AgencyStatus, ContractStatus
from core.exceptions import NotAllowed, WrongSide
from parties import services as party_services
from parties.models import CreatorProfile
from tests import factories
from tests.conftest import client_for, row_counts

pytestmark = pytest.mark.django_db


def invite(user, agency, profile, message="欢迎加入"):
    return client_for(user).post(
        f"/api/v1/agencies/{agency.pk}/invitations/",
        {"creator": profile.pk, "message": message},
        format="json",
    )


def act(user, contract_id, action, **data):
    return client_for(user).post(f"/api/v1/contracts/{contract_id}/{action}/", data, format="json")


def profile_of(user) -> CreatorProfile:
    return CreatorProfile.objects.get(user=user)


def signed(agency, creator_user) -> AgencyContract:
    """`creator_user` signed to `agency` through the services (invite, accept)."""
    contract = agency_services.agency_invite(
        agency=agency, actor=agency.owner, creator=profile_of(creator_user)
    )
    return agency_services.contract_accept(contract=contract, actor=creator_user)


def contract_state(contract: AgencyContract) -> tuple:
    contract = AgencyContract.objects.get(pk=contract.pk)
    return contract.status, contract.signed_at, contract.closed_at, contract.closed_by_id


# --- the whole journey through the API ----------------------------------------------------


def test_invite_accept_sign_through_the_api(agency, creator):
    """C3: the agency invites, the creator accepts, the creator is signed (creator.agency
    set); the agency page lists the creator."""
    response = invite(agency.owner, agency, profile_of(creator))

    assert response.status_code == 201
    invitation = response.json()
    assert invitation["status"] == "invited"
    assert invitation["agency"] == {"id": agency.pk, "name": agency.name}
    assert invitation["creator"]["id"] == profile_of(creator).pk
    assert invitation["message"] == "欢迎加入"
    assert profile_of(creator).agency is None
    listed = client_for(creator).get("/api/v1/contracts/").json()["results"]
    assert [c["id"] for c in listed] == [invitation["id"]]

    response = act(creator, invitation["id"], "accept")

    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert response.json()["signed_at"] is not None
    assert profile_of(creator).agency == agency
    page = client_for(agency.owner).get(f"/api/v1/agencies/{agency.pk}/").json()
    assert [c["id"] for c in page["creators"]] == [profile_of(creator).pk]
    assert client_for(creator).get("/api/v1/creators/me/").json()["agency"] == {
        "id": agency.pk,
        "name": agency.name,
    }


def test_creator_ends_the_contract_and_history_is_kept(agency, creator):
    """C3: the creator ends a signed contract: the row stays with status ended, who and why;
    creator.agency is cleared; the agency no longer lists the creator."""
    contract = signed(agency, creator)

    response = act(creator, contract.pk, "end", reason="合约到期")

    assert response.status_code == 200
    assert response.json()["status"] == "ended"
    assert response.json()["end_reason"] == "合约到期"
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ENDED
    assert contract.closed_by == creator
    assert contract.closed_at is not None
    assert contract.signed_at is not None
    assert profile_of(creator).agency is None
    assert AgencyContract.objects.filter(pk=contract.pk).exists()
    page = client_for(agency.owner).get(f"/api/v1/agencies/{agency.pk}/").json()
    assert page["creators"] == []


def test_agency_ends_the_contract(agency, creator):
    """C3: the agency's owner may end the contract too; history kept, creator.agency cleared."""
    contract = signed(agency, creator)

    response = act(agency.owner, contract.pk, "end", reason="不再合作")

    assert response.status_code == 200
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ENDED
    assert contract.closed_by == agency.owner
    assert profile_of(creator).agency is None
    history = client_for(agency.owner).get("/api/v1/contracts/").json()["results"]
    assert [(c["id"], c["status"]) for c in history] == [(contract.pk, "ended")]


def test_creator_declines_an_invitation(agency, creator):
    """C3: the creator declines: the invitation is closed as declined, nothing is signed."""
    contract = agency_services.agency_invite(
        agency=agency, actor=agency.owner, creator=profile_of(creator)
    )

    response = act(creator, contract.pk, "decline")

    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    contract.refresh_from_db()
    assert contract.closed_by == creator
    assert contract.signed_at is None
    assert profile_of(creator).agency is None


def test_agency_withdraws_an_invitation(agency, creator):
    """C3: the agency withdraws an unanswered invitation; the creator can no longer accept."""
    contract = agency_services.agency_invite(
        agency=agency, actor=agency.owner, creator=profile_of(creator)
    )

    response = act(agency.owner, contract.pk, "withdraw")

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    accept = act(creator, contract.pk, "accept")
    assert accept.status_code == 409
    assert accept.json()["error"]["code"] == "invitation_closed"
    assert contract_state(contract)[0] == ContractStatus.WITHDRAWN
    assert profile_of(creator).agency is None


@pytest.mark.parametrize("closing", ["decline", "withdraw"])
def test_accepting_a_closed_invitation_is_409(agency, creator, closing):
    """C3: accepting an invitation that was declined or withdrawn is 409 `invitation_closed`;
    nothing changes."""
    contract = agency_services.agency_invite(
        agency=agency, actor=agency.owner, creator=profile_of(creator)
    )
    closer = creator if closing == "decline" else agency.owner
    assert act(closer, contract.pk, closing).status_code == 200
    before = contract_state(contract)

    response = act(creator, contract.pk, "accept")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invitation_closed"
    assert contract_state(contract) == before
    assert profile_of(creator).agency is None


def test_accepting_twice_is_409(agency, creator):
    """C3: an accepted invitation is no longer open: a second accept is 409, signed_at kept."""
    contract = signed(agency, creator)
    before = contract_state(contract)

    response = act(creator, contract.pk, "accept")

    assert response.status_code == 409
    assert contract_state(contract) == before


def test_accept_while_signed_elsewhere_is_refused(agency, other_agency, creator):
    """C3: a creator signed to one agency cannot accept another's invitation (409
    `already_signed_elsewhere`); the invitation stays open and the creator stays signed."""
    signed(agency, creator)
    invitation = agency_services.agency_invite(
        agency=other_agency, actor=other_agency.owner, creator=profile_of(creator)
    )
    before = contract_state(invitation)

    response = act(creator, invitation.pk, "accept")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_signed_elsewhere"
    assert contract_state(invitation) == before
    assert profile_of(creator).agency == agency
    assert AgencyContract.objects.filter(status=ContractStatus.ACTIVE).count() == 1


def test_after_ending_the_creator_may_sign_elsewhere(agency, other_agency, creator):
    """C3: once the first contract ends, the other agency's open invitation can be accepted;
    both contracts remain as history."""
    first = signed(agency, creator)
    invitation = agency_services.agency_invite(
        agency=other_agency, actor=other_agency.owner, creator=profile_of(creator)
    )
    assert act(creator, first.pk, "end").status_code == 200

    response = act(creator, invitation.pk, "accept")

    assert response.status_code == 200
    assert profile_of(creator).agency == other_agency
    history = client_for(creator).get("/api/v1/contracts/").json()["results"]
    assert sorted((c["agency"]["id"], c["status"]) for c in history) == sorted(
        [(agency.pk, "ended"), (other_agency.pk, "active")]
    )


def test_re_signing_the_same_agency_keeps_both_contracts(agency, creator):
    """C3: sign, end, be invited again and sign again: two rows, one ended and one active."""
    first = signed(agency, creator)
    agency_services.contract_end(contract=first, actor=creator)

    second = signed(agency, creator)

    statuses = AgencyContract.objects.filter(agency=agency, creator=profile_of(creator))
    assert sorted(statuses.values_list("status", flat=True)) == ["active", "ended"]
    assert second.pk != first.pk
    assert profile_of(creator).agency == agency


# --- refusals: roles, duplicates, states --------------------------------------------------


def test_staff_member_cannot_invite(agency, agency_staff, creator):
    """C3/A4: a staff-role member of the agency cannot invite: 403, no contract written."""
    before = row_counts(AgencyContract)

    response = invite(agency_staff, agency, profile_of(creator))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_side"
    assert row_counts(AgencyContract) == before


def test_staff_member_cannot_withdraw_or_end(agency, agency_staff, creator, outsider_creator):
    """C3/A4: staff can neither withdraw an invitation nor end a contract; nothing changes."""
    contract = signed(agency, creator)
    invitation = agency_services.agency_invite(
        agency=agency, actor=agency.owner, creator=profile_of(outsider_creator)
    )
    before = contract_state(contract), contract_state(invitation)

    assert act(agency_staff, invitation.pk, "withdraw").status_code == 403
    assert act(agency_staff, contract.pk, "end").status_code == 403

    assert (contract_state(contract), contract_state(invitation)) == before
    assert profile_of(creator).agency == agency


def test_agency_admin_can_invite(agency, creator):
    """C3/A2: an admin member of the agency may invite, like the owner."""
    admin = factories.UserFactory()
    party_services.membership_add(organization=agency.organization, user=admin, role="admin")

    assert invite(admin, agency, profile_of(creator)).status_code == 201


def test_agency_cannot_accept_or_decline_for_the_creator(agency, creator):
    """C3: only the invited creator answers an invitation; the agency gets 403."""
    contract = agency_services.agency_invite(
        agency=agency, actor=agency.owner, creator=profile_of(creator)
    )
    before = contract_state(contract)

    assert act(agency.owner, contract.pk, "accept").status_code == 403
    assert act(agency.owner, contract.pk, "decline").status_code == 403

    assert contract_state(contract) == before
    assert profile_of(creator).agency is None


def test_creator_cannot_withdraw_the_agencys_invitation(agency, creator):
    """C3: withdrawing is the agency's; the creator gets 403 and the invitation stays open."""
    contract = agency_services.agency_invite(
        agency=agency, actor=agency.owner, creator=profile_of(creator)
    )

    response = act(creator, contract.pk, "withdraw")

    assert response.status_code == 403
    assert contract_state(contract)[0] == ContractStatus.INVITED


def test_second_open_invitation_is_409(agency, creator):
    """C3: one open invitation per agency and creator: a second is 409 `already_invited`."""
    agency_services.agency_invite(agency=agency, actor=agency.owner, creator=profile_of(creator))
    before = row_counts(AgencyContract)

    response = invite(agency.owner, agency, profile_of(creator))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_invited"
    assert row_counts(AgencyContract) == before


def test_inviting_a_creator_already_signed_to_the_agency_is_409(agency, creator):
    """C3: inviting one's own signed creator is 409 `already_signed`; nothing written."""
    signed(agency, creator)
    before = row_counts(AgencyContract)

    response = invite(agency.owner, agency, profile_of(creator))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_signed"
    assert row_counts(AgencyContract) == before


def test_reinvite_after_decline_is_allowed(agency, creator):
    """C3: a declined invitation is history; the agency may invite again."""
    contract = agency_services.agency_invite(
        agency=agency, actor=agency.owner, creator=profile_of(creator)
    )
    agency_services.contract_decline(contract=contract, actor=creator)

    assert invite(agency.owner, agency, profile_of(creator)).status_code == 201
    assert AgencyContract.objects.filter(agency=agency).count() == 2


def test_inviting_an_unknown_creator_is_404(agency):
    """C3/A3: inviting a creator id that does not exist is 404; nothing written."""
    response = client_for(agency.owner).post(
        f"/api/v1/agencies/{agency.pk}/invitations/", {"creator": 999999}, format="json"
    )

    assert response.status_code == 404
    assert AgencyContract.objects.count() == 0


def test_invitation_without_a_creator_is_400(agency):
    """C3: the invitation names a creator profile id; missing or malformed is 400."""
    url = f"/api/v1/agencies/{agency.pk}/invitations/"
    client = client_for(agency.owner)

    assert client.post(url, {}, format="json").status_code == 400
    response = client.post(url, {"creator": "someone"}, format="json")
    assert response.status_code == 400
    assert "creator" in response.json()["error"]["fields"]
    assert AgencyContract.objects.count() == 0


def test_ending_a_contract_that_is_not_in_force_is_409(agency, creator):
    """C3: only a signed contract can be ended: ending an invitation or an ended contract is
    409 `contract_not_active`; nothing changes."""
    invitation = agency_services.agency_invite(
        agency=agency, actor=agency.owner, creator=profile_of(creator)
    )
    response = act(creator, invitation.pk, "end")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "contract_not_active"
    assert contract_state(invitation)[0] == ContractStatus.INVITED

    agency_services.contract_decline(contract=invitation, actor=creator)
    contract = signed(agency, creator)
    agency_services.contract_end(contract=contract, actor=creator, reason="第一次")
    before = contract_state(contract)

    assert act(agency.owner, contract.pk, "end", reason="第二次").status_code == 409
    assert contract_state(contract) == before
    assert AgencyContract.objects.get(pk=contract.pk).end_reason == "第一次"


def test_expelled_agency_cannot_invite_nor_be_accepted(agency, creator, outsider_creator):
    """C3/G3: an expelled agency cannot operate: inviting is 409 `agency_inactive`, and an
    invitation it sent before cannot be accepted."""
    invitation = agency_services.agency_invite(
        agency=agency, actor=agency.owner, creator=profile_of(creator)
    )
    agency.status = AgencyStatus.EXPELLED
    agency.save()
    before = row_counts(AgencyContract)

    response = invite(agency.owner, agency, profile_of(outsider_creator))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "agency_inactive"
    assert row_counts(AgencyContract) == before

    response = act(creator, invitation.pk, "accept")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "agency_inactive"
    assert contract_state(invitation)[0] == ContractStatus.INVITED
    assert profile_of(creator).agency is None


# --- the services directly ----------------------------------------------------------------


def test_services_invite_accept_end(agency, creator):
    """C3: the services carry the whole flow: invited → active (agency set) → ended
    (agency cleared), one row throughout."""
    profile = profile_of(creator)
    contract = agency_services.agency_invite(agency=agency, actor=agency.owner, creator=profile)
    assert contract.status == ContractStatus.INVITED
    assert contract.invited_by == agency.owner

    contract = agency_services.contract_accept(contract=contract, actor=creator)
    assert contract.status == ContractStatus.ACTIVE
    assert profile_of(creator).agency == agency

    contract = agency_services.contract_end(contract=contract, actor=agency.owner, reason="解约")
    assert contract.status == ContractStatus.ENDED
    assert contract.end_reason == "解约"
    assert profile_of(creator).agency is None
    assert AgencyContract.objects.count() == 1


def test_service_accept_refuses_while_signed_elsewhere(agency, other_agency, creator):
    """C3: contract_accept raises `already_signed_elsewhere`; no second active contract."""
    signed(agency, creator)
    invitation = agency_services.agency_invite(
        agency=other_agency, actor=other_agency.owner, creator=profile_of(creator)
    )

    with pytest.raises(NotAllowed) as refused:
        agency_services.contract_accept(contract=invitation, actor=creator)

    assert refused.value.code == "already_signed_elsewhere"
    assert contract_state(invitation)[0] == ContractStatus.INVITED
    assert profile_of(creator).agency == agency


def test_service_refuses_staff_and_strangers(agency, agency_staff, creator, outsider_creator):
    """C3: the services check roles themselves: staff cannot invite, another creator cannot
    accept, decline or end someone else's contract."""
    with pytest.raises(WrongSide):
        agency_services.agency_invite(
            agency=agency, actor=agency_staff, creator=profile_of(creator)
        )
    invitation = agency_services.agency_invite(
        agency=agency, actor=agency.owner, creator=profile_of(creator)
    )
    with pytest.raises(WrongSide):
        agency_services.contract_accept(contract=invitation, actor=outsider_creator)
    with pytest.raises(WrongSide):
        agency_services.contract_decline(contract=invitation, actor=outsider_creator)
    contract = agency_services.contract_accept(contract=invitation, actor=creator)
    with pytest.raises(WrongSide):
        agency_services.contract_end(contract=contract, actor=outsider_creator)

    assert contract_state(contract)[0] == ContractStatus.ACTIVE
    assert AgencyContract.objects.count() == 1


def test_ops_end_a_contract_for_both_sides(agency, creator):
    """C3: ops (staff flag) end a contract in the admin; a non-staff user cannot use by_ops."""
    contract = signed(agency, creator)
    with pytest.raises(WrongSide):
        agency_services.contract_end(contract=contract, actor=creator, by_ops=True)
    assert contract_state(contract)[0] == ContractStatus.ACTIVE

    ops = factories.UserFactory(is_staff=True)
    agency_services.contract_end(contract=contract, actor=ops, reason="违规", by_ops=True)

    contract.refresh_from_db()
    assert contract.status == ContractStatus.ENDED
    assert contract.closed_by == ops
    assert profile_of(creator).agency is None


# --- A4: agency staff read ----------------------------------------------------------------


def test_agency_staff_read_the_signed_creators(agency, agency_staff, creator, outsider_creator):
    """A4: staff of the agency see (read only) the creators signed to it, not those merely
    invited."""
    signed(agency, creator)
    agency_services.agency_invite(
        agency=agency, actor=agency.owner, creator=profile_of(outsider_creator)
    )

    response = client_for(agency_staff).get(f"/api/v1/agencies/{agency.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == agency.name
    assert body["status"] == "active"
    assert [c["id"] for c in body["creators"]] == [profile_of(creator).pk]
    contracts = client_for(agency_staff).get("/api/v1/contracts/").json()["results"]
    assert len(contracts) == 2


def test_creator_sees_only_own_contracts(agency, creator, outsider_creator):
    """A4: a creator's contract list holds its own contracts, never another creator's."""
    mine = agency_services.agency_invite(
        agency=agency, actor=agency.owner, creator=profile_of(creator)
    )
    agency_services.agency_invite(
        agency=agency, actor=agency.owner, creator=profile_of(outsider_creator)
    )

    listed = client_for(creator).get("/api/v1/contracts/").json()["results"]

    assert [c["id"] for c in listed] == [mine.pk]
