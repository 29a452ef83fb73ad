"""A3/T10 on the plaza listing built as a UNION of its visibility branches (issue 10, B1):
every viewer's list, walked page by page, holds exactly the tasks the visibility rules give
it, newest first, each once — against a restatement of the rules written out here."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.utils import timezone

from parties.models import Membership, MerchantShop, OrganizationKind, ProviderStatus
from providers import services as provider_services
from providers.models import Delegation
from tasks import services
from tasks.models import Application, Order, Proposal, Task, TaskMode, TaskStatus
from tests import factories
from tests.builders import private_task
from tests.conftest import client_for, fund_wallet
from tests.tasks.test_tenancy_and_queries import (
    PRICE,
    _brand_task,
    _closed_plaza_task,
    _paid_plaza_task,
    _plaza_task,
    _recruitment_task,
)

pytestmark = pytest.mark.django_db


VIEWERS = [
    "merchant",
    "creator",
    "outsider",
    "outsider_creator",
    "agency_staff",
    "provider_staff",
    "stranger",
]


def _delegated_to(orgs: set[int]) -> set[int]:
    """P6: the shops that delegated their tasks to a provider among `orgs`, while the
    delegation lasts and the provider is admitted."""
    return set(
        Delegation.objects.filter(
            ended_at__isnull=True,
            provider__status=ProviderStatus.ADMITTED,
            provider__organization_id__in=orgs,
        ).values_list("shop__organization_id", flat=True)
    )


def _rules_say(user) -> list[int]:
    """A3, written out task by task: open tasks of the modes the user's side browses, the
    tasks of its shops (and of the shops that delegated to its provider, P6) and its own
    recruitment tasks, and every task it applied to, holds an order on or proposed for (itself,
    for its own shop or for its agency)."""
    orgs = set(Membership.objects.filter(user=user).values_list("organization_id", flat=True))
    agency_member = Membership.objects.filter(
        user=user, organization__kind=OrganizationKind.AGENCY
    ).exists()
    delegated = _delegated_to(orgs)
    modes = set()
    if user.is_creator:
        modes |= {TaskMode.PLAZA, TaskMode.BRAND}
    if user.is_merchant:
        modes.add(TaskMode.RECRUITMENT)
    if agency_member:
        modes.add(TaskMode.BRAND)
    seen = []
    for task in Task.objects.select_related("shop", "creator").order_by("-created_at", "-id"):
        public = task.status == TaskStatus.OPEN and task.mode in modes
        owned = (task.shop_id and task.shop.organization_id in orgs | delegated) or (
            task.creator_id and task.creator.user_id == user.pk
        )
        party = (
            Application.objects.filter(task=task, creator__user=user).exists()
            or Application.objects.filter(task=task, shop__organization_id__in=orgs).exists()
            or Order.objects.filter(task=task, creator__user=user).exists()
            or Proposal.objects.filter(task=task, creator__user=user).exists()
            or Proposal.objects.filter(task=task, agency__organization_id__in=orgs).exists()
        )
        if public or owned or party:
            seen.append(task.pk)
    return seen


def _walk_api(user, page_size: int = 2) -> list[int]:
    client, ids = client_for(user), []
    url = f"/api/v1/tasks/?page_size={page_size}"
    while url:
        body = client.get(url).json()
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
    return ids


@pytest.fixture
def world(funded_shop, merchant, creator, outsider, outsider_creator, agency):
    """Tasks of every mode in many states, of two shops, with applications, orders and
    proposals, and a merchant who applied to a creator's recruitment task."""
    _plaza_task(funded_shop, merchant, title="开放广场")
    _closed_plaza_task(funded_shop, merchant, creator, title="已截止广场")
    _paid_plaza_task(funded_shop, merchant, creator, title="已付款广场")
    private_task(funded_shop, merchant, creator, title="私密任务")
    recruiting = _recruitment_task(creator, title="招商中")
    services.application_create(task=recruiting, actor=merchant, shop=funded_shop)
    applied = _recruitment_task(outsider_creator, title="已申请招商")
    services.application_create(task=applied, actor=merchant, shop=funded_shop)
    services.task_close(task=applied, actor=outsider_creator)
    brand = _brand_task(funded_shop, merchant, title="品牌任务")
    services.proposal_submit(task=brand, actor=creator, quote_fen=PRICE, plan="方案")
    _brand_task(funded_shop, merchant, title="开放品牌")
    services.task_close(task=brand, actor=merchant)
    other_shop = MerchantShop.objects.get(organization__memberships__user=outsider)
    factories.PaymentAccountFactory(shop=other_shop, bound_by=outsider)
    fund_wallet(other_shop, 10_000_000)
    private_task(other_shop, outsider, outsider_creator, title="别家私密")
    _closed_plaza_task(other_shop, outsider, outsider_creator, title="别家已截止")
    _plaza_task(other_shop, outsider, title="别家开放")
    return Task.objects.count()


@pytest.fixture
def provider_staff(funded_shop, merchant, db):
    """Staff of an admitted service provider that `funded_shop` delegated its tasks to (P6)."""
    from parties.models import Role
    from tests.providers.conftest import admitted_provider

    provider = admitted_provider(
        factories.UserFactory(), factories.UserFactory(is_staff=True, is_superuser=True)
    )
    provider_services.delegation_grant(shop=funded_shop, actor=merchant, provider=provider)
    user = factories.UserFactory()
    Membership.objects.create(user=user, organization=provider.organization, role=Role.STAFF)
    return user


@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_viewers_list_is_exactly_what_the_rules_give_it(request, world, viewer):
    """A3/T10/P6: for merchants, creators, agency staff, a provider's staff (who manage a
    delegating shop's tasks but not what that shop applied to) and a user of no side, the task
    list walked two at a time by cursor is the tasks the rules give them, newest first, each
    once — a task that is public and also the viewer's own is listed once."""
    user = factories.UserFactory() if viewer == "stranger" else request.getfixturevalue(viewer)
    expected = _rules_say(user)

    listed = _walk_api(user)

    assert listed == expected
    assert len(set(listed)) == len(listed)
    assert world > 0


def test_the_lists_differ_as_the_rules_do(world, merchant, creator, outsider_creator):
    """A3: the scenario tells the viewers apart (so the comparison above is not vacuous): the
    creator sees its private task and the task it proposed for, the other creator sees
    neither, and the merchant sees the creator's recruitment task it applied to."""
    titles = {
        who: set(Task.objects.filter(pk__in=_walk_api(user)).values_list("title", flat=True))
        for who, user in (("merchant", merchant), ("creator", creator), ("other", outsider_creator))
    }
    assert {"私密任务", "品牌任务", "已付款广场"} <= titles["creator"]
    assert not {"私密任务", "品牌任务", "已付款广场"} & titles["other"]
    assert "别家私密" in titles["other"] and "别家私密" not in titles["creator"]
    assert {"已申请招商", "招商中", "私密任务"} <= titles["merchant"]
    assert "别家开放" not in titles["merchant"]


def test_filters_apply_to_every_branch(world, creator):
    """T10: a filter narrows the tasks the creator takes part in as well as the public ones:
    with ?status=closed only the closed brand task it proposed for is left."""
    response = client_for(creator).get("/api/v1/tasks/?status=closed")
    assert [row["title"] for row in response.json()["results"]] == ["品牌任务"]


def test_a_bad_filter_is_refused_once_with_its_field(world, creator):
    """T10/§5: an unknown channel matches nothing; a bad price is a 400 naming the field."""
    assert client_for(creator).get("/api/v1/tasks/?channel=nope").json()["results"] == []
    response = client_for(creator).get("/api/v1/tasks/?min_price=abc")
    assert response.status_code == 400
    assert "min_price" in response.json()["error"]["fields"]


def test_the_plaza_page_pages_through_tasks_created_at_the_same_moment(shop, merchant, creator):
    """T10: the plaza page's cursor (creation time and id) pages through tasks created in the
    same microsecond without skipping or repeating one."""
    with time_machine.travel(timezone.now(), tick=False):
        made = [_plaza_task(shop, merchant, title=f"同刻任务{i}").pk for i in range(23)]
    client, seen, cursor = client_for(creator), [], None
    client.force_login(creator)
    for _ in range(3):
        context = client.get("/plaza/", {"cursor": cursor} if cursor else {}).context
        seen += [task.pk for task in context["tasks"]]
        cursor = context["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(made, reverse=True)


def test_the_plaza_page_ignores_a_malformed_cursor(shop, merchant, creator):
    """T10/§5: a cursor that is not ours (letters, one part, a huge number, digits that are not
    ASCII) shows page one."""
    task = _plaza_task(shop, merchant, title="第一页")
    client = client_for(creator)
    client.force_login(creator)
    for cursor in ("abc", "123", "9" * 40 + ".1", "1.x", "².1", "1.²", "١٢.3"):
        response = client.get("/plaza/", {"cursor": cursor})
        assert response.status_code == 200
        assert [t.pk for t in response.context["tasks"]] == [task.pk]


def test_the_api_cursor_pages_carry_on_where_they_stopped(world, creator):
    """T10/§5: the next link's cursor resumes after the last row of the page (no overlap), and
    the previous link (a reversed cursor) leads back to the same rows."""
    client = client_for(creator)
    first = client.get("/api/v1/tasks/?page_size=3").json()
    assert "cursor" in parse_qs(urlparse(first["next"]).query)
    second = client.get(first["next"]).json()
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == _rules_say(creator)[:6]
    # and back: the previous link of the second page is the first page again
    back = client.get(second["previous"]).json()
    assert [row["id"] for row in back["results"]] == ids[:3]


@pytest.mark.parametrize("viewer", ["merchant", "creator"])
def test_the_list_is_the_same_where_a_union_cannot_cut_its_parts(
    request, world, viewer, monkeypatch
):
    """A3/T10: on a database that allows no LIMIT inside a UNION's parts (SQLite, which
    `make run` uses), the union is ordered and cut as a whole: the same lists, page by page."""
    from django.db import connection

    user = request.getfixturevalue(viewer)
    expected = _rules_say(user)
    monkeypatch.setattr(connection.features, "supports_slicing_ordering_in_compound", False)

    assert _walk_api(user) == expected


def _orders_rules_say(user) -> list[int]:
    """T62/A4/P6, written out order by order: the orders of the user's shops and (read only)
    of the shops that delegated to its provider, its own as the creator, and (read only) those
    of the creators signed to its agency now."""
    orgs = set(Membership.objects.filter(user=user).values_list("organization_id", flat=True))
    orgs |= _delegated_to(orgs)
    return [
        order.pk
        for order in Order.objects.select_related("shop", "creator").order_by("-created_at", "-id")
        if order.shop.organization_id in orgs
        or order.creator.user_id == user.pk
        or (order.creator.agency_id and order.creator.agency.organization_id in orgs)
    ]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_viewers_order_list_is_exactly_what_the_rules_give_it(
    request, world, viewer, creator, agency
):
    """T62/A3/A4: the order list (API, every page) of each kind of viewer holds exactly its
    orders, newest first — agency staff see the orders of the creator signed to the agency."""
    profile = creator.creator_profile
    profile.agency = agency
    profile.save(update_fields=["agency"])
    user = factories.UserFactory() if viewer == "stranger" else request.getfixturevalue(viewer)
    client, listed = client_for(user), []
    url = "/api/v1/orders/?page_size=2"
    while url:
        body = client.get(url).json()
        listed += [row["id"] for row in body["results"]]
        url = body["next"]

    assert listed == _orders_rules_say(user)
    if viewer in ("creator", "agency_staff", "merchant", "provider_staff"):
        assert listed  # the scenario gives each of them orders to see
