"""A1 and A2: registration, tokens, the one-time choice of side, memberships."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from agencies import services as agency_services
from core.exceptions import InvalidInput, NotAllowed
from parties import services as party_services
from parties.models import CreatorProfile, Membership, Organization, Side, User
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PASSWORD = "Long-enough-pass-2026"


def register(api_client, **data):
    return api_client.post("/api/v1/auth/register/", data, format="json")


# --- registration and the token flow -----------------------------------------------------


def test_register_token_me_flow_for_a_merchant(api_client):
    """A1: register as a merchant, get a token, read /me/ with `Authorization: Token …`."""
    response = register(api_client, username="shopkeeper", password=PASSWORD, side="merchant")
    assert response.status_code == 201
    assert response.json()["side"] == "merchant"
    assert response.json()["creator_id"] is None

    token = api_client.post(
        "/api/v1/auth/token/", {"username": "shopkeeper", "password": PASSWORD}, format="json"
    )
    assert token.status_code == 200
    key = token.json()["token"]
    assert Token.objects.get(key=key).user.username == "shopkeeper"

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "shopkeeper"
    assert me.json()["side"] == "merchant"
    assert me.json()["memberships"] == []
    assert not CreatorProfile.objects.filter(user__username="shopkeeper").exists()


def test_register_as_creator_creates_a_creator_profile(api_client):
    """A1/C1: a creator registration creates the (empty) creator profile /me/ points at."""
    response = register(api_client, username="xiaomei", password=PASSWORD, side="creator")

    assert response.status_code == 201
    profile = CreatorProfile.objects.get(user__username="xiaomei")
    assert response.json()["creator_id"] == profile.pk
    assert profile.display_name == "xiaomei"
    assert User.objects.get(username="xiaomei").side_chosen_at is not None


def test_the_token_is_stable_for_a_user(api_client):
    """A1: asking for a token twice returns the same token (one per user)."""
    register(api_client, username="twice", password=PASSWORD, side="creator")
    credentials = {"username": "twice", "password": PASSWORD}

    first = api_client.post("/api/v1/auth/token/", credentials, format="json").json()["token"]
    second = api_client.post("/api/v1/auth/token/", credentials, format="json").json()["token"]

    assert first == second
    assert Token.objects.count() == 1


def test_token_with_a_wrong_password_is_refused(api_client):
    """A1: a wrong password is 400 `invalid_credentials` and no token is created."""
    factories.MerchantUserFactory(username="boss")

    response = api_client.post(
        "/api/v1/auth/token/", {"username": "boss", "password": "wrong"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert Token.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"username": "a", "password": PASSWORD, "side": "agency"}, "side"),
        ({"username": "a", "password": PASSWORD, "side": ""}, "side"),
        ({"username": "a", "password": PASSWORD}, "side"),
        ({"username": "", "password": PASSWORD, "side": "creator"}, "username"),
        ({"username": "a", "password": "123", "side": "creator"}, "password"),
    ],
    ids=["unknown-side", "blank-side", "no-side", "no-username", "weak-password"],
)
def test_register_refuses_bad_input(api_client, data, field):
    """A1: registration without a valid side, name or password is 400; no user is created."""
    response = register(api_client, **data)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert User.objects.count() == 0
    assert CreatorProfile.objects.count() == 0


def test_register_refuses_a_taken_name_case_insensitively(api_client):
    """A1: a user name is taken whatever its case; nothing is created for the second try."""
    factories.MerchantUserFactory(username="Taken")

    response = register(api_client, username="taken", password=PASSWORD, side="creator")

    assert response.status_code == 400
    assert "username" in response.json()["error"]["fields"]
    assert User.objects.count() == 1
    assert CreatorProfile.objects.count() == 0


# --- A1: the side is chosen once ---------------------------------------------------------


def test_user_without_side_chooses_creator_once(api_client):
    """A1: a user with no side (e.g. made by ops) chooses creator once; a profile appears."""
    user = factories.UserFactory(side="")

    response = client_for(user).patch("/api/v1/me/", {"side": "creator"}, format="json")

    assert response.status_code == 200
    assert response.json()["side"] == "creator"
    user.refresh_from_db()
    assert user.side == Side.CREATOR
    assert user.side_chosen_at is not None
    profile = CreatorProfile.objects.get(user=user)
    assert response.json()["creator_id"] == profile.pk


def test_user_without_side_chooses_merchant_once():
    """A1: choosing merchant sets the side and creates no creator profile."""
    user = factories.UserFactory(side="")

    response = client_for(user).patch("/api/v1/me/", {"side": "merchant"}, format="json")

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.side == Side.MERCHANT
    assert CreatorProfile.objects.count() == 0


@pytest.mark.parametrize("new_side", ["merchant", "creator"])
def test_second_side_change_via_api_is_409_and_side_unchanged(creator, new_side):
    """A1: a creator asking for a side again (other or same) gets 409 `side_already_chosen`;
    the side, its timestamp and the profiles are unchanged."""
    before = User.objects.get(pk=creator.pk)
    profiles = CreatorProfile.objects.count()

    response = client_for(creator).patch("/api/v1/me/", {"side": new_side}, format="json")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "side_already_chosen"
    assert error["message"]
    after = User.objects.get(pk=creator.pk)
    assert after.side == Side.CREATOR
    assert after.side_chosen_at == before.side_chosen_at
    assert CreatorProfile.objects.count() == profiles


def test_merchant_cannot_become_creator_via_api(merchant):
    """A1: a merchant switching to creator is 409; still a merchant, no creator profile made."""
    response = client_for(merchant).patch("/api/v1/me/", {"side": "creator"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "side_already_chosen"
    merchant.refresh_from_db()
    assert merchant.side == Side.MERCHANT
    assert not CreatorProfile.objects.filter(user=merchant).exists()


def test_choosing_a_second_time_after_first_choice_is_refused():
    """A1: the first choice wins; the second, through the same API, is 409 and changes nothing."""
    user = factories.UserFactory(side="")
    client = client_for(user)

    assert client.patch("/api/v1/me/", {"side": "merchant"}, format="json").status_code == 200
    response = client.patch("/api/v1/me/", {"side": "creator"}, format="json")

    assert response.status_code == 409
    user.refresh_from_db()
    assert user.side == Side.MERCHANT
    assert CreatorProfile.objects.count() == 0


@pytest.mark.parametrize("side", ["agency", "", None])
def test_choosing_an_unknown_side_is_400(side):
    """A1: the side is merchant or creator; anything else is 400 and the user keeps no side."""
    user = factories.UserFactory(side="")

    response = client_for(user).patch("/api/v1/me/", {"side": side}, format="json")

    assert response.status_code == 400
    assert "side" in response.json()["error"]["fields"]
    user.refresh_from_db()
    assert user.side == ""
    assert user.side_chosen_at is None


def test_user_choose_side_service_refuses_a_second_choice(creator):
    """A1: the service refuses a second choice with `side_already_chosen`, nothing written."""
    with pytest.raises(NotAllowed) as refused:
        party_services.user_choose_side(user=creator, side=Side.MERCHANT)

    assert refused.value.code == "side_already_chosen"
    creator.refresh_from_db()
    assert creator.side == Side.CREATOR


def test_user_choose_side_service_sees_a_stale_instance_already_chose():
    """A1: the service re-reads the row under lock, so a stale in-memory user cannot switch."""
    user = factories.UserFactory(side="")
    stale = User.objects.get(pk=user.pk)
    party_services.user_choose_side(user=user, side=Side.CREATOR)

    with pytest.raises(NotAllowed):
        party_services.user_choose_side(user=stale, side=Side.MERCHANT)

    user.refresh_from_db()
    assert user.side == Side.CREATOR


def test_user_register_service_refuses_unknown_side():
    """A1: the service itself refuses a side other than merchant or creator."""
    with pytest.raises(InvalidInput) as refused:
        party_services.user_register(username="ops", password=PASSWORD, side="ops")

    assert "side" in refused.value.fields
    assert User.objects.count() == 0


def test_me_requires_authentication(api_client):
    """A1/§5: /me/ without credentials is 401 with the error shape."""
    response = api_client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_change_side_requires_authentication(api_client):
    """A1/§5: choosing a side without credentials is 401."""
    response = api_client.patch("/api/v1/me/", {"side": "creator"}, format="json")

    assert response.status_code == 401


# --- A2: memberships -------------------------------------------------------------------


def test_me_lists_memberships_with_role(merchant, shop, agency):
    """A2: /me/ shows the user's tenants with their kind and the user's role."""
    party_services.membership_add(organization=agency.organization, user=merchant, role="staff")

    memberships = client_for(merchant).get("/api/v1/me/").json()["memberships"]

    assert sorted(memberships, key=lambda m: m["organization_id"]) == [
        {
            "organization_id": shop.organization_id,
            "organization_name": shop.name,
            "kind": "shop",
            "role": "owner",
        },
        {
            "organization_id": agency.organization_id,
            "organization_name": agency.name,
            "kind": "agency",
            "role": "staff",
        },
    ]


def test_membership_add_is_idempotent_and_keeps_the_first_role(agency):
    """A2: a user has one membership per tenant; adding again keeps the existing role."""
    user = factories.UserFactory()
    party_services.membership_add(organization=agency.organization, user=user, role="admin")
    again = party_services.membership_add(organization=agency.organization, user=user, role="staff")

    assert again.role == "admin"
    assert Membership.objects.filter(user=user).count() == 1


def test_agency_create_makes_a_tenant_with_its_owner():
    """A2: an agency is an organization of kind agency, with its creator as owner."""
    owner = factories.UserFactory()

    agency = agency_services.agency_create(name="星光机构", owner=owner)

    assert agency.organization.kind == "agency"
    assert Membership.objects.get(user=owner, organization=agency.organization).role == "owner"
    assert Organization.objects.filter(kind="agency").count() == 1
