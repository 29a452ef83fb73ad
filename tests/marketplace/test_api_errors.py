"""§5: every API error has one JSON shape, {"error": {"code", "message", "fields"}}, with
400 for bad input, 401 unauthenticated, 403 wrong side, 404 not found or not yours (A3),
409 not allowed in the current state."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.authtoken.models import Token

from core.api_errors import error_body, exception_handler
from core.exceptions import AdmissionRefused, InvalidInput, NotAllowed, WrongSide
from parties.models import MerchantShop, PaymentAccount
from tests import factories
from tests.conftest import client_for, row_counts

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int, code: str) -> dict:
    """§5: the one error shape; returns the inner error object."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["fields"], dict)
    return error


# --- 400 ----------------------------------------------------------------------------------


def test_400_names_each_bad_field(merchant):
    """§5: bad input is 400 `invalid` with a message per field; nothing is written."""
    before = row_counts(MerchantShop)

    response = client_for(merchant).post(
        "/api/v1/shops/", {"platform": "jd", "seller_credit_level": 99}, format="json"
    )

    error = assert_error_shape(response, 400, "invalid")
    assert set(error["fields"]) == {
        "name",
        "platform",
        "seller_credit_level",
        "meets_marketing_rules",
    }
    assert all(
        isinstance(messages, list) and all(isinstance(m, str) for m in messages)
        for messages in error["fields"].values()
    )
    assert row_counts(MerchantShop) == before


def test_400_for_a_domain_refusal_carries_its_own_code(merchant):
    """§5/M1: a refused admission is 400 with code `admission_refused` and the reason."""
    response = client_for(merchant).post(
        "/api/v1/shops/",
        {
            "name": "x",
            "platform": "taobao",
            "seller_credit_level": 7,
            "meets_marketing_rules": True,
        },
        format="json",
    )

    assert_error_shape(response, 400, "admission_refused")


def test_400_for_malformed_json(merchant):
    """§5: a body that is not JSON is 400 in the same shape."""
    response = client_for(merchant).post(
        "/api/v1/shops/", data="{not json", content_type="application/json"
    )

    assert_error_shape(response, 400, "parse_error")


def test_400_for_nested_field_errors(creator):
    """§5: an error inside a list (one bad channel entry) keeps the shape; fields nest by
    index."""
    response = client_for(creator).put(
        "/api/v1/creators/me/",
        {"display_name": "小美", "channels": [{"code": "haohuo"}]},
        format="json",
    )

    error = assert_error_shape(response, 400, "invalid")
    assert set(error["fields"]) == {"channels"}


def test_400_for_bad_money(creator):
    """§5/E1: money that is not yuan with at most two decimals is 400 naming the field."""
    response = client_for(creator).put(
        "/api/v1/creators/me/",
        {"display_name": "小美", "rates": {"video": "12.345"}},
        format="json",
    )

    error = assert_error_shape(response, 400, "invalid")
    assert set(error["fields"]) == {"rates"}


# --- 401 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/me/"),
        ("get", "/api/v1/shops/"),
        ("post", "/api/v1/shops/"),
        ("get", "/api/v1/creators/"),
        ("put", "/api/v1/creators/me/"),
        ("get", "/api/v1/contracts/"),
        ("get", "/api/v1/agencies/1/"),
        ("post", "/api/v1/contracts/1/accept/"),
    ],
)
def test_401_without_credentials(api_client, method, url):
    """§5: a request without credentials is 401 `not_authenticated`, with a token
    challenge."""
    response = getattr(api_client, method)(url, {}, format="json")

    assert_error_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_401_with_a_bad_token(api_client):
    """§5: a wrong token is 401 `authentication_failed`."""
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get("/api/v1/me/")

    assert_error_shape(response, 401, "authentication_failed")


def test_401_for_a_deactivated_users_token(api_client):
    """§5: the token of a deactivated account no longer works: 401."""
    user = factories.MerchantUserFactory()
    token = Token.objects.create(user=user)
    user.is_active = False
    user.save()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert_error_shape(api_client.get("/api/v1/me/"), 401, "authentication_failed")


def test_token_header_authenticates(api_client):
    """§5: `Authorization: Token …` authenticates a program."""
    user = factories.MerchantUserFactory()
    token = Token.objects.create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api_client.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["id"] == user.pk


# --- 403 ----------------------------------------------------------------------------------


def test_403_for_the_wrong_side(creator):
    """§5/A1: a creator POSTing /api/v1/shops/ is 403 `wrong_side`; nothing written."""
    before = row_counts(MerchantShop)

    response = client_for(creator).post(
        "/api/v1/shops/",
        {
            "name": "x",
            "platform": "tmall",
            "seller_credit_level": 12,
            "meets_marketing_rules": True,
        },
        format="json",
    )

    assert_error_shape(response, 403, "wrong_side")
    assert row_counts(MerchantShop) == before


def test_403_for_a_merchant_on_the_creator_profile(merchant):
    """§5/A1: a merchant on /creators/me/ is 403 `wrong_side`."""
    assert_error_shape(client_for(merchant).get("/api/v1/creators/me/"), 403, "wrong_side")


# --- 404 ----------------------------------------------------------------------------------


def test_404_for_a_missing_object(merchant):
    """§5/A3: an id that does not exist is 404 `not_found` in the same shape."""
    assert_error_shape(client_for(merchant).get("/api/v1/shops/424242/"), 404, "not_found")
    assert_error_shape(client_for(merchant).get("/api/v1/creators/424242/"), 404, "not_found")


def test_404_for_another_tenants_object(shop, outsider):
    """§5/A3: another tenant's shop is 404, not 403."""
    error = assert_error_shape(
        client_for(outsider).get(f"/api/v1/shops/{shop.pk}/"), 404, "not_found"
    )
    assert shop.name not in error["message"]


# --- 405 and 409 --------------------------------------------------------------------------


def test_405_keeps_the_shape(merchant):
    """§5: a method the endpoint does not offer keeps the error shape."""
    assert_error_shape(client_for(merchant).delete("/api/v1/shops/"), 405, "method_not_allowed")


def test_409_for_binding_a_second_payment_account(shop, merchant):
    """§5/M2: binding a second payment account is 409 `already_bound`; nothing written."""
    before = row_counts(PaymentAccount)

    response = client_for(merchant).post(
        f"/api/v1/shops/{shop.pk}/payment-account/",
        {"account_id": "b@example.com", "holder_name": "B"},
        format="json",
    )

    assert_error_shape(response, 409, "already_bound")
    assert row_counts(PaymentAccount) == before


def test_409_for_unbinding_when_nothing_is_bound(merchant):
    """§5/M2: unbinding when nothing is bound is 409 `not_bound`."""
    shop = factories.ShopFactory(owner=merchant)

    response = client_for(merchant).delete(f"/api/v1/shops/{shop.pk}/payment-account/")

    assert_error_shape(response, 409, "not_bound")
    assert PaymentAccount.objects.filter(shop=shop).count() == 0


def test_409_for_accepting_a_closed_invitation(creator):
    """§5/C3: accepting a withdrawn invitation is 409 `invitation_closed`."""
    contract = factories.ContractFactory(creator=creator.creator_profile, status="withdrawn")

    response = client_for(creator).post(f"/api/v1/contracts/{contract.pk}/accept/")

    assert_error_shape(response, 409, "invitation_closed")
    contract.refresh_from_db()
    assert contract.status == "withdrawn"


def test_409_for_a_second_side(creator):
    """§5/A1: choosing a side again is 409 `side_already_chosen`."""
    response = client_for(creator).patch("/api/v1/me/", {"side": "merchant"}, format="json")

    assert_error_shape(response, 409, "side_already_chosen")


# --- the handler itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (InvalidInput("bad", fields={"x": ["bad x"]}), 400, "invalid"),
        (AdmissionRefused("level too low"), 400, "admission_refused"),
        (NotAllowed("busy", code="already_bound"), 409, "already_bound"),
        (WrongSide("no"), 403, "wrong_side"),
        (Http404("secret shop name"), 404, "not_found"),
        (exceptions.NotFound("secret shop name"), 404, "not_found"),
        (PermissionDenied(), 403, "permission_denied"),
        (exceptions.ValidationError(["one", "two"]), 400, "invalid"),
        (exceptions.ValidationError({"non_field_errors": ["whole form"]}), 400, "invalid"),
        (exceptions.Throttled(wait=3), 429, "throttled"),
    ],
)
def test_exception_handler_maps_every_error_to_the_shape(exc, status, code):
    """§5: the one exception handler turns domain errors, 404s, permission and validation
    errors into the error shape with the right status; a 404 never repeats its detail."""
    response = exception_handler(exc, {})

    assert response.status_code == status
    assert set(response.data) == {"error"}
    assert set(response.data["error"]) == {"code", "message", "fields"}
    assert response.data["error"]["code"] == code
    assert "secret shop name" not in str(response.data)


def test_exception_handler_keeps_domain_fields_and_messages():
    """§5: a domain error's message and fields pass through unchanged."""
    response = exception_handler(InvalidInput("bad", fields={"x": ["bad x"]}), {})

    assert response.data == error_body("invalid", "bad", {"x": ["bad x"]})


def test_exception_handler_uses_non_field_errors_as_the_message():
    """§5: a form-wide validation error becomes the message; fields stay for fields."""
    response = exception_handler(
        exceptions.ValidationError({"non_field_errors": ["whole form"], "a": ["bad a"]}), {}
    )

    assert response.data["error"]["message"] == "whole form"
    assert response.data["error"]["fields"] == {"a": ["bad a"]}


def test_exception_handler_leaves_unknown_errors_to_django():
    """§5: a programming error is not dressed up as a client error: the handler returns None
    and Django answers 500."""
    assert exception_handler(RuntimeError("boom"), {}) is None


def test_unknown_api_path_answers_the_json_error_shape(api_client):
    """§5: an unknown path under /api/ is a 404 in the JSON error shape, not an HTML page."""
    response = api_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    body = response.json()
    assert body["error"]["code"] == "not_found" and body["error"]["fields"] == {}
    assert body["error"]["message"]
