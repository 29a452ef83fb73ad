"""E5/E6: money races, run for real: threads, each with its own PostgreSQL connection.

Every race goes through `race()`: each call runs on a pool thread that opens its connection,
waits on a barrier shared with the other calls of its party (so they really start together),
makes the call, and closes its connection. The pool has at most MAX_WORKERS threads, well
under PostgreSQL's max_connections.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from escrow import services
from escrow.exceptions import EscrowMismatch, InsufficientFunds
from escrow.models import (
    Account,
    AccountKind,
    Entry,
    IdempotencyKey,
    IdempotencyStatus,
    IntentStatus,
    JournalTransaction,
    PaymentIntent,
    TransactionKind,
)
from escrow.selectors import ledger_breaches
from parties.models import User
from tasks.locks import lock_order
from tests import factories
from tests.conftest import fund_wallet

MAX_WORKERS = 32
BARRIER_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Outcome:
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def race(calls: Sequence[Callable[[], Any]], *, party: int = MAX_WORKERS) -> list[Outcome]:
    """Run every call on its own pool thread and return their outcomes, in the calls' order.

    Consecutive calls are grouped in parties of `party` (the last may be smaller); the calls of
    a party wait on one barrier, so they start together. The pool hands out calls in order, so
    at most one party is ever partly started and the others can always finish: no party waits
    forever as long as `party` <= MAX_WORKERS.
    """
    assert 0 < party <= MAX_WORKERS
    sizes = [min(party, len(calls) - start) for start in range(0, len(calls), party)]
    barriers = [threading.Barrier(size, timeout=BARRIER_TIMEOUT_SECONDS) for size in sizes]

    def run(index: int, call: Callable[[], Any]) -> Outcome:
        try:
            connection.ensure_connection()  # connect before the barrier: the race is the call
            barriers[index // party].wait()
            try:
                return Outcome(value=call())
            except Exception as exc:  # the outcome under test: which calls were refused, how
                return Outcome(error=exc)
        finally:
            connection.close()

    workers = min(MAX_WORKERS, len(calls))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="race") as pool:
        futures = [pool.submit(run, index, call) for index, call in enumerate(calls)]
        return [future.result() for future in futures]


def unexpected(outcomes: Sequence[Outcome], *allowed: type[BaseException]) -> list[str]:
    """Refusals of any other type than `allowed` (a deadlock, a server error…), for the report."""
    return [
        f"{type(o.error).__name__}: {o.error}"
        for o in outcomes
        if not o.ok and not isinstance(o.error, allowed)
    ]


def paying_shop():
    """A Tmall shop with its operating payment account bound (M2), ready to pay."""
    shop = factories.ShopFactory()
    factories.PaymentAccountFactory(shop=shop, bound_by=shop.owner)
    return shop


def balance(account: Account) -> int:
    account.refresh_from_db(fields=["balance_fen"])
    return account.balance_fen


def as_caller(action, order, **kwargs):
    """The caller's side of the escrow contract: hold the order's lock (tasks.locks) first,
    as every order service does, then move its money in the same transaction."""
    with transaction.atomic():
        return action(order=lock_order(order), **kwargs)


def assert_entries_chain(account: Account) -> None:
    """The account's entries, in insertion order, form one unbroken chain of balances that
    never dips below zero: every posting saw the balance its predecessor left (no lost update).
    """
    running = 0
    for entry in Entry.objects.filter(account=account).order_by("id"):
        running += entry.amount_fen
        assert entry.balance_after_fen == running, f"entry {entry.pk} broke the chain"
        assert entry.balance_after_fen >= 0, f"entry {entry.pk} took the account below zero"
    assert running == balance(account)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_200_holds_on_a_wallet_funded_for_50_move_exactly_50(shop):
    """E5/E3: 200 concurrent payments into escrow from a wallet holding exactly 50 of them:
    exactly 50 succeed, 150 are refused with InsufficientFunds and leave nothing behind (no
    journal transaction, no escrow account), the wallet ends at ¥0.00 and never went below zero.
    """
    hold_fen = 12_345
    creator = factories.CreatorFactory()
    orders = factories.OrderFactory.create_batch(
        200, shop=shop, creator=creator, price_fen=hold_fen
    )
    fund_wallet(shop, 50 * hold_fen)
    wallet = services.wallet_account(shop)
    assert balance(wallet) == 50 * hold_fen

    outcomes = race(
        [
            lambda order=order: services.escrow_hold(order=order, amount_fen=hold_fen)
            for order in orders
        ]
    )

    assert unexpected(outcomes, InsufficientFunds) == []
    assert sum(o.ok for o in outcomes) == 50
    assert sum(isinstance(o.error, InsufficientFunds) for o in outcomes) == 150
    assert balance(wallet) == 0
    assert Entry.objects.filter(account=wallet, balance_after_fen__lt=0).count() == 0
    assert Entry.objects.filter(account=wallet).count() == 1 + 50  # the top-up, the holds
    assert_entries_chain(wallet)

    paid = {order.pk for order, o in zip(orders, outcomes, strict=True) if o.ok}
    refused = {order.pk for order in orders} - paid
    assert JournalTransaction.objects.filter(kind=TransactionKind.HOLD).count() == 50
    assert (
        set(
            JournalTransaction.objects.filter(kind=TransactionKind.HOLD).values_list(
                "order_id", flat=True
            )
        )
        == paid
    )
    escrows = Account.objects.filter(kind=AccountKind.ORDER_ESCROW)
    assert set(escrows.values_list("order_id", flat=True)) == paid
    assert set(escrows.values_list("balance_fen", flat=True)) == {hold_fen}
    # Nothing changed for the refused: no transaction, no escrow account left behind.
    assert not JournalTransaction.objects.filter(order_id__in=refused).exists()
    assert not Account.objects.filter(order_id__in=refused).exists()
    assert ledger_breaches() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_release_and_refund_racing_on_100_orders_move_each_escrow_once(shop):
    """E5/E4: for each of 100 funded orders, 8 threads race: 4 release, 4 refund, each holding
    the order's lock as the order services do (the escrow contract). For every
    order exactly one call wins, the 7 others are refused with EscrowMismatch, the escrow ends
    at zero, and the order has exactly one RELEASE or one REFUND transaction; the money that
    left the escrows is exactly what reached the creator, the platform and the wallet.
    """
    price_fen = 10_000
    creator = factories.CreatorFactory()
    orders = factories.OrderFactory.create_batch(
        100, shop=shop, creator=creator, price_fen=price_fen, fee_rate_bp=1000
    )
    total_fen = orders[0].total_fen
    assert total_fen == 11_000  # E10: price + 10% fee
    fund_wallet(shop, 100 * total_fen)
    for order in orders:
        services.escrow_hold(order=order, amount_fen=order.total_fen)
    wallet = services.wallet_account(shop)
    assert balance(wallet) == 0

    actions = [services.escrow_release, services.escrow_refund] * 4
    calls = [
        lambda order=order, action=action: as_caller(action, order)
        for order in orders
        for action in actions
    ]
    outcomes = race(calls, party=len(actions))  # one barrier per order

    assert unexpected(outcomes, EscrowMismatch) == []
    won = Counter()
    for index, order in enumerate(orders):
        mine = outcomes[index * len(actions) : (index + 1) * len(actions)]
        winners = [o for o in mine if o.ok]
        assert len(winners) == 1, f"order {order.pk}: {len(winners)} calls moved its escrow"
        assert sum(isinstance(o.error, EscrowMismatch) for o in mine) == len(actions) - 1
        kinds = list(
            JournalTransaction.objects.filter(order=order)
            .exclude(kind=TransactionKind.HOLD)
            .values_list("kind", flat=True)
        )
        assert kinds == [winners[0].value.kind]
        assert kinds[0] in (TransactionKind.RELEASE, TransactionKind.REFUND)
        assert balance(services.escrow_account(order)) == 0
        won[kinds[0]] += 1

    assert won[TransactionKind.RELEASE] + won[TransactionKind.REFUND] == 100
    assert balance(services.earnings_account(creator)) == won[TransactionKind.RELEASE] * price_fen
    assert balance(services.platform_account(AccountKind.PLATFORM_FEES)) == (
        won[TransactionKind.RELEASE] * (total_fen - price_fen)
    )
    assert balance(wallet) == won[TransactionKind.REFUND] * total_fen
    assert_entries_chain(wallet)
    assert ledger_breaches() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_50_parallel_top_ups_with_one_idempotency_key_top_up_once(shop, merchant):
    """E6/E7: 50 parallel POST /api/v1/wallet/top-ups/ with one Idempotency-Key make exactly one
    top-up: one succeeded payment intent, ¥100.00 in the wallet; every answer is the first 201
    replayed byte for byte, or a 409 idempotency_conflict asking to retry.
    """
    wallet = services.wallet_account(shop)

    def top_up():
        client = APIClient()
        client.force_authenticate(user=User.objects.get(pk=merchant.pk))  # one object a thread
        response = client.post(
            "/api/v1/wallet/top-ups/",
            {"amount": "100.00"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="k1",
        )
        return (
            response.status_code,
            bytes(response.content),
            response.has_header("Idempotent-Replayed"),
        )

    outcomes = race([top_up] * 50)

    assert unexpected(outcomes) == []
    answers = [o.value for o in outcomes]
    assert {status for status, _body, _replayed in answers} <= {201, 409}
    created = [body for status, body, _replayed in answers if status == 201]
    assert created, "no request got the 201"
    assert len(set(created)) == 1, "the 201 bodies differ"
    for status, body, _replayed in answers:
        if status == 409:
            assert json.loads(body)["error"]["code"] == "idempotency_conflict"
    originals = [(status, replayed) for status, _body, replayed in answers if not replayed]
    assert originals == [(201, False)]  # one request ran; every other 201 is a replay

    intent = PaymentIntent.objects.get()
    assert intent.status == IntentStatus.SUCCEEDED
    assert intent.amount_fen == 10_000
    body = json.loads(created[0])
    assert (body["id"], body["status"], body["amount"]) == (intent.pk, "succeeded", "100.00")
    assert balance(wallet) == 10_000
    assert JournalTransaction.objects.filter(kind=TransactionKind.TOP_UP).count() == 1
    assert IdempotencyKey.objects.get().status == IdempotencyStatus.DONE
    assert ledger_breaches() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_payments_that_together_exceed_the_wallet_one_wins():
    """E5: two payments for two orders from one wallet that holds enough for either but not
    both, started together (16 shops, one pair each): exactly one wins, the other is refused
    with InsufficientFunds and leaves nothing behind, and the wallet keeps the difference.
    """
    funded_fen, prices = 10_000, (6_000, 7_000)
    creator = factories.CreatorFactory()
    pairs = []
    for _ in range(16):
        shop = paying_shop()
        fund_wallet(shop, funded_fen)
        pairs.append(
            [
                factories.OrderFactory(shop=shop, creator=creator, price_fen=price)
                for price in prices
            ]
        )

    calls = [
        lambda order=order: services.escrow_hold(order=order, amount_fen=order.price_fen)
        for pair in pairs
        for order in pair
    ]
    outcomes = race(calls, party=2)  # each pair starts together

    assert unexpected(outcomes, InsufficientFunds) == []
    for index, (first, second) in enumerate(pairs):
        results = outcomes[2 * index : 2 * index + 2]
        assert [o.ok for o in results].count(True) == 1, f"shop {first.shop_id}"
        loser = second if results[0].ok else first
        winner = first if results[0].ok else second
        assert isinstance(next(o.error for o in results if not o.ok), InsufficientFunds)
        wallet = services.wallet_account(first.shop)
        assert balance(wallet) == funded_fen - winner.price_fen
        assert_entries_chain(wallet)
        assert balance(services.escrow_account(winner)) == winner.price_fen
        assert not JournalTransaction.objects.filter(order=loser).exists()
        assert not Account.objects.filter(order=loser).exists()
    assert ledger_breaches() == []
