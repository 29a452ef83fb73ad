"""Ledger memos are stored as codes and read in the reader's language (issue 21): a statement
in English shows no Chinese memo, and the memos stored as text before still read in either
language."""

import pytest
from django.utils import translation

from escrow.memos import MEMOS, memo, memo_text
from escrow.models import JournalTransaction
from tasks import services
from tests.builders import private_order
from tests.conftest import client_for, fund_wallet


def test_a_memo_code_reads_in_the_language_of_the_reader():
    with translation.override("en"):
        assert memo_text(memo("payment")) == "payment"
        assert memo_text(memo("plaza_task", 42)) == "plaza task #42"
    with translation.override("zh-hans"):
        assert memo_text(memo("payment")) == "付款"
        assert memo_text(memo("plaza_task", 42)) == "广场任务 #42"


def test_memos_stored_as_text_before_read_in_the_readers_language_too():
    """The ledger is append-only, so old memos keep their text; they are recognised."""
    with translation.override("zh-hans"):
        stored_chinese = str(MEMOS["confirmed"])
    with translation.override("en"):
        assert memo_text(stored_chinese) == "confirmed"
        assert memo_text("#12") == "#12"  # a withdrawal number: shown as stored
        assert memo_text("") == ""


def test_an_unknown_code_is_refused_when_written():
    with pytest.raises(ValueError):
        memo("no_such_memo")


def test_the_wallet_statement_in_english_shows_english_memos(db, shop, merchant, creator):
    """The merchant's statement (API) reads the payment's memo in the request's language."""
    fund_wallet(shop, 500_000)
    order = private_order(shop, merchant, creator)
    services.order_pay(order=order, actor=merchant)
    assert JournalTransaction.objects.filter(order=order).get().memo == "payment"
    client = client_for(merchant)
    english = client.get("/api/v1/wallet/entries/", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = client.get("/api/v1/wallet/entries/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    rows = english["results"] if isinstance(english, dict) else english
    assert "payment" in [row["memo"] for row in rows]
    rows = chinese["results"] if isinstance(chinese, dict) else chinese
    assert "付款" in [row["memo"] for row in rows]
