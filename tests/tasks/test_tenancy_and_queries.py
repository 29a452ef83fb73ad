"""A3/A4 on the tasks API: another tenant's task, order, application or proposal answers 404
(never 403, never its title) and a refused request changes nothing; agency staff read their
creators' orders but cannot act on them. And the speed rule: every list endpoint runs a
constant number of queries, the same for 1 row as for 50 (T10 plazas, T62 order lists)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_fsm_log.models import StateLog

from escrow.models import Account, JournalTransaction
from parties.models import Notification
from parties.notifications import notify
from tasks import services
from tasks.models import (
    Announcement,
    Application,
    ApplicationStatus,
    Order,
    OrderMessage,
    OrderStatus,
    Proposal,
    ProposalStatus,
    Task,
)
from tests import factories
from tests.builders import order_in, private_task
from tests.conftest import client_for, fund_wallet
from tests.tasks.conftest import in_days

pytestmark = pytest.mark.django_db

PRICE = 100_000
CHANGED_PRICE = 110_000  # T41: within ±20% of PRICE


def _counter_price(state) -> int | None:
    """An awaiting-balance order here is a deposit order the creator accepted at CHANGED_PRICE."""
    return CHANGED_PRICE if state == OrderStatus.AWAITING_BALANCE else None


# --- building the world through the services ----------------------------------------------


def _plaza_task(shop, merchant, *, title="机密广场任务", slots=5) -> Task:
    return services.task_create(
        actor=merchant,
        mode="plaza",
        title=title,
        brief="到店拍摄 30 秒探店视频",
        content_type="video",
        channel="toutiao",
        price_fen=PRICE,
        slots=slots,
        enrollment_deadline=in_days(2),
        delivery_deadline=in_days(20),
        shop=shop,
    )


def _closed_plaza_task(shop, merchant, creator, *, title="机密已截止广场任务") -> Task:
    """A plaza task whose enrollment stopped with `creator` approved: its owner may pay it."""
    task = _plaza_task(shop, merchant, title=title)
    application = services.application_create(task=task, actor=creator)
    services.application_approve(application=application, actor=merchant)
    return services.task_close_enrollment(task=task, actor=merchant)


def _paid_plaza_task(shop, merchant, creator, *, title="机密已付款广场任务") -> Task:
    task = _closed_plaza_task(shop, merchant, creator, title=title)
    services.plaza_task_pay(task=task, actor=merchant)
    return Task.objects.get(pk=task.pk)


def _recruitment_task(creator, *, title="机密招商任务", slots=None) -> Task:
    return services.task_create(
        actor=creator,
        mode="recruitment",
        title=title,
        brief="直播间带货一场",
        content_type="live",
        channel="taobao_live",
        price_fen=PRICE,
        slots=slots,
        enrollment_deadline=in_days(2),
        delivery_deadline=in_days(20),
    )


def _brand_task(shop, merchant, *, title="机密品牌任务") -> Task:
    shop.is_brand = True
    shop.save(update_fields=["is_brand"])
    return services.task_create(
        actor=merchant,
        mode="brand",
        title=title,
        brief="品牌新品种草",
        content_type="video",
        channel="toutiao",
        budget_fen=100 * PRICE,
        delivery_deadline=in_days(20),
        shop=shop,
    )


def _sign(creator_user, agency) -> None:
    """C3: the creator is signed to `agency` now (A4 reads through this link)."""
    profile = creator_user.creator_profile
    profile.agency = agency
    profile.save(update_fields=["agency"])


# --- what a refused request must leave alone ----------------------------------------------


def _snapshot() -> dict:
    """Everything a request could change: states, prices, money, inbox, thread, audit log."""
    return {
        "orders": sorted(
            Order.objects.values_list("pk", "status", "price_fen", "fee_fen", "price_restored")
        ),
        "tasks": sorted(Task.objects.values_list("pk", "status")),
        "applications": sorted(Application.objects.values_list("pk", "status", "order_id")),
        "proposals": sorted(Proposal.objects.values_list("pk", "status", "order_id")),
        "balances": sorted(Account.objects.values_list("pk", "balance_fen")),
        "journal": JournalTransaction.objects.count(),
        "notifications": Notification.objects.count(),
        "messages": OrderMessage.objects.count(),
        "log": StateLog.objects.count(),
    }


def assert_hidden(response, *secrets: str) -> None:
    """A3: 404 in the standard error shape, naming none of the object's details."""
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"
    text = response.content.decode()
    for secret in secrets:
        assert secret not in text


def _call(user, method: str, url: str, body=None):
    client = client_for(user)
    if method == "get":
        return client.get(url)
    return client.post(url, body or {}, format="json")


@pytest.fixture(params=["outsider", "outsider_creator", "stranger"])
def intruder(request):
    """Someone who is party to nothing here: another merchant (with its own shop), another
    creator, or a user who has chosen no side and belongs to no tenant."""
    if request.param == "stranger":
        return factories.UserFactory()
    return request.getfixturevalue(request.param)


# --- A3: tasks ----------------------------------------------------------------------------

TASK_BUILDERS = {
    "private": lambda shop, merchant, creator: private_task(
        shop, merchant, creator, title="机密私密任务"
    ),
    "enrollment_closed_plaza": _closed_plaza_task,
    "paid_plaza": _paid_plaza_task,
}

TASK_CALLS = [
    ("get", "/api/v1/tasks/{id}/", None),
    ("get", "/api/v1/tasks/{id}/applications/", None),
    ("post", "/api/v1/tasks/{id}/applications/", {"note": "我也想接"}),
    ("get", "/api/v1/tasks/{id}/proposals/", None),
    ("post", "/api/v1/tasks/{id}/pay/", None),
    ("post", "/api/v1/tasks/{id}/close-enrollment/", None),
    ("post", "/api/v1/tasks/{id}/cancel/", None),
    ("post", "/api/v1/tasks/{id}/close/", None),
]


@pytest.mark.parametrize(
    "method,path,body",
    TASK_CALLS,
    ids=[f"{m}-{p.split('{id}/')[1] or 'detail'}" for m, p, _ in TASK_CALLS],
)
@pytest.mark.parametrize("which", list(TASK_BUILDERS))
def test_a_task_nobody_shared_is_404_to_an_intruder(
    which, method, path, body, intruder, funded_shop, merchant, creator
):
    """A3: a private task, a plaza task whose enrollment stopped and a paid plaza task are
    404 to another merchant, another creator and a user with no side — its detail, its
    applications and proposals, applying, paying it (T11) and its actions — without its title,
    and nothing changes."""
    task = TASK_BUILDERS[which](funded_shop, merchant, creator)
    before = _snapshot()

    response = _call(intruder, method, path.format(id=task.pk), body)

    assert_hidden(response, task.title, task.brief)
    assert _snapshot() == before


def test_a_task_and_a_missing_task_answer_alike(funded_shop, merchant, creator, outsider):
    """A3: another tenant's private task and a task id that does not exist answer the same
    bytes, so an id cannot be probed."""
    task = private_task(funded_shop, merchant, creator, title="机密私密任务")
    theirs = client_for(outsider).get(f"/api/v1/tasks/{task.pk}/")
    missing = client_for(outsider).get("/api/v1/tasks/999999/")

    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content


def test_an_open_plaza_task_is_seen_by_every_creator_but_no_other_merchant(
    shop, merchant, creator, outsider_creator, outsider
):
    """A3/T10: an open plaza task is on the task plaza of any creator (detail and list); to
    another merchant it is a 404 and absent from its listing."""
    task = _plaza_task(shop, merchant, title="开放广场任务")

    for viewer in (creator, outsider_creator):
        assert client_for(viewer).get(f"/api/v1/tasks/{task.pk}/").status_code == 200
        listed = client_for(viewer).get("/api/v1/tasks/").json()["results"]
        assert task.pk in [row["id"] for row in listed]

    assert_hidden(client_for(outsider).get(f"/api/v1/tasks/{task.pk}/"), task.title)
    listed = client_for(outsider).get("/api/v1/tasks/").json()["results"]
    assert task.pk not in [row["id"] for row in listed]


def test_an_open_recruitment_task_is_seen_by_merchants(creator, merchant, outsider):
    """A3/T20: an open recruitment task is on the recruitment plaza of every merchant."""
    task = _recruitment_task(creator, title="开放招商任务")

    for viewer in (merchant, outsider):
        response = client_for(viewer).get(f"/api/v1/tasks/{task.pk}/")
        assert response.status_code == 200
        assert response.json()["title"] == "开放招商任务"
        listed = client_for(viewer).get("/api/v1/tasks/").json()["results"]
        assert task.pk in [row["id"] for row in listed]


def test_another_creators_applications_are_not_listed_on_an_open_plaza_task(
    shop, merchant, creator, outsider_creator
):
    """A3/T10: on an open plaza task another creator may see, the applications list shows it
    only its own application — never the other applicants."""
    task = _plaza_task(shop, merchant, title="开放广场任务")
    theirs = services.application_create(task=task, actor=creator)
    mine = services.application_create(task=task, actor=outsider_creator)

    response = client_for(outsider_creator).get(f"/api/v1/tasks/{task.pk}/applications/")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]
    assert creator.creator_profile.display_name not in response.content.decode()
    assert theirs.pk not in [row["id"] for row in response.json()["results"]]


def test_another_creators_proposals_are_not_listed_on_an_open_brand_task(
    shop, merchant, creator, outsider_creator
):
    """A3/T30: on an open brand task another creator may see, the proposals list shows only
    its own proposal."""
    task = _brand_task(shop, merchant)
    services.proposal_submit(task=task, actor=creator, quote_fen=PRICE, plan="机密方案甲")
    mine = services.proposal_submit(
        task=task, actor=outsider_creator, quote_fen=PRICE, plan="方案乙"
    )

    response = client_for(outsider_creator).get(f"/api/v1/tasks/{task.pk}/proposals/")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]
    assert "机密方案甲" not in response.content.decode()


# --- A3: orders ---------------------------------------------------------------------------

# Each action on an order in the state where its rightful party could do it, with a valid
# body: the only thing that stops the intruder is the tenancy check.
ORDER_ACTIONS = {
    "pay": (OrderStatus.PENDING_PAYMENT, {}),
    "accept": (OrderStatus.AWAITING_ACCEPTANCE, {}),
    "decline": (OrderStatus.AWAITING_ACCEPTANCE, {}),
    "cancel": (OrderStatus.AWAITING_ACCEPTANCE, {}),
    "restore-price": (OrderStatus.AWAITING_BALANCE, {}),
    "pay-balance": (OrderStatus.AWAITING_BALANCE, {}),
    "deliver": (OrderStatus.IN_PRODUCTION, {"links": ["https://v.example.com/2"], "note": "好了"}),
    "request-revision": (OrderStatus.DELIVERED, {"note": "请把产品露出加长"}),
    "confirm": (OrderStatus.DELIVERED, {"rating": 5, "comment": "很好"}),
    "dispute": (OrderStatus.DELIVERED, {"reason": "与要求不符", "ground": "not_as_briefed"}),
}


@pytest.mark.parametrize("action", list(ORDER_ACTIONS))
def test_acting_on_another_tenants_order_is_404(action, intruder, funded_shop, merchant, creator):
    """A3/§4: every order action by someone who is not party to the order is 404, whatever
    the state, without the order's title; the order, the money, the inbox and the log are
    untouched."""
    state, body = ORDER_ACTIONS[action]
    order = order_in(
        state,
        funded_shop,
        merchant,
        creator,
        title="机密订单",
        accept_price_fen=_counter_price(state),
    )
    before = _snapshot()

    response = _call(intruder, "post", f"/api/v1/orders/{order.pk}/{action}/", body)

    assert_hidden(response, order.title)
    assert _snapshot() == before


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("get", "/api/v1/orders/{id}/", None),
        ("get", "/api/v1/orders/{id}/messages/", None),
        ("post", "/api/v1/orders/{id}/messages/", {"body": "私下联系我"}),
        ("post", "/api/v1/payments/balances/", "ids"),
    ],
    ids=["detail", "messages-get", "messages-post", "combined-balance"],
)
def test_reading_or_writing_another_tenants_order_is_404(
    method, path, body, intruder, funded_shop, merchant, creator
):
    """A3/T60/T42: another tenant's order, its message thread (read or write) and its
    balance in a combined payment are 404 without the order's title or messages; nothing
    changes."""
    order = order_in(
        OrderStatus.AWAITING_BALANCE,
        funded_shop,
        merchant,
        creator,
        title="机密订单",
        accept_price_fen=CHANGED_PRICE,
    )
    services.order_message_post(order=order, actor=merchant, body="机密留言")
    if body == "ids":
        body = {"orders": [order.pk]}
    before = _snapshot()

    response = _call(intruder, method, path.format(id=order.pk), body)

    assert_hidden(response, order.title, "机密留言")
    assert _snapshot() == before


def test_an_order_and_a_missing_order_answer_alike(funded_shop, merchant, creator, outsider):
    """A3: another tenant's order and an order id that does not exist answer the same bytes."""
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator, title="机密订单")
    theirs = client_for(outsider).post(f"/api/v1/orders/{order.pk}/confirm/", {"rating": 5})
    missing = client_for(outsider).post("/api/v1/orders/999999/confirm/", {"rating": 5})

    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content


# --- A3: applications and proposals ---------------------------------------------------------


def _plaza_application(shop, merchant, creator) -> Application:
    task = _plaza_task(shop, merchant, title="机密报名广场任务")
    return services.application_create(task=task, actor=creator, note="机密报名说明")


def _recruitment_application(shop, merchant, creator) -> Application:
    """T20: the merchant applied (and paid) to the creator's recruitment task."""
    task = _recruitment_task(creator, title="机密报名招商任务")
    return services.application_create(task=task, actor=merchant, shop=shop, note="机密报名说明")


@pytest.mark.parametrize("action", ["approve", "reject", "withdraw"])
@pytest.mark.parametrize(
    "build", [_plaza_application, _recruitment_application], ids=["plaza", "recruitment"]
)
def test_acting_on_another_tenants_application_is_404(
    build, action, intruder, funded_shop, merchant, creator
):
    """A3/T10/T20: approving, rejecting or withdrawing an application one is not party to is
    404 — even when the task itself is on the intruder's plaza — and nothing changes (no
    refund of a recruitment payment, no state change, no notification)."""
    application = build(funded_shop, merchant, creator)
    before = _snapshot()

    response = _call(intruder, "post", f"/api/v1/applications/{application.pk}/{action}/")

    assert_hidden(response, application.task.title, "机密报名说明")
    assert _snapshot() == before
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.PENDING


@pytest.mark.parametrize("action", ["accept", "reject", "withdraw"])
def test_acting_on_another_tenants_proposal_is_404(action, intruder, shop, merchant, creator):
    """A3/T30: accepting, rejecting or withdrawing a proposal one is not party to is 404 —
    even when the brand task is on the intruder's plaza — and nothing changes (no order)."""
    task = _brand_task(shop, merchant)
    proposal = services.proposal_submit(task=task, actor=creator, quote_fen=PRICE, plan="机密方案")
    before = _snapshot()

    response = _call(intruder, "post", f"/api/v1/proposals/{proposal.pk}/{action}/")

    assert_hidden(response, task.title, "机密方案")
    assert _snapshot() == before
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.SUBMITTED


# --- A4: agency staff read, never act -----------------------------------------------------


def test_agency_staff_read_their_creators_order(
    funded_shop, merchant, creator, agency, agency_staff, other_agency
):
    """A4: staff of the agency the creator is signed to can read the order (with its
    history); another agency's owner gets a 404."""
    _sign(creator, agency)
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator, title="机密订单")

    response = client_for(agency_staff).get(f"/api/v1/orders/{order.pk}/")

    assert response.status_code == 200
    assert response.json()["id"] == order.pk
    assert response.json()["title"] == order.title
    assert [row["target"] for row in response.json()["history"]][-1] == "in_production"
    listed = client_for(agency_staff).get("/api/v1/orders/").json()["results"]
    assert [row["id"] for row in listed] == [order.pk]
    assert_hidden(client_for(other_agency.owner).get(f"/api/v1/orders/{order.pk}/"), order.title)


@pytest.mark.parametrize("action", list(ORDER_ACTIONS))
def test_agency_staff_cannot_act_on_their_creators_order(
    action, funded_shop, merchant, creator, agency, agency_staff
):
    """A4: agency staff read their creators' orders only: every action is 403 and nothing
    changes."""
    _sign(creator, agency)
    state, body = ORDER_ACTIONS[action]
    order = order_in(
        state,
        funded_shop,
        merchant,
        creator,
        title="机密订单",
        accept_price_fen=_counter_price(state),
    )
    before = _snapshot()

    response = client_for(agency_staff).post(
        f"/api/v1/orders/{order.pk}/{action}/", body, format="json"
    )

    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "wrong_side"
    assert _snapshot() == before
    assert Order.objects.get(pk=order.pk).status == state


def test_agency_staff_cannot_write_on_their_creators_order_thread(
    funded_shop, merchant, creator, agency, agency_staff
):
    """A4/T60: agency staff cannot post on the order's thread (only the two sides count as
    evidence): 403, no message, no notification."""
    _sign(creator, agency)
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator, title="机密订单")
    before = _snapshot()

    response = client_for(agency_staff).post(
        f"/api/v1/orders/{order.pk}/messages/", {"body": "机构代答"}, format="json"
    )

    assert response.status_code == 403, response.content
    assert _snapshot() == before


# --- A3/T62: the order list -----------------------------------------------------------------


def test_the_order_list_never_shows_another_tenants_orders(
    funded_shop,
    merchant,
    creator,
    outsider,
    outsider_creator,
    agency,
    agency_staff,
):
    """A3/A4/T62: GET /orders/ lists exactly the orders the user is party to (or, for agency
    staff, those of its signed creators) — also when filtered by another tenant's order or
    task id."""
    _sign(creator, agency)
    ours = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator, title="甲")
    ours_other_creator = order_in(
        OrderStatus.PENDING_PAYMENT, funded_shop, merchant, outsider_creator, title="乙"
    )
    other_shop = outsider.memberships.get().organization.shop
    factories.PaymentAccountFactory(shop=other_shop, bound_by=outsider)
    fund_wallet(other_shop, 10 * PRICE)
    theirs = order_in(OrderStatus.IN_PRODUCTION, other_shop, outsider, outsider_creator, title="丙")
    stranger = factories.UserFactory()

    def listed(user, query=""):
        response = client_for(user).get(f"/api/v1/orders/?page_size=100{query}")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert listed(merchant) == {ours.pk, ours_other_creator.pk}
    assert listed(creator) == {ours.pk}
    assert listed(outsider) == {theirs.pk}
    assert listed(outsider_creator) == {ours_other_creator.pk, theirs.pk}
    assert listed(agency_staff) == {ours.pk}
    assert listed(stranger) == set()
    assert listed(outsider, f"&id={ours.pk}") == set()
    assert listed(creator, f"&id={theirs.pk}") == set()
    assert listed(outsider, f"&task={ours.task_id}") == set()
    assert listed(merchant, f"&task={theirs.task_id}") == set()


# --- the speed rule: constant number of queries per list ---------------------------------


def _assert_constant_queries(user, url: str, build) -> None:
    """The list at `url` runs a constant number of queries: as many for 1 row as for 50.

    `build(n)` adds n rows the user sees. A request is made before each measured one so that
    the caches (content types, translations, the plaza's public part) are warm for both.
    """
    client = client_for(user)
    build(1)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        first = client.get(url)
    assert first.status_code == 200, first.content
    assert len(first.json()["results"]) == 1

    build(49)
    client.get(url)  # the new rows dropped the plaza's cached public part: warm it again
    with CaptureQueriesContext(connection) as fifty:
        second = client.get(url)
    assert second.status_code == 200, second.content
    assert len(second.json()["results"]) == 50

    extra = len(fifty.captured_queries) - len(one.captured_queries)
    sql = "\n".join(query["sql"] for query in fifty.captured_queries)
    assert extra == 0, (
        f"{url}: {len(one.captured_queries)} queries for 1 row, "
        f"{len(fifty.captured_queries)} for 50:\n{sql[:6000]}"
    )


def _counter():
    count = 0

    def next_number() -> int:
        nonlocal count
        count += 1
        return count

    return next_number


def test_plaza_list_of_a_creator_has_constant_queries(shop, creator):
    """T10/speed rule: the task plaza a creator browses (GET /tasks/) runs a constant number of
    queries — 1 task or 50, each with its owner, channel and application counts."""
    number = _counter()
    other_creators = [factories.CreatorFactory().user for _ in range(2)]

    def build(n):
        for _ in range(n):
            task = _plaza_task(shop, shop.owner, title=f"广场任务{number()}")
            for applicant in other_creators:
                services.application_create(task=task, actor=applicant)

    _assert_constant_queries(creator, "/api/v1/tasks/?page_size=50", build)


def test_recruitment_plaza_of_a_merchant_has_constant_queries(merchant):
    """T20/speed rule: the recruitment plaza a merchant browses (GET /tasks/) runs a constant
    number of queries whatever the number of creators' tasks on it."""
    number = _counter()

    def build(n):
        for _ in range(n):
            _recruitment_task(factories.CreatorFactory().user, title=f"招商{number()}")

    _assert_constant_queries(merchant, "/api/v1/tasks/?page_size=50", build)


def test_own_tasks_of_a_merchant_have_constant_queries(funded_shop, merchant):
    """T3/speed rule: GET /tasks/?mine=true (private tasks with their orders, plaza tasks)
    runs a constant number of queries."""
    number = _counter()
    creator_profiles = [factories.CreatorFactory().user for _ in range(3)]

    def build(n):
        for _ in range(n):
            i = number()
            if i % 2:
                private_task(funded_shop, merchant, creator_profiles[i % 3], title=f"私密{i}")
            else:
                _plaza_task(funded_shop, merchant, title=f"广场{i}")

    _assert_constant_queries(merchant, "/api/v1/tasks/?mine=true&page_size=50", build)


@pytest.mark.parametrize("viewer", ["merchant", "creator"])
def test_order_list_has_constant_queries(viewer, funded_shop, merchant, creator):
    """T62/speed rule: GET /orders/?page_size=50 (id, title, merchant, industry, amount,
    times, status, task mode) runs a constant number of queries for the merchant and for
    the creator, over full-price and deposit orders."""
    number = _counter()
    states = [
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.AWAITING_ACCEPTANCE,
        OrderStatus.AWAITING_BALANCE,
        OrderStatus.IN_PRODUCTION,
    ]

    def build(n):
        for _ in range(n):
            i = number()
            state = states[i % len(states)]
            order_in(
                state,
                funded_shop,
                merchant,
                creator,
                title=f"订单{i}",
                accept_price_fen=_counter_price(state),
            )

    user = merchant if viewer == "merchant" else creator
    _assert_constant_queries(user, "/api/v1/orders/?page_size=50", build)


def test_plaza_applications_list_has_constant_queries(shop, merchant):
    """T10/speed rule: the owner's GET /tasks/{id}/applications/ runs a constant number of
    queries for 1 applicant or 50."""
    task = _plaza_task(shop, merchant, slots=100)

    def build(n):
        for _ in range(n):
            services.application_create(task=task, actor=factories.CreatorFactory().user)

    _assert_constant_queries(merchant, f"/api/v1/tasks/{task.pk}/applications/?page_size=50", build)


def test_recruitment_applications_list_has_constant_queries(creator):
    """T20/speed rule: a creator's GET /tasks/{id}/applications/ of its recruitment task (each
    application a paying shop with its order) runs a constant number of queries."""
    task = _recruitment_task(creator, slots=100)

    def build(n):
        for _ in range(n):
            shop = factories.ShopFactory()
            factories.PaymentAccountFactory(shop=shop, bound_by=shop.owner)
            fund_wallet(shop, PRICE)
            services.application_create(task=task, actor=shop.owner, shop=shop)

    _assert_constant_queries(creator, f"/api/v1/tasks/{task.pk}/applications/?page_size=50", build)


def test_proposals_list_has_constant_queries(shop, merchant, agency):
    """T30/speed rule: the brand's GET /tasks/{id}/proposals/ runs a constant number of
    queries, over creators' own proposals and agencies' proposals."""
    task = _brand_task(shop, merchant)
    number = _counter()

    def build(n):
        for _ in range(n):
            i = number()
            proposer = factories.CreatorFactory().user
            if i % 2:
                services.proposal_submit(task=task, actor=proposer, quote_fen=PRICE, plan="方案")
            else:
                _sign(proposer, agency)
                services.proposal_submit(
                    task=task,
                    actor=agency.owner,
                    quote_fen=PRICE,
                    plan="机构方案",
                    creator=proposer.creator_profile,
                    agency=agency,
                )

    _assert_constant_queries(merchant, f"/api/v1/tasks/{task.pk}/proposals/?page_size=50", build)


@pytest.mark.parametrize("viewer", ["merchant", "creator"])
def test_order_messages_list_has_constant_queries(viewer, funded_shop, merchant, creator):
    """T60/speed rule: GET /orders/{id}/messages/ runs a constant number of queries for 1
    message or 50, from both sides."""
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator, title="机密订单")
    number = _counter()

    def build(n):
        for _ in range(n):
            i = number()
            author = merchant if i % 2 else creator
            services.order_message_post(order=order, actor=author, body=f"留言{i}")

    user = merchant if viewer == "merchant" else creator
    _assert_constant_queries(user, f"/api/v1/orders/{order.pk}/messages/?page_size=50", build)


def test_notifications_list_has_constant_queries(funded_shop, merchant, creator):
    """D5/speed rule: GET /notifications/ runs a constant number of queries for 1 line or 50,
    about orders and about tasks."""
    order = order_in(OrderStatus.PENDING_PAYMENT, funded_shop, merchant, creator, title="机密订单")
    task = order.task
    Notification.objects.filter(user=merchant).delete()
    number = _counter()

    def build(n):
        for _ in range(n):
            i = number()
            if i % 2:
                notify(
                    [merchant],
                    "order_delivered",
                    order=order,
                    title=order.title,
                    deadline_at=in_days(7),
                )
            else:
                notify(
                    [merchant],
                    "application_received",
                    task=task,
                    title=task.title,
                    applicant="达人",
                )

    _assert_constant_queries(merchant, "/api/v1/notifications/?page_size=50", build)


def test_announcements_list_has_constant_queries(merchant):
    """T21/speed rule: GET /announcements/ runs a constant number of queries."""
    number = _counter()
    Announcement.objects.all().delete()

    def build(n):
        for _ in range(n):
            i = number()
            Announcement.objects.create(title=f"公告{i}", body="平台公告正文")

    _assert_constant_queries(merchant, "/api/v1/announcements/?page_size=50", build)
