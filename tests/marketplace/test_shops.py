"""M1 (admission) and M2 (the operating payment account), through the API and the services."""

from __future__ import annotations

import pytest

from core.exceptions import AdmissionRefused, InvalidInput, NotAllowed, WrongSide
from parties import services
from parties.models import Membership, MerchantShop, Organization, PaymentAccount, Platform, Role
from tests import factories
from tests.conftest import client_for, row_counts

pytestmark = pytest.mark.django_db

TENANT_MODELS = (Organization, MerchantShop, Membership)


def admission(**overrides) -> dict:
    data = {
        "name": "小美旗舰店",
        "platform": "taobao",
        "seller_credit_level": 8,
        "meets_marketing_rules": True,
        "is_brand": False,
    }
    data.update(overrides)
    return data


def post_shop(user, **overrides):
    return client_for(user).post("/api/v1/shops/", admission(**overrides), format="json")


@pytest.fixture
def new_merchant(db):
    """A merchant account that has no shop yet."""
    return factories.MerchantUserFactory()


# --- M1: admission ------------------------------------------------------------------------


def test_taobao_store_at_three_diamonds_is_admitted(new_merchant):
    """M1: a Taobao store at three diamonds (level 8) with marketing rules is admitted; its
    owner becomes the owner of a new shop tenant."""
    response = post_shop(new_merchant, seller_credit_level=8)

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "小美旗舰店"
    assert body["platform"] == "taobao"
    assert body["seller_credit_level"] == 8
    assert body["can_pay"] is True
    assert body["payment_account"] is None
    shop = MerchantShop.objects.get(pk=body["id"])
    assert shop.organization.kind == "shop"
    membership = Membership.objects.get(user=new_merchant, organization=shop.organization)
    assert membership.role == Role.OWNER


def test_taobao_store_at_two_diamonds_is_refused_with_the_reason(new_merchant):
    """M1: a Taobao store at two diamonds (level 7) is refused with the reason; nothing is
    written."""
    before = row_counts(*TENANT_MODELS)

    response = post_shop(new_merchant, seller_credit_level=7)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "admission_refused"
    # The reason names the level needed (8) and the store's level (7), in any language.
    assert "8" in error["message"]
    assert "7" in error["message"]
    assert row_counts(*TENANT_MODELS) == before
    assert not new_merchant.memberships.exists()


@pytest.mark.parametrize(("level", "admitted"), [(1, False), (5, False), (7, False), (8, True)])
def test_taobao_credit_boundary(new_merchant, level, admitted):
    """M1: three diamonds is level 8: levels below are refused, level 8 is admitted."""
    before = MerchantShop.objects.count()

    response = post_shop(new_merchant, seller_credit_level=level)

    assert response.status_code == (201 if admitted else 400)
    assert MerchantShop.objects.count() == before + (1 if admitted else 0)


@pytest.mark.parametrize("level", [9, 11, 16, 20])
def test_taobao_store_above_three_diamonds_is_admitted(new_merchant, level):
    """M1: more than three diamonds (diamonds, crowns, gold crowns) is admitted too."""
    assert post_shop(new_merchant, seller_credit_level=level).status_code == 201


def test_taobao_store_without_marketing_rules_is_refused(new_merchant):
    """M1: a Taobao store needs three diamonds AND the basic marketing rules; nothing written."""
    before = row_counts(*TENANT_MODELS)

    response = post_shop(new_merchant, seller_credit_level=15, meets_marketing_rules=False)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "admission_refused"
    assert row_counts(*TENANT_MODELS) == before


def test_tmall_store_without_marketing_rules_is_refused(new_merchant):
    """M1: a Tmall store that does not meet the basic marketing rules is refused with the
    reason; nothing is written."""
    before = row_counts(*TENANT_MODELS)

    response = post_shop(
        new_merchant, platform="tmall", seller_credit_level=20, meets_marketing_rules=False
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "admission_refused"
    assert error["message"]
    assert row_counts(*TENANT_MODELS) == before


def test_tmall_store_with_marketing_rules_is_admitted_at_any_credit(new_merchant):
    """M1: Tmall stores are not rated by seller credit; meeting the rules is enough."""
    response = post_shop(new_merchant, platform="tmall", seller_credit_level=1)

    assert response.status_code == 201
    # M2: a Tmall store cannot pay until it binds an operating account.
    assert response.json()["can_pay"] is False


def test_tmall_store_can_be_admitted_as_a_brand(new_merchant):
    """M1/M4: a Tmall store may carry the brand flag."""
    response = post_shop(new_merchant, platform="tmall", is_brand=True)

    assert response.status_code == 201
    assert response.json()["is_brand"] is True


def test_taobao_store_as_brand_is_refused(new_merchant):
    """M1/M4: only Tmall stores can be brands: a Taobao is_brand store is refused, nothing
    written."""
    before = row_counts(*TENANT_MODELS)

    response = post_shop(new_merchant, platform="taobao", seller_credit_level=12, is_brand=True)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "admission_refused"
    assert row_counts(*TENANT_MODELS) == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"seller_credit_level": 0}, "seller_credit_level"),
        ({"seller_credit_level": 21}, "seller_credit_level"),
        ({"seller_credit_level": "three diamonds"}, "seller_credit_level"),
        ({"platform": "jd"}, "platform"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"meets_marketing_rules": None}, "meets_marketing_rules"),
    ],
    ids=["level-0", "level-21", "level-text", "platform", "blank-name", "long-name", "rules"],
)
def test_admission_with_bad_input_is_400(new_merchant, overrides, field):
    """M1: bad admission input is 400 naming the field; nothing written."""
    before = row_counts(*TENANT_MODELS)

    response = post_shop(new_merchant, **overrides)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert row_counts(*TENANT_MODELS) == before


def test_creator_cannot_register_a_shop(creator):
    """M1/A1: a creator POSTing /api/v1/shops/ is 403 `wrong_side`; nothing written."""
    before = row_counts(*TENANT_MODELS)

    response = post_shop(creator)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_side"
    assert row_counts(*TENANT_MODELS) == before


def test_user_without_side_cannot_register_a_shop():
    """M1/A1: an account that has not chosen the merchant side cannot register a shop."""
    user = factories.UserFactory(side="")
    before = row_counts(*TENANT_MODELS)

    assert post_shop(user).status_code == 403
    assert row_counts(*TENANT_MODELS) == before


def test_unauthenticated_shop_admission_is_401(api_client):
    """M1/§5: admission needs an account: 401 without credentials; nothing written."""
    before = row_counts(*TENANT_MODELS)

    response = api_client.post("/api/v1/shops/", admission(), format="json")

    assert response.status_code == 401
    assert row_counts(*TENANT_MODELS) == before


def test_shop_admit_service_refuses_two_diamonds(new_merchant):
    """M1: the service refuses a Taobao store at level 7 with AdmissionRefused; no rows."""
    before = row_counts(*TENANT_MODELS)

    with pytest.raises(AdmissionRefused) as refused:
        services.shop_admit(
            actor=new_merchant,
            name="二钻小店",
            platform=Platform.TAOBAO,
            seller_credit_level=7,
            meets_marketing_rules=True,
        )

    assert refused.value.status == 400
    assert row_counts(*TENANT_MODELS) == before


def test_shop_admit_service_refuses_unknown_platform_and_bad_level(new_merchant):
    """M1: only Tmall and Taobao stores, levels 1–20; the service checks it, not just the API."""
    with pytest.raises(AdmissionRefused):
        services.shop_admit(
            actor=new_merchant,
            name="京东店",
            platform="jd",
            seller_credit_level=10,
            meets_marketing_rules=True,
        )
    with pytest.raises(InvalidInput) as refused:
        services.shop_admit(
            actor=new_merchant,
            name="超级店",
            platform=Platform.TAOBAO,
            seller_credit_level=21,
            meets_marketing_rules=True,
        )
    assert "seller_credit_level" in refused.value.fields
    assert MerchantShop.objects.count() == 0


@pytest.mark.parametrize(
    ("platform", "level", "meets_rules", "is_brand", "admitted"),
    [
        ("tmall", 1, True, True, True),
        ("tmall", 20, False, False, False),
        ("taobao", 8, True, False, True),
        ("taobao", 7, True, False, False),
        ("taobao", 8, False, False, False),
        ("taobao", 8, True, True, False),
        ("jd", 20, True, False, False),
    ],
)
def test_shop_admission_refusal_rules(platform, level, meets_rules, is_brand, admitted):
    """M1: the refusal reason is None exactly for admitted stores."""
    reason = services.shop_admission_refusal(
        platform=platform,
        seller_credit_level=level,
        meets_marketing_rules=meets_rules,
        is_brand=is_brand,
    )

    assert (reason is None) is admitted


def test_merchant_may_own_several_shops(merchant, shop):
    """A2/M1: each admitted store is its own tenant; the merchant owns both."""
    response = post_shop(merchant, name="第二家店")

    assert response.status_code == 201
    listed = client_for(merchant).get("/api/v1/shops/").json()["results"]
    assert [s["id"] for s in listed] == [shop.pk, response.json()["id"]]


# --- M2: the operating payment account ----------------------------------------------------


def bind(user, shop, **data):
    body = {"account_id": "finance@company.example", "holder_name": "杭州某某科技有限公司"}
    body.update(data)
    return client_for(user).post(f"/api/v1/shops/{shop.pk}/payment-account/", body, format="json")


def unbind(user, shop):
    return client_for(user).delete(f"/api/v1/shops/{shop.pk}/payment-account/")


@pytest.fixture
def tmall_shop(db):
    """A Tmall shop with no payment account bound yet."""
    return factories.ShopFactory(platform=Platform.TMALL)


def test_tmall_shop_cannot_pay_until_an_account_is_bound(tmall_shop):
    """M2: a Tmall store without an operating account cannot pay; binding one enables it."""
    owner = tmall_shop.owner
    assert services.shop_can_pay(shop=tmall_shop) is False
    assert client_for(owner).get(f"/api/v1/shops/{tmall_shop.pk}/").json()["can_pay"] is False

    response = bind(owner, tmall_shop)

    assert response.status_code == 201
    assert response.json()["account_id"] == "finance@company.example"
    assert response.json()["account_type"] == "company"
    assert response.json()["unbound_at"] is None
    assert services.shop_can_pay(shop=tmall_shop) is True
    detail = client_for(owner).get(f"/api/v1/shops/{tmall_shop.pk}/").json()
    assert detail["can_pay"] is True
    assert detail["payment_account"]["id"] == response.json()["id"]


def test_taobao_shop_can_pay_without_an_operating_account():
    """M2: the operating account requirement is for Tmall stores only."""
    taobao = factories.TaobaoShopFactory()

    assert services.shop_can_pay(shop=taobao) is True


def test_personal_account_can_be_bound(tmall_shop):
    """M2: a company account is recommended, not required: a personal account binds too."""
    response = bind(tmall_shop.owner, tmall_shop, account_type="personal")

    assert response.status_code == 201
    assert response.json()["account_type"] == "personal"


def test_binding_a_second_account_is_409(shop, merchant):
    """M2: a shop has one bound account; binding a second is 409 `already_bound`, nothing
    written, the first stays bound."""
    first = PaymentAccount.objects.get(shop=shop)
    before = PaymentAccount.objects.count()

    response = bind(merchant, shop, account_id="other@company.example")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_bound"
    assert PaymentAccount.objects.count() == before
    first.refresh_from_db()
    assert first.is_bound


def test_unbind_keeps_the_row_as_history(shop, merchant):
    """M2: unbinding stamps the account as unbound (who, when); the row stays; the Tmall
    store can no longer pay."""
    account = PaymentAccount.objects.get(shop=shop)

    response = unbind(merchant, shop)

    assert response.status_code == 200
    assert response.json()["id"] == account.pk
    assert response.json()["unbound_at"] is not None
    account.refresh_from_db()
    assert account.unbound_by == merchant
    assert not account.is_bound
    assert PaymentAccount.objects.filter(shop=shop).count() == 1
    assert services.shop_can_pay(shop=shop) is False


def test_unbinding_when_nothing_is_bound_is_409(tmall_shop):
    """M2: unbinding with nothing bound is 409 `not_bound`; nothing written."""
    before = PaymentAccount.objects.count()

    response = unbind(tmall_shop.owner, tmall_shop)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_bound"
    assert PaymentAccount.objects.count() == before


def test_unbind_twice_is_409_the_second_time(shop, merchant):
    """M2: the second unbind finds nothing bound: 409, the first unbinding untouched."""
    assert unbind(merchant, shop).status_code == 200
    unbound_at = PaymentAccount.objects.get(shop=shop).unbound_at

    response = unbind(merchant, shop)

    assert response.status_code == 409
    assert PaymentAccount.objects.get(shop=shop).unbound_at == unbound_at


def test_rebind_after_unbind(shop, merchant):
    """M2: after unbinding, a new account binds; both rows are kept, one is bound."""
    unbind(merchant, shop)

    response = bind(merchant, shop, account_id="new@company.example")

    assert response.status_code == 201
    accounts = PaymentAccount.objects.filter(shop=shop)
    assert accounts.count() == 2
    assert [a.account_id for a in accounts if a.is_bound] == ["new@company.example"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"account_id": ""}, "account_id"),
        ({"holder_name": ""}, "holder_name"),
        ({"account_type": "wechat"}, "account_type"),
    ],
)
def test_binding_with_bad_input_is_400(tmall_shop, data, field):
    """M2: binding needs the account and its holder; bad input is 400, nothing written."""
    response = bind(tmall_shop.owner, tmall_shop, **data)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert PaymentAccount.objects.count() == 0


def test_binding_with_blank_values_is_refused_by_the_service(tmall_shop):
    """M2: the service refuses blank (whitespace) values too, naming each field."""
    with pytest.raises(InvalidInput) as refused:
        services.payment_account_bind(
            shop=tmall_shop, actor=tmall_shop.owner, account_id="  ", holder_name=" "
        )

    assert set(refused.value.fields) == {"account_id", "holder_name"}
    assert PaymentAccount.objects.count() == 0


def test_shop_staff_cannot_bind_or_unbind(tmall_shop, shop):
    """M2/A2: only the shop's owner or an admin manage the account; staff get 403, nothing
    written."""
    staff = factories.MerchantUserFactory()
    Membership.objects.create(user=staff, organization=tmall_shop.organization, role=Role.STAFF)
    Membership.objects.create(user=staff, organization=shop.organization, role=Role.STAFF)
    before = row_counts(PaymentAccount)

    assert bind(staff, tmall_shop).status_code == 403
    response = unbind(staff, shop)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_side"
    assert row_counts(PaymentAccount) == before
    assert PaymentAccount.objects.get(shop=shop).is_bound


def test_shop_admin_can_bind(tmall_shop):
    """M2/A2: an admin member of the shop may bind the account."""
    admin = factories.MerchantUserFactory()
    Membership.objects.create(user=admin, organization=tmall_shop.organization, role=Role.ADMIN)

    assert bind(admin, tmall_shop).status_code == 201
    assert PaymentAccount.objects.get(shop=tmall_shop).bound_by == admin


def test_payment_account_services_refuse_non_members(tmall_shop, outsider):
    """M2/A3: the services check membership themselves, whatever the caller fetched."""
    with pytest.raises(WrongSide):
        services.payment_account_bind(
            shop=tmall_shop, actor=outsider, account_id="x@example.com", holder_name="X"
        )
    with pytest.raises(WrongSide):
        services.payment_account_unbind(shop=tmall_shop, actor=outsider)
    assert PaymentAccount.objects.count() == 0


def test_payment_account_service_refuses_a_second_bind(shop, merchant):
    """M2: the service raises NotAllowed `already_bound` for a second account."""
    with pytest.raises(NotAllowed) as refused:
        services.payment_account_bind(
            shop=shop, actor=merchant, account_id="two@example.com", holder_name="二号"
        )

    assert refused.value.code == "already_bound"
    assert PaymentAccount.objects.filter(shop=shop).count() == 1
