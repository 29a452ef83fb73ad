"""The money services: holds, releases, refunds, forfeits, fees, top-ups, withdrawals."""

from __future__ import annotations

import pytest

from core.exceptions import InvalidInput, NotAllowed, WrongSide
from escrow import services
from escrow.exceptions import (
    BadSignature,
    EscrowMismatch,
    InsufficientFunds,
    PaymentAccountRequired,
)
from escrow.gateway import callback_body, sign
from escrow.models import (
    Account,
    AccountKind,
    Entry,
    FeePolicy,
    IntentStatus,
    JournalTransaction,
    PaymentIntent,
    TransactionKind,
    Withdrawal,
    WithdrawalStatus,
)
from escrow.selectors import creator_wallet_summary, merchant_wallet_summary
from tests import factories
from tests.conftest import fund_wallet

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_is_clean")]


def balance(**lookup) -> int:
    account = Account.objects.filter(**lookup).first()
    return account.balance_fen if account else 0


def ledger_snapshot():
    return (
        JournalTransaction.objects.count(),
        Entry.objects.count(),
        sorted(Account.objects.values_list("id", "balance_fen")),
    )


@pytest.fixture
def order(shop):
    return factories.OrderFactory(shop=shop, price_fen=128_000)


# --- E1 / E10: fees --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price_fen", "rate_bp", "fee_fen"),
    [
        (128_000, 1000, 12_800),
        (5, 1000, 1),  # 0.5 fen rounds half up to 1
        (4, 1000, 0),  # 0.4 fen rounds down
        (15, 1000, 2),  # 1.5 → 2
        (99_999, 333, 3_330),  # 3329.967 → 3330
        (100_000, 0, 0),
    ],
)
def test_fee_is_rounded_half_up_to_the_fen_in_integers(price_fen, rate_bp, fee_fen):
    """E10/E1: the fee is price × rate rounded half up to the fen, computed without floats."""
    assert services.fee_for(price_fen=price_fen, rate_bp=rate_bp) == fee_fen
    assert isinstance(services.fee_for(price_fen=price_fen, rate_bp=rate_bp), int)


def test_fee_policy_defaults_and_ops_change_applies_to_new_orders_only():
    """E10: defaults are 0% for full-price kinds and 10% for deposit orders; a rate ops change
    later applies to orders created after it, while an existing order keeps its stored rate."""
    assert {p.order_kind: p.rate_bp for p in FeePolicy.objects.all()} == {
        "private": 0,
        "plaza": 0,
        "recruitment": 0,
        "brand": 0,
        "deposit": 1000,
    }
    old = factories.OrderFactory(
        kind="deposit", fee_rate_bp=services.fee_rate_for(order_kind="deposit")
    )
    FeePolicy.objects.filter(order_kind="deposit").update(rate_bp=1500)
    assert services.fee_rate_for(order_kind="deposit") == 1500
    old.refresh_from_db()
    assert old.fee_rate_bp == 1000


# --- E4: hold, release, refund, forfeit --------------------------------------------------------


def test_hold_moves_the_payment_from_wallet_to_the_orders_escrow(shop, order):
    """E4: paying moves the amount from the merchant wallet to the order's escrow."""
    fund_wallet(shop, 200_000)
    journal = services.escrow_hold(order=order, amount_fen=128_000)
    assert journal.kind == TransactionKind.HOLD
    assert sorted(journal.entries.values_list("amount_fen", flat=True)) == [-128_000, 128_000]
    assert balance(kind=AccountKind.MERCHANT_WALLET, shop=shop) == 72_000
    assert balance(kind=AccountKind.ORDER_ESCROW, order=order) == 128_000
    assert merchant_wallet_summary(shop=shop).held_fen == 128_000


def test_hold_beyond_the_wallet_is_refused_and_moves_nothing(shop, order):
    """E3/E5: a hold larger than the wallet raises InsufficientFunds; nothing is written."""
    fund_wallet(shop, 100_000)
    before = ledger_snapshot()
    with pytest.raises(InsufficientFunds) as refused:
        services.escrow_hold(order=order, amount_fen=128_000)
    assert "¥1,000.00" in refused.value.message and "¥1,280.00" in refused.value.message
    assert ledger_snapshot() == before


def test_a_tmall_shop_without_payment_account_cannot_pay(order, shop):
    """M2: a Tmall store must bind its operating payment account before it can pay."""
    fund_wallet(shop, 200_000)
    shop.payment_accounts.update(unbound_at="2026-01-01T00:00:00+08:00")
    before = ledger_snapshot()
    with pytest.raises(PaymentAccountRequired):
        services.escrow_hold(order=order, amount_fen=1_000)
    with pytest.raises(PaymentAccountRequired):
        services.wallet_top_up(shop=shop, actor=shop.owner, amount_fen=1_000)
    assert ledger_snapshot() == before
    assert PaymentIntent.objects.count() == 1  # only the first top-up


def test_release_pays_the_creator_the_price_and_the_platform_the_fee(shop):
    """E4/E10: escrow holds price + fee; release gives the creator the price, the platform the
    fee, and empties the escrow."""
    order = factories.OrderFactory(shop=shop, kind="deposit", price_fen=128_000, fee_rate_bp=1000)
    assert order.fee_fen == 12_800
    fund_wallet(shop, 140_800)
    services.escrow_hold(order=order, amount_fen=order.total_fen)
    fees_before = balance(kind=AccountKind.PLATFORM_FEES)
    services.escrow_release(order=order)
    assert balance(kind=AccountKind.ORDER_ESCROW, order=order) == 0
    assert balance(kind=AccountKind.CREATOR_EARNINGS, creator=order.creator) == 128_000
    assert balance(kind=AccountKind.PLATFORM_FEES) - fees_before == 12_800


def test_release_twice_moves_money_once(shop, order):
    """E5: a second release finds the escrow empty and is refused; the creator is paid once."""
    fund_wallet(shop, 128_000)
    services.escrow_hold(order=order, amount_fen=128_000)
    services.escrow_release(order=order)
    before = ledger_snapshot()
    with pytest.raises(EscrowMismatch):
        services.escrow_release(order=order)
    assert ledger_snapshot() == before
    assert balance(kind=AccountKind.CREATOR_EARNINGS, creator=order.creator) == 128_000


def test_full_and_partial_refunds_return_money_to_the_wallet(shop, order):
    """E4: refund moves escrow back to the wallet, in part or in full; nothing more than held."""
    fund_wallet(shop, 128_000)
    services.escrow_hold(order=order, amount_fen=128_000)
    services.escrow_refund(order=order, amount_fen=28_000)
    assert balance(kind=AccountKind.MERCHANT_WALLET, shop=shop) == 28_000
    before = ledger_snapshot()
    with pytest.raises(InsufficientFunds):
        services.escrow_refund(order=order, amount_fen=100_001)
    assert ledger_snapshot() == before
    services.escrow_refund(order=order)
    assert balance(kind=AccountKind.MERCHANT_WALLET, shop=shop) == 128_000
    assert balance(kind=AccountKind.ORDER_ESCROW, order=order) == 0
    with pytest.raises(EscrowMismatch):
        services.escrow_refund(order=order)


def test_dispute_split_releases_part_and_refunds_the_rest(shop, order):
    """E4: a split releases the creator's part and refunds the remainder; escrow ends empty."""
    fund_wallet(shop, 128_000)
    services.escrow_hold(order=order, amount_fen=128_000)
    services.escrow_release(order=order, creator_fen=50_000, fee_fen=0)
    services.escrow_refund(order=order)
    assert balance(kind=AccountKind.CREATOR_EARNINGS, creator=order.creator) == 50_000
    assert balance(kind=AccountKind.MERCHANT_WALLET, shop=shop) == 78_000
    assert balance(kind=AccountKind.ORDER_ESCROW, order=order) == 0


def test_forfeit_moves_the_deposit_to_platform_fees(shop):
    """E4/T42: a forfeited deposit goes to the platform's fee revenue."""
    order = factories.OrderFactory(shop=shop, kind="deposit", price_fen=100_000, fee_rate_bp=1000)
    fund_wallet(shop, 10_000)
    services.escrow_hold(order=order, amount_fen=order.fee_fen)
    fees_before = balance(kind=AccountKind.PLATFORM_FEES)
    services.escrow_forfeit(order=order)
    assert balance(kind=AccountKind.PLATFORM_FEES) - fees_before == 10_000
    assert balance(kind=AccountKind.ORDER_ESCROW, order=order) == 0
    with pytest.raises(EscrowMismatch):
        services.escrow_forfeit(order=order)


@pytest.mark.parametrize("amount", [0, -1, 1.5, "100", True, 100_000_001])
def test_bad_amounts_are_refused_before_anything_moves(shop, order, amount):
    """E1: amounts are positive integers of fen within the transfer limit; anything else is
    refused with a clear error and writes nothing."""
    fund_wallet(shop, 100_000)
    before = ledger_snapshot()
    with pytest.raises(InvalidInput):
        services.escrow_hold(order=order, amount_fen=amount)
    with pytest.raises(InvalidInput):
        services.wallet_top_up(shop=shop, actor=shop.owner, amount_fen=amount)
    assert ledger_snapshot() == before


# --- E7: the gateway ---------------------------------------------------------------------


def test_top_up_goes_through_the_gateway_and_its_signed_callback(shop):
    """E7: a top-up creates a pending intent; the sandbox gateway's signed callback settles it,
    moving the money from the gateway's clearing account (which may go negative) to the wallet."""
    intent = fund_wallet(shop, 50_000)
    intent.refresh_from_db()
    assert intent.status == IntentStatus.SUCCEEDED and intent.gateway_reference
    assert balance(kind=AccountKind.MERCHANT_WALLET, shop=shop) == 50_000
    assert balance(kind=AccountKind.GATEWAY_CLEARING) == -50_000


def test_only_the_shops_members_top_up_its_wallet(shop, outsider):
    """A3/E7: another tenant cannot top up a shop's wallet."""
    with pytest.raises(WrongSide):
        services.wallet_top_up(shop=shop, actor=outsider, amount_fen=100)
    assert not PaymentIntent.objects.exists()


def test_a_callback_with_a_bad_signature_is_refused(shop):
    """E7: a callback whose signature does not verify is refused and changes nothing."""
    intent = PaymentIntent.objects.create(kind="top_up", amount_fen=10_000, shop=shop)
    body = callback_body(intent_id=intent.pk, status="succeeded", amount_fen=10_000, reference="r")
    before = ledger_snapshot()
    with pytest.raises(BadSignature):
        services.gateway_callback_receive(body=body, signature="0" * 64)
    with pytest.raises(BadSignature):
        services.gateway_callback_receive(body=body + b" ", signature=sign(body))
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PENDING
    assert ledger_snapshot() == before


def test_a_repeated_callback_is_ignored(shop):
    """E7: gateways repeat callbacks; the second one changes nothing."""
    intent = PaymentIntent.objects.create(kind="top_up", amount_fen=10_000, shop=shop)
    body = callback_body(intent_id=intent.pk, status="succeeded", amount_fen=10_000, reference="r")
    assert services.gateway_callback_receive(body=body, signature=sign(body)) == "settled"
    before = ledger_snapshot()
    assert services.gateway_callback_receive(body=body, signature=sign(body)) == "ignored"
    assert ledger_snapshot() == before
    assert balance(kind=AccountKind.MERCHANT_WALLET, shop=shop) == 10_000


def test_a_callback_with_another_amount_is_refused(shop):
    """E7: a signed callback whose amount differs from the intent's moves nothing."""
    intent = PaymentIntent.objects.create(kind="top_up", amount_fen=10_000, shop=shop)
    body = callback_body(intent_id=intent.pk, status="succeeded", amount_fen=99_999, reference="r")
    with pytest.raises(InvalidInput):
        services.gateway_callback_receive(body=body, signature=sign(body))
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PENDING


def test_a_failed_top_up_moves_nothing(shop):
    """E7: a top-up the gateway reports failed is recorded as failed; no money moves."""
    intent = PaymentIntent.objects.create(kind="top_up", amount_fen=10_000, shop=shop)
    body = callback_body(intent_id=intent.pk, status="failed", amount_fen=10_000, reference="r")
    before = ledger_snapshot()
    services.gateway_callback_receive(body=body, signature=sign(body))
    intent.refresh_from_db()
    assert intent.status == IntentStatus.FAILED
    assert ledger_snapshot() == before


# --- E8: withdrawals ---------------------------------------------------------------------


@pytest.fixture
def paid_creator(shop, order):
    """A creator with ¥1,280.00 of available earnings and a bound payout account."""
    fund_wallet(shop, 128_000)
    services.escrow_hold(order=order, amount_fen=128_000)
    services.escrow_release(order=order)
    creator = order.creator
    services.payout_account_bind(
        creator=creator, actor=creator.user, account_id="creator@alipay.example", holder_name="张三"
    )
    return creator


def test_withdrawal_needs_a_bound_payout_account(shop, order):
    """E8: without a bound account a withdrawal is refused and nothing moves."""
    fund_wallet(shop, 128_000)
    services.escrow_hold(order=order, amount_fen=128_000)
    services.escrow_release(order=order)
    before = ledger_snapshot()
    with pytest.raises(NotAllowed):
        services.withdrawal_request(creator=order.creator, actor=order.creator.user, amount_fen=100)
    assert ledger_snapshot() == before and not Withdrawal.objects.exists()


def test_withdrawal_approved_is_paid_out_through_the_gateway(
    paid_creator, ops, django_capture_on_commit_callbacks
):
    """E8: a creator withdraws available earnings; ops approve; the gateway pays out."""
    withdrawal = services.withdrawal_request(
        creator=paid_creator, actor=paid_creator.user, amount_fen=100_000
    )
    summary = creator_wallet_summary(creator=paid_creator)
    assert (summary.available_fen, summary.held_fen) == (28_000, 100_000)
    with django_capture_on_commit_callbacks(execute=True):
        services.withdrawal_approve(withdrawal=withdrawal, actor=ops)
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PAID
    assert balance(kind=AccountKind.PAYOUTS_IN_FLIGHT) == 0
    summary = creator_wallet_summary(creator=paid_creator)
    assert (summary.available_fen, summary.held_fen) == (28_000, 0)


def test_a_failed_payout_returns_the_money(paid_creator, ops, django_capture_on_commit_callbacks):
    """E8: a payout the gateway fails returns the money to the creator's available earnings."""
    services.payout_account_bind(
        creator=paid_creator,
        actor=paid_creator.user,
        account_id="fail@x.example",
        holder_name="张三",
    )
    withdrawal = services.withdrawal_request(
        creator=paid_creator, actor=paid_creator.user, amount_fen=100_000
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.withdrawal_approve(withdrawal=withdrawal, actor=ops)
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.FAILED and withdrawal.reason
    assert balance(kind=AccountKind.CREATOR_EARNINGS, creator=paid_creator) == 128_000


def test_rejected_or_bounced_withdrawals_return_the_money_once(paid_creator, ops):
    """E8/E5: a rejection returns the money; deciding the same withdrawal again is refused."""
    withdrawal = services.withdrawal_request(
        creator=paid_creator, actor=paid_creator.user, amount_fen=28_000
    )
    services.withdrawal_reject(withdrawal=withdrawal, actor=ops, reason="账户信息有误")
    assert balance(kind=AccountKind.CREATOR_EARNINGS, creator=paid_creator) == 128_000
    before = ledger_snapshot()
    with pytest.raises(NotAllowed):
        services.withdrawal_reject(withdrawal=withdrawal, actor=ops, reason="again")
    with pytest.raises(NotAllowed):
        services.withdrawal_approve(withdrawal=withdrawal, actor=ops)
    assert ledger_snapshot() == before
    second = services.withdrawal_request(
        creator=paid_creator, actor=paid_creator.user, amount_fen=28_000
    )
    services.withdrawal_approve(withdrawal=second, actor=ops)  # gateway call not run: pending
    services.withdrawal_fail(withdrawal=second, actor=ops, reason="银行退票")
    second.refresh_from_db()
    assert second.status == WithdrawalStatus.FAILED
    assert balance(kind=AccountKind.CREATOR_EARNINGS, creator=paid_creator) == 128_000


def test_withdrawing_more_than_available_or_deciding_without_ops_is_refused(paid_creator):
    """E8/E3: more than available is refused; only ops staff decide withdrawals."""
    before = ledger_snapshot()
    with pytest.raises(InsufficientFunds):
        services.withdrawal_request(
            creator=paid_creator, actor=paid_creator.user, amount_fen=128_001
        )
    assert ledger_snapshot() == before and not Withdrawal.objects.exists()
    withdrawal = services.withdrawal_request(
        creator=paid_creator, actor=paid_creator.user, amount_fen=1_000
    )
    with pytest.raises(WrongSide):
        services.withdrawal_approve(withdrawal=withdrawal, actor=paid_creator.user)
    with pytest.raises(WrongSide):
        services.withdrawal_request(
            creator=paid_creator, actor=factories.CreatorFactory().user, amount_fen=1
        )
