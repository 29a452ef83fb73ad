"""The closing report (结案报告, P7): which orders it covers, what the ledger says each cost
(E4), the content metrics (F1), the PDF and XLSX downloads, and a query count that does not grow
with the number of orders.

Every order here is walked through the real services (pay, accept, deliver, confirm, decline,
dispute and split, forfeit, the plaza's combined payment), so the money figures are the ledger's
own. Private orders carry a 10% fee (E10) so that spent = price + fee shows apart from the price.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from core.exceptions import InvalidInput
from escrow.models import Account, AccountKind, FeePolicy
from providers.reports import (
    ClosingReport,
    closing_report,
    report_filename,
    report_pdf,
    report_xlsx,
)
from tasks import services
from tasks.models import ContentMetric, Order, OrderStatus
from tests import factories
from tests.builders import delivered_order
from tests.conftest import fund_wallet

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
PRICE_FEN = 100_000  # ¥1,000.00
FEE_FEN = 10_000  # 10% (E10)
TOTAL_FEN = PRICE_FEN + FEE_FEN
LINK = "https://v.taobao.com/v/1001"
ORDER_HEADERS_EN = [
    "Order ID",
    "Task",
    "Creator",
    "Status",
    "Price",
    "Fee",
    "Spent",
    "Refunded",
    "Held",
    "Delivered at",
    "Views",
    "Likes",
    "Comments",
    "Shares",
    "Clicks",
    "GMV",
    "Delivered links",
]


@pytest.fixture(autouse=True)
def ten_percent_fee_on_private_orders(db):
    FeePolicy.objects.update_or_create(order_kind="private", defaults={"rate_bp": 1_000})


# --- building orders through the services ---------------------------------------------------


def _task(shop, creator, *, title="新品开箱视频", payment="full", price_fen=PRICE_FEN):
    """A private task naming `creator` (a user); its order awaits payment (`task.order`)."""
    return services.task_create(
        actor=shop.owner,
        mode="private",
        title=title,
        brief="60 秒开箱视频，突出保湿功效",
        content_type="video",
        channel="toutiao",
        price_fen=price_fen,
        delivery_deadline=timezone.now() + timedelta(days=10),
        shop=shop,
        creator=creator.creator_profile,
        payment=payment,
    )


def _fresh(order: Order) -> Order:
    return Order.objects.get(pk=order.pk)


def _in_production(shop, creator, **kwargs) -> Order:
    order = _task(shop, creator, **kwargs).order
    services.order_pay(order=order, actor=shop.owner)
    services.order_accept(order=order, actor=creator)
    return _fresh(order)


def _delivered_for_owner(shop, creator, **kwargs) -> Order:
    """`delivered_order` with the shop's owner as the merchant (the walks take no merchant)."""
    return delivered_order(shop, shop.owner, creator, **kwargs)


def _completed(shop, creator, *, links=(LINK,), **kwargs) -> Order:
    order = delivered_order(shop, shop.owner, creator, links=links, **kwargs)
    services.order_confirm(order=order, actor=shop.owner, rating=5)
    return _fresh(order)


def _declined(shop, creator, **kwargs) -> Order:
    order = _task(shop, creator, **kwargs).order
    services.order_pay(order=order, actor=shop.owner)
    services.order_decline(order=order, actor=creator)
    return _fresh(order)


def _split(shop, creator, ops_superuser, *, creator_fen: int, **kwargs) -> Order:
    order = delivered_order(shop, shop.owner, creator, links=[LINK], **kwargs)
    dispute = services.order_dispute(
        order=order, actor=shop.owner, reason="第二条视频没有露出产品", ground="quality"
    )
    services.dispute_resolve(
        dispute=dispute,
        actor=ops_superuser,
        outcome="split",
        note="各担一部分",
        creator_fen=creator_fen,
    )
    return _fresh(order)


def _forfeited(shop, creator) -> Order:
    """A deposit order (T40–T42) whose balance was never paid: the deposit is forfeited."""
    order = _task(shop, creator, payment="deposit").order
    services.order_pay(order=order, actor=shop.owner)
    services.order_accept(order=order, actor=creator)
    order = _fresh(order)
    services.order_forfeit(order=order, at=order.balance_deadline + timedelta(seconds=1))
    return _fresh(order)


def _metric(order: Order, day: date, **figures) -> ContentMetric:
    return ContentMetric.objects.create(order=order, date=day, **figures)


def _lines(report: ClosingReport) -> dict[int, object]:
    return {line.order.pk: line for line in report.orders}


def _escrow_balance(order: Order) -> int:
    account = Account.objects.filter(kind=AccountKind.ORDER_ESCROW, order=order).first()
    return account.balance_fen if account else 0


def _beijing(*args) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


# --- what is selected ------------------------------------------------------------------------


def test_a_period_is_beijing_dates_inclusive(funded_shop, creator):
    """P7: a period selects the shop's orders created from `start` 00:00 to `end` + 1 day 00:00
    Beijing time: an order at 00:10 on the 1st (still the previous day in UTC) is in, one at
    23:30 the day before and one at 00:00 the day after the end are out."""
    created = {}
    for name, moment in {
        "before": _beijing(2026, 10, 31, 23, 30),
        "first": _beijing(2026, 11, 1, 0, 10),
        "last": _beijing(2026, 11, 30, 23, 59),
        "after": _beijing(2026, 12, 1, 0, 0),
    }.items():
        with time_machine.travel(moment, tick=False):
            created[name] = _task(funded_shop, creator, title=name).order

    report = closing_report(shop=funded_shop, start=date(2026, 11, 1), end=date(2026, 11, 30))

    assert [line.order.pk for line in report.orders] == [
        created["first"].pk,
        created["last"].pk,
    ]
    assert [line.title for line in report.tasks] == ["first", "last"]
    assert (report.start, report.end, report.task_ids) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
        None,
    )
    assert report.totals.tasks == 2 and report.totals.orders == 2


def test_open_bounds_and_no_bounds(funded_shop, creator):
    """P7: either bound of the period is optional; with neither, every order of the shop."""
    with time_machine.travel(_beijing(2026, 11, 5, 12, 0), tick=False):
        early = _task(funded_shop, creator, title="early").order
    with time_machine.travel(_beijing(2026, 11, 20, 12, 0), tick=False):
        late = _task(funded_shop, creator, title="late").order

    def ids(**period):
        return [line.order.pk for line in closing_report(shop=funded_shop, **period).orders]

    assert ids(start=date(2026, 11, 10)) == [late.pk]
    assert ids(end=date(2026, 11, 10)) == [early.pk]
    assert ids() == [early.pk, late.pk]


def test_a_task_selection_covers_those_tasks_and_lists_tasks_without_orders(
    funded_shop, creator, other_shop
):
    """P7: with task ids, the report covers the orders of those tasks only, lists a chosen task
    that has no order yet, and silently ignores another shop's task id."""
    chosen = _completed(funded_shop, creator, title="chosen")
    _completed(funded_shop, creator, title="not chosen")
    empty_task = services.task_create(
        actor=funded_shop.owner,
        mode="plaza",
        title="still enrolling",
        brief="招募 3 位达人",
        content_type="image_text",
        channel="haohuo",
        price_fen=50_000,
        slots=3,
        enrollment_deadline=timezone.now() + timedelta(days=2),
        delivery_deadline=timezone.now() + timedelta(days=10),
        shop=funded_shop,
    )
    foreign = _completed(other_shop, creator, title="foreign")

    report = closing_report(
        shop=funded_shop, task_ids=[chosen.task_id, empty_task.pk, foreign.task_id]
    )

    assert [line.order.pk for line in report.orders] == [chosen.pk]
    by_title = {line.title: line for line in report.tasks}
    assert set(by_title) == {"chosen", "still enrolling"}
    assert (by_title["chosen"].orders, by_title["chosen"].completed) == (1, 1)
    assert by_title["chosen"].spent_fen == TOTAL_FEN
    assert (by_title["still enrolling"].orders, by_title["still enrolling"].spent_fen) == (0, 0)
    assert by_title["still enrolling"].channel_name == empty_task.channel.display_name
    assert report.task_ids == sorted([chosen.task_id, empty_task.pk])
    assert report.totals.tasks == 2 and report.totals.orders == 1


def test_another_shops_orders_are_never_included(funded_shop, creator, other_shop):
    """P7/A3: the same creator working for another shop, in the same period, on a task whose
    id is passed in: none of that shop's orders or money shows up."""
    ours = _completed(funded_shop, creator)
    theirs = _completed(other_shop, creator)
    today = timezone.localdate(timezone.now(), BEIJING)

    by_period = closing_report(shop=funded_shop, start=today, end=today)
    by_tasks = closing_report(shop=funded_shop, task_ids=[ours.task_id, theirs.task_id])
    everything = closing_report(shop=funded_shop)

    for report in (by_period, by_tasks, everything):
        assert [line.order.pk for line in report.orders] == [ours.pk]
        assert report.totals.spent_fen == TOTAL_FEN


def test_end_before_start_is_refused(funded_shop):
    """P7: a period whose end is before its start is bad input, on the `end` field."""
    with pytest.raises(InvalidInput) as refused:
        closing_report(shop=funded_shop, start=date(2026, 11, 30), end=date(2026, 11, 1))

    assert "end" in refused.value.fields


def test_a_one_day_period_is_allowed(funded_shop, creator):
    """P7: start == end is one whole Beijing day."""
    order = _task(funded_shop, creator).order
    today = timezone.localdate(order.created_at, BEIJING)

    report = closing_report(shop=funded_shop, start=today, end=today)

    assert [line.order.pk for line in report.orders] == [order.pk]


# --- the money, from the ledger (E4) --------------------------------------------------------


def test_money_per_order_equals_the_ledger(funded_shop, creator, ops_superuser, ledger_is_clean):
    """P7/E4: a completed order spent price + fee; a declined one was refunded all it paid and
    spent nothing; one in production still holds what was paid; a dispute split spent the
    creator's part plus its fee and refunded the rest; a forfeited deposit counts as spent."""
    completed = _completed(funded_shop, creator)
    declined = _declined(funded_shop, creator)
    in_production = _in_production(funded_shop, creator)
    split = _split(funded_shop, creator, ops_superuser, creator_fen=60_000)
    forfeited = _forfeited(funded_shop, creator)
    unpaid = _task(funded_shop, creator).order

    report = closing_report(shop=funded_shop)
    lines = _lines(report)

    def money(order):
        line = lines[order.pk]
        return (line.spent_fen, line.refunded_fen, line.held_fen)

    assert money(completed) == (TOTAL_FEN, 0, 0)
    assert money(declined) == (0, TOTAL_FEN, 0)
    assert money(in_production) == (0, 0, TOTAL_FEN)
    # the creator's 60,000 plus the 10% fee on it are released; the other 44,000 refunded
    assert money(split) == (66_000, 44_000, 0)
    assert money(forfeited) == (10_000, 0, 0)
    assert money(unpaid) == (0, 0, 0)
    for order in (completed, declined, in_production, split, forfeited, unpaid):
        assert lines[order.pk].held_fen == _escrow_balance(order)
    assert (lines[completed.pk].status, lines[split.pk].status) == (
        OrderStatus.COMPLETED,
        OrderStatus.REFUNDED,
    )
    assert lines[completed.pk].status_display == str(_fresh(completed).get_status_display())

    totals = report.totals
    assert totals.spent_fen == TOTAL_FEN + 66_000 + 10_000
    assert totals.refunded_fen == TOTAL_FEN + 44_000
    assert totals.held_fen == TOTAL_FEN
    assert (totals.orders, totals.completed, totals.tasks) == (6, 1, 6)


def test_a_combined_plaza_payment_is_held_per_order(funded_shop, ledger_is_clean):
    """P7/E4: a plaza task's orders are paid in one journal transaction that names no order
    (T11); the report still finds each order's share in its own escrow."""
    task = services.task_create(
        actor=funded_shop.owner,
        mode="plaza",
        title="广场任务",
        brief="招募 2 位达人",
        content_type="image_text",
        channel="toutiao",
        price_fen=30_000,
        slots=2,
        enrollment_deadline=timezone.now() + timedelta(days=2),
        delivery_deadline=timezone.now() + timedelta(days=10),
        shop=funded_shop,
    )
    for _index in range(2):
        applicant = factories.CreatorFactory().user
        application = services.application_create(task=task, actor=applicant)
        services.application_approve(application=application, actor=funded_shop.owner)
    services.task_close_enrollment(task=task, actor=funded_shop.owner)
    orders = services.plaza_task_pay(task=task, actor=funded_shop.owner)

    report = closing_report(shop=funded_shop, task_ids=[task.pk])

    assert len(report.orders) == 2
    for line in report.orders:
        assert (line.spent_fen, line.refunded_fen, line.held_fen) == (0, 0, 30_000)
    assert report.totals.held_fen == 60_000 == sum(_escrow_balance(order) for order in orders)


# --- delivered content and its metrics (F1) -------------------------------------------------


def test_metrics_and_links_are_summed_per_order_and_in_total(funded_shop, creator):
    """P7/F1: each order carries the sum of its daily metric rows and the links of its latest
    delivery; the totals add up every order."""
    first = _completed(funded_shop, creator, links=[LINK, "https://v.taobao.com/v/1002"])
    second = delivered_order(funded_shop, funded_shop.owner, creator, links=[LINK])
    quiet = _in_production(funded_shop, creator)
    _metric(first, date(2026, 11, 2), views=1_000, likes=50, comments=5, shares=2, clicks=40)
    _metric(first, date(2026, 11, 3), views=500, likes=10, comments=1, shares=1, gmv_fen=12_345)
    _metric(second, date(2026, 11, 3), views=7, likes=1, clicks=3, gmv_fen=100)

    report = closing_report(shop=funded_shop)
    lines = _lines(report)

    first_line = lines[first.pk]
    assert (first_line.views, first_line.likes, first_line.comments) == (1_500, 60, 6)
    assert (first_line.shares, first_line.clicks, first_line.gmv_fen) == (3, 40, 12_345)
    assert first_line.links == [LINK, "https://v.taobao.com/v/1002"]
    assert first_line.delivered_at == _fresh(first).delivered_at is not None
    assert (lines[second.pk].views, lines[second.pk].gmv_fen) == (7, 100)
    assert (lines[quiet.pk].views, lines[quiet.pk].links, lines[quiet.pk].delivered_at) == (
        0,
        [],
        None,
    )
    totals = report.totals
    assert (totals.views, totals.likes, totals.comments) == (1_507, 61, 6)
    assert (totals.shares, totals.clicks, totals.gmv_fen) == (3, 43, 12_445)


def test_the_latest_delivery_gives_the_links(funded_shop, creator):
    """P7/T53: after a revision the report shows the links of the new delivery."""
    order = delivered_order(
        funded_shop, funded_shop.owner, creator, links=["https://v.taobao.com/v/old"]
    )
    services.order_request_revision(order=order, actor=funded_shop.owner, note="换个开头")
    services.order_deliver(order=order, actor=creator, links=["https://v.taobao.com/v/new"])

    report = closing_report(shop=funded_shop)

    assert report.orders[0].links == ["https://v.taobao.com/v/new"]


# --- a constant number of queries -----------------------------------------------------------


def _queries_for(shop, **selection) -> int:
    with CaptureQueriesContext(connection) as queries:
        closing_report(shop=shop, **selection)
    return len(queries)


def test_the_query_count_does_not_grow_with_the_orders(creator, ops_superuser, ledger_is_clean):
    """P7: one order or ten, with deliveries, metrics and ledger entries, the report reads the
    same number of queries (by period and by tasks)."""
    small, large = factories.ShopFactory(), factories.ShopFactory()
    for shop in (small, large):
        factories.PaymentAccountFactory(shop=shop, bound_by=shop.owner)
        fund_wallet(shop, 10_000_000)
    order = _completed(small, creator)
    _metric(order, date(2026, 11, 2), views=10)
    large_orders = []
    for index in range(9):
        walk = (_completed, _delivered_for_owner, _declined, _in_production)[index % 4]
        large_orders.append(walk(large, factories.CreatorFactory().user, title=f"任务 {index}"))
        _metric(large_orders[-1], date(2026, 11, 2), views=index)
    large_orders.append(_split(large, creator, ops_superuser, creator_fen=50_000))
    assert Order.objects.filter(shop=large).count() == 10

    # orders, deliveries, metrics, ledger entries, and the campaign's tasks without orders
    assert _queries_for(small) == _queries_for(large) <= 5
    assert _queries_for(small, task_ids=[order.task_id]) == _queries_for(
        large, task_ids=[large_order.task_id for large_order in large_orders]
    )


# --- PDF -------------------------------------------------------------------------------------


def _page_size(pdf: bytes) -> tuple[float, float]:
    match = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert match, "no MediaBox in the PDF"
    return float(match.group(1)), float(match.group(2))


def test_the_pdf_renders_a_landscape_report_in_the_cjk_font(funded_shop, creator, ops_superuser):
    """P7: the PDF is an A4 landscape document whose text uses the built-in STSong-Light CJK
    font, with every kind of order in it."""
    _metric(_completed(funded_shop, creator), date(2026, 11, 2), views=1_000, gmv_fen=128_000)
    _declined(funded_shop, creator)
    _split(funded_shop, creator, ops_superuser, creator_fen=60_000)
    report = closing_report(shop=funded_shop)

    pdf = report_pdf(report)

    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 1024
    assert b"STSong-Light" in pdf
    width, height = _page_size(pdf)
    assert width > height


def test_the_pdf_of_a_report_without_orders_renders(funded_shop):
    """P7: a period with no orders still gives a valid PDF."""
    report = closing_report(shop=funded_shop, start=date(2020, 1, 1), end=date(2020, 1, 31))
    assert report.orders == [] and report.tasks == []

    pdf = report_pdf(report)

    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 1024


def test_the_pdf_reads_back(funded_shop, creator):
    """P7: a PDF reader (pypdf, a test dependency) opens the document: landscape pages."""
    import pypdf

    _completed(funded_shop, creator)

    reader = pypdf.PdfReader(BytesIO(report_pdf(closing_report(shop=funded_shop))))

    assert len(reader.pages) >= 1
    box = reader.pages[0].mediabox
    assert box.width > box.height


# --- XLSX ------------------------------------------------------------------------------------


def _workbook(report: ClosingReport):
    return load_workbook(BytesIO(report_xlsx(report)))


def test_the_workbook_has_one_row_per_order_and_its_spend_adds_up(
    funded_shop, creator, ops_superuser
):
    """P7/E1: sheets Summary, Tasks and Orders; the Orders sheet has a bold, frozen header and
    one row per order; money is a number of yuan formatted ¥#,##0.00 and the spent column adds
    up exactly to the report's total."""
    completed = _completed(funded_shop, creator, price_fen=128_033)
    _declined(funded_shop, creator)
    _split(funded_shop, creator, ops_superuser, creator_fen=60_001)
    _in_production(funded_shop, creator)
    report = closing_report(shop=funded_shop)

    with translation.override("en"):
        workbook = _workbook(report)

    assert workbook.sheetnames == ["Summary", "Tasks", "Orders"]
    orders = workbook["Orders"]
    header = [cell.value for cell in orders[1]]
    assert header == ORDER_HEADERS_EN
    assert all(cell.font.bold for cell in orders[1])
    assert orders.freeze_panes == "A2"
    assert orders.column_dimensions["B"].width > 10
    rows = list(orders.iter_rows(min_row=2, values_only=True))
    assert sorted(row[0] for row in rows) == sorted(line.order.pk for line in report.orders)
    spent_column = header.index("Spent")
    spent = sum(Decimal(str(row[spent_column])) for row in rows)
    assert spent == Decimal(report.totals.spent_fen) / 100
    first = next(row for row in orders.iter_rows(min_row=2) if row[0].value == completed.pk)
    assert first[spent_column].number_format == "¥#,##0.00"
    # 128,033 fen + 10% fee (12,803.3 → 12,803) = ¥1,408.36, exactly
    assert Decimal(str(first[spent_column].value)) == Decimal("1408.36")
    assert first[header.index("Delivered links")].value == LINK

    tasks = workbook["Tasks"]
    assert tasks.max_row == 1 + len(report.tasks)
    assert tasks.freeze_panes == "A2"
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True)}
    assert Decimal(str(summary["Spent"])) == Decimal(report.totals.spent_fen) / 100
    assert summary["Orders"] == 4


def test_the_workbook_of_a_report_without_orders_has_only_headers(funded_shop):
    """P7: no orders: the sheets are there with their headers and nothing else."""
    workbook = _workbook(closing_report(shop=funded_shop, start=date(2020, 1, 1)))

    assert workbook.sheetnames == ["Summary", "Tasks", "Orders"]
    assert workbook["Orders"].max_row == 1
    assert workbook["Tasks"].max_row == 1


def test_a_name_that_looks_like_a_formula_stays_text(funded_shop):
    """P7: a creator's name or a task title starting with "=" is written as text, so opening
    the file never runs a formula someone typed into a profile."""
    creator = factories.CreatorFactory(display_name='=HYPERLINK("http://evil.example","x")').user
    _completed(funded_shop, creator, title="=1+1")

    row = next(_workbook(closing_report(shop=funded_shop))["Orders"].iter_rows(min_row=2))

    assert (row[1].value, row[1].data_type) == ("=1+1", "s")
    assert row[2].value.startswith("=HYPERLINK") and row[2].data_type == "s"


# --- file name -------------------------------------------------------------------------------


def test_file_names_are_ascii_and_name_the_selection(funded_shop, creator):
    """P7: the download's file name is ASCII whatever the shop is called, and says which shop
    and which period or tasks."""
    order = _task(funded_shop, creator).order
    period = closing_report(shop=funded_shop, start=date(2026, 11, 1), end=date(2026, 11, 30))
    tasks = closing_report(shop=funded_shop, task_ids=[order.task_id])
    pk = funded_shop.pk

    assert report_filename(period, "pdf") == (f"closing-report-shop{pk}-2026-11-01_2026-11-30.pdf")
    assert report_filename(tasks, ".xlsx") == f"closing-report-shop{pk}-tasks-{order.task_id}.xlsx"
    assert report_filename(closing_report(shop=funded_shop), "pdf") == (
        f"closing-report-shop{pk}-all.pdf"
    )
    assert report_filename(closing_report(shop=funded_shop, start=date(2026, 11, 1)), "pdf") == (
        f"closing-report-shop{pk}-from-2026-11-01.pdf"
    )
    assert funded_shop.name.startswith("店铺")


def test_a_period_lists_the_tasks_posted_in_it_even_without_orders(funded_shop, merchant):
    """P7: a plaza task still enrolling (no orders yet) is part of the period's campaign."""
    from tests.tasks.conftest import in_days, iso, post_task

    task_id = post_task(
        merchant, mode="plaza", slots=2, enrollment_deadline=iso(in_days(2))
    ).json()["id"]
    today = timezone.localdate()
    report = closing_report(shop=funded_shop, start=today, end=today)
    assert [line.task.pk for line in report.tasks] == [task_id]
    assert (report.totals.tasks, report.totals.orders) == (1, 0)
