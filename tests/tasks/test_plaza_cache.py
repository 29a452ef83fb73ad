"""The plaza cache (issue 20, B1/B4): the public part of a plaza page is kept per filter and
page window for PLAZA_CACHE_SECONDS and dropped when a task is published, closes or fills its
slots — only after the commit; the personal part is read fresh; a warm page costs a fixed
number of queries; the navigation's facts are cached per user and forgotten when they change.

pytest-django runs each test in a transaction that is never committed, so no on-commit
callback runs by itself here: `django_capture_on_commit_callbacks` shows what a service left
for after the commit, and runs it (execute=True) where a test needs the commit's effect.
"""

from __future__ import annotations

import pytest
from django.test import Client

from parties.notifications import mark_read, notify
from tasks import caching, services
from tasks.models import Application, Task
from tests import factories
from tests.conftest import client_for
from tests.tasks.task_api import API, _applied, _brand, _plaza, _recruitment

pytestmark = pytest.mark.django_db


def _listed(user, **params) -> list[dict]:
    response = client_for(user).get(f"{API}/tasks/", params)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def _ids(user, **params) -> list[int]:
    return [task["id"] for task in _listed(user, **params)]


def _generation() -> int:
    return caching.plaza_generation()


# --- the public part: a cache hit, and what invalidates it ------------------------------------


def test_a_second_request_reads_the_public_part_from_the_cache(merchant, creator):
    """B1: within PLAZA_CACHE_SECONDS the public part of a page is the cached one, the same
    entry for every user: a task that reached the plaza without a service (so without a
    bump) is not on it until the generation moves."""
    first = _plaza(merchant)
    assert _ids(creator) == [first["id"]]

    second = Task.objects.get(pk=first["id"])
    second.pk = None
    second.save()  # straight into the table: no service, no bump
    assert _ids(creator) == [first["id"]]
    assert _ids(factories.CreatorFactory().user) == [first["id"]]

    caching._bump()
    assert _ids(creator) == [second.pk, first["id"]]


def test_each_filter_and_page_window_has_its_own_entry(merchant, creator):
    """B1: the cache is per filter and per page window: another filter or page size reads
    the database, not the other's entry."""
    cheap = _plaza(merchant, price="300.00")
    dear = _plaza(merchant, price="2000.00")
    assert _ids(creator, max_price="500") == [cheap["id"]]
    assert _ids(creator, min_price="1000") == [dear["id"]]
    assert _ids(creator, page_size=1) == [dear["id"]]
    assert _ids(creator) == [dear["id"], cheap["id"]]


def test_publishing_bumps_the_generation_only_after_the_commit(
    merchant, django_capture_on_commit_callbacks
):
    """B1: posting a plaza task bumps the generation inside its transaction and again after
    the commit (the bump other readers rely on); a private task, which no plaza shows, bumps
    nothing."""
    before = _generation()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _plaza(merchant)
    assert _generation() == before + 1
    assert caching._bump in callbacks
    for callback in callbacks:
        callback()
    assert _generation() == before + 2

    creator = factories.CreatorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.task_post(
            actor=merchant,
            data={
                "mode": "private",
                "title": "私单",
                "brief": "开箱视频",
                "content_type": "video",
                "channel": "haohuo",
                "price": 100_000,
                "payment": "full",
                "delivery_deadline": Task.objects.get().delivery_deadline,
                "creator": creator.pk,
            },
        )
    assert _generation() == before + 2


def test_stopping_enrollment_drops_the_cached_page(
    merchant, creator, django_capture_on_commit_callbacks
):
    """B1, T10: a plaza task whose enrollment stops leaves the cached pages at the commit."""
    task = _plaza(merchant)
    assert _ids(creator) == [task["id"]]
    with django_capture_on_commit_callbacks(execute=True):
        services.task_close_enrollment(task=Task.objects.get(pk=task["id"]), actor=merchant)
    assert _ids(creator) == []


def test_closing_and_cancelling_drop_the_cached_page(
    merchant, creator, outsider, brand_shop, django_capture_on_commit_callbacks
):
    """B1: a brand task closed by its owner, a recruitment task closed by its creator and a
    plaza task cancelled leave the cached pages at the commit."""
    brand_owner = brand_shop.owner
    brand = _brand(brand_owner)
    plaza = _plaza(merchant)
    assert set(_ids(creator)) == {brand["id"], plaza["id"]}
    with django_capture_on_commit_callbacks(execute=True):
        services.task_close(task=Task.objects.get(pk=brand["id"]), actor=brand_owner)
    assert _ids(creator) == [plaza["id"]]
    with django_capture_on_commit_callbacks(execute=True):
        services.task_cancel(task=Task.objects.get(pk=plaza["id"]), actor=merchant)
    assert _ids(creator) == []

    recruiting = _recruitment(creator)
    assert _ids(outsider) == [recruiting["id"]]  # a merchant's recruitment plaza
    with django_capture_on_commit_callbacks(execute=True):
        services.task_close(task=Task.objects.get(pk=recruiting["id"]), actor=creator)
    assert _ids(outsider) == []


def test_filling_the_last_slot_bumps_the_generation(
    merchant, creator, django_capture_on_commit_callbacks
):
    """B1, T12: the approval that fills a plaza task's slots drops the cached pages at the
    commit; an approval that leaves a slot free does not."""
    task = _plaza(merchant, slots=2)
    applications = [
        _applied(user, task["id"]) for user in (creator, factories.CreatorFactory().user)
    ]
    before = _generation()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(
            application=Application.objects.get(pk=applications[0]["id"]),
            actor=merchant,
        )
    assert _generation() == before
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.application_approve(
            application=Application.objects.get(pk=applications[1]["id"]),
            actor=merchant,
        )
    assert caching._bump in callbacks and _generation() == before + 2


def test_a_user_sees_its_own_application_at_once(merchant, creator):
    """B1: what a user wrote itself is never waited out — its applications' tasks are the
    personal part, read fresh; another creator sees the cached counts until they expire."""
    task = _plaza(merchant)
    other = factories.CreatorFactory().user
    assert _listed(creator)[0]["application_count"] == 0
    assert _listed(other)[0]["application_count"] == 0

    _applied(creator, task["id"])  # no bump: applying fills no slot
    assert _listed(creator)[0]["application_count"] == 1
    assert _listed(other)[0]["application_count"] == 0


def test_the_cache_off_lists_the_same(merchant, creator, settings):
    """B1: PLAZA_CACHE_SECONDS=0 reads every page from the database, with the same rows."""
    task = _plaza(merchant)
    cached = _listed(creator)
    settings.PLAZA_CACHE_SECONDS = 0
    assert _listed(creator) == cached == [_listed(creator)[0]]
    assert cached[0]["id"] == task["id"]


# --- queries of a warm page -----------------------------------------------------------------


def test_a_warm_plaza_request_makes_a_fixed_number_of_queries(
    merchant, creator, django_assert_num_queries
):
    """B1: with the public part cached, a plaza request reads the user's memberships and its
    personal part — two queries, however many tasks are public or its own."""
    for _ in range(3):
        _plaza(merchant)
    client = client_for(creator)
    url = f"{API}/tasks/?channel=toutiao&min_price=300"
    assert client.get(url).status_code == 200  # warms the cache
    with django_assert_num_queries(2):
        assert len(client.get(url).json()["results"]) == 3

    for _ in range(5):
        task = _plaza(merchant)
        _applied(creator, task["id"])
    caching._bump()
    assert client.get(url).status_code == 200
    with django_assert_num_queries(2):
        assert len(client.get(url).json()["results"]) == 8
    client.get(url + "&page_size=100")
    with django_assert_num_queries(2):
        client.get(url + "&page_size=100")


def test_the_plaza_page_with_a_warm_cache(merchant, creator, django_assert_num_queries):
    """B4: the plaza page with the public part, the channels and the navigation cached: the
    session, the user, the memberships and the personal part."""
    _plaza(merchant)
    client = Client()
    client.force_login(creator)
    assert client.get("/plaza/?channel=toutiao").status_code == 200
    with django_assert_num_queries(4):
        response = client.get("/plaza/?channel=toutiao")
    assert len(response.context["tasks"]) == 1


# --- the navigation's facts ----------------------------------------------------------------------


def test_the_navigation_counts_are_cached_per_user(creator, django_capture_on_commit_callbacks):
    """Issue 20: the unread count is read once per NAVIGATION_CACHE_SECONDS; a notice for the
    user and the user reading its notices forget the entry at the commit, so the badge is never
    behind what the user did itself."""
    client = Client()
    client.force_login(creator)
    assert client.get("/inbox/").context["unread_count"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        notify([creator], "task_closed", title="任务", reason="到期")
    assert client.get("/plaza/").context["unread_count"] == 1

    other = factories.CreatorFactory().user  # another user's entry is its own
    other_client = Client()
    other_client.force_login(other)
    assert other_client.get("/plaza/").context["unread_count"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        mark_read(user=creator)
    assert client.get("/plaza/").context["unread_count"] == 0


def test_the_navigation_facts_cost_no_query_when_cached(creator):
    """Issue 20: a second page within NAVIGATION_CACHE_SECONDS reads neither the memberships
    nor the unread count for the navigation."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(creator)
    with CaptureQueriesContext(connection) as first:
        client.get("/earnings/")
    with CaptureQueriesContext(connection) as second:
        client.get("/earnings/")
    assert len(second) == len(first) - 2
    assert not any("marketplace_notification" in q["sql"] for q in second.captured_queries)
