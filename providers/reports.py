"""The closing report (结案报告, P7): a merchant's campaign in one document.

For one shop and either a period (orders created in it, Beijing dates) or a set of tasks, the
report lists the tasks, every order with what the ledger says it cost, the delivered content and
its metrics (F1), and the totals. It is read on a page and downloaded as PDF (reportlab) or
XLSX (openpyxl).

Money figures come from the ledger, never from the order's price (E4): for each order's escrow
account, what left it by release or forfeit is spent (to the creator's earnings and the
platform's fees), what left it by refund went back to the wallet, and its balance is still held.
The report reads a constant number of queries however many orders it covers: the orders with
their task, channel and creator; their deliveries; one grouped query over the metrics; one
grouped query over the escrow entries; and, for a task selection, the selected tasks.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Sum
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from core.exceptions import InvalidInput
from core.money import format_cny
from escrow.models import AccountKind, Entry, TransactionKind
from parties.models import MerchantShop
from tasks.models import ContentMetric, Delivery, Order, OrderStatus, Task

BEIJING = ZoneInfo("Asia/Shanghai")
METRICS = ("views", "likes", "comments", "shares", "clicks", "gmv_fen")
# Escrow movements that pay out of the order: the release (creator's earnings and the fee)
# and a forfeited deposit (platform fees). A refund goes back to the merchant's wallet.
SPENT_KINDS = (TransactionKind.RELEASE, TransactionKind.FORFEIT)
REFUND_KINDS = (TransactionKind.REFUND,)


@dataclass
class OrderLine:
    order: Order
    task_title: str
    creator_name: str
    status: str
    status_display: str
    price_fen: int
    fee_fen: int
    spent_fen: int
    refunded_fen: int
    held_fen: int
    delivered_at: datetime | None
    links: list[str]
    views: int
    likes: int
    comments: int
    shares: int
    clicks: int
    gmv_fen: int


@dataclass
class TaskLine:
    task: Task | None
    title: str
    mode_display: str
    channel_name: str
    content_type_display: str
    orders: int
    completed: int
    spent_fen: int


@dataclass
class ReportTotals:
    tasks: int = 0
    orders: int = 0
    completed: int = 0
    spent_fen: int = 0
    refunded_fen: int = 0
    held_fen: int = 0
    views: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0
    clicks: int = 0
    gmv_fen: int = 0


@dataclass
class ClosingReport:
    shop: MerchantShop
    start: date | None
    end: date | None
    task_ids: list[int] | None
    generated_at: datetime
    tasks: list[TaskLine] = field(default_factory=list)
    orders: list[OrderLine] = field(default_factory=list)
    totals: ReportTotals = field(default_factory=ReportTotals)


# --- building the report ----------------------------------------------------------------------


def _beijing_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BEIJING)


def _clean_task_ids(task_ids) -> list[int] | None:
    if task_ids is None:
        return None
    try:
        return sorted({int(task_id) for task_id in task_ids})
    except (TypeError, ValueError):
        message = _("Choose the tasks by their numbers.")
        raise InvalidInput(message, fields={"task_ids": [message]}) from None


def _ledger_by_order(selected) -> dict[int, dict[str, int]]:
    """Spent, refunded and held per order, from the entries of the orders' escrow accounts.

    Grouped by the escrow account's order, not by JournalTransaction.order: a combined payment
    (escrow_hold_many, T11/T42) is one journal transaction without an order that credits
    several escrows.
    """
    figures: dict[int, dict[str, int]] = defaultdict(lambda: {"spent": 0, "refunded": 0, "held": 0})
    rows = (
        Entry.objects.filter(
            account__kind=AccountKind.ORDER_ESCROW, account__order_id__in=selected.values("pk")
        )
        .order_by()
        .values("account__order_id", "transaction__kind")
        .annotate(total=Sum("amount_fen"))
    )
    for row in rows:
        order_figures = figures[row["account__order_id"]]
        total = int(row["total"] or 0)
        order_figures["held"] += total
        # Money leaving escrow is a negative entry on the escrow account.
        if row["transaction__kind"] in SPENT_KINDS:
            order_figures["spent"] -= total
        elif row["transaction__kind"] in REFUND_KINDS:
            order_figures["refunded"] -= total
    return figures


def _metrics_by_order(selected) -> dict[int, dict[str, int]]:
    rows = (
        ContentMetric.objects.filter(order_id__in=selected.values("pk"))
        .order_by()
        .values("order_id")
        .annotate(**{name: Sum(name) for name in METRICS})
    )
    return {row["order_id"]: {name: int(row[name] or 0) for name in METRICS} for row in rows}


def _task_line(task: Task | None) -> TaskLine:
    if task is None:
        return TaskLine(
            task=None,
            title=_("Orders without a task"),
            mode_display="",
            channel_name="",
            content_type_display="",
            orders=0,
            completed=0,
            spent_fen=0,
        )
    return TaskLine(
        task=task,
        title=task.title,
        mode_display=str(task.get_mode_display()),
        channel_name=task.channel.display_name,
        content_type_display=str(task.get_content_type_display()),
        orders=0,
        completed=0,
        spent_fen=0,
    )


def closing_report(
    *,
    shop: MerchantShop,
    start: date | None = None,
    end: date | None = None,
    task_ids: list[int] | None = None,
    now: datetime | None = None,
) -> ClosingReport:
    """P7: the closing report of `shop`'s orders in a period or of a set of its tasks.

    With `task_ids`, the orders of the shop on those tasks (ids of other shops' tasks are
    ignored; another shop's orders are never included), and the shop's own tasks among them
    even without orders. Without, the shop's orders created from `start` 00:00 to `end` + 1 day
    00:00 Beijing time (either bound optional; none means all). Given both, both apply.
    `end` before `start` raises InvalidInput. `now` only stamps `generated_at`: the ledger
    figures are always as of the query.
    """
    if start is not None and end is not None and end < start:
        message = _("The end date must be on or after the start date.")
        raise InvalidInput(message, fields={"end": [message]})
    task_ids = _clean_task_ids(task_ids)

    selected = Order.objects.filter(shop=shop)
    if task_ids is not None:
        selected = selected.filter(task_id__in=task_ids)
    if start is not None:
        selected = selected.filter(created_at__gte=_beijing_midnight(start))
    if end is not None:
        selected = selected.filter(created_at__lt=_beijing_midnight(end + timedelta(days=1)))

    orders = list(
        selected.select_related("task__channel", "creator")
        .prefetch_related(
            Prefetch(
                "deliveries",
                queryset=Delivery.objects.only("id", "order_id", "links", "created_at").order_by(
                    "created_at", "id"
                ),
            )
        )
        .order_by("created_at", "id")
    )
    ledger = _ledger_by_order(selected) if orders else {}
    metrics = _metrics_by_order(selected) if orders else {}

    task_lines: dict[int | None, TaskLine] = {}
    # The campaign's tasks even without orders: those named, or those posted in the period.
    listed = Task.objects.filter(shop=shop)
    if task_ids is not None:
        listed = listed.filter(pk__in=task_ids)
    if start is not None:
        listed = listed.filter(created_at__gte=_beijing_midnight(start))
    if end is not None:
        listed = listed.filter(created_at__lt=_beijing_midnight(end + timedelta(days=1)))
    if task_ids is None and start is None and end is None:
        listed = listed.filter(pk__in=selected.values("task_id"))
    for task in listed.select_related("channel").order_by("created_at", "id"):
        task_lines[task.pk] = _task_line(task)

    totals = ReportTotals()
    order_lines = []
    for order in orders:
        money = ledger.get(order.pk, {"spent": 0, "refunded": 0, "held": 0})
        figures = metrics.get(order.pk, dict.fromkeys(METRICS, 0))
        deliveries = list(order.deliveries.all())
        line = OrderLine(
            order=order,
            task_title=order.task.title if order.task else order.title,
            creator_name=order.creator.display_name,
            status=order.status,
            status_display=str(order.get_status_display()),
            price_fen=order.price_fen,
            fee_fen=order.fee_fen,
            spent_fen=money["spent"],
            refunded_fen=money["refunded"],
            held_fen=money["held"],
            delivered_at=order.delivered_at,
            links=[str(link) for link in (deliveries[-1].links if deliveries else [])],
            **figures,
        )
        order_lines.append(line)

        if order.task_id not in task_lines:
            task_lines[order.task_id] = _task_line(order.task)
        task_line = task_lines[order.task_id]
        task_line.orders += 1
        task_line.spent_fen += line.spent_fen
        is_completed = int(order.status == OrderStatus.COMPLETED)
        task_line.completed += is_completed

        totals.orders += 1
        totals.completed += is_completed
        totals.spent_fen += line.spent_fen
        totals.refunded_fen += line.refunded_fen
        totals.held_fen += line.held_fen
        for name in METRICS:
            setattr(totals, name, getattr(totals, name) + figures[name])

    def task_order(line: TaskLine):
        if line.task is None:
            return (1, datetime.max.replace(tzinfo=BEIJING), 0)
        return (0, line.task.created_at, line.task.pk)

    tasks = sorted(task_lines.values(), key=task_order)
    totals.tasks = sum(1 for line in tasks if line.task is not None)
    if task_ids is not None:
        # Only the ids that are this shop's: the heading and the file name show no others.
        task_ids = sorted(line.task.pk for line in tasks if line.task is not None)
    return ClosingReport(
        shop=shop,
        start=start,
        end=end,
        task_ids=task_ids,
        generated_at=now or timezone.now(),
        tasks=tasks,
        orders=order_lines,
        totals=totals,
    )


# --- shared labels ----------------------------------------------------------------------------


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment, BEIJING) if moment else None


def _spreadsheet_time(moment: datetime | None) -> datetime | None:
    """Beijing wall time without a zone (Excel has none), to the second."""
    local = _local(moment)
    return local.replace(tzinfo=None, microsecond=0) if local else None


def _when(moment: datetime | None) -> str:
    local = _local(moment)
    return local.strftime("%Y-%m-%d %H:%M") if local else "—"


def _title(report: ClosingReport) -> str:
    return _("Closing report: %(shop)s") % {"shop": report.shop.name}


def _selection_lines(report: ClosingReport) -> list[str]:
    lines = []
    if report.start and report.end:
        lines.append(
            _("Orders created from %(start)s to %(end)s (Beijing time)")
            % {"start": report.start.isoformat(), "end": report.end.isoformat()}
        )
    elif report.start:
        lines.append(
            _("Orders created from %(start)s (Beijing time)") % {"start": report.start.isoformat()}
        )
    elif report.end:
        lines.append(
            _("Orders created until %(end)s (Beijing time)") % {"end": report.end.isoformat()}
        )
    if report.task_ids is not None:
        titles = [f"#{line.task.pk} {line.task.title}" for line in report.tasks if line.task]
        lines.append(_("Tasks: %(tasks)s") % {"tasks": "; ".join(titles) if titles else _("none")})
    if not lines:
        lines.append(_("All orders of the shop"))
    return lines


def _generated_line(report: ClosingReport) -> str:
    return _("Generated at %(time)s (Beijing time)") % {"time": _when(report.generated_at)}


def _summary_rows(report: ClosingReport) -> list[tuple[str, int, bool]]:
    """(label, value, is money) for the summary table and sheet."""
    totals = report.totals
    return [
        (_("Tasks"), totals.tasks, False),
        (_("Orders"), totals.orders, False),
        (_("Completed orders"), totals.completed, False),
        (_("Spent"), totals.spent_fen, True),
        (_("Refunded"), totals.refunded_fen, True),
        (_("Still held in escrow"), totals.held_fen, True),
        (_("Views"), totals.views, False),
        (_("Likes"), totals.likes, False),
        (_("Comments"), totals.comments, False),
        (_("Shares"), totals.shares, False),
        (_("Clicks"), totals.clicks, False),
        (_("GMV"), totals.gmv_fen, True),
    ]


def _task_headers() -> list[str]:
    return [
        _("Task ID"),
        _("Task"),
        _("Mode"),
        _("Channel"),
        _("Content type"),
        _("Orders"),
        _("Completed"),
        _("Spent"),
    ]


def _order_headers() -> list[str]:
    return [
        _("Order ID"),
        _("Task"),
        _("Creator"),
        _("Status"),
        _("Price"),
        _("Fee"),
        _("Spent"),
        _("Refunded"),
        _("Held"),
        _("Delivered at"),
        _("Views"),
        _("Likes"),
        _("Comments"),
        _("Shares"),
        _("Clicks"),
        _("GMV"),
    ]


# --- PDF ------------------------------------------------------------------------------------

PDF_FONT = "STSong-Light"
# STSong-Light is declared as Adobe-GB1 supplement 0; these characters map to CIDs of later
# supplements (¥ to GB1-5, – to GB1-2) or to none (·), which viewers draw as blanks. Their
# supplement-0 look-alikes render everywhere.
_PDF_SUBSTITUTES = str.maketrans({"¥": "￥", "·": "・", "–": "—"})


# REPORT_LIBS: reportlab (about 120 ms to import) and openpyxl (about 210 ms) are imported by the
# functions that draw a PDF or a workbook, not at start-up: every web process and worker would
# pay for them, and only a report download uses them.


def _register_pdf_font() -> None:
    from reportlab.pdfbase import pdfmetrics  # noqa: PLC0415 (see REPORT_LIBS)
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: PLC0415 (see REPORT_LIBS)

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))


def _pdf_text(value) -> str:
    return str(value).translate(_PDF_SUBSTITUTES)


def report_pdf(report: ClosingReport) -> bytes:
    """P7: the report as an A4 landscape PDF; every text in the built-in CJK font, so Chinese
    renders without shipping a font file."""
    from reportlab.lib import colors  # noqa: PLC0415 (see REPORT_LIBS)
    from reportlab.lib.pagesizes import A4, landscape  # noqa: PLC0415 (see REPORT_LIBS)
    from reportlab.lib.styles import ParagraphStyle  # noqa: PLC0415 (see REPORT_LIBS)
    from reportlab.lib.units import mm  # noqa: PLC0415 (see REPORT_LIBS)
    from reportlab.platypus import (  # noqa: PLC0415 (see REPORT_LIBS)
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    _register_pdf_font()
    body = ParagraphStyle("body", fontName=PDF_FONT, fontSize=9, leading=13, wordWrap="CJK")
    heading = ParagraphStyle("heading", parent=body, fontSize=18, leading=24, spaceAfter=6)
    section = ParagraphStyle(
        "section",
        parent=body,
        fontSize=12,
        leading=16,
        spaceBefore=10,
        spaceAfter=4,
        keepWithNext=1,
    )
    cell = ParagraphStyle("cell", parent=body, fontSize=7, leading=9)

    def text(value, style=body) -> Paragraph:
        return Paragraph(escape(_pdf_text(value)), style)

    def money(fen: int) -> str:
        return _pdf_text(format_cny(fen))

    def table(
        rows,
        widths,
        *,
        numeric_from: int,
        total_row: bool = False,
        is_empty: bool = False,
        share: float = 1.0,
    ) -> Table:
        scale = doc.width * share / sum(widths)
        result = Table(rows, colWidths=[w * scale for w in widths], repeatRows=1)
        style = [
            ("FONTNAME", (0, 0), (-1, -1), PDF_FONT),
            ("FONTSIZE", (0, 0), (-1, -1), 7),
            ("LEADING", (0, 0), (-1, -1), 9),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
            ("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT"),
        ]
        if total_row:
            style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f6f6f6")))
        if is_empty:
            # the "nothing here" line spans the whole row
            style.append(("SPAN", (0, 1), (-1, 1)))
        result.setStyle(TableStyle(style))
        return result

    buffer = BytesIO()
    margin = 12 * mm
    title = _pdf_text(_title(report))
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin + 4 * mm,
        title=title,
        author=_pdf_text(report.shop.name),
    )

    def page_footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(PDF_FONT, 7)
        canvas.drawString(margin, margin / 2 + 2 * mm, title)
        canvas.drawRightString(
            document.pagesize[0] - margin,
            margin / 2 + 2 * mm,
            _pdf_text(_("Page %(page)s") % {"page": document.page}),
        )
        canvas.restoreState()

    story = [text(title, heading)]
    story += [text(line) for line in _selection_lines(report)]
    story += [text(_generated_line(report)), Spacer(1, 4 * mm)]

    story.append(text(_("Summary"), section))
    summary = [[text(_("Item"), cell), text(_("Value"), cell)]]
    summary += [
        [text(label, cell), money(value) if is_money else f"{value:,}"]
        for label, value, is_money in _summary_rows(report)
    ]
    summary_table = table(summary, [3, 2], numeric_from=1, share=0.45)
    summary_table.hAlign = "LEFT"
    story.append(summary_table)

    story.append(text(_("Tasks"), section))
    task_rows = [[text(header, cell) for header in _task_headers()]]
    for line in report.tasks:
        task_rows.append(
            [
                str(line.task.pk) if line.task else "—",
                text(line.title, cell),
                text(line.mode_display, cell),
                text(line.channel_name, cell),
                text(line.content_type_display, cell),
                str(line.orders),
                str(line.completed),
                money(line.spent_fen),
            ]
        )
    if not report.tasks:
        task_rows.append([text(_("No tasks."), cell)] + [""] * 7)
    story.append(
        table(
            task_rows,
            [5, 26, 10, 10, 10, 6, 6, 10],
            numeric_from=5,
            is_empty=not report.tasks,
        )
    )

    story.append(text(_("Orders"), section))
    order_rows = [[text(header, cell) for header in _order_headers()]]
    for line in report.orders:
        order_rows.append(
            [
                str(line.order.pk),
                text(line.task_title, cell),
                text(line.creator_name, cell),
                text(line.status_display, cell),
                money(line.price_fen),
                money(line.fee_fen),
                money(line.spent_fen),
                money(line.refunded_fen),
                money(line.held_fen),
                text(_when(line.delivered_at), cell),
                f"{line.views:,}",
                f"{line.likes:,}",
                f"{line.comments:,}",
                f"{line.shares:,}",
                f"{line.clicks:,}",
                money(line.gmv_fen),
            ]
        )
    totals = report.totals
    if report.orders:
        order_rows.append(
            [
                "",
                text(_("Total"), cell),
                "",
                "",
                "",
                "",
                money(totals.spent_fen),
                money(totals.refunded_fen),
                money(totals.held_fen),
                "",
                f"{totals.views:,}",
                f"{totals.likes:,}",
                f"{totals.comments:,}",
                f"{totals.shares:,}",
                f"{totals.clicks:,}",
                money(totals.gmv_fen),
            ]
        )
    else:
        order_rows.append([text(_("No orders."), cell)] + [""] * 15)
    story.append(
        table(
            order_rows,
            [5, 17, 11, 8, 9, 7, 9, 9, 9, 9, 7, 6, 7, 6, 6, 9],
            numeric_from=4,
            total_row=bool(report.orders),
            is_empty=not report.orders,
        )
    )

    story.append(text(_("Delivered content"), section))
    delivered = [line for line in report.orders if line.links]
    for line in delivered:
        story.append(text(f"#{line.order.pk} {line.task_title} — {line.creator_name}", cell))
        for link in line.links:
            shown = escape(_pdf_text(link))
            if re.match(r"^https?://", link):
                target = escape(link, {'"': "&quot;"})
                shown = f'<link href="{target}" color="blue">{shown}</link>'
            story.append(Paragraph(f"&nbsp;&nbsp;{shown}", cell))
    if not delivered:
        story.append(text(_("Nothing delivered yet."), cell))

    doc.build(story, onFirstPage=page_footer, onLaterPages=page_footer)
    return buffer.getvalue()


# --- XLSX -----------------------------------------------------------------------------------

MONEY_FORMAT = "¥#,##0.00"
COUNT_FORMAT = "#,##0"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def _yuan(fen: int) -> Decimal:
    """Exact yuan for a spreadsheet number: Decimal arithmetic, never a float."""
    return Decimal(int(fen)) / 100


def report_xlsx(report: ClosingReport) -> bytes:
    """P7: the report as a workbook with the sheets Summary, Tasks and Orders (one row per
    order). Money is a number of yuan formatted ¥#,##0.00; headers are bold and frozen."""
    from openpyxl import Workbook  # noqa: PLC0415 (see REPORT_LIBS)
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # noqa: PLC0415 (see REPORT_LIBS)
    from openpyxl.styles import Alignment, Font  # noqa: PLC0415 (see REPORT_LIBS)
    from openpyxl.utils import get_column_letter  # noqa: PLC0415 (see REPORT_LIBS)

    workbook = Workbook()
    workbook.properties.title = _title(report)
    workbook.properties.creator = report.shop.name

    def put(sheet, row: int, column: int, value, number_format: str | None = None):
        cell = sheet.cell(row=row, column=column)
        if isinstance(value, str):
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
            # A task title or a creator's name starting with "=" is text, not a formula.
            cell.data_type = "s"
        else:
            cell.value = value
        if number_format:
            cell.number_format = number_format
        return cell

    def header(sheet, labels: list[str], widths: list[int]) -> None:
        for column, (label, width) in enumerate(zip(labels, widths, strict=True), start=1):
            put(sheet, 1, column, label).font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = "A2"

    summary = workbook.active
    summary.title = "Summary"
    header(summary, [_("Item"), _("Value")], [28, 60])
    rows: list[tuple[str, object, str | None]] = [
        (_("Report"), _title(report), None),
        (_("Selection"), "\n".join(_selection_lines(report)), None),
        (_("Generated at"), _spreadsheet_time(report.generated_at), DATETIME_FORMAT),
    ]
    for label, value, is_money in _summary_rows(report):
        if is_money:
            rows.append((label, _yuan(value), MONEY_FORMAT))
        else:
            rows.append((label, value, COUNT_FORMAT))
    for row, (label, value, number_format) in enumerate(rows, start=2):
        put(summary, row, 1, label)
        put(summary, row, 2, value, number_format).alignment = Alignment(
            horizontal="left", wrap_text=True
        )

    tasks = workbook.create_sheet("Tasks")
    header(tasks, _task_headers(), [10, 40, 14, 14, 14, 10, 10, 16])
    for row, line in enumerate(report.tasks, start=2):
        values = [
            line.task.pk if line.task else None,
            line.title,
            line.mode_display,
            line.channel_name,
            line.content_type_display,
            line.orders,
            line.completed,
        ]
        for column, value in enumerate(values, start=1):
            put(tasks, row, column, value)
        put(tasks, row, 8, _yuan(line.spent_fen), MONEY_FORMAT)

    orders = workbook.create_sheet("Orders")
    header(
        orders,
        [*_order_headers(), _("Delivered links")],
        [10, 32, 18, 16, 14, 12, 14, 14, 14, 18, 10, 10, 10, 10, 10, 14, 60],
    )
    for row, line in enumerate(report.orders, start=2):
        values = [
            (line.order.pk, None),
            (line.task_title, None),
            (line.creator_name, None),
            (line.status_display, None),
            (_yuan(line.price_fen), MONEY_FORMAT),
            (_yuan(line.fee_fen), MONEY_FORMAT),
            (_yuan(line.spent_fen), MONEY_FORMAT),
            (_yuan(line.refunded_fen), MONEY_FORMAT),
            (_yuan(line.held_fen), MONEY_FORMAT),
            (_spreadsheet_time(line.delivered_at), DATETIME_FORMAT),
            (line.views, COUNT_FORMAT),
            (line.likes, COUNT_FORMAT),
            (line.comments, COUNT_FORMAT),
            (line.shares, COUNT_FORMAT),
            (line.clicks, COUNT_FORMAT),
            (_yuan(line.gmv_fen), MONEY_FORMAT),
            ("\n".join(line.links), None),
        ]
        for column, (value, number_format) in enumerate(values, start=1):
            put(orders, row, column, value, number_format)
        orders.cell(row=row, column=len(values)).alignment = Alignment(wrap_text=True)

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- file name ------------------------------------------------------------------------------

MAX_IDS_IN_FILENAME = 5


def report_filename(report: ClosingReport, extension: str) -> str:
    """An ASCII file name for a download, e.g.
    closing-report-shop12-2026-11-01_2026-11-30.pdf or closing-report-shop12-tasks-3-5.xlsx."""
    parts = ["closing-report", f"shop{report.shop.pk}"]
    if report.task_ids is not None:
        shown = [str(task_id) for task_id in report.task_ids[:MAX_IDS_IN_FILENAME]]
        more = len(report.task_ids) - len(shown)
        parts.append("tasks-" + ("-".join(shown) or "none") + (f"-and-{more}-more" if more else ""))
    if report.start and report.end:
        parts.append(f"{report.start.isoformat()}_{report.end.isoformat()}")
    elif report.start:
        parts.append(f"from-{report.start.isoformat()}")
    elif report.end:
        parts.append(f"until-{report.end.isoformat()}")
    elif report.task_ids is None:
        parts.append("all")
    suffix = re.sub(r"[^A-Za-z0-9]", "", extension or "").lower()
    name = "-".join(parts)
    return f"{name}.{suffix}" if suffix else name


REPORT_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def report_download(report: ClosingReport, extension: str):
    """P7: the report as a PDF or XLSX attachment (the page and the API both answer this)."""

    render_file = report_pdf if extension == "pdf" else report_xlsx
    response = HttpResponse(render_file(report), content_type=REPORT_CONTENT_TYPES[extension])
    response["Content-Disposition"] = content_disposition_header(
        True, report_filename(report, extension)
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
