"""The words of V任务 and 星图 (issue 21): one name for the delivery time (推送时间), 逾期未交付,
待审核 for a pending application, 尾款 for a deposit order's balance payment, 给达人的留言 on a
recruitment application."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import translation

from escrow.memos import memo, memo_text
from tasks.forms import NoteForm
from tasks.models import ApplicationStatus, OrderStatus, Task

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_the_chinese_words_are_the_platforms():
    with translation.override("zh-hans"):
        assert str(Task._meta.get_field("delivery_deadline").verbose_name) == "推送时间"
        assert str(OrderStatus.OVERDUE_UNDELIVERED.label) == "逾期未交付"
        assert str(ApplicationStatus.PENDING.label) == "待审核"
        assert memo_text(memo("balance")) == "尾款"
        assert str(NoteForm(to_creator=True).fields["note"].label) == "给达人的留言"
        assert str(NoteForm().fields["note"].label) == "给商家的留言"


def test_no_translation_uses_the_words_we_dropped():
    """One name for the delivery time, and 逾期 rather than 超时, everywhere."""
    text = PO.read_text(encoding="utf-8")
    msgstrs = [line for line in text.splitlines() if line.startswith("msgstr")]
    assert not [line for line in msgstrs if "交付截止" in line or "超时未交付" in line]
