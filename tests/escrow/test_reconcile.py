"""E9: `python manage.py reconcile` checks every invariant of the ledger and exits non-zero
naming each breach.

Each corruption test starts from a ledger built by the real services, breaks one invariant the
way only a bug, a bad migration or a hand-edited row could, and reads what reconcile says.
Where the database itself refuses the corruption (a negative balance: CHECK constraint on every
database; an unbalanced transaction: deferred trigger on PostgreSQL), the test proves that
refusal first, then lifts (or, for a deferred check, outruns) the guard inside a savepoint that
is rolled back, to prove reconcile still names the breach: defence in depth, on both databases,
with no skips.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from core.exceptions import NotAllowed
from escrow import services
from escrow.models import (
    Account,
    AccountKind,
    Entry,
    JournalTransaction,
    TransactionKind,
    Withdrawal,
    WithdrawalStatus,
)
from tasks.models import TERMINAL_ORDER_STATUSES, Order, OrderKind, OrderStatus
from tests import factories
from tests.conftest import fund_wallet

PROJECT_DIR = Path(__file__).resolve().parents[2]
SUCCESS_LINE = "The ledger reconciles: every invariant holds."


def reconcile_passes() -> str:
    out, err = StringIO(), StringIO()
    call_command("reconcile", stdout=out, stderr=err)
    assert err.getvalue() == ""
    assert SUCCESS_LINE in out.getvalue()
    return out.getvalue()


def reconcile_fails(*, breaches: int) -> str:
    """Run reconcile expecting exit code 1 and `breaches` breaches; return what it printed."""
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("reconcile", stdout=out, stderr=err)
    assert raised.value.returncode == 1
    assert str(raised.value) == f"{breaches} ledger invariant(s) broken."
    assert SUCCESS_LINE not in out.getvalue()
    printed = err.getvalue()
    assert printed.count("BREACH: ") == breaches, printed
    return printed


def account(**lookup) -> Account:
    return Account.objects.get(**lookup)


@dataclass
class Ledger:
    """A ledger with every kind of movement, built only by the services."""

    wallet: Account
    clearing: Account
    fees: Account
    earnings: Account
    open_order: Order  # in production, its escrow still holding 30,000 fen (allowed)
    open_escrow: Account


@pytest.fixture
def ledger(shop, django_capture_on_commit_callbacks) -> Ledger:
    ops = factories.UserFactory(is_staff=True)
    creator = factories.CreatorFactory()
    bouncing_creator = factories.CreatorFactory()
    fund_wallet(shop, 1_000_000)

    # A deposit-kind order paid and confirmed: the price to the creator, the fee to the platform.
    confirmed = factories.OrderFactory(
        shop=shop,
        creator=creator,
        kind=OrderKind.DEPOSIT,
        price_fen=128_000,
        fee_rate_bp=1000,
        fee_fen=services.fee_for(price_fen=128_000, rate_bp=1000),
    )
    services.escrow_hold(order=confirmed, amount_fen=confirmed.total_fen)
    services.escrow_release(order=confirmed)
    Order.objects.filter(pk=confirmed.pk).update(status=OrderStatus.COMPLETED)

    # Paid, then partly refunded; still in production, so its escrow may hold money.
    open_order = factories.OrderFactory(
        shop=shop, creator=creator, price_fen=50_000, status=OrderStatus.IN_PRODUCTION
    )
    services.escrow_hold(order=open_order, amount_fen=50_000)
    services.escrow_refund(order=open_order, amount_fen=20_000)

    # A deposit forfeited to the platform.
    forfeited = factories.OrderFactory(
        shop=shop, creator=creator, kind=OrderKind.DEPOSIT, price_fen=30_000, fee_rate_bp=1000
    )
    services.escrow_hold(order=forfeited, amount_fen=forfeited.fee_fen)
    services.escrow_forfeit(order=forfeited)
    Order.objects.filter(pk=forfeited.pk).update(status=OrderStatus.FORFEITED)

    # A dispute split: part to the creator, the rest refunded.
    split = factories.OrderFactory(shop=shop, creator=bouncing_creator, price_fen=40_000)
    services.escrow_hold(order=split, amount_fen=40_000)
    services.escrow_release(order=split, creator_fen=25_000, fee_fen=0)
    services.escrow_refund(order=split)
    Order.objects.filter(pk=split.pk).update(status=OrderStatus.REFUNDED)

    # Withdrawals: one paid out, one rejected, one bounced by the gateway.
    services.payout_account_bind(
        creator=creator, actor=creator.user, account_id="alipay-ok@example.com", holder_name="张三"
    )
    paid = services.withdrawal_request(creator=creator, actor=creator.user, amount_fen=100_000)
    with django_capture_on_commit_callbacks(execute=True):
        services.withdrawal_approve(withdrawal=paid, actor=ops)
    rejected = services.withdrawal_request(creator=creator, actor=creator.user, amount_fen=8_000)
    services.withdrawal_reject(withdrawal=rejected, actor=ops, reason="账户信息不符")
    services.payout_account_bind(
        creator=bouncing_creator,
        actor=bouncing_creator.user,
        account_id="fail-bounces@example.com",
        holder_name="李四",
    )
    bounced = services.withdrawal_request(
        creator=bouncing_creator, actor=bouncing_creator.user, amount_fen=25_000
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.withdrawal_approve(withdrawal=bounced, actor=ops)

    assert dict(Withdrawal.objects.values_list("pk", "status")) == {
        paid.pk: WithdrawalStatus.PAID,
        rejected.pk: WithdrawalStatus.REJECTED,
        bounced.pk: WithdrawalStatus.FAILED,
    }
    return Ledger(
        wallet=account(kind=AccountKind.MERCHANT_WALLET, shop=shop),
        clearing=account(kind=AccountKind.GATEWAY_CLEARING),
        fees=account(kind=AccountKind.PLATFORM_FEES),
        earnings=account(kind=AccountKind.CREATOR_EARNINGS, creator=creator),
        open_order=open_order,
        open_escrow=account(kind=AccountKind.ORDER_ESCROW, order=open_order),
    )


# --- a clean ledger ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_reconcile_succeeds_on_a_fresh_ledger():
    """E9: on a fresh installation (only the seeded platform accounts) every invariant holds:
    reconcile prints its success line and exits 0."""
    reconcile_passes()


def test_reconcile_succeeds_on_a_ledger_built_by_the_services(ledger):
    """E9/E3/E4: after top-ups, holds, a release, a partial refund, a forfeit, a split, and
    withdrawals paid, rejected and bounced, every invariant holds. The clearing account is
    negative (the outside world, E3) and an order in production holds money (E4): neither is a
    breach."""
    assert JournalTransaction.objects.count() >= 15
    assert ledger.clearing.balance_fen == -(1_000_000 - 100_000)
    assert ledger.open_escrow.balance_fen == 30_000
    reconcile_passes()


# --- cached balances and their sum ------------------------------------------------------------


def test_a_cached_balance_that_differs_from_its_entries_is_named(ledger):
    """E9: a wallet whose cached balance was changed by hand (not through entries) is named with
    both amounts, and the balances then no longer sum to zero: two breaches, exit 1."""
    wrong = ledger.wallet.balance_fen + 100
    Account.objects.filter(pk=ledger.wallet.pk).update(balance_fen=wrong)

    printed = reconcile_fails(breaches=2)

    assert (
        f"account {ledger.wallet.pk} (merchant_wallet) caches {wrong} fen but its entries sum "
        f"to {ledger.wallet.balance_fen} fen"
    ) in printed
    assert "the balances of all accounts sum to 100 fen, not 0" in printed


def test_balances_that_do_not_sum_to_zero_are_named_separately_from_cache_errors(ledger):
    """E9: the sum-of-balances check is its own breach: 100 fen moved between two cached
    balances (fees up, clearing down) keeps the sum at zero, so only the two caches are named;
    raising one cached balance alone also names the sum."""
    Account.objects.filter(pk=ledger.fees.pk).update(balance_fen=ledger.fees.balance_fen + 100)
    Account.objects.filter(pk=ledger.clearing.pk).update(
        balance_fen=ledger.clearing.balance_fen - 100
    )
    printed = reconcile_fails(breaches=2)
    assert "sum to" not in printed.replace("entries sum to", "")
    assert f"account {ledger.fees.pk} (platform_fees) caches" in printed
    assert f"account {ledger.clearing.pk} (gateway_clearing) caches" in printed

    Account.objects.filter(pk=ledger.earnings.pk).update(
        balance_fen=ledger.earnings.balance_fen + 7
    )
    printed = reconcile_fails(breaches=4)
    assert "the balances of all accounts sum to 7 fen, not 0" in printed
    assert f"account {ledger.earnings.pk} (creator_earnings) caches" in printed


# --- terminal orders --------------------------------------------------------------------------


@pytest.mark.parametrize("status", sorted(TERMINAL_ORDER_STATUSES))
def test_a_terminal_order_whose_escrow_still_holds_money_is_named(ledger, status):
    """E4/E9: an order moved to a terminal state without emptying its escrow is named with its
    state and the amount still held."""
    Order.objects.filter(pk=ledger.open_order.pk).update(status=status)

    printed = reconcile_fails(breaches=1)

    assert (
        f"order {ledger.open_order.pk} is {status} but its escrow still holds 30000 fen"
    ) in printed


def test_a_payment_into_a_terminal_order_is_refused(ledger):
    """E4: a payment into a terminal order is refused and nothing moves, so the service layer
    cannot create the breach above (escrow_hold used to accept it)."""
    completed = factories.OrderFactory(shop=ledger.wallet.shop, status=OrderStatus.COMPLETED)
    before = (Entry.objects.count(), dict(Account.objects.values_list("pk", "balance_fen")))

    with pytest.raises(NotAllowed) as refused:
        services.escrow_hold(order=completed, amount_fen=10_000)

    assert refused.value.code == "order_closed"
    assert (Entry.objects.count(), dict(Account.objects.values_list("pk", "balance_fen"))) == before
    reconcile_passes()


def test_every_breach_is_named_in_one_run(ledger):
    """E9: reconcile does not stop at the first breach: a wrong cache and a terminal order with
    money in escrow are both named, and the count says three (with the sum)."""
    Account.objects.filter(pk=ledger.wallet.pk).update(balance_fen=ledger.wallet.balance_fen + 1)
    Order.objects.filter(pk=ledger.open_order.pk).update(status=OrderStatus.CANCELLED)

    printed = reconcile_fails(breaches=3)

    assert f"account {ledger.wallet.pk} (merchant_wallet) caches" in printed
    assert "the balances of all accounts sum to 1 fen, not 0" in printed
    assert f"order {ledger.open_order.pk} is cancelled but its escrow" in printed


# --- what the database refuses, and reconcile names anyway -----------------------------------


@contextlib.contextmanager
def negative_balance_check_lifted():
    """Lift the CHECK that forbids negative balances, inside a savepoint rolled back at exit.

    SQLite: a connection pragma, switched back afterwards. PostgreSQL: the constraint is
    dropped (DDL is transactional there), and the rollback restores it; pending deferred
    checks are run first, as ALTER TABLE refuses a table with pending trigger events.
    """
    is_postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if not is_postgresql:
            cursor.execute("PRAGMA ignore_check_constraints = ON")
    try:
        with transaction.atomic():
            if is_postgresql:
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute(
                        "ALTER TABLE escrow_account DROP CONSTRAINT account_balance_not_negative"
                    )
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            yield
            transaction.set_rollback(True)
    finally:
        if not is_postgresql:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")


def test_a_forbidden_negative_balance_is_refused_by_the_database_and_named_by_reconcile(ledger):
    """E3/E9: a negative wallet balance written past the services is refused by the database's
    CHECK (SQLite and PostgreSQL alike) and nothing changes; with that guard lifted, reconcile
    names the negative balance (and the cache and sum it breaks)."""
    before = dict(Account.objects.values_list("pk", "balance_fen"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=ledger.wallet.pk).update(balance_fen=-500)
    assert dict(Account.objects.values_list("pk", "balance_fen")) == before
    reconcile_passes()

    with negative_balance_check_lifted():
        Account.objects.filter(pk=ledger.wallet.pk).update(balance_fen=-500)
        printed = reconcile_fails(breaches=3)

    assert (
        f"account {ledger.wallet.pk} (merchant_wallet) has a forbidden negative balance -500 fen"
    ) in printed
    assert f"account {ledger.wallet.pk} (merchant_wallet) caches -500 fen" in printed
    total = -500 - ledger.wallet.balance_fen
    assert f"the balances of all accounts sum to {total} fen, not 0" in printed
    # The guard is back and the corruption is gone.
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=ledger.wallet.pk).update(balance_fen=-500)
    reconcile_passes()


def post_unbalanced(lines: list[tuple[Account, int]]) -> JournalTransaction:
    """Write a journal transaction past post_transaction (as raw SQL or a bad migration could),
    keeping the cached balances in step with its entries."""
    journal = JournalTransaction.objects.create(kind=TransactionKind.TOP_UP, memo="by hand")
    for target, amount in lines:
        target.refresh_from_db()
        Entry.objects.create(
            transaction=journal,
            account=target,
            amount_fen=amount,
            balance_after_fen=target.balance_fen + amount,
        )
        Account.objects.filter(pk=target.pk).update(balance_fen=target.balance_fen + amount)
    return journal


@pytest.mark.parametrize(
    ("shape", "entries", "total", "breaches"),
    [
        ("two entries not summing to zero", 2, 60, 2),
        ("a single entry", 1, 100, 2),
        ("no entry at all", 0, 0, 1),
    ],
)
def test_an_unbalanced_transaction_is_refused_by_postgresql_and_named_by_reconcile(
    ledger, shape, entries, total, breaches
):
    """E2/E9: a journal transaction with fewer than two entries, or whose entries do not sum
    to zero, is named by reconcile (with the sum of balances it breaks). PostgreSQL also
    refuses it at commit: its deferred trigger, run now, raises; SQLite has no such guard, so
    reconcile is what catches it there."""
    lines = {
        "two entries not summing to zero": [(ledger.wallet, 100), (ledger.clearing, -40)],
        "a single entry": [(ledger.wallet, 100)],
        "no entry at all": [],
    }[shape]
    # Inside a savepoint rolled back at the end: on PostgreSQL the deferred trigger would
    # otherwise refuse the test's own rollback-time constraint check.
    with transaction.atomic():
        journal = post_unbalanced(lines)

        printed = reconcile_fails(breaches=breaches)
        assert (
            f"journal transaction {journal.pk} is unbalanced: {entries} entries summing to "
            f"{total} fen"
        ) in printed
        if total:
            assert f"the balances of all accounts sum to {total} fen, not 0" in printed

        if connection.vendor == "postgresql":
            # The check runs at commit, which a test transaction never reaches;
            # SET CONSTRAINTS ALL IMMEDIATE runs the same deferred check now.
            with (
                pytest.raises(IntegrityError, match=f"journal transaction {journal.pk} is unb"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        transaction.set_rollback(True)
    reconcile_passes()


# --- the command as ops run it ----------------------------------------------------------------


def test_reconcile_exit_codes_as_a_process(tmp_path):
    """E9: run as a process (cron, CI) on a fresh SQLite database, `manage.py reconcile` exits
    0 with its success line; after a cached balance is changed by hand it exits 1, printing one
    BREACH line per broken invariant on stderr."""
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}"}

    def manage(*arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=PROJECT_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert manage("migrate", "--verbosity", "0").returncode == 0
    clean = manage("reconcile")
    assert clean.returncode == 0, clean.stderr
    assert SUCCESS_LINE in clean.stdout

    with contextlib.closing(sqlite3.connect(tmp_path / "ledger.sqlite3")) as database:
        database.execute("UPDATE escrow_account SET balance_fen = 5 WHERE kind = 'platform_fees'")
        database.commit()
    broken = manage("reconcile")
    assert broken.returncode == 1
    assert broken.stderr.count("BREACH: ") == 2, broken.stderr
    assert "(platform_fees) caches 5 fen but its entries sum to 0 fen" in broken.stderr
    assert "the balances of all accounts sum to 5 fen, not 0" in broken.stderr
