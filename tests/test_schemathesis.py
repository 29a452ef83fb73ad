"""Z6: a property-based run of the OpenAPI schema finds no 5xx and no answer that contradicts it.

Schemathesis reads /api/schema/ from a live server on PostgreSQL (pytest-django's
`live_server`, the demo data of `manage.py seed_demo` loaded), signs in once as a merchant and
once as a creator through POST /api/v1/auth/token/, and sends every operation of the schema
generated requests, valid and invalid (`generation.mode = all`). Ids in paths are the demo
objects: the first one the persona may see (else another tenant's, which must be a 404), and
for an action one in a state it starts from, so the actions meet real states. Every answer
must be documented: no 5xx, a documented status, content type and body, and every 4xx in the
error shape of §5.

Bounded for CI: MAX_EXAMPLES generated requests per operation and persona, no coverage or
stateful phase; the whole run takes about three minutes on two cores.
"""

from __future__ import annotations

import io

import pytest
import requests
import schemathesis
from django.core.management import call_command
from django.http import Http404
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agencies import selectors as agency_selectors
from agencies.models import Agency, AgencyContract
from marketplace.management.commands.seed_demo import DEMO_PASSWORD
from parties import selectors as party_selectors
from parties.models import CreatorProfile, MerchantShop, User
from providers import selectors as provider_selectors
from providers.models import Delegation, ProviderApplication, ProviderDocument
from tasks import selectors as task_selectors
from tasks.models import (
    Application,
    ApplicationStatus,
    Order,
    OrderStatus,
    Proposal,
    Task,
    TaskMode,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = 20
SEED = 20261203

# path parameter → (model, the selector that says whether the persona may see an object)
PATH_OBJECTS = {
    "task_id": (Task, lambda user, pk: task_selectors.task_get(user=user, task_id=pk)),
    "application_id": (
        Application,
        lambda user, pk: task_selectors.application_get(user=user, application_id=pk),
    ),
    "proposal_id": (
        Proposal,
        lambda user, pk: task_selectors.proposal_get(user=user, proposal_id=pk),
    ),
    "order_id": (Order, lambda user, pk: task_selectors.order_get(user=user, order_id=pk)),
    "shop_id": (MerchantShop, lambda user, pk: party_selectors.shop_get(user=user, shop_id=pk)),
    "agency_id": (Agency, lambda user, pk: agency_selectors.agency_get(user=user, agency_id=pk)),
    "contract_id": (
        AgencyContract,
        lambda user, pk: agency_selectors.contract_get(user=user, contract_id=pk),
    ),
    "creator_id": (CreatorProfile, lambda user, pk: party_selectors.creator_get(creator_id=pk)),
    "delegation_id": (
        Delegation,
        lambda user, pk: provider_selectors.delegation_get(user=user, delegation_id=pk),
    ),
    "document_id": (
        ProviderDocument,
        lambda user, pk: provider_selectors.document_get(user=user, document_id=pk),
    ),
}
PROVIDER_APPLICATION = (
    ProviderApplication,
    lambda user, pk: provider_selectors.application_get(user=user, application_id=pk),
)

# An action's path id is an object in a state it starts from, when the persona may see one, so
# the run reaches the transitions themselves and not only their 409s.
ORDERS = "/api/v1/orders/{order_id}/"
TASKS = "/api/v1/tasks/{task_id}/"
APPLICATIONS = "/api/v1/applications/{application_id}/"
ACTION_SOURCES = {
    ORDERS + "pay/": ("order_id", {"status": OrderStatus.PENDING_PAYMENT}),
    ORDERS + "accept/": ("order_id", {"status": OrderStatus.AWAITING_ACCEPTANCE}),
    ORDERS + "decline/": ("order_id", {"status": OrderStatus.AWAITING_ACCEPTANCE}),
    ORDERS + "cancel/": ("order_id", {"status": OrderStatus.AWAITING_ACCEPTANCE}),
    ORDERS + "restore-price/": ("order_id", {"status": OrderStatus.AWAITING_BALANCE}),
    ORDERS + "pay-balance/": ("order_id", {"status": OrderStatus.AWAITING_BALANCE}),
    ORDERS + "deliver/": ("order_id", {"status": OrderStatus.IN_PRODUCTION}),
    ORDERS + "request-revision/": ("order_id", {"status": OrderStatus.DELIVERED}),
    ORDERS + "confirm/": ("order_id", {"status": OrderStatus.DELIVERED}),
    ORDERS + "dispute/": ("order_id", {"status": OrderStatus.DELIVERED}),
    TASKS + "close-enrollment/": ("task_id", {"mode": TaskMode.PLAZA, "status": "open"}),
    TASKS + "close/": ("task_id", {"mode__in": [TaskMode.BRAND, TaskMode.RECRUITMENT]}),
    TASKS + "cancel/": ("task_id", {"mode": TaskMode.PRIVATE, "status": "open"}),
    TASKS + "applications/": ("task_id", {"mode": TaskMode.PLAZA}),
    APPLICATIONS + "approve/": ("application_id", {"status": ApplicationStatus.PENDING}),
    APPLICATIONS + "reject/": ("application_id", {"status": ApplicationStatus.PENDING}),
    APPLICATIONS + "withdraw/": ("application_id", {"status": ApplicationStatus.PENDING}),
}


def _path_id(user, model, visible, **state) -> int | None:
    """The first object of `model` (in `state`) the user may see, else the first one of all (a
    404 for them); None when `state` is given and the user may see no such object."""
    ids = list(model.objects.filter(**state).order_by("id").values_list("id", flat=True)[:200])
    for pk in ids:
        try:
            visible(user, pk)
        except Http404:
            continue
        return pk
    if state:
        return None
    all_ids = model.objects.order_by("id").values_list("id", flat=True)
    return all_ids.first() or 1


def _action_operations(user) -> list[dict]:
    operations = []
    for path, (name, state) in ACTION_SOURCES.items():
        pk = _path_id(user, *PATH_OBJECTS[name], **state)
        if pk is not None:
            operations.append({"include-path": path, "parameters": {name: pk}})
    return operations


@schemathesis.check
def error_shape(ctx, response, case):
    """Every 4xx is exactly {"error": {"code", "message", "fields"}} (DESIGN §5), whatever the
    schema says."""
    if not 400 <= response.status_code < 500:
        return None
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, body
    assert isinstance(error["code"], str) and error["code"], body
    assert isinstance(error["message"], str) and error["message"], body
    assert isinstance(error["fields"], dict), body
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    error_shape,
]


@pytest.fixture(params=["merchant_tmall", "creator01"])
def persona(request) -> str:
    return request.param


@pytest.fixture
def signed_in(live_server, persona, settings, tmp_path):
    """The demo data on the live server's database and the persona's API token. The live server
    runs in this process, so conftest's `api_throttle_off` holds for it (a server in a
    subprocess would need API_THROTTLE=off)."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", stdout=io.StringIO())
    answer = requests.post(
        f"{live_server.url}/api/v1/auth/token/",
        json={"username": persona, "password": DEMO_PASSWORD},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return User.objects.get(username=persona), answer.json()["token"]


@pytest.fixture
def api_schema(live_server, signed_in):
    user, token = signed_in
    parameters = {name: _path_id(user, *found) for name, found in PATH_OBJECTS.items()}
    config = schemathesis.Config.from_dict(
        {
            "base-url": live_server.url,
            "seed": SEED,
            # Generating the larger bodies can be slow on a loaded CI machine; that is not a
            # finding about the API.
            "suppress-health-check": ["too_slow"],
            "headers": {"Authorization": f"Token {token}"},
            "request-timeout": 30,
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "with-security-parameters": False,
                "database": "none",
            },
            "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
            "parameters": parameters,
            "operations": [
                {
                    "include-path-regex": "^/api/v1/providers/applications/",
                    "parameters": {"application_id": _path_id(user, *PROVIDER_APPLICATION)},
                },
                *_action_operations(user),
            ],
        }
    )
    return schemathesis.openapi.from_url(f"{live_server.url}/api/schema/", config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_the_api_answers_as_its_schema_says(case, signed_in):
    """Z6: for the merchant and the creator, every operation of the schema answers generated
    requests with no 5xx and nothing the schema does not document (status, content type, body,
    the error shape)."""
    user, token = signed_in
    case.call_and_validate(checks=CHECKS, timeout=30)
    if case.operation.path == "/api/v1/auth/logout/":
        # Z2: logout revokes the token; give it back so the rest of the run stays signed in.
        Token.objects.get_or_create(user=user, defaults={"key": token})
