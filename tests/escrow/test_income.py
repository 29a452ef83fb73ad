"""F2: daily income (生意参谋 · V任务收益金额) — the selector, the REST API, the page and its CSV.

The world is built through the real services, on chosen Beijing days of November 2026:

| when (Beijing)    | what                                                   | merchant | creator |
|-------------------|--------------------------------------------------------|----------|---------|
| 11-02 09:00       | the outsider's shop confirms ¥200 to `creator`         | —        | 200     |
| 11-02 23:59:59    | shop A confirms ¥1,000 to `creator`                    | 1,000    | 1,000   |
| 11-03 00:00:00    | shop A confirms ¥500 to `creator`                      | 500      | 500     |
| 11-03 10:00       | shop B (same merchant) confirms ¥300 to `other`        | 300      | —       |
| 11-04 11:00       | `creator` declines a paid ¥700 order: refund           | —        | —       |
| 11-05 12:00       | a ¥1,000 dispute split: ¥400 to `creator`, rest back   | 400      | 400     |
| 11-05 15:00       | `creator` withdraws ¥100, ops reject: money returned   | —        | —       |

Private orders carry a 10% fee (E10), so every release also pays the platform — never income.
Each series is also checked against the ledger itself: the release entries to earnings
accounts, summed per Beijing day in Python, independently of the selector's query.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.exceptions import InvalidInput
from escrow import selectors
from escrow import services as escrow_services
from escrow.models import AccountKind, Entry, FeePolicy, JournalTransaction, TransactionKind
from parties.models import Membership, Role
from tasks import services
from tests import factories
from tests.conftest import client_for, fund_wallet, row_counts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_is_clean")]

BEIJING = ZoneInfo("Asia/Shanghai")
API = "/api/v1/analytics/income/"
PAGE = "/analytics/income/"
CHART_JS = "vendor/chart.js/chart.umd.min.js"
FIRST, LAST = date(2026, 11, 1), date(2026, 11, 6)
RANGE = {"start": "2026-11-01", "end": "2026-11-06"}


def beijing(*args) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


# --- the world, through the services ---------------------------------------------------------


def _paid(shop, merchant, creator_user, *, price_fen: int, at: datetime, title: str):
    """A private order of `creator_user`, created and paid now (the caller's travelled time)."""
    task = services.task_create(
        actor=merchant,
        mode="private",
        title=title,
        brief="60 秒开箱视频，突出保湿功效",
        content_type="video",
        channel="toutiao",
        price_fen=price_fen,
        delivery_deadline=at + timedelta(days=10),
        shop=shop,
        creator=creator_user.creator_profile,
    )
    return services.order_pay(order=task.order, actor=merchant)


def _order(shop, merchant, creator_user, *, price_fen: int, at: datetime):
    """A private order paid, accepted and delivered two hours before `at`."""
    with time_machine.travel(at - timedelta(hours=2), tick=False):
        order = _paid(
            shop, merchant, creator_user, price_fen=price_fen, at=at, title="新品开箱视频"
        )
        services.order_accept(order=order, actor=creator_user)
        services.order_deliver(order=order, actor=creator_user, links=["https://v.taobao.com/v/1"])
    return order


def confirmed(shop, merchant, creator_user, *, price_fen: int, at: datetime):
    """T52: released by the merchant's confirmation at `at`."""
    order = _order(shop, merchant, creator_user, price_fen=price_fen, at=at)
    with time_machine.travel(at, tick=False):
        services.order_confirm(order=order, actor=merchant, rating=5)
    return order


def split(shop, merchant, creator_user, ops, *, price_fen: int, creator_fen: int, at: datetime):
    """T61: disputed an hour before `at`, split by ops at `at`."""
    order = _order(shop, merchant, creator_user, price_fen=price_fen, at=at)
    with time_machine.travel(at - timedelta(hours=1), tick=False):
        dispute = services.order_dispute(order=order, actor=merchant, reason="只交付了一半")
    with time_machine.travel(at, tick=False):
        services.dispute_resolve(
            dispute=dispute, actor=ops, outcome="split", note="部分交付", creator_fen=creator_fen
        )
    return order


def declined(shop, merchant, creator_user, *, price_fen: int, at: datetime):
    """T5: paid, then declined by the creator at `at`: a full refund."""
    with time_machine.travel(at - timedelta(hours=1), tick=False):
        order = _paid(
            shop, merchant, creator_user, price_fen=price_fen, at=at, title="被拒绝的任务"
        )
    with time_machine.travel(at, tick=False):
        services.order_decline(order=order, actor=creator_user)
    return order


def paying_shop(owner=None):
    shop = factories.ShopFactory(owner=owner) if owner else factories.ShopFactory()
    factories.PaymentAccountFactory(shop=shop, bound_by=shop.owner)
    fund_wallet(shop, 10_000_000)
    return shop


@pytest.fixture
def world(funded_shop, merchant, creator, outsider_creator):
    FeePolicy.objects.update_or_create(order_kind="private", defaults={"rate_bp": 1_000})
    ops = factories.UserFactory(is_staff=True, is_superuser=True)
    second_shop = paying_shop(owner=merchant)
    outsider_shop = paying_shop()

    confirmed(
        outsider_shop, outsider_shop.owner, creator, price_fen=20_000, at=beijing(2026, 11, 2, 9)
    )
    late = confirmed(
        funded_shop, merchant, creator, price_fen=100_000, at=beijing(2026, 11, 2, 23, 59, 59)
    )
    midnight = confirmed(funded_shop, merchant, creator, price_fen=50_000, at=beijing(2026, 11, 3))
    confirmed(
        second_shop, merchant, outsider_creator, price_fen=30_000, at=beijing(2026, 11, 3, 10)
    )
    refunded = declined(
        funded_shop, merchant, creator, price_fen=70_000, at=beijing(2026, 11, 4, 11)
    )
    shared = split(
        funded_shop,
        merchant,
        creator,
        ops,
        price_fen=100_000,
        creator_fen=40_000,
        at=beijing(2026, 11, 5, 12),
    )
    with time_machine.travel(beijing(2026, 11, 5, 15), tick=False):
        profile = creator.creator_profile
        escrow_services.payout_account_bind(
            creator=profile, actor=creator, account_id="creator@example.com", holder_name="王小美"
        )
        withdrawal = escrow_services.withdrawal_request(
            creator=profile, actor=creator, amount_fen=10_000
        )
        escrow_services.withdrawal_reject(withdrawal=withdrawal, actor=ops, reason="账户信息有误")
    return SimpleNamespace(
        merchant=merchant,
        creator=creator,
        other_creator=outsider_creator,
        outsider=outsider_shop.owner,
        shop=funded_shop,
        second_shop=second_shop,
        outsider_shop=outsider_shop,
        ops=ops,
        late=late,
        midnight=midnight,
        refunded=refunded,
        shared=shared,
    )


MERCHANT_DAYS = {
    date(2026, 11, 2): 100_000,
    date(2026, 11, 3): 50_000 + 30_000,
    date(2026, 11, 5): 40_000,
}
CREATOR_DAYS = {
    date(2026, 11, 2): 20_000 + 100_000,
    date(2026, 11, 3): 50_000,
    date(2026, 11, 5): 40_000,
}


def expected(days: dict[date, int], start: date = FIRST, end: date = LAST) -> list:
    return [(day, days.get(day, 0)) for day in days_between(start, end)]


# --- the ledger, read independently ----------------------------------------------------------


def ledger_income(*, start: date, end: date, shops=None, creator=None) -> list[tuple[date, int]]:
    """Sum, per Beijing day, the release entries that credit a creator's earnings account, in
    Python. For a merchant, the release's order is found through the escrow account the same
    transaction debits (E4), not through the transaction's order column."""
    shop_ids = {shop.pk for shop in shops} if shops is not None else None
    totals: dict[date, int] = defaultdict(int)
    releases = Entry.objects.filter(
        account__kind=AccountKind.CREATOR_EARNINGS, transaction__kind=TransactionKind.RELEASE
    ).select_related("account")
    for entry in releases:
        day = entry.created_at.astimezone(BEIJING).date()
        if not start <= day <= end:
            continue
        if creator is not None and entry.account.creator_id != creator.creator_profile.pk:
            continue
        if shop_ids is not None:
            escrow = Entry.objects.select_related("account__order").get(
                transaction_id=entry.transaction_id, account__kind=AccountKind.ORDER_ESCROW
            )
            assert escrow.amount_fen < 0  # a release takes from the escrow (E4)
            if escrow.account.order.shop_id not in shop_ids:
                continue
        totals[day] += entry.amount_fen
    return [(day, totals.get(day, 0)) for day in days_between(start, end)]


# --- the selector --------------------------------------------------------------------------


def test_merchant_series_is_what_its_shops_paid_out_to_creators_per_beijing_day(world):
    """F2/E2/E4: a merchant's series sums, per Beijing day, the amounts its shops' releases
    credited to creators — both of its shops, every creator — and equals the ledger's release
    entries for the same days. Every day of the range is present, 0 when nothing moved."""
    series = selectors.income_series(user=world.merchant, start=FIRST, end=LAST)

    assert series.side == "merchant"
    assert (series.start, series.end) == (FIRST, LAST)
    assert series.days == expected(MERCHANT_DAYS)
    assert series.total_fen == 220_000
    assert series.days == ledger_income(
        start=FIRST, end=LAST, shops=[world.shop, world.second_shop]
    )


def test_creator_series_is_what_its_own_earnings_received_per_beijing_day(world):
    """F2/E2/A3: a creator's series is what releases credited to its own earnings account,
    from every merchant that paid it; another creator's series holds only its own."""
    mine = selectors.income_series(user=world.creator, start=FIRST, end=LAST)
    other = selectors.income_series(user=world.other_creator, start=FIRST, end=LAST)

    assert mine.side == other.side == "creator"
    assert mine.days == expected(CREATOR_DAYS)
    assert mine.total_fen == 210_000
    assert mine.days == ledger_income(start=FIRST, end=LAST, creator=world.creator)
    assert other.days == expected({date(2026, 11, 3): 30_000})
    assert other.days == ledger_income(start=FIRST, end=LAST, creator=world.other_creator)


def test_a_release_at_23_59_and_one_at_00_00_beijing_land_on_different_days(world):
    """F2: days are Beijing days. 23:59:59 and 00:00:00 are one second apart but on two days
    (both fall on the same UTC date, 2026-11-02, so a UTC truncation would merge them)."""
    late_release = JournalTransaction.objects.get(
        kind=TransactionKind.RELEASE, order=world.late
    ).created_at
    midnight_release = JournalTransaction.objects.get(
        kind=TransactionKind.RELEASE, order=world.midnight
    ).created_at
    assert midnight_release - late_release == timedelta(seconds=1)
    assert late_release.astimezone(ZoneInfo("UTC")).date() == date(2026, 11, 2)
    assert midnight_release.astimezone(ZoneInfo("UTC")).date() == date(2026, 11, 2)

    only_shop_a = selectors.income_series(
        user=world.merchant, start=date(2026, 11, 2), end=date(2026, 11, 3), shop=world.shop
    )

    assert only_shop_a.days == [(date(2026, 11, 2), 100_000), (date(2026, 11, 3), 50_000)]


def test_refunds_fees_and_returned_withdrawals_are_not_income(world):
    """F2/E4/T5: the declined order's refund, the platform's fees and a rejected withdrawal
    that returned money to the creator's earnings move money but are not income: the 11-04
    refund day is 0, and 11-05 counts only the split's creator part."""
    merchant = dict(selectors.income_series(user=world.merchant, start=FIRST, end=LAST).days)
    creator = dict(selectors.income_series(user=world.creator, start=FIRST, end=LAST).days)
    returned = Entry.objects.get(
        transaction__kind=TransactionKind.PAYOUT_RETURNED,
        account__kind=AccountKind.CREATOR_EARNINGS,
    )
    fees = sum(
        Entry.objects.filter(
            transaction__kind=TransactionKind.RELEASE, account__kind=AccountKind.PLATFORM_FEES
        ).values_list("amount_fen", flat=True)
    )

    assert JournalTransaction.objects.filter(
        kind=TransactionKind.REFUND, order=world.refunded
    ).exists()
    assert merchant[date(2026, 11, 4)] == creator[date(2026, 11, 4)] == 0
    assert returned.amount_fen == 10_000
    assert returned.created_at.astimezone(BEIJING).date() == date(2026, 11, 5)
    assert creator[date(2026, 11, 5)] == 40_000
    assert fees == 2_000 + 10_000 + 5_000 + 3_000 + 4_000


def test_a_dispute_split_counts_only_the_creators_part(world):
    """F2/T61/E10: a split releases ¥400 to the creator and ¥40 fee to the platform, and
    refunds ¥660 to the merchant; only the ¥400 is income, for both sides."""
    moved = dict(
        Entry.objects.filter(transaction__order=world.shared, transaction__kind="release")
        .exclude(account__kind=AccountKind.ORDER_ESCROW)
        .values_list("account__kind", "amount_fen")
    )
    day = date(2026, 11, 5)
    merchant = selectors.income_series(user=world.merchant, start=day, end=day)
    creator = selectors.income_series(user=world.creator, start=day, end=day)

    assert moved[AccountKind.CREATOR_EARNINGS] == 40_000
    assert moved[AccountKind.PLATFORM_FEES] == 4_000
    assert merchant.days == creator.days == [(day, 40_000)]


def test_another_merchants_releases_are_not_in_this_merchants_series(world):
    """F2/A3: the outsider's release to the same creator (11-02 09:00) is in the creator's
    series and the outsider's, never in this merchant's."""
    day = date(2026, 11, 2)
    outsider = selectors.income_series(user=world.outsider, start=day, end=day)
    merchant = selectors.income_series(user=world.merchant, start=day, end=day)

    assert outsider.days == [(day, 20_000)]
    assert merchant.days == [(day, 100_000)]
    assert outsider.days == ledger_income(start=day, end=day, shops=[world.outsider_shop])


def test_the_shop_narrows_a_merchants_series_and_a_strangers_shop_yields_nothing(world):
    """F2/A3: `shop` narrows to one of the merchant's shops; the selector re-checks the shop
    against the user's shops, so a stranger's shop can only give zeros, never its data."""
    second = selectors.income_series(
        user=world.merchant, start=FIRST, end=LAST, shop=world.second_shop
    )
    stranger = selectors.income_series(
        user=world.merchant, start=FIRST, end=LAST, shop=world.outsider_shop
    )

    assert second.days == expected({date(2026, 11, 3): 30_000})
    assert second.days == ledger_income(start=FIRST, end=LAST, shops=[world.second_shop])
    assert stranger.total_fen == 0


def test_the_series_is_one_grouped_query(world):
    """F2: the database groups by Beijing day; the selector does not loop over entries."""
    with CaptureQueriesContext(connection) as merchant_queries:
        selectors.income_series(user=world.merchant, start=FIRST, end=date(2026, 12, 31))
    with CaptureQueriesContext(connection) as creator_queries:
        selectors.income_series(user=world.creator, start=FIRST, end=date(2026, 12, 31))

    assert len(merchant_queries) == 1
    assert "GROUP BY" in merchant_queries[0]["sql"]
    assert "Asia/Shanghai" in merchant_queries[0]["sql"]
    assert len(creator_queries) == 1


@pytest.mark.parametrize(
    "start,end,field",
    [
        (date(2026, 11, 6), date(2026, 11, 5), "end"),
        (date(2025, 10, 31), date(2026, 11, 1), "start"),  # 367 days
        (date(1999, 12, 31), date(2000, 1, 1), "start"),
        (date(2099, 12, 31), date(9999, 12, 31), "end"),
    ],
    ids=["end-before-start", "367-days", "before-2000", "after-2099"],
)
def test_a_bad_range_is_refused_naming_the_field(start, end, field, merchant):
    """F2: an end before the start, more than 366 days, or a date out of any ledger's reach
    is InvalidInput naming the field."""
    with pytest.raises(InvalidInput) as refused:
        selectors.income_series(user=merchant, start=start, end=end)

    assert field in refused.value.fields


def test_366_days_is_the_longest_range(merchant):
    """F2: 366 days (a leap year) is allowed, every day present."""
    series = selectors.income_series(user=merchant, start=date(2027, 1, 1), end=date(2027, 12, 31))
    assert len(series.days) == 365
    series = selectors.income_series(user=merchant, start=date(2027, 11, 1), end=date(2028, 10, 31))
    assert len(series.days) == 366 and series.total_fen == 0


def test_users_without_a_side_have_no_series(agency_staff):
    """F2/A3: ops, agency and provider staff have no side: Http404."""
    with pytest.raises(Http404):
        selectors.income_series(user=agency_staff, start=FIRST, end=LAST)


# --- the API ---------------------------------------------------------------------------------


def test_api_answers_the_series_in_yuan_with_iso_dates(world):
    """F2/E1/§5: `{side, start, end, total, days: [{date, amount}]}`, money as yuan strings
    with two decimals, every day present; the total is the ledger's."""
    response = client_for(world.merchant).get(API, RANGE)

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "side": "merchant",
        "start": "2026-11-01",
        "end": "2026-11-06",
        "total": "2200.00",
        "days": [
            {"date": "2026-11-01", "amount": "0.00"},
            {"date": "2026-11-02", "amount": "1000.00"},
            {"date": "2026-11-03", "amount": "800.00"},
            {"date": "2026-11-04", "amount": "0.00"},
            {"date": "2026-11-05", "amount": "400.00"},
            {"date": "2026-11-06", "amount": "0.00"},
        ],
    }
    ledger = ledger_income(start=FIRST, end=LAST, shops=[world.shop, world.second_shop])
    assert sum(fen for _day, fen in ledger) == 220_000


def test_api_gives_the_creator_its_own_series(world):
    """F2/A4: a creator gets side `creator` and its own earnings; `shop` does not apply."""
    body = client_for(world.creator).get(API, {**RANGE, "shop": world.shop.pk}).json()

    assert body["side"] == "creator"
    assert body["total"] == "2100.00"
    assert [row["amount"] for row in body["days"]] == [
        "0.00",
        "1200.00",
        "500.00",
        "0.00",
        "400.00",
        "0.00",
    ]


def test_api_narrows_to_one_of_the_merchants_shops(world):
    """F2: `?shop=` one of the merchant's shops gives that shop's series only."""
    body = client_for(world.merchant).get(API, {**RANGE, "shop": world.second_shop.pk}).json()
    assert body["total"] == "300.00"


@pytest.mark.parametrize("shop_param", ["outsider", "999999", "abc"])
def test_api_another_tenants_shop_is_404(shop_param, world):
    """A3: another merchant's shop (or no such shop) answers 404 in the error shape."""
    shop_id = world.outsider_shop.pk if shop_param == "outsider" else shop_param

    response = client_for(world.merchant).get(API, {**RANGE, "shop": shop_id})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_api_defaults_to_the_last_30_days_ending_today(world):
    """F2: without dates: the 30 Beijing days ending today. At 00:30 on 12-01 Beijing (still
    11-30 in UTC) today is 12-01."""
    with time_machine.travel(beijing(2026, 12, 1, 0, 30), tick=False):
        body = client_for(world.merchant).get(API).json()

    assert (body["start"], body["end"]) == ("2026-11-02", "2026-12-01")
    assert len(body["days"]) == 30
    assert body["total"] == "2200.00"


def test_api_with_only_an_end_counts_30_days_back(merchant):
    """F2: `end` alone: the 30 days ending then."""
    body = client_for(merchant).get(API, {"end": "2026-03-01"}).json()
    assert (body["start"], body["end"]) == ("2026-01-31", "2026-03-01")


@pytest.mark.parametrize(
    "query,field",
    [
        ({"start": "2026-11-06", "end": "2026-11-05"}, "end"),
        ({"start": "2025-10-31", "end": "2026-11-01"}, "start"),
        ({"start": "2026-13-01"}, "start"),
        ({"start": "11/01/2026"}, "start"),
        ({"end": "20261101"}, "end"),
        ({"end": "2026-11-1"}, "end"),
        ({"start": "0001-01-01"}, "start"),
    ],
    ids=["end-before-start", "367-days", "month-13", "us-format", "compact", "one-digit", "year-1"],
)
def test_api_bad_dates_are_400_naming_the_field(query, field, merchant):
    """F2/§5: bad input is 400 in the error shape, with the field named."""
    response = client_for(merchant).get(API, query)

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"] and error["message"]


def test_api_names_every_bad_date(merchant):
    """F2/§5: both dates wrong: both fields are named in one 400."""
    response = client_for(merchant).get(API, {"start": "yesterday", "end": "2026-02-30"})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"start", "end"}


def test_api_users_without_a_side_are_refused(agency_staff):
    """F2/A1: the series belongs to merchants and creators; others are wrong_side (403), as
    for the wallet."""
    response = client_for(agency_staff).get(API)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_side"


def test_api_needs_authentication(api_client):
    """§5: no session or token: 401."""
    assert api_client.get(API).status_code == 401


def test_api_query_count_does_not_grow_with_the_range(world):
    """F2: 7 days or 60 days, the same number of queries (one grouped query for the data)."""
    client = client_for(world.merchant)
    with CaptureQueriesContext(connection) as week:
        assert client.get(API, {"start": "2026-11-01", "end": "2026-11-07"}).status_code == 200
    with CaptureQueriesContext(connection) as two_months:
        assert client.get(API, {"start": "2026-10-01", "end": "2026-11-29"}).status_code == 200
    assert len(week) == len(two_months)


# --- the page and its CSV --------------------------------------------------------------------


def test_page_shows_total_chart_and_table_with_a_local_chart_library(client, world):
    """F2/E1: 200; the total and each day as ¥1,280.00; the chart canvas, its data in a
    json_script, and Chart.js from our own static files — no CDN, no absolute URL."""
    client.force_login(world.merchant)

    response = client.get(PAGE, RANGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<canvas id="income-chart"' in html
    assert '<script id="income-data" type="application/json">' in html
    assert f'<script src="/static/{CHART_JS}"></script>' in html
    assert finders.find(CHART_JS) is not None
    assert 'src="http' not in html and 'href="http' not in html and "cdn" not in html.lower()
    assert "¥2,200.00" in html and "¥1,000.00" in html and "¥800.00" in html
    assert response.context["series"].days == expected(MERCHANT_DAYS)
    assert response.context["chart"]["fen"] == [0, 100_000, 80_000, 0, 40_000, 0]
    assert response.context["chart"]["labels"][0] == "2026-11-01"


def test_page_defaults_to_the_last_30_days_and_fills_the_inputs(client, world):
    """F2: without dates the page shows the 30 days ending today, and says so in the inputs."""
    client.force_login(world.creator)
    with time_machine.travel(beijing(2026, 11, 30, 20), tick=False):
        response = client.get(PAGE)

    assert response.status_code == 200
    series = response.context["series"]
    assert (series.start, series.end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert series.total_fen == 210_000
    html = response.content.decode()
    assert 'value="2026-11-01"' in html and 'value="2026-11-30"' in html


def test_navigation_wallet_and_earnings_link_to_the_page(client, world):
    """F2: merchants and creators find the page in the navigation and on their money pages."""
    for user, money_page in ((world.merchant, "wallet"), (world.creator, "earnings")):
        client.force_login(user)
        response = client.get(reverse(money_page))
        assert PAGE in [url for _label, url in response.context["nav_items"]]
        assert 'data-testid="income-link"' in response.content.decode()


@pytest.mark.parametrize(
    "query,field",
    [
        ({"start": "2026-11-06", "end": "2026-11-05"}, "end"),
        ({"start": "2025-10-31", "end": "2026-11-01"}, "start"),
        ({"start": "not-a-date"}, "start"),
    ],
    ids=["end-before-start", "367-days", "garbage"],
)
def test_page_shows_range_errors_next_to_the_fields(query, field, client, merchant):
    """F2: a bad range is explained next to the field; no chart, no CSV link."""
    client.force_login(merchant)

    response = client.get(PAGE, query)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert response.context["series"] is None
    html = response.content.decode()
    assert f'data-testid="error-{field}"' in html
    assert '<canvas id="income-chart"' not in html and "income-csv" not in html


def test_page_for_a_strangers_shop_is_404(client, world):
    """A3: `?shop=` another tenant's shop answers 404."""
    client.force_login(world.merchant)
    assert client.get(PAGE, {**RANGE, "shop": world.outsider_shop.pk}).status_code == 404


def test_page_is_404_for_users_without_a_side(client, agency_staff, db):
    """F2/A3: ops, agency staff and provider staff have no income page: 404."""
    ops = factories.UserFactory(is_staff=True)
    provider_staff = factories.UserFactory()
    provider = factories.ProviderFactory()
    Membership.objects.create(
        user=provider_staff, organization=provider.organization, role=Role.OWNER
    )
    for user in (ops, agency_staff, provider_staff):
        client.force_login(user)
        assert client.get(PAGE).status_code == 404
        assert client.get(PAGE, {"format": "csv"}).status_code == 404


def test_page_needs_a_login(client):
    """F2/A3: the page redirects an anonymous visitor to the login page."""
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_csv_is_utf8_with_a_bom_and_parses_back_to_the_series(client, world):
    """F2: `?format=csv`: text/csv in UTF-8 with a BOM (Excel), an attachment named after the
    range, one row a day: the date and the amount in yuan with two decimals."""
    client.force_login(world.merchant)

    response = client.get(PAGE, {**RANGE, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="income-2026-11-01_2026-11-06.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(header) == 2
    assert rows == [
        [day.isoformat(), f"{fen // 100}.{fen % 100:02d}"] for day, fen in expected(MERCHANT_DAYS)
    ]
    assert [
        (date.fromisoformat(day), int(amount.replace(".", ""))) for day, amount in rows
    ] == ledger_income(start=FIRST, end=LAST, shops=[world.shop, world.second_shop])


def csv_rows(response) -> list[list[str]]:
    """The data rows of a CSV answer (the header skipped)."""
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]


def test_csv_of_a_creator_and_of_one_shop(client, world):
    """F2: the creator's CSV is its own series; a merchant's CSV honours `shop`."""
    client.force_login(world.creator)
    rows = csv_rows(client.get(PAGE, {**RANGE, "format": "csv"}))
    assert [amount for _day, amount in rows] == [
        "0.00",
        "1200.00",
        "500.00",
        "0.00",
        "400.00",
        "0.00",
    ]

    client.force_login(world.merchant)
    query = {**RANGE, "format": "csv", "shop": world.second_shop.pk}
    rows = csv_rows(client.get(PAGE, query))
    assert [amount for _day, amount in rows] == ["0.00", "0.00", "300.00", "0.00", "0.00", "0.00"]


def test_csv_with_a_bad_range_shows_the_page_with_the_error(client, merchant):
    """F2: no file for a bad range: the page explains it instead."""
    client.force_login(merchant)
    response = client.get(PAGE, {"start": "2026-11-06", "end": "2026-11-05", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "end" in response.context["form"].errors


def test_page_query_count_does_not_grow_with_the_range(client, world):
    """F2: the page runs the same number of queries for 7 days as for 60."""
    client.force_login(world.merchant)
    client.get(PAGE, RANGE)  # warm the session and the per-process caches
    with CaptureQueriesContext(connection) as week:
        client.get(PAGE, {"start": "2026-11-01", "end": "2026-11-07"})
    with CaptureQueriesContext(connection) as two_months:
        client.get(PAGE, {"start": "2026-10-01", "end": "2026-11-29"})
    assert len(week) == len(two_months)


def test_reading_income_changes_nothing(client, world):
    """F2: the analytics only read: no ledger row appears."""
    before = row_counts(Entry, JournalTransaction)
    client.force_login(world.merchant)
    client.get(PAGE, RANGE)
    client.get(PAGE, {**RANGE, "format": "csv"})
    client_for(world.merchant).get(API, RANGE)
    assert row_counts(Entry, JournalTransaction) == before
