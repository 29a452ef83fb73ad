"""Z6: the OpenAPI schema documents every operation, body, paginated list and error answer."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml
from django.urls import Resolver404, resolve, reverse
from drf_spectacular.generators import SchemaGenerator

ACTION_ROUTES = {
    "api_task_action": ("task_id", "tasks/{task_id}", ["close-enrollment", "cancel", "close"]),
    "api_application_action": (
        "application_id",
        "applications/{application_id}",
        ["approve", "reject", "withdraw"],
    ),
    "api_proposal_action": (
        "proposal_id",
        "proposals/{proposal_id}",
        ["accept", "reject", "withdraw"],
    ),
    "api_order_action": (
        "order_id",
        "orders/{order_id}",
        [
            "pay",
            "accept",
            "decline",
            "cancel",
            "restore-price",
            "pay-balance",
            "deliver",
            "request-revision",
            "confirm",
            "dispute",
        ],
    ),
    "api_contract_action": (
        "contract_id",
        "contracts/{contract_id}",
        ["accept", "decline", "withdraw", "end"],
    ),
}


@cache
def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _body_ref(operation: dict) -> str | None:
    body = operation.get("requestBody")
    if body is None:
        return None
    return body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]


@pytest.mark.parametrize("name", sorted(ACTION_ROUTES))
def test_each_action_is_its_own_operation_at_the_same_url(name):
    """Z6: every action has its own path and operation id; the URLs of §5 are unchanged and
    reverse() with the action still finds each one."""
    id_name, prefix, actions = ACTION_ROUTES[name]
    paths = _schema()["paths"]
    operation_ids = set()
    for action in actions:
        url = reverse(name, kwargs={id_name: 7, "action": action})
        assert url == "/api/v1/" + prefix.replace("{" + id_name + "}", "7") + f"/{action}/"
        assert resolve(url).kwargs == {id_name: 7, "action": action}
        operation = paths[f"/api/v1/{prefix}/{action}/"]["post"]
        operation_ids.add(operation["operationId"])
    assert len(operation_ids) == len(actions)
    assert not [path for path in paths if "{action}" in path]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/orders/{order_id}/pay/", None),
        ("/api/v1/orders/{order_id}/accept/", "Accept"),
        ("/api/v1/orders/{order_id}/deliver/", "Deliver"),
        ("/api/v1/orders/{order_id}/request-revision/", "RevisionRequest"),
        ("/api/v1/orders/{order_id}/confirm/", "Confirm"),
        ("/api/v1/orders/{order_id}/dispute/", "DisputeCreate"),
        ("/api/v1/orders/{order_id}/cancel/", None),
        ("/api/v1/contracts/{contract_id}/end/", "EndContract"),
        ("/api/v1/contracts/{contract_id}/accept/", None),
        ("/api/v1/tasks/{task_id}/close-enrollment/", None),
        ("/api/v1/applications/{application_id}/approve/", None),
    ],
)
def test_each_action_documents_the_body_it_reads(path, body):
    """Z6: an action's request body is the serializer its view reads, and none when it reads
    nothing."""
    assert _body_ref(_schema()["paths"][path]["post"]) == body


def test_accepting_a_proposal_documents_the_order_it_answers():
    """Z6: proposals/{id}/accept/ answers the order; the other proposal actions the proposal."""
    paths = _schema()["paths"]

    def answer(action):
        content = paths[f"/api/v1/proposals/{{proposal_id}}/{action}/"]["post"]["responses"]
        return content["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]

    assert answer("accept") == "OrderDetail"
    assert answer("reject") == answer("withdraw") == "Proposal"


def _operations():
    for path, methods in _schema()["paths"].items():
        for method, operation in methods.items():
            yield path, method.upper(), operation


def _error_ref(response: dict) -> str:
    return response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]


def test_every_error_answer_is_documented_in_the_error_shape():
    """Z6: the error component is the shape of core.api_errors; every operation lists
    the error answers it can give (401/403 when signed in, 404 with an id in the path, 409 on a
    write, 429 when throttled, 400/413 with input), each in that shape."""
    components = _schema()["components"]["schemas"]
    assert components["Error"]["required"] == ["error"]
    assert set(components["ErrorDetail"]["required"]) == {"code", "message", "fields"}
    anonymous = {"/api/v1/auth/register/", "/api/v1/auth/token/", "/api/v1/gateway/callback/"}
    missing = []
    for path, method, operation in _operations():
        codes = set(operation["responses"])
        expected = {"429"}
        if path not in anonymous:
            expected |= {"401", "403"}
            if method != "GET":
                expected |= {"400", "409"}
        if "{" in path:
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"400", "413"}
        if not expected <= codes:
            missing.append((method, path, sorted(expected - codes)))
        for code in codes - {"200", "201", "204"}:
            assert _error_ref(operation["responses"][code]) == "Error", (method, path, code)
    assert missing == []
    register = _schema()["paths"]["/api/v1/auth/register/"]["post"]["responses"]
    assert "401" not in register and "403" not in register


def _answer_schema(operation: dict) -> dict:
    content = operation["responses"]["200"].get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        return _schema()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_paginated_lists_are_documented_with_their_envelope():
    """Z6: a list answered through paginate() is documented as the envelope it answers (page
    number: count, next, previous, results; plaza cursor: next, previous, results), with its
    page parameters and a 404 for a bad page; only the unpaginated catalogues are arrays."""
    arrays, envelopes = set(), {}
    for path, method, operation in _operations():
        if method != "GET" or "200" not in operation["responses"]:
            continue
        schema = _answer_schema(operation)
        if schema.get("type") == "array":
            arrays.add(path)
        elif "results" in schema.get("properties", {}):
            envelopes[path] = (schema, {p["name"] for p in operation.get("parameters", [])})
            assert "404" in operation["responses"], path
    # The catalogues: channels, categories, and the three programs' meters (I4).
    assert arrays == {"/api/v1/channels/", "/api/v1/categories/", "/api/v1/incentives/programs/"}
    cursor = {"/api/v1/tasks/", "/api/v1/orders/"}
    for path, (schema, parameters) in envelopes.items():
        keys = ["next", "previous", "results"]
        assert schema["required"] == (keys if path in cursor else ["count", *keys]), path
        assert schema["additionalProperties"] is False
        assert schema["properties"]["results"]["type"] == "array"
        assert ({"cursor", "page_size"} if path in cursor else {"page", "page_size"}) <= parameters
    # the 15 lists before, live accounts (I1), applications (I3), heating orders (I8)
    assert len(envelopes) == 18


def test_spectacular_validates_the_schema_with_no_warning(tmp_path):
    """Z6: `manage.py spectacular --validate --fail-on-warn` passes: the schema is valid OpenAPI,
    and the generator has nothing to warn about (no duplicate component name, no unresolved
    serializer, no untyped field)."""
    output = tmp_path / "schema.yaml"
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(output),
        ],
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "marketplace.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    problems = [line for line in result.stderr.splitlines() if "Warning" in line or "Error" in line]
    assert result.returncode == 0, result.stderr[-3000:]
    assert problems == []
    written = yaml.safe_load(output.read_text())
    assert written["openapi"].startswith("3.")
    assert not [path for path in written["paths"] if "{action}" in path]


@pytest.mark.parametrize(
    ("component", "field", "expected"),
    [
        ("Application", "order", {"nullable": True}),
        ("PayoutAccount", "updated_at", {"nullable": True}),
        ("Me", "email", {"type": "string"}),
        ("Entry", "amount", {"pattern": r"^-?\d+(\.\d{1,2})?$"}),
    ],
)
def test_fields_document_every_value_they_answer(component, field, expected):
    """Z6 (found by the schemathesis run): an application without an order answers
    `order: null`, a creator without a payout account `updated_at: null`, an account without an
    e-mail `email: ""` (so no `format: email`), and a ledger line's amount is signed."""
    schema = _schema()["components"]["schemas"][component]["properties"][field]
    assert expected.items() <= schema.items()
    if field == "email":
        assert "format" not in schema


def test_an_account_without_a_side_is_documented():
    """Z6 (found by the schemathesis run in CI): registering as a provider's staff member
    answers `side: ""`, which SideEnum alone did not admit; the field is SideEnum or blank."""
    side = _schema()["components"]["schemas"]["Me"]["properties"]["side"]
    refs = {option["$ref"].rsplit("/", 1)[-1] for option in side["oneOf"]}
    assert refs == {"SideEnum", "BlankEnum"}


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/analytics/income/", "get"),
        ("/api/v1/wallet/", "get"),
        ("/api/v1/wallet/top-ups/", "post"),
        ("/api/v1/payments/balances/", "post"),
        ("/api/v1/tasks/", "post"),
    ],
)
def test_ids_in_the_query_or_body_document_their_404(path, method):
    """Z6 (found by the schemathesis run): a `shop`, `creator` or order id that is not the
    caller's is a 404, so these operations document it."""
    assert "404" in _schema()["paths"][path][method]["responses"]


def test_the_closing_report_documents_its_downloads():
    """Z6 (found by the schemathesis run): `export=pdf|xlsx` answers a file of that type."""
    answer = _schema()["paths"]["/api/v1/reports/closing/{shop_id}/"]["get"]["responses"]["200"]
    assert set(answer["content"]) == {
        "application/json",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }


@pytest.mark.parametrize("digits", ["١٢", "１２", "12a"])
def test_action_ids_are_ascii_digits(digits):
    """Z6/Z4: an action route takes an id of ASCII digits only (its old `\\d+` pattern also took
    Arabic-Indic and full-width digits and named object 12 with them)."""
    with pytest.raises(Resolver404):
        resolve(f"/api/v1/orders/{digits}/pay/")
    assert resolve("/api/v1/orders/12/pay/").kwargs == {"order_id": 12, "action": "pay"}
