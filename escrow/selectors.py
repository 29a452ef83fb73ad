"""Reads of the ledger, scoped to what the user may see (A3), and the invariant checks (E9)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet, Sum
from django.http import Http404

from marketplace.models import CreatorProfile, MerchantShop, User
from marketplace.selectors import shop_list
from tasks.models import TERMINAL_ORDER_STATUSES

from .models import Account, AccountKind, Entry, Withdrawal, WithdrawalStatus


@dataclass(frozen=True)
class WalletSummary:
    available_fen: int
    held_fen: int


def wallet_shop(*, user: User, shop_id: int | None = None) -> MerchantShop:
    """The shop whose wallet a merchant means: the one named, or its first shop."""
    shops = shop_list(user=user)
    shop = shops.filter(pk=shop_id).first() if shop_id else shops.first()
    if shop is None:
        raise Http404("No such shop.")
    return shop


def _balance(**lookup) -> int:
    account = Account.objects.filter(**lookup).only("balance_fen").first()
    return account.balance_fen if account else 0


def merchant_wallet_summary(*, shop: MerchantShop) -> WalletSummary:
    """available: the wallet; held: what the shop's orders hold in escrow now."""
    held = (
        Account.objects.filter(kind=AccountKind.ORDER_ESCROW, order__shop=shop).aggregate(
            total=Sum("balance_fen")
        )["total"]
        or 0
    )
    return WalletSummary(
        available_fen=_balance(kind=AccountKind.MERCHANT_WALLET, shop=shop), held_fen=held
    )


def creator_wallet_summary(*, creator: CreatorProfile) -> WalletSummary:
    """available: earnings that can be withdrawn; held: withdrawals not yet paid out."""
    held = (
        Withdrawal.objects.filter(
            creator=creator,
            status__in=(WithdrawalStatus.REQUESTED, WithdrawalStatus.PROCESSING),
        ).aggregate(total=Sum("amount_fen"))["total"]
        or 0
    )
    return WalletSummary(
        available_fen=_balance(kind=AccountKind.CREATOR_EARNINGS, creator=creator), held_fen=held
    )


def entries_for_account(*, account_lookup: dict) -> QuerySet[Entry]:
    return (
        Entry.objects.filter(**{f"account__{k}": v for k, v in account_lookup.items()})
        .select_related("transaction__order")
        .order_by("-id")
    )


def merchant_entries(*, shop: MerchantShop) -> QuerySet[Entry]:
    return entries_for_account(account_lookup={"kind": AccountKind.MERCHANT_WALLET, "shop": shop})


def creator_entries(*, creator: CreatorProfile) -> QuerySet[Entry]:
    return entries_for_account(
        account_lookup={"kind": AccountKind.CREATOR_EARNINGS, "creator": creator}
    )


def creator_withdrawals(*, creator: CreatorProfile) -> QuerySet[Withdrawal]:
    return Withdrawal.objects.filter(creator=creator).order_by("-requested_at", "-id")


# --- E9: the invariants ------------------------------------------------------------------


def ledger_breaches() -> list[str]:
    """Every breach of the ledger's invariants, one sentence each; empty when all hold.

    Each check is one set-based query, so it runs the same on a thousand or a million rows.
    """
    breaches: list[str] = []
    total = Account.objects.aggregate(total=Sum("balance_fen"))["total"] or 0
    if total != 0:
        breaches.append(f"the balances of all accounts sum to {total} fen, not 0")

    for account in Account.objects.filter(balance_fen__lt=0).exclude(
        kind=AccountKind.GATEWAY_CLEARING
    ):
        breaches.append(
            f"account {account.pk} ({account.kind}) has a forbidden negative balance "
            f"{account.balance_fen} fen"
        )

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.id, COUNT(e.id), COALESCE(SUM(e.amount_fen), 0)
              FROM escrow_journaltransaction t
              LEFT JOIN escrow_entry e ON e.transaction_id = t.id
             GROUP BY t.id
            HAVING COUNT(e.id) < 2 OR COALESCE(SUM(e.amount_fen), 0) <> 0
            """
        )
        for transaction_id, lines, amount in cursor.fetchall():
            breaches.append(
                f"journal transaction {transaction_id} is unbalanced: {lines} entries summing "
                f"to {amount} fen"
            )

        cursor.execute(
            """
            SELECT a.id, a.kind, a.balance_fen, COALESCE(SUM(e.amount_fen), 0)
              FROM escrow_account a
              LEFT JOIN escrow_entry e ON e.account_id = a.id
             GROUP BY a.id, a.kind, a.balance_fen
            HAVING a.balance_fen <> COALESCE(SUM(e.amount_fen), 0)
            """
        )
        for account_id, kind, cached, summed in cursor.fetchall():
            breaches.append(
                f"account {account_id} ({kind}) caches {cached} fen but its entries sum to "
                f"{summed} fen"
            )

    for account in (
        Account.objects.filter(
            kind=AccountKind.ORDER_ESCROW,
            order__status__in=list(TERMINAL_ORDER_STATUSES),
        )
        .exclude(balance_fen=0)
        .select_related("order")
    ):
        breaches.append(
            f"order {account.order_id} is {account.order.status} but its escrow still holds "
            f"{account.balance_fen} fen"
        )
    return breaches
