"""The only way money moves (E1–E10).

Every function that moves money runs in one transaction, locks the rows it changes in a fixed
order — the order (or withdrawal, or payment intent) first, then ledger accounts by primary key —
re-checks the state after the lock, and posts one balanced journal transaction. Calls to the
payment gateway happen after commit, never inside a transaction that moves money.

Orders belong to tasks, the layer above: **the caller holds the lock on the order** (taken by
`tasks.locks.lock_order` / `lock_orders`, in the lock order written there) before it calls an
`escrow_*` function, so the order's state and its escrow balance read here cannot change until
commit. Escrow never imports tasks: an order is reached as `Account.order` and passed in.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bulk import get_or_create_row, update_by_pk
from core.exceptions import InvalidInput, NotAllowed, WrongSide
from core.money import format_cny
from parties.models import CreatorProfile, MerchantShop, User
from parties.services import shop_can_pay

from .exceptions import (
    BadSignature,
    EscrowMismatch,
    InsufficientFunds,
    LedgerInvariantBroken,
    PaymentAccountRequired,
)
from .gateway import get_gateway, signature_is_valid
from .models import (
    SINGLETON_KINDS,
    Account,
    AccountKind,
    Entry,
    FeePolicy,
    IntentKind,
    IntentStatus,
    JournalTransaction,
    PaymentIntent,
    PayoutAccount,
    TransactionKind,
    Withdrawal,
    WithdrawalStatus,
)

logger = logging.getLogger(__name__)

DEFAULT_FEE_RATES_BP = {"private": 0, "plaza": 0, "recruitment": 0, "brand": 0, "deposit": 1000}


# --- fees (E10) -----------------------------------------------------------------------------


def fee_for(*, price_fen: int, rate_bp: int) -> int:
    """The fee on a price at a rate in basis points, rounded half up to the fen, in integers."""
    return (price_fen * rate_bp + 5_000) // 10_000


def fee_rate_for(*, order_kind: str) -> int:
    """The rate in force now for an order kind (the caller stores it on the order)."""
    policy = FeePolicy.objects.filter(order_kind=order_kind).first()
    if policy is not None:
        return policy.rate_bp
    return DEFAULT_FEE_RATES_BP.get(order_kind, 0)


# --- accounts -------------------------------------------------------------------------------


def platform_account(kind: str) -> Account:
    return get_or_create_row(Account, kind=kind, shop=None, creator=None, order=None)


def wallet_account(shop: MerchantShop) -> Account:
    return get_or_create_row(Account, kind=AccountKind.MERCHANT_WALLET, shop=shop)


def earnings_account(creator: CreatorProfile) -> Account:
    return get_or_create_row(Account, kind=AccountKind.CREATOR_EARNINGS, creator=creator)


def escrow_account(order: Model) -> Account:
    return get_or_create_row(Account, kind=AccountKind.ORDER_ESCROW, order=order)


@dataclass(frozen=True)
class AccountRef:
    """An account named by what it belongs to, not by its id: the wallet of a shop, the escrow
    of an order, the earnings of a creator, or a platform account. A posting given by refs
    reads or creates its accounts where it posts (in Python, or in the database function
    escrow_post on PostgreSQL), so a money step need not look them up first."""

    kind: str
    shop_id: int | None = None
    creator_id: int | None = None
    order_id: int | None = None

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "shop": self.shop_id,
            "creator": self.creator_id,
            "order": self.order_id,
        }


def wallet_ref(shop_id: int) -> AccountRef:
    return AccountRef(AccountKind.MERCHANT_WALLET, shop_id=shop_id)


def escrow_ref(order_id: int) -> AccountRef:
    return AccountRef(AccountKind.ORDER_ESCROW, order_id=order_id)


def earnings_ref(creator_id: int) -> AccountRef:
    return AccountRef(AccountKind.CREATOR_EARNINGS, creator_id=creator_id)


def platform_ref(kind: str) -> AccountRef:
    return AccountRef(kind)


def account_for(ref: AccountRef) -> Account:
    """The account a ref names, created if it does not exist yet."""
    if ref.kind in SINGLETON_KINDS:
        return platform_account(ref.kind)
    lookup = {"shop_id": ref.shop_id, "creator_id": ref.creator_id, "order_id": ref.order_id}
    return get_or_create_row(
        Account, kind=ref.kind, **{key: value for key, value in lookup.items() if value}
    )


# --- posting (E2, E3, E5) -------------------------------------------------------------------


def _account_name(kind: str) -> str:
    names = {
        AccountKind.MERCHANT_WALLET: _("wallet"),
        AccountKind.ORDER_ESCROW: _("order escrow"),
        AccountKind.CREATOR_EARNINGS: _("available earnings"),
    }
    return str(names.get(kind) or AccountKind(kind).label)


def insufficient_funds(*, kind: str, balance_fen: int, needed_fen: int) -> InsufficientFunds:
    """E3: the refusal of a line that would take an account of `kind` below zero."""
    return InsufficientFunds(
        _("Not enough money in the %(account)s: it holds %(balance)s, %(needed)s needed.")
        % {
            "account": _account_name(kind),
            "balance": format_cny(balance_fen),
            "needed": format_cny(needed_fen),
        }
    )


def escrow_mismatch(*, held_fen: int, needed_fen: int) -> EscrowMismatch:
    """E4: a release finds the escrow holding other than the price and fee it moves."""
    return EscrowMismatch(
        _("The order's escrow holds %(held)s, not the %(needed)s to release.")
        % {"held": format_cny(held_fen), "needed": format_cny(needed_fen)}
    )


@dataclass(frozen=True)
class Posting:
    """One balanced journal transaction to post: (account, signed amount) lines."""

    kind: str
    lines: list[tuple[Account, int]]
    order: Model | None = None
    memo: str = ""
    actor: User | None = None


def post_transaction(
    *,
    kind: str,
    lines: Iterable[tuple[Account, int]],
    order: Model | None = None,
    memo: str = "",
    actor: User | None = None,
) -> JournalTransaction:
    """Post one balanced journal transaction and update the cached balances (see
    post_transactions, of which this is the case of one)."""
    return post_transactions([Posting(kind, list(lines), order, memo, actor)])[0]


def _net_amounts(posting: Posting) -> dict[int, int]:
    amounts: dict[int, int] = defaultdict(int)
    for account, amount in posting.lines:
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise LedgerInvariantBroken(f"amounts are integer fen, got {amount!r}")
        amounts[account.pk] += amount
    amounts = {pk: amount for pk, amount in amounts.items() if amount != 0}
    if len(amounts) < 2 or sum(amounts.values()) != 0:
        raise LedgerInvariantBroken(f"unbalanced posting: {amounts}")
    return amounts


def post_transactions(postings: list[Posting]) -> list[JournalTransaction]:
    """Post balanced journal transactions, in the given order, and update the cached balances.

    The caller is inside transaction.atomic() and holds the locks on the orders (or
    withdrawal, or intent) the money belongs to. This function locks every account the
    postings touch itself, at once and in primary-key order, so two postings that share
    accounts always queue up in the same order. Each posting is applied to the balances left by
    the ones before it; a line that would take any account but the clearing account below zero
    raises InsufficientFunds and nothing is written. One insert writes the transactions, one
    the entries and one update the balances, however many postings there are (the sweeper
    refunds a batch of orders at once, D1).
    """
    nets = [_net_amounts(posting) for posting in postings]
    touched = sorted({pk for amounts in nets for pk in amounts})
    locked = {
        account.pk: account
        for account in Account.objects.select_for_update().filter(pk__in=touched).order_by("pk")
    }
    balances = {pk: account.balance_fen for pk, account in locked.items()}
    balances_after = []
    for amounts in nets:
        after = {}
        for pk in sorted(amounts):
            balance = balances[pk] + amounts[pk]
            account = locked[pk]
            if balance < 0 and account.kind != AccountKind.GATEWAY_CLEARING:
                raise insufficient_funds(
                    kind=account.kind, balance_fen=balances[pk], needed_fen=-amounts[pk]
                )
            balances[pk] = after[pk] = balance
        balances_after.append(after)

    journals = JournalTransaction.objects.bulk_create(
        JournalTransaction(kind=p.kind, order=p.order, memo=p.memo[:200], created_by=p.actor)
        for p in postings
    )
    Entry.objects.bulk_create(
        Entry(
            transaction=journal,
            account_id=pk,
            amount_fen=amounts[pk],
            balance_after_fen=after[pk],
        )
        for journal, amounts, after in zip(journals, nets, balances_after, strict=True)
        for pk in sorted(amounts)
    )
    for pk, account in locked.items():
        account.balance_fen = balances[pk]
    update_by_pk(Account, "balance_fen", balances)
    return journals


def _positive_amount(amount_fen, *, field: str = "amount") -> int:
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        message = _("Enter an amount greater than ¥0.00.")
        raise InvalidInput(message, fields={field: [message]})
    if amount_fen > settings.MAX_TRANSFER_FEN:
        message = _("The amount may be at most %(max)s.") % {
            "max": format_cny(settings.MAX_TRANSFER_FEN)
        }
        raise InvalidInput(message, fields={field: [message]})
    return amount_fen


def _require_payment_account(shop: MerchantShop) -> None:
    """M2: a Tmall store moves money only with a bound operating payment account."""
    if not shop_can_pay(shop=shop):
        raise PaymentAccountRequired(
            _("Bind the shop's operating payment account (运营号) before paying.")
        )


# --- escrow (E4) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MoneyMove:
    """One journal transaction given by account refs, ready to post either way: in Python
    (`move_money`, what SQLite runs) or inside the database by the function escrow_post (what
    an order step posts on PostgreSQL in the same round trip as the order's own rows; see
    tasks.services.steps). Both lock the accounts in primary-key order, refuse a line that
    would take an account below zero (E3) before writing anything, and write the same rows.

    `expect_first_fen`: the balance the first line's account must hold, or the move is refused
    (a release of an order's whole escrow, E4)."""

    kind: str
    lines: tuple[tuple[AccountRef, int], ...]
    order: Model | None = None
    memo: str = ""
    actor: User | None = None
    expect_first_fen: int | None = None

    def as_json(self, *, at) -> dict:
        return {
            "kind": self.kind,
            "order": self.order.pk if self.order is not None else None,
            "memo": self.memo[:200],
            "by": self.actor.pk if self.actor is not None else None,
            "at": at.isoformat(),
            "expect_first": self.expect_first_fen,
            "lines": [{**ref.as_json(), "amount": amount} for ref, amount in self.lines],
        }


def move_money(move: MoneyMove) -> JournalTransaction:
    """Post `move` through the ORM (the caller is inside transaction.atomic())."""
    lines = [(account_for(ref), amount) for ref, amount in move.lines]
    if move.expect_first_fen is not None:
        first = lines[0][0]
        first.refresh_from_db(fields=["balance_fen"])
        if first.balance_fen != move.expect_first_fen:
            raise escrow_mismatch(held_fen=first.balance_fen, needed_fen=move.expect_first_fen)
    return post_transaction(
        kind=move.kind, lines=lines, order=move.order, memo=move.memo, actor=move.actor
    )


def refusal_of(result: dict) -> Exception | None:
    """The exception escrow_post's answer stands for, or None when it posted."""
    if "short_kind" in result:
        return insufficient_funds(
            kind=result["short_kind"],
            balance_fen=int(result["balance"]),
            needed_fen=int(result["needed"]),
        )
    if "held" in result:
        return escrow_mismatch(held_fen=int(result["held"]), needed_fen=int(result["needed"]))
    return None


def hold_move(
    *, order: Model, amount_fen: int, actor: User | None = None, memo: str = ""
) -> MoneyMove:
    """E4: a payment from the shop's wallet into the order's escrow, checked but not posted."""
    _positive_amount(amount_fen)
    if order.is_terminal:
        # E4: a terminal order's escrow stays empty; no flow would move a late payment out.
        raise NotAllowed(
            _("This order is %(status)s; no payment can be taken into it.")
            % {"status": order.get_status_display()},
            code="order_closed",
        )
    _require_payment_account(order.shop)
    return MoneyMove(
        kind=TransactionKind.HOLD,
        lines=((wallet_ref(order.shop_id), -amount_fen), (escrow_ref(order.pk), amount_fen)),
        order=order,
        memo=memo,
        actor=actor,
    )


@transaction.atomic
def escrow_hold(
    *, order: Model, amount_fen: int, actor: User | None = None, memo: str = ""
) -> JournalTransaction:
    """E4: move a payment from the shop's wallet into the order's escrow."""
    return move_money(hold_move(order=order, amount_fen=amount_fen, actor=actor, memo=memo))


@transaction.atomic
def escrow_hold_many(
    *, shop: MerchantShop, holds: list[tuple[Model, int]], actor: User | None = None, memo: str = ""
) -> JournalTransaction:
    """T11/T42: one payment from a shop's wallet into several orders' escrows.

    One journal transaction: either every order is paid or none is. The caller holds the locks
    on the orders (tasks.locks.lock_orders, in primary-key order); this locks the accounts.
    """
    if not holds:
        raise InvalidInput(_("Choose at least one order to pay."))
    for _order, amount in holds:
        _positive_amount(amount)
    lines = []
    for order, amount in holds:
        if order.shop_id != shop.pk:
            raise InvalidInput(_("All the orders of one payment must belong to the paying shop."))
        if order.is_terminal:
            raise NotAllowed(
                _("This order is %(status)s; no payment can be taken into it.")
                % {"status": order.get_status_display()},
                code="order_closed",
            )
        lines.append((escrow_account(order), amount))
    _require_payment_account(shop)
    total = sum(amount for _order, amount in holds)
    lines.append((wallet_account(shop), -total))
    return post_transaction(kind=TransactionKind.HOLD, lines=lines, memo=memo, actor=actor)


def release_move(
    *,
    order: Model,
    actor: User | None = None,
    creator_fen: int | None = None,
    fee_fen: int | None = None,
    memo: str = "",
) -> MoneyMove:
    """E4/E10: pay the creator out of escrow, and the platform its fee (checked, not posted).

    By default the escrow must hold exactly the order's price plus fee, and all of it moves: the
    creator receives the price, the platform the fee. A dispute split passes the creator's part
    (and the fee) explicitly; whatever is left stays in escrow for a refund.
    """
    expect = None
    if creator_fen is None and fee_fen is None:
        creator_fen, fee_fen = order.price_fen, order.fee_fen
        expect = creator_fen + fee_fen
    creator_fen, fee_fen = creator_fen or 0, fee_fen or 0
    if creator_fen < 0 or fee_fen < 0 or creator_fen + fee_fen <= 0:
        raise InvalidInput(_("A release moves a positive amount."))
    lines = [(escrow_ref(order.pk), -(creator_fen + fee_fen))]
    if creator_fen:
        lines.append((earnings_ref(order.creator_id), creator_fen))
    if fee_fen:
        lines.append((platform_ref(AccountKind.PLATFORM_FEES), fee_fen))
    return MoneyMove(
        kind=TransactionKind.RELEASE,
        lines=tuple(lines),
        order=order,
        memo=memo,
        actor=actor,
        expect_first_fen=expect,
    )


@transaction.atomic
def escrow_release(
    *,
    order: Model,
    actor: User | None = None,
    creator_fen: int | None = None,
    fee_fen: int | None = None,
    memo: str = "",
) -> JournalTransaction:
    """E4/E10: pay the creator out of escrow, and the platform its fee (see release_move)."""
    return move_money(
        release_move(order=order, actor=actor, creator_fen=creator_fen, fee_fen=fee_fen, memo=memo)
    )


def _drain_escrow(
    *,
    order: Model,
    amount_fen: int | None,
    kind: str,
    destination,
    empty_message: str,
    actor: User | None,
    memo: str,
) -> JournalTransaction:
    """Move part (or by default all) of an order's escrow to `destination(order)`."""
    escrow = escrow_account(order)
    escrow.refresh_from_db(fields=["balance_fen"])
    amount = escrow.balance_fen if amount_fen is None else amount_fen
    if amount <= 0:
        raise EscrowMismatch(empty_message)
    return post_transaction(
        kind=kind,
        lines=[(escrow, -amount), (destination(order), amount)],
        order=order,
        memo=memo,
        actor=actor,
    )


@transaction.atomic
def escrow_refund(
    *, order: Model, amount_fen: int | None = None, actor: User | None = None, memo: str = ""
) -> JournalTransaction:
    """E4: move money from the order's escrow back to the shop's wallet (all of it by default)."""
    return _drain_escrow(
        order=order,
        amount_fen=amount_fen,
        kind=TransactionKind.REFUND,
        destination=lambda o: wallet_account(o.shop),
        empty_message=_("The order's escrow is empty: there is nothing to refund."),
        actor=actor,
        memo=memo,
    )


def escrow_refund_many(
    *, orders: list[Model], actor: User | None = None, memo: str = ""
) -> dict[int, int]:
    """E4 for a batch of orders (the sweeper, D1): refund whatever each order's escrow holds to
    its shop's wallet, one journal transaction per order, posted together. Returns order id →
    amount refunded (0 for an empty escrow).

    The caller is inside transaction.atomic() and holds the locks on all the orders, so no
    escrow of theirs can move until it commits: reading the balances here is safe."""
    escrows = {
        account.order_id: account
        for account in Account.objects.filter(kind=AccountKind.ORDER_ESCROW, order__in=orders)
    }
    wallets = {
        account.shop_id: account
        for account in Account.objects.filter(
            kind=AccountKind.MERCHANT_WALLET, shop_id__in={order.shop_id for order in orders}
        )
    }
    refunded, postings = {}, []
    for order in orders:
        escrow = escrows.get(order.pk)
        refunded[order.pk] = amount = escrow.balance_fen if escrow is not None else 0
        if amount <= 0:
            continue
        if order.shop_id not in wallets:
            wallets[order.shop_id] = wallet_account(order.shop)
        postings.append(
            Posting(
                TransactionKind.REFUND,
                [(escrow, -amount), (wallets[order.shop_id], amount)],
                order=order,
                memo=memo,
                actor=actor,
            )
        )
    if postings:
        post_transactions(postings)
    return refunded


@transaction.atomic
def escrow_forfeit(
    *, order: Model, amount_fen: int | None = None, actor: User | None = None, memo: str = ""
) -> JournalTransaction:
    """E4/T42: move a deposit from the order's escrow to the platform's fee revenue."""
    return _drain_escrow(
        order=order,
        amount_fen=amount_fen,
        kind=TransactionKind.FORFEIT,
        destination=lambda o: platform_account(AccountKind.PLATFORM_FEES),
        empty_message=_("The order's escrow is empty: there is nothing to forfeit."),
        actor=actor,
        memo=memo,
    )


# --- the gateway: top-ups and payouts (E7, E8) ----------------------------------------------


def _call_gateway(action, *args, **kwargs) -> None:
    """Run after commit. A gateway that cannot be reached leaves the intent pending; its own
    callback (or a retry) settles it later. Nothing has moved yet, so nothing is lost."""
    try:
        action(*args, **kwargs)
    except Exception:
        logger.exception("payment gateway call failed; the intent stays pending")


def wallet_top_up(*, shop: MerchantShop, actor: User, amount_fen: int) -> PaymentIntent:
    """E7: ask the gateway for money into the shop's wallet.

    The intent is committed first; the gateway is called after commit and its signed callback
    moves the money. With the sandbox gateway that happens before this function returns.
    """
    _positive_amount(amount_fen)
    if not actor.memberships.filter(organization_id=shop.organization_id).exists():
        raise WrongSide(_("Only the shop's members can top up its wallet."))
    with transaction.atomic():
        _require_payment_account(shop)
        intent = PaymentIntent.objects.create(
            kind=IntentKind.TOP_UP, amount_fen=amount_fen, shop=shop, created_by=actor
        )
        transaction.on_commit(lambda: _call_gateway(get_gateway().start_top_up, intent))
    intent.refresh_from_db()
    return intent


def gateway_callback_receive(*, body: bytes, signature: str) -> str:
    """E7: settle a payment intent from the gateway's signed callback.

    Returns "settled", or "ignored" for a callback already applied (gateways repeat them).
    A bad signature raises BadSignature and changes nothing.
    """
    if not signature_is_valid(body, signature):
        raise BadSignature(_("The callback signature does not verify."))
    try:
        payload = json.loads(body)
        intent_id = int(payload["intent_id"])
        status = payload["status"]
        amount_fen = int(payload["amount_fen"])
    except (ValueError, KeyError, TypeError):
        raise InvalidInput(_("The callback body is not a valid gateway message.")) from None
    if status not in (IntentStatus.SUCCEEDED, IntentStatus.FAILED):
        raise InvalidInput(_("Unknown callback status."))

    with transaction.atomic():
        intent = PaymentIntent.objects.select_for_update().filter(pk=intent_id).first()
        if intent is None:
            raise InvalidInput(_("No such payment intent."))
        if intent.status != IntentStatus.PENDING:
            return "ignored"
        if amount_fen != intent.amount_fen:
            raise InvalidInput(_("The callback amount differs from the intent's."))
        intent.status = status
        intent.gateway_reference = str(payload.get("reference", ""))[:64]
        intent.failure_reason = str(payload.get("reason", ""))[:200]
        intent.settled_at = timezone.now()
        if intent.kind == IntentKind.TOP_UP:
            if status == IntentStatus.SUCCEEDED:
                intent.transaction = post_transaction(
                    kind=TransactionKind.TOP_UP,
                    lines=[
                        (platform_account(AccountKind.GATEWAY_CLEARING), -intent.amount_fen),
                        (wallet_account(intent.shop), intent.amount_fen),
                    ],
                    memo=intent.gateway_reference,
                    actor=intent.created_by,
                )
        else:
            intent.transaction = _settle_payout(intent, succeeded=status == IntentStatus.SUCCEEDED)
        intent.save()
    return "settled"


def _settle_payout(intent: PaymentIntent, *, succeeded: bool) -> JournalTransaction:
    """Caller holds the intent's lock."""
    withdrawal = Withdrawal.objects.select_for_update().get(pk=intent.withdrawal_id)
    withdrawal.settled_at = timezone.now()
    if succeeded:
        withdrawal.mark_paid()
        withdrawal.save()
        return post_transaction(
            kind=TransactionKind.PAYOUT,
            lines=[
                (platform_account(AccountKind.PAYOUTS_IN_FLIGHT), -withdrawal.amount_fen),
                (platform_account(AccountKind.GATEWAY_CLEARING), withdrawal.amount_fen),
            ],
            memo=f"#{withdrawal.pk}",
        )
    withdrawal.mark_failed()
    withdrawal.reason = intent.failure_reason or withdrawal.reason
    withdrawal.save()
    return _return_withdrawal(withdrawal)


def _return_withdrawal(withdrawal: Withdrawal, actor: User | None = None) -> JournalTransaction:
    return post_transaction(
        kind=TransactionKind.PAYOUT_RETURNED,
        lines=[
            (platform_account(AccountKind.PAYOUTS_IN_FLIGHT), -withdrawal.amount_fen),
            (earnings_account(withdrawal.creator), withdrawal.amount_fen),
        ],
        memo=f"#{withdrawal.pk}",
        actor=actor,
    )


@transaction.atomic
def payout_account_bind(
    *, creator: CreatorProfile, actor: User, account_id: str, holder_name: str
) -> PayoutAccount:
    """E8: the account withdrawals are paid to."""
    if creator.user_id != actor.pk:
        raise WrongSide(_("Only the creator can bind its payout account."))
    account_id, holder_name = (account_id or "").strip(), (holder_name or "").strip()
    errors = {}
    if not account_id:
        errors["account_id"] = [_("Enter the Alipay account (e-mail or mobile number).")]
    if not holder_name:
        errors["holder_name"] = [_("Enter the name of the account holder.")]
    if errors:
        raise InvalidInput(_("Please correct the highlighted fields."), fields=errors)
    account, _created = PayoutAccount.objects.update_or_create(
        creator=creator, defaults={"account_id": account_id, "holder_name": holder_name}
    )
    return account


@transaction.atomic
def withdrawal_request(*, creator: CreatorProfile, actor: User, amount_fen: int) -> Withdrawal:
    """E8: take available earnings out of reach until ops approve the payout."""
    if creator.user_id != actor.pk:
        raise WrongSide(_("Only the creator can withdraw its earnings."))
    _positive_amount(amount_fen)
    payout = PayoutAccount.objects.filter(creator=creator).first()
    if payout is None:
        raise NotAllowed(
            _("Bind the Alipay account withdrawals are paid to first."), code="no_payout_account"
        )
    withdrawal = Withdrawal.objects.create(
        creator=creator,
        amount_fen=amount_fen,
        account_id=payout.account_id,
        holder_name=payout.holder_name,
    )
    post_transaction(
        kind=TransactionKind.WITHDRAWAL,
        lines=[
            (earnings_account(creator), -amount_fen),
            (platform_account(AccountKind.PAYOUTS_IN_FLIGHT), amount_fen),
        ],
        memo=f"#{withdrawal.pk}",
        actor=actor,
    )
    return withdrawal


def _require_ops(actor: User) -> None:
    if not actor.is_staff:
        raise WrongSide(_("Only ops staff decide withdrawals."))


def _lock_withdrawal(withdrawal: Withdrawal, *, status: str) -> Withdrawal:
    locked = Withdrawal.objects.select_for_update().get(pk=withdrawal.pk)
    if locked.status != status:
        raise NotAllowed(
            _("This withdrawal is %(status)s; it cannot be decided again.")
            % {"status": locked.get_status_display()},
            code="withdrawal_decided",
        )
    return locked


def withdrawal_approve(*, withdrawal: Withdrawal, actor: User) -> Withdrawal:
    """E8: ops approve; the payout goes to the gateway after commit."""
    _require_ops(actor)
    with transaction.atomic():
        withdrawal = _lock_withdrawal(withdrawal, status=WithdrawalStatus.REQUESTED)
        withdrawal.approve()
        withdrawal.decided_by, withdrawal.decided_at = actor, timezone.now()
        withdrawal.save()
        intent = PaymentIntent.objects.create(
            kind=IntentKind.PAYOUT,
            amount_fen=withdrawal.amount_fen,
            withdrawal=withdrawal,
            created_by=actor,
        )
        account_id, holder_name = withdrawal.account_id, withdrawal.holder_name
        transaction.on_commit(
            lambda: _call_gateway(
                get_gateway().start_payout, intent, account_id=account_id, holder_name=holder_name
            )
        )
    withdrawal.refresh_from_db()
    return withdrawal


@transaction.atomic
def withdrawal_reject(*, withdrawal: Withdrawal, actor: User, reason: str) -> Withdrawal:
    """E8: ops refuse a withdrawal; the money goes back to the creator's earnings."""
    _require_ops(actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the creator a reason."), fields={"reason": [_("Required.")]})
    withdrawal = _lock_withdrawal(withdrawal, status=WithdrawalStatus.REQUESTED)
    withdrawal.reject()
    withdrawal.reason = reason[:200]
    withdrawal.decided_by, withdrawal.decided_at = actor, timezone.now()
    withdrawal.save()
    _return_withdrawal(withdrawal, actor=actor)
    return withdrawal


@transaction.atomic
def withdrawal_fail(*, withdrawal: Withdrawal, actor: User, reason: str) -> Withdrawal:
    """E8: ops record that a payout bounced outside the callback; the money goes back."""
    _require_ops(actor)
    # Same lock order as the gateway callback: the intent, then the withdrawal.
    intent = PaymentIntent.objects.select_for_update().filter(withdrawal_id=withdrawal.pk).first()
    withdrawal = _lock_withdrawal(withdrawal, status=WithdrawalStatus.PROCESSING)
    if intent is not None and intent.status == IntentStatus.PENDING:
        intent.status, intent.failure_reason = IntentStatus.FAILED, (reason or "")[:200]
        intent.settled_at = timezone.now()
        intent.save()
    withdrawal.mark_failed()
    withdrawal.reason = (reason or _("Payout failed"))[:200]
    withdrawal.settled_at = timezone.now()
    withdrawal.save()
    _return_withdrawal(withdrawal, actor=actor)
    return withdrawal
