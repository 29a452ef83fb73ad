"""Plaza tasks through the REST API (T10–T13, D3): who applies, approving and enrollment,
what the payment moves, refusals while enrollment is open or after it stopped or beyond the
slots, closing and cancelling; every refused action leaves nothing behind.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from escrow.models import JournalTransaction
from parties.models import Notification
from tasks import services
from tasks.models import (
    Application,
    ApplicationStatus,
    Order,
    OrderStatus,
    Task,
    TaskStatus,
)
from tests.conftest import client_for, fund_wallet, row_counts
from tests.tasks.conftest import escrow_fen, in_days, iso, post_task, wallet_fen
from tests.tasks.task_api import (
    API,
    PRICE,
    PRICE_FEN,
    STORED,
    _act,
    _applied,
    _apply,
    _error,
    _kinds,
    _new_creator,
    _ok,
    _plaza,
    _recruitment,
    _status,
    _stop_enrollment,
)

pytestmark = pytest.mark.django_db


# --- T10: applying, approving, enrollment ---------------------------------------------------


def test_creators_apply_and_the_merchant_approves_or_rejects(merchant, creator, outsider):
    """T10: creators apply with a note; the merchant sees the applications and approves one,
    rejects the other; each applicant is told."""
    task = _plaza(merchant)
    other = _new_creator()

    first = _applied(creator, task["id"])
    second = _applied(other, task["id"])

    assert first["status"] == "pending"
    assert first["note"] == "我有 10 万粉丝，擅长美妆测评"
    assert _kinds(merchant, task_id=task["id"]).count("application_received") == 2
    listing = client_for(merchant).get(f"{API}/tasks/{task['id']}/applications/").json()
    assert {row["id"] for row in listing["results"]} == {first["id"], second["id"]}
    own = client_for(other).get(f"{API}/tasks/{task['id']}/applications/").json()
    assert [row["id"] for row in own["results"]] == [second["id"]]  # A3: only its own
    # A3: another merchant cannot decide on this task's applications.
    assert _act(outsider, f"applications/{first['id']}/approve/").status_code == 404

    approved = _ok(merchant, f"applications/{first['id']}/approve/")
    rejected = _ok(merchant, f"applications/{second['id']}/reject/")

    assert approved["status"] == "approved"
    assert rejected["status"] == "rejected"
    assert "application_approved" in _kinds(creator, task_id=task["id"])
    assert "application_rejected" in _kinds(other, task_id=task["id"])
    detail = client_for(merchant).get(f"{API}/tasks/{task['id']}/").json()
    assert detail["approved_count"] == 1
    assert detail["application_count"] == 2


def test_merchant_closes_enrollment_early(merchant, creator):
    """T10: the merchant stops enrollment early: pending applications end, the 7 days to pay
    start (T13)."""
    task = _plaza(merchant)
    approved = _applied(creator, task["id"])
    _ok(merchant, f"applications/{approved['id']}/approve/")
    pending = _applied(_new_creator(), task["id"])
    moment = timezone.now()

    with time_machine.travel(moment, tick=False):
        closed = _ok(merchant, f"tasks/{task['id']}/close-enrollment/")

    assert closed["status"] == "enrollment_closed"
    assert Task.objects.get(pk=task["id"]).payment_due_at == moment + timedelta(days=7)
    assert _status(Application, approved["id"]) == ApplicationStatus.APPROVED
    assert _status(Application, pending["id"]) == ApplicationStatus.REJECTED


def test_applying_after_enrollment_was_stopped_is_404_for_a_stranger(merchant, creator):
    """T10: once the merchant has stopped enrollment the task leaves the plaza; a creator who
    never applied no longer sees it (A3), so applying answers 404 and nothing is stored."""
    task = _plaza(merchant)
    _ok(merchant, f"applications/{_applied(creator, task['id'])['id']}/approve/")
    _stop_enrollment(merchant, task["id"])
    latecomer = _new_creator()
    before = row_counts(*STORED)

    response = _apply(latecomer, task["id"])

    assert response.status_code == 404, response.json()
    assert _error(response)["code"] == "not_found"
    assert row_counts(*STORED) == before


def test_reapplying_after_enrollment_was_stopped_is_409(merchant, creator):
    """T10: an applicant whose pending application ended with enrollment cannot apply again."""
    task = _plaza(merchant)
    _ok(merchant, f"applications/{_applied(creator, task['id'])['id']}/approve/")
    rejected_creator = _new_creator()
    _applied(rejected_creator, task["id"])
    _stop_enrollment(merchant, task["id"])
    before = row_counts(*STORED)

    response = _apply(rejected_creator, task["id"])

    assert response.status_code == 409
    assert _error(response)["code"] == "enrollment_closed"
    assert row_counts(*STORED) == before


def test_applying_after_the_enrollment_deadline_is_409(merchant, creator):
    """T10/D3: after the enrollment deadline, even before any sweep, applying is 409."""
    task = _plaza(merchant, enrollment_deadline=iso(in_days(2)))
    before = row_counts(*STORED)

    with time_machine.travel(in_days(2) + timedelta(minutes=1), tick=False):
        response = _apply(creator, task["id"])

    assert response.status_code == 409
    assert _error(response)["code"] == "deadline_passed"
    assert row_counts(*STORED) == before
    assert _status(Task, task["id"]) == TaskStatus.OPEN


def test_applying_twice_is_409(merchant, creator):
    """T10: a creator has one application per plaza task."""
    task = _plaza(merchant)
    _applied(creator, task["id"])
    before = row_counts(*STORED)

    response = _apply(creator, task["id"], note="再报一次")

    assert response.status_code == 409
    assert _error(response)["code"] == "already_applied"
    assert row_counts(*STORED) == before


def test_plaza_lists_open_plaza_tasks_to_creators(merchant, creator, outsider):
    """T10: creators see open plaza tasks; not private ones, not those whose enrollment has
    ended; another merchant does not see the plaza."""
    open_task = _plaza(merchant)
    stopped = _plaza(merchant)
    _stop_enrollment(merchant, stopped["id"])  # no approval: closed (T13)
    private = post_task(merchant, creator=_new_creator().creator_profile.pk).json()

    ids = [row["id"] for row in client_for(creator).get(f"{API}/tasks/").json()["results"]]
    plaza_ids = [
        row["id"] for row in client_for(creator).get(f"{API}/tasks/?mode=plaza").json()["results"]
    ]
    outsider_ids = [
        row["id"] for row in client_for(outsider).get(f"{API}/tasks/?mode=plaza").json()["results"]
    ]

    assert open_task["id"] in ids and open_task["id"] in plaza_ids
    assert stopped["id"] not in ids
    assert private["id"] not in ids
    assert outsider_ids == []


def test_plaza_filters_by_channel_content_type_price_and_mode(merchant, creator):
    """T10: the plaza filters by channel, content type, price range and mode."""
    cheap = _plaza(merchant, price="300.00", channel="toutiao", content_type="video")
    middle = _plaza(merchant, price="800.00", channel="jiyoujia", content_type="image_text")
    dear = _plaza(merchant, price="2000.00", channel="toutiao", content_type="live")
    recruitment = _recruitment(_new_creator(), price="500.00")  # merchants' plaza only

    def ids(query: str) -> set[int]:
        response = client_for(creator).get(f"{API}/tasks/?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("channel=toutiao") == {cheap["id"], dear["id"]}
    assert ids("content_type=image_text") == {middle["id"]}
    assert ids("min_price=800.00") == {middle["id"], dear["id"]}
    assert ids("max_price=800") == {cheap["id"], middle["id"]}
    assert ids("min_price=500&max_price=1000.00&channel=jiyoujia") == {middle["id"]}
    assert ids("mode=plaza") == {cheap["id"], middle["id"], dear["id"]}
    assert ids("mode=recruitment") == set()
    assert recruitment["id"] not in ids("")


def test_plaza_pages_by_cursor(merchant, creator):
    """T10/§5: the plaza pages by cursor, newest first, each task once."""
    posted = [_plaza(merchant, title=f"任务 {n}")["id"] for n in range(5)]

    seen, pages = [], []
    url = f"{API}/tasks/?mode=plaza&page_size=2"
    while url:
        body = client_for(creator).get(url).json()
        pages.append(body)
        seen += [row["id"] for row in body["results"]]
        url = body["next"]

    assert [len(page["results"]) for page in pages] == [2, 2, 1]
    assert pages[0]["previous"] is None
    assert "cursor=" in pages[0]["next"] and "cursor=" in pages[2]["previous"]
    assert seen == list(reversed(posted))


@pytest.mark.parametrize("value", ["abc", "1.234", "-1", "1e3"])
def test_invalid_min_price_filter_is_400(creator, value):
    """T10/§5: a price filter that is not yuan with at most two decimals is 400."""
    response = client_for(creator).get(f"{API}/tasks/", {"min_price": value})

    assert response.status_code == 400
    assert "min_price" in _error(response)["fields"]


# --- T11: paying a plaza task ---------------------------------------------------------------


def test_paying_once_enrollment_stopped_moves_price_times_approved_plus_fee_in_one_payment(
    funded_shop, merchant, creator, plaza_fee, ledger_is_clean
):
    """T11/E10: price × approved applications plus the 5% fee in ONE journal transaction; one
    order per approved application, born in production; the task is paid."""
    task = _plaza(merchant, slots=3)
    approved_creators = [creator, _new_creator()]
    applications = [_applied(user, task["id"]) for user in approved_creators]
    rejected = _applied(_new_creator(), task["id"])
    for application in applications:
        _ok(merchant, f"applications/{application['id']}/approve/")
    _ok(merchant, f"applications/{rejected['id']}/reject/")
    _stop_enrollment(merchant, task["id"])
    wallet_before = wallet_fen(funded_shop)
    journal_before = JournalTransaction.objects.count()

    response = _act(merchant, f"tasks/{task['id']}/pay/")

    assert response.status_code == 200, response.json()
    orders = response.json()["orders"]
    assert len(orders) == 2
    assert JournalTransaction.objects.count() == journal_before + 1
    assert wallet_fen(funded_shop) == wallet_before - 2 * (PRICE_FEN + 5_000)
    assert {order["creator"]["id"] for order in orders} == {
        user.creator_profile.pk for user in approved_creators
    }
    for order in orders:
        assert order["status"] == "in_production"
        assert order["kind"] == "plaza"
        assert order["price"] == PRICE
        assert order["fee"] == "50.00"
        assert order["paid_at"] is not None
        assert escrow_fen(order["id"]) == PRICE_FEN + 5_000
    for application in applications:
        assert Application.objects.get(pk=application["id"]).order_id in {o["id"] for o in orders}
    assert Application.objects.get(pk=rejected["id"]).order_id is None
    assert _status(Task, task["id"]) == TaskStatus.PAID
    assert all("order_started" in _kinds(user) for user in approved_creators)


def test_paying_after_the_enrollment_deadline_without_a_sweep_works(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T11/D3: the enrollment deadline passed and nobody closed enrollment: paying stops it and
    pays the approved applications; a still-pending application ends."""
    task = _plaza(merchant, enrollment_deadline=iso(in_days(2)))
    approved = _applied(creator, task["id"])
    _ok(merchant, f"applications/{approved['id']}/approve/")
    pending = _applied(_new_creator(), task["id"])
    wallet_before = wallet_fen(funded_shop)

    with time_machine.travel(in_days(2) + timedelta(hours=1), tick=False):
        assert _status(Task, task["id"]) == TaskStatus.OPEN
        response = _act(merchant, f"tasks/{task['id']}/pay/")

    assert response.status_code == 200, response.json()
    [order] = response.json()["orders"]
    assert order["status"] == "in_production"
    assert wallet_fen(funded_shop) == wallet_before - PRICE_FEN
    assert escrow_fen(order["id"]) == PRICE_FEN
    assert _status(Task, task["id"]) == TaskStatus.PAID
    assert _status(Application, pending["id"]) == ApplicationStatus.REJECTED


def test_paying_without_enough_money_is_409_and_leaves_no_order(
    shop, merchant, creator, ledger_is_clean
):
    """T11/E3: a payment the wallet cannot cover is refused whole: no order, no ledger row, the
    task still waits for its payment."""
    fund_wallet(shop, PRICE_FEN - 1)
    task = _plaza(merchant)
    _ok(merchant, f"applications/{_applied(creator, task['id'])['id']}/approve/")
    _stop_enrollment(merchant, task["id"])
    before = row_counts(*STORED)

    response = _act(merchant, f"tasks/{task['id']}/pay/")

    assert response.status_code == 409
    assert _error(response)["code"] == "insufficient_funds"
    assert wallet_fen(shop) == PRICE_FEN - 1
    assert row_counts(*STORED) == before
    assert _status(Task, task["id"]) == TaskStatus.ENROLLMENT_CLOSED


# --- T12: refused while enrollment is open, after it stopped, beyond the slots --------------


def test_paying_before_enrollment_stops_is_409(funded_shop, merchant, creator, ledger_is_clean):
    """T12: paying while enrollment is open is 409 and moves nothing."""
    task = _plaza(merchant)
    _ok(merchant, f"applications/{_applied(creator, task['id'])['id']}/approve/")
    wallet_before = wallet_fen(funded_shop)
    before = row_counts(*STORED)

    response = _act(merchant, f"tasks/{task['id']}/pay/")

    assert response.status_code == 409
    assert _error(response)["code"] == "enrollment_open"
    assert wallet_fen(funded_shop) == wallet_before
    assert row_counts(*STORED) == before
    assert _status(Task, task["id"]) == TaskStatus.OPEN


def test_approving_after_enrollment_was_stopped_is_409(merchant, creator):
    """T12: once the merchant stopped enrollment, no application can be approved."""
    task = _plaza(merchant)
    _ok(merchant, f"applications/{_applied(creator, task['id'])['id']}/approve/")
    late = _applied(_new_creator(), task["id"])
    _stop_enrollment(merchant, task["id"])
    before = row_counts(*STORED)

    response = _act(merchant, f"applications/{late['id']}/approve/")

    assert response.status_code == 409
    assert _status(Application, late["id"]) == ApplicationStatus.REJECTED
    assert row_counts(*STORED) == before


def test_approving_after_the_enrollment_deadline_is_409(merchant, creator):
    """T12/D3: past the enrollment deadline, before any sweep, approving is 409."""
    task = _plaza(merchant, enrollment_deadline=iso(in_days(2)))
    application = _applied(creator, task["id"])
    before = row_counts(*STORED)

    with time_machine.travel(in_days(2) + timedelta(minutes=1), tick=False):
        response = _act(merchant, f"applications/{application['id']}/approve/")

    assert response.status_code == 409
    assert _error(response)["code"] == "enrollment_closed"
    assert _status(Application, application["id"]) == ApplicationStatus.PENDING
    assert row_counts(*STORED) == before


def test_approving_beyond_the_slots_is_409(merchant, creator):
    """T12: approving more applications than the task's slots is 409; nothing changes."""
    task = _plaza(merchant, slots=1)
    _ok(merchant, f"applications/{_applied(creator, task['id'])['id']}/approve/")
    second = _applied(_new_creator(), task["id"])
    before = row_counts(*STORED)

    response = _act(merchant, f"applications/{second['id']}/approve/")

    assert response.status_code == 409
    assert _error(response)["code"] == "slots_full"
    assert _status(Application, second["id"]) == ApplicationStatus.PENDING
    assert row_counts(*STORED) == before


# --- T13: closing ---------------------------------------------------------------------------


def test_stopping_enrollment_with_no_approved_application_closes_and_tells_applicants(
    merchant, creator
):
    """T13: enrollment stopped with nobody approved: the task closes, every applicant is told."""
    task = _plaza(merchant)
    applicants = [creator, _new_creator()]
    for user in applicants:
        _applied(user, task["id"])

    closed = _ok(merchant, f"tasks/{task['id']}/close-enrollment/")

    assert closed["status"] == "closed"
    assert closed["closed_reason"]
    for user in applicants:
        assert "task_closed" in _kinds(user, task_id=task["id"])
    assert not Order.objects.filter(task_id=task["id"]).exists()


def test_unpaid_task_is_closed_after_7_days_and_applicants_told_once(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T13/D2: not paid within 7 days of stopping enrollment: closed, applicants told, approved
    applications lapse; a second run does nothing."""
    task = _plaza(merchant)
    application = _applied(creator, task["id"])
    _ok(merchant, f"applications/{application['id']}/approve/")
    stopped_at = timezone.now()
    with time_machine.travel(stopped_at, tick=False):
        _stop_enrollment(merchant, task["id"])
    row = Task.objects.get(pk=task["id"])

    with time_machine.travel(stopped_at + timedelta(days=7) - timedelta(minutes=1), tick=False):
        assert services.plaza_task_close_unpaid(task=row) is None
    with time_machine.travel(stopped_at + timedelta(days=7), tick=False):
        closed = services.plaza_task_close_unpaid(task=row)
        told = Notification.objects.count()
        assert services.plaza_task_close_unpaid(task=row) is None

    assert closed is not None
    assert _status(Task, task["id"]) == TaskStatus.CLOSED
    assert _status(Application, application["id"]) == ApplicationStatus.EXPIRED
    assert "task_closed" in _kinds(creator, task_id=task["id"])
    assert Notification.objects.count() == told
    assert not Order.objects.filter(task_id=task["id"]).exists()


def test_paying_after_the_7_days_is_409(funded_shop, merchant, creator, ledger_is_clean):
    """T13: after the 7 days to pay, paying is 409 and moves nothing."""
    task = _plaza(merchant, delivery_deadline=iso(in_days(20)))
    _ok(merchant, f"applications/{_applied(creator, task['id'])['id']}/approve/")
    _stop_enrollment(merchant, task["id"])
    wallet_before = wallet_fen(funded_shop)
    before = row_counts(*STORED)

    with time_machine.travel(in_days(8), tick=False):
        response = _act(merchant, f"tasks/{task['id']}/pay/")

    assert response.status_code == 409
    assert _error(response)["code"] == "deadline_passed"
    assert wallet_fen(funded_shop) == wallet_before
    assert row_counts(*STORED) == before


def test_paying_more_than_7_days_after_an_unswept_enrollment_deadline_is_409(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T13/D3: enrollment stopped at its deadline; 8 days later, with no sweep having run, the
    7 days to pay are over: paying is 409 and moves nothing."""
    task = _plaza(merchant, enrollment_deadline=iso(in_days(1)), delivery_deadline=iso(in_days(20)))
    _ok(merchant, f"applications/{_applied(creator, task['id'])['id']}/approve/")
    wallet_before = wallet_fen(funded_shop)
    journal_before = JournalTransaction.objects.count()

    with time_machine.travel(in_days(9), tick=False):
        response = _act(merchant, f"tasks/{task['id']}/pay/")

    assert response.status_code == 409, response.json()
    assert _error(response)["code"] == "deadline_passed"
    assert wallet_fen(funded_shop) == wallet_before
    assert JournalTransaction.objects.count() == journal_before
    assert not Order.objects.filter(task_id=task["id"]).exists()


# --- cancelling a plaza task ----------------------------------------------------------------


def test_plaza_task_cancelled_before_payment_lapses_its_applications(merchant, creator):
    """T10: before payment the merchant may cancel a plaza task: its applications lapse and the
    applicants are told; no money moves."""
    task = _plaza(merchant)
    approved = _applied(creator, task["id"])
    _ok(merchant, f"applications/{approved['id']}/approve/")
    other = _new_creator()
    pending = _applied(other, task["id"])
    journal_before = JournalTransaction.objects.count()

    cancelled = _ok(merchant, f"tasks/{task['id']}/cancel/")

    assert cancelled["status"] == "cancelled"
    assert _status(Application, approved["id"]) == ApplicationStatus.EXPIRED
    assert _status(Application, pending["id"]) == ApplicationStatus.EXPIRED
    assert "task_cancelled" in _kinds(creator, task_id=task["id"])
    assert "task_cancelled" in _kinds(other, task_id=task["id"])
    assert JournalTransaction.objects.count() == journal_before
    assert _act(merchant, f"tasks/{task['id']}/pay/").status_code == 409


def test_plaza_task_cancel_after_payment_is_409(funded_shop, merchant, creator, ledger_is_clean):
    """T11: once paid, a plaza task cannot be cancelled: 409, the orders and escrow stay."""
    task = _plaza(merchant)
    _ok(merchant, f"applications/{_applied(creator, task['id'])['id']}/approve/")
    _stop_enrollment(merchant, task["id"])
    [order] = _ok(merchant, f"tasks/{task['id']}/pay/")["orders"]
    wallet_before = wallet_fen(funded_shop)
    before = row_counts(*STORED)

    response = _act(merchant, f"tasks/{task['id']}/cancel/")

    assert response.status_code == 409
    assert _status(Task, task["id"]) == TaskStatus.PAID
    assert _status(Order, order["id"]) == OrderStatus.IN_PRODUCTION
    assert escrow_fen(order["id"]) == PRICE_FEN
    assert wallet_fen(funded_shop) == wallet_before
    assert row_counts(*STORED) == before
