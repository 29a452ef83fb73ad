"""E2/E3: what the database refuses by itself, whatever code (or raw SQL) writes to it.

PostgreSQL (migration 0003): a journal transaction whose entries do not sum to zero, or that
has fewer than two, is refused at commit by deferred constraint triggers; entries and journal
transactions cannot be updated or deleted. On every database: no account but the gateway's
clearing account may hold a negative balance (CHECK constraint). Above the database, the
service layer refuses an unbalanced posting before writing anything.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from escrow import services
from escrow.exceptions import LedgerInvariantBroken
from escrow.models import Account, AccountKind, Entry, JournalTransaction, TransactionKind
from escrow.selectors import ledger_breaches
from tests import factories
from tests.conftest import fund_wallet, row_counts

LEDGER_MODELS = (JournalTransaction, Entry, Account)


def insert_transaction(cursor, memo: str = "raw sql") -> int:
    cursor.execute(
        "INSERT INTO escrow_journaltransaction (kind, memo, created_at) "
        "VALUES (%s, %s, now()) RETURNING id",
        [TransactionKind.TOP_UP, memo],
    )
    return cursor.fetchone()[0]


def insert_entry(cursor, transaction_id: int, account: Account, amount_fen: int) -> None:
    cursor.execute(
        "INSERT INTO escrow_entry "
        "(transaction_id, account_id, amount_fen, balance_after_fen, created_at) "
        "VALUES (%s, %s, %s, %s, now())",
        [transaction_id, account.pk, amount_fen, account.balance_fen + amount_fen],
    )


def balances() -> dict[int, int]:
    return dict(Account.objects.values_list("pk", "balance_fen"))


def ledger_rows() -> dict[str, list[tuple]]:
    """Every stored ledger row, field by field: equal before and after means nothing changed."""
    return {
        "transactions": list(
            JournalTransaction.objects.order_by("pk").values_list("pk", "kind", "order_id", "memo")
        ),
        "entries": list(
            Entry.objects.order_by("pk").values_list(
                "pk", "transaction_id", "account_id", "amount_fen", "balance_after_fen"
            )
        ),
    }


@pytest.fixture
def wallet(shop):
    return services.wallet_account(shop)


@pytest.fixture
def clearing(db):
    return services.platform_account(AccountKind.GATEWAY_CLEARING)


# --- the balance triggers: checked at commit (PostgreSQL) -------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_unbalanced_raw_transaction_is_refused_at_commit(wallet, clearing):
    """E2: a journal transaction whose entries sum to 1 fen, not zero, written with raw SQL, is
    accepted statement by statement (the check is deferred) and refused at commit; nothing of
    it is stored."""
    before, before_balances = row_counts(*LEDGER_MODELS), balances()
    statements_accepted = False

    with (
        pytest.raises(IntegrityError, match="unbalanced: 2 entries summing to 1 fen"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        transaction_id = insert_transaction(cursor)
        insert_entry(cursor, transaction_id, wallet, 10_000)
        insert_entry(cursor, transaction_id, clearing, -9_999)
        statements_accepted = True  # each INSERT passed: only the commit checks

    assert statements_accepted
    assert row_counts(*LEDGER_MODELS) == before
    assert balances() == before_balances


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        ([10_000], "unbalanced: 1 entries summing to 10000 fen"),
        ([], "unbalanced: 0 entries summing to 0 fen"),
    ],
    ids=["single-entry", "no-entries"],
)
def test_raw_transaction_with_fewer_than_two_entries_is_refused_at_commit(wallet, amounts, message):
    """E2: a journal transaction with a single entry, or with none at all, written with raw
    SQL, is refused at commit; nothing of it is stored."""
    before, before_balances = row_counts(*LEDGER_MODELS), balances()
    statements_accepted = False

    with (
        pytest.raises(IntegrityError, match=message),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        transaction_id = insert_transaction(cursor)
        for amount in amounts:
            insert_entry(cursor, transaction_id, wallet, amount)
        statements_accepted = True

    assert statements_accepted
    assert row_counts(*LEDGER_MODELS) == before
    assert balances() == before_balances


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_balanced_raw_transaction_commits(wallet, clearing):
    """E2: the triggers refuse only what breaks the ledger: a raw transaction of two entries
    summing to zero commits, though it was unbalanced between its two INSERTs (the check runs
    at commit, not per row); with its cached balances updated the ledger stays clean (E9)."""
    before = row_counts(JournalTransaction, Entry)

    with transaction.atomic(), connection.cursor() as cursor:
        transaction_id = insert_transaction(cursor, memo="balanced raw posting")
        insert_entry(cursor, transaction_id, clearing, -10_000)
        insert_entry(cursor, transaction_id, wallet, 10_000)
        cursor.execute(
            "UPDATE escrow_account SET balance_fen = balance_fen + %s WHERE id = %s",
            [-10_000, clearing.pk],
        )
        cursor.execute(
            "UPDATE escrow_account SET balance_fen = balance_fen + %s WHERE id = %s",
            [10_000, wallet.pk],
        )

    assert JournalTransaction.objects.count() == before["escrow.JournalTransaction"] + 1
    assert Entry.objects.count() == before["escrow.Entry"] + 2
    assert sorted(
        Entry.objects.filter(transaction_id=transaction_id).values_list("account_id", "amount_fen")
    ) == sorted([(clearing.pk, -10_000), (wallet.pk, 10_000)])
    wallet.refresh_from_db()
    assert wallet.balance_fen == 10_000
    assert ledger_breaches() == []


# --- append-only (PostgreSQL) ---------------------------------------------------------------


APPEND_ONLY_STATEMENTS = {
    "update-entry-amount": "UPDATE escrow_entry SET amount_fen = amount_fen * 2",
    "update-entry-balance-after": "UPDATE escrow_entry SET balance_after_fen = 0",
    "delete-entry": "DELETE FROM escrow_entry",
    "update-transaction-memo": "UPDATE escrow_journaltransaction SET memo = 'edited'",
    "update-transaction-kind": "UPDATE escrow_journaltransaction SET kind = 'refund'",
    "delete-transaction": "DELETE FROM escrow_journaltransaction",
}


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("sql", APPEND_ONLY_STATEMENTS.values(), ids=list(APPEND_ONLY_STATEMENTS))
def test_entries_and_transactions_cannot_be_updated_or_deleted(shop, sql, ledger_is_clean):
    """E2: entries and journal transactions are append-only: a raw UPDATE or DELETE of either is
    refused by the database, and every stored row stays as it was."""
    fund_wallet(shop, 10_000)
    before, before_balances = ledger_rows(), balances()
    assert len(before["entries"]) == 2

    with (
        pytest.raises(IntegrityError, match="the ledger is append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)

    assert ledger_rows() == before
    assert balances() == before_balances


# --- no negative balance but the clearing account (CHECK constraint, every database) --------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind",
    [
        AccountKind.MERCHANT_WALLET,
        AccountKind.ORDER_ESCROW,
        AccountKind.CREATOR_EARNINGS,
        AccountKind.PLATFORM_FEES,
        AccountKind.PAYOUTS_IN_FLIGHT,
    ],
)
def test_only_the_clearing_account_may_go_negative_in_the_database(shop, kind):
    """E3: a raw UPDATE setting a merchant wallet (or an escrow, earnings or platform account)
    to -1 fen is refused by the database's CHECK constraint, and the balance stays as it was."""
    order = factories.OrderFactory(shop=shop)
    account = {
        AccountKind.MERCHANT_WALLET: lambda: services.wallet_account(shop),
        AccountKind.ORDER_ESCROW: lambda: services.escrow_account(order),
        AccountKind.CREATOR_EARNINGS: lambda: services.earnings_account(order.creator),
    }.get(kind, lambda: services.platform_account(kind))()
    before_balances = balances()

    with (
        pytest.raises(IntegrityError, match="account_balance_not_negative"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE escrow_account SET balance_fen = -1 WHERE id = %s", [account.pk])

    assert balances() == before_balances


@pytest.mark.django_db
def test_the_clearing_account_may_go_negative(clearing):
    """E3: the gateway's clearing account (the outside world) may go negative: a raw UPDATE to
    -1 fen is accepted by the database."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE escrow_account SET balance_fen = -1 WHERE id = %s", [clearing.pk])

    clearing.refresh_from_db()
    assert clearing.balance_fen == -1


# --- the service layer refuses an unbalanced posting (every database) ------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lines",
    [
        pytest.param(lambda wallet, clearing: [(clearing, -10_000), (wallet, 9_999)], id="sum-1"),
        pytest.param(lambda wallet, clearing: [(wallet, 10_000)], id="single-line"),
        pytest.param(lambda wallet, clearing: [], id="no-lines"),
        pytest.param(
            lambda wallet, clearing: [(wallet, 10_000), (wallet, -10_000)], id="one-account"
        ),
        pytest.param(
            lambda wallet, clearing: [(clearing, -10_000), (wallet, 10_000), (wallet, 1)],
            id="three-lines-sum-1",
        ),
        pytest.param(lambda wallet, clearing: [(clearing, -1.5), (wallet, 1.5)], id="float"),
        pytest.param(lambda wallet, clearing: [(clearing, -1), (wallet, True)], id="bool"),
    ],
)
def test_post_transaction_refuses_an_unbalanced_posting(wallet, clearing, lines, ledger_is_clean):
    """E2: the service layer refuses a posting whose lines do not sum to zero, that touches fewer
    than two accounts, or whose amounts are not integer fen (E1): LedgerInvariantBroken, and
    nothing is written: no transaction, no entry, no balance changed."""
    before, before_balances = row_counts(*LEDGER_MODELS), balances()

    with pytest.raises(LedgerInvariantBroken), transaction.atomic():
        services.post_transaction(kind=TransactionKind.TOP_UP, lines=lines(wallet, clearing))

    assert row_counts(*LEDGER_MODELS) == before
    assert balances() == before_balances


# --- several postings at once (the sweeper's batches, D1) ------------------------------------


def test_postings_in_one_call_apply_in_order_with_running_balances(
    shop, wallet, clearing, ledger_is_clean
):
    """E2/E3/E5: post_transactions posts each transaction against the balances the ones before
    it left: the entries' balance_after run on from one posting to the next, and the cached
    balances end where the entries do — the same as posting them one by one."""
    other = services.wallet_account(factories.ShopFactory())
    postings = [
        services.Posting(TransactionKind.TOP_UP, [(clearing, -10_000), (wallet, 10_000)]),
        services.Posting(TransactionKind.TOP_UP, [(clearing, -2_500), (wallet, 2_500)]),
        services.Posting(TransactionKind.TOP_UP, [(clearing, -99), (other, 99)]),
    ]

    journals = services.post_transactions(postings)

    assert [j.kind for j in journals] == [TransactionKind.TOP_UP] * 3
    wallet_after = list(
        Entry.objects.filter(account=wallet)
        .order_by("pk")
        .values_list("balance_after_fen", flat=True)
    )
    assert wallet_after == [10_000, 12_500]
    clearing_after = list(
        Entry.objects.filter(account=clearing)
        .order_by("pk")
        .values_list("balance_after_fen", flat=True)
    )
    assert clearing_after == [-10_000, -12_500, -12_599]
    for account, expected in ((wallet, 12_500), (other, 99), (clearing, -12_599)):
        account.refresh_from_db()
        assert account.balance_fen == expected


def test_a_posting_that_overdraws_after_the_ones_before_it_writes_nothing(
    shop, wallet, clearing, ledger_is_clean
):
    """E5: a later posting that would take an account below zero only because of an earlier
    posting in the same call raises InsufficientFunds, and none of the postings is written."""
    from escrow.exceptions import InsufficientFunds

    fund_wallet(shop, 5_000)
    platform = services.platform_account(AccountKind.PLATFORM_FEES)
    before, before_balances = row_counts(*LEDGER_MODELS), balances()

    with pytest.raises(InsufficientFunds), transaction.atomic():
        services.post_transactions(
            [
                services.Posting(TransactionKind.FORFEIT, [(wallet, -4_000), (platform, 4_000)]),
                services.Posting(TransactionKind.FORFEIT, [(wallet, -1_001), (platform, 1_001)]),
            ]
        )

    assert row_counts(*LEDGER_MODELS) == before
    assert balances() == before_balances
