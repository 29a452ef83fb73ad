"""Disputes, the message thread, the creator's order list, the whole walk and idempotent
confirmation through the REST API (T60–T62, T70, D5, E6): what each action stores and moves,
who may do it, when it is refused — and that every refused action leaves the order, the money,
the inbox and the log exactly as they were.

Orders here are private orders with a 10% fee policy in force (E10, tests/tasks/order_api.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from core.exceptions import InvalidInput, NotAllowed, WrongSide
from escrow.models import JournalTransaction, TransactionKind
from tasks import services
from tasks.models import (
    Dispute,
    OrderStatus,
    Review,
)
from tests.builders import fresh, order_in, private_order
from tests.conftest import client_for
from tests.tasks.conftest import earnings_fen, escrow_fen, iso, wallet_fen
from tests.tasks.order_api import (
    API,
    FEE_FEN,
    LINK,
    PRICE_FEN,
    SECOND_LINK,
    TOTAL_FEN,
    _at,
    _disputed,
    _error,
    _kinds,
    _ok,
    _platform_fees,
    _post,
    _snapshot,
    ten_percent_fee_on_private_orders,  # noqa: F401  (autouse)
)

pytestmark = pytest.mark.django_db


# --- T61: disputes ------------------------------------------------------------------------


@pytest.mark.parametrize("opener", ["merchant", "creator"])
@pytest.mark.parametrize("source", [OrderStatus.IN_PRODUCTION, OrderStatus.DELIVERED])
def test_either_party_opens_a_dispute_and_the_escrow_stays_frozen(
    opener, source, request, funded_shop, merchant, creator
):
    """T61/D5: the merchant or the creator disputes an order in production or delivered: the
    order is disputed, nothing moves (escrow holds price + fee, no earnings, wallet as it was),
    the auto-confirm clock is cleared (the delivery deadline is kept for the record but the
    sweeper only scans orders in production), the dispute records who, why and from which
    state, and both sides are told."""
    order = order_in(source, funded_shop, merchant, creator)
    user = request.getfixturevalue(opener)
    wallet_before, journal_before = wallet_fen(funded_shop), JournalTransaction.objects.count()
    deadline_before = order.delivery_deadline

    body = _ok(
        user, order, "dispute", {"reason": "第二条视频没有露出产品", "ground": "not_as_briefed"}
    )

    assert body["status"] == OrderStatus.DISPUTED
    assert body["dispute"]["opened_from"] == source
    assert body["dispute"]["ground"] == "not_as_briefed"
    assert body["dispute"]["outcome"] == ""
    order.refresh_from_db()
    assert order.status == OrderStatus.DISPUTED
    assert order.auto_confirm_at is None
    assert order.delivery_deadline == deadline_before
    dispute = Dispute.objects.get(order=order)
    assert (dispute.opened_by, dispute.reason, dispute.is_open) == (
        user,
        "第二条视频没有露出产品",
        True,
    )
    assert escrow_fen(order.pk) == TOTAL_FEN
    assert earnings_fen(creator.creator_profile) == 0
    assert wallet_fen(funded_shop) == wallet_before
    assert JournalTransaction.objects.count() == journal_before
    assert _kinds(merchant, order)[-1] == _kinds(creator, order)[-1] == "order_disputed"


@pytest.mark.parametrize(
    "actor,action,body",
    [
        ("creator", "deliver", {"links": [LINK]}),
        ("merchant", "confirm", {"rating": 5}),
        ("merchant", "request-revision", {"note": "改"}),
        ("merchant", "dispute", {"reason": "再次申诉"}),
        ("creator", "dispute", {"reason": "我也申诉"}),
        ("merchant", "cancel", {}),
    ],
    ids=["deliver", "confirm", "revise", "dispute-again", "counter-dispute", "cancel"],
)
@pytest.mark.parametrize("source", [OrderStatus.IN_PRODUCTION, OrderStatus.DELIVERED])
def test_a_disputed_order_refuses_every_other_action(
    actor, action, body, source, request, funded_shop, merchant, creator
):
    """T61/§4: while ops decide, deliver, confirm, revise, cancel and a second dispute are all
    409 invalid_state; the escrow stays frozen and the one dispute stays open."""
    dispute = _disputed(funded_shop, merchant, creator, source=source)
    before = _snapshot()

    response = _post(request.getfixturevalue(actor), dispute.order, action, body)

    assert response.status_code == 409
    assert _error(response)["code"] == "invalid_state"
    assert _snapshot() == before
    assert escrow_fen(dispute.order_id) == TOTAL_FEN


@pytest.mark.parametrize("state", [OrderStatus.AWAITING_ACCEPTANCE, OrderStatus.COMPLETED])
def test_a_dispute_before_production_or_after_completion_is_409(
    state, funded_shop, merchant, creator
):
    """T61: only an order in production or delivered can be disputed."""
    order = order_in(state, funded_shop, merchant, creator)
    before = _snapshot()

    response = _post(merchant, order, "dispute", {"reason": "不满意", "ground": "quality"})

    assert response.status_code == 409
    assert _error(response)["code"] == "invalid_state"
    assert _snapshot() == before


@pytest.mark.parametrize(
    "body,field",
    [
        ({"ground": "quality"}, "reason"),
        ({"reason": "   ", "ground": "quality"}, "reason"),
        ({"reason": "不满意", "ground": "wechat_log"}, "ground"),
    ],
    ids=["no-reason", "blank-reason", "unknown-ground"],
)
def test_a_dispute_needs_a_reason_and_a_listed_ground(body, field, funded_shop, merchant, creator):
    """T61: 400 with the field named; no dispute, the order as it was."""
    order = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator)
    before = _snapshot()

    response = _post(merchant, order, "dispute", body)

    assert response.status_code == 400
    assert field in _error(response)["fields"]
    assert _snapshot() == before


def test_joint_content_is_not_a_ground_for_a_dispute(funded_shop, merchant, creator):
    """T55/T61: a dispute on the ground that the content also shows other merchants' products
    (拼场) is 400 with a message saying it is allowed; the order stays in production."""
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)
    before = _snapshot()

    response = _post(
        merchant, order, "dispute", {"reason": "视频里有别家的商品", "ground": "joint_content"}
    )

    assert response.status_code == 400
    message = _error(response)["fields"]["ground"][0]
    assert "拼场" in message and "T55" not in message  # users never see rule ids
    assert _snapshot() == before


def test_ops_release_a_dispute_to_the_creator(funded_shop, merchant, creator, ops_superuser):
    """T61/E4/D5: release: the order is completed, the creator receives the price and the
    platform the fee, the escrow is empty, the decision is recorded and both sides are told."""
    dispute = _disputed(funded_shop, merchant, creator)
    wallet_before, fees_before = wallet_fen(funded_shop), _platform_fees()

    services.dispute_resolve(
        dispute=dispute, actor=ops_superuser, outcome="release", note="交付符合要求"
    )

    dispute.refresh_from_db()
    order = dispute.order
    assert order.status == OrderStatus.COMPLETED and order.closed_at is not None
    assert earnings_fen(creator.creator_profile) == PRICE_FEN
    assert _platform_fees() == fees_before + FEE_FEN
    assert wallet_fen(funded_shop) == wallet_before
    assert escrow_fen(order.pk) == 0
    assert (dispute.outcome, dispute.creator_fen, dispute.refund_fen) == ("release", PRICE_FEN, 0)
    assert (dispute.resolved_by, dispute.resolution_note) == (ops_superuser, "交付符合要求")
    assert _kinds(merchant, order)[-1] == _kinds(creator, order)[-1] == "dispute_resolved"
    shown = client_for(creator).get(f"{API}/orders/{order.pk}/").json()
    assert shown["dispute"]["outcome"] == "release"
    assert shown["dispute"]["creator_amount"] == "1000.00"


def test_ops_refund_a_dispute_to_the_merchant(funded_shop, merchant, creator, ops_superuser):
    """T61/E4: refund: the order is refunded and the merchant's wallet gets back everything it
    paid (price + fee); the creator and the platform get nothing."""
    dispute = _disputed(funded_shop, merchant, creator, source=OrderStatus.IN_PRODUCTION)
    wallet_before, fees_before = wallet_fen(funded_shop), _platform_fees()

    services.dispute_resolve(
        dispute=dispute, actor=ops_superuser, outcome="refund", note="未按要求拍摄"
    )

    dispute.refresh_from_db()
    assert dispute.order.status == OrderStatus.REFUNDED
    assert wallet_fen(funded_shop) == wallet_before + TOTAL_FEN
    assert earnings_fen(creator.creator_profile) == 0
    assert _platform_fees() == fees_before
    assert escrow_fen(dispute.order_id) == 0
    assert (dispute.outcome, dispute.creator_fen, dispute.refund_fen) == ("refund", 0, TOTAL_FEN)


@pytest.mark.parametrize(
    "creator_part,fee_on_it",
    [(40_000, 4_000), (12_345, 1_235), (1, 0), (PRICE_FEN - 1, FEE_FEN)],
    ids=["40pct", "rounded-half-up", "one-fen", "all-but-one-fen"],
)
def test_ops_split_a_dispute_by_an_amount(
    creator_part, fee_on_it, funded_shop, merchant, creator, ops_superuser
):
    """T61/E10: split: the creator receives its part, the platform the fee on that part
    (rounded half up), the merchant's wallet the rest of the escrow; the order is refunded."""
    dispute = _disputed(funded_shop, merchant, creator)
    wallet_before, fees_before = wallet_fen(funded_shop), _platform_fees()
    refund = TOTAL_FEN - creator_part - fee_on_it

    services.dispute_resolve(
        dispute=dispute,
        actor=ops_superuser,
        outcome="split",
        note="部分交付",
        creator_fen=creator_part,
    )

    dispute.refresh_from_db()
    assert dispute.order.status == OrderStatus.REFUNDED
    assert earnings_fen(creator.creator_profile) == creator_part
    assert _platform_fees() == fees_before + fee_on_it
    assert wallet_fen(funded_shop) == wallet_before + refund
    assert escrow_fen(dispute.order_id) == 0
    assert (dispute.outcome, dispute.creator_fen, dispute.refund_fen) == (
        "split",
        creator_part,
        refund,
    )


@pytest.mark.parametrize(
    "creator_part",
    [None, 0, -1, PRICE_FEN, PRICE_FEN + 1, TOTAL_FEN, True, "50000", 500.0],
    ids=["none", "zero", "negative", "price", "over", "total", "bool", "text", "float"],
)
def test_a_split_outside_0_and_the_price_is_refused_and_moves_nothing(
    creator_part, funded_shop, merchant, creator, ops_superuser
):
    """T61/E1: the creator's part is a whole number of fen, more than 0 and less than the
    price; anything else is refused with a `creator_amount` error and nothing moves."""
    dispute = _disputed(funded_shop, merchant, creator)
    before = _snapshot()

    with pytest.raises(InvalidInput) as refused:
        services.dispute_resolve(
            dispute=dispute,
            actor=ops_superuser,
            outcome="split",
            note="对半",
            creator_fen=creator_part,
        )

    assert "creator_amount" in refused.value.fields
    assert _snapshot() == before
    assert fresh(dispute.order).status == OrderStatus.DISPUTED


def test_a_dispute_is_decided_once(funded_shop, merchant, creator, ops_superuser):
    """T61/E5: a second decision (even a different one) is refused already_decided and moves
    nothing."""
    dispute = _disputed(funded_shop, merchant, creator)
    services.dispute_resolve(dispute=dispute, actor=ops_superuser, outcome="refund", note="退款")
    before = _snapshot()

    with pytest.raises(NotAllowed) as refused:
        services.dispute_resolve(
            dispute=dispute, actor=ops_superuser, outcome="release", note="改判"
        )

    assert refused.value.code == "already_decided"
    assert _snapshot() == before


@pytest.mark.parametrize(
    "who,outcome,note,error",
    [
        ("merchant", "refund", "我要退款", WrongSide),
        ("creator", "release", "给我钱", WrongSide),
        ("ops", "halve", "对半", InvalidInput),
        ("ops", "refund", "  ", InvalidInput),
    ],
    ids=["merchant", "creator", "unknown-outcome", "no-note"],
)
def test_only_ops_decide_with_a_known_outcome_and_a_note(
    who, outcome, note, error, request, funded_shop, merchant, creator
):
    """T61: the parties cannot decide their own dispute; ops must choose release, refund or
    split and write down why. Every refusal leaves the dispute open and the escrow frozen."""
    dispute = _disputed(funded_shop, merchant, creator)
    before = _snapshot()

    with pytest.raises(error):
        services.dispute_resolve(
            dispute=dispute, actor=request.getfixturevalue(who), outcome=outcome, note=note
        )

    assert _snapshot() == before
    assert escrow_fen(dispute.order_id) == TOTAL_FEN


# --- T60: the message thread --------------------------------------------------------------


def _messages(user, order, **params):
    return client_for(user).get(f"{API}/orders/{order.pk}/messages/", params)


def test_both_parties_write_and_read_the_thread_oldest_first(funded_shop, merchant, creator):
    """T60/D5: the merchant and the creator both post (201) and both read the whole thread,
    oldest first; each message tells the other side, not its author."""
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)
    first = client_for(merchant).post(
        f"{API}/orders/{order.pk}/messages/", {"body": "请在周五前发布"}, format="json"
    )
    second = client_for(creator).post(
        f"{API}/orders/{order.pk}/messages/", {"body": "好的，周四发布"}, format="json"
    )

    assert first.status_code == second.status_code == 201
    assert first.json()["author"] == merchant.get_username()
    for reader in (merchant, creator):
        response = _messages(reader, order)
        assert response.status_code == 200
        rows = response.json()["results"]
        assert [(m["author"], m["body"]) for m in rows] == [
            (merchant.get_username(), "请在周五前发布"),
            (creator.get_username(), "好的，周四发布"),
        ]
    assert _kinds(creator, order).count("order_message") == 1
    assert _kinds(merchant, order).count("order_message") == 1


def test_the_thread_is_paginated_by_page_oldest_first(funded_shop, merchant, creator):
    """T60/§5: a long thread comes in pages of 20 (page-number pagination), oldest first, and
    the next page continues where the first stopped."""
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)
    start = timezone.now()
    for number in range(25):
        with time_machine.travel(start + timedelta(minutes=number), tick=False):
            services.order_message_post(order=order, actor=merchant, body=f"消息{number}")

    first = _messages(creator, order).json()
    second = client_for(creator).get(first["next"]).json()

    assert first["count"] == 25
    assert [m["body"] for m in first["results"]] == [f"消息{n}" for n in range(20)]
    assert [m["body"] for m in second["results"]] == [f"消息{n}" for n in range(20, 25)]
    assert second["next"] is None


@pytest.mark.parametrize(
    "body", [{}, {"body": ""}, {"body": "  \n "}], ids=["none", "empty", "blank"]
)
def test_an_empty_message_is_400_and_stores_nothing(body, funded_shop, merchant, creator):
    """T60: an empty message is 400 with a `body` field error; nothing is stored or sent."""
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)
    before = _snapshot()

    response = client_for(creator).post(f"{API}/orders/{order.pk}/messages/", body, format="json")

    assert response.status_code == 400
    assert "body" in _error(response)["fields"]
    assert _snapshot() == before


def test_an_outsider_can_neither_read_nor_write_the_thread(
    funded_shop, merchant, creator, outsider
):
    """T60/A3: 404 for reading and for writing, without the messages; nothing is stored."""
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)
    services.order_message_post(order=order, actor=merchant, body="机密：底价八折")
    before = _snapshot()

    read = _messages(outsider, order)
    write = client_for(outsider).post(
        f"{API}/orders/{order.pk}/messages/", {"body": "加我微信"}, format="json"
    )

    assert read.status_code == write.status_code == 404
    assert "底价" not in read.content.decode()
    assert _snapshot() == before


def test_the_thread_stays_open_during_a_dispute_and_is_the_evidence_ops_read(
    client, funded_shop, merchant, creator, ops_superuser
):
    """T60/T61: messages written before and during a dispute stay on the thread for both
    parties, and the dispute's admin page lists them as evidence for ops."""
    order = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator)
    services.order_message_post(order=order, actor=merchant, body="第二条没有露出产品")
    dispute = services.order_dispute(order=order, actor=merchant, reason="未露出", ground="quality")

    during = client_for(creator).post(
        f"{API}/orders/{order.pk}/messages/", {"body": "第 12 秒有露出，请看截图"}, format="json"
    )

    assert during.status_code == 201
    bodies = [m["body"] for m in _messages(merchant, order).json()["results"]]
    assert bodies == ["第二条没有露出产品", "第 12 秒有露出，请看截图"]
    client.force_login(ops_superuser)
    page = client.get(reverse("admin:tasks_dispute_change", args=[dispute.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "第二条没有露出产品" in text and "第 12 秒有露出，请看截图" in text


# --- T62: the creator's order list ---------------------------------------------------------


def test_the_creators_order_list_shows_the_t62_columns(funded_shop, merchant, creator):
    """T62: id, title, merchant, industry, amount, created time, expected publish time (the
    delivery deadline) and status, newest first."""
    older = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator, title="旧订单")
    newer = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator, title="新订单")

    response = client_for(creator).get(f"{API}/orders/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [newer.pk, older.pk]
    row = rows[1]
    assert row["title"] == "旧订单"
    assert row["merchant"] == {"id": funded_shop.pk, "name": funded_shop.organization.name}
    assert row["industry"] == funded_shop.industry == "美妆"
    assert row["price"] == "1000.00"
    assert _at(row["created_at"]) == older.created_at
    assert _at(row["delivery_deadline"]) == older.delivery_deadline
    assert row["status"] == OrderStatus.IN_PRODUCTION


def test_the_order_list_filters_by_status_created_time_and_id(funded_shop, merchant, creator):
    """T62: ?status= (repeatable), ?created_after= (inclusive), ?created_before= (exclusive) and
    ?id= each narrow the creator's list."""
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=3), tick=False):
        old = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)
    with time_machine.travel(now - timedelta(days=1), tick=False):
        middle = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator)
    new = order_in(OrderStatus.AWAITING_ACCEPTANCE, funded_shop, merchant, creator)

    def listed(**params) -> list[int]:
        response = client_for(creator).get(f"{API}/orders/", params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert listed() == [new.pk, middle.pk, old.pk]
    assert listed(status="delivered") == [middle.pk]
    assert listed(status=["in_production", "awaiting_acceptance"]) == [new.pk, old.pk]
    assert listed(created_after=iso(now - timedelta(days=2))) == [new.pk, middle.pk]
    assert listed(created_after=iso(middle.created_at)) == [new.pk, middle.pk]
    assert listed(created_before=iso(now - timedelta(days=2))) == [old.pk]
    assert listed(created_before=iso(middle.created_at)) == [old.pk]
    assert listed(
        created_after=iso(now - timedelta(days=2)), created_before=iso(now - timedelta(hours=1))
    ) == [middle.pk]
    assert listed(id=middle.pk) == [middle.pk]
    assert listed(id=middle.pk, status="completed") == []


@pytest.mark.parametrize(
    "params,field",
    [
        ({"status": "shipped"}, "status"),
        ({"created_after": "上周"}, "created_after"),
        ({"created_before": "2024-13-45T00:00:00+08:00"}, "created_before"),
        ({"id": "abc"}, "id"),
    ],
    ids=["status", "created_after", "created_before", "id"],
)
def test_a_bad_filter_value_is_400(params, field, funded_shop, merchant, creator):
    """T62/§5: a filter value that cannot be understood is 400 naming the filter, never an
    unfiltered list."""
    order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)

    response = client_for(creator).get(f"{API}/orders/", params)

    assert response.status_code == 400
    assert _error(response)["code"] == "invalid"
    assert field in _error(response)["fields"]


# --- T70 and D5: the whole walk -----------------------------------------------------------

WALK = [
    ("merchant", "pay", {}),
    ("creator", "accept", {}),
    ("creator", "deliver", {"links": [LINK], "note": "初稿"}),
    ("merchant", "request-revision", {"note": "开头换成产品特写"}),
    ("creator", "deliver", {"links": [SECOND_LINK], "note": "已修改"}),
    ("merchant", "confirm", {"rating": 5, "comment": "很好"}),
]


def test_the_history_lists_every_transition_with_who_when_and_from_which_state(
    funded_shop, merchant, creator
):
    """T70: after pay → accept → deliver → revision → deliver → confirm through the API, the
    order's history (django-fsm-log) has one line per transition, in order, each with its
    source and target state, the acting user and the time; both parties see the same."""
    start = timezone.now().replace(microsecond=0)
    users = {"merchant": merchant, "creator": creator}
    with time_machine.travel(start, tick=False):
        order = private_order(funded_shop, merchant, creator)
    for hour, (who, action, body) in enumerate(WALK, start=1):
        with time_machine.travel(start + timedelta(hours=hour), tick=False):
            _ok(users[who], order, action, body)

    history = client_for(creator).get(f"{API}/orders/{order.pk}/").json()["history"]

    m, c = merchant.get_username(), creator.get_username()
    assert [(h["transition"], h["source"], h["target"], h["by"]) for h in history] == [
        ("create", None, "pending_payment", m),
        ("pay", "pending_payment", "awaiting_acceptance", m),
        ("accept", "awaiting_acceptance", "in_production", c),
        ("deliver", "in_production", "delivered", c),
        ("request_revision", "delivered", "in_production", m),
        ("deliver", "in_production", "delivered", c),
        ("confirm", "delivered", "completed", m),
    ]
    assert [_at(h["at"]) for h in history] == [start + timedelta(hours=h) for h in range(7)]
    assert client_for(merchant).get(f"{API}/orders/{order.pk}/").json()["history"] == history


def test_a_dispute_and_its_decision_are_in_the_history(
    funded_shop, merchant, creator, ops_superuser
):
    """T70/T61: opening a dispute is logged with the party who opened it and its reason; the
    decision with the ops user, the outcome's target state and the decision note."""
    dispute = _disputed(funded_shop, merchant, creator, by=creator)
    services.dispute_resolve(
        dispute=dispute, actor=ops_superuser, outcome="refund", note="未按要求拍摄"
    )

    history = client_for(merchant).get(f"{API}/orders/{dispute.order_id}/").json()["history"]

    assert [(h["transition"], h["source"], h["target"], h["by"]) for h in history[-2:]] == [
        ("open_dispute", "delivered", "disputed", creator.get_username()),
        ("resolve", "disputed", "refunded", ops_superuser.get_username()),
    ]
    logs = StateLog.objects.for_(dispute.order).order_by("-id")[:2]
    assert [log.description for log in logs] == ["未按要求拍摄", "第二条视频没有露出产品"]


def test_every_step_of_the_walk_tells_the_other_side(funded_shop, merchant, creator):
    """D5: each action writes an inbox line for the other party (and none for the one who
    acted): paid → creator, accepted → merchant, delivered → merchant, revision → creator,
    confirmed → creator. The inbox API renders them."""
    order = private_order(funded_shop, merchant, creator)
    users = {"merchant": merchant, "creator": creator}
    expected = {
        "pay": ("creator", "order_paid"),
        "accept": ("merchant", "order_accepted"),
        "deliver": ("merchant", "order_delivered"),
        "request-revision": ("creator", "order_revision_requested"),
        "confirm": ("creator", "order_confirmed"),
    }
    for who, action, body in WALK:
        before = {name: list(_kinds(user, order)) for name, user in users.items()}
        _ok(users[who], order, action, body)
        told, kind = expected[action]
        assert _kinds(users[told], order) == [*before[told], kind], action
        assert _kinds(users[who], order) == before[who], action

    inbox = client_for(creator).get(f"{API}/notifications/").json()["results"]
    assert inbox[0]["kind"] == "order_confirmed" and inbox[0]["order"] == order.pk
    assert order.title in inbox[0]["message"]


# --- E6: idempotent confirmation ----------------------------------------------------------


def test_confirming_with_the_same_idempotency_key_twice_releases_once(
    funded_shop, merchant, creator, ledger_is_clean
):
    """E6/T52: a retried confirm with the same key and body answers the first response again
    (marked replayed) and moves no money a second time."""
    order = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator)
    body = {"rating": 5, "comment": "准时交付"}

    first = _post(merchant, order, "confirm", body, HTTP_IDEMPOTENCY_KEY="confirm-1")
    retry = _post(merchant, order, "confirm", body, HTTP_IDEMPOTENCY_KEY="confirm-1")

    assert first.status_code == retry.status_code == 200
    assert retry.content == first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert earnings_fen(creator.creator_profile) == PRICE_FEN
    assert JournalTransaction.objects.filter(order=order, kind=TransactionKind.RELEASE).count() == 1
    assert Review.objects.filter(order=order).count() == 1
    assert _kinds(creator, order).count("order_confirmed") == 1


def test_the_same_idempotency_key_with_another_body_is_409(funded_shop, merchant, creator):
    """E6: reusing a key for a different request (another rating) is 409 idempotency_conflict;
    the first confirmation stands unchanged."""
    order = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator)
    _post(merchant, order, "confirm", {"rating": 5}, HTTP_IDEMPOTENCY_KEY="confirm-2")
    before = _snapshot()

    response = _post(merchant, order, "confirm", {"rating": 1}, HTTP_IDEMPOTENCY_KEY="confirm-2")

    assert response.status_code == 409
    assert _error(response)["code"] == "idempotency_conflict"
    assert _snapshot() == before
    assert Review.objects.get(order=order).rating == 5


def test_a_refused_confirm_is_replayed_as_refused(funded_shop, merchant, creator):
    """E6: the stored answer of a key is the first one, a refusal included: the order, confirmed
    meanwhile under another key, is not confirmed a second time by the retry."""
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)
    early = _post(merchant, order, "confirm", {"rating": 5}, HTTP_IDEMPOTENCY_KEY="confirm-3")
    services.order_deliver(order=order, actor=creator, links=[LINK])
    _ok(merchant, order, "confirm", {"rating": 4})
    before = _snapshot()

    retry = _post(merchant, order, "confirm", {"rating": 5}, HTTP_IDEMPOTENCY_KEY="confirm-3")

    assert early.status_code == retry.status_code == 409
    assert retry.content == early.content
    assert _snapshot() == before
    assert Review.objects.get(order=order).rating == 4
