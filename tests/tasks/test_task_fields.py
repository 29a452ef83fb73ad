"""Every task's fields through the REST API (T1–T3): channels and content types, live
sponsorship, and the fields each task carries; every refused post leaves nothing behind.
"""

from __future__ import annotations

import pytest

from tasks.models import (
    Task,
)
from tests.conftest import client_for, row_counts
from tests.tasks.conftest import in_days, iso, post_task
from tests.tasks.task_api import (
    API,
    PRICE,
    PRICE_FEN,
    STORED,
    _error,
    _plaza,
    _plaza_body,
    _recruitment,
)

pytestmark = pytest.mark.django_db


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
