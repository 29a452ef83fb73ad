"""Delivery, confirmation, revisions and the review clock through the REST API (T50–T54, D3):
what each action stores and moves, who may do it, when it is refused — and that every refused
action leaves the order, the money, the inbox and the log exactly as they were.

Orders here are private orders with a 10% fee policy in force (E10, tests/tasks/order_api.py).
The deadline sweep itself is proven in test_deadlines.py; here the actions check their own due
times (D3) with no sweep run.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from escrow.models import JournalTransaction, TransactionKind
from tasks import services
from tasks.models import (
    Delivery,
    OrderStatus,
    Review,
    Revision,
)
from tests.builders import fresh, order_in
from tests.conftest import client_for
from tests.tasks.conftest import earnings_fen, escrow_fen, in_days, iso, wallet_fen
from tests.tasks.order_api import (
    API,
    FEE_FEN,
    LINK,
    PRICE_FEN,
    SECOND_LINK,
    TOTAL_FEN,
    _at,
    _error,
    _kinds,
    _ok,
    _platform_fees,
    _post,
    _snapshot,
    ten_percent_fee_on_private_orders,  # noqa: F401  (autouse)
)

pytestmark = pytest.mark.django_db


# --- T50: delivery ------------------------------------------------------------------------


def test_the_creator_delivers_links_a_note_and_files(
    settings, tmp_path, funded_shop, merchant, creator
):
    """T50/T54/D5: a multipart delivery before the deadline stores the links, the note and the
    files; the order is delivered, due to be confirmed automatically 7 days later, the escrow
    still holds price + fee, and the merchant is told."""
    settings.MEDIA_ROOT = tmp_path
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)
    moment = timezone.now() + timedelta(days=2)
    files = [
        SimpleUploadedFile("cover.jpg", b"\xff\xd8\xff" + b"0" * 1021, "image/jpeg"),
        SimpleUploadedFile("script.txt", "口播脚本".encode(), "text/plain"),
    ]

    with time_machine.travel(moment, tick=False):
        response = client_for(creator).post(
            f"{API}/orders/{order.pk}/deliver/",
            {"links": [LINK, SECOND_LINK], "note": "两条视频均已发布", "files": files},
            format="multipart",
        )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == OrderStatus.DELIVERED
    assert _at(body["auto_confirm_at"]) == moment + timedelta(days=7)
    [delivered] = body["deliveries"]
    assert delivered["links"] == [LINK, SECOND_LINK]
    assert delivered["note"] == "两条视频均已发布"
    assert [(f["name"], f["size"]) for f in delivered["files"]] == [
        ("cover.jpg", 1024),
        ("script.txt", len("口播脚本".encode())),
    ]
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert order.delivered_at == moment
    assert order.auto_confirm_at == moment + timedelta(days=7)
    delivery = Delivery.objects.get(order=order)
    assert (delivery.links, delivery.submitted_by, delivery.is_joint_content) == (
        [LINK, SECOND_LINK],
        creator,
        False,
    )
    stored = delivery.files.get(name="cover.jpg")
    assert stored.file.read().startswith(b"\xff\xd8\xff")
    assert (tmp_path / stored.file.name).exists()
    assert escrow_fen(order.pk) == TOTAL_FEN
    assert _kinds(merchant, order)[-1] == "order_delivered"
    assert "order_delivered" not in _kinds(creator, order)


@pytest.mark.parametrize(
    "body",
    [
        {"note": "忘了贴链接"},
        {"links": [], "note": "空"},
        {"links": ["   "]},
        {"links": ["v.taobao.com/v/1"]},
        {"links": ["ftp://v.taobao.com/v/1"]},
    ],
    ids=["missing", "empty", "blank", "no-scheme", "not-web"],
)
def test_delivering_without_a_web_link_is_400_and_changes_nothing(
    body, funded_shop, merchant, creator
):
    """T50: a delivery needs at least one http(s) link to the published content; otherwise 400
    with a `links` field error, and nothing is stored or moved."""
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)
    before = _snapshot()

    response = _post(creator, order, "deliver", body)

    assert response.status_code == 400
    assert _error(response)["code"] == "invalid"
    assert "links" in _error(response)["fields"]
    assert _snapshot() == before


def test_more_than_five_files_is_400_and_stores_nothing(
    settings, tmp_path, funded_shop, merchant, creator
):
    """T50: at most 5 files per delivery; a sixth is a `files` field error and nothing is
    stored."""
    settings.MEDIA_ROOT = tmp_path
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)
    files = [SimpleUploadedFile(f"p{i}.jpg", b"x", "image/jpeg") for i in range(6)]
    before = _snapshot()

    response = client_for(creator).post(
        f"{API}/orders/{order.pk}/deliver/", {"links": [LINK], "files": files}, format="multipart"
    )

    assert response.status_code == 400
    assert "files" in _error(response)["fields"]
    assert _snapshot() == before
    assert not any(tmp_path.rglob("p*.jpg"))


@pytest.mark.parametrize("late_by", [timedelta(0), timedelta(minutes=1), timedelta(days=2)])
def test_delivering_at_or_after_the_deadline_is_409_without_a_sweep(
    late_by, funded_shop, merchant, creator
):
    """T50/T51/D3: at or after the delivery deadline the creator's delivery is refused with 409
    deadline_passed even though no sweep has run: the order stays in production (the sweep,
    not the refusal, makes it overdue), the escrow stays held, nothing is stored."""
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)
    before = _snapshot()

    with time_machine.travel(order.delivery_deadline + late_by, tick=False):
        response = _post(creator, order, "deliver", {"links": [LINK]})

    assert response.status_code == 409
    assert _error(response)["code"] == "deadline_passed"
    assert _snapshot() == before
    assert fresh(order).status == OrderStatus.IN_PRODUCTION
    assert escrow_fen(order.pk) == TOTAL_FEN


def test_delivering_a_minute_before_the_deadline_is_accepted(funded_shop, merchant, creator):
    """T50: the last minute before the deadline still counts."""
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)

    with time_machine.travel(order.delivery_deadline - timedelta(minutes=1), tick=False):
        response = _post(creator, order, "deliver", {"links": [LINK]})

    assert response.status_code == 200, response.json()
    assert fresh(order).status == OrderStatus.DELIVERED


def test_the_merchant_cannot_deliver(funded_shop, merchant, creator):
    """T50/§5: only the order's creator delivers; its merchant (a party, so it sees the order)
    is refused with 403 wrong_side and nothing changes."""
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)
    before = _snapshot()

    response = _post(merchant, order, "deliver", {"links": [LINK]})

    assert response.status_code == 403
    assert _error(response)["code"] == "wrong_side"
    assert _snapshot() == before


@pytest.mark.parametrize("intruder", ["outsider", "outsider_creator"])
def test_an_outsider_delivering_gets_404(intruder, request, funded_shop, merchant, creator):
    """T50/A3: a merchant or creator who is not party to the order gets 404; nothing changes."""
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)
    before = _snapshot()

    response = _post(request.getfixturevalue(intruder), order, "deliver", {"links": [LINK]})

    assert response.status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize("state", [OrderStatus.AWAITING_ACCEPTANCE, OrderStatus.DELIVERED])
def test_delivering_an_order_that_is_not_in_production_is_409(
    state, funded_shop, merchant, creator
):
    """T50/§4: before acceptance, or a second time while the first delivery waits for review,
    delivery is 409 invalid_state."""
    order = order_in(state, funded_shop, merchant, creator)
    before = _snapshot()

    response = _post(creator, order, "deliver", {"links": [SECOND_LINK]})

    assert response.status_code == 409
    assert _error(response)["code"] == "invalid_state"
    assert _snapshot() == before


def test_joint_content_is_delivered_like_any_other(funded_shop, merchant, creator):
    """T55: content that also features other merchants' products (拼场) is accepted and marked
    so; it is not refused."""
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)

    body = _ok(creator, order, "deliver", {"links": [LINK], "is_joint_content": True})

    assert body["status"] == OrderStatus.DELIVERED
    assert body["deliveries"][0]["is_joint_content"] is True
    assert Delivery.objects.get(order=order).is_joint_content is True


# --- T52: confirmation --------------------------------------------------------------------


def test_confirming_releases_the_escrow_at_once_and_stores_the_review(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T52/E4/E10/D5: the merchant confirms with 4 stars: the order is completed, the creator's
    earnings grow by the price and the platform's fees by the fee, the escrow is empty, the
    merchant's wallet is not touched again, the review is stored and the creator's rating
    updated, and the creator is told."""
    order = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator)
    wallet_before, fees_before = wallet_fen(funded_shop), _platform_fees()

    body = _ok(merchant, order, "confirm", {"rating": 4, "comment": "口播自然，露出充分"})

    assert body["status"] == OrderStatus.COMPLETED
    assert body["review"]["rating"] == 4
    assert body["review"]["comment"] == "口播自然，露出充分"
    assert body["auto_confirm_at"] is None and body["closed_at"] is not None
    assert earnings_fen(creator.creator_profile) == PRICE_FEN
    assert _platform_fees() == fees_before + FEE_FEN
    assert escrow_fen(order.pk) == 0
    assert wallet_fen(funded_shop) == wallet_before
    review = Review.objects.get(order=order)
    assert (review.rating, review.created_by) == (4, merchant)
    profile = creator.creator_profile
    profile.refresh_from_db()
    assert (profile.rating, profile.rating_count) == (4, 1)
    assert _kinds(creator, order)[-1] == "order_confirmed"
    release = JournalTransaction.objects.get(order=order, kind=TransactionKind.RELEASE)
    assert release.created_by == merchant


@pytest.mark.parametrize("rating", [0, 6, -1, "五星", None, 4.5])
def test_a_rating_outside_1_to_5_is_400_and_changes_nothing(rating, funded_shop, merchant, creator):
    """T52: the rating is a whole number of stars from 1 to 5; anything else is 400 with a
    `rating` field error, and the order stays delivered with its escrow held."""
    order = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator)
    before = _snapshot()

    response = _post(merchant, order, "confirm", {"rating": rating, "comment": "好"})

    assert response.status_code == 400
    assert "rating" in _error(response)["fields"]
    assert _snapshot() == before
    assert escrow_fen(order.pk) == TOTAL_FEN


def test_confirming_twice_the_second_is_409_and_pays_once(funded_shop, merchant, creator):
    """T52/E5: a second confirm finds the order completed: 409, no second release, no second
    review."""
    order = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator)
    _ok(merchant, order, "confirm", {"rating": 5})
    before = _snapshot()

    again = _post(merchant, order, "confirm", {"rating": 3})

    assert again.status_code == 409
    assert _error(again)["code"] == "invalid_state"
    assert _snapshot() == before
    assert earnings_fen(creator.creator_profile) == PRICE_FEN
    assert Review.objects.get(order=order).rating == 5


def test_the_creator_cannot_confirm_its_own_delivery(funded_shop, merchant, creator):
    """T52: only the merchant confirms; the creator is 403 wrong_side and is not paid."""
    order = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator)
    before = _snapshot()

    response = _post(creator, order, "confirm", {"rating": 5})

    assert response.status_code == 403
    assert _error(response)["code"] == "wrong_side"
    assert _snapshot() == before
    assert earnings_fen(creator.creator_profile) == 0


def test_confirming_an_order_still_in_production_is_409(funded_shop, merchant, creator):
    """T52/§4: nothing delivered, nothing to confirm: 409 and the escrow stays held."""
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)
    before = _snapshot()

    response = _post(merchant, order, "confirm", {"rating": 5})

    assert response.status_code == 409
    assert _snapshot() == before


# --- T53: revisions -----------------------------------------------------------------------


def test_a_revision_with_an_earlier_deadline_returns_the_order_to_production(
    funded_shop, merchant, creator
):
    """T53/D5: the merchant may set a deadline earlier than the latest allowed one; the order is
    back in production with that deadline, the auto-confirm clock stops, the escrow stays held
    and the creator is told."""
    order = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator)
    wanted = (order.task.delivery_deadline + timedelta(days=1)).replace(microsecond=0)

    body = _ok(
        merchant, order, "request-revision", {"note": "口播再自然一些", "deadline": iso(wanted)}
    )

    assert body["status"] == OrderStatus.IN_PRODUCTION
    assert body["revisions_used"] == 1
    assert _at(body["delivery_deadline"]) == wanted
    assert body["auto_confirm_at"] is None
    assert [(r["note"], _at(r["new_deadline"])) for r in body["revisions"]] == [
        ("口播再自然一些", wanted)
    ]
    assert escrow_fen(order.pk) == TOTAL_FEN
    assert _kinds(creator, order)[-1] == "order_revision_requested"


def test_the_second_revision_is_still_bounded_by_the_tasks_deadline_plus_3_days(
    funded_shop, merchant, creator
):
    """T53: the limit is the task's delivery deadline + 3 days, not the order's current
    deadline + 3 days: after a first revision to the limit, a second revision cannot push it
    further (400 `deadline`), and by default lands on the same limit."""
    order = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator)
    limit = order.task.delivery_deadline + timedelta(days=3)
    _ok(merchant, order, "request-revision", {"note": "第一次修改"})
    _ok(creator, order, "deliver", {"links": [SECOND_LINK]})
    before = _snapshot()

    beyond = _post(
        merchant,
        order,
        "request-revision",
        {"note": "第二次修改", "deadline": iso(limit + timedelta(days=3))},
    )
    assert beyond.status_code == 400
    assert "deadline" in _error(beyond)["fields"]
    assert _snapshot() == before

    body = _ok(merchant, order, "request-revision", {"note": "第二次修改"})

    assert body["revisions_used"] == 2
    assert _at(body["delivery_deadline"]) == limit
    assert [_at(r["new_deadline"]) for r in body["revisions"]] == [limit, limit]


def test_a_third_revision_is_409_and_changes_nothing(funded_shop, merchant, creator):
    """T53: two revisions at most; the third request is 409 revisions_exhausted."""
    order = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator)
    for round_number in (1, 2):
        _ok(merchant, order, "request-revision", {"note": f"第{round_number}次修改"})
        _ok(creator, order, "deliver", {"links": [LINK]})
    before = _snapshot()

    response = _post(merchant, order, "request-revision", {"note": "第三次修改"})

    assert response.status_code == 409
    assert _error(response)["code"] == "revisions_exhausted"
    assert _snapshot() == before
    assert fresh(order).status == OrderStatus.DELIVERED


@pytest.mark.parametrize(
    "body", [{}, {"note": ""}, {"note": "   "}], ids=["missing", "empty", "blank"]
)
def test_a_revision_needs_a_note(body, funded_shop, merchant, creator):
    """T53: the merchant must say what should change: 400 with a `note` field error."""
    order = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator)
    before = _snapshot()

    response = _post(merchant, order, "request-revision", body)

    assert response.status_code == 400
    assert "note" in _error(response)["fields"]
    assert _snapshot() == before


def test_a_revision_deadline_in_the_past_is_400(funded_shop, merchant, creator):
    """T53: the new deadline must be in the future."""
    order = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator)
    before = _snapshot()

    response = _post(
        merchant, order, "request-revision", {"note": "改", "deadline": iso(in_days(-1))}
    )

    assert response.status_code == 400
    assert "deadline" in _error(response)["fields"]
    assert _snapshot() == before


def test_a_revision_once_the_task_deadline_plus_3_days_has_passed_is_409(
    funded_shop, merchant, creator
):
    """T53/D3: delivered on the last day, the delivery is still within its 7 review days three
    and a half days after the task's deadline, but no revision deadline is possible any more:
    409 deadline_passed (the merchant may still confirm or dispute)."""
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)
    with time_machine.travel(order.delivery_deadline - timedelta(hours=1), tick=False):
        _ok(creator, order, "deliver", {"links": [LINK]})
    before = _snapshot()

    with time_machine.travel(order.delivery_deadline + timedelta(days=3, hours=12), tick=False):
        response = _post(merchant, order, "request-revision", {"note": "再改一次"})
        confirm = _post(merchant, order, "confirm", {"rating": 3})

    assert response.status_code == 409
    assert _error(response)["code"] == "deadline_passed"
    assert confirm.status_code == 200, confirm.json()
    assert before["rows"]["tasks.Revision"] == Revision.objects.count() == 0


# --- T54: the automatic confirmation's due time -------------------------------------------


def test_each_delivery_restarts_the_7_day_review_clock(funded_shop, merchant, creator):
    """T54: a revision stops the clock; the next delivery starts a fresh 7 days from itself."""
    order = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator)
    _ok(merchant, order, "request-revision", {"note": "换个开头"})
    assert fresh(order).auto_confirm_at is None
    redelivered_at = timezone.now() + timedelta(days=1)

    with time_machine.travel(redelivered_at, tick=False):
        body = _ok(creator, order, "deliver", {"links": [SECOND_LINK]})

    assert _at(body["auto_confirm_at"]) == redelivered_at + timedelta(days=7)
    assert len(body["deliveries"]) == 2


def test_confirming_after_the_auto_confirm_time_without_a_sweep_settles_once(
    funded_shop, merchant, creator
):
    """T54/D3/D2: once the 7 days are over but before the sweep ran, the merchant's own confirm
    is still accepted (it leads to the very outcome the sweep would: completed, price to the
    creator, fee to the platform), its rating is kept, and the sweep arriving afterwards finds
    nothing to do and moves no money twice."""
    order = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator)
    late = order.auto_confirm_at + timedelta(hours=1)
    fees_before = _platform_fees()

    with time_machine.travel(late, tick=False):
        body = _ok(merchant, order, "confirm", {"rating": 2, "comment": "晚了才确认"})
        swept = services.order_auto_confirm(order=order, at=late)

    assert body["status"] == OrderStatus.COMPLETED
    assert body["review"]["rating"] == 2
    assert swept is None
    assert earnings_fen(creator.creator_profile) == PRICE_FEN
    assert _platform_fees() == fees_before + FEE_FEN
    assert JournalTransaction.objects.filter(order=order, kind=TransactionKind.RELEASE).count() == 1


def test_a_dispute_after_the_review_days_is_409_without_a_sweep(funded_shop, merchant, creator):
    """T54/T61/D3: the 7 review days are over: opening a dispute is 409 deadline_passed even
    though the sweep has not confirmed the order yet; the escrow stays as it was."""
    order = order_in(OrderStatus.DELIVERED, funded_shop, merchant, creator)
    before = _snapshot()

    with time_machine.travel(order.auto_confirm_at, tick=False):
        response = _post(merchant, order, "dispute", {"reason": "质量不好", "ground": "quality"})

    assert response.status_code == 409
    assert _error(response)["code"] == "deadline_passed"
    assert _snapshot() == before
