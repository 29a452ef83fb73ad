"""Reads of the ledger, scoped to what the user may see (A3), and the invariant checks (E9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import InvalidInput
from core.parsing import require_date_in_range
from parties.models import CreatorProfile, MerchantShop, User
from parties.selectors import shop_list

from .models import Account, AccountKind, Entry, TransactionKind, Withdrawal, WithdrawalStatus


@dataclass(frozen=True)
class WalletSummary:
    available_fen: int
    held_fen: int


def wallet_shop(*, user: User, shop_id: int | None = None) -> MerchantShop:
    """The shop whose wallet a merchant means: the one named, or its first shop."""
    shops = shop_list(user=user)
    # Z4: an explicit id that names no shop of this user is a 404, never a fallback (shop=0).
    shop = shops.filter(pk=shop_id).first() if shop_id is not None else shops.first()
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


@dataclass(frozen=True)
class OrderSettlement:
    """Where an order's money went (issue 21: an ended order says so): returned to the shop's
    wallet, paid to the creator's earnings, kept by the platform (the fee, or a forfeited
    deposit), and what its escrow still holds."""

    refunded_fen: int = 0
    paid_to_creator_fen: int = 0
    platform_fen: int = 0
    held_fen: int = 0


def order_settlement(*, order) -> OrderSettlement:
    """Two queries: the order's ledger lines summed by the kind of account they reached, and
    its escrow's balance."""
    sums = dict(
        Entry.objects.filter(transaction__order=order)
        .filter(amount_fen__gt=0)
        .values_list("account__kind")
        .annotate(total=Sum("amount_fen"))
        .values_list("account__kind", "total")
    )
    held = _balance(kind=AccountKind.ORDER_ESCROW, order=order)
    return OrderSettlement(
        refunded_fen=sums.get(AccountKind.MERCHANT_WALLET, 0),
        paid_to_creator_fen=sums.get(AccountKind.CREATOR_EARNINGS, 0),
        platform_fen=sums.get(AccountKind.PLATFORM_FEES, 0),
        held_fen=held,
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

    # E4: an order that has ended holds nothing. Which states are final is the order's own
    # knowledge (tasks, the layer above): read through the account's relation, not an import.
    terminal = Account._meta.get_field("order").related_model.TERMINAL_STATUSES
    for account in (
        Account.objects.filter(kind=AccountKind.ORDER_ESCROW, order__status__in=list(terminal))
        .exclude(balance_fen=0)
        .select_related("order")
    ):
        breaches.append(
            f"order {account.order_id} is {account.order.status} but its escrow still holds "
            f"{account.balance_fen} fen"
        )
    return breaches


# --- F2: daily income (生意参谋 · V任务收益金额) -----------------------------------------------

BEIJING = ZoneInfo("Asia/Shanghai")
INCOME_DEFAULT_DAYS = 30
INCOME_MAX_DAYS = 366


@dataclass(frozen=True)
class IncomeSeries:
    """F2: one amount (fen) per Beijing day of [start, end], every day present, 0 when none."""

    side: str  # "merchant" | "creator"
    start: date
    end: date
    days: list[tuple[date, int]]
    total_fen: int


def beijing_today() -> date:
    return timezone.now().astimezone(BEIJING).date()


def income_range(*, start: date | None = None, end: date | None = None) -> tuple[date, date]:
    """F2: the range a request means. Defaults: `end` today (Beijing), `start` so the range
    covers the last 30 days. Refuses (InvalidInput, naming the field) an end before the start,
    a range longer than 366 days, and a date outside 2000–2099."""
    for name, day in (("start", start), ("end", end)):
        if day is not None:  # far from date.min/max: a crafted 0001-01-01 overflowed to UTC
            require_date_in_range(day, field=name)
    end = end or beijing_today()
    start = start or end - timedelta(days=INCOME_DEFAULT_DAYS - 1)
    if end < start:
        message = _("The end date is before the start date.")
        raise InvalidInput(message, fields={"end": [message]})
    if (end - start).days + 1 > INCOME_MAX_DAYS:
        message = _("Choose at most %(days)s days: move the start date later.") % {
            "days": INCOME_MAX_DAYS
        }
        raise InvalidInput(message, fields={"start": [message]})
    return start, end


def income_series(
    *, user: User, start: date, end: date, shop: MerchantShop | None = None
) -> IncomeSeries:
    """F2: what the user's side earned per Beijing day, from the ledger's release entries.

    - merchant: the amounts credited to creators' earnings by the releases of its shops' orders
      (the price on confirmation, T52, or the creator's part of a dispute decision, T61); the
      platform fee and refunds are not income. `shop` narrows it to one of the user's shops:
      the caller fetched it through a tenant-scoped selector (A3), and it is filtered through
      the user's shops again here, so a stranger's shop can only ever yield zeros.
    - creator: the amounts credited to its own earnings account by releases. Withdrawals and
      returned withdrawals are not income.
    Anyone else (ops, provider or agency staff without a side) gets Http404.

    One grouped query: the release transactions' times truncated to the Beijing date. The range
    filter is on the raw timestamp (the indexed column), not on the truncated date.
    """
    start, end = income_range(start=start, end=end)
    entries = Entry.objects.filter(
        account__kind=AccountKind.CREATOR_EARNINGS, transaction__kind=TransactionKind.RELEASE
    )
    if user.is_authenticated and user.is_merchant:
        side = "merchant"
        shop_ids = shop_list(user=user).values("pk")
        if shop is not None:
            shop_ids = shop_ids.filter(pk=shop.pk)
        entries = entries.filter(transaction__order__shop_id__in=shop_ids)
    elif user.is_authenticated and user.is_creator:
        side = "creator"
        # Through the account's owner, not a profile fetched first: one query either side.
        entries = entries.filter(account__creator__user=user)
    else:
        raise Http404("Income analytics are for merchants and creators.")

    since = datetime.combine(start, time.min, tzinfo=BEIJING)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=BEIJING)
    rows = (
        entries.filter(transaction__created_at__gte=since, transaction__created_at__lt=until)
        .annotate(day=TruncDate("transaction__created_at", tzinfo=BEIJING))
        .values("day")
        .annotate(amount=Sum("amount_fen"))
        .order_by("day")
    )
    per_day = {row["day"]: row["amount"] for row in rows}
    days = [
        (day, per_day.get(day, 0))
        for day in (start + timedelta(days=n) for n in range((end - start).days + 1))
    ]
    return IncomeSeries(
        side=side, start=start, end=end, days=days, total_fen=sum(amount for _day, amount in days)
    )
