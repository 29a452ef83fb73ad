"""Issue 18: the one-way layers, and the drift bugs that two copies of one rule had caused.

Each test here would have caught a copy that drifted: the plaza listed twice (T10), the logo
stored by the view before the service judged the post (T2/Z5), the inbox marking read in two
places (D5); and the import graph that kept them apart from start-up failures.
"""

from __future__ import annotations

import sys
from datetime import timedelta

import grimp
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from core.exceptions import InvalidInput
from parties import notifications
from parties.models import Notification
from tasks import services
from tasks.models import Task
from tests import factories
from tests.conftest import client_for
from tests.tasks.conftest import in_days, iso, post_task

PRODUCT_APPS = [
    "core",
    "parties",
    "escrow",
    "tasks",
    "agencies",
    "providers",
    "incentives",
    "marketplace",
]


def _png() -> SimpleUploadedFile:
    return SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")


def _cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in edges[module]:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in edges:
        if module not in index:
            visit(module)
    return found


def test_the_product_modules_import_one_way_with_no_cycle():
    """DESIGN §2: the import graph of the product modules — every import, those inside a
    function too — has no cycle, so no module is imported half-initialized at start-up."""
    graph = grimp.build_graph(*PRODUCT_APPS, include_external_packages=False)
    modules = {m for m in graph.modules if ".migrations" not in m}
    edges = {
        m: sorted(x for x in graph.find_modules_directly_imported_by(m) if x in modules)
        for m in sorted(modules)
    }
    assert len(modules) > 100  # the walk saw the whole product, not an empty graph
    assert _cycles(edges) == []
    assert _cycles({"a": ["b"], "b": ["a"], "c": []}) == [["a", "b"]]  # the finder finds one


def test_no_app_imports_an_app_above_it():
    """DESIGN §2: core ← parties ← escrow ← tasks ← agencies, providers ← marketplace; an
    upward link is a foreign key by string or a model property, never an import."""
    layer = {
        "core": 0,
        "parties": 1,
        "escrow": 2,
        "tasks": 3,
        "agencies": 4,
        "providers": 4,
        "incentives": 4,
        "marketplace": 5,
    }
    graph = grimp.build_graph(*PRODUCT_APPS, include_external_packages=False)
    upward = sorted(
        f"{importer} -> {imported}"
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if importer.split(".")[0] != imported.split(".")[0]
        and layer[imported.split(".")[0]] >= layer[importer.split(".")[0]]
    )
    assert upward == []


@pytest.mark.django_db
def test_the_api_and_the_page_both_hide_a_plaza_task_past_its_enrollment(merchant, creator):
    """T10: one plaza rule for the page and the API. A public task whose enrollment is over
    leaves the plaza at once (before any sweep closes it), on the page and in the API's
    listing alike; before that both list it."""
    posted = post_task(
        merchant,
        mode="plaza",
        title="报名将截止的广场任务",
        slots=2,
        enrollment_deadline=iso(in_days(2)),
        delivery_deadline=iso(in_days(10)),
    )
    assert posted.status_code == 201, posted.content
    api, page = client_for(creator), Client()
    page.force_login(creator)

    def listed() -> tuple[bool, bool]:
        ids = [t["id"] for t in api.get("/api/v1/tasks/", {"mode": "plaza"}).json()["results"]]
        return posted.json()["id"] in ids, "报名将截止的广场任务" in page.get(
            "/plaza/"
        ).content.decode()

    assert listed() == (True, True)
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        assert Task.objects.get().status == "open"  # no sweep ran: still open in the database
        assert listed() == (False, False)


@pytest.mark.django_db
def test_a_refused_post_stores_no_logo_and_an_accepted_one_stores_it_once(
    settings, tmp_path, merchant, shop
):
    """T2/Z5: the service takes the uploaded logo. A post it refuses stores nothing; the post it
    accepts stores the logo once, under the address the task shows."""
    settings.MEDIA_ROOT = tmp_path
    post = {
        "actor": merchant,
        "mode": "plaza",
        "title": "直播口播赞助",
        "brief": "口播 30 秒，出镜品牌 logo",
        "content_type": "live_sponsorship",
        "channel": "haohuo",
        "delivery_deadline": in_days(10),
        "enrollment_deadline": in_days(3),
        "slots": 1,
        "price_fen": 50_000,
        "shop": shop,
        "sponsorship": {"brand_name": "山茶花", "products": [{"name": "精华水"}]},
        "absolute_url": lambda path: f"https://example.test{path}",
    }

    with pytest.raises(InvalidInput):
        services.task_create(**{**post, "title": ""}, sponsor_logo=_png())
    assert not Task.objects.exists()
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]

    with pytest.raises(InvalidInput) as refused:
        services.task_create(
            **post, sponsor_logo=SimpleUploadedFile("logo.png", b"<html>hi</html>", "image/png")
        )
    assert "sponsorship.logo_url" in refused.value.fields
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]

    task = services.task_create(**post, sponsor_logo=_png())
    [stored] = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert stored.suffix == ".png"
    assert task.sponsor_logo_url.startswith("https://example.test/")
    assert task.sponsor_logo_url.endswith(f"/{stored.name}")


@pytest.mark.django_db
def test_opening_a_notice_marks_it_read_and_leads_to_its_order(creator):
    """D5: one notifications module. Opening a notice marks it read and leads to its order;
    another user's notice is a 404 and stays unread; the unread count follows."""
    order = factories.OrderFactory(creator=creator.creator_profile)
    [notice] = notifications.notify(
        [creator], "order_started", order=order, title="开箱视频", deadline_at=in_days(5)
    )
    stranger = factories.UserFactory()
    assert notifications.unread_count(user=creator) == 1

    other = Client()
    other.force_login(stranger)
    assert other.get(f"/inbox/{notice.pk}/").status_code == 404
    assert Notification.objects.get(pk=notice.pk).read_at is None

    mine = Client()
    mine.force_login(creator)
    response = mine.get(f"/inbox/{notice.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.pk}/"
    assert Notification.objects.get(pk=notice.pk).read_at is not None
    assert notifications.unread_count(user=creator) == 0
    inbox = mine.get("/inbox/").content.decode()
    assert f"/inbox/{notice.pk}/" in inbox and "开箱视频" in inbox
