"""A3: another tenant's object answers 404 — never 403, never its data — on every detail
endpoint of the foundation API; refused requests change nothing."""

from __future__ import annotations

import pytest

from agencies import services as agency_services
from agencies.models import AgencyContract, ContractStatus
from parties import services as party_services
from parties.models import CreatorProfile, PaymentAccount
from tests import factories
from tests.conftest import client_for, row_counts

pytestmark = pytest.mark.django_db


def assert_hidden(response, *secrets: str) -> None:
    """A3: a 404 in the standard shape that names none of the object's details."""
    assert response.status_code == 404, response.content
    body = response.json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["fields"] == {}
    text = response.content.decode()
    for secret in secrets:
        assert secret not in text


def not_found_body(user, url: str, method: str = "get") -> dict:
    return getattr(client_for(user), method)(url, format="json").json()


# --- shops --------------------------------------------------------------------------------


def test_another_tenants_shop_is_404(shop, outsider):
    """A3: GET /shops/{id}/ of another merchant's shop is 404 without the shop's name."""
    response = client_for(outsider).get(f"/api/v1/shops/{shop.pk}/")

    assert_hidden(response, shop.name, shop.owner.username)


def test_another_tenants_shop_looks_like_a_missing_one(shop, outsider):
    """A3: another tenant's shop and a shop that does not exist answer exactly alike."""
    theirs = client_for(outsider).get(f"/api/v1/shops/{shop.pk}/")
    missing = client_for(outsider).get("/api/v1/shops/999999/")

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()


def test_binding_an_account_on_another_tenants_shop_is_404(outsider):
    """A3/M2: POST /shops/{id}/payment-account/ on another tenant's shop is 404, checked
    before the input (a valid or an empty body answer the same); nothing is bound."""
    victim = factories.ShopFactory()
    url = f"/api/v1/shops/{victim.pk}/payment-account/"
    body = {"account_id": "thief@example.com", "holder_name": "Thief"}

    assert_hidden(client_for(outsider).post(url, body, format="json"), victim.name)
    assert_hidden(client_for(outsider).post(url, {}, format="json"), victim.name)

    assert PaymentAccount.objects.filter(shop=victim).count() == 0


def test_unbinding_another_tenants_account_is_404(shop, outsider):
    """A3/M2: DELETE /shops/{id}/payment-account/ on another tenant's shop is 404 and the
    account stays bound."""
    account = PaymentAccount.objects.get(shop=shop)

    response = client_for(outsider).delete(f"/api/v1/shops/{shop.pk}/payment-account/")

    assert_hidden(response, shop.name, account.account_id, account.holder_name)
    account.refresh_from_db()
    assert account.is_bound
    assert account.unbound_by is None


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_creators_cannot_reach_shops(shop, creator, method):
    """A3: a creator (no membership) gets 404 on every shop detail endpoint."""
    url = (
        f"/api/v1/shops/{shop.pk}/"
        if method == "get"
        else f"/api/v1/shops/{shop.pk}/payment-account/"
    )
    before = row_counts(PaymentAccount)

    response = getattr(client_for(creator), method)(url, {}, format="json")

    assert_hidden(response, shop.name)
    assert row_counts(PaymentAccount) == before
    assert PaymentAccount.objects.get(shop=shop).is_bound


def test_shop_list_shows_only_own_shops(shop, merchant, outsider):
    """A3: GET /shops/ lists the user's own shops only."""
    mine = client_for(merchant).get("/api/v1/shops/").json()
    theirs = client_for(outsider).get("/api/v1/shops/").json()

    assert [s["id"] for s in mine["results"]] == [shop.pk]
    assert shop.pk not in [s["id"] for s in theirs["results"]]
    assert theirs["count"] == 1


def test_shop_staff_may_read_their_shop(shop):
    """A2/A3: any member of the shop's tenant (even staff) reads it."""
    staff = factories.MerchantUserFactory()
    party_services.membership_add(organization=shop.organization, user=staff, role="staff")

    response = client_for(staff).get(f"/api/v1/shops/{shop.pk}/")

    assert response.status_code == 200
    assert response.json()["name"] == shop.name


# --- agencies -----------------------------------------------------------------------------


def test_another_tenants_agency_is_404(agency, other_agency, outsider, creator):
    """A3: GET /agencies/{id}/ is 404 for another agency's owner, a merchant and a creator
    (even one signed to it), without the agency's name or its creators."""
    contract = agency_services.agency_invite(
        agency=agency, actor=agency.owner, creator=CreatorProfile.objects.get(user=creator)
    )
    agency_services.contract_accept(contract=contract, actor=creator)
    url = f"/api/v1/agencies/{agency.pk}/"
    display_name = CreatorProfile.objects.get(user=creator).display_name

    for user in (other_agency.owner, outsider, creator):
        assert_hidden(client_for(user).get(url), agency.name, display_name)


def test_inviting_through_another_tenants_agency_is_404(agency, other_agency, creator):
    """A3/C3: POST /agencies/{id}/invitations/ on another agency is 404, before the input is
    read; no invitation is written."""
    url = f"/api/v1/agencies/{agency.pk}/invitations/"
    profile = CreatorProfile.objects.get(user=creator)
    client = client_for(other_agency.owner)

    assert_hidden(client.post(url, {"creator": profile.pk}, format="json"), agency.name)
    assert_hidden(client.post(url, {}, format="json"), agency.name)

    assert AgencyContract.objects.count() == 0


@pytest.mark.parametrize("action", ["accept", "decline", "withdraw", "end"])
def test_another_tenants_invitation_is_404_for_every_action(
    agency, other_agency, creator, outsider_creator, outsider, action
):
    """A3/C3: POST /contracts/{id}/{action}/ on an invitation the user has no part in is 404
    (another creator, another agency, a merchant); the invitation is unchanged."""
    contract = agency_services.agency_invite(
        agency=agency,
        actor=agency.owner,
        creator=CreatorProfile.objects.get(user=creator),
        message="独家邀约",
    )

    for user in (outsider_creator, other_agency.owner, outsider):
        response = client_for(user).post(f"/api/v1/contracts/{contract.pk}/{action}/")
        assert_hidden(response, agency.name, "独家邀约")

    contract.refresh_from_db()
    assert contract.status == ContractStatus.INVITED
    assert contract.closed_at is None
    assert CreatorProfile.objects.get(user=creator).agency is None


@pytest.mark.parametrize("action", ["end", "accept", "decline", "withdraw"])
def test_another_tenants_signed_contract_is_404(
    agency, other_agency, creator, outsider_creator, action
):
    """A3/C3: a signed contract cannot be ended (or acted on) by another agency or creator:
    404, and the creator stays signed."""
    contract = agency_services.agency_invite(
        agency=agency, actor=agency.owner, creator=CreatorProfile.objects.get(user=creator)
    )
    agency_services.contract_accept(contract=contract, actor=creator)

    for user in (other_agency.owner, outsider_creator):
        response = client_for(user).post(f"/api/v1/contracts/{contract.pk}/{action}/")
        assert_hidden(response, agency.name)

    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert CreatorProfile.objects.get(user=creator).agency == agency


def test_contract_lists_are_scoped(agency, other_agency, creator, outsider_creator):
    """A3: GET /contracts/ shows a creator its own contracts and an agency its own, only."""
    ours = agency_services.agency_invite(
        agency=agency, actor=agency.owner, creator=CreatorProfile.objects.get(user=creator)
    )
    theirs = agency_services.agency_invite(
        agency=other_agency,
        actor=other_agency.owner,
        creator=CreatorProfile.objects.get(user=outsider_creator),
    )

    def ids(user):
        return [c["id"] for c in client_for(user).get("/api/v1/contracts/").json()["results"]]

    assert ids(agency.owner) == [ours.pk]
    assert ids(other_agency.owner) == [theirs.pk]
    assert ids(creator) == [ours.pk]
    assert ids(outsider_creator) == [theirs.pk]


def test_missing_and_foreign_objects_answer_alike(agency, other_agency, shop, outsider):
    """A3: for every detail endpoint, another tenant's object and a missing id get the same
    404 body."""
    contract = factories.ContractFactory(agency=agency)
    foreign = [
        ("get", f"/api/v1/shops/{shop.pk}/"),
        ("post", f"/api/v1/shops/{shop.pk}/payment-account/"),
        ("delete", f"/api/v1/shops/{shop.pk}/payment-account/"),
        ("get", f"/api/v1/agencies/{agency.pk}/"),
        ("post", f"/api/v1/agencies/{agency.pk}/invitations/"),
        ("post", f"/api/v1/contracts/{contract.pk}/accept/"),
        ("post", f"/api/v1/contracts/{contract.pk}/decline/"),
        ("post", f"/api/v1/contracts/{contract.pk}/withdraw/"),
        ("post", f"/api/v1/contracts/{contract.pk}/end/"),
    ]

    not_found = not_found_body(outsider, "/api/v1/shops/999999/")
    assert not_found["error"]["code"] == "not_found"
    assert not_found["error"]["fields"] == {}
    for method, url in foreign:
        for user in (outsider, other_agency.owner):
            assert not_found_body(user, url, method) == not_found, (method, url)
        missing = url.replace(f"/{shop.pk}/", "/999999/")
        missing = missing.replace(f"/{agency.pk}/", "/999999/")
        missing = missing.replace(f"/{contract.pk}/", "/999999/")
        assert not_found_body(outsider, missing, method) == not_found, (method, missing)
    assert AgencyContract.objects.get(pk=contract.pk).status == ContractStatus.INVITED
