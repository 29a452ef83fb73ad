"""The ops dashboard in the admin (`/admin/dashboard/` and the box on the admin index): today's
orders by status, the money held in escrow (E4), what was released and refunded today (E4), the
open disputes (T61) and the bans in force (S1, S2), in Beijing days, for staff only (A3), at a
constant number of queries.

The orders are walked through the real services at fixed times: yesterday 23:50 and today 00:10
Beijing time are the same UTC day, so a figure computed in UTC days would come out wrong.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from escrow.models import Account, AccountKind, FeePolicy
from marketplace import admin_dashboard
from marketplace.dashboard import ops_dashboard
from parties.models import Sanction, SanctionKind, Violation, ViolationKind
from tasks import services
from tasks.models import Dispute, Order, OrderStatus
from tests import factories

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
YESTERDAY_LATE = datetime(2026, 3, 9, 23, 50, tzinfo=BEIJING)
TODAY_EARLY = datetime(2026, 3, 10, 0, 10, tzinfo=BEIJING)
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=BEIJING)
PRICE_FEN = 100_000  # ¥1,000.00
FEE_FEN = 10_000  # 10% (E10)
TOTAL_FEN = PRICE_FEN + FEE_FEN
LINK = "https://v.taobao.com/v/1001"
DASHBOARD = "/admin/dashboard/"


@pytest.fixture(autouse=True)
def ten_percent_fee_on_private_orders(db):
    """E10: a fee on private orders, so a release moves price + fee out of escrow."""
    FeePolicy.objects.update_or_create(order_kind="private", defaults={"rate_bp": 1_000})


def _staff_client(client, user):
    client.force_login(user)
    return client


# --- building the world through the services ----------------------------------------------


def _order(shop, merchant, creator, title: str, state: str) -> Order:
    """A private order walked through the services to `state`, at the current (travelled)
    time; a disputed order is disputed from production."""
    task = services.task_create(
        actor=merchant,
        mode="private",
        title=title,
        brief="60 秒开箱视频",
        content_type="video",
        channel="toutiao",
        price_fen=PRICE_FEN,
        delivery_deadline=timezone.now() + timedelta(days=10),
        shop=shop,
        creator=creator.creator_profile,
    )
    order = task.order
    if state == OrderStatus.PENDING_PAYMENT:
        return order
    services.order_pay(order=order, actor=merchant)
    if state == OrderStatus.AWAITING_ACCEPTANCE:
        return order
    if state == OrderStatus.CANCELLED:
        return services.order_cancel(order=order, actor=merchant)
    services.order_accept(order=order, actor=creator)
    if state == OrderStatus.DISPUTED:
        services.order_dispute(order=order, actor=merchant, reason="没有露出产品", ground="quality")
        return order
    services.order_deliver(order=order, actor=creator, links=[LINK])
    assert state == OrderStatus.COMPLETED
    return services.order_confirm(order=order, actor=merchant, rating=5)


@pytest.fixture
def world(funded_shop, merchant, creator, ops_superuser):
    """Yesterday: A completed (released), D1 disputed (open), H disputed, G paid. Today: B
    completed (released), C paid then cancelled (refunded), H's dispute refunded, D2 disputed
    (open), E paid, F not paid yet."""
    orders = {}
    with time_machine.travel(YESTERDAY_LATE, tick=False):
        orders["A"] = _order(funded_shop, merchant, creator, "A", OrderStatus.COMPLETED)
        orders["D1"] = _order(funded_shop, merchant, creator, "D1", OrderStatus.DISPUTED)
        orders["H"] = _order(funded_shop, merchant, creator, "H", OrderStatus.DISPUTED)
        orders["G"] = _order(funded_shop, merchant, creator, "G", OrderStatus.AWAITING_ACCEPTANCE)
    with time_machine.travel(TODAY_EARLY, tick=False):
        orders["B"] = _order(funded_shop, merchant, creator, "B", OrderStatus.COMPLETED)
        orders["C"] = _order(funded_shop, merchant, creator, "C", OrderStatus.CANCELLED)
        services.dispute_resolve(
            dispute=Dispute.objects.get(order=orders["H"]),
            actor=ops_superuser,
            outcome="refund",
            note="商家举证充分",
        )
        orders["D2"] = _order(funded_shop, merchant, creator, "D2", OrderStatus.DISPUTED)
        orders["E"] = _order(funded_shop, merchant, creator, "E", OrderStatus.AWAITING_ACCEPTANCE)
        orders["F"] = _order(funded_shop, merchant, creator, "F", OrderStatus.PENDING_PAYMENT)
    return orders


def _sanction(
    ops_superuser, *, kind=SanctionKind.BAN, user=None, organization=None, **fields
) -> Sanction:
    """A Sanction as ops record it: each one follows from its own Violation (S1/S2)."""
    violation = Violation.objects.create(
        kind=ViolationKind.OFF_PLATFORM if organization is None else ViolationKind.COMPLAINTS,
        user=user,
        organization=organization,
        reason="私下接单",
        recorded_by=ops_superuser,
    )
    return Sanction.objects.create(
        violation=violation, user=user, organization=organization, kind=kind, **fields
    )


@pytest.fixture
def sanctions(ops_superuser, agency):
    """In force at NOW: a 7-day ban, a permanent ban, an agency restriction. Not in force: an
    expired ban, a lifted ban, a ban starting tomorrow, a takedown."""
    users = {name: factories.CreatorFactory().user for name in "abcdefg"}
    return {
        "ban": _sanction(
            ops_superuser,
            user=users["a"],
            starts_at=NOW - timedelta(days=1),
            ends_at=NOW + timedelta(days=6),
        ),
        "permanent": _sanction(
            ops_superuser, user=users["b"], starts_at=NOW - timedelta(days=2), is_permanent=True
        ),
        "restriction": _sanction(
            ops_superuser,
            kind=SanctionKind.RESTRICTION,
            organization=agency.organization,
            starts_at=NOW - timedelta(hours=1),
            ends_at=NOW + timedelta(days=30),
        ),
        "expired": _sanction(
            ops_superuser,
            user=users["c"],
            starts_at=NOW - timedelta(days=8),
            ends_at=NOW - timedelta(days=1),
        ),
        "lifted": _sanction(
            ops_superuser,
            user=users["d"],
            starts_at=NOW - timedelta(days=1),
            ends_at=NOW + timedelta(days=6),
            lifted_at=NOW - timedelta(hours=2),
            lifted_by=ops_superuser,
        ),
        "future": _sanction(
            ops_superuser,
            user=users["e"],
            starts_at=NOW + timedelta(days=1),
            ends_at=NOW + timedelta(days=8),
        ),
        "takedown": _sanction(
            ops_superuser,
            kind=SanctionKind.TAKEDOWN,
            user=users["f"],
            starts_at=NOW - timedelta(days=1),
        ),
    }


# --- the figures ---------------------------------------------------------------------------


def test_orders_are_counted_per_status_for_the_beijing_day_and_overall(world, ledger_is_clean):
    """E4/§4: every order status is listed (zeros too) with the orders created today (Beijing
    day) that are in it now, and all orders in it; yesterday 23:50 is not today."""
    dashboard = ops_dashboard(now=NOW)

    rows = {row.status: (row.created_today, row.total) for row in dashboard.orders_by_status}
    assert list(rows) == list(OrderStatus.values)
    assert rows == {
        **{status: (0, 0) for status in OrderStatus.values},
        OrderStatus.PENDING_PAYMENT: (1, 1),
        OrderStatus.AWAITING_ACCEPTANCE: (1, 2),
        OrderStatus.DISPUTED: (1, 2),
        OrderStatus.COMPLETED: (1, 2),
        OrderStatus.CANCELLED: (1, 1),
        OrderStatus.REFUNDED: (0, 1),
    }
    assert (dashboard.orders_created_today, dashboard.orders_total) == (5, 9)
    labels = {row.status: row.label for row in dashboard.orders_by_status}
    assert labels[OrderStatus.DISPUTED] == OrderStatus.DISPUTED.label
    assert dashboard.day.isoformat() == "2026-03-10"


def test_held_is_the_sum_of_every_order_escrow_balance(world, ledger_is_clean):
    """E4: the money held now is what the order escrow accounts hold: the two open disputes
    (frozen, T61) and the two orders awaiting acceptance; ended orders hold nothing."""
    dashboard = ops_dashboard(now=NOW)

    balances = Account.objects.filter(kind=AccountKind.ORDER_ESCROW).values_list(
        "balance_fen", flat=True
    )
    assert dashboard.held_fen == sum(balances) == 4 * TOTAL_FEN
    assert dashboard.orders_holding == 4


def test_released_and_refunded_today_count_the_escrow_outflows_of_the_beijing_day(
    world, ledger_is_clean
):
    """E4: released today is B's confirmation (price + fee leave escrow; A's, yesterday 23:50,
    is not counted); refunded today is C's cancellation and H's dispute refund."""
    dashboard = ops_dashboard(now=NOW)

    assert (dashboard.released_today_fen, dashboard.releases_today) == (TOTAL_FEN, 1)
    assert (dashboard.refunded_today_fen, dashboard.refunds_today) == (2 * TOTAL_FEN, 2)

    yesterday = ops_dashboard(now=YESTERDAY_LATE + timedelta(minutes=5))
    assert (yesterday.released_today_fen, yesterday.releases_today) == (TOTAL_FEN, 1)
    assert (yesterday.refunded_today_fen, yesterday.refunds_today) == (0, 0)
    assert yesterday.orders_created_today == 4


def test_open_disputes_are_counted_and_the_oldest_link_to_their_decision_page(
    world, ops_superuser, client, ledger_is_clean
):
    """T61: the open disputes (a decided one is not) are counted and listed oldest first, each
    linking to its decision page in the admin."""
    d1 = Dispute.objects.get(order=world["D1"])
    d2 = Dispute.objects.get(order=world["D2"])

    dashboard = ops_dashboard(now=NOW)
    with time_machine.travel(NOW, tick=False):
        page = _staff_client(client, ops_superuser).get(DASHBOARD)

    assert dashboard.open_disputes == 2
    assert [dispute.pk for dispute in dashboard.oldest_disputes] == [d1.pk, d2.pk]
    body = page.content.decode()
    assert page.status_code == 200
    decide_d1 = reverse("admin:tasks_dispute_decide", args=[d1.pk])
    decide_d2 = reverse("admin:tasks_dispute_decide", args=[d2.pk])
    assert body.index(f'href="{decide_d1}"') < body.index(f'href="{decide_d2}"')
    resolved = Dispute.objects.get(order=world["H"])
    assert reverse("admin:tasks_dispute_decide", args=[resolved.pk]) not in body


def test_the_page_shows_every_figure_in_yuan(world, sanctions, ops_superuser, client):
    """E1/E4/T61/S1: the dashboard page shows the figures, money as ¥1,280.00."""
    with time_machine.travel(NOW, tick=False):
        page = _staff_client(client, ops_superuser).get(DASHBOARD)

    body = page.content.decode()
    dashboard = page.context["dashboard"]
    assert dashboard.held_fen == 4 * TOTAL_FEN
    assert "¥4,400.00" in body  # held
    assert "¥1,100.00" in body  # released today
    assert "¥2,200.00" in body  # refunded today
    assert f'?status__exact={OrderStatus.DISPUTED}"' in body


def test_bans_in_force_are_counted_and_listed_with_party_and_end(sanctions, ops_superuser, client):
    """S1/S2: bans and restrictions in force now — started, not lifted, permanent or ending
    later — are counted and listed with their party and end; an expired, lifted, future ban
    and a takedown are not."""
    dashboard = ops_dashboard(now=NOW)

    in_force = {sanctions[name].pk for name in ("ban", "permanent", "restriction")}
    assert dashboard.bans_in_force == 3
    assert {sanction.pk for sanction in dashboard.bans} == in_force
    assert all(sanction.in_force_at(NOW) for sanction in dashboard.bans)
    outside = set(Sanction.objects.values_list("pk", flat=True)) - in_force
    assert not any(Sanction.objects.get(pk=pk).in_force_at(NOW) for pk in outside)

    with time_machine.travel(NOW, tick=False):
        body = _staff_client(client, ops_superuser).get(DASHBOARD).content.decode()
    ban = sanctions["ban"]
    assert ban.user.get_username() in body
    assert sanctions["restriction"].organization.name in body
    assert sanctions["expired"].user.get_username() not in body
    assert sanctions["lifted"].user.get_username() not in body
    assert "2026-03-16 10:00" in body  # the 7-day ban's end, Beijing time


def test_a_sanctions_admin_not_registered_yet_leaves_the_rows_without_links():
    """S1/S2: the dashboard links each ban to the sanctions admin only when it is registered;
    an unknown admin URL gives no link instead of an error."""
    assert admin_dashboard._url("admin:marketplace_nosuchmodel_changelist") is None
    assert admin_dashboard._url("admin:tasks_dispute_decide", 1) == "/admin/tasks/dispute/1/decide/"


def test_the_admin_index_shows_the_key_figures_and_links_the_dashboard(
    world, sanctions, ops_superuser, client
):
    """E4/T61/S1: the box at the top of the admin index shows the key figures and links the
    dashboard; the app list is still there."""
    with time_machine.travel(NOW, tick=False):
        page = _staff_client(client, ops_superuser).get(reverse("admin:index"))

    body = page.content.decode()
    assert page.status_code == 200
    box = body[body.index('data-testid="ops-dashboard-box"') :]
    assert f'href="{DASHBOARD}"' in box
    assert "¥4,400.00" in box
    assert box.index("ops-dashboard-box") < box.index('id="content-main"')
    assert reverse("admin:tasks_order_changelist") in body  # the app list below


# --- access (A3) ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "merchant", "creator"])
def test_only_staff_open_the_dashboard(who, request, client):
    """A3: ops staff only; anyone else is sent to the admin login, seeing no figure."""
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_open_the_dashboard(ops_superuser, client):
    """A3: ops staff see the dashboard, zeros on an empty marketplace."""
    response = _staff_client(client, ops_superuser).get(DASHBOARD)

    assert response.status_code == 200
    assert response.context["dashboard"].orders_total == 0
    assert "¥0.00" in response.content.decode()


# --- cost ----------------------------------------------------------------------------------


def _sizes(dashboard) -> tuple[int, int, int]:
    return dashboard.orders_total, dashboard.open_disputes, dashboard.bans_in_force


def test_the_dashboard_costs_the_same_queries_for_1_and_20_orders(
    funded_shop, merchant, creator, ops_superuser, client
):
    """T61/E4/S1 (speed rule): the page runs as many queries with 20 disputed orders and 20
    bans as with 1 of each — aggregates in the database, no query per row."""
    staff = _staff_client(client, ops_superuser)

    def build(n):
        for _ in range(n):
            order = _order(funded_shop, merchant, creator, "争议订单", OrderStatus.DISPUTED)
            _sanction(
                ops_superuser,
                user=factories.CreatorFactory().user,
                starts_at=order.created_at - timedelta(days=1),
                ends_at=order.created_at + timedelta(days=7),
            )

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = staff.get(DASHBOARD)
        assert response.status_code == 200
        return len(captured.captured_queries), response.context["dashboard"]

    build(1)
    staff.get(DASHBOARD)  # warm per-process caches
    one, dashboard = count()
    assert _sizes(dashboard) == (1, 1, 1)
    build(19)
    twenty, dashboard = count()
    assert _sizes(dashboard) == (20, 20, 20)
    assert twenty == one, f"{one} queries for 1 order, {twenty} for 20"


def test_the_dashboard_is_the_admin_sites_own_page_not_a_patch():
    """Issue 18 (STYLE: no import-time patching): the default admin site is an OpsAdminSite
    whose dashboard URL and index come from its class; importing a module replaces nothing on
    the site object."""
    from django.contrib import admin

    admin.site.get_urls()  # resolve the lazy default site
    site = admin.site._wrapped
    assert isinstance(site, admin_dashboard.OpsAdminSite)
    assert not {"get_urls", "index"} & set(vars(site))
    assert reverse("admin:ops_dashboard") == "/admin/dashboard/"
