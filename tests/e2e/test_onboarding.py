"""Browser journeys of the foundation, through the pages only, in Chromium."""

from __future__ import annotations

import pytest

from agencies.models import AgencyContract, ContractStatus
from parties.models import MerchantShop, User
from tests import factories
from tests.e2e.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_merchant_signs_up_is_refused_at_two_diamonds_then_admitted_and_binds(page, shot):
    """A1/M1/M2: a merchant registers (side chosen once), a Taobao store at two diamonds is refused
    with the reason, at three diamonds it is admitted, and the payment account is bound."""
    page.goto(page.base_url + "/accounts/register/")
    page.fill("#id_username", "e2e_merchant")
    page.fill("#id_password", "Str0ng-pass-2026")
    page.fill("#id_password_again", "Str0ng-pass-2026")
    page.check("input[name=side][value=merchant]")
    shot(page, "register")
    page.click("main form button[type=submit]")

    page.wait_for_url("**/merchant/shops/new/")
    page.fill("#id_name", "二钻小店")
    page.select_option("#id_platform", "taobao")
    page.select_option("#id_seller_credit_level", "7")
    page.check("#id_meets_marketing_rules")
    page.click("main form button[type=submit]")
    alert = page.locator(".alert-error")
    assert "7" in alert.inner_text()
    shot(page, "refused")
    assert not MerchantShop.objects.exists()

    page.select_option("#id_seller_credit_level", "8")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/merchant/shops/*/")
    page.fill("#id_account_id", "finance@shop.example")
    page.fill("#id_holder_name", "杭州某某有限公司")
    page.click("main form button[type=submit].btn-primary")
    page.locator(".alert-success").wait_for()
    shot(page, "bound")
    shop = MerchantShop.objects.get()
    assert shop.organization.name == "二钻小店"
    assert shop.payment_accounts.filter(unbound_at__isnull=True).count() == 1
    assert User.objects.get(username="e2e_merchant").side == "merchant"


def test_agency_invites_and_creator_accepts_in_the_browser(page, shot):
    """C3: an agency owner invites a creator from the creator's page; the creator logs in and
    accepts; the agency page lists the signed creator."""
    agency = factories.AgencyFactory(owner=factories.UserFactory(username="e2e_agency"))
    creator = factories.CreatorFactory(
        user=factories.CreatorUserFactory(username="e2e_creator"), display_name="测试达人"
    )

    log_in(page, "e2e_agency")
    page.goto(f"{page.base_url}/creators/{creator.pk}/")
    page.fill("input[name=message]", "欢迎加入")
    page.click("text=发送邀约")
    page.locator(".alert-success").wait_for()
    shot(page, "invited")

    log_in(page, "e2e_creator")
    page.goto(page.base_url + "/creator/agency/")
    page.click("text=接受")
    page.locator(".alert-success").wait_for()
    shot(page, "accepted")
    contract = AgencyContract.objects.get()
    assert contract.status == ContractStatus.ACTIVE

    log_in(page, "e2e_agency")
    page.goto(f"{page.base_url}/agencies/{agency.pk}/")
    assert "测试达人" in page.locator("table").first.inner_text()
    shot(page, "agency")
