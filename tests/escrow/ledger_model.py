"""The model and building blocks of the ledger state machine (test_ledger_machine.py).

LedgerModel keeps, by plain arithmetic, what every balance must be; each building block predicts
its outcome, calls the money service and updates the model. The rules that drive it, the
invariants checked after every step and the test itself are in test_ledger_machine.py.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import TestCase
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
)

from core.exceptions import InvalidInput, NotAllowed
from escrow import services
from escrow.exceptions import (
    EscrowMismatch,
    InsufficientFunds,
    PaymentAccountRequired,
)
from escrow.models import (
    Account,
    AccountKind,
    Entry,
    IntentStatus,
    JournalTransaction,
    PaymentIntent,
    PayoutAccount,
    Withdrawal,
    WithdrawalStatus,
)
from tasks.locks import lock_order
from tasks.models import Order, OrderKind
from tests import factories

MAX_FEN = django_settings.MAX_TRANSFER_FEN

# Model keys: (account kind, owner pk); the platform's accounts have no owner.
WALLET = AccountKind.MERCHANT_WALLET
ESCROW = AccountKind.ORDER_ESCROW
EARNINGS = AccountKind.CREATOR_EARNINGS
FEES = (AccountKind.PLATFORM_FEES, None)
IN_FLIGHT = (AccountKind.PAYOUTS_IN_FLIGHT, None)
CLEARING = (AccountKind.GATEWAY_CLEARING, None)

OK_ACCOUNT = "alipay-ok@example.com"
BOUNCING_ACCOUNT = "fail-bounces@example.com"  # the sandbox refuses payouts to "fail…" (E7)

# The people every example shares: created once by the test, outside the examples' savepoints.
CAST: dict = {}

# What the walk did, over all examples: to prove it reached every path (it is not vacuous).
OUTCOMES: Counter = Counter()
RUNS = {"examples": 0, "checks": 0}

# Amount recipes; valid ones repeat so that refusals stay a minority of the steps.
AMOUNT_RECIPES = st.sampled_from(
    ["reference"] * 3
    + ["half"] * 2
    + ["random", "reference_plus_one", "zero", "negative"]
    + ["over_max"]
)
ESCROW_RECIPES = st.sampled_from(
    ["all"] * 2 + ["reference", "half", "half", "random", "reference_plus_one", "zero"]
)
PICK = st.integers(0, 63)
FORGERIES = st.sampled_from(["bad_signature", "wrong_amount"])


def run_gateway_after_commit(call):
    """Run `call`, then the on-commit callbacks it scheduled (the gateway call), as production
    does after commit. Inside the test transaction nothing commits, so they would never fire:
    this is pytest-django's django_capture_on_commit_callbacks(execute=True)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return call()


def half_up_fee(price_fen: int, rate_bp: int) -> int:
    """E10 restated independently of the service: price × rate, rounded half up to the fen."""
    exact = Decimal(price_fen) * Decimal(rate_bp) / Decimal(10_000)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def ledger_snapshot() -> dict:
    """Everything a refused call must leave exactly as it was."""
    return {
        "balances": dict(Account.objects.values_list("pk", "balance_fen")),
        "journals": JournalTransaction.objects.count(),
        "entries": Entry.objects.count(),
        "withdrawals": dict(Withdrawal.objects.values_list("pk", "status")),
        "intents": dict(PaymentIntent.objects.values_list("pk", "status")),
        "payout_accounts": dict(PayoutAccount.objects.values_list("creator_id", "account_id")),
        "orders": dict(Order.objects.values_list("pk", "status")),
    }


def real_balances() -> dict:
    """Every non-zero balance in the database, keyed like the model."""
    return {
        (kind, shop_id or creator_id or order_id): balance
        for kind, shop_id, creator_id, order_id, balance in Account.objects.values_list(
            "kind", "shop_id", "creator_id", "order_id", "balance_fen"
        )
        if balance
    }


class LedgerModel(RuleBasedStateMachine):
    """The model of every balance, the people it shares, and the building blocks the rules of
    LedgerMachine call; it has no rules of its own."""

    def __init__(self):
        super().__init__()
        # Each example runs in its own savepoint, rolled back in teardown(), so every example
        # starts from the same empty ledger without rebuilding the test database.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        RUNS["examples"] += 1
        self.expected: dict[tuple, int] = defaultdict(int)
        self.expected_journals = JournalTransaction.objects.count()
        self.expected_entries = Entry.objects.count()
        self.orders: list[Order] = []
        self.totals: dict[int, tuple[int, int]] = {}  # order pk → (price, fee)
        self.closed_orders: set[int] = set()
        self.payout_account_of: dict[int, str] = {}  # creator pk → bound account id
        self.withdrawals: list[Withdrawal] = []
        self.withdrawal_model: dict[int, dict] = {}  # pk → status, amount, creator, account
        self.intent_status: dict[int, str] = {}
        self.pending_top_ups: list[int] = []  # intents the gateway has not answered yet
        self.pending_payouts: list[int] = []
        self.settled_intents: list[int] = []
        for creator, account_id in CAST["initial_payout_accounts"]:
            services.payout_account_bind(
                creator=creator, actor=creator.user, account_id=account_id, holder_name="张三"
            )
            self.payout_account_of[creator.pk] = account_id

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- model bookkeeping ----------------------------------------------------------------

    def post(self, outcome: str, *lines: tuple[tuple, int]) -> None:
        """Record one expected journal transaction of (account key, signed amount) lines."""
        OUTCOMES[outcome] += 1
        lines = tuple((key, amount) for key, amount in lines if amount)
        assert sum(amount for _key, amount in lines) == 0, "the model itself must balance"
        for key, amount in lines:
            self.expected[key] += amount
        self.expected_journals += 1
        self.expected_entries += len(lines)

    def refused(self, outcome: str, error: type[Exception], call) -> None:
        """The call must raise exactly `error` and change nothing at all."""
        OUTCOMES[f"{outcome} refused: {error.__name__}"] += 1
        before = ledger_snapshot()
        with pytest.raises(error) as raised:
            call()
        assert type(raised.value) is error, f"expected {error.__name__}, got {raised.value!r}"
        assert ledger_snapshot() == before

    def unchanged(self, outcome: str, call) -> None:
        """The call must return normally and change nothing (a callback that is ignored)."""
        OUTCOMES[outcome] += 1
        before = ledger_snapshot()
        call()
        assert ledger_snapshot() == before

    def balance(self, key: tuple) -> int:
        return self.expected[key]

    def escrow_of(self, order: Order) -> int:
        return self.expected[(ESCROW, order.pk)]

    def can_pay(self, order: Order) -> bool:
        return order.shop_id in CAST["paying_shop_pks"] and order.pk not in self.closed_orders

    @staticmethod
    def amount_for(recipe: str, *, reference: int, random_fen: int) -> int:
        """An amount in fen from a recipe; `reference` is what the recipe is relative to."""
        return {
            "reference": reference,
            "reference_plus_one": reference + 1,
            "half": reference // 2,
            "random": random_fen,
            "zero": 0,
            "negative": -random_fen,
            "over_max": MAX_FEN + 1,
        }[recipe]

    # --- building blocks: each predicts the outcome, calls the service, updates the model ---

    def new_order(self, *, shop, creator, kind, price_fen: int, rate_bp: int) -> Order:
        """E10: the fee is price × rate rounded half up, stored on the order."""
        fee_fen = services.fee_for(price_fen=price_fen, rate_bp=rate_bp)
        assert fee_fen == half_up_fee(price_fen, rate_bp)
        order = factories.OrderFactory(
            kind=kind,
            shop=shop,
            creator=creator,
            price_fen=price_fen,
            fee_rate_bp=rate_bp,
            fee_fen=fee_fen,
        )
        self.orders.append(order)
        self.totals[order.pk] = (price_fen, fee_fen)
        OUTCOMES["order created"] += 1
        return order

    def default_order(self, pick: int, *, creator=None) -> Order:
        """A fresh order of a shop that can pay, when a rule needs one and none fits."""
        return self.new_order(
            shop=CAST["shops"][pick % 2],
            creator=creator or CAST["creators"][pick % 3],
            kind=OrderKind.DEPOSIT if pick % 2 else OrderKind.PRIVATE,
            price_fen=100 * (pick + 1) + pick,
            rate_bp=(0, 1000, 333)[pick % 3],
        )

    def do_top_up(self, shop, amount: int, *, gateway_answers_now: bool = True) -> None:
        def call():
            return services.wallet_top_up(shop=shop, actor=shop.owner, amount_fen=amount)

        if not 0 < amount <= MAX_FEN:
            self.refused("top-up", InvalidInput, call)
        elif shop.pk not in CAST["paying_shop_pks"]:
            self.refused("top-up", PaymentAccountRequired, call)
        elif gateway_answers_now:
            intent = run_gateway_after_commit(call)
            self.top_up_settled(intent.pk, shop.pk, amount)
        else:
            intent = call()
            assert intent.status == IntentStatus.PENDING
            self.intent_status[intent.pk] = IntentStatus.PENDING
            self.pending_top_ups.append(intent.pk)
            OUTCOMES["top-up waiting for the gateway"] += 1

    def top_up_settled(self, intent_pk: int, shop_pk: int, amount: int) -> None:
        self.intent_status[intent_pk] = IntentStatus.SUCCEEDED
        self.settled_intents.append(intent_pk)
        self.post("top-up", (CLEARING, -amount), ((WALLET, shop_pk), amount))

    def do_pay(self, order: Order) -> None:
        """The merchant tops up whatever its wallet lacks, then pays price + fee into escrow."""
        total = sum(self.totals[order.pk])

        def hold():
            return services.escrow_hold(order=lock_order(order), amount_fen=total)

        if order.pk in self.closed_orders:
            self.refused("hold", NotAllowed, hold)
            return
        if order.shop_id not in CAST["paying_shop_pks"]:
            self.refused("hold", PaymentAccountRequired, hold)
            return
        shortfall = total - self.balance((WALLET, order.shop_id))
        if shortfall > 0:
            self.do_top_up(order.shop, shortfall)
        hold()
        self.post("hold", ((WALLET, order.shop_id), -total), ((ESCROW, order.pk), total))

    def do_release(self, order: Order) -> None:
        price, fee = self.totals[order.pk]
        if self.escrow_of(order) != price + fee:
            self.refused(
                "release", EscrowMismatch, lambda: services.escrow_release(order=lock_order(order))
            )
            return
        services.escrow_release(order=lock_order(order))
        self.post(
            "release",
            ((ESCROW, order.pk), -(price + fee)),
            ((EARNINGS, order.creator_id), price),
            (FEES, fee),
        )

    def do_request(self, creator, amount: int) -> Withdrawal | None:
        earnings = (EARNINGS, creator.pk)

        def call():
            return services.withdrawal_request(
                creator=creator, actor=creator.user, amount_fen=amount
            )

        if not 0 < amount <= MAX_FEN:
            self.refused("withdrawal request", InvalidInput, call)
        elif creator.pk not in self.payout_account_of:
            self.refused("withdrawal request", NotAllowed, call)
        elif amount > self.balance(earnings):
            self.refused("withdrawal request", InsufficientFunds, call)
        else:
            withdrawal = call()
            # It keeps the account bound when it was asked for; a later rebind does not
            # redirect it.
            assert withdrawal.account_id == self.payout_account_of[creator.pk]
            self.withdrawals.append(withdrawal)
            self.withdrawal_model[withdrawal.pk] = {
                "status": WithdrawalStatus.REQUESTED,
                "amount": amount,
                "creator": creator.pk,
                "account": withdrawal.account_id,
            }
            self.post("withdrawal request", (earnings, -amount), (IN_FLIGHT, amount))
            return withdrawal
        return None

    def do_approve(self, withdrawal: Withdrawal, *, gateway_answers_now: bool) -> None:
        def call():
            return services.withdrawal_approve(withdrawal=withdrawal, actor=CAST["ops"])

        if self.status_of(withdrawal) != WithdrawalStatus.REQUESTED:
            self.refused("approve", NotAllowed, call)
            return
        if gateway_answers_now:
            run_gateway_after_commit(call)
        else:
            call()
        intent_pk = PaymentIntent.objects.get(withdrawal=withdrawal).pk
        self.withdrawal_model[withdrawal.pk]["status"] = WithdrawalStatus.PROCESSING
        if gateway_answers_now:
            self.payout_settled(intent_pk, withdrawal.pk)
        else:
            self.intent_status[intent_pk] = IntentStatus.PENDING
            self.pending_payouts.append(intent_pk)
            OUTCOMES["payout waiting for the gateway"] += 1

    def payout_settled(self, intent_pk: int, withdrawal_pk: int) -> None:
        model = self.withdrawal_model[withdrawal_pk]
        amount = model["amount"]
        self.settled_intents.append(intent_pk)
        if model["account"].startswith("fail"):
            model["status"] = WithdrawalStatus.FAILED
            self.intent_status[intent_pk] = IntentStatus.FAILED
            self.post(
                "payout bounced", (IN_FLIGHT, -amount), ((EARNINGS, model["creator"]), amount)
            )
        else:
            model["status"] = WithdrawalStatus.PAID
            self.intent_status[intent_pk] = IntentStatus.SUCCEEDED
            self.post("payout paid", (IN_FLIGHT, -amount), (CLEARING, amount))

    def status_of(self, withdrawal: Withdrawal) -> str:
        return self.withdrawal_model[withdrawal.pk]["status"]

    # --- what a rule acts on: anything (refusals happen), or something live, made if need be -
    # Hypothesis enables a random subset of the rules in each example (swarm testing), so a
    # rule cannot count on another rule having prepared its state: it builds what it needs
    # through the same building blocks.

    def any_order(self, pick: int) -> Order:
        return self.orders[pick % len(self.orders)] if self.orders else self.default_order(pick)

    def order_with_full_escrow(self, pick: int) -> Order:
        full = [o for o in self.orders if self.escrow_of(o) == sum(self.totals[o.pk])]
        if full:
            return full[pick % len(full)]
        order = self.default_order(pick)
        self.do_pay(order)
        return order

    def order_holding_money(self, pick: int) -> Order:
        holding = [o for o in self.orders if self.escrow_of(o) > 0]
        return holding[pick % len(holding)] if holding else self.order_with_full_escrow(pick)

    def order_payable_from_wallet(self, pick: int) -> Order:
        payable = [
            o for o in self.orders if self.can_pay(o) and self.balance((WALLET, o.shop_id)) > 0
        ]
        if payable:
            return payable[pick % len(payable)]
        open_orders = [o for o in self.orders if self.can_pay(o)]
        order = open_orders[pick % len(open_orders)] if open_orders else self.default_order(pick)
        self.do_top_up(order.shop, sum(self.totals[order.pk]) + pick)
        return order

    def creator_with_earnings(self, pick: int):
        creators = [c for c in CAST["creators"] if c.pk in self.payout_account_of]
        rich = [c for c in creators if self.balance((EARNINGS, c.pk)) > 0]
        if rich:
            return rich[pick % len(rich)]
        creator = creators[pick % len(creators)]
        order = self.default_order(pick, creator=creator)
        self.do_pay(order)
        self.do_release(order)
        return creator

    def withdrawal_in(self, status: str, pick: int) -> Withdrawal:
        matching = [w for w in self.withdrawals if self.status_of(w) == status]
        if matching:
            return matching[pick % len(matching)]
        if status == WithdrawalStatus.REQUESTED:
            creator = self.creator_with_earnings(pick)
            withdrawal = self.do_request(creator, self.balance((EARNINGS, creator.pk)))
            assert withdrawal is not None
            return withdrawal
        withdrawal = self.withdrawal_in(WithdrawalStatus.REQUESTED, pick)
        self.do_approve(withdrawal, gateway_answers_now=False)
        return withdrawal

    def any_withdrawal(self, pick: int) -> Withdrawal:
        if self.withdrawals:
            return self.withdrawals[pick % len(self.withdrawals)]
        return self.withdrawal_in(WithdrawalStatus.REQUESTED, pick)
