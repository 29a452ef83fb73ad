"""Private tasks and deposit orders through the REST API (T4, T5, T40–T43, E6, E10, M2, M3, D3):
who pays what into escrow, the creator's answer and its deadline, the ±20% price change and the
one restore, the balance and the combined balance payment, and every refusal moving nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from escrow.models import Account, AccountKind, FeePolicy, JournalTransaction
from parties.models import Notification
from parties.services import payment_account_unbind
from tasks.models import Order, OrderStatus, Task
from tests import factories
from tests.conftest import client_for, fund_wallet, row_counts
from tests.tasks.conftest import escrow_fen, in_days, iso, post_task, wallet_fen

pytestmark = pytest.mark.django_db

API = "/api/v1"
PRICE_FEN = 100_000  # ¥1,000.00
DEPOSIT_FEN = 10_000  # T40: the 10% fee on the original price
STORED = (Task, Order, JournalTransaction, Notification)


def _error(response) -> dict:
    return response.json()["error"]


def _private_task_body(merchant, creator, **overrides) -> dict:
    """A private task naming `creator`; answers the task with its order (pending payment)."""
    body = {"creator": creator.creator_profile.pk, "channel": "toutiao"}
    body.update(overrides)
    response = post_task(merchant, **body)
    assert response.status_code == 201, response.json()
    return response.json()


def _order_id(merchant, creator, **overrides) -> int:
    return _private_task_body(merchant, creator, **overrides)["order"]["id"]


def _post(user, path, body=None, **headers):
    return client_for(user).post(f"{API}/{path}", body or {}, format="json", **headers)


def _ok(user, path, body=None) -> dict:
    response = _post(user, path, body)
    assert response.status_code == 200, response.json()
    return response.json()


def _paid(merchant, creator, **overrides) -> int:
    order_id = _order_id(merchant, creator, **overrides)
    _ok(merchant, f"orders/{order_id}/pay/")
    return order_id


def _accepted_deposit(merchant, creator, price: str | None = None, **overrides) -> int:
    order_id = _paid(merchant, creator, payment="deposit", **overrides)
    _ok(creator, f"orders/{order_id}/accept/", {"price": price} if price else {})
    return order_id


def _platform_fees() -> int:
    account = Account.objects.filter(kind=AccountKind.PLATFORM_FEES).first()
    return account.balance_fen if account else 0


def _kinds(user, order_id) -> list[str]:
    return list(
        Notification.objects.filter(user=user, order_id=order_id).values_list("kind", flat=True)
    )


def _order(order_id) -> Order:
    return Order.objects.get(pk=order_id)


# --- T4: a private task, paid in full --------------------------------------------------------


def test_private_task_makes_one_order_pending_payment_for_the_named_creator(merchant, creator):
    """T4: the merchant names one creator; the task answers with its order, pending payment, at
    the task's price, with no fee for a private order paid in full (E10)."""
    body = _private_task_body(merchant, creator)

    order = body["order"]
    assert body["mode"] == "private"
    assert order["status"] == "pending_payment"
    assert order["kind"] == "private"
    assert order["creator"]["id"] == creator.creator_profile.pk
    assert (order["price"], order["fee"], order["total"]) == ("1000.00", "0.00", "1000.00")
    assert order["deposit"] == "0.00"
    assert order["balance_due"] is None


def test_private_task_without_a_creator_is_400_and_stores_nothing(merchant):
    """T4: a private task names its creator; without one it is refused with a field error."""
    before = row_counts(*STORED)

    response = post_task(merchant, mode="private", channel="toutiao")

    assert response.status_code == 400, response.json()
    assert "creator" in _error(response)["fields"]
    assert row_counts(*STORED) == before


def test_private_task_for_an_unknown_creator_is_400(merchant):
    """T4: the named creator must exist."""
    before = row_counts(*STORED)

    response = post_task(merchant, mode="private", channel="toutiao", creator=999_999)

    assert response.status_code == 400
    assert "creator" in _error(response)["fields"]
    assert row_counts(*STORED) == before


def test_private_tasks_never_appear_on_the_plaza(merchant, creator, outsider_creator):
    """T4: private tasks are not listed to other creators (and answer 404 to them, A3)."""
    task = _private_task_body(merchant, creator)

    plaza = client_for(outsider_creator).get(f"{API}/tasks/").json()
    detail = client_for(outsider_creator).get(f"{API}/tasks/{task['id']}/")

    assert task["id"] not in [row["id"] for row in plaza["results"]]
    assert detail.status_code == 404


def test_paying_a_private_order_holds_the_price_and_tells_the_creator(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T4/T5: paying moves the price from the wallet into the order's escrow; the order awaits
    the creator for 72 hours and the creator is notified (D5)."""
    order_id = _order_id(merchant, creator)
    wallet_before = wallet_fen(funded_shop)

    body = _ok(merchant, f"orders/{order_id}/pay/")
    order = _order(order_id)

    assert body["status"] == "awaiting_acceptance"
    assert wallet_fen(funded_shop) == wallet_before - PRICE_FEN
    assert escrow_fen(order_id) == PRICE_FEN
    assert order.acceptance_deadline == order.paid_at + timedelta(hours=72)
    assert "order_paid" in _kinds(creator, order_id)


def test_acceptance_deadline_is_never_later_than_the_delivery_deadline(
    funded_shop, merchant, creator
):
    """T5: with the delivery due in 30 hours, the creator has 30 hours to answer, not 72."""
    order_id = _order_id(merchant, creator, delivery_deadline=iso(in_days(1.25)))

    _ok(merchant, f"orders/{order_id}/pay/")

    order = _order(order_id)
    assert order.acceptance_deadline == order.delivery_deadline


def test_paying_without_a_bound_payment_account_is_refused_and_moves_nothing(merchant, creator):
    """M2: a Tmall store pays only once its operating payment account is bound."""
    shop = factories.ShopFactory()
    factories.PaymentAccountFactory(shop=shop, bound_by=shop.owner)
    fund_wallet(shop, 10 * PRICE_FEN)
    payment_account_unbind(shop=shop, actor=shop.owner)  # money in the wallet, no account now
    response = post_task(
        shop.owner, creator=creator.creator_profile.pk, channel="toutiao", shop=shop.pk
    )
    assert response.status_code == 201, response.json()
    order_id = response.json()["order"]["id"]
    wallet_before = wallet_fen(shop)

    response = _post(shop.owner, f"orders/{order_id}/pay/")

    assert response.status_code == 409, response.json()
    assert _error(response)["code"] == "payment_account_required"
    assert wallet_fen(shop) == wallet_before
    assert _order(order_id).status == OrderStatus.PENDING_PAYMENT


def test_paying_with_too_little_in_the_wallet_is_409_and_moves_nothing(
    merchant, creator, shop, ledger_is_clean
):
    """E3/T4: the wallet cannot go below zero; the order stays pending payment."""
    fund_wallet(shop, PRICE_FEN - 1)
    order_id = _order_id(merchant, creator)
    journal_before = JournalTransaction.objects.count()

    response = _post(merchant, f"orders/{order_id}/pay/")

    assert response.status_code == 409
    assert _error(response)["code"] == "insufficient_funds"
    assert JournalTransaction.objects.count() == journal_before
    assert _order(order_id).status == OrderStatus.PENDING_PAYMENT
    assert escrow_fen(order_id) == 0


def test_paying_twice_is_409_the_second_time(funded_shop, merchant, creator, ledger_is_clean):
    """T4: an order is paid once; paying again is 409 invalid_state and moves nothing."""
    order_id = _paid(merchant, creator)
    wallet_before = wallet_fen(funded_shop)

    response = _post(merchant, f"orders/{order_id}/pay/")

    assert response.status_code == 409
    assert _error(response)["code"] == "invalid_state"
    assert wallet_fen(funded_shop) == wallet_before


def test_paying_with_an_idempotency_key_twice_pays_once(
    funded_shop, merchant, creator, ledger_is_clean
):
    """E6: a retried payment with the same Idempotency-Key answers the first result and moves
    nothing more."""
    order_id = _order_id(merchant, creator)
    wallet_before = wallet_fen(funded_shop)

    first = _post(merchant, f"orders/{order_id}/pay/", HTTP_IDEMPOTENCY_KEY="pay-abc-1")
    second = _post(merchant, f"orders/{order_id}/pay/", HTTP_IDEMPOTENCY_KEY="pay-abc-1")

    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert wallet_fen(funded_shop) == wallet_before - PRICE_FEN


def test_the_same_idempotency_key_with_another_body_is_409(funded_shop, merchant, creator):
    """E6: one key, two different requests: the second is refused and moves nothing."""
    order_id = _paid(merchant, creator, payment="deposit")
    _post(creator, f"orders/{order_id}/accept/", {"price": "1100.00"}, HTTP_IDEMPOTENCY_KEY="k-1")
    wallet_before = wallet_fen(funded_shop)

    response = _post(
        creator, f"orders/{order_id}/accept/", {"price": "900.00"}, HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert response.status_code == 409
    assert _order(order_id).price_fen == 110_000
    assert wallet_fen(funded_shop) == wallet_before


def test_the_merchant_of_another_tenant_cannot_pay_it(funded_shop, merchant, creator, outsider):
    """A3: someone else's order answers 404 and is not paid."""
    order_id = _order_id(merchant, creator)

    response = _post(outsider, f"orders/{order_id}/pay/")

    assert response.status_code == 404
    assert _order(order_id).status == OrderStatus.PENDING_PAYMENT


def test_the_creator_accepts_a_paid_order_into_production(funded_shop, merchant, creator):
    """T4: the creator accepts: the order is in production and the merchant is told (D5)."""
    order_id = _paid(merchant, creator)

    body = _ok(creator, f"orders/{order_id}/accept/")

    assert body["status"] == "in_production"
    assert body["acceptance_deadline"] is None
    assert "order_accepted" in _kinds(merchant, order_id)


def test_a_full_price_order_cannot_change_its_price_on_acceptance(funded_shop, merchant, creator):
    """T41: only a deposit order's price changes on acceptance; a full order's is 400."""
    order_id = _paid(merchant, creator)

    response = _post(creator, f"orders/{order_id}/accept/", {"price": "1100.00"})

    assert response.status_code == 400
    assert "price" in _error(response)["fields"]
    assert _order(order_id).status == OrderStatus.AWAITING_ACCEPTANCE


def test_the_merchant_cannot_accept_for_the_creator(funded_shop, merchant, creator):
    """T4: accepting is the creator's answer; the merchant is refused and nothing changes."""
    order_id = _paid(merchant, creator)

    response = _post(merchant, f"orders/{order_id}/accept/")

    assert response.status_code in (403, 404)
    assert _order(order_id).status == OrderStatus.AWAITING_ACCEPTANCE


def test_another_creator_gets_404(funded_shop, merchant, creator, outsider_creator):
    """A3: an order of another creator answers 404 to accept and to read."""
    order_id = _paid(merchant, creator)

    assert _post(outsider_creator, f"orders/{order_id}/accept/").status_code == 404
    assert client_for(outsider_creator).get(f"{API}/orders/{order_id}/").status_code == 404
    assert _order(order_id).status == OrderStatus.AWAITING_ACCEPTANCE


# --- T5: declining and the acceptance deadline -----------------------------------------------


def test_declining_ends_the_order_and_refunds_the_merchant_at_once(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T5: the creator declines: the order ends and the full price is back in the wallet."""
    wallet_before = wallet_fen(funded_shop)
    order_id = _paid(merchant, creator)

    body = _ok(creator, f"orders/{order_id}/decline/")

    assert body["status"] == "declined"
    assert wallet_fen(funded_shop) == wallet_before
    assert escrow_fen(order_id) == 0
    assert "order_declined" in _kinds(merchant, order_id)


def test_accepting_after_72_hours_without_a_sweep_is_409(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T5/D3: 72 hours after payment the creator can no longer accept, even before any sweep;
    at 71 hours 59 minutes it still can."""
    late = _paid(merchant, creator)
    in_time = _paid(merchant, creator)

    with time_machine.travel(in_days(3) + timedelta(minutes=1), tick=False):
        refused = _post(creator, f"orders/{late}/accept/")
    with time_machine.travel(in_days(3) - timedelta(minutes=1), tick=False):
        accepted = _post(creator, f"orders/{in_time}/accept/")

    assert refused.status_code == 409
    assert _error(refused)["code"] == "deadline_passed"
    assert _order(late).status == OrderStatus.AWAITING_ACCEPTANCE
    assert accepted.status_code == 200, accepted.json()


def test_declining_after_the_deadline_is_409_too(funded_shop, merchant, creator):
    """T5/D3: the expiry (by the sweeper) refunds; a late decline is refused, not doubled."""
    order_id = _paid(merchant, creator)

    with time_machine.travel(in_days(3) + timedelta(minutes=1), tick=False):
        response = _post(creator, f"orders/{order_id}/decline/")

    assert response.status_code == 409
    assert _error(response)["code"] == "deadline_passed"
    assert escrow_fen(order_id) == PRICE_FEN


def test_paying_after_the_delivery_deadline_is_409(funded_shop, merchant, creator):
    """D3: an order whose delivery deadline has passed can no longer be paid."""
    order_id = _order_id(merchant, creator, delivery_deadline=iso(in_days(2)))
    wallet_before = wallet_fen(funded_shop)

    with time_machine.travel(in_days(2) + timedelta(minutes=1), tick=False):
        response = _post(merchant, f"orders/{order_id}/pay/")

    assert response.status_code == 409
    assert _error(response)["code"] == "deadline_passed"
    assert wallet_fen(funded_shop) == wallet_before


def test_cancelling_a_paid_order_before_acceptance_refunds_it(
    funded_shop, merchant, creator, ledger_is_clean
):
    """§4: the merchant cancels before the creator answers; the price comes back and the
    creator is told."""
    wallet_before = wallet_fen(funded_shop)
    order_id = _paid(merchant, creator)

    body = _ok(merchant, f"orders/{order_id}/cancel/")

    assert body["status"] == "cancelled"
    assert wallet_fen(funded_shop) == wallet_before
    assert "order_cancelled" in _kinds(creator, order_id)


def test_cancelling_after_acceptance_is_409(funded_shop, merchant, creator, ledger_is_clean):
    """§4: once the creator accepted, the merchant cannot cancel; the escrow stays."""
    order_id = _paid(merchant, creator)
    _ok(creator, f"orders/{order_id}/accept/")

    response = _post(merchant, f"orders/{order_id}/cancel/")

    assert response.status_code == 409
    assert _error(response)["code"] == "invalid_state"
    assert escrow_fen(order_id) == PRICE_FEN


# --- T40–T43: deposit orders --------------------------------------------------------------


def test_a_deposit_order_holds_the_10_percent_fee_and_gives_24_hours(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T40/E10: a deposit order's deposit is the platform fee on the price (10% by default);
    paying it holds only the deposit, and the creator has 24 hours to answer."""
    wallet_before = wallet_fen(funded_shop)
    order_id = _order_id(merchant, creator, payment="deposit")
    created = _order(order_id)
    assert (created.kind, created.fee_rate_bp, created.deposit_fen) == ("deposit", 1000, 10_000)

    _ok(merchant, f"orders/{order_id}/pay/")

    order = _order(order_id)
    assert wallet_fen(funded_shop) == wallet_before - DEPOSIT_FEN
    assert escrow_fen(order_id) == DEPOSIT_FEN
    assert order.acceptance_deadline == order.paid_at + timedelta(hours=24)


def test_the_deposit_follows_the_fee_policy_in_force_and_rounds_half_up(merchant, creator):
    """E10/T40: ops set the deposit rate to 12.5%; ¥999.99 gives a fee of ¥125.00 (124.99875
    rounded half up), stored on the order."""
    FeePolicy.objects.update_or_create(order_kind="deposit", defaults={"rate_bp": 1250})

    order_id = _order_id(merchant, creator, payment="deposit", price="999.99")

    order = _order(order_id)
    assert order.fee_rate_bp == 1250
    assert order.deposit_fen == order.fee_fen == 12_500


def test_accepting_a_deposit_order_at_its_price_leaves_the_balance_to_pay_within_7_days(
    funded_shop, merchant, creator
):
    """T42: accepted, the merchant owes the balance (price + fee − deposit) within 7 days and is
    told so (D5)."""
    order_id = _paid(merchant, creator, payment="deposit")

    body = _ok(creator, f"orders/{order_id}/accept/")

    order = _order(order_id)
    assert body["status"] == "awaiting_balance"
    assert body["balance_due"] == "1000.00"  # 1,000 + 100 − 100
    assert order.balance_deadline == order.accepted_at + timedelta(days=7)
    assert "order_accepted_deposit" in _kinds(merchant, order_id)


@pytest.mark.parametrize(
    "price,accepted",
    [
        ("800.00", True),  # −20%
        ("1200.00", True),  # +20%
        ("799.99", False),
        ("1200.01", False),
    ],
)
def test_the_creator_may_change_the_price_by_at_most_20_percent(
    funded_shop, merchant, creator, price, accepted
):
    """T41: on accepting, the price may move by at most ±20% of the original: 800.00 and
    1,200.00 are accepted, 799.99 and 1,200.01 are 400 and change nothing."""
    order_id = _paid(merchant, creator, payment="deposit")

    response = _post(creator, f"orders/{order_id}/accept/", {"price": price})

    order = _order(order_id)
    if accepted:
        assert response.status_code == 200, response.json()
        assert response.json()["price"] == price
        assert order.status == OrderStatus.AWAITING_BALANCE
        assert order.original_price_fen == PRICE_FEN
    else:
        assert response.status_code == 400
        assert "price" in _error(response)["fields"]
        assert order.status == OrderStatus.AWAITING_ACCEPTANCE
        assert order.price_fen == PRICE_FEN


def test_a_changed_price_changes_the_fee_and_the_balance(funded_shop, merchant, creator):
    """T42: at ¥1,200.00 the fee is ¥120.00 and the balance 1,200 + 120 − 100 = ¥1,220.00; the
    deposit stays the fee on the original price."""
    order_id = _accepted_deposit(merchant, creator, price="1200.00")

    order = _order(order_id)
    assert (order.price_fen, order.fee_fen, order.deposit_fen) == (120_000, 12_000, 10_000)
    assert order.balance_due_fen == 122_000


def test_the_merchant_restores_the_original_price_once(funded_shop, merchant, creator):
    """T41: the merchant may restore the original price, once, and nothing else changes; the
    creator is told and the restore is in the order's log (T70)."""
    order_id = _accepted_deposit(merchant, creator, price="1200.00")
    before = _order(order_id)

    body = _ok(merchant, f"orders/{order_id}/restore-price/")
    again = _post(merchant, f"orders/{order_id}/restore-price/")

    after = _order(order_id)
    assert body["price"] == "1000.00"
    assert after.price_restored is True
    assert (after.price_fen, after.fee_fen, after.balance_due_fen) == (100_000, 10_000, 100_000)
    assert (after.status, after.balance_deadline, after.delivery_deadline) == (
        before.status,
        before.balance_deadline,
        before.delivery_deadline,
    )
    assert again.status_code == 409
    assert _error(again)["code"] == "already_restored"
    assert "order_price_restored" in _kinds(creator, order_id)
    history = client_for(merchant).get(f"{API}/orders/{order_id}/").json()["history"]
    assert "restore_price" in [step["transition"] for step in history]


def test_restoring_an_unchanged_price_is_409(funded_shop, merchant, creator):
    """T41: there is nothing to restore when the creator kept the price."""
    order_id = _accepted_deposit(merchant, creator)

    response = _post(merchant, f"orders/{order_id}/restore-price/")

    assert response.status_code == 409
    assert _error(response)["code"] == "price_unchanged"
    assert _order(order_id).price_restored is False


def test_the_creator_cannot_restore_the_price(funded_shop, merchant, creator):
    """T41: restoring is the merchant's right only."""
    order_id = _accepted_deposit(merchant, creator, price="1200.00")

    response = _post(creator, f"orders/{order_id}/restore-price/")

    assert response.status_code in (403, 404)
    assert _order(order_id).price_fen == 120_000


def test_paying_the_balance_puts_the_order_into_production(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T42: the balance tops the escrow up to price + fee; the order goes into production and
    the creator is told (D5)."""
    order_id = _accepted_deposit(merchant, creator, price="1100.00")
    wallet_before = wallet_fen(funded_shop)

    body = _ok(merchant, f"orders/{order_id}/pay-balance/")

    assert body["status"] == "in_production"
    assert wallet_fen(funded_shop) == wallet_before - (110_000 + 11_000 - DEPOSIT_FEN)
    assert escrow_fen(order_id) == 121_000
    assert "order_balance_paid" in _kinds(creator, order_id)


def test_paying_the_balance_after_7_days_is_409_even_before_the_sweep(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T42/D3: the 7 days are over: the balance is refused (the sweeper forfeits the deposit)."""
    order_id = _accepted_deposit(merchant, creator)
    order_id_in_time = _accepted_deposit(merchant, creator)
    wallet_before = wallet_fen(funded_shop)

    with time_machine.travel(in_days(7) + timedelta(minutes=1), tick=False):
        late = _post(merchant, f"orders/{order_id}/pay-balance/")
    with time_machine.travel(in_days(7) - timedelta(minutes=1), tick=False):
        in_time = _post(merchant, f"orders/{order_id_in_time}/pay-balance/")

    assert late.status_code == 409
    assert _error(late)["code"] == "deadline_passed"
    assert in_time.status_code == 200, in_time.json()
    assert wallet_fen(funded_shop) == wallet_before - PRICE_FEN


def test_the_whole_deposit_order_settles_price_to_creator_and_fee_to_platform(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T42/E10: paid deposit + balance, delivered and confirmed: the creator receives the final
    price and the platform the fee on it; the merchant paid exactly price + fee."""
    wallet_before = wallet_fen(funded_shop)
    fees_before = _platform_fees()
    order_id = _accepted_deposit(merchant, creator, price="900.00")
    _ok(merchant, f"orders/{order_id}/pay-balance/")
    _ok(creator, f"orders/{order_id}/deliver/", {"links": ["https://v.taobao.com/v/1"]})

    _ok(merchant, f"orders/{order_id}/confirm/", {"rating": 5, "comment": "很好"})

    earnings = Account.objects.get(
        kind=AccountKind.CREATOR_EARNINGS, creator=creator.creator_profile
    )
    assert wallet_fen(funded_shop) == wallet_before - (90_000 + 9_000)
    assert earnings.balance_fen == 90_000
    assert _platform_fees() == fees_before + 9_000
    assert escrow_fen(order_id) == 0


def test_combined_balance_payment_pays_several_orders_in_one_transaction(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T42: two orders' balances in one combined payment: one journal transaction, both in
    production, the wallet down by the sum."""
    first = _accepted_deposit(merchant, creator)
    second = _accepted_deposit(merchant, creator, price="1200.00")
    wallet_before = wallet_fen(funded_shop)
    journal_before = JournalTransaction.objects.count()

    response = _post(merchant, "payments/balances/", {"orders": [second, first]})

    assert response.status_code == 200, response.json()
    assert sorted(row["id"] for row in response.json()["orders"]) == sorted([first, second])
    assert JournalTransaction.objects.count() == journal_before + 1
    assert wallet_fen(funded_shop) == wallet_before - (100_000 + 122_000)
    assert {_order(first).status, _order(second).status} == {OrderStatus.IN_PRODUCTION}


def test_combined_payment_with_one_unpayable_order_pays_none(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T42: all or nothing: one order not awaiting its balance refuses the whole payment."""
    payable = _accepted_deposit(merchant, creator)
    not_accepted = _paid(merchant, creator, payment="deposit")
    wallet_before = wallet_fen(funded_shop)
    journal_before = JournalTransaction.objects.count()

    response = _post(merchant, "payments/balances/", {"orders": [payable, not_accepted]})

    assert response.status_code == 409
    assert JournalTransaction.objects.count() == journal_before
    assert wallet_fen(funded_shop) == wallet_before
    assert _order(payable).status == OrderStatus.AWAITING_BALANCE


def test_combined_payment_over_two_shops_is_400(funded_shop, merchant, creator, outsider):
    """T42: one combined payment pays one shop's orders; another tenant's order answers 404."""
    mine = _accepted_deposit(merchant, creator)
    other_shop = outsider.memberships.first().organization.shop
    factories.PaymentAccountFactory(shop=other_shop, bound_by=outsider)
    fund_wallet(other_shop, 10 * PRICE_FEN)
    theirs = _accepted_deposit(outsider, creator)

    response = _post(merchant, "payments/balances/", {"orders": [mine, theirs]})

    assert response.status_code in (400, 404)
    assert _order(mine).status == OrderStatus.AWAITING_BALANCE
    assert _order(theirs).status == OrderStatus.AWAITING_BALANCE


def test_combined_payment_with_no_order_is_400(merchant):
    """T42: an empty combined payment is a field error."""
    response = _post(merchant, "payments/balances/", {"orders": []})

    assert response.status_code == 400
    assert "orders" in _error(response)["fields"]


def test_combined_payment_short_of_money_is_409_and_pays_none(
    merchant, creator, shop, ledger_is_clean
):
    """E3/T42: the wallet covers one balance but not both: nothing is paid."""
    fund_wallet(shop, 2 * DEPOSIT_FEN + PRICE_FEN + 1)
    first = _accepted_deposit(merchant, creator)
    second = _accepted_deposit(merchant, creator)

    response = _post(merchant, "payments/balances/", {"orders": [first, second]})

    assert response.status_code == 409
    assert _error(response)["code"] == "insufficient_funds"
    assert wallet_fen(shop) == PRICE_FEN + 1
    assert {_order(first).status, _order(second).status} == {OrderStatus.AWAITING_BALANCE}


def test_cancelling_a_deposit_order_before_acceptance_is_free(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T43: before the creator accepts, the merchant cancels free of charge: the deposit comes
    back in full and the platform keeps nothing."""
    wallet_before = wallet_fen(funded_shop)
    fees_before = _platform_fees()
    order_id = _paid(merchant, creator, payment="deposit")

    body = _ok(merchant, f"orders/{order_id}/cancel/")

    assert body["status"] == "cancelled"
    assert wallet_fen(funded_shop) == wallet_before
    assert _platform_fees() == fees_before


def test_cancelling_a_deposit_order_after_acceptance_is_409(funded_shop, merchant, creator):
    """T43: once accepted, the deposit is no longer free to take back."""
    order_id = _accepted_deposit(merchant, creator)

    response = _post(merchant, f"orders/{order_id}/cancel/")

    assert response.status_code == 409
    assert escrow_fen(order_id) == DEPOSIT_FEN


def test_cancelling_an_unpaid_order_moves_no_money(merchant, creator, ledger_is_clean):
    """§4: an unpaid order is cancelled with nothing to refund."""
    order_id = _order_id(merchant, creator)
    journal_before = JournalTransaction.objects.count()

    body = _ok(merchant, f"orders/{order_id}/cancel/")

    assert body["status"] == "cancelled"
    assert JournalTransaction.objects.count() == journal_before


# --- M3: the payment account while orders are in trade ---------------------------------------


def test_unbinding_the_payment_account_with_an_order_in_trade_is_409(
    funded_shop, merchant, creator
):
    """M3: while any order of the shop is not terminal, the payment account stays bound."""
    _paid(merchant, creator)

    response = client_for(merchant).delete(f"{API}/shops/{funded_shop.pk}/payment-account/")

    assert response.status_code == 409
    assert _error(response)["code"] == "orders_in_trade"
    assert funded_shop.payment_accounts.filter(unbound_at__isnull=True).exists()


def test_unbinding_is_allowed_once_every_order_has_ended(funded_shop, merchant, creator):
    """M3: the same shop, its only order declined (terminal): unbinding works."""
    order_id = _paid(merchant, creator)
    _ok(creator, f"orders/{order_id}/decline/")

    response = client_for(merchant).delete(f"{API}/shops/{funded_shop.pk}/payment-account/")

    assert response.status_code == 200, response.json()
    assert not funded_shop.payment_accounts.filter(unbound_at__isnull=True).exists()


def test_the_page_offers_exactly_the_price_band_the_service_accepts(funded_shop, merchant, creator):
    """T41 (drift found in issue 18): for a ¥1.01 deposit order the page offered ¥0.80 (the low
    end rounded down) and the service refused it. One rule on the model: the page shows
    ¥0.81–¥1.21, and the service accepts both ends and refuses one fen beyond either."""
    from django.test import Client

    order_id = _paid(merchant, creator, payment="deposit", price="1.01")
    page = Client()
    page.force_login(creator)
    context = page.get(f"/orders/{order_id}/").context
    assert (context["price_low_fen"], context["price_high_fen"]) == (81, 121)
    for outside in ("0.80", "1.22"):
        refused = _post(creator, f"orders/{order_id}/accept/", {"price": outside})
        assert refused.status_code == 400, outside
        assert "price" in _error(refused)["fields"]
        assert _order(order_id).status == OrderStatus.AWAITING_ACCEPTANCE
    accepted = _ok(creator, f"orders/{order_id}/accept/", {"price": "0.81"})
    assert _order(order_id).price_fen == 81 and accepted["status"] == OrderStatus.AWAITING_BALANCE
