"""C1 (the creator profile and rate card), C2 (creator search) and T1 (channels, content
types), through the API and the services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.exceptions import InvalidInput, WrongSide
from parties import selectors, services
from parties.models import Category, ContentType, CreatorProfile, CreatorRate
from tasks.models import Channel
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SEEDED_CHANNELS = [
    ("haohuo", False),
    ("toutiao", True),
    ("tmall_global", True),
    ("bimai", False),
    ("jiyoujia", True),
    ("taobao_live", True),
    ("shop_video", True),
]


def put_profile(user, **data):
    return client_for(user).put("/api/v1/creators/me/", data, format="json")


def profile_state(profile: CreatorProfile) -> tuple:
    """Everything C1 stores for a creator, to compare before and after a refused update."""
    profile = CreatorProfile.objects.get(pk=profile.pk)
    return (
        profile.display_name,
        profile.bio,
        profile.followers,
        sorted(profile.channels.values_list("code", flat=True)),
        sorted(profile.categories.values_list("name", flat=True)),
        sorted(profile.rates.values_list("content_type", "price_fen")),
    )


# --- T1: channels and content types -------------------------------------------------------


def test_channels_are_seeded_and_haohuo_and_bimai_do_not_allow_recruitment(merchant):
    """T1: the seven platform channels are seeded in order; 有好货 and 必买清单 have no
    fixed-column recruitment."""
    response = client_for(merchant).get("/api/v1/channels/")

    assert response.status_code == 200
    assert [(c["code"], c["allows_recruitment"]) for c in response.json()] == SEEDED_CHANNELS
    names = {c["code"]: c["name"] for c in response.json()}
    assert names["haohuo"] == "有好货"
    assert names["bimai"] == "必买清单"
    assert names["taobao_live"] == "淘宝直播"


def test_only_haohuo_and_bimai_refuse_recruitment_in_the_database():
    """T1: the seed migration stores the recruitment flag on the channel rows themselves."""
    refusing = set(Channel.objects.filter(allows_recruitment=False).values_list("code", flat=True))

    assert refusing == {"haohuo", "bimai"}
    assert Channel.objects.count() == len(SEEDED_CHANNELS)


def test_inactive_channels_are_not_listed(merchant):
    """T1: channels are rows ops edit in the admin; a deactivated channel is not offered."""
    Channel.objects.filter(code="jiyoujia").update(is_active=False)

    codes = [c["code"] for c in client_for(merchant).get("/api/v1/channels/").json()]

    assert "jiyoujia" not in codes
    assert len(codes) == len(SEEDED_CHANNELS) - 1


def test_content_type_codes():
    """T1: the four content types and their codes."""
    assert ContentType.values == ["image_text", "video", "live", "live_sponsorship"]


def test_channels_need_an_account(api_client):
    """T1/§5: the channel list is for signed-in users: 401 without credentials."""
    assert api_client.get("/api/v1/channels/").status_code == 401


def test_categories_are_seeded(creator):
    """C1: the verticals creators pick from are seeded (美妆, 服饰 …)."""
    response = client_for(creator).get("/api/v1/categories/")

    assert response.status_code == 200
    names = [c["name"] for c in response.json()]
    assert names[:3] == ["美妆", "服饰", "食品"]
    assert len(names) == 10


# --- C1: the creator's own profile --------------------------------------------------------


def test_creator_updates_profile_with_channels_categories_followers_and_rates(creator):
    """C1: PUT /creators/me/ stores display name, channels, categories (by name), followers
    and the rate card, and answers with the profile as it now is."""
    response = put_profile(
        creator,
        display_name="小美爱美妆",
        bio="口红试色",
        channels=["taobao_live", "haohuo"],
        categories=["美妆", "服饰"],
        followers=520000,
        rates={"video": "1280.00", "live": "5000"},
    )

    assert response.status_code == 200
    body = response.json()
    profile = creator.creator_profile
    assert body["id"] == profile.pk
    assert body["display_name"] == "小美爱美妆"
    assert body["bio"] == "口红试色"
    assert sorted(body["channels"]) == ["haohuo", "taobao_live"]
    assert sorted(body["categories"]) == ["服饰", "美妆"]
    assert body["followers"] == 520000
    assert body["rates"] == {"live": "5000.00", "video": "1280.00"}
    assert body["rating"] == "0.00"
    assert body["agency"] is None
    assert profile_state(profile) == (
        "小美爱美妆",
        "口红试色",
        520000,
        ["haohuo", "taobao_live"],
        ["服饰", "美妆"],
        [("live", 500000), ("video", 128000)],
    )
    assert client_for(creator).get("/api/v1/creators/me/").json() == body


def test_update_replaces_channels_categories_and_rates(creator):
    """C1: a PUT replaces the lists: what is left out is removed; a null rate removes it."""
    put_profile(
        creator,
        display_name="小美",
        channels=["haohuo", "toutiao"],
        categories=["美妆", "食品"],
        rates={"video": "100.00", "live": "200.00", "image_text": "50.00"},
    )

    response = put_profile(
        creator,
        display_name="小美",
        channels=["toutiao"],
        categories=["beauty"],  # a category code is accepted as well as its name
        rates={"video": "150.00", "live": None},
    )

    assert response.status_code == 200
    assert response.json()["channels"] == ["toutiao"]
    assert response.json()["categories"] == ["美妆"]
    assert response.json()["rates"] == {"video": "150.00"}
    assert CreatorRate.objects.filter(creator=creator.creator_profile).count() == 1


def test_rating_and_agency_are_not_writable_by_the_creator(creator, agency):
    """C1: the rating comes from merchants and the agency from a contract (C3); a PUT that
    sends them changes neither."""
    response = put_profile(creator, display_name="小美", rating="5.00", agency=agency.pk)

    assert response.status_code == 200
    profile = CreatorProfile.objects.get(user=creator)
    assert profile.rating == Decimal("0")
    assert profile.agency is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"channels": ["weibo"]}, "channels"),
        ({"categories": ["汽车"]}, "categories"),
        ({"followers": -1}, "followers"),
        ({"followers": "many"}, "followers"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "x" * 61}, "display_name"),
        ({"rates": {"podcast": "10.00"}}, "rates"),
        ({"rates": {"video": "0.00"}}, "rates"),
        ({"rates": {"video": "100000001.00"}}, "rates"),
        ({"rates": ["video", "10.00"]}, "rates"),
    ],
    ids=[
        "unknown-channel",
        "unknown-category",
        "negative-followers",
        "text-followers",
        "blank-name",
        "long-name",
        "unknown-content-type",
        "zero-price",
        "too-expensive",
        "rates-not-an-object",
    ],
)
def test_update_with_bad_input_is_400_and_changes_nothing(creator, data, field):
    """C1: bad profile input is 400 naming the field; nothing about the profile changes."""
    put_profile(
        creator,
        display_name="原名",
        channels=["toutiao"],
        categories=["美妆"],
        followers=100,
        rates={"video": "100.00"},
    )
    before = profile_state(creator.creator_profile)

    response = put_profile(creator, **{"display_name": "新名", "followers": 200, **data})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert profile_state(creator.creator_profile) == before


def test_inactive_channel_cannot_be_chosen(creator):
    """C1/T1: a channel ops switched off is unknown to creators: 400, nothing stored."""
    Channel.objects.filter(code="toutiao").update(is_active=False)

    response = put_profile(creator, display_name="小美", channels=["toutiao"])

    assert response.status_code == 400
    assert "channels" in response.json()["error"]["fields"]
    assert not creator.creator_profile.channels.exists()


def test_followers_beyond_the_column_range_are_400(creator):
    """C1: a follower count the database cannot hold is bad input (400), not a server error."""
    before = profile_state(creator.creator_profile)

    response = put_profile(creator, display_name="小美", followers=10**10)

    assert response.status_code == 400
    assert "followers" in response.json()["error"]["fields"]
    assert profile_state(creator.creator_profile) == before


def test_merchant_has_no_creator_profile(merchant):
    """C1/A1: /creators/me/ is for creators: a merchant gets 403 on GET and PUT; nothing made."""
    assert client_for(merchant).get("/api/v1/creators/me/").status_code == 403
    response = put_profile(merchant, display_name="冒充达人")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_side"
    assert not CreatorProfile.objects.filter(user=merchant).exists()


def test_service_refuses_editing_another_creators_profile(creator, outsider_creator):
    """C1/A3: the service checks the profile belongs to the actor; nothing changes."""
    profile = outsider_creator.creator_profile
    before = profile_state(profile)

    with pytest.raises(WrongSide):
        services.creator_profile_update(profile=profile, actor=creator, display_name="被改了")

    assert profile_state(profile) == before


def test_service_validates_like_the_api(creator):
    """C1: the service refuses unknown channels, categories, content types and bad prices
    itself, all at once, and writes nothing."""
    profile = creator.creator_profile
    before = profile_state(profile)

    with pytest.raises(InvalidInput) as refused:
        services.creator_profile_update(
            profile=profile,
            actor=creator,
            display_name=" ",
            channel_codes=["weibo"],
            category_names=["汽车"],
            followers=-5,
            rates_fen={"podcast": 100, "video": 0},
        )

    assert set(refused.value.fields) == {
        "display_name",
        "channels",
        "categories",
        "followers",
        "rates",
    }
    assert profile_state(profile) == before


def test_creator_profile_is_readable_by_any_signed_in_user(merchant, creator):
    """C1: a creator's card is public to signed-in users (merchants choose from it)."""
    put_profile(creator, display_name="小美", rates={"video": "1280.00"})
    profile = creator.creator_profile

    response = client_for(merchant).get(f"/api/v1/creators/{profile.pk}/")

    assert response.status_code == 200
    assert response.json()["display_name"] == "小美"
    assert response.json()["rates"] == {"video": "1280.00"}


def test_inactive_creator_is_404(merchant, creator):
    """C1/C2: a deactivated account's profile is not shown."""
    profile = creator.creator_profile
    creator.is_active = False
    creator.save()

    assert client_for(merchant).get(f"/api/v1/creators/{profile.pk}/").status_code == 404


# --- C2: search ---------------------------------------------------------------------------


@pytest.fixture
def catalogue(db):
    """Five creators with distinct channels, categories, followers, rates, ratings, agencies."""
    beauty, apparel, food, digital = (
        Category.objects.get(code=code) for code in ("beauty", "apparel", "food", "digital")
    )
    channels = {c.code: c for c in Channel.objects.all()}
    star_agency, other_agency = factories.AgencyFactory(), factories.AgencyFactory()

    def make(name, *, codes, categories, followers, rates, rating, agency=None, bio=""):
        creator = factories.CreatorFactory(
            display_name=name,
            followers=followers,
            rates=rates,
            rating=Decimal(rating),
            agency=agency,
            bio=bio,
        )
        creator.channels.set([channels[c] for c in codes])
        creator.categories.set(categories)
        return creator

    creators = {
        "xiaomei": make(
            "美妆小美",
            codes=["haohuo", "taobao_live"],
            categories=[beauty],
            followers=500_000,
            rates={"video": 128000, "live": 500000},
            rating="4.80",
            agency=star_agency,
            bio="口红试色",
        ),
        "aqiang": make(
            "数码阿强",
            codes=["toutiao"],
            categories=[digital],
            followers=50_000,
            rates={"image_text": 30000},
            rating="4.20",
        ),
        "lily": make(
            "服饰Lily",
            codes=["taobao_live", "shop_video"],
            categories=[apparel, beauty],
            followers=1_000_000,
            rates={"video": 800000},
            rating="3.50",
            agency=other_agency,
        ),
        "laowang": make(
            "食品老王",
            codes=[],
            categories=[food],
            followers=1_000,
            rates={},
            rating="0",
        ),
    }
    inactive = make(
        "停用账号",
        codes=["haohuo", "taobao_live", "toutiao"],
        categories=[beauty, digital],
        followers=900_000,
        rates={"video": 128000, "image_text": 30000},
        rating="5.00",
        agency=star_agency,
        bio="口红",
    )
    inactive.user.is_active = False
    inactive.user.save()
    return {"creators": creators, "star_agency": star_agency, "other_agency": other_agency}


def search(user, **params):
    response = client_for(user).get("/api/v1/creators/", params)
    assert response.status_code == 200, response.content
    return response.json()


def names(body) -> list[str]:
    return [c["display_name"] for c in body["results"]]


def test_search_without_filters_lists_active_creators_by_followers(merchant, catalogue):
    """C2: the default listing has every active creator, most followers first."""
    body = search(merchant)

    assert names(body) == ["服饰Lily", "美妆小美", "数码阿强", "食品老王"]
    assert body["count"] == 4


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"channel": "taobao_live"}, ["服饰Lily", "美妆小美"]),
        ({"channel": "haohuo"}, ["美妆小美"]),
        ({"channel": "bimai"}, []),
        ({"channel": "no_such_channel"}, []),
        ({"category": "美妆"}, ["服饰Lily", "美妆小美"]),
        ({"category": "beauty"}, ["服饰Lily", "美妆小美"]),
        ({"category": "数码"}, ["数码阿强"]),
        ({"content_type": "video"}, ["服饰Lily", "美妆小美"]),
        ({"content_type": "image_text"}, ["数码阿强"]),
        ({"content_type": "live_sponsorship"}, []),
        ({"min_followers": 50_000}, ["服饰Lily", "美妆小美", "数码阿强"]),
        ({"max_followers": 50_000}, ["数码阿强", "食品老王"]),
        ({"min_followers": 40_000, "max_followers": 600_000}, ["美妆小美", "数码阿强"]),
        ({"min_price": "1000"}, ["服饰Lily", "美妆小美"]),
        ({"min_price": "1000.00", "max_price": "2000.00"}, ["美妆小美"]),
        ({"max_price": "300.00"}, ["数码阿强"]),
        ({"max_price": "299.99"}, []),
        ({"min_price": "1280.00", "max_price": "1280.00"}, ["美妆小美"]),
        ({"content_type": "video", "max_price": "2000"}, ["美妆小美"]),
        ({"content_type": "video", "min_price": "5000"}, ["服饰Lily"]),
        ({"content_type": "live", "min_price": "5000.01"}, []),
        ({"min_rating": "4.5"}, ["美妆小美"]),
        ({"min_rating": "4"}, ["美妆小美", "数码阿强"]),
        ({"min_rating": "5"}, []),
        ({"q": "口红"}, ["美妆小美"]),
        ({"q": "lily"}, ["服饰Lily"]),
        ({"q": "阿强"}, ["数码阿强"]),
        (
            {"channel": "taobao_live", "category": "美妆", "min_followers": 600_000},
            ["服饰Lily"],
        ),
    ],
)
def test_search_filters(merchant, catalogue, params, expected):
    """C2: each filter (channel, category by name or code, content type, follower range,
    price range in yuan, rating, q) returns exactly the matching active creators."""
    assert names(search(merchant, **params)) == expected


def test_search_by_agency(merchant, catalogue):
    """C2: the agency filter keeps the creators signed to that agency (active accounts only)."""
    assert names(search(merchant, agency=catalogue["star_agency"].pk)) == ["美妆小美"]
    assert names(search(merchant, agency=catalogue["other_agency"].pk)) == ["服饰Lily"]


def test_search_returns_each_creator_once(merchant, catalogue):
    """C2: filtering through two many-to-many relations and the rates does not repeat a row."""
    body = search(merchant, channel="taobao_live", category="美妆", min_price="1.00")

    assert names(body) == ["服饰Lily", "美妆小美"]
    assert body["count"] == 2


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("followers", ["食品老王", "数码阿强", "美妆小美", "服饰Lily"]),
        ("-rating", ["美妆小美", "数码阿强", "服饰Lily", "食品老王"]),
    ],
)
def test_search_ordering(merchant, catalogue, ordering, expected):
    """C2: the listing can be ordered by followers or rating."""
    assert names(search(merchant, ordering=ordering)) == expected


def test_search_results_carry_the_card(merchant, catalogue):
    """C1/C2: each result shows channels, categories, followers, rates in yuan, rating,
    agency."""
    card = search(merchant, q="口红")["results"][0]

    assert sorted(card["channels"]) == ["haohuo", "taobao_live"]
    assert card["categories"] == ["美妆"]
    assert card["followers"] == 500_000
    assert card["rates"] == {"live": "5000.00", "video": "1280.00"}
    assert card["rating"] == "4.80"
    star_agency = catalogue["star_agency"]
    assert card["agency"] == {"id": star_agency.pk, "name": star_agency.name}


@pytest.mark.parametrize(
    "params",
    [
        {"content_type": "podcast"},
        {"min_followers": "-1"},
        {"max_followers": "lots"},
        {"min_rating": "6"},
        {"min_rating": "-1"},
        {"agency": "abc"},
        {"ordering": "price"},
        {"max_price": "-5"},
    ],
)
def test_search_with_bad_parameters_is_400(merchant, catalogue, params):
    """C2: a malformed filter is 400 naming the parameter, not an empty or unfiltered list."""
    response = client_for(merchant).get("/api/v1/creators/", params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == set(params)


def test_search_needs_an_account(api_client, catalogue):
    """C2/§5: searching creators needs a signed-in user: 401."""
    assert api_client.get("/api/v1/creators/").status_code == 401


def test_search_pages(merchant, catalogue):
    """C2/§5: lists are paginated."""
    first = search(merchant, page_size=3)
    second = client_for(merchant).get(first["next"]).json()

    assert names(first) + names(second) == ["服饰Lily", "美妆小美", "数码阿强", "食品老王"]


def test_selector_price_range_applies_to_the_chosen_content_type(catalogue):
    """C2: with a content type, the price range applies to that type's rate only."""
    found = selectors.creator_search(content_type="live", max_price_fen=200000)

    assert list(found) == []
    found = selectors.creator_search(content_type="live", max_price_fen=500000)
    assert [c.display_name for c in found] == ["美妆小美"]


def _creator_list_queries(user) -> int:
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/creators/", {"page_size": 100})
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


def _full_creator(agency, channels, categories, index):
    creator = factories.CreatorFactory(
        agency=agency, rates={"video": 10000 + index, "live": 20000 + index}
    )
    creator.channels.set(channels)
    creator.categories.set(categories)
    return creator


def test_creator_list_uses_the_same_number_of_queries_for_1_and_50_creators(merchant):
    """C2: the list prefetches channels, categories, rates and the agency: 50 creators cost
    as many queries as 1."""
    agency = factories.AgencyFactory()
    channels = list(Channel.objects.all()[:3])
    categories = list(Category.objects.all()[:2])
    _full_creator(agency, channels, categories, 0)
    client_for(merchant).get("/api/v1/creators/")  # warm any per-process caches

    queries_for_one, shown = _creator_list_queries(merchant)
    assert shown == 1
    for index in range(1, 50):
        _full_creator(agency if index % 2 else None, channels, categories, index)
    queries_for_fifty, shown = _creator_list_queries(merchant)

    assert shown == 50
    assert queries_for_fifty == queries_for_one
    # count, page, channels, categories, rates
    assert queries_for_one <= 5


def test_filtered_creator_list_query_count_does_not_grow(merchant, catalogue):
    """C2: filters do not add per-row queries either."""
    with CaptureQueriesContext(connection) as queries:
        body = search(merchant, channel="taobao_live", content_type="video", min_price="1")
    assert len(body["results"]) == 2
    assert len(queries) <= 5
