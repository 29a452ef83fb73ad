"""E5 on orders, run for real on PostgreSQL: the services of two people acting on the same
order (or the same wallet) at the same moment, each on its own thread and connection.

Every race goes through `race()` of test_escrow_races: each call waits on a barrier shared
with its rival so both really start together, calls the service, and closes its connection.
Each race is repeated over ORDERS orders at once so the interleavings vary; after each, the
ledger invariants hold (E9) and every terminal order's escrow is empty (E4).
"""

from __future__ import annotations

import pytest

from core.exceptions import DomainError, NotAllowed
from escrow import services as escrow
from escrow.exceptions import InsufficientFunds
from escrow.models import Account, AccountKind, Entry, JournalTransaction, TransactionKind
from escrow.selectors import ledger_breaches
from parties.models import Membership, Role
from tasks import services
from tasks.models import (
    TERMINAL_ORDER_STATUSES,
    Dispute,
    Order,
    OrderStatus,
    Review,
)
from tests import factories
from tests.builders import delivered_order, order_in
from tests.concurrency.test_escrow_races import Outcome, race, unexpected
from tests.conftest import fund_wallet

ORDERS = 16
PRICE = 100_000


# --- building orders through the services ---------------------------------------------------


def _second_member(shop):
    """Another user acting for the same shop (A2): an admin member."""
    user = factories.MerchantUserFactory()
    Membership.objects.create(user=user, organization=shop.organization, role=Role.ADMIN)
    return user


def _fresh(order: Order) -> Order:
    return Order.objects.get(pk=order.pk)


def _escrow_fen(order: Order) -> int:
    account = Account.objects.filter(kind=AccountKind.ORDER_ESCROW, order=order).first()
    return account.balance_fen if account else 0


def _balance(account: Account) -> int:
    account.refresh_from_db(fields=["balance_fen"])
    return account.balance_fen


def _kinds(order: Order) -> list[str]:
    return list(
        JournalTransaction.objects.filter(order=order).order_by("id").values_list("kind", flat=True)
    )


def _pairs(outcomes: list[Outcome]) -> list[tuple[Outcome, Outcome]]:
    return [(outcomes[i], outcomes[i + 1]) for i in range(0, len(outcomes), 2)]


def _assert_ledger_clean() -> None:
    """E9 and E4: no breach; every order that ended holds nothing in escrow."""
    assert ledger_breaches() == []
    for order in Order.objects.filter(status__in=list(TERMINAL_ORDER_STATUSES)):
        assert _escrow_fen(order) == 0, f"order {order.pk} is {order.status} with escrow left"


def _refused_for_state(outcome: Outcome) -> bool:
    return isinstance(outcome.error, NotAllowed) and outcome.error.code == "invalid_state"


# --- confirm vs dispute (T52, T61) -----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_confirm_racing_a_dispute_one_wins(funded_shop, merchant, creator):
    """E5/T52/T61: on each of 16 delivered orders (full price and deposit), the merchant's
    confirm and a dispute (by the creator or the merchant) start together. Exactly one wins;
    the other is refused with a DomainError (invalid_state). A confirm that won completed the
    order and paid the creator the price once (and the platform its fee); a dispute that won
    left the escrow full and frozen, with nothing released."""
    orders = [
        delivered_order(funded_shop, merchant, creator, payment="deposit" if i % 2 else "full")
        for i in range(ORDERS)
    ]
    profile = creator.creator_profile
    earnings = escrow.earnings_account(profile)
    fees = escrow.platform_account(AccountKind.PLATFORM_FEES)
    wallet = escrow.wallet_account(funded_shop)
    earnings_before, fees_before, wallet_before = (
        _balance(earnings),
        _balance(fees),
        _balance(wallet),
    )

    calls = []
    for i, order in enumerate(orders):
        disputer = creator if i % 2 else merchant
        calls += [
            lambda order=order: services.order_confirm(
                order=order, actor=merchant, rating=5, comment="好"
            ),
            lambda order=order, disputer=disputer: services.order_dispute(
                order=order, actor=disputer, reason="画面里没有产品", ground="not_as_briefed"
            ),
        ]
    outcomes = race(calls, party=2)

    assert unexpected(outcomes, DomainError) == []
    confirmed = []
    for order, (confirm, dispute) in zip(orders, _pairs(outcomes), strict=True):
        assert confirm.ok != dispute.ok, f"order {order.pk}: {confirm} / {dispute}"
        loser = dispute if confirm.ok else confirm
        assert _refused_for_state(loser), f"order {order.pk}: {loser.error!r}"
        fresh = _fresh(order)
        if confirm.ok:
            confirmed.append(fresh)
            assert fresh.status == OrderStatus.COMPLETED
            assert _escrow_fen(fresh) == 0
            assert _kinds(fresh).count(TransactionKind.RELEASE) == 1
            assert Review.objects.filter(order=fresh).count() == 1
            assert not Dispute.objects.filter(order=fresh).exists()
        else:
            assert fresh.status == OrderStatus.DISPUTED
            assert _escrow_fen(fresh) == fresh.total_fen
            assert TransactionKind.RELEASE not in _kinds(fresh)
            assert Dispute.objects.filter(order=fresh).count() == 1
            assert not Review.objects.filter(order=fresh).exists()

    assert _balance(earnings) - earnings_before == PRICE * len(confirmed)
    assert _balance(fees) - fees_before == sum(order.fee_fen for order in confirmed)
    assert _balance(wallet) == wallet_before  # nothing refunded by either side
    profile.refresh_from_db()
    assert profile.rating_count == len(confirmed)
    _assert_ledger_clean()


# --- accept vs cancel (T4, T43) --------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_accept_racing_a_cancel_one_wins(funded_shop, merchant, creator):
    """E5/T43/§4: on each of 16 orders awaiting acceptance (full price, and deposit orders
    holding their deposit), the creator's accept and the merchant's cancel start together.
    Exactly one wins, the other is refused (invalid_state). A cancel that won refunded the
    merchant exactly what was held, once; an accept that won left the payment in escrow."""
    orders = [
        order_in(
            OrderStatus.AWAITING_ACCEPTANCE,
            funded_shop,
            merchant,
            creator,
            payment="deposit" if i % 2 else "full",
        )
        for i in range(ORDERS)
    ]
    held = {order.pk: _escrow_fen(order) for order in orders}
    assert all(held.values())
    wallet = escrow.wallet_account(funded_shop)
    wallet_before = _balance(wallet)

    calls = []
    for order in orders:
        calls += [
            lambda order=order: services.order_accept(order=order, actor=creator),
            lambda order=order: services.order_cancel(order=order, actor=merchant),
        ]
    outcomes = race(calls, party=2)

    assert unexpected(outcomes, DomainError) == []
    refunded = 0
    for order, (accept, cancel) in zip(orders, _pairs(outcomes), strict=True):
        assert accept.ok != cancel.ok, f"order {order.pk}: {accept} / {cancel}"
        loser = cancel if accept.ok else accept
        assert _refused_for_state(loser), f"order {order.pk}: {loser.error!r}"
        fresh = _fresh(order)
        refunds = _kinds(fresh).count(TransactionKind.REFUND)
        if cancel.ok:
            assert fresh.status == OrderStatus.CANCELLED
            assert refunds == 1
            assert _escrow_fen(fresh) == 0
            refund = JournalTransaction.objects.get(order=fresh, kind=TransactionKind.REFUND)
            assert refund.entries.get(account=wallet).amount_fen == held[order.pk]
            refunded += held[order.pk]
        else:
            expected = (
                OrderStatus.AWAITING_BALANCE if fresh.is_deposit else OrderStatus.IN_PRODUCTION
            )
            assert fresh.status == expected
            assert refunds == 0
            assert _escrow_fen(fresh) == held[order.pk]

    assert _balance(wallet) == wallet_before + refunded
    _assert_ledger_clean()


# --- combined balance payments (T42) ---------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_members_paying_combined_balances_from_a_wallet_for_one(creator):
    """E5/T42: two members of one shop each pay two deposit orders' balances in one combined
    payment, at the same moment, from a wallet that can afford one combination only (10 shops
    at once). Exactly one payment succeeds; the other is refused with insufficient funds (or
    finds the state changed) and leaves nothing behind: its orders still await their balance
    holding only their deposits, and the wallet paid exactly one combination."""
    shops = []
    for _ in range(10):
        shop = factories.ShopFactory()
        factories.PaymentAccountFactory(shop=shop, bound_by=shop.owner)
        owner, admin = shop.owner, _second_member(shop)
        fund_wallet(shop, 4 * (PRICE // 10))  # the four deposits
        orders = [order_in(OrderStatus.AWAITING_BALANCE, shop, owner, creator) for _ in range(4)]
        balance_fen = orders[0].balance_due_fen
        spare = balance_fen // 2
        fund_wallet(shop, 2 * balance_fen + spare)  # one combination (two balances), not two
        shops.append((shop, owner, admin, orders, 2 * balance_fen + spare))

    calls = []
    for _shop, owner, admin, orders, _funded in shops:
        calls += [
            lambda ids=[orders[0].pk, orders[1].pk], actor=owner: services.balances_pay(
                order_ids=ids, actor=actor
            ),
            lambda ids=[orders[2].pk, orders[3].pk], actor=admin: services.balances_pay(
                order_ids=ids, actor=actor
            ),
        ]
    outcomes = race(calls, party=2)

    assert unexpected(outcomes, InsufficientFunds, NotAllowed) == []
    for (shop, _owner, _admin, orders, funded), (first, second) in zip(
        shops, _pairs(outcomes), strict=True
    ):
        assert first.ok != second.ok, f"shop {shop.pk}: {first} / {second}"
        loser = second if first.ok else first
        assert isinstance(loser.error, InsufficientFunds) or _refused_for_state(loser)
        paid, unpaid = (orders[:2], orders[2:]) if first.ok else (orders[2:], orders[:2])
        for order in paid:
            fresh = _fresh(order)
            assert fresh.status == OrderStatus.IN_PRODUCTION
            assert _escrow_fen(fresh) == fresh.total_fen
        for order in unpaid:
            fresh = _fresh(order)
            assert fresh.status == OrderStatus.AWAITING_BALANCE
            assert _escrow_fen(fresh) == fresh.deposit_fen
        wallet = escrow.wallet_account(shop)
        assert _balance(wallet) == funded - sum(_fresh(o).balance_due_fen for o in paid)
        # the top-ups, the four deposits, one combined balance payment
        assert Entry.objects.filter(account=wallet).count() == 2 + 4 + 1
    _assert_ledger_clean()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_combined_payments_sharing_an_order_only_one_pays_it(creator):
    """E5/T42: two members of one shop pay combined balances at once, [A, B] and [B, C], from
    a wallet that could pay all three (10 shops at once). Only one payment goes through: B's
    balance is held exactly once; the other payment is refused as a whole (invalid_state) and
    its other order still awaits its balance."""
    shops = []
    for _ in range(10):
        shop = factories.ShopFactory()
        factories.PaymentAccountFactory(shop=shop, bound_by=shop.owner)
        owner, admin = shop.owner, _second_member(shop)
        fund_wallet(shop, 10 * PRICE)
        orders = [order_in(OrderStatus.AWAITING_BALANCE, shop, owner, creator) for _ in range(3)]
        shops.append((shop, owner, admin, orders))

    calls = []
    for _shop, owner, admin, (a, b, c) in shops:
        calls += [
            lambda ids=[a.pk, b.pk], actor=owner: services.balances_pay(order_ids=ids, actor=actor),
            lambda ids=[b.pk, c.pk], actor=admin: services.balances_pay(order_ids=ids, actor=actor),
        ]
    outcomes = race(calls, party=2)

    assert unexpected(outcomes, NotAllowed) == []
    for (shop, _owner, _admin, (a, b, c)), (first, second) in zip(
        shops, _pairs(outcomes), strict=True
    ):
        assert first.ok != second.ok, f"shop {shop.pk}: {first} / {second}"
        loser = second if first.ok else first
        assert _refused_for_state(loser), f"shop {shop.pk}: {loser.error!r}"
        paid_other, unpaid = (a, c) if first.ok else (c, a)
        for order in (paid_other, b):
            fresh = _fresh(order)
            assert fresh.status == OrderStatus.IN_PRODUCTION
            assert _escrow_fen(fresh) == fresh.total_fen
        b_escrow = escrow.escrow_account(b)
        assert Entry.objects.filter(account=b_escrow).count() == 2  # deposit, balance: once
        fresh = _fresh(unpaid)
        assert fresh.status == OrderStatus.AWAITING_BALANCE
        assert _escrow_fen(fresh) == fresh.deposit_fen
        wallet = escrow.wallet_account(shop)
        assert _balance(wallet) == 10 * PRICE - sum(_fresh(o).deposit_fen for o in (a, b, c)) - sum(
            _fresh(o).balance_due_fen for o in (paid_other, b)
        )
    _assert_ledger_clean()


# --- two confirms (T52) ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_confirms_of_one_order_release_once(funded_shop, merchant, creator):
    """E5/T52: two members of the shop confirm the same delivered order at once (16 orders,
    full price and deposit). Exactly one confirm wins; the other is refused (invalid_state).
    The escrow is released once: one RELEASE, one review, the creator paid the price once per
    order and the platform its fee once."""
    admin = _second_member(funded_shop)
    orders = [
        delivered_order(funded_shop, merchant, creator, payment="deposit" if i % 2 else "full")
        for i in range(ORDERS)
    ]
    profile = creator.creator_profile
    earnings = escrow.earnings_account(profile)
    fees = escrow.platform_account(AccountKind.PLATFORM_FEES)
    earnings_before, fees_before = _balance(earnings), _balance(fees)

    calls = []
    for order in orders:
        calls += [
            lambda order=order: services.order_confirm(order=order, actor=merchant, rating=5),
            lambda order=order: services.order_confirm(order=order, actor=admin, rating=4),
        ]
    outcomes = race(calls, party=2)

    assert unexpected(outcomes, NotAllowed) == []
    for order, (first, second) in zip(orders, _pairs(outcomes), strict=True):
        assert first.ok != second.ok, f"order {order.pk}: {first} / {second}"
        assert _refused_for_state(second if first.ok else first)
        fresh = _fresh(order)
        assert fresh.status == OrderStatus.COMPLETED
        assert _kinds(fresh).count(TransactionKind.RELEASE) == 1
        assert _escrow_fen(fresh) == 0
        assert Review.objects.get(order=fresh).rating == (5 if first.ok else 4)

    assert _balance(earnings) - earnings_before == PRICE * ORDERS
    assert _balance(fees) - fees_before == sum(_fresh(order).fee_fen for order in orders)
    profile.refresh_from_db()
    assert profile.rating_count == ORDERS
    _assert_ledger_clean()
