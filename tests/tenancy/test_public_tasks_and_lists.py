"""The tenancy matrix beyond single objects (A3, §4): another tenant's public tasks are read but
their owners' actions are 404, and no list or page shows another tenant's private objects.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.tenancy.conftest import ROLES
from tests.tenancy.routes import (
    OWNER_ACTIONS,
    PRIVATE_OF,
    PUBLIC_TASKS,
    Caller,
    Route,
    assert_hidden,
    routes_without_parameters,
    snapshot,
)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", list(PUBLIC_TASKS))
def test_another_tenants_public_task_is_read_but_its_owners_actions_are_404(kind, role, tenants):
    """A3/T10/T20/T30/tenancy: a task another tenant shows on a plaza is read by those the
    plaza is for (and is a 404 to anyone else), but its owner's actions — pay, close
    enrollment, cancel, close, on the API and on the task page — are a 404 to every role of A,
    never 403 `wrong_side` nor a refusal on the page, and change nothing."""
    task_of, viewers = PUBLIC_TASKS[kind]
    task = task_of(tenants.b)
    caller = tenants.callers[role]

    read = caller.api.get(reverse("api_task", kwargs={"task_id": task.pk}))
    assert read.status_code == (200 if role in viewers else 404), read.content[:200]
    before = snapshot()
    for name, extra in OWNER_ACTIONS:
        Caller.made += 1
        url = reverse(name, kwargs={"task_id": task.pk, **extra})
        response = caller.api.post(url, {}, format="json")
        assert_hidden(response, Route(ids=None, calls=()), tenants.b, f"{role} {url}")
    page = reverse("task_detail", kwargs={"task_id": task.pk})
    for action in ("close_enrollment", "cancel", "close", "pay"):
        Caller.made += 1
        response = caller.page.post(page, {"action": action})
        assert_hidden(response, Route(ids=None, calls=(), page=True), tenants.b, f"{role} {action}")
    assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_no_list_or_page_shows_another_tenants_private_objects(role, tenants):
    """A3/A4/T62/tenancy: every route without an id in its path (the lists, the plazas, the
    inbox, the wallet, the dashboards, API and pages), read by each role of A, answers without
    a 5xx and names nothing private of tenant B."""
    caller = tenants.callers[role]
    secrets = [tenants.b.secret + private for private in PRIVATE_OF]
    for name in routes_without_parameters():
        Caller.made += 1
        client = caller.api if name.startswith("api_") else caller.page
        response = client.get(reverse(name))
        assert response.status_code < 500, (name, response.status_code)
        content = b"".join(response) if response.streaming else response.content
        text = content.decode(errors="replace")
        assert not [s for s in secrets if s in text], (role, name)
