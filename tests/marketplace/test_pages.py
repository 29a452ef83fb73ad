"""Browser pages of the foundation: what each side sees, refusals shown on the page, tenancy."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import AgencyContract, ContractStatus
from parties.models import Membership, MerchantShop, Organization, PaymentAccount, Side, User
from tasks.models import Channel
from tests import factories

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_home_login_register_pages_answer_in_chinese_by_default(client):
    """A1/A2: anyone can reach home, login and register; pages are Simplified Chinese by default,
    even when the browser asks for English."""
    for name in ["home", "login", "register"]:
        response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        assert response.status_code == 200
        assert response["Content-Language"] == "zh-hans"
    assert "注册" in client.get(reverse("register")).content.decode()


def test_language_switch_shows_english(client):
    """The language switch turns the pages to English."""
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("register")).content.decode()
    assert "Create your account" in page


def test_register_page_creates_account_with_its_side(client):
    """A1: the side is chosen at registration; a creator lands on its profile."""
    response = client.post(
        reverse("register"),
        {
            "username": "newcreator",
            "password": "Str0ng-pass-2026",
            "password_again": "Str0ng-pass-2026",
            "side": Side.CREATOR,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("creator_profile")
    user = User.objects.get(username="newcreator")
    assert user.side == Side.CREATOR
    assert hasattr(user, "creator_profile")


def test_register_page_explains_errors_and_writes_nothing(client):
    """A1: a form with a taken name and mismatched passwords shows why, and creates no user."""
    factories.MerchantUserFactory(username="taken")
    before = User.objects.count()
    response = client.post(
        reverse("register"),
        {
            "username": "taken",
            "password": "Str0ng-pass-2026",
            "password_again": "other",
            "side": "",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "password_again" in form.errors and "side" in form.errors
    assert User.objects.count() == before


def test_choose_side_page_refuses_a_second_choice(client):
    """A1: an account whose side is chosen cannot choose again; nothing changes."""
    user = factories.MerchantUserFactory()
    login(client, user)
    response = client.post(reverse("choose_side"), {"side": Side.CREATOR}, follow=True)
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.side == Side.MERCHANT
    assert not hasattr(user, "creator_profile")


def test_choose_side_page_lets_an_account_without_side_choose_once(client):
    """A1: an account created without a side (e.g. by ops) chooses it once at onboarding."""
    user = factories.UserFactory()
    login(client, user)
    assert client.get(reverse("choose_side")).status_code == 200
    client.post(reverse("choose_side"), {"side": Side.MERCHANT})
    user.refresh_from_db()
    assert user.side == Side.MERCHANT
    client.post(reverse("choose_side"), {"side": Side.CREATOR})
    user.refresh_from_db()
    assert user.side == Side.MERCHANT


@pytest.mark.parametrize(
    ("platform", "level", "rules", "brand", "reason_fragment"),
    [
        ("taobao", 7, True, False, "level 7"),
        ("tmall", 15, False, False, "Tmall"),
        ("taobao", 9, True, True, "Tmall"),
    ],
)
def test_refused_admission_page_shows_the_reason_and_writes_nothing(
    client, platform, level, rules, brand, reason_fragment
):
    """M1: two diamonds, Tmall without marketing rules, a Taobao 'brand' — each refused with the
    reason on the page; no organization, shop or membership is written."""
    user = factories.MerchantUserFactory()
    login(client, user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    counts = (
        Organization.objects.count(),
        MerchantShop.objects.count(),
        Membership.objects.count(),
    )
    data = {"name": "小店", "platform": platform, "seller_credit_level": level, "industry": "美妆"}
    if rules:
        data["meets_marketing_rules"] = "on"
    if brand:
        data["is_brand"] = "on"
    response = client.post(reverse("shop_new"), data)
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1 and reason_fragment in errors[0]
    assert reason_fragment in response.content.decode()
    assert (
        Organization.objects.count(),
        MerchantShop.objects.count(),
        Membership.objects.count(),
    ) == counts


def test_admission_page_admits_three_diamonds_and_binds_an_account(client):
    """M1/M2: a Taobao store at three diamonds is admitted; its owner binds a payment account."""
    user = factories.MerchantUserFactory()
    login(client, user)
    response = client.post(
        reverse("shop_new"),
        {
            "name": "三钻小店",
            "platform": "taobao",
            "seller_credit_level": 8,
            "meets_marketing_rules": "on",
        },
    )
    shop = MerchantShop.objects.get(organization__name="三钻小店")
    assert response["Location"] == reverse("shop_detail", args=[shop.pk])
    response = client.post(
        reverse("shop_detail", args=[shop.pk]),
        {"account_type": "company", "account_id": "pay@shop.example", "holder_name": "某公司"},
    )
    assert response.status_code == 302
    assert PaymentAccount.objects.filter(shop=shop, unbound_at__isnull=True).count() == 1
    client.post(reverse("shop_unbind", args=[shop.pk]))
    assert PaymentAccount.objects.filter(shop=shop, unbound_at__isnull=True).count() == 0
    assert PaymentAccount.objects.filter(shop=shop).count() == 1  # history kept


def test_bind_page_shows_missing_fields(client, shop, merchant):
    """M2: binding without an account id explains what is missing and binds nothing new."""
    login(client, merchant)
    client.post(reverse("shop_unbind", args=[shop.pk]))
    response = client.post(
        reverse("shop_detail", args=[shop.pk]),
        {"account_type": "company", "account_id": "", "holder_name": ""},
    )
    assert response.status_code == 200
    assert {"account_id", "holder_name"} <= set(response.context["form"].errors)
    assert not shop.payment_accounts.filter(unbound_at__isnull=True).exists()


def test_creator_profile_page_saves_rate_card_in_fen(client, creator):
    """C1: the creator's rate card is typed in yuan and stored in fen."""
    login(client, creator)
    response = client.post(
        reverse("creator_profile"),
        {
            "display_name": "新名字",
            "bio": "",
            "followers": 12000,
            "channels": ["toutiao"],
            "categories": ["美妆"],
            "rate_video": "1280.50",
        },
    )
    assert response.status_code == 302
    profile = creator.creator_profile
    profile.refresh_from_db()
    assert profile.display_name == "新名字"
    assert {r.content_type: r.price_fen for r in profile.rates.all()} == {"video": 128050}
    page = client.get(reverse("creator_detail", args=[profile.pk])).content.decode()
    assert "¥1,280.50" in page


def test_creator_profile_page_refuses_three_decimals(client, creator):
    """C1/E1: a price with three decimals is refused on the page and nothing is stored."""
    login(client, creator)
    response = client.post(
        reverse("creator_profile"),
        {"display_name": "x", "followers": 1, "rate_video": "12.345"},
    )
    assert response.status_code == 200
    assert "rate_video" in response.context["form"].errors
    assert not creator.creator_profile.rates.exists()


def test_creator_search_page_filters_and_keeps_query_count_flat(client, merchant):
    """C2: the search page filters by channel and runs the same number of queries for 1 and for
    20 creators on the page."""
    login(client, merchant)

    def make(n):
        for _ in range(n):
            profile = factories.CreatorFactory(rates={"video": 50000})
            profile.channels.add(Channel.objects.get(code="toutiao"))

    make(1)
    url = reverse("creator_search") + "?channel=toutiao&content_type=video"
    client.get(url)  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 1
    make(19)
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 20
    assert len(twenty) == len(one)


def test_agency_page_lists_signed_creators_and_invites(client, agency):
    """C3/A4: the agency's staff see its signed creators; an owner invites, the creator accepts
    on its page, either side ends, and the history stays."""
    creator = factories.CreatorFactory()
    login(client, agency.owner)
    response = client.post(reverse("agency_detail", args=[agency.pk]), {"creator": creator.pk})
    assert response.status_code == 302
    contract = AgencyContract.objects.get(agency=agency, creator=creator)
    client.force_login(creator.user)
    client.post(reverse("contract_action", args=[contract.pk, "accept"]))
    contract.refresh_from_db()
    creator.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE and creator.agency_id == agency.pk
    login(client, agency.owner)
    page = client.get(reverse("agency_detail", args=[agency.pk]))
    assert creator in list(page.context["creators"])
    client.force_login(creator.user)
    client.post(reverse("contract_action", args=[contract.pk, "end"]), {"reason": "合约到期"})
    contract.refresh_from_db()
    creator.refresh_from_db()
    assert contract.status == ContractStatus.ENDED and contract.end_reason == "合约到期"
    assert creator.agency_id is None


def test_agency_staff_reads_but_cannot_invite(client, agency):
    """A4: a staff member of the agency reads the page but an invitation is refused."""
    staff = factories.UserFactory()
    Membership.objects.create(user=staff, organization=agency.organization, role="staff")
    creator = factories.CreatorFactory()
    login(client, staff)
    assert client.get(reverse("agency_detail", args=[agency.pk])).status_code == 200
    response = client.post(reverse("agency_detail", args=[agency.pk]), {"creator": creator.pk})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not AgencyContract.objects.exists()


def test_every_page_of_another_tenant_is_404(client, shop, agency):
    """A3: another tenant's shop, payment account, agency and contract pages answer 404, GET and
    POST alike, and nothing changes."""
    contract = factories.ContractFactory(agency=agency)
    outsiders = [
        factories.ShopFactory().owner,  # another merchant
        factories.CreatorFactory().user,  # a creator who is not party to the contract
        factories.AgencyFactory().owner,  # another agency's owner
    ]
    for outsider in outsiders:
        client.force_login(outsider)
        for method, url, data in [
            ("get", reverse("shop_detail", args=[shop.pk]), None),
            (
                "post",
                reverse("shop_detail", args=[shop.pk]),
                {"account_id": "x", "holder_name": "y", "account_type": "company"},
            ),
            ("post", reverse("shop_unbind", args=[shop.pk]), None),
            ("get", reverse("agency_detail", args=[agency.pk]), None),
            ("post", reverse("agency_detail", args=[agency.pk]), {"creator": contract.creator_id}),
            ("post", reverse("contract_action", args=[contract.pk, "accept"]), None),
            ("post", reverse("contract_action", args=[contract.pk, "withdraw"]), None),
        ]:
            response = getattr(client, method)(url, data or {})
            assert response.status_code == 404, (outsider, url)
            assert shop.organization.name not in response.content.decode()
    assert shop.payment_accounts.filter(unbound_at__isnull=True).count() == 1
    contract.refresh_from_db()
    assert contract.status == ContractStatus.INVITED


def test_pages_of_the_other_side_are_404(client, merchant, creator):
    """A1/A3: a creator has no shop pages and a merchant has no creator profile page."""
    client.force_login(creator)
    assert client.get(reverse("shop_list")).status_code == 404
    assert client.get(reverse("shop_new")).status_code == 404
    client.force_login(merchant)
    assert client.get(reverse("creator_profile")).status_code == 404
    assert client.get(reverse("creator_agency")).status_code == 404


def test_owner_pages_answer_200(client, shop, merchant, creator, agency):
    """A2: each page answers 200 for its owner."""
    client.force_login(merchant)
    for url in [
        reverse("home"),
        reverse("shop_list"),
        reverse("shop_new"),
        reverse("shop_detail", args=[shop.pk]),
        reverse("creator_search"),
        reverse("creator_detail", args=[creator.creator_profile.pk]),
    ]:
        assert client.get(url).status_code == 200, url
    client.force_login(creator)
    for url in [reverse("home"), reverse("creator_profile"), reverse("creator_agency")]:
        assert client.get(url).status_code == 200, url
    client.force_login(agency.owner)
    assert client.get(reverse("agency_detail", args=[agency.pk])).status_code == 200


def test_navigation_shows_what_the_side_can_do(client, merchant, creator):
    """A1: the top navigation differs by side."""
    client.force_login(merchant)
    urls = [url for _label, url in client.get(reverse("home")).context["nav_items"]]
    assert urls[0] == reverse("task_mine")  # 管理中心 first
    assert {reverse("order_list"), reverse("shop_list"), reverse("wallet")} <= set(urls)
    assert reverse("plaza") not in urls
    client.force_login(creator)
    urls = [url for _label, url in client.get(reverse("home")).context["nav_items"]]
    assert urls[0] == reverse("plaza")  # 任务广场 first
    assert reverse("creator_profile") in urls and reverse("shop_list") not in urls
