"""The wallet and earnings pages, and the ops admin for withdrawals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from escrow import services
from escrow.models import (
    Account,
    AccountKind,
    FeePolicy,
    PaymentIntent,
    Withdrawal,
    WithdrawalStatus,
)
from tests import factories
from tests.conftest import fund_wallet

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_is_clean")]


def test_wallet_page_shows_money_as_yuan_and_tops_up(
    client, merchant, shop, django_capture_on_commit_callbacks
):
    """E1/E7: the wallet page shows ¥1,280.00-style money and a top-up moves money in."""
    client.force_login(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("wallet"), {"amount": "1280.00", "shop": shop.pk})
    assert response.status_code == 302
    page = client.get(reverse("wallet")).content.decode()
    assert "¥1,280.00" in page
    assert Account.objects.get(kind=AccountKind.MERCHANT_WALLET, shop=shop).balance_fen == 128_000


def test_wallet_page_lists_ledger_lines_with_their_order(client, merchant, shop):
    """E2/E4: the wallet's lines say what moved and for which order."""
    fund_wallet(shop, 10_000)
    order = factories.OrderFactory(shop=shop, price_fen=2_500, title="春季新品短视频")
    services.escrow_hold(order=order, amount_fen=2_500)
    client.force_login(merchant)
    page = client.get(reverse("wallet")).content.decode()
    assert f"#{order.pk}" in page and "春季新品短视频" in page
    assert "-¥25.00" in page and "¥75.00" in page


@pytest.mark.parametrize("amount", ["12.345", "-5", "abc", "0"])
def test_wallet_page_explains_a_bad_amount_and_moves_nothing(client, merchant, amount):
    """E1: a bad amount is explained next to the field; no intent is created."""
    client.force_login(merchant)
    response = client.post(reverse("wallet"), {"amount": amount})
    assert response.status_code == 200
    assert "amount" in response.context["form"].errors
    assert not PaymentIntent.objects.exists()


def test_wallet_page_shows_the_payment_account_refusal(client, merchant, shop):
    """M2: without a bound payment account the page says why the top-up is refused."""
    shop.payment_accounts.update(unbound_at="2026-01-01T00:00:00+08:00")
    client.force_login(merchant)
    response = client.post(reverse("wallet"), {"amount": "10.00"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not PaymentIntent.objects.exists()


def test_another_tenants_wallet_page_is_404(client, outsider, shop):
    """A3: ?shop= another tenant's shop answers 404."""
    client.force_login(outsider)
    assert client.get(reverse("wallet") + f"?shop={shop.pk}").status_code == 404


def test_money_pages_of_the_other_side_are_404(client, merchant, creator):
    """A1/A3: a creator has no wallet page, a merchant no earnings page."""
    client.force_login(creator)
    assert client.get(reverse("wallet")).status_code == 404
    client.force_login(merchant)
    assert client.get(reverse("earnings")).status_code == 404


def test_earnings_page_binds_an_account_and_withdraws(client, creator, shop):
    """E8: the creator sees available earnings, binds a payout account and withdraws."""
    profile = creator.creator_profile
    order = factories.OrderFactory(shop=shop, creator=profile, price_fen=88_800)
    fund_wallet(shop, 88_800)
    services.escrow_hold(order=order, amount_fen=88_800)
    services.escrow_release(order=order)
    client.force_login(creator)
    assert "¥888.00" in client.get(reverse("earnings")).content.decode()
    client.post(
        reverse("earnings"), {"bind": "1", "account_id": "me@alipay.example", "holder_name": "王五"}
    )
    response = client.post(reverse("earnings"), {"withdraw": "1", "amount": "800.00"})
    assert response.status_code == 302
    withdrawal = Withdrawal.objects.get()
    assert withdrawal.amount_fen == 80_000 and withdrawal.account_id == "me@alipay.example"
    page = client.get(reverse("earnings")).content.decode()
    assert "¥88.00" in page and "¥800.00" in page
    too_much = client.post(reverse("earnings"), {"withdraw": "1", "amount": "88.01"})
    assert too_much.status_code == 200 and too_much.context["withdraw_form"].non_field_errors()
    assert Withdrawal.objects.count() == 1


def test_ops_approve_and_reject_withdrawals_in_the_admin(
    client, creator, shop, django_capture_on_commit_callbacks
):
    """E8: ops approve (paid out through the gateway) or reject with a reason (money returned)."""
    ops = factories.UserFactory(is_staff=True, is_superuser=True)
    profile = creator.creator_profile
    order = factories.OrderFactory(shop=shop, creator=profile, price_fen=10_000)
    fund_wallet(shop, 10_000)
    services.escrow_hold(order=order, amount_fen=10_000)
    services.escrow_release(order=order)
    services.payout_account_bind(
        creator=profile, actor=creator, account_id="a@b.example", holder_name="x"
    )
    first = services.withdrawal_request(creator=profile, actor=creator, amount_fen=3_000)
    second = services.withdrawal_request(creator=profile, actor=creator, amount_fen=2_000)
    client.force_login(ops)
    url = reverse("admin:escrow_withdrawal_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "approve", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.status == WithdrawalStatus.PAID
    asked = client.post(url, {"action": "reject", "_selected_action": [second.pk]})
    assert asked.status_code == 200 and b"reason" in asked.content.lower()
    client.post(
        url,
        {"action": "reject", "_selected_action": [second.pk], "apply": "1", "reason": "信息不符"},
    )
    second.refresh_from_db()
    assert second.status == WithdrawalStatus.REJECTED and second.reason == "信息不符"
    assert (
        Account.objects.get(kind=AccountKind.CREATOR_EARNINGS, creator=profile).balance_fen == 7_000
    )


def test_ops_edit_fee_policies_and_search_the_ledger(client, shop):
    """E10/E9: ops change a fee rate in the admin; ledger lists are searchable by amount and
    shop and cannot be edited."""
    ops = factories.UserFactory(is_staff=True, is_superuser=True)
    fund_wallet(shop, 128_000)
    client.force_login(ops)
    policy = FeePolicy.objects.get(order_kind="deposit")
    response = client.post(
        reverse("admin:escrow_feepolicy_change", args=[policy.pk]),
        {"order_kind": "deposit", "rate_bp": 800},
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.rate_bp == 800
    entries = client.get(reverse("admin:escrow_entry_changelist"), {"q": "1280.00"})
    assert entries.context["cl"].result_count == 2  # both sides of the top-up
    by_shop = client.get(reverse("admin:escrow_account_changelist"), {"q": shop.organization.name})
    assert by_shop.context["cl"].result_count == 1
    from escrow.models import Entry

    change = client.post(reverse("admin:escrow_entry_change", args=[Entry.objects.first().pk]), {})
    assert change.status_code == 403
