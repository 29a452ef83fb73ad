"""Browser journeys of tasks, orders and escrow, through the pages only, in Chromium.

Each test arranges its users with factories and funds the shop's wallet the way production
does (a gateway top-up); everything after that happens by clicking through the pages, and the
test then checks both the pages and the database.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from escrow.selectors import creator_wallet_summary, merchant_wallet_summary
from tasks.models import (
    Application,
    ApplicationStatus,
    Order,
    OrderKind,
    OrderStatus,
    Review,
    Task,
    TaskMode,
    TaskStatus,
)
from tests import factories
from tests.conftest import fund_wallet
from tests.e2e.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- arranging -----------------------------------------------------------------------------


def merchant_shop(username: str, wallet_fen: int):
    """An admitted Tmall shop with a bound payment account and a funded wallet."""
    shop = factories.ShopFactory(owner=factories.MerchantUserFactory(username=username))
    factories.PaymentAccountFactory(shop=shop, bound_by=shop.owner)
    fund_wallet(shop, wallet_fen)
    return shop


def creator_named(username: str, display_name: str):
    return factories.CreatorFactory(
        user=factories.CreatorUserFactory(username=username), display_name=display_name
    )


def beijing_input(days: int, hour: int = 18) -> tuple[str, datetime]:
    """A datetime-local value `days` from now at `hour`:00 Beijing time, and the aware moment."""
    at = (datetime.now(SHANGHAI) + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    return at.strftime("%Y-%m-%dT%H:%M"), at


# --- driving the pages ---------------------------------------------------------------------


def submit(page, selector: str) -> None:
    """Click a submit button and wait for the page the POST leads to; it must say success."""
    with page.expect_navigation():
        page.click(selector)
    errors = page.locator(".alert-error, .field .error")
    assert errors.count() == 0, errors.all_inner_texts()
    expect(page.locator(".alert-success")).to_be_visible()


def fill_task_form(page, *, mode: str | None, title: str, price: str, delivery: str, **fields):
    page.goto(page.base_url + "/tasks/new/")
    if mode is not None:
        page.check(f"input[name=mode][value={mode}]")
    page.fill("#id_title", title)
    page.fill("#id_brief", "展示产品卖点，时长 60 秒，口播品牌名两次。")
    page.select_option("#id_content_type", "video")
    page.select_option("#id_channel", fields.pop("channel", "toutiao"))
    page.fill("#id_price", price)
    if "payment" in fields:
        page.check(f"input[name=payment][value={fields.pop('payment')}]")
    for name, value in fields.items():
        page.fill(f"#id_{name}", value)
    page.fill("#id_delivery_deadline", delivery)


# --- the journeys --------------------------------------------------------------------------


def test_private_task_paid_accepted_delivered_confirmed_and_earned(page, shot):
    """T4/T5/T52: a merchant posts a private task naming a creator and pays the price into
    escrow; the creator accepts within 72 hours and delivers; the merchant confirms with a
    5-star rating, and the price reaches the creator's earnings."""
    shop = merchant_shop("e2e_merchant", 500_000)
    creator = creator_named("e2e_creator", "测试达人")
    delivery_value, delivery_at = beijing_input(days=10)

    log_in(page, "e2e_merchant")
    fill_task_form(
        page,
        mode="private",
        title="春季新品口播视频",
        price="1000",
        payment="full",
        creator=str(creator.pk),
        delivery=delivery_value,
    )
    shot(page, "task-form")
    submit(page, "#task-form button[type=submit]")
    page.wait_for_url("**/orders/*/")
    order = Order.objects.get()
    assert page.url.endswith(f"/orders/{order.pk}/")
    assert (order.kind, order.status, order.price_fen) == (
        OrderKind.PRIVATE,
        OrderStatus.PENDING_PAYMENT,
        100_000,
    )
    assert (order.shop, order.creator) == (shop, creator)
    assert order.task.mode == TaskMode.PRIVATE
    assert order.delivery_deadline == delivery_at
    expect(page.locator("[data-testid=price]")).to_have_text("¥1,000.00")
    shot(page, "order-created")

    submit(page, "button[name=action][value=pay]")
    expect(page.locator("[data-testid=order-status]")).to_have_class(
        "badge status-awaiting_acceptance"
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_ACCEPTANCE
    assert merchant_wallet_summary(shop=shop).available_fen == 400_000
    shot(page, "paid")

    log_in(page, "e2e_creator")
    page.goto(page.base_url + "/orders/")
    page.click(f"[data-testid=order-{order.pk}] a >> nth=0")
    page.wait_for_url(f"**/orders/{order.pk}/")
    shot(page, "creator-sees-order")
    submit(page, "button[name=action][value=accept]")
    expect(page.locator("[data-testid=order-status]")).to_have_class("badge status-in_production")
    page.fill("#id_links", "https://example.com/video/1\nhttps://example.com/video/2")
    page.fill("#id_note", "已发布，请查收。")
    shot(page, "deliver-form")
    submit(page, "button[name=action][value=deliver]")
    expect(page.locator("[data-testid=order-status]")).to_have_class("badge status-delivered")
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    delivery = order.deliveries.get()
    assert delivery.links == ["https://example.com/video/1", "https://example.com/video/2"]
    assert delivery.note == "已发布，请查收。"

    log_in(page, "e2e_merchant")
    page.goto(f"{page.base_url}/orders/{order.pk}/")
    expect(page.locator("a[href='https://example.com/video/1']")).to_be_visible()
    page.check("input[name=rating][value='5']")
    page.fill("#id_comment", "非常好")
    shot(page, "confirm-form")
    submit(page, "button[name=action][value=confirm]")
    expect(page.locator("[data-testid=order-status]")).to_have_class("badge status-completed")
    expect(page.locator("[data-testid=rating]")).to_have_text("★★★★★")
    shot(page, "confirmed")
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    review = Review.objects.get(order=order)
    assert (review.rating, review.comment) == (5, "非常好")

    log_in(page, "e2e_creator")
    page.goto(page.base_url + "/earnings/")
    expect(page.locator("[data-testid=available]")).to_have_text("¥1,000.00")
    shot(page, "earnings")
    assert creator_wallet_summary(creator=creator).available_fen == 100_000
    assert merchant_wallet_summary(shop=shop).available_fen == 400_000
    assert merchant_wallet_summary(shop=shop).held_fen == 0


def test_plaza_task_applied_approved_paid_delivered_confirmed(page, shot):
    """T10–T13: a merchant posts a plaza task; two creators apply; the merchant approves one
    and rejects the other, stops enrollment and pays price × approved (one place); the approved
    creator's order is in production, the creator delivers and the merchant confirms."""
    shop = merchant_shop("e2e_merchant", 500_000)
    chosen = creator_named("e2e_chosen", "入选达人")
    creator_named("e2e_other", "落选达人")
    enrollment_value, enrollment_at = beijing_input(days=3)
    delivery_value, delivery_at = beijing_input(days=10)

    log_in(page, "e2e_merchant")
    fill_task_form(
        page,
        mode="plaza",
        title="广场任务：夏季防晒测评",
        price="800",
        slots="2",
        enrollment_deadline=enrollment_value,
        delivery=delivery_value,
    )
    shot(page, "task-form")
    submit(page, "#task-form button[type=submit]")
    page.wait_for_url("**/tasks/*/")
    task = Task.objects.get()
    assert page.url.endswith(f"/tasks/{task.pk}/")
    assert (task.mode, task.status, task.price_fen, task.slots) == (
        TaskMode.PLAZA,
        TaskStatus.OPEN,
        80_000,
        2,
    )
    assert (task.enrollment_deadline, task.delivery_deadline) == (enrollment_at, delivery_at)

    for username in ("e2e_chosen", "e2e_other"):
        log_in(page, username)
        page.goto(page.base_url + "/plaza/")
        page.click(f"[data-testid=task-{task.pk}] a.task-title")
        page.wait_for_url(f"**/tasks/{task.pk}/")
        submit(page, "button[name=action][value=apply]")
        expect(page.locator("[data-testid=my-application-status]")).to_be_visible()
    shot(page, "applied")
    assert task.applications.filter(status=ApplicationStatus.PENDING).count() == 2
    chosen_application = Application.objects.get(task=task, creator=chosen)
    other_application = Application.objects.exclude(pk=chosen_application.pk).get(task=task)

    log_in(page, "e2e_merchant")
    page.goto(f"{page.base_url}/tasks/{task.pk}/")
    shot(page, "applications")
    submit(
        page,
        f"[data-testid=application-{chosen_application.pk}] button[name=action][value=approve]",
    )
    submit(
        page,
        f"[data-testid=application-{other_application.pk}] button[name=action][value=reject]",
    )
    chosen_application.refresh_from_db()
    other_application.refresh_from_db()
    assert chosen_application.status == ApplicationStatus.APPROVED
    assert other_application.status == ApplicationStatus.REJECTED

    submit(page, "[data-testid=stop-enrollment]")
    expect(page.locator("[data-testid=task-status]")).to_have_class(
        "badge status-enrollment_closed"
    )
    expect(page.locator("[data-testid=pay-total]")).to_have_text("¥800.00")
    expect(page.locator("[data-testid=payment-summary] .pay-line")).to_contain_text("¥800.00 × 1")
    shot(page, "payment-summary")
    submit(page, "[data-testid=payment-summary] button[name=action][value=pay]")
    task.refresh_from_db()
    assert task.status == TaskStatus.PAID
    order = Order.objects.get(task=task)
    assert (order.kind, order.creator, order.status, order.price_fen) == (
        OrderKind.PLAZA,
        chosen,
        OrderStatus.IN_PRODUCTION,
        80_000,
    )
    assert merchant_wallet_summary(shop=shop).available_fen == 500_000 - order.total_fen
    shot(page, "paid")

    log_in(page, "e2e_chosen")
    page.goto(f"{page.base_url}/tasks/{task.pk}/")
    page.click(f"a[href='/orders/{order.pk}/']")
    page.wait_for_url(f"**/orders/{order.pk}/")
    expect(page.locator("[data-testid=order-status]")).to_have_class("badge status-in_production")
    page.fill("#id_links", "https://example.com/plaza/1")
    submit(page, "button[name=action][value=deliver]")
    expect(page.locator("[data-testid=order-status]")).to_have_class("badge status-delivered")
    shot(page, "delivered")

    log_in(page, "e2e_merchant")
    page.goto(f"{page.base_url}/orders/{order.pk}/")
    page.check("input[name=rating][value='4']")
    submit(page, "button[name=action][value=confirm]")
    expect(page.locator("[data-testid=order-status]")).to_have_class("badge status-completed")
    shot(page, "confirmed")
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert creator_wallet_summary(creator=chosen).available_fen == 80_000


def test_recruitment_application_paid_then_rejected_is_refunded(page, shot):
    """T20/T21: a creator posts a recruitment task; a merchant finds it on the recruitment
    plaza and applies by paying its price into escrow; the creator rejects the application and
    the merchant's wallet is refunded at once."""
    shop = merchant_shop("e2e_merchant", 300_000)
    creator = creator_named("e2e_creator", "招商达人")
    enrollment_value, _ = beijing_input(days=3)
    delivery_value, _ = beijing_input(days=10)

    log_in(page, "e2e_creator")
    page.goto(page.base_url + "/tasks/new/")
    expect(page.locator("input[name=mode]")).to_have_count(1)
    expect(page.locator("input[name=mode][value=recruitment]")).to_be_checked()
    fill_task_form(
        page,
        mode=None,
        title="头条招商：美妆专栏",
        price="500",
        channel="toutiao",
        slots="5",
        enrollment_deadline=enrollment_value,
        delivery=delivery_value,
    )
    shot(page, "task-form")
    submit(page, "#task-form button[type=submit]")
    page.wait_for_url("**/tasks/*/")
    task = Task.objects.get()
    assert (task.mode, task.creator, task.price_fen, task.channel.code) == (
        TaskMode.RECRUITMENT,
        creator,
        50_000,
        "toutiao",
    )

    log_in(page, "e2e_merchant")
    page.goto(page.base_url + "/recruitment/")
    shot(page, "recruitment-plaza")
    page.click(f"[data-testid=task-{task.pk}] a.task-title")
    page.wait_for_url(f"**/tasks/{task.pk}/")
    expect(page.locator("[data-testid=wallet-available]")).to_have_text("¥3,000.00")
    shot(page, "apply-and-pay")
    submit(page, "button[name=action][value=apply][data-testid=apply]")
    page.wait_for_url("**/orders/*/")
    order = Order.objects.get()
    assert page.url.endswith(f"/orders/{order.pk}/")
    assert (order.kind, order.status, order.shop) == (
        OrderKind.RECRUITMENT,
        OrderStatus.AWAITING_ACCEPTANCE,
        shop,
    )
    assert merchant_wallet_summary(shop=shop).available_fen == 300_000 - order.total_fen
    shot(page, "order")

    log_in(page, "e2e_creator")
    page.goto(f"{page.base_url}/tasks/{task.pk}/")
    application = Application.objects.get(task=task)
    shot(page, "applications")
    submit(page, f"[data-testid=application-{application.pk}] button[name=action][value=reject]")
    shot(page, "rejected")
    order.refresh_from_db()
    application.refresh_from_db()
    assert order.status == OrderStatus.DECLINED
    assert application.status == ApplicationStatus.REJECTED

    log_in(page, "e2e_merchant")
    page.goto(page.base_url + "/wallet/")
    expect(page.locator("[data-testid=available]")).to_have_text("¥3,000.00")
    expect(page.locator("[data-testid=held]")).to_have_text("¥0.00")
    shot(page, "refunded")
    summary = merchant_wallet_summary(shop=shop)
    assert (summary.available_fen, summary.held_fen) == (300_000, 0)


def test_deposit_order_price_changed_restored_and_balance_paid(page, shot):
    """T40–T42: a merchant posts a private task paid by deposit and pays the 10% fee; the
    creator accepts at a price changed within ±20%; the merchant restores the original price
    once and pays the balance; the order is in production at the original price."""
    shop = merchant_shop("e2e_merchant", 500_000)
    creator = creator_named("e2e_creator", "定金达人")
    delivery_value, _ = beijing_input(days=10)

    log_in(page, "e2e_merchant")
    fill_task_form(
        page,
        mode="private",
        title="定金任务：家居好物",
        price="1000",
        payment="deposit",
        creator=str(creator.pk),
        delivery=delivery_value,
    )
    shot(page, "task-form")
    submit(page, "#task-form button[type=submit]")
    page.wait_for_url("**/orders/*/")
    order = Order.objects.get()
    assert (order.kind, order.price_fen, order.deposit_fen) == (OrderKind.DEPOSIT, 100_000, 10_000)
    expect(page.locator("button[name=action][value=pay]")).to_contain_text("¥100.00")
    submit(page, "button[name=action][value=pay]")
    expect(page.locator("[data-testid=order-status]")).to_have_class(
        "badge status-awaiting_acceptance"
    )
    assert merchant_wallet_summary(shop=shop).available_fen == 490_000
    shot(page, "deposit-paid")

    log_in(page, "e2e_creator")
    page.goto(f"{page.base_url}/orders/{order.pk}/")
    page.fill("#id_price", "1100")
    shot(page, "accept-with-price")
    submit(page, "button[name=action][value=accept]")
    order.refresh_from_db()
    assert (order.status, order.price_fen, order.original_price_fen) == (
        OrderStatus.AWAITING_BALANCE,
        110_000,
        100_000,
    )

    log_in(page, "e2e_merchant")
    page.goto(f"{page.base_url}/orders/{order.pk}/")
    expect(page.locator("[data-testid=price]")).to_have_text("¥1,100.00")
    # ¥1,100.00 + 10% fee − ¥100.00 deposit
    expect(page.locator("[data-testid=balance-due]")).to_have_text("¥1,110.00")
    shot(page, "price-changed")
    submit(page, "[data-testid=restore-price]")
    expect(page.locator("[data-testid=price]")).to_have_text("¥1,000.00")
    expect(page.locator("[data-testid=balance-due]")).to_have_text("¥1,000.00")
    expect(page.locator("[data-testid=restore-price]")).to_have_count(0)
    shot(page, "price-restored")
    submit(page, "[data-testid=pay-balance]")
    expect(page.locator("[data-testid=order-status]")).to_have_class("badge status-in_production")
    shot(page, "balance-paid")
    order.refresh_from_db()
    assert (order.status, order.price_fen, order.fee_fen, order.price_restored) == (
        OrderStatus.IN_PRODUCTION,
        100_000,
        10_000,
        True,
    )
    summary = merchant_wallet_summary(shop=shop)
    assert (summary.available_fen, summary.held_fen) == (390_000, 110_000)


def test_language_switch_to_english_on_the_plaza(page, shot):
    """The language buttons switch the pages from Simplified Chinese to English."""
    factories.CreatorFactory(user=factories.CreatorUserFactory(username="e2e_reader"))
    log_out = page.locator("form[action='/accounts/logout/'] button")

    log_in(page, "e2e_reader")
    page.goto(page.base_url + "/plaza/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(log_out).not_to_have_text("Log out")
    shot(page, "chinese")
    with page.expect_navigation():
        page.click("button[name=language][value=en]")
    page.wait_for_url("**/plaza/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("button[name=language][value=en]")).to_have_class("lang current")
    expect(log_out).to_have_text("Log out")
    expect(page.locator("main h1")).to_have_text("Task plaza")
    expect(page.locator("form.filters button[type=submit]")).to_have_text("Filter")
    shot(page, "english")
