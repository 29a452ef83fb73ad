"""Plaza, recruitment and brand tasks through the REST API (T1–T3, T10–T13, T20, T21, T30, M4,
D3): what is posted, who sees it, who applies or proposes, what the payment moves, and that
every refused action leaves nothing behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from agencies.models import AgencyStatus, ContractStatus
from escrow.models import FeePolicy, JournalTransaction
from parties.models import Notification
from tasks import services
from tasks.models import (
    Announcement,
    Application,
    ApplicationStatus,
    Order,
    OrderStatus,
    Proposal,
    ProposalStatus,
    Task,
    TaskStatus,
)
from tests import factories
from tests.conftest import client_for, fund_wallet, row_counts
from tests.tasks.conftest import escrow_fen, in_days, iso, post_task, wallet_fen

pytestmark = pytest.mark.django_db

API = "/api/v1"
PRICE = "1000.00"
PRICE_FEN = 100_000
STORED = (Task, Application, Proposal, Order, JournalTransaction, Notification)


# --- helpers -------------------------------------------------------------------------------


def _error(response) -> dict:
    return response.json()["error"]


def _plaza_body(**overrides) -> dict:
    body = {
        "mode": "plaza",
        "channel": "toutiao",
        "content_type": "video",
        "price": PRICE,
        "slots": 2,
        "enrollment_deadline": iso(in_days(3)),
        "delivery_deadline": iso(in_days(10)),
    }
    body.update(overrides)
    return body


def _plaza(merchant, **overrides) -> dict:
    response = post_task(merchant, **_plaza_body(**overrides))
    assert response.status_code == 201, response.json()
    return response.json()


def _recruitment(creator_user, **overrides) -> dict:
    body = {
        "mode": "recruitment",
        "channel": "toutiao",
        "content_type": "video",
        "price": PRICE,
        "enrollment_deadline": iso(in_days(3)),
        "delivery_deadline": iso(in_days(10)),
    }
    body.update(overrides)
    response = post_task(creator_user, **body)
    assert response.status_code == 201, response.json()
    return response.json()


def _brand(brand_owner, **overrides) -> dict:
    body = {
        "mode": "brand",
        "channel": "taobao_live",
        "content_type": "live",
        "budget": "5000.00",
        "price": None,
    }
    body.update(overrides)
    response = post_task(brand_owner, **body)
    assert response.status_code == 201, response.json()
    return response.json()


def _apply(user, task_id, note="我有 10 万粉丝，擅长美妆测评", **headers):
    return client_for(user).post(
        f"{API}/tasks/{task_id}/applications/", {"note": note}, format="json", **headers
    )


def _applied(user, task_id) -> dict:
    response = _apply(user, task_id)
    assert response.status_code == 201, response.json()
    return response.json()


def _act(user, path):
    return client_for(user).post(f"{API}/{path}", format="json")


def _ok(user, path) -> dict:
    response = _act(user, path)
    assert response.status_code == 200, response.json()
    return response.json()


def _stop_enrollment(merchant, task_id) -> None:
    """Arrange a stopped enrollment (T10) through its service; the tests of the endpoint itself
    call POST tasks/{id}/close-enrollment/."""
    services.task_close_enrollment(task=Task.objects.get(pk=task_id), actor=merchant)


def _new_creator():
    return factories.CreatorFactory().user


def _paying_shop(*, fen: int = 10_000_000, **shop_fields):
    """Another shop with a bound payment account (M2) and money in its wallet."""
    shop = factories.ShopFactory(**shop_fields)
    factories.PaymentAccountFactory(shop=shop, bound_by=shop.owner)
    fund_wallet(shop, fen)
    return shop


def _kinds(user, **filters) -> list[str]:
    return list(Notification.objects.filter(user=user, **filters).values_list("kind", flat=True))


def _status(model, pk) -> str:
    return model.objects.get(pk=pk).status


@pytest.fixture
def plaza_fee():
    """E10: a 5% plaza fee, so the payment visibly includes the fee."""
    FeePolicy.objects.update_or_create(order_kind="plaza", defaults={"rate_bp": 500})


@pytest.fixture
def brand_shop(db):
    """M4/M2: a Tmall brand shop with a bound payment account and ¥100,000.00."""
    return _paying_shop(is_brand=True)


# --- T1: channels and content types ---------------------------------------------------------


def test_channels_are_seeded_with_codes_and_recruitment_flags(merchant):
    """T1: the seven channels exist with their codes; 有好货 and 必买清单 take no recruitment."""
    response = client_for(merchant).get(f"{API}/channels/")

    assert response.status_code == 200
    flags = {row["code"]: row["allows_recruitment"] for row in response.json()}
    assert flags == {
        "haohuo": False,
        "toutiao": True,
        "tmall_global": True,
        "bimai": False,
        "jiyoujia": True,
        "taobao_live": True,
        "shop_video": True,
    }


@pytest.mark.parametrize("channel", ["haohuo", "bimai"])
def test_recruitment_for_a_channel_without_fixed_column_is_400(creator, channel):
    """T1/T20: creators cannot post recruitment tasks for 有好货 or 必买清单; nothing is stored."""
    before = row_counts(*STORED)

    response = post_task(
        creator,
        mode="recruitment",
        channel=channel,
        enrollment_deadline=iso(in_days(3)),
        delivery_deadline=iso(in_days(10)),
    )

    assert response.status_code == 400
    assert "channel" in _error(response)["fields"]
    assert row_counts(*STORED) == before


def test_recruitment_for_toutiao_is_published(creator):
    """T1/T20: 淘宝头条 allows recruitment: the creator's task is published open."""
    task = _recruitment(creator)

    assert task["mode"] == "recruitment"
    assert task["status"] == "open"
    assert task["channel"] == "toutiao"
    assert task["price"] == PRICE
    assert task["owner"] == {
        "kind": "creator",
        "id": creator.creator_profile.pk,
        "name": creator.creator_profile.display_name,
    }


@pytest.mark.parametrize("content_type", ["podcast", "", "VIDEO"])
def test_unknown_content_type_is_400(merchant, content_type):
    """T1: only image_text, video, live and live_sponsorship are content types."""
    before = row_counts(*STORED)

    response = post_task(merchant, **_plaza_body(content_type=content_type))

    assert response.status_code == 400
    assert "content_type" in _error(response)["fields"]
    assert row_counts(*STORED) == before


@pytest.mark.parametrize("content_type", ["image_text", "video", "live"])
def test_each_content_type_is_accepted(merchant, content_type):
    """T1: every content type code can be posted."""
    assert _plaza(merchant, content_type=content_type)["content_type"] == content_type


# --- T2: live sponsorship -------------------------------------------------------------------

SPONSORSHIP = {
    "brand_name": "花西子",
    "logo_url": "https://cdn.example.com/logo.png",
    "products": [{"name": "散粉"}, {"name": "口红"}, {"name": "眉笔"}],
}


def test_live_sponsorship_carries_brand_logo_and_three_products(merchant):
    """T2: a live sponsorship task stores the brand name, the logo and up to 3 products."""
    task = _plaza(
        merchant, content_type="live_sponsorship", channel="taobao_live", sponsorship=SPONSORSHIP
    )

    assert task["sponsorship"] == SPONSORSHIP
    stored = Task.objects.get(pk=task["id"])
    assert stored.sponsor_brand_name == "花西子"
    assert stored.sponsor_products == SPONSORSHIP["products"]


@pytest.mark.parametrize(
    ("sponsorship", "field"),
    [
        (None, "sponsorship"),
        ({**SPONSORSHIP, "brand_name": "  "}, "sponsorship.brand_name"),
        ({**SPONSORSHIP, "logo_url": ""}, "sponsorship.logo_url"),
        ({**SPONSORSHIP, "logo_url": "javascript:alert(1)"}, "sponsorship.logo_url"),
        (
            {**SPONSORSHIP, "products": [*SPONSORSHIP["products"], {"name": "腮红"}]},
            "sponsorship.products",
        ),
    ],
    ids=["missing", "no-brand", "no-logo", "bad-logo", "four-products"],
)
def test_live_sponsorship_details_are_validated(merchant, sponsorship, field):
    """T2: brand name, a web logo and at most 3 products are required; 4 products → 400;
    nothing is stored."""
    before = row_counts(*STORED)

    response = post_task(
        merchant,
        **_plaza_body(
            content_type="live_sponsorship", channel="taobao_live", sponsorship=sponsorship
        ),
    )

    assert response.status_code == 400
    assert field in _error(response)["fields"]
    assert row_counts(*STORED) == before


def test_sponsorship_on_a_task_that_is_not_a_live_sponsorship_is_400(merchant):
    """T2: only a live sponsorship task carries sponsorship details."""
    before = row_counts(*STORED)

    response = post_task(merchant, **_plaza_body(content_type="live", sponsorship=SPONSORSHIP))

    assert response.status_code == 400
    assert "sponsorship" in _error(response)["fields"]
    assert row_counts(*STORED) == before


def test_sponsored_product_without_a_name_is_not_stored_as_a_product(merchant):
    """T2: products are named; an entry without a name is not shown as a product called
    "None"."""
    sponsorship = {**SPONSORSHIP, "products": [{"name": "散粉"}, {}, {"name": None}]}

    response = post_task(
        merchant,
        **_plaza_body(
            content_type="live_sponsorship", channel="taobao_live", sponsorship=sponsorship
        ),
    )

    if response.status_code == 201:
        assert response.json()["sponsorship"]["products"] == [{"name": "散粉"}]
    else:
        assert response.status_code == 400
        assert "sponsorship.products" in _error(response)["fields"]


# --- T3: every task's fields ----------------------------------------------------------------

_TEN_DAYS = iso(in_days(10))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"brief": ""}, "brief"),
        ({"brief": "   "}, "brief"),
        ({"channel": "douyin"}, "channel"),
        ({"price": None}, "price"),
        ({"price": "0.00"}, "price"),
        ({"price": "-5.00"}, "price"),
        ({"price": "12.345"}, "price"),
        ({"price": 1000.5}, "price"),
        ({"delivery_deadline": None}, "delivery_deadline"),
        ({"delivery_deadline": iso(in_days(-1))}, "delivery_deadline"),
        ({"enrollment_deadline": None}, "enrollment_deadline"),
        ({"enrollment_deadline": iso(in_days(-1))}, "enrollment_deadline"),
        ({"enrollment_deadline": iso(in_days(11))}, "enrollment_deadline"),
        (
            {"enrollment_deadline": _TEN_DAYS, "delivery_deadline": _TEN_DAYS},
            "enrollment_deadline",
        ),
        ({"slots": 0}, "slots"),
    ],
    ids=[
        "no-brief",
        "blank-brief",
        "unknown-channel",
        "no-price",
        "zero-price",
        "negative-price",
        "three-decimals",
        "float-price",
        "no-delivery-deadline",
        "delivery-in-the-past",
        "no-enrollment-deadline",
        "enrollment-in-the-past",
        "enrollment-after-delivery",
        "enrollment-at-delivery",
        "no-slots",
    ],
)
def test_invalid_task_fields_are_400_with_field_errors(merchant, overrides, field):
    """T3: requirements, content type, channel, fixed price, delivery deadline and an enrollment
    deadline before it are checked; a refusal names the field and stores nothing."""
    before = row_counts(*STORED)

    response = post_task(merchant, **_plaza_body(**overrides))

    assert response.status_code == 400, response.json()
    error = _error(response)
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert row_counts(*STORED) == before


def test_valid_plaza_task_is_published_with_its_fields(merchant):
    """T3/T10: a plaza task is open at once with its brief, price, slots and deadlines."""
    enrollment, delivery = in_days(3), in_days(10)

    task = _plaza(
        merchant, enrollment_deadline=iso(enrollment), delivery_deadline=iso(delivery), slots=5
    )

    assert task["status"] == "open"
    assert task["mode"] == "plaza"
    assert task["price"] == PRICE
    assert task["slots"] == 5
    assert task["brief"] == "60 秒开箱视频，突出保湿功效"
    stored = Task.objects.get(pk=task["id"])
    assert stored.price_fen == PRICE_FEN
    assert stored.enrollment_deadline == enrollment
    assert stored.delivery_deadline == delivery


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


# --- T20: recruitment tasks -----------------------------------------------------------------


def test_merchants_see_recruitment_tasks_on_the_recruitment_plaza(creator, merchant):
    """T20: a creator's recruitment task is listed to merchants on the recruitment plaza, not to
    other creators."""
    task = _recruitment(creator)

    merchant_view = client_for(merchant).get(f"{API}/tasks/?mode=recruitment").json()
    creator_view = client_for(_new_creator()).get(f"{API}/tasks/?mode=recruitment").json()

    assert [row["id"] for row in merchant_view["results"]] == [task["id"]]
    assert creator_view["results"] == []


def test_merchant_applies_to_a_recruitment_task_by_paying(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T20: a merchant's application is its payment: wallet −price, the answer is the order
    awaiting the creator, with its application."""
    task = _recruitment(creator)
    wallet_before = wallet_fen(funded_shop)
    journal_before = JournalTransaction.objects.count()

    response = _apply(merchant, task["id"], note="想合作一期")

    assert response.status_code == 201, response.json()
    order = response.json()
    assert order["status"] == "awaiting_acceptance"
    assert order["kind"] == "recruitment"
    assert order["price"] == PRICE
    assert order["creator"]["id"] == creator.creator_profile.pk
    application = Application.objects.get(pk=order["application"])
    assert application.order_id == order["id"]
    assert application.shop_id == funded_shop.pk
    assert application.status == ApplicationStatus.PENDING
    assert wallet_fen(funded_shop) == wallet_before - PRICE_FEN
    assert escrow_fen(order["id"]) == PRICE_FEN
    assert JournalTransaction.objects.count() == journal_before + 1
    assert "order_paid" in _kinds(creator, order_id=order["id"])


def test_creator_approves_a_merchant_application_into_production(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T20: the creator approves the merchant's application: its order goes into production,
    the escrow still holds the price."""
    task = _recruitment(creator)
    order = _applied(merchant, task["id"])

    approved = _ok(creator, f"applications/{order['application']}/approve/")

    assert approved["status"] == "approved"
    assert _status(Order, order["id"]) == OrderStatus.IN_PRODUCTION
    assert escrow_fen(order["id"]) == PRICE_FEN
    assert "order_accepted" in _kinds(merchant, order_id=order["id"])


def test_creator_rejects_a_merchant_application_and_the_merchant_is_refunded(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T20: the creator rejects: the order is declined and the merchant refunded in full at
    once; the escrow is empty."""
    task = _recruitment(creator)
    wallet_before = wallet_fen(funded_shop)
    order = _applied(merchant, task["id"])
    assert wallet_fen(funded_shop) == wallet_before - PRICE_FEN

    rejected = _ok(creator, f"applications/{order['application']}/reject/")

    assert rejected["status"] == "rejected"
    assert _status(Order, order["id"]) == OrderStatus.DECLINED
    assert wallet_fen(funded_shop) == wallet_before
    assert escrow_fen(order["id"]) == 0
    assert "order_declined" in _kinds(merchant, order_id=order["id"])


def test_a_merchant_cannot_post_a_recruitment_task(merchant):
    """T20: only creators post recruitment tasks: 403, nothing stored."""
    before = row_counts(*STORED)

    response = post_task(
        merchant,
        mode="recruitment",
        channel="toutiao",
        enrollment_deadline=iso(in_days(3)),
        delivery_deadline=iso(in_days(10)),
    )

    assert response.status_code == 403
    assert row_counts(*STORED) == before


def test_recruitment_slots_are_respected(funded_shop, merchant, creator, ledger_is_clean):
    """T20: when every place is taken, another merchant's application is 409 slots_full and
    nothing is paid."""
    task = _recruitment(creator, slots=1)
    _applied(merchant, task["id"])
    second_shop = _paying_shop()
    wallet_before = wallet_fen(second_shop)
    before = row_counts(*STORED)

    response = _apply(second_shop.owner, task["id"])

    assert response.status_code == 409
    assert _error(response)["code"] == "slots_full"
    assert wallet_fen(second_shop) == wallet_before
    assert row_counts(*STORED) == before


def test_a_shop_applying_twice_to_a_recruitment_task_is_409(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T20: one shop holds at most one live application to a recruitment task; a second one is
    409 already_applied and pays nothing."""
    task = _recruitment(creator, slots=5)
    _applied(merchant, task["id"])
    wallet_before = wallet_fen(funded_shop)
    before = row_counts(*STORED)

    response = _apply(merchant, task["id"])

    assert response.status_code == 409, response.json()
    assert _error(response)["code"] == "already_applied"
    assert wallet_fen(funded_shop) == wallet_before
    assert row_counts(*STORED) == before


def test_recruitment_application_with_an_idempotency_key_pays_once(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T20/E6: a retried application with the same Idempotency-Key replays the first answer
    and pays once; the same key with another body is 409."""
    task = _recruitment(creator)
    wallet_before = wallet_fen(funded_shop)

    first = _apply(merchant, task["id"], note="合作", HTTP_IDEMPOTENCY_KEY="apply-1")
    journal_after_first = JournalTransaction.objects.count()
    retry = _apply(merchant, task["id"], note="合作", HTTP_IDEMPOTENCY_KEY="apply-1")
    other_body = _apply(merchant, task["id"], note="另一个", HTTP_IDEMPOTENCY_KEY="apply-1")

    assert first.status_code == 201, first.json()
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert other_body.status_code == 409
    assert _error(other_body)["code"] == "idempotency_conflict"
    assert wallet_fen(funded_shop) == wallet_before - PRICE_FEN
    assert JournalTransaction.objects.count() == journal_after_first
    assert Order.objects.filter(task_id=task["id"]).count() == 1
    assert Application.objects.filter(task_id=task["id"]).count() == 1


# --- T21: announcements ---------------------------------------------------------------------


def test_published_announcements_are_listed(merchant):
    """T21: the platform's published announcements are listed, newest first; unpublished ones
    are not."""
    older = Announcement.objects.create(title="招商规则更新", body="自 3 月起……")
    newer = Announcement.objects.create(title="618 招商开启", body="报名入口……")
    Announcement.objects.create(title="草稿", body="未发布", is_published=False)

    response = client_for(merchant).get(f"{API}/announcements/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["title"] for row in rows] == [newer.title, older.title]
    assert set(rows[0]) >= {"id", "title", "body", "published_at"}


# --- T30: brand tasks and proposals ---------------------------------------------------------


def _propose(user, task_id, quote="3000.00", **extra):
    return client_for(user).post(
        f"{API}/tasks/{task_id}/proposals/",
        {"quote": quote, "plan": "两场直播，口播 + 试色", **extra},
        format="json",
    )


def _signed(agency, creator_user):
    profile = creator_user.creator_profile
    profile.agency = agency
    profile.save(update_fields=["agency"])
    factories.ContractFactory(
        agency=agency, creator=profile, status=ContractStatus.ACTIVE, signed_at=timezone.now()
    )
    return profile


def test_brand_accepts_a_creator_proposal_and_pays_it_into_production(
    brand_shop, creator, ledger_is_clean
):
    """T30: a creator proposes a quote and plan; the brand accepts: an order at the quote,
    pending payment; paying it puts it straight into production."""
    brand = brand_shop.owner
    task = _brand(brand)
    response = _propose(creator, task["id"])
    assert response.status_code == 201, response.json()
    proposal = response.json()
    assert proposal["status"] == "submitted"
    assert proposal["quote"] == "3000.00"
    wallet_before = wallet_fen(brand_shop)

    order = _ok(brand, f"proposals/{proposal['id']}/accept/")

    assert order["status"] == "pending_payment"
    assert order["kind"] == "brand"
    assert order["price"] == "3000.00"
    assert Proposal.objects.get(pk=proposal["id"]).order_id == order["id"]
    assert _status(Proposal, proposal["id"]) == ProposalStatus.ACCEPTED
    assert wallet_fen(brand_shop) == wallet_before

    paid = _ok(brand, f"orders/{order['id']}/pay/")

    assert paid["status"] == "in_production"
    assert paid["acceptance_deadline"] is None
    assert wallet_fen(brand_shop) == wallet_before - 300_000
    assert escrow_fen(order["id"]) == 300_000


def test_agency_staff_propose_for_a_signed_creator(brand_shop, agency, agency_staff, creator):
    """T30: an agency's staff propose one of the agency's signed creators."""
    task = _brand(brand_shop.owner)
    profile = _signed(agency, creator)

    response = _propose(agency_staff, task["id"], agency=agency.pk, creator=profile.pk)

    assert response.status_code == 201, response.json()
    proposal = response.json()
    assert proposal["agency"]["id"] == agency.pk
    assert proposal["creator"]["id"] == profile.pk
    assert "proposal_received" in _kinds(brand_shop.owner, task_id=task["id"])


def test_an_expelled_agency_cannot_propose(brand_shop, agency, agency_staff, creator):
    """T30/G3: an expelled agency's proposal is refused; nothing is stored."""
    task = _brand(brand_shop.owner)
    profile = _signed(agency, creator)
    agency.status = AgencyStatus.EXPELLED
    agency.save(update_fields=["status"])
    before = row_counts(*STORED)

    response = _propose(agency_staff, task["id"], agency=agency.pk, creator=profile.pk)

    assert response.status_code == 403
    assert row_counts(*STORED) == before


def test_a_creator_signed_to_an_expelled_agency_cannot_propose(brand_shop, agency, creator):
    """T30: a creator signed to an expelled agency is not qualified; nothing is stored."""
    task = _brand(brand_shop.owner)
    _signed(agency, creator)
    agency.status = AgencyStatus.EXPELLED
    agency.save(update_fields=["status"])
    before = row_counts(*STORED)

    response = _propose(creator, task["id"])

    assert response.status_code == 403
    assert row_counts(*STORED) == before


def test_accepting_proposals_beyond_the_budget_is_409(brand_shop, creator, ledger_is_clean):
    """T30: accepted quotes may not exceed the budget: the proposal that would is 409 and stays
    submitted, with no order."""
    brand = brand_shop.owner
    task = _brand(brand, budget="5000.00")
    first = _propose(creator, task["id"], quote="3000.00").json()
    second = _propose(_new_creator(), task["id"], quote="2000.01").json()
    _ok(brand, f"proposals/{first['id']}/accept/")
    before = row_counts(*STORED)

    response = _act(brand, f"proposals/{second['id']}/accept/")

    assert response.status_code == 409
    assert _error(response)["code"] == "over_budget"
    assert _status(Proposal, second["id"]) == ProposalStatus.SUBMITTED
    assert row_counts(*STORED) == before


def test_proposing_twice_for_the_same_creator_is_409(brand_shop, agency, agency_staff, creator):
    """T30: one live proposal per creator and brand task, whoever submits it."""
    task = _brand(brand_shop.owner)
    profile = _signed(agency, creator)
    assert _propose(creator, task["id"]).status_code == 201
    before = row_counts(*STORED)

    again = _propose(creator, task["id"], quote="2500.00")
    by_agency = _propose(agency_staff, task["id"], agency=agency.pk, creator=profile.pk)

    assert again.status_code == 409
    assert _error(again)["code"] == "already_proposed"
    assert by_agency.status_code == 409
    assert _error(by_agency)["code"] == "already_proposed"
    assert row_counts(*STORED) == before


# --- M4: brand tasks only for Tmall brand shops ---------------------------------------------


@pytest.mark.parametrize(
    "shop_factory",
    [
        lambda: factories.ShopFactory(is_brand=False),
        lambda: factories.TaobaoShopFactory(is_brand=True),
    ],
    ids=["tmall-not-brand", "taobao-flagged-brand"],
)
def test_brand_task_from_a_shop_that_is_not_a_tmall_brand_is_403(shop_factory):
    """M4: only Tmall stores flagged as brands post brand tasks; nothing is stored."""
    shop = shop_factory()
    factories.PaymentAccountFactory(shop=shop, bound_by=shop.owner)
    before = row_counts(*STORED)

    response = post_task(
        shop.owner, mode="brand", channel="taobao_live", budget="5000.00", price=None
    )

    assert response.status_code == 403
    assert _error(response)["code"] == "not_a_brand"
    assert row_counts(*STORED) == before


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


def test_a_creator_withdraws_its_proposal_on_the_task_page(brand_shop, creator, outsider_creator):
    """T30 (drift found in issue 18: the page had no proposal withdraw): the proposer takes back
    a proposal the brand has not answered, from the task page as through the API; another
    creator posting the same is a 404 and changes nothing."""
    from django.test import Client

    from tasks.models import Proposal

    task = _brand(brand_shop.owner)
    proposal = _propose(creator, task["id"]).json()
    stranger = Client()
    stranger.force_login(outsider_creator)
    body = {"action": "withdraw_proposal", "proposal": proposal["id"]}
    assert stranger.post(f"/tasks/{task['id']}/", body).status_code == 404
    assert Proposal.objects.get(pk=proposal["id"]).status == "submitted"

    page = Client()
    page.force_login(creator)
    shown = page.get(f"/tasks/{task['id']}/").content.decode()
    assert 'value="withdraw_proposal"' in shown
    response = page.post(f"/tasks/{task['id']}/", body)

    assert response.status_code == 302
    assert Proposal.objects.get(pk=proposal["id"]).status == "withdrawn"
