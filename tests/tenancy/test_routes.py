"""The tenancy matrix, route by route (A3, §4): the matrix names every route with an id and every
method of an API route; for each role, another tenant's object is 404 and one's own is reached,
and another tenant's id in the query or the body is 404.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.tenancy.conftest import ROLES
from tests.tenancy.routes import (
    EXCLUDED,
    MISSING_ID,
    QUERY_ROUTES,
    ROUTES,
    Call,
    Caller,
    api_methods,
    assert_hidden,
    assert_reached,
    other_variants,
    routes_with_parameters,
    snapshot,
    url_of,
)


def test_every_route_with_an_id_is_in_the_matrix():
    """A3/tenancy: every named route with a path parameter (admin aside) is in the matrix or in
    the justified exclusions: a new route with an id fails here until its tenancy is tested."""
    found = routes_with_parameters()
    missing = sorted(set(found) - set(ROUTES) - set(EXCLUDED))
    stale = sorted((set(ROUTES) | set(EXCLUDED)) - set(found))
    assert missing == [], f"routes with an id not in the tenancy matrix: {missing}"
    assert stale == [], f"matrix rows naming no route: {stale}"


def test_every_method_of_an_api_route_is_in_the_matrix():
    """A3/tenancy: the matrix calls every method an API route answers (GET and each mutating
    one): a PUT or DELETE added to a view fails here until its tenancy is tested."""
    uncovered = {
        key: sorted(answered - {call.method for call in ROUTES[key].calls})
        for key, answered in api_methods().items()
    }
    assert {key: m for key, m in uncovered.items() if m} == {}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", list(ROUTES))
def test_another_tenants_object_is_404_and_ones_own_is_reached(key, role, tenants):
    """A3/tenancy: for this route and role, every method on the other tenant's object is a 404
    that names nothing of it, and no row changes; on the own tenant's object a party of it is
    answered (not 404, not 5xx) and a non-party gets the same 404."""
    spec = ROUTES[key]
    mine, theirs = tenants.a, tenants.b
    caller = tenants.callers[role]

    before = snapshot()
    answers = []
    for ids in other_variants(spec, spec.ids(mine), spec.ids(theirs)):
        url = url_of(key, theirs, ids)
        for call in spec.calls:
            answers.append(response := caller(spec, call, url, theirs))
            assert_hidden(response, spec, theirs, f"{role} {call.method} {url}")
    assert snapshot() == before, f"{role} changed another tenant's data through {key}"
    if not spec.page:
        # Another tenant's object and an id that names nothing answer the same bytes.
        missing = {name: MISSING_ID for name in spec.ids(theirs)}
        answer = caller(spec, spec.calls[0], url_of(key, theirs, missing), theirs)
        assert answers[0].content == answer.content, (role, key)

    url = url_of(key, mine)
    for call in spec.calls:
        parties = spec.parties if call.parties is None else call.parties
        response = caller(spec, call, url, mine)
        what = f"{role} {call.method} {url} (own tenant)"
        if role in parties:
            assert_reached(response, call, what)
        else:
            assert_hidden(response, spec, mine, what)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", list(QUERY_ROUTES))
def test_another_tenants_id_in_the_query_or_body_is_404(key, role, tenants):
    """A3/Z4/tenancy: a shop, order or task id of another tenant in the query (`?shop=`) or
    the body is a 404 to those who act on such ids — never a fallback to their own first shop,
    never the other's data — and changes nothing; their own id is answered. To any other role
    the id means nothing: another tenant's id answers exactly like a missing one."""
    spec = QUERY_ROUTES[key]
    mine, theirs = tenants.a, tenants.b
    caller = tenants.callers[role]

    def ask(t, pk):
        Caller.made += 1
        client = caller.page if spec.page else caller.api
        url = reverse(spec.name, kwargs=spec.path(mine) if spec.path else None)
        if spec.method == "get":
            return client.get(f"{url}?{spec.request(pk)}")
        if spec.page:
            return client.post(url, spec.request(pk))
        return client.post(url, spec.request(pk), format="json")

    before = snapshot()
    theirs_answer = ask(theirs, spec.id_of(theirs))
    assert snapshot() == before, f"{role} changed another tenant's data through {key}"
    assert theirs.secret not in theirs_answer.content.decode(errors="replace")
    if role in spec.parties:
        if spec.name == "provider_report":
            # P7: another shop's task id selects nothing of this shop's report (no 404:
            # the shop is the caller's), and names nothing of the other's task.
            assert theirs_answer.status_code in (200, 400), theirs_answer.status_code
        else:
            assert_hidden(theirs_answer, spec, theirs, f"{role} {key}")
        own = ask(mine, spec.id_of(mine))
        assert_reached(own, Call(spec.method), f"{role} {key} (own tenant)")
    else:
        missing = ask(theirs, MISSING_ID)
        assert theirs_answer.status_code == missing.status_code, (role, key)
        if not spec.page:
            assert theirs_answer.content == missing.content, (role, key)
