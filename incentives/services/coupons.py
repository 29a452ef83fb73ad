"""The coupon book (I4, I8): the only way coupons move.

Every movement is one balanced transaction posted by `post`, which locks every account it
touches at once, in primary-key order, re-reads their balances under the lock and refuses a
line that would take an account below zero (the database's check would refuse it too). The
program-month's accounts and the wallet therefore serialize every grant and reservation of a
month: under any concurrency, what is granted and reserved never exceeds the budget.

Each transaction names its cause, unique in the database: posting a cause twice (a rerun, a
second worker, a retried request) returns the first transaction and moves nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bulk import chunks, get_or_create_row
from core.exceptions import InvalidInput
from core.months import month_first_day

from ..exceptions import NotEnoughCoupons, QuotaExhausted
from ..models import (
    CouponAccount,
    CouponAccountKind,
    CouponEntry,
    CouponLot,
    CouponTransaction,
    CouponTransactionKind,
    LiveAccount,
    Program,
    ProgramMonth,
)

Kind = CouponAccountKind


def account(
    kind: str, *, program_month=None, live_account=None, live_account_id=None
) -> CouponAccount:
    if live_account is not None:
        live_account_id = live_account.pk
    return get_or_create_row(
        CouponAccount, kind=kind, program_month=program_month, live_account_id=live_account_id
    )


def _refusal(account_row: CouponAccount, balance: int, needed: int):
    if account_row.kind == Kind.BUDGET:
        return QuotaExhausted(
            _("This month's budget of the program has %(left)s coupons left; %(needed)s needed.")
            % {"left": balance, "needed": needed}
        )
    if account_row.kind == Kind.RESERVED:
        return QuotaExhausted(_("The reservation no longer holds these coupons."))
    return NotEnoughCoupons(
        _("The wallet holds %(left)s usable coupons; %(needed)s needed.")
        % {"left": balance, "needed": needed}
    )


def post(
    *,
    kind: str,
    lines: list[tuple[CouponAccount, int]],
    cause: str,
    live_account: LiveAccount | None = None,
    live_account_id: int | None = None,
    program_month: ProgramMonth | None = None,
    reason: str = "",
    params: dict | None = None,
    actor=None,
) -> tuple[CouponTransaction, bool]:
    """Post one balanced coupon transaction. Returns (transaction, created): a cause already
    posted returns its transaction and `created=False`, moving nothing."""
    done = CouponTransaction.objects.filter(cause=cause).first()
    if done is not None:
        return done, False
    amounts: dict[int, int] = defaultdict(int)
    for row, amount in lines:
        amounts[row.pk] += amount
    amounts = {pk: amount for pk, amount in amounts.items() if amount}
    if len(amounts) < 2 or sum(amounts.values()) != 0:
        raise ValueError(f"unbalanced coupon posting: {amounts}")
    with transaction.atomic():
        locked = {
            row.pk: row
            for row in CouponAccount.objects.select_for_update()
            .filter(pk__in=amounts)
            .order_by("pk")
        }
        # Under the locks: a concurrent post of the same cause has committed by now, or not.
        done = CouponTransaction.objects.filter(cause=cause).first()
        if done is not None:
            return done, False
        for pk in sorted(amounts):
            row = locked[pk]
            after = row.balance + amounts[pk]
            if after < 0 and row.kind not in (Kind.ISSUE, Kind.DEBT):
                raise _refusal(row, row.balance, -amounts[pk])
        created = CouponTransaction.objects.create(
            kind=kind,
            live_account_id=live_account.pk if live_account is not None else live_account_id,
            program_month=program_month,
            cause=cause,
            reason=reason,
            params=params or {},
            created_by=actor,
        )
        entries = []
        for pk in sorted(amounts):
            row = locked[pk]
            row.balance += amounts[pk]
            entries.append(
                CouponEntry(
                    transaction=created, account=row, amount=amounts[pk], balance_after=row.balance
                )
            )
        CouponEntry.objects.bulk_create(entries)
        for row in locked.values():
            CouponAccount.objects.filter(pk=row.pk).update(balance=row.balance)
    return created, True


# --- budgets (I4) ---------------------------------------------------------------------------


def month_open(program: Program, month: date | None = None) -> ProgramMonth:
    """I4: the program's budget for the Beijing month of `month` (today by default), opened on
    first use with the program's monthly budget. Idempotent and safe under concurrency."""
    month = month_first_day(month or timezone.now())
    found = ProgramMonth.objects.filter(program=program, month=month).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            opened = ProgramMonth.objects.create(
                program=program, month=month, budget=program.monthly_budget
            )
            budget = account(Kind.BUDGET, program_month=opened)
            account(Kind.RESERVED, program_month=opened)
            if opened.budget:
                post(
                    kind=CouponTransactionKind.FUND,
                    lines=[
                        (account(Kind.ISSUE, program_month=opened), -opened.budget),
                        (budget, opened.budget),
                    ],
                    cause=f"fund:{opened.pk}",
                    program_month=opened,
                    reason="month_opened",
                )
            return opened
    except IntegrityError:
        return ProgramMonth.objects.get(program=program, month=month)


def _positive(amount: int) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidInput(_("A number of coupons greater than 0."))
    return amount


def reservation_take(*, program_month: ProgramMonth, amount: int, cause: str, actor=None):
    """I4/I5/I7: set coupons of the month's budget aside for a later grant; refused with
    `quota_exhausted` when the budget left is smaller."""
    return post(
        kind=CouponTransactionKind.RESERVE,
        lines=[
            (account(Kind.BUDGET, program_month=program_month), -_positive(amount)),
            (account(Kind.RESERVED, program_month=program_month), amount),
        ],
        cause=cause,
        program_month=program_month,
        reason="reserved",
        actor=actor,
    )[0]


def reservation_release(*, program_month: ProgramMonth, amount: int, cause: str, reason: str):
    """I5: a lapsed stage's reservation goes back to that month's budget."""
    return post(
        kind=CouponTransactionKind.RELEASE,
        lines=[
            (account(Kind.RESERVED, program_month=program_month), -_positive(amount)),
            (account(Kind.BUDGET, program_month=program_month), amount),
        ],
        cause=cause,
        program_month=program_month,
        reason=reason,
    )[0]


def coupons_grant(
    *,
    program_month: ProgramMonth,
    live_account: LiveAccount,
    amount: int,
    cause: str,
    reason: str,
    params: dict | None = None,
    from_reservation: bool = False,
    for_session: str = "",
    actor=None,
) -> CouponTransaction:
    """I8: coupons into the account's wallet, from the month's budget (or from what was
    reserved for it), as one lot that expires `coupon_days` after the grant. Idempotent on
    `cause`: granting a cause again returns the first grant."""
    source = Kind.RESERVED if from_reservation else Kind.BUDGET
    with transaction.atomic():
        grant, created = post(
            kind=CouponTransactionKind.GRANT,
            lines=[
                (account(source, program_month=program_month), -_positive(amount)),
                (account(Kind.WALLET, live_account=live_account), amount),
            ],
            cause=cause,
            live_account=live_account,
            program_month=program_month,
            reason=reason,
            params=params,
            actor=actor,
        )
        if created:
            days = program_month.program.coupon_days
            lot = CouponLot.objects.create(
                live_account=live_account,
                program_month=program_month,
                grant=grant,
                amount=amount,
                remaining=amount,
                expires_at=grant.created_at + timedelta(days=days),
                for_session=for_session,
            )
            set_off(lot)
    return grant


def lot_void(lot: CouponLot, *, cause: str, reason: str, params: dict) -> int:
    """I9/I7/I10: the unused coupons of one lot leave the wallet for the void account, once per
    cause (a cause already posted moves nothing and leaves the lot as it is). Call it with the
    lot locked. Returns how many coupons were voided."""
    if lot.remaining <= 0:
        return 0
    _move, created = post(
        kind=CouponTransactionKind.VOID,
        lines=[
            (account(Kind.WALLET, live_account_id=lot.live_account_id), -lot.remaining),
            (account(Kind.VOID), lot.remaining),
        ],
        cause=cause,
        live_account_id=lot.live_account_id,
        program_month=lot.program_month,
        reason=reason,
        params={**params, "coupons": lot.remaining},
    )
    if not created:
        return 0
    CouponLot.objects.filter(pk=lot.pk).update(remaining=F("remaining") - lot.remaining)
    return lot.remaining


def set_off(lot: CouponLot) -> int:
    """I10: a coupon debt is set off against a later grant: as much of the new lot as the
    account owes moves from the wallet to the debt account, once per grant. Returns how many
    coupons were set off."""
    debt = (
        CouponAccount.objects.select_for_update()
        .filter(kind=Kind.DEBT, live_account_id=lot.live_account_id, balance__lt=0)
        .first()
    )
    if debt is None:
        return 0
    amount = min(-debt.balance, lot.remaining)
    if amount <= 0:
        return 0
    _txn, created = post(
        kind=CouponTransactionKind.SETOFF,
        lines=[
            (account(Kind.WALLET, live_account_id=lot.live_account_id), -amount),
            (debt, amount),
        ],
        cause=f"setoff:{lot.grant_id}",
        live_account_id=lot.live_account_id,
        program_month=lot.program_month,
        reason="debt_set_off",
        params={"coupons": amount},
    )
    if created:
        CouponLot.objects.filter(pk=lot.pk).update(remaining=F("remaining") - amount)
        lot.remaining -= amount
    return amount if created else 0


@dataclass(frozen=True)
class GrantLine:
    """One grant of a set-based batch (coupons_grant_many)."""

    live_account_id: int
    amount: int
    cause: str
    reason: str
    params: dict


def coupons_grant_many(
    *, program_month: ProgramMonth, grants: list[GrantLine], actor=None
) -> dict[str, CouponTransaction]:
    """I4/I8, set-based: grant a batch from the month's budget, first come first served in the
    order given — a grant the budget left cannot cover is refused and the next ones are still
    tried. The same book as `post` (one balanced transaction of two entries and one lot per
    grant), written in a few statements for the whole batch, with the same locks in the same
    order: the budget account and the wallet of every grant the budget covers at once, by
    primary key. Returns the granted causes with their transactions; the caller records the
    refused ones.

    Call it with the batch's subject locked against a second run (growth locks its award
    month), so no cause of the batch is granted yet."""
    grants = [g for g in grants if _positive(g.amount)]
    if not grants:
        return {}
    with transaction.atomic():
        budget = account(Kind.BUDGET, program_month=program_month)
        # Which grants the budget covers decides which wallets to lock; the balance read
        # without a lock is checked again under it. Had it moved, the locks are given back
        # (a savepoint rolled back) and the batch's every wallet is locked instead, which
        # covers whatever the balance under the lock accepts (a growth month's budget is
        # 1,000,000 coupons: its batch is mostly refused, and most wallets are not touched).
        for covering in (_covered(grants, budget.balance), grants):
            try:
                return _grant_locked(
                    program_month=program_month,
                    budget=budget,
                    grants=grants,
                    wallets_for=covering,
                    sure=covering is grants,
                    actor=actor,
                )
            except _BudgetMoved:
                continue
    raise AssertionError("unreachable: the second attempt locks every wallet of the batch")


class _BudgetMoved(Exception):
    """The budget's balance under the lock is not the one the locked wallets were chosen by."""


def _covered(grants: list[GrantLine], left: int) -> list[GrantLine]:
    """I4: the grants `left` coupons cover, all or nothing each, in the order given."""
    accepted = []
    for line in grants:
        if line.amount <= left:
            accepted.append(line)
            left -= line.amount
    return accepted


def _grant_locked(
    *,
    program_month: ProgramMonth,
    budget: CouponAccount,
    grants: list[GrantLine],
    wallets_for: list[GrantLine],
    sure: bool,
    actor,
) -> dict[str, CouponTransaction]:
    """coupons_grant_many under the locks of the budget and the wallets of `wallets_for`, in a
    savepoint; raises _BudgetMoved (the savepoint's locks released) when the budget's balance
    under the lock covers other grants than `wallets_for` and `sure` is false."""
    ids = sorted({g.live_account_id for g in wallets_for})
    have: set[int] = set()
    for chunk in chunks(ids):
        have.update(
            CouponAccount.objects.filter(kind=Kind.WALLET, live_account_id__in=chunk).values_list(
                "live_account_id", flat=True
            )
        )
    missing = [i for i in ids if i not in have]
    if missing:
        CouponAccount.objects.bulk_create(
            [CouponAccount(kind=Kind.WALLET, live_account_id=i) for i in missing],
            ignore_conflicts=True,
        )
    with transaction.atomic():
        pks = sorted([budget.pk, *_wallet_pks(ids)])
        locked: dict[int, CouponAccount] = {}
        for chunk in chunks(pks):
            for row in (
                CouponAccount.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
            ):
                locked[row.pk] = row
        budget = locked[budget.pk]
        wallets = {row.live_account_id: row for row in locked.values() if row.kind == Kind.WALLET}
        accepted = _covered(grants, budget.balance)
        if not sure and [g.cause for g in accepted] != [g.cause for g in wallets_for]:
            raise _BudgetMoved
        if not accepted:
            return {}
        moves = CouponTransaction.objects.bulk_create(
            [
                CouponTransaction(
                    kind=CouponTransactionKind.GRANT,
                    live_account_id=line.live_account_id,
                    program_month=program_month,
                    cause=line.cause,
                    reason=line.reason,
                    params=line.params,
                    created_by=actor,
                )
                for line in accepted
            ],
            batch_size=2000,
        )
        entries, lots = [], []
        expires = timedelta(days=program_month.program.coupon_days)
        for line, move in zip(accepted, moves, strict=True):
            wallet = wallets[line.live_account_id]
            budget.balance -= line.amount
            wallet.balance += line.amount
            entries.append(
                CouponEntry(
                    transaction=move,
                    account=budget,
                    amount=-line.amount,
                    balance_after=budget.balance,
                )
            )
            entries.append(
                CouponEntry(
                    transaction=move,
                    account=wallet,
                    amount=line.amount,
                    balance_after=wallet.balance,
                )
            )
            lots.append(
                CouponLot(
                    live_account_id=line.live_account_id,
                    program_month=program_month,
                    grant=move,
                    amount=line.amount,
                    remaining=line.amount,
                    expires_at=move.created_at + expires,
                )
            )
        CouponEntry.objects.bulk_create(entries, batch_size=4000)
        CouponLot.objects.bulk_create(lots, batch_size=2000)
        CouponAccount.objects.filter(pk=budget.pk).update(balance=budget.balance)
        touched = {line.live_account_id for line in accepted}
        CouponAccount.objects.bulk_update(
            [wallets[i] for i in sorted(touched)], ["balance"], batch_size=1000
        )
    return {line.cause: move for line, move in zip(accepted, moves, strict=True)}


def _wallet_pks(ids: list[int]) -> list[int]:
    pks: list[int] = []
    for chunk in chunks(ids):
        pks += CouponAccount.objects.filter(
            kind=Kind.WALLET, live_account_id__in=chunk
        ).values_list("pk", flat=True)
    return pks


def coupons_expire(*, at=None, batch: int = 500) -> int:
    """I8: the unused coupons of every lot past its expiry leave the wallet (00:00 Beijing by
    beat). Each lot expires once (its cause); a rerun or a second worker moves nothing. Returns
    how many lots expired."""
    at = at or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            lots = list(
                CouponLot.objects.select_for_update(skip_locked=True)
                .filter(remaining__gt=0, expires_at__lte=at)
                .select_related("live_account", "program_month")
                .order_by("expires_at", "id")[:batch]
            )
            for lot in lots:
                post(
                    kind=CouponTransactionKind.EXPIRY,
                    lines=[
                        (account(Kind.WALLET, live_account=lot.live_account), -lot.remaining),
                        (account(Kind.EXPIRED), lot.remaining),
                    ],
                    cause=f"expiry:lot:{lot.pk}",
                    live_account=lot.live_account,
                    program_month=lot.program_month,
                    reason="coupons_expired",
                    params={"coupons": lot.remaining},
                )
                CouponLot.objects.filter(pk=lot.pk).update(remaining=0)
        done += len(lots)
        if len(lots) < batch:
            return done
