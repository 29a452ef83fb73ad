"""Z4: every request gets an answer in the documented shape, never a 500."""

import pytest
from django.test import Client

from marketplace.parsers import json_depth_exceeds

TOKEN_URL = "/api/v1/auth/token/"


def test_depth_scan_ignores_brackets_inside_strings():
    """Z4: brackets and escaped quotes inside strings do not count towards the depth."""
    assert not json_depth_exceeds(b'{"a": "[[[[[[[[[[\\"{{{{{{{{"}', limit=2)
    assert json_depth_exceeds(b"[[[1]]]", limit=2)
    assert not json_depth_exceeds(b"[[1]]", limit=2)


@pytest.mark.django_db
def test_deeply_nested_json_is_a_400_for_anonymous_requests():
    """Z4: a body nested 3,000 deep is a 400 in the error shape (it was a RecursionError 500)."""
    body = "[" * 3000 + "]" * 3000
    response = Client().post(TOKEN_URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["error"]) >= {"code", "message", "fields"}


@pytest.mark.django_db
def test_json_body_past_the_limit_is_a_413(settings):
    """Z4: a JSON body past API_JSON_MAX_BYTES is a 413 in the error shape, not accepted."""
    settings.API_JSON_MAX_BYTES = 1000
    body = '{"username": "' + "x" * 2000 + '", "password": "p"}'
    response = Client().post(TOKEN_URL, data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


@pytest.mark.django_db
def test_unexpected_api_error_is_a_json_500_with_the_request_id(monkeypatch, caplog):
    """Z4: an unexpected exception under /api/ is a JSON 500 carrying the request id, logged."""
    from rest_framework.views import APIView

    def explode(self, request, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(APIView, "initial", explode)
    client = Client(raise_request_exception=False)
    response = client.post(
        TOKEN_URL, data="{}", content_type="application/json", HTTP_X_REQUEST_ID="abc-123"
    )
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "server_error"
    assert error["request_id"] == "abc-123"
    assert response["X-Request-ID"] == "abc-123"
    assert any("abc-123" in record.getMessage() and record.exc_info for record in caplog.records)


@pytest.mark.django_db
def test_unsafe_request_id_is_replaced():
    """Z4: an X-Request-ID that is not a safe token is replaced by a fresh id."""
    response = Client().get("/api/v1/me/", HTTP_X_REQUEST_ID="<script>")
    assert response["X-Request-ID"] != "<script>"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["0", "１２", "١٢", "99999999999999999999999", "-1", "1e3"])
def test_a_shop_parameter_that_names_no_shop_is_a_404_or_400(raw, client, merchant):
    """Z4: the defects — non-ASCII digits gave a 500 and `shop=0` fell back to the first shop.
    The wallet and income pages and the wallet API answer 404; no fallback."""
    from django.urls import reverse
    from rest_framework.test import APIClient

    client.force_login(merchant)
    assert client.get(reverse("wallet"), {"shop": raw}).status_code == 404
    assert client.get(reverse("income"), {"shop": raw}).status_code == 404
    api = APIClient()
    api.force_authenticate(merchant)
    response = api.get("/api/v1/wallet/", {"shop": raw})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
