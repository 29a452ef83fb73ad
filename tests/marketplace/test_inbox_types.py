"""The inbox filters by type (issue 21) and opening a notice marks it read (D5)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from parties.models import Notification
from parties.notifications import CATEGORIES, MESSAGES, category_of, notify


def test_every_kind_of_notice_has_a_category():
    assert {category_of(kind) for kind in MESSAGES} == set(CATEGORIES)
    assert category_of("order_paid") == "orders"
    assert category_of("application_received") == "tasks"
    assert category_of("coupons_granted") == "incentives"
    assert category_of("sanction_recorded") == "account"


@pytest.fixture
def notices(db, creator):
    notify([creator], "order_started", title="开箱视频", deadline_at=None)
    notify([creator], "application_approved", title="广场任务")
    notify(
        [creator],
        "sanction_recorded",
        sanction="ban",
        permanent="",
        reason="私下接单",
        until_at=None,
    )
    return creator


def _inbox(client, user, query="") -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(reverse("inbox") + query).content.decode()


def test_the_inbox_shows_one_type_at_a_time(notices, client):
    everything = _inbox(client, notices)
    assert "开箱视频" in everything and "广场任务" in everything and "私下接单" in everything
    orders = _inbox(client, notices, "?type=orders")
    assert "开箱视频" in orders and "广场任务" not in orders and "私下接单" not in orders
    tasks = _inbox(client, notices, "?type=tasks")
    assert "广场任务" in tasks and "开箱视频" not in tasks
    assert 'aria-current="page"' in tasks
    assert "开箱视频" in _inbox(client, notices, "?type=nonsense")  # unknown: everything


def test_opening_a_notice_marks_it_read_and_unread_shows_the_rest(notices, client):
    notice = Notification.objects.get(user=notices, kind="order_started")
    client.force_login(notices)
    client.get(reverse("notice_open", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.read_at is not None
    unread = _inbox(client, notices, "?type=unread")
    assert "开箱视频" not in unread and "广场任务" in unread


def test_the_unread_count_is_beside_the_menu_button_on_a_phone(notices, client):
    """Issue 21: at 390 px the menu is folded; the inbox link with its count stays outside it
    (shown by the stylesheet below 800 px)."""
    html = _inbox(client, notices)
    start = html.index('data-testid="inbox-mobile"')
    link = html[start : html.index("</a>", start)]
    assert '<span class="count">3</span>' in link
    assert start < html.index('class="nav"')  # outside the folded menu
