"""Z3/I4/I10: coupons granted by hand need their own power and a budget that holds them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from core.exceptions import InvalidInput, WrongSide
from incentives import services
from incentives.exceptions import QuotaExhausted
from incentives.models import CouponTransaction, Program
from incentives.selectors import coupon_breaches, coupon_wallet, program_meters
from parties.models import Notification
from tests import factories
from tests.conftest import row_counts


def ops(*codenames):
    user = factories.UserFactory(is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def account(creator):
    return services.live_account_bind(actor=creator, finder_id="wx_gift", nickname="补偿号")


def grant(actor, account, **extra):
    return services.coupons_grant_by_ops(
        actor=actor,
        live_account=account,
        **{"program": "growth", "coupons": 300, "note": "直播事故补偿", "key": "k1", **extra},
    )


@pytest.mark.django_db
def test_granting_by_hand_needs_its_own_power(account):
    """Z3: staff without `grant_coupons` (even with the review and violation powers) are
    refused and nothing moves; the 审核 group holds the power."""
    before = row_counts(CouponTransaction)
    with pytest.raises(WrongSide):
        grant(ops("decide_incentiveapplication", "confirm_incentive_violation"), account)
    assert row_counts(CouponTransaction) == before
    assert Group.objects.get(name="审核").permissions.filter(codename="grant_coupons").exists()


@pytest.mark.django_db
def test_a_grant_by_hand_comes_out_of_the_months_budget_once(account, creator):
    """I4/Z3: 300 coupons from this month's growth budget (the meter shows them granted), the
    account told with the note; the same form sent twice grants once."""
    granter = ops("grant_coupons")
    first = grant(granter, account)
    again = grant(granter, account)
    assert first.pk == again.pk
    assert coupon_wallet(live_account=account).available == 300
    [meter] = [m for m in program_meters() if m.code == "growth"]
    assert meter.granted == 300
    assert Notification.objects.filter(user=creator, kind="coupons_granted_by_ops").count() == 1
    assert first.created_by == granter
    assert coupon_breaches() == []


@pytest.mark.django_db
def test_nobody_grants_beyond_the_budget_or_with_bad_input(account):
    """I10/I4: a grant larger than the budget left is refused with quota_exhausted (staff
    included); a bad amount or an empty note is refused; nothing moves."""
    Program.objects.filter(code="growth").update(monthly_budget=100)
    granter = ops("grant_coupons")
    before = row_counts(CouponTransaction)
    with pytest.raises(QuotaExhausted):
        grant(granter, account, coupons=101, key="big")
    for bad in ({"coupons": 0}, {"coupons": 50_001}, {"note": " "}, {"program": "nope"}):
        with pytest.raises(InvalidInput):
            grant(granter, account, key="bad", **bad)
    assert coupon_wallet(live_account=account).available == 0
    assert row_counts(CouponTransaction) == before


@pytest.mark.django_db
def test_the_admin_grant_page_needs_the_power(client, account):
    """Z3: the grant page answers 403 without the power; with it, a grant is made once."""
    url = f"/admin/incentives/liveaccount/{account.pk}/grant/"
    client.force_login(ops("confirm_incentive_violation", "view_liveaccount"))
    assert client.get(url).status_code == 403
    client.force_login(ops("grant_coupons", "view_liveaccount"))
    page = client.get(url)
    assert page.status_code == 200
    body = {"program": "cold_start", "coupons": "200", "note": "补偿", "key": "form-1"}
    assert client.post(url, body).status_code == 302
    assert client.post(url, body).status_code == 302  # sent twice: granted once
    assert coupon_wallet(live_account=account).available == 200
