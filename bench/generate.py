"""Issue 10: the data set of the B1–B4 benchmarks, written with COPY in a few minutes.

    BENCH10_DATABASE_URL=postgres://postgres@127.0.0.1:5432/mk_bench10 \\
        python -m bench.generate [--tasks 1000000] [--creators 200000] [--merchants 2000] \\
            [--orders 300000] [--scale 1.0] [--seed N]

`BENCH_SCALE` (or --scale) multiplies every count, e.g. BENCH_SCALE=0.1 for a quick run.

What it writes, on a database whose name starts with `mk_bench10` (it refuses any other), after
emptying every table of the apps (TRUNCATE; the seeded channels, categories, platform accounts
and fee policies are put back):

- 2,000 merchants: a user, a shop organization with its owner membership, a Tmall (60%, a quarter
  of them brands) or Taobao shop with a bound payment account, and a funded wallet;
- 200,000 creators (user + profile + 1–3 channels), the first of them the persona the plaza
  benchmarks log in as (`bench10-creator-000001`, with applications and orders of its own);
- 1,000,000 tasks over the last 120 days: 60% plaza, 15% private (a fifth of them deposit),
  15% recruitment, 10% brand, across the seven channels and four content types. Tasks still
  taking applications are `open` (about 5% of them: the plaza's live part); older ones are
  paid, closed or cancelled as the rules (T10–T13) would have left them;
- applications (pending, approved, rejected, expired, withdrawn) and brand proposals;
- 300,000 orders across every state of §4, with consistent times: no due time of a live order
  has passed (the sweeper is up to date), terminal orders are closed;
- the ledger of all of it (E2–E4): wallet top-ups, holds (one journal per plaza payment),
  releases, refunds and forfeits, with running balances; cached balances equal the entries;
- deliveries, reviews (creator ratings computed from them) and the orders' StateLog (T70).

FK and ledger triggers are off while COPY writes (session_replication_role = replica: the
rows are consistent by construction); the ledger is then checked with the reconcile queries
(E9) and the tables are VACUUM ANALYZEd. `add_orders()` is the same machinery for B2 and B3,
which add their own pools of orders (pending payment, or an overdue backlog) before a run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench.common import (
    PROFILE_COLUMNS,
    USER_COLUMNS,
    log,
    pg,
    require_bench_database,
    scalar,
    setup_django,
    var_dir,
)

SEED = 20261111
DEFAULTS = {"tasks": 1_000_000, "creators": 200_000, "merchants": 2_000, "orders": 300_000}
MERCHANT_PREFIX = "bench10-merchant-"
CREATOR_PREFIX = "bench10-creator-"
PERSONA = f"{CREATOR_PREFIX}000001"  # the creator B1 and B4 log in as
DAY = 86_400.0
HOUR = 3_600.0
HISTORY_DAYS = 120
WALLET_RESERVE_FEN = 100_000_000  # ¥1,000,000 of headroom per shop for B2 and B3
TOP_UP_CHUNK_FEN = 100_000_000  # MAX_TRANSFER_FEN: one top-up is at most ¥1,000,000

MODES = (("plaza", 60), ("private", 15), ("recruitment", 15), ("brand", 10))
# code, weight, allows recruitment (tasks/migrations/0002_seed_channels.py)
CHANNEL_WEIGHTS = {
    "haohuo": 18,
    "toutiao": 14,
    "tmall_global": 9,
    "bimai": 9,
    "jiyoujia": 7,
    "taobao_live": 30,
    "shop_video": 13,
}
LIVE_CHANNELS = {"taobao_live"}
INDUSTRIES = ("美妆", "服饰", "食品", "数码", "母婴", "家居", "运动", "宠物", "珠宝", "个护")
BRANDS = ("花西子", "完美日记", "李宁", "三只松鼠", "小米", "安踏", "百雀羚", "良品铺子", "波司登")
PRODUCTS = (
    "保湿面霜",
    "口红礼盒",
    "运动鞋",
    "坚果礼包",
    "蓝牙耳机",
    "羽绒服",
    "护手霜",
    "零食大礼包",
)
KINDS_OF_WORK = ("开箱视频", "种草图文", "直播专场", "测评", "好物推荐", "直播冠名", "短视频挑战")
SENTENCES = (
    "请在内容中突出产品的核心卖点，语言自然真实。",
    "视频时长 60 秒以内，前三秒必须出现产品。",
    "图文不少于 6 张图片，首图为产品实拍。",
    "直播中讲解不少于 10 分钟，并引导观众领取优惠券。",
    "需提前三天提交脚本供商家确认。",
    "不得出现竞品品牌及价格对比。",
    "发布时带上话题 #双十一好物# 并 @ 品牌官方账号。",
    "内容需符合平台广告法规范，不得使用绝对化用语。",
)


# --- helpers ------------------------------------------------------------------------------


def dt(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def copy_rows(table: str, columns: list[str], rows) -> int:
    """COPY `rows` (tuples in `columns` order) into `table`; returns the count. The caller is in
    a transaction with session_replication_role = replica (no FK or ledger triggers)."""
    count = 0
    with (
        pg().cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        write = copy.write_row
        for row in rows:
            write(row)
            count += 1
    return count


def execute(sql: str, params=None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def next_id(table: str) -> int:
    return scalar(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")


def sync_sequences(tables) -> None:
    """COPY wrote explicit ids: move each identity past them for the next ordinary INSERT."""
    for table in tables:
        scalar(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))",
            [table],
        )


class Timer:
    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.rows: dict[str, int] = {}

    def copy(self, label: str, table: str, columns: list[str], rows) -> int:
        from django.db import transaction

        began = time.perf_counter()
        with transaction.atomic():
            execute("SET LOCAL session_replication_role = replica")
            count = copy_rows(table, columns, rows)
        self.rows[label] = self.rows.get(label, 0) + count
        self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - began
        log(f"  {label:<28} {count:>10,} rows  {time.perf_counter() - began:7.1f} s")
        return count

    def step(self, label: str, began: float) -> None:
        self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - began
        log(f"  {label:<28} {'':>10}       {time.perf_counter() - began:7.1f} s")


def content_type_id(app_label: str, model: str) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_by_natural_key(app_label, model).pk


# --- wipe ---------------------------------------------------------------------------------

APP_TABLE_PREFIXES = ("marketplace_", "tasks_", "escrow_", "providers_")
EXTRA_TABLES = ("django_fsm_log_statelog", "django_session", "authtoken_token", "django_admin_log")
SEEDING_MIGRATIONS = (
    "tasks.migrations.0002_seed_channels",
    "parties.migrations.0002_seed_categories",
    "escrow.migrations.0003_ledger_guards_and_seeds",
)


def wipe() -> float:
    """Empty every table of the apps (TRUNCATE … RESTART IDENTITY), then put the seeded rows
    back. Only ever called on a mk_bench10… database (the caller checked)."""
    import importlib

    from django.apps import apps
    from django.db import connection, transaction

    began = time.perf_counter()
    tables = [
        name
        for name in connection.introspection.table_names()
        if name.startswith(APP_TABLE_PREFIXES) or name in EXTRA_TABLES
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        for module in SEEDING_MIGRATIONS:
            importlib.import_module(module).seed(apps, None)
    return time.perf_counter() - began


# --- the ledger -----------------------------------------------------------------------------


@dataclass
class LedgerEvent:
    at: float
    kind: str  # top_up, hold, release, refund, forfeit
    lines: list[tuple[tuple, int]]  # (account key, amount)
    order_id: int | None = None
    memo: str = ""
    actor: int | None = None
    shop: int | None = None  # top-ups: the shop, for the payment intent


@dataclass
class Ledger:
    """Ledger events planned in memory, written with COPY in time order with running balances.

    Account keys: ("wallet", shop_id), ("escrow", order_id), ("earnings", creator_id),
    ("fees",), ("clearing",). Existing accounts (platform accounts, wallets of an earlier
    generate) are read with their balances and updated after the entries are written.
    """

    events: list[LedgerEvent] = field(default_factory=list)

    def top_up(self, shop: int, need: int, *, at: float, owner: int, spacing: float) -> None:
        """Top-ups of the shop's wallet (E7) worth `need`, in chunks `spacing` seconds apart."""
        while need > 0:
            amount = min(need, TOP_UP_CHUNK_FEN)
            self.add(
                LedgerEvent(
                    at,
                    "top_up",
                    [(("clearing",), -amount), (("wallet", shop), amount)],
                    None,
                    "sandbox",
                    owner,
                    shop,
                )
            )
            need -= amount
            at += spacing

    def add(self, event: LedgerEvent) -> None:
        self.events.append(event)

    def write(self, timer: Timer, *, label: str = "ledger") -> dict[str, int]:
        from django.db import connection, transaction

        began = time.perf_counter()
        self.events.sort(key=lambda e: e.at)
        keys = {key for event in self.events for key, _amount in event.lines}
        existing = _existing_accounts(keys)
        account_id = next_id("escrow_account")
        new_accounts = []
        ids, balances = {}, {}
        for key in sorted(keys, key=lambda k: (k[0], k[1] if len(k) > 1 else 0)):
            if key in existing:
                ids[key], balances[key] = existing[key]
                continue
            ids[key], balances[key] = account_id, 0
            new_accounts.append(key)
            account_id += 1
        first_at = {}
        for event in self.events:
            for key, _amount in event.lines:
                first_at.setdefault(key, event.at)
        journal_id = next_id("escrow_journaltransaction")
        entry_id = next_id("escrow_entry")
        intent_id = next_id("escrow_paymentintent")
        journals, entries, intents = [], [], []
        for event in self.events:
            at = dt(event.at)
            journals.append((journal_id, event.kind, event.memo, at, event.actor, event.order_id))
            if event.kind == "top_up":
                amount = next(a for k, a in event.lines if k[0] == "wallet")
                intents.append(
                    (
                        intent_id,
                        "top_up",
                        "succeeded",
                        amount,
                        f"sandbox-{intent_id}",
                        "",
                        at,
                        at,
                        event.actor,
                        event.shop,
                        journal_id,
                        None,
                    )
                )
                intent_id += 1
            merged: dict[tuple, int] = {}
            for key, amount in event.lines:
                merged[key] = merged.get(key, 0) + amount
            for key in sorted(merged, key=lambda k: ids[k]):
                amount = merged[key]
                if amount == 0:
                    continue
                balances[key] += amount
                entries.append((entry_id, amount, balances[key], at, ids[key], journal_id))
                entry_id += 1
            journal_id += 1
        log(f"  {label + ' (planning)':<28} {'':>10}       {time.perf_counter() - began:7.1f} s")

        def account_rows():
            for key in new_accounts:
                kind = {
                    "wallet": "merchant_wallet",
                    "escrow": "order_escrow",
                    "earnings": "creator_earnings",
                }[key[0]]
                yield (
                    ids[key],
                    kind,
                    balances[key],
                    dt(first_at[key]),
                    key[1] if key[0] == "earnings" else None,
                    key[1] if key[0] == "escrow" else None,
                    key[1] if key[0] == "wallet" else None,
                )

        timer.copy(
            f"{label}: accounts",
            "escrow_account",
            ["id", "kind", "balance_fen", "created_at", "creator_id", "order_id", "shop_id"],
            account_rows(),
        )
        timer.copy(
            f"{label}: journal",
            "escrow_journaltransaction",
            ["id", "kind", "memo", "created_at", "created_by_id", "order_id"],
            journals,
        )
        timer.copy(
            f"{label}: entries",
            "escrow_entry",
            ["id", "amount_fen", "balance_after_fen", "created_at", "account_id", "transaction_id"],
            entries,
        )
        if intents:
            timer.copy(
                f"{label}: payment intents",
                "escrow_paymentintent",
                [
                    "id",
                    "kind",
                    "status",
                    "amount_fen",
                    "gateway_reference",
                    "failure_reason",
                    "created_at",
                    "settled_at",
                    "created_by_id",
                    "shop_id",
                    "transaction_id",
                    "withdrawal_id",
                ],
                intents,
            )
        changed = [(ids[key], balances[key]) for key in keys if key in existing]
        if changed:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE escrow_account a SET balance_fen = v.balance "
                    "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, balance) WHERE a.id = v.id",
                    [[pk for pk, _b in changed], [b for _pk, b in changed]],
                )
        sync_sequences(
            ["escrow_account", "escrow_journaltransaction", "escrow_entry", "escrow_paymentintent"]
        )
        return {
            "accounts": len(new_accounts),
            "journal transactions": len(journals),
            "entries": len(entries),
        }


def _existing_accounts(keys) -> dict[tuple, tuple[int, int]]:
    """(id, balance) of the accounts among `keys` that already exist."""
    from django.db import connection

    found = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, kind, balance_fen FROM escrow_account "
            "WHERE kind IN ('platform_fees', 'gateway_clearing')"
        )
        for pk, kind, balance in cursor.fetchall():
            found[("fees",) if kind == "platform_fees" else ("clearing",)] = (pk, balance)
        for prefix, kind, column in (
            ("wallet", "merchant_wallet", "shop_id"),
            ("escrow", "order_escrow", "order_id"),
            ("earnings", "creator_earnings", "creator_id"),
        ):
            wanted = [key[1] for key in keys if key[0] == prefix]
            if not wanted:
                continue
            cursor.execute(
                f"SELECT id, {column}, balance_fen FROM escrow_account "
                f"WHERE kind = %s AND {column} = ANY(%s)",
                [kind, wanted],
            )
            for pk, owner, balance in cursor.fetchall():
                found[(prefix, owner)] = (pk, balance)
    return {key: value for key, value in found.items() if key in keys}


# --- orders: states, times, transitions, money ----------------------------------------------

# The path of transitions from an order's birth to each state (DESIGN §4), per way it is born.
_FULL = {  # private (full payment) and brand start pending payment
    "pending_payment": [],
    "awaiting_acceptance": ["pay"],
    "in_production": ["pay", "accept"],
    "delivered": ["pay", "accept", "deliver"],
    "completed": ["pay", "accept", "deliver", "confirm"],
    "declined": ["pay", "decline"],
    "expired": ["pay", "expire"],
    "cancelled": ["pay", "cancel"],
    "overdue_undelivered": ["pay", "accept", "mark_overdue"],
    "disputed": ["pay", "accept", "deliver", "open_dispute"],
    "refunded": ["pay", "accept", "deliver", "open_dispute", "resolve"],
}
PATHS = {
    "private": _FULL,
    "deposit": {
        **_FULL,
        "awaiting_balance": ["pay", "accept"],
        "in_production": ["pay", "accept", "pay_balance"],
        "delivered": ["pay", "accept", "pay_balance", "deliver"],
        "completed": ["pay", "accept", "pay_balance", "deliver", "confirm"],
        "overdue_undelivered": ["pay", "accept", "pay_balance", "mark_overdue"],
        "disputed": ["pay", "accept", "pay_balance", "deliver", "open_dispute"],
        "refunded": ["pay", "accept", "pay_balance", "deliver", "open_dispute", "resolve"],
        "forfeited": ["pay", "accept", "forfeit"],
    },
    "plaza": {  # born in production, paid with the task
        "in_production": [],
        "delivered": ["deliver"],
        "completed": ["deliver", "confirm"],
        "overdue_undelivered": ["mark_overdue"],
        "disputed": ["deliver", "open_dispute"],
        "refunded": ["deliver", "open_dispute", "resolve"],
    },
    "recruitment": {  # born awaiting acceptance: the merchant's application paid it
        "awaiting_acceptance": [],
        "in_production": ["accept"],
        "delivered": ["accept", "deliver"],
        "completed": ["accept", "deliver", "confirm"],
        "declined": ["decline"],
        "expired": ["expire"],
        "cancelled": ["cancel"],
        "overdue_undelivered": ["accept", "mark_overdue"],
        "disputed": ["accept", "deliver", "open_dispute"],
        "refunded": ["accept", "deliver", "open_dispute", "resolve"],
    },
    "brand": {  # born pending payment; paying starts production
        "pending_payment": [],
        "in_production": ["pay"],
        "delivered": ["pay", "deliver"],
        "completed": ["pay", "deliver", "confirm"],
        "cancelled": ["cancel"],
        "overdue_undelivered": ["pay", "mark_overdue"],
        "disputed": ["pay", "deliver", "open_dispute"],
        "refunded": ["pay", "deliver", "open_dispute", "resolve"],
    },
}
BIRTH = {
    "private": "pending_payment",
    "deposit": "pending_payment",
    "plaza": "in_production",
    "recruitment": "awaiting_acceptance",
    "brand": "pending_payment",
}
TARGETS = {
    "pay": None,  # depends on the kind
    "accept": None,
    "pay_balance": "in_production",
    "deliver": "delivered",
    "confirm": "completed",
    "decline": "declined",
    "expire": "expired",
    "cancel": "cancelled",
    "mark_overdue": "overdue_undelivered",
    "open_dispute": "disputed",
    "resolve": "refunded",
    "forfeit": "forfeited",
}
# The state an order ends in: one table for orders whose delivery deadline has passed (only
# terminal states, or an open dispute whose clocks stopped), one for those still running.
PAST_STATES = {
    "completed": 80,
    "overdue_undelivered": 4,
    "declined": 3,
    "expired": 3,
    "cancelled": 4,
    "refunded": 2,
    "disputed": 0.5,
    "forfeited": 2,
}
LIVE_STATES = {
    "pending_payment": 12,
    "awaiting_acceptance": 8,
    "awaiting_balance": 5,
    "in_production": 30,
    "delivered": 14,
    "completed": 18,
    "declined": 3,
    "expired": 2,
    "cancelled": 4,
    "disputed": 1,
    "forfeited": 1,
}
TERMINAL = {
    "completed",
    "declined",
    "expired",
    "cancelled",
    "overdue_undelivered",
    "forfeited",
    "refunded",
}
ACCEPT_WINDOW = {"deposit": 24 * HOUR}  # T5/T40: 72 hours, 24 for a deposit order
BALANCE_WINDOW = 7 * DAY
CONFIRM_WINDOW = 7 * DAY


@dataclass
class OrderSpec:
    """An order to write: who, what, when born; `status` and the times are planned later."""

    kind: str
    task_id: int
    shop_id: int
    creator_id: int
    price: int
    born: float  # created_at
    deadline: float  # delivery deadline
    title: str
    status: str | None = None  # a forced final state (B2, B3), else drawn
    application_id: int | None = None  # plaza, recruitment
    proposal_id: int | None = None  # brand
    id: int = 0


def _fee(price: int, kind: str) -> tuple[int, int]:
    rate = 1000 if kind == "deposit" else 0
    return rate, (price * rate + 5_000) // 10_000


def _choose_state(rng: random.Random, kind: str, deadline: float, now: float) -> str:
    allowed = PATHS[kind]
    table = PAST_STATES if deadline <= now else LIVE_STATES
    states = [s for s in table if s in allowed]
    weights = [table[s] for s in states]
    return rng.choices(states, weights)[0]


def plan_order(
    spec: OrderSpec, *, rng: random.Random, now: float, shop_owner: int, creator_user: int
):
    """Status, times, StateLog rows and ledger events of one order, consistent with the rules:
    a live order's due times are all after `now`, a terminal order has closed_at, the escrow
    of a terminal order ends empty (E4)."""
    kind = spec.kind
    status = spec.status or _choose_state(rng, kind, spec.deadline, now)
    path = PATHS[kind][status]
    # times of the transitions, in order, between birth and min(now, deadline)
    end = min(now, spec.deadline) - 60
    span = max(60.0, end - spec.born)
    times = sorted(spec.born + span * rng.random() for _ in path)
    # a live state's clock must still be running at `now`
    if status == "awaiting_acceptance":
        window = ACCEPT_WINDOW.get(kind, 72 * HOUR)
        paid = max(spec.born, now - window * 0.9 * rng.random() - 60)
        if path:
            times = [paid]
        else:  # born paid (recruitment): the merchant applied recently
            spec.born = paid
    elif status == "awaiting_balance":
        times = [
            t if t > now - BALANCE_WINDOW * 0.9 else now - BALANCE_WINDOW * 0.9 * rng.random()
            for t in times
        ]
        times = sorted(max(spec.born, t) for t in times)
    elif status == "delivered":
        last = max(times[-1], now - CONFIRM_WINDOW * 0.9 * rng.random() - 60, spec.born)
        times = [*[min(t, last) for t in times[:-1]], last]
    t = {name: at for name, at in zip(path, times, strict=True)}
    rate, fee = _fee(spec.price, kind)
    total = spec.price + fee
    deposit = fee if kind == "deposit" else 0
    order = {
        "status": status,
        "fee_rate_bp": rate,
        "fee_fen": fee,
        "deposit_fen": deposit,
        "paid_at": None,
        "accepted_at": t.get("accept"),
        "delivered_at": t.get("deliver"),
        "closed_at": None,
        "acceptance_deadline": None,
        "balance_deadline": None,
        "auto_confirm_at": None,
    }
    if kind in ("plaza", "recruitment"):
        order["paid_at"] = spec.born
    elif "pay" in t:
        order["paid_at"] = t["pay"]
    for name in ("confirm", "decline", "expire", "cancel", "mark_overdue", "resolve", "forfeit"):
        if name in t:
            order["closed_at"] = t[name]
    if status == "awaiting_acceptance":
        paid = order["paid_at"]
        window = ACCEPT_WINDOW.get(kind, 72 * HOUR)
        order["acceptance_deadline"] = min(paid + window, spec.deadline)
    elif status == "awaiting_balance":
        order["balance_deadline"] = t["accept"] + BALANCE_WINDOW
    elif status == "delivered":
        order["auto_confirm_at"] = t["deliver"] + CONFIRM_WINDOW

    # StateLog (T70): the creation, then each transition with its source state
    merchant, creator = shop_owner, creator_user
    logs = [(spec.born, BIRTH[kind], "create", None, merchant)]
    state = BIRTH[kind]
    for name in path:
        if name == "pay":
            target = (
                "in_production"
                if kind == "brand"
                else ("awaiting_acceptance" if kind in ("private", "deposit") else state)
            )
        elif name == "accept":
            target = "awaiting_balance" if kind == "deposit" else "in_production"
        else:
            target = TARGETS[name]
        by = {
            "confirm": merchant if rng.random() < 0.7 else None,  # else confirmed by the clock
            "accept": creator,
            "decline": creator,
            "deliver": creator,
            "expire": None,
            "mark_overdue": None,
            "forfeit": None,
            "resolve": None,
        }.get(name, merchant)
        logs.append((t[name], target, name, state, by))
        state = target

    # money (E4): holds when paid, then release / refund / forfeit when it ends
    events = []
    escrow = ("escrow", spec.id)
    wallet = ("wallet", spec.shop_id)
    held = 0
    if kind == "recruitment":
        events.append(LedgerEvent(spec.born, "hold", [(wallet, -total), (escrow, total)], spec.id))
        held = total
    elif "pay" in t and kind != "plaza":
        amount = deposit if kind == "deposit" else total
        events.append(
            LedgerEvent(
                t["pay"], "hold", [(wallet, -amount), (escrow, amount)], spec.id, "", merchant
            )
        )
        held = amount
    if "pay_balance" in t:
        amount = total - deposit
        events.append(
            LedgerEvent(
                t["pay_balance"],
                "hold",
                [(wallet, -amount), (escrow, amount)],
                spec.id,
                "",
                merchant,
            )
        )
        held += amount
    if kind == "plaza":
        held = total  # the task's payment journal holds it (written by the caller)
    if held:
        closed = order["closed_at"]
        if status == "completed":
            lines = [(escrow, -held), (("earnings", spec.creator_id), spec.price)]
            if fee:
                lines.append((("fees",), fee))
            events.append(LedgerEvent(closed, "release", lines, spec.id))
        elif status == "forfeited":
            events.append(
                LedgerEvent(closed, "forfeit", [(escrow, -held), (("fees",), held)], spec.id)
            )
        elif status in TERMINAL:
            events.append(LedgerEvent(closed, "refund", [(escrow, -held), (wallet, held)], spec.id))
    return order, logs, events


ORDER_COLUMNS = [
    "id",
    "kind",
    "title",
    "price_fen",
    "fee_rate_bp",
    "fee_fen",
    "status",
    "created_at",
    "creator_id",
    "shop_id",
    "acceptance_deadline",
    "accepted_at",
    "auto_confirm_at",
    "balance_deadline",
    "closed_at",
    "delivered_at",
    "delivery_deadline",
    "deposit_fen",
    "original_price_fen",
    "paid_at",
    "price_restored",
    "revisions_used",
    "task_id",
]
STATELOG_COLUMNS = [
    "id",
    "timestamp",
    "state",
    "transition",
    "object_id",
    "by_id",
    "content_type_id",
    "description",
    "source_state",
]


@dataclass
class WrittenOrders:
    ids: list[int]
    statuses: dict[str, int]
    ledger: Ledger
    deliveries: list
    reviews: list
    rows: int


def write_orders(
    specs: list[OrderSpec],
    *,
    rng: random.Random,
    now: float,
    timer: Timer,
    shop_owner,
    creator_user,
    ledger: Ledger,
    label: str = "orders",
) -> WrittenOrders:
    """Plan and COPY the orders (ids in birth order), their StateLog rows, deliveries and
    reviews; their money goes into `ledger` (the caller writes it)."""
    began = time.perf_counter()
    specs.sort(key=lambda s: s.born)
    order_id = next_id("tasks_order")
    for spec in specs:
        spec.id = order_id
        order_id += 1
    order_type = content_type_id("tasks", "order")
    log_id = next_id("django_fsm_log_statelog")
    rows, logs, deliveries, reviews = [], [], [], []
    statuses: dict[str, int] = {}
    for spec in specs:
        order, order_logs, events = plan_order(
            spec,
            rng=rng,
            now=now,
            shop_owner=shop_owner(spec.shop_id),
            creator_user=creator_user(spec.creator_id),
        )
        for event in events:
            ledger.add(event)
        status = order["status"]
        spec.status = status
        statuses[status] = statuses.get(status, 0) + 1
        rate, fee = order["fee_rate_bp"], order["fee_fen"]
        rows.append(
            (
                spec.id,
                spec.kind,
                spec.title,
                spec.price,
                rate,
                fee,
                status,
                dt(spec.born),
                spec.creator_id,
                spec.shop_id,
                dt(order["acceptance_deadline"]),
                dt(order["accepted_at"]),
                dt(order["auto_confirm_at"]),
                dt(order["balance_deadline"]),
                dt(order["closed_at"]),
                dt(order["delivered_at"]),
                dt(spec.deadline),
                order["deposit_fen"],
                spec.price,
                dt(order["paid_at"]),
                False,
                0,
                spec.task_id,
            )
        )
        for at, state, transition, source, by in order_logs:
            logs.append(
                (
                    log_id,
                    dt(at),
                    state,
                    transition,
                    spec.id,
                    by,
                    order_type,
                    "auto" if transition == "confirm" and by is None else None,
                    source,
                )
            )
            log_id += 1
        if order["delivered_at"] is not None:
            deliveries.append((spec, order["delivered_at"]))
            if any(tr == "confirm" and by is not None for _a, _s, tr, _src, by in order_logs):
                rating = rng.choices((5, 4, 3, 2, 1), (60, 25, 9, 4, 2))[0]
                reviews.append((spec, order["closed_at"], rating))
    timer.step(f"{label} (planning)", began)
    timer.copy(label, "tasks_order", ORDER_COLUMNS, rows)
    timer.copy(f"{label}: state log", "django_fsm_log_statelog", STATELOG_COLUMNS, logs)
    delivery_id = next_id("tasks_delivery")
    timer.copy(
        f"{label}: deliveries",
        "tasks_delivery",
        ["id", "links", "note", "is_joint_content", "created_at", "order_id", "submitted_by_id"],
        (
            (
                delivery_id + n,
                json.dumps([f"https://v.taobao.com/content/{spec.id}"]),
                "",
                False,
                dt(at),
                spec.id,
                creator_user(spec.creator_id),
            )
            for n, (spec, at) in enumerate(deliveries)
        ),
    )
    review_id = next_id("tasks_review")
    timer.copy(
        f"{label}: reviews",
        "tasks_review",
        ["id", "rating", "comment", "created_at", "created_by_id", "order_id"],
        (
            (review_id + n, rating, "", dt(at), shop_owner(spec.shop_id), spec.id)
            for n, (spec, at, rating) in enumerate(reviews)
        ),
    )
    sync_sequences(["tasks_order", "django_fsm_log_statelog", "tasks_delivery", "tasks_review"])
    return WrittenOrders(
        ids=[spec.id for spec in specs],
        statuses=statuses,
        ledger=ledger,
        deliveries=deliveries,
        reviews=reviews,
        rows=len(rows),
    )


# --- tasks ----------------------------------------------------------------------------------

TASK_COLUMNS = [
    "id",
    "mode",
    "title",
    "brief",
    "content_type",
    "price_fen",
    "budget_fen",
    "payment_mode",
    "slots",
    "enrollment_deadline",
    "delivery_deadline",
    "sponsor_brand_name",
    "sponsor_logo_url",
    "sponsor_products",
    "status",
    "enrollment_closed_at",
    "payment_due_at",
    "closed_reason",
    "created_at",
    "updated_at",
    "channel_id",
    "created_by_id",
    "creator_id",
    "shop_id",
]
APPLICATION_COLUMNS = [
    "id",
    "note",
    "status",
    "decided_at",
    "created_at",
    "applied_by_id",
    "creator_id",
    "order_id",
    "shop_id",
    "task_id",
]


def _briefs(rng: random.Random, count: int = 400) -> list[str]:
    """Requirement texts: median about 250 characters, a few long ones (the field allows 5,000)."""
    briefs = []
    for _ in range(count):
        length = min(4800, int(rng.lognormvariate(math.log(250), 0.7)))
        text = ""
        while len(text) < length:
            text += rng.choice(SENTENCES)
        briefs.append(text[:length])
    return briefs


def _price(rng: random.Random) -> int:
    """Fixed price per creator (一口价): lognormal around ¥800, ¥50 to ¥50,000, whole yuan."""
    yuan = min(50_000, max(50, int(rng.lognormvariate(math.log(800), 0.9))))
    return yuan * 100


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


@dataclass
class GenerateResult:
    rows: dict[str, int]
    seconds: dict[str, float]
    total_seconds: float
    statuses: dict[str, int]
    open_plaza: int
    ledger_breaches: list[str]


def generate(
    *,
    tasks: int,
    creators: int,
    merchants: int,
    orders: int,
    seed: int = SEED,
) -> GenerateResult:
    """Write the whole data set (see the module docstring). The database must be empty of
    bench rows (main() wipes it first)."""
    from django.db import connection
    from django.utils import timezone

    from escrow.selectors import ledger_breaches
    from tasks.models import Channel

    started = time.perf_counter()
    rng = random.Random(seed)
    rand = rng.random
    timer = Timer()
    now = timezone.now().timestamp()
    history_start = now - HISTORY_DAYS * DAY
    channels = {c.code: c.pk for c in Channel.objects.all()}
    recruitable = {c.code for c in Channel.objects.filter(allows_recruitment=True)}
    channel_codes = [code for code in CHANNEL_WEIGHTS if code in channels]
    channel_weights = [CHANNEL_WEIGHTS[code] for code in channel_codes]
    recruit_codes = [code for code in channel_codes if code in recruitable]
    recruit_weights = [CHANNEL_WEIGHTS[code] for code in recruit_codes]
    briefs = _briefs(rng)
    log(
        f"generating {tasks:,} tasks, {creators:,} creators, {merchants:,} merchants, "
        f"{orders:,} orders (seed {seed})"
    )

    # -- merchants and creators ------------------------------------------------------------
    user_base, org_base = next_id("marketplace_user"), next_id("marketplace_organization")
    shop_base, profile_base = (
        next_id("marketplace_merchantshop"),
        next_id("marketplace_creatorprofile"),
    )
    membership_base = next_id("marketplace_membership")
    payment_base = next_id("marketplace_paymentaccount")
    shop_ids = [shop_base + n for n in range(merchants)]
    owner_of = {shop_base + n: user_base + n for n in range(merchants)}
    creator_user_base = user_base + merchants
    profile_ids = [profile_base + n for n in range(creators)]
    persona = profile_base

    def creator_user(profile_id: int) -> int:
        return creator_user_base + (profile_id - profile_base)

    platforms = ["tmall" if rand() < 0.6 else "taobao" for _ in range(merchants)]
    is_brand = [p == "tmall" and rand() < 0.25 for p in platforms]
    brand_shops = [shop_ids[n] for n in range(merchants) if is_brand[n]] or shop_ids[:1]
    admitted = [history_start - (30 + 700 * rand()) * DAY for _ in range(merchants)]
    # how busy each shop and creator is: a long tail (lognormal weights, cumulated for choices)
    shop_cum = _cumulate(rng.lognormvariate(0, 1.1) for _ in range(merchants))
    brand_cum = _cumulate(rng.lognormvariate(0, 1.1) for _ in brand_shops)
    creator_cum = _cumulate(rng.lognormvariate(0, 1.3) for _ in range(creators))
    joined = [history_start - (10 + 900 * rand()) * DAY for _ in range(creators)]

    def users():
        for n in range(merchants):
            at = dt(admitted[n] - DAY)
            yield (
                user_base + n,
                "!",
                None,
                False,
                f"{MERCHANT_PREFIX}{n + 1:06d}",
                "",
                "",
                f"{MERCHANT_PREFIX}{n + 1:06d}@example.com",
                False,
                True,
                at,
                "merchant",
                at,
            )
        for n in range(creators):
            at = dt(joined[n])
            yield (
                creator_user_base + n,
                "!",
                None,
                False,
                f"{CREATOR_PREFIX}{n + 1:06d}",
                "",
                "",
                f"{CREATOR_PREFIX}{n + 1:06d}@example.com",
                False,
                True,
                at,
                "creator",
                at,
            )

    timer.copy(
        "users",
        "marketplace_user",
        USER_COLUMNS,
        users(),
    )
    timer.copy(
        "organizations",
        "marketplace_organization",
        ["id", "kind", "name", "is_active", "created_at"],
        (
            (
                org_base + n,
                "shop",
                f"{BRANDS[n % len(BRANDS)]}旗舰店 {n + 1:04d}",
                True,
                dt(admitted[n]),
            )
            for n in range(merchants)
        ),
    )
    timer.copy(
        "memberships",
        "marketplace_membership",
        ["id", "role", "created_at", "user_id", "organization_id"],
        (
            (membership_base + n, "owner", dt(admitted[n]), user_base + n, org_base + n)
            for n in range(merchants)
        ),
    )
    timer.copy(
        "shops",
        "marketplace_merchantshop",
        [
            "id",
            "platform",
            "seller_credit_level",
            "meets_marketing_rules",
            "is_brand",
            "industry",
            "admitted_at",
            "organization_id",
        ],
        (
            (
                shop_ids[n],
                platforms[n],
                12 if platforms[n] == "tmall" else 8 + int(8 * rand()),
                True,
                is_brand[n],
                INDUSTRIES[n % len(INDUSTRIES)],
                dt(admitted[n]),
                org_base + n,
            )
            for n in range(merchants)
        ),
    )
    timer.copy(
        "payment accounts",
        "marketplace_paymentaccount",
        [
            "id",
            "account_id",
            "holder_name",
            "account_type",
            "bound_at",
            "unbound_at",
            "bound_by_id",
            "shop_id",
            "unbound_by_id",
        ],
        (
            (
                payment_base + n,
                f"shop{n + 1}@alipay.example",
                f"商家{n + 1:04d}有限公司",
                "company",
                dt(admitted[n]),
                None,
                user_base + n,
                shop_ids[n],
                None,
            )
            for n in range(merchants)
        ),
    )

    # -- tasks -----------------------------------------------------------------------------
    began = time.perf_counter()
    created = sorted(history_start + (now - 120 - history_start) * rand() for _ in range(tasks))
    modes = rng.choices([m for m, _w in MODES], [w for _m, w in MODES], k=tasks)
    task_channels = rng.choices(channel_codes, channel_weights, k=tasks)
    owner_shops = rng.choices(shop_ids, cum_weights=shop_cum, k=tasks)
    owner_creators = rng.choices(profile_ids, cum_weights=creator_cum, k=tasks)
    task_base = next_id("tasks_task")
    rows: list[list] = []
    plaza_finished: list[int] = []  # indexes of plaza tasks whose enrollment is over
    private_specs: list[OrderSpec] = []
    recruitment_tasks: list[int] = []
    brand_tasks: list[int] = []
    for i in range(tasks):
        c = created[i]
        mode = modes[i]
        code = task_channels[i]
        if mode == "recruitment" and code not in recruitable:
            code = rng.choices(recruit_codes, recruit_weights)[0]
        if code in LIVE_CHANNELS:
            content_type = "live_sponsorship" if rand() < 0.2 else "live"
        else:
            content_type = "video" if rand() < 0.55 else "image_text"
        sponsor = ("", "", "[]")
        if content_type == "live_sponsorship":
            brand = BRANDS[int(rand() * len(BRANDS))]
            products = [{"name": PRODUCTS[int(rand() * len(PRODUCTS))]} for _ in range(3)]
            sponsor = (brand, "https://img.example.com/logo.png", json.dumps(products))
        work = KINDS_OF_WORK[int(rand() * len(KINDS_OF_WORK))]
        title = f"{BRANDS[int(rand() * len(BRANDS))]}{PRODUCTS[int(rand() * len(PRODUCTS))]}{work}"
        brief = briefs[int(rand() * len(briefs))]
        price = _price(rng)
        budget = None
        payment_mode, slots = "full", None
        enroll = closed_at = pay_due = None
        status, reason = "open", ""
        shop = owner_shops[i]
        creator = None
        created_by = owner_of[shop]
        task_id = task_base + i
        updated = c
        if mode == "plaza":
            slots = rng.choice((1, 2, 3, 5, 10, 20))
            enroll = c + (3 + 11 * rand()) * DAY
            delivery = enroll + (5 + 15 * rand()) * DAY
            if enroll > now and rand() < 0.93:
                status = "open"
            else:
                # enrollment ended (at the deadline, or stopped early by the merchant)
                end = enroll if enroll <= now and rand() < 0.85 else c + (enroll - c) * rand()
                end = min(end, now - 60)
                closed_at = end
                plaza_finished.append(i)
                status = "enrollment_closed"  # paid, closed or cancelled decided below
            deadline_for_orders = delivery
        elif mode == "private":
            delivery = c + (7 + 23 * rand()) * DAY
            payment_mode = "deposit" if rand() < 0.2 else "full"
            kind = "deposit" if payment_mode == "deposit" else "private"
            private_specs.append(
                OrderSpec(
                    kind=kind,
                    task_id=task_id,
                    shop_id=shop,
                    creator_id=owner_creators[i],
                    price=price,
                    born=c,
                    deadline=delivery,
                    title=title,
                )
            )
            deadline_for_orders = delivery
        elif mode == "recruitment":
            shop = None
            creator = owner_creators[i]
            created_by = creator_user(creator)
            enroll = c + (7 + 23 * rand()) * DAY
            delivery = enroll + (5 + 15 * rand()) * DAY
            slots = rng.choice((None, 5, 10, 50))
            if enroll <= now:
                status, reason = "closed", "the enrollment deadline passed"
                updated = enroll
            recruitment_tasks.append(i)
            deadline_for_orders = delivery
        else:  # brand
            shop = brand_shops[bisect_left(brand_cum, rand() * brand_cum[-1])]
            created_by = owner_of[shop]
            price = None
            budget = _price(rng) * (10 + int(40 * rand()))
            enroll = c + (5 + 10 * rand()) * DAY
            delivery = enroll + (10 + 20 * rand()) * DAY
            if enroll <= now:
                status, reason = "closed", "the enrollment deadline passed"
                updated = enroll
            brand_tasks.append(i)
            deadline_for_orders = delivery
        rows.append(
            [
                task_id,
                mode,
                title,
                brief,
                content_type,
                price,
                budget,
                payment_mode,
                slots,
                enroll,
                delivery,
                sponsor[0],
                sponsor[1],
                sponsor[2],
                status,
                closed_at,
                pay_due,
                reason,
                c,
                updated,
                channels[code],
                created_by,
                creator,
                shop,
                deadline_for_orders,
            ]
        )
    timer.step("tasks (planning)", began)

    # -- how many orders come from where: every private task has its order; the rest are
    # shared between paid plaza tasks, recruitment tasks (merchants' paid applications) and
    # brand tasks (accepted proposals).
    rest = max(0, orders - len(private_specs))
    plaza_orders = int(rest * 0.65) if plaza_finished else 0
    recruitment_orders = int(rest * 0.20) if recruitment_tasks else 0
    brand_orders = (rest - plaza_orders - recruitment_orders) if brand_tasks else 0
    if not recruitment_tasks:
        plaza_orders += int(rest * 0.20)
    began = time.perf_counter()
    # plaza: pick the paid tasks (2 orders each on average) among those whose enrollment ended
    paid_count = min(len(plaza_finished), max(1, plaza_orders // 2)) if plaza_orders else 0
    paid = set(rng.sample(plaza_finished, paid_count))
    per_paid = {i: 1 for i in paid}
    paid_list = list(paid)
    for _ in range(plaza_orders - paid_count):
        i = paid_list[int(rand() * len(paid_list))]
        per_paid[i] += 1
    applications: list[list] = []  # rows, order_id filled in later for plaza/recruitment
    application_id = next_id("tasks_application")
    plaza_specs: list[OrderSpec] = []
    persona_tasks = set(rng.sample(range(tasks), min(tasks, 300)))
    plaza_payment_events: list[tuple[int, float, list[OrderSpec]]] = []

    def applicants(count: int, i: int) -> list[int]:
        chosen = set(rng.choices(profile_ids, cum_weights=creator_cum, k=count))
        if i in persona_tasks:
            chosen.add(persona)
        return list(chosen)

    for i in plaza_finished:
        row = rows[i]
        c, end = row[18], row[15]
        payment_window_over = end + 7 * DAY <= now
        approved_n = per_paid.get(i, 0)
        if i in paid:
            status = "paid"
            pay_at = end + min(7 * DAY, now - end) * rand() * 0.99
            if pay_at >= row[10]:  # never after the delivery deadline
                pay_at = max(end, row[10] - DAY)
            row[16] = None
        elif not payment_window_over and rand() < 0.5:
            status = "enrollment_closed"  # approved applicants wait for the payment
            approved_n = 1 + int(rand() * 3)
            row[16] = end + 7 * DAY
        elif rand() < 0.12:
            status = "cancelled"
            row[15] = None  # cancelled while open
        else:
            status = "closed"
            row[17] = (
                "not paid within 7 days (T13)"
                if payment_window_over and rand() < 0.3
                else "no application was approved (T13)"
            )
        row[14] = status
        row[19] = end
        people = applicants(approved_n + _poisson(rng, 1.2), i)
        task_specs = []
        for n, person in enumerate(people):
            at = c + (end - c) * rand()
            if n < approved_n:
                app_status, decided = "approved", at + (end - at) * rand()
            elif status == "cancelled":
                app_status, decided = "expired", end
            else:
                app_status, decided = ("rejected", end) if rand() < 0.8 else ("withdrawn", end)
            applications.append(
                [
                    application_id,
                    "",
                    app_status,
                    dt(decided),
                    dt(at),
                    creator_user(person),
                    person,
                    None,
                    None,
                    row[0],
                ]
            )
            if status == "paid" and app_status == "approved":
                spec = OrderSpec(
                    kind="plaza",
                    task_id=row[0],
                    shop_id=row[23],
                    creator_id=person,
                    price=row[5],
                    born=pay_at,
                    deadline=row[10],
                    title=row[2],
                    application_id=len(applications) - 1,
                )
                task_specs.append(spec)
                plaza_specs.append(spec)
            application_id += 1
        if status == "paid":
            plaza_payment_events.append((row[23], pay_at, task_specs))
    # open plaza tasks: pending applications (the persona among them for some)
    for i in range(tasks):
        row = rows[i]
        if row[1] != "plaza" or row[14] != "open":
            continue
        c = row[18]
        for person in applicants(_poisson(rng, 1.5), i):
            at = c + (now - 60 - c) * rand()
            applications.append(
                [
                    application_id,
                    "",
                    "pending",
                    None,
                    dt(at),
                    creator_user(person),
                    person,
                    None,
                    None,
                    row[0],
                ]
            )
            application_id += 1

    # recruitment: merchants apply by paying (T20): the order is born with the application
    recruitment_specs: list[OrderSpec] = []
    if recruitment_orders:
        picks = rng.choices(recruitment_tasks, k=recruitment_orders)
        shops_on: dict[int, set] = {}
        for i in picks:
            row = rows[i]
            shop = rng.choices(shop_ids, cum_weights=shop_cum)[0]
            if shop in shops_on.setdefault(i, set()):
                continue  # one live application per shop and task
            shops_on[i].add(shop)
            c, enroll = row[18], row[9]
            at = c + (min(enroll, now - 60) - c) * rand()
            applications.append(
                [
                    application_id,
                    "",
                    "pending",
                    None,
                    dt(at),
                    owner_of[shop],
                    None,
                    None,
                    shop,
                    row[0],
                ]
            )
            recruitment_specs.append(
                OrderSpec(
                    kind="recruitment",
                    task_id=row[0],
                    shop_id=shop,
                    creator_id=row[22],
                    price=row[5],
                    born=at,
                    deadline=row[10],
                    title=row[2],
                    application_id=len(applications) - 1,
                )
            )
            application_id += 1
    # brand: accepted proposals become orders at their quote (T30)
    proposals: list[list] = []
    proposal_id = next_id("tasks_proposal")
    brand_specs: list[OrderSpec] = []
    if brand_orders:
        picks = rng.choices(brand_tasks, k=brand_orders)
        creators_on: dict[int, set] = {}
        for i in picks:
            row = rows[i]
            person = rng.choices(profile_ids, cum_weights=creator_cum)[0]
            if person in creators_on.setdefault(i, set()):
                continue
            creators_on[i].add(person)
            c, enroll = row[18], row[9]
            at = c + (min(enroll, now - 60) - c) * rand()
            quote = max(5_000, (row[6] // 20) // 100 * 100)
            proposals.append(
                [
                    proposal_id,
                    quote,
                    "我们的方案：两条短视频加一场直播。",
                    "accepted",
                    dt(at),
                    dt(at),
                    row[0],
                    person,
                    creator_user(person),
                    None,
                    None,
                ]
            )
            brand_specs.append(
                OrderSpec(
                    kind="brand",
                    task_id=row[0],
                    shop_id=row[23],
                    creator_id=person,
                    price=quote,
                    born=at + (min(enroll, now - 30) - at) * rand(),
                    deadline=row[10],
                    title=row[2],
                    proposal_id=len(proposals) - 1,
                )
            )
            proposal_id += 1
    timer.step("applications (planning)", began)

    # -- orders and their money ---------------------------------------------------------------
    ledger = Ledger()
    all_specs = private_specs + plaza_specs + recruitment_specs + brand_specs
    written = write_orders(
        all_specs,
        rng=rng,
        now=now,
        timer=timer,
        shop_owner=lambda shop: owner_of[shop],
        creator_user=creator_user,
        ledger=ledger,
    )
    for shop, pay_at, task_specs in plaza_payment_events:
        lines = [(("escrow", s.id), s.price) for s in task_specs]
        lines.append((("wallet", shop), -sum(s.price for s in task_specs)))
        ledger.add(
            LedgerEvent(
                pay_at, "hold", lines, None, f"plaza task #{task_specs[0].task_id}", owner_of[shop]
            )
        )
    # link the orders back to their applications and proposals
    app_status_for = {
        "awaiting_acceptance": "pending",
        "declined": "rejected",
        "expired": "expired",
        "cancelled": "withdrawn",
    }
    for spec in plaza_specs + recruitment_specs:
        application = applications[spec.application_id]
        application[7] = spec.id
        if spec.kind == "recruitment":
            application[2] = app_status_for.get(spec.status, "approved")
            if application[2] != "pending":
                application[3] = application[4]
    for spec in brand_specs:
        proposals[spec.proposal_id][9] = spec.id

    # wallets: top-ups before anything is paid, enough for every payment plus the reserve
    spent: dict[int, int] = {}
    for event in ledger.events:
        for key, amount in event.lines:
            if key[0] == "wallet" and amount < 0:
                spent[key[1]] = spent.get(key[1], 0) - amount
    for n, shop in enumerate(shop_ids):
        need = spent.get(shop, 0) + WALLET_RESERVE_FEN
        at = admitted[n] + HOUR
        ledger.top_up(shop, need, at=at, owner=owner_of[shop], spacing=60)

    # creator ratings (C1) from the reviews written with the orders
    ratings: dict[int, list[int]] = {}
    for spec, _at, rating in written.reviews:
        ratings.setdefault(spec.creator_id, []).append(rating)

    def profiles():
        for n in range(creators):
            pid = profile_ids[n]
            given = ratings.get(pid)
            followers = int(rng.lognormvariate(8.5, 1.8))
            yield (
                pid,
                f"达人{n + 1:06d}",
                "",
                min(followers, 2_000_000_000),
                round(sum(given) / len(given), 2) if given else 0,
                len(given) if given else 0,
                dt(joined[n]),
                dt(joined[n]),
                None,
                creator_user_base + n,
                sum(given) if given else 0,  # rating_total: C1's running sum (issue 20)
            )

    timer.copy(
        "creator profiles",
        "marketplace_creatorprofile",
        [*PROFILE_COLUMNS, "rating_total"],
        profiles(),
    )
    channel_pks = list(channels.values())

    first_channel_row = next_id("marketplace_creatorprofile_channels")

    def creator_channels():
        pk = first_channel_row
        for pid in profile_ids:
            for channel in rng.sample(channel_pks, 1 + int(rand() * 3)):
                yield (pk, pid, channel)
                pk += 1

    timer.copy(
        "creator channels",
        "marketplace_creatorprofile_channels",
        ["id", "creatorprofile_id", "channel_id"],
        creator_channels(),
    )

    def task_rows():
        for row in rows:
            yield (
                *row[:9],
                dt(row[9]),
                dt(row[10]),
                *row[11:15],
                dt(row[15]),
                dt(row[16]),
                row[17],
                dt(row[18]),
                dt(row[19]),
                *row[20:24],
            )

    timer.copy("tasks", "tasks_task", TASK_COLUMNS, task_rows())
    rows.clear()  # a million lists: give the memory back before the ledger
    timer.copy("applications", "tasks_application", APPLICATION_COLUMNS, applications)
    timer.copy(
        "proposals",
        "tasks_proposal",
        [
            "id",
            "quote_fen",
            "plan",
            "status",
            "decided_at",
            "created_at",
            "agency_id",
            "creator_id",
            "order_id",
            "submitted_by_id",
            "task_id",
        ],
        (
            (pid, quote, plan, status, decided, at, None, creator, order, by, task)
            for pid, quote, plan, status, decided, at, task, creator, by, order, _ in proposals
        ),
    )
    ledger_counts = ledger.write(timer)

    # the persona's inbox: a few unread lines, as a busy creator has
    first_notification = next_id("marketplace_notification")
    timer.copy(
        "notifications",
        "marketplace_notification",
        [
            "id",
            "kind",
            "params",
            "read_at",
            "emailed_at",
            "created_at",
            "order_id",
            "task_id",
            "user_id",
        ],
        (
            (
                first_notification + n,
                "application_approved",
                json.dumps({"title": "任务"}),
                None if n < 12 else dt(now - n * HOUR),
                None,
                dt(now - n * HOUR),
                None,
                None,
                creator_user(persona),
            )
            for n in range(60)
        ),
    )
    sync_sequences(
        [
            "marketplace_user",
            "marketplace_organization",
            "marketplace_membership",
            "marketplace_merchantshop",
            "marketplace_paymentaccount",
            "marketplace_creatorprofile",
            "marketplace_creatorprofile_channels",
            "marketplace_notification",
            "tasks_task",
            "tasks_application",
            "tasks_proposal",
        ]
    )

    began = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM too: the tables are then as autovacuum keeps them (hint bits, visibility map),
        # so the first timed request does not pay for rewriting fresh COPY pages.
        for table in (
            "marketplace_user",
            "marketplace_merchantshop",
            "marketplace_organization",
            "marketplace_membership",
            "marketplace_creatorprofile",
            "tasks_task",
            "tasks_application",
            "tasks_proposal",
            "tasks_order",
            "tasks_delivery",
            "tasks_review",
            "django_fsm_log_statelog",
            "escrow_account",
            "escrow_journaltransaction",
            "escrow_entry",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    timer.step("VACUUM (ANALYZE)", began)
    began = time.perf_counter()
    breaches = ledger_breaches()
    timer.step("ledger check (E9)", began)
    if breaches:
        for line in breaches[:20]:
            log("  LEDGER BREACH", line)
        raise SystemExit(f"the generated ledger breaks {len(breaches)} invariants (E9)")
    open_plaza = scalar("SELECT count(*) FROM tasks_task WHERE status = 'open' AND mode = 'plaza'")
    total = time.perf_counter() - started
    rows_written = dict(timer.rows)
    rows_written.update({f"ledger {k}": v for k, v in ledger_counts.items()})
    log(
        f"generated in {total:.0f} s: {open_plaza:,} open plaza tasks; orders by status: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(written.statuses.items()))
    )
    return GenerateResult(
        rows=rows_written,
        seconds=timer.seconds,
        total_seconds=total,
        statuses=written.statuses,
        open_plaza=open_plaza,
        ledger_breaches=breaches,
    )


def _cumulate(weights) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


# --- pools for B2 and B3 ---------------------------------------------------------------------


def add_orders(
    *,
    count: int,
    status: str,
    deadline_from: float,
    deadline_to: float,
    seed: int,
    label: str,
    shop_filter=None,
) -> list[int]:
    """Add `count` private tasks, each with its order in `status` (pending_payment for B2,
    in_production for B3's overdue backlog), delivery deadlines spread over
    [deadline_from, deadline_to) (epoch seconds), their StateLog and ledger (wallet → escrow
    holds; wallets topped up first if they run low). Returns the new order ids."""
    from django.db.models import Max

    from parties.models import CreatorProfile, MerchantShop

    rng = random.Random(seed)
    rand = rng.random
    timer = Timer()
    now = time.time()
    shops = list(
        MerchantShop.objects.order_by("pk").values_list("pk", "organization__memberships__user_id")
    )
    if shop_filter is not None:
        shops = [s for s in shops if shop_filter(s[0])]
    owner_of = dict(shops)
    shop_ids = list(owner_of)
    if not shop_ids:
        raise ValueError(f"{label}: no merchant shop to add orders to")
    top = CreatorProfile.objects.aggregate(top=Max("pk"))["top"] or 0
    creator_users = dict(
        CreatorProfile.objects.filter(pk__lte=min(top, 50_000)).values_list("pk", "user_id")
    )
    creator_ids = list(creator_users)
    from tasks.models import Channel

    channel_ids = list(Channel.objects.values_list("pk", flat=True))
    task_base = next_id("tasks_task")
    task_rows, specs = [], []
    for n in range(count):
        shop = shop_ids[int(rand() * len(shop_ids))]
        creator = creator_ids[int(rand() * len(creator_ids))]
        deadline = deadline_from + (deadline_to - deadline_from) * (n + rand()) / count
        born = min(now, deadline) - (2 + 10 * rand()) * DAY
        price = _price(rng)
        title = f"{BRANDS[n % len(BRANDS)]}{PRODUCTS[n % len(PRODUCTS)]}{label}"
        task_rows.append(
            (
                task_base + n,
                "private",
                title,
                SENTENCES[n % len(SENTENCES)] * 4,
                "video",
                price,
                None,
                "full",
                None,
                None,
                dt(deadline),
                "",
                "",
                "[]",
                "open",
                None,
                None,
                "",
                dt(born),
                dt(born),
                channel_ids[n % len(channel_ids)],
                owner_of[shop],
                None,
                shop,
            )
        )
        specs.append(
            OrderSpec(
                kind="private",
                task_id=task_base + n,
                shop_id=shop,
                creator_id=creator,
                price=price,
                born=born,
                deadline=deadline,
                title=title,
                status=status,
            )
        )
    timer.copy(f"{label}: tasks", "tasks_task", TASK_COLUMNS, task_rows)
    sync_sequences(["tasks_task"])
    ledger = Ledger()
    # B3's backlog is overdue as of `deadline_to`: plan it as of then, so it is still in
    # production (paid and accepted before its deadline, never swept)
    plan_now = max(now, deadline_to) if status == "in_production" else now
    written = write_orders(
        specs,
        rng=rng,
        now=plan_now,
        timer=timer,
        shop_owner=lambda shop: owner_of[shop],
        creator_user=lambda creator: creator_users[creator],
        ledger=ledger,
        label=label,
    )
    _top_up_where_short(ledger, owner_of, now)
    ledger.write(timer, label=f"{label}: ledger")
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("tasks_task", "tasks_order", "escrow_account", "escrow_entry"):
            cursor.execute(f"ANALYZE {table}")
    return written.ids


def _top_up_where_short(ledger: Ledger, owner_of: dict[int, int], now: float) -> None:
    """Before a pool's holds, top up any wallet that would not cover them plus the reserve."""
    from escrow.models import Account

    spent: dict[int, int] = {}
    first: dict[int, float] = {}
    for event in ledger.events:
        for key, amount in event.lines:
            if key[0] == "wallet" and amount < 0:
                spent[key[1]] = spent.get(key[1], 0) - amount
                first[key[1]] = min(first.get(key[1], event.at), event.at)
    balances = dict(
        Account.objects.filter(kind="merchant_wallet", shop_id__in=list(spent)).values_list(
            "shop_id", "balance_fen"
        )
    )
    for shop, amount in spent.items():
        need = amount + WALLET_RESERVE_FEN // 10 - balances.get(shop, 0)
        at = first[shop] - 60
        ledger.top_up(shop, need, at=at, owner=owner_of[shop], spacing=0)


# --- command line ---------------------------------------------------------------------------


def scaled(value: int, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(value * scale))


def record_path():
    return var_dir() / "generate.json"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1")))
    for name, value in DEFAULTS.items():
        parser.add_argument(f"--{name}", type=int, default=None, help=f"default {value:,} × scale")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--force", action="store_true", help="allow a database not named mk_bench10…"
    )
    args = parser.parse_args(argv)
    setup_django()
    name = require_bench_database(force=args.force)
    sizes = {
        key: getattr(args, key) if getattr(args, key) is not None else scaled(value, args.scale, 10)
        for key, value in DEFAULTS.items()
    }
    log(f"database {name}: emptying the apps' tables first (TRUNCATE)")
    wipe_seconds = wipe()
    result = generate(seed=args.seed, **sizes)
    path = record_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                **sizes,
                "scale": args.scale,
                "seed": args.seed,
                "rows": result.rows,
                "seconds": {k: round(v, 2) for k, v in result.seconds.items()},
                "total_seconds": round(result.total_seconds, 1),
                "wipe_seconds": round(wipe_seconds, 1),
                "orders_by_status": result.statuses,
                "open_plaza_tasks": result.open_plaza,
                "finished_at": datetime.now().isoformat(timespec="seconds"),
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
