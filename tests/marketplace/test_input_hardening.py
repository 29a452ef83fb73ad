"""Z4: every request gets an answer in the documented shape, never a 500."""

import pytest
from django.test import Client

from core.parsers import json_depth_exceeds
from tests.conftest import client_for
from tests.tasks.conftest import in_days, iso, post_task

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


# --- cursors, ids and dates that were not made here -----------------------------------------

TAMPERED_CURSORS = {
    "not base64": "garbage!",
    "a position that is no date": "bz0xJnA9OTk5OS05OS05OQ==",  # o=1&p=9999-99-99
    "forty digits as the position": "cD05OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ==",
}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/tasks/", "/api/v1/orders/"])
@pytest.mark.parametrize("case", list(TAMPERED_CURSORS), ids=list(TAMPERED_CURSORS))
def test_a_tampered_cursor_is_a_400_on_cursor(url, case, merchant):
    """Z4: a plaza or order cursor that was not made here is a 400 naming `cursor` (an order
    cursor with a bad position was a 500; a bad encoding a 404)."""
    response = client_for(merchant).get(url, {"cursor": TAMPERED_CURSORS[case]})
    assert response.status_code == 400, response.content
    assert "cursor" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_a_cursor_made_here_still_pages(merchant, funded_shop):
    """Z4: the strict cursor reading keeps real next links working."""
    api = client_for(merchant)
    for n in range(3):
        posted = post_task(
            merchant,
            mode="plaza",
            title=f"任务{n}",
            slots=2,
            enrollment_deadline=iso(in_days(2)),
        )
        assert posted.status_code == 201, posted.content
    first = api.get("/api/v1/tasks/", {"mine": "true", "page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["id", "task"])
@pytest.mark.parametrize("raw", ["１２", "١٢", "9" * 30, "12abc"])
def test_an_order_filter_id_that_is_not_ascii_digits_is_a_400(field, raw, merchant):
    """Z4: the order list's id filters read ASCII digits within bigint; full-width and
    Arabic-Indic digits were silently read as numbers, 30 digits overflowed into a 500."""
    response = client_for(merchant).get("/api/v1/orders/", {field: raw})
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "２０２６-01-01T00:00"]
)
def test_an_order_filter_moment_out_of_range_is_a_400(raw, merchant):
    """Z4: `created_after` at the edge of the calendar overflowed on its way to UTC (500);
    full-width digits were read silently. Both are a 400 naming the filter."""
    response = client_for(merchant).get("/api/v1/orders/", {"created_after": raw})
    assert response.status_code == 400, response.content
    assert "created_after" in response.json()["error"]["fields"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-01-01", "end": "9999-12-31"}, "end"),
        ({"start": "0001-01-01"}, "start"),
        ({"end": "２０２６-01-01"}, "end"),
        ({"tasks": "１２"}, "tasks"),
        ({"tasks": "12," + "9" * 30}, "tasks"),
    ],
)
def test_a_closing_report_with_a_date_or_task_id_out_of_range_is_a_400(
    params, field, merchant, shop
):
    """Z4: a closing report far in the future overflowed the date arithmetic (500); task ids
    in other digits were read silently. The API answers 400 on the field and the page shows
    the form's error with a 400, for the same parameters."""
    response = client_for(merchant).get(f"/api/v1/reports/closing/{shop.pk}/", params)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    page = Client()
    page.force_login(merchant)
    answer = page.get(f"/providers/reports/{shop.pk}/", params)
    assert answer.status_code == 400
    assert answer.context["form"].errors[field]


# --- bodies over the limit, and the 500 page ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", [TOKEN_URL, "/api/v1/gateway/callback/"])
def test_a_form_body_past_the_upload_limit_is_a_json_413_under_the_api(url, settings):
    """Z4: a non-JSON body past DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 in the error shape under
    /api/ (the gateway callback, which reads the raw body, answered an HTML 400)."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = "a=" + "x" * 20_000
    response = Client().post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


@pytest.mark.django_db
def test_a_form_body_past_the_upload_limit_is_a_413_page(settings):
    """Z4: on a page the same body is a 413 page that says what happened; nothing is read."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = Client().post(
        "/accounts/login/", "a=" + "x" * 20_000, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "<script" not in response.content.decode()


@pytest.mark.django_db
def test_a_deep_gateway_callback_is_a_400_before_the_signature_is_checked():
    """Z4: the gateway callback reads the raw body itself; it goes through the same depth
    limit as the parsers."""
    body = "[" * 3000 + "]" * 3000
    response = Client().post(
        "/api/v1/gateway/callback/",
        body,
        content_type="application/json",
        headers={"X-Gateway-Signature": "00"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] != "bad_signature"


def test_the_500_page_shows_the_request_id():
    """Z4: a page that fails answers the 500 page with the request id a user can quote (the
    same id is in the X-Request-ID header and in the logged traceback); the URLconf wires it."""
    from django.test import RequestFactory
    from django.urls import get_resolver

    from marketplace.urls import handler500

    assert get_resolver().resolve_error_handler(500) is handler500
    request = RequestFactory().get("/")
    request.request_id = "req-500-check"
    response = handler500(request)
    assert response.status_code == 500
    assert "req-500-check" in response.content.decode()
