"""Ledger memos as codes, shown in the reader's language (issue 21).

A journal transaction's memo is stored as a code ("payment", "plaza_task:42") and rendered
when read (`memo_text`), so a merchant reading in English and one reading in Chinese each see
the statement in their own language. The ledger is append-only (escrow migration 0003), so the
memos written before were not rewritten: `memo_text` also recognises the texts they were
stored as, in either language, and shows them in the reader's. A memo that is neither (a
gateway reference, a withdrawal number "#12") is shown as stored.
"""

from __future__ import annotations

from functools import cache

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MEMOS = {
    "payment": _("payment"),
    "deposit": _("deposit"),
    # a deposit order's balance payment (尾款), not a wallet's balance (余额)
    "balance": pgettext_lazy("ledger memo", "balance"),
    "combined_balance": _("combined balance payment"),
    "declined": _("declined"),
    "expired": _("expired"),
    "cancelled": _("cancelled"),
    "deposit_forfeited": _("deposit forfeited"),
    "confirmed": _("confirmed"),
    "confirmed_automatically": _("confirmed automatically"),
    "not_delivered": _("not delivered in time"),
    "dispute_released": _("dispute: released"),
    "dispute_refunded": _("dispute: refunded"),
    "dispute_split": _("dispute: split"),
    "plaza_task": _("plaza task #%(id)s"),
}
LANGUAGES = ("en", "zh-hans")


def memo(code: str, arg: object | None = None) -> str:
    """The memo to store for `code` (and its one argument, an id)."""
    if code not in MEMOS:
        raise ValueError(f"unknown ledger memo {code!r}")
    return code if arg is None else f"{code}:{arg}"


@cache
def _old_texts() -> dict[str, str]:
    """The texts the memos without an argument were stored as before, in both languages."""
    texts = {}
    for language in LANGUAGES:
        with translation.override(language):
            for code, label in MEMOS.items():
                if "%(" not in str(label):
                    texts[str(label)] = code
    return texts


def memo_text(stored: str) -> str:
    """The memo in the language active now."""
    if not stored:
        return ""
    code, _sep, arg = stored.partition(":")
    label = MEMOS.get(code)
    if label is not None and (arg or "%(" not in str(label)):
        return str(label) % {"id": arg} if arg else str(label)
    old = _old_texts().get(stored)
    return str(MEMOS[old]) if old else stored
