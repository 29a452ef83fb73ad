"""F2 in Chromium: the income page draws its chart with the locally served Chart.js.

The merchant's orders are released through the services on five Beijing days of the last 30;
the page is then opened in the browser, the test waits until Chart.js has drawn, checks that
the canvas really holds the bars, and saves tests/e2e/screenshots/income-chart.png (CI keeps
that folder as artifacts).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from tasks import services
from tests import factories
from tests.conftest import fund_wallet
from tests.e2e.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BEIJING = ZoneInfo("Asia/Shanghai")
SCREENSHOT = Path(__file__).parent / "screenshots" / "income-chart.png"
# (days before today, price in fen): five releases, ¥4,160.00 in all.
RELEASES = ((1, 128_000), (4, 50_000), (9, 88_000), (15, 30_000), (22, 120_000))

# Counts the canvas pixels in the bars' colour (#ff5000), i.e. what Chart.js actually painted.
BAR_PIXELS = """
(canvas) => {
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let bars = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i] > 240 && pixels[i + 1] > 60 && pixels[i + 1] < 100 && pixels[i + 2] < 30
        && pixels[i + 3] > 200) {
      bars += 1;
    }
  }
  return bars;
}
"""


def released_on(shop, creator, *, at: datetime, price_fen: int) -> None:
    """A private order paid, accepted, delivered and confirmed (T52) at `at`."""
    merchant = shop.owner
    with time_machine.travel(at, tick=False):
        task = services.task_create(
            actor=merchant,
            mode="private",
            title="秋季新品短视频",
            brief="60 秒开箱视频，口播品牌名两次",
            content_type="video",
            channel="toutiao",
            price_fen=price_fen,
            delivery_deadline=at + timedelta(days=10),
            shop=shop,
            creator=creator,
        )
        services.order_pay(order=task.order, actor=merchant)
        services.order_accept(order=task.order, actor=creator.user)
        services.order_deliver(
            order=task.order, actor=creator.user, links=["https://v.taobao.com/v/2026"]
        )
        services.order_confirm(order=task.order, actor=merchant, rating=5)


def test_income_page_draws_its_chart_in_chromium(page):
    """F2: a merchant's income page in Chromium: Chart.js is loaded from our own static files
    (no other host is contacted), the chart is drawn with one value per day in yuan, the
    total and the table match the releases, and the screenshot is saved for CI."""
    shop = factories.ShopFactory(owner=factories.MerchantUserFactory(username="e2e_income"))
    factories.PaymentAccountFactory(shop=shop, bound_by=shop.owner)
    fund_wallet(shop, 1_000_000)
    creator = factories.CreatorFactory(
        user=factories.CreatorUserFactory(username="e2e_income_creator"), display_name="秋秋"
    )
    today = datetime.now(BEIJING).date()
    for days_ago, price_fen in RELEASES:
        at = datetime.combine(today - timedelta(days=days_ago), time(15), tzinfo=BEIJING)
        released_on(shop, creator, at=at, price_fen=price_fen)

    foreign_requests: list[str] = []
    page.on(
        "request",
        lambda request: None
        if request.url.startswith(page.base_url) or request.url.startswith("data:")
        else foreign_requests.append(request.url),
    )
    log_in(page, "e2e_income")
    page.goto(page.base_url + "/analytics/income/")

    canvas = page.locator("#income-chart")
    expect(canvas).to_be_visible()
    page.wait_for_function(
        """() => {
          const canvas = document.getElementById("income-chart");
          return window.Chart && Chart.getChart(canvas) && canvas.dataset.ready === "true";
        }"""
    )
    drawn = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.getElementById("income-chart"));
          return {labels: chart.data.labels, values: chart.data.datasets[0].data};
        }"""
    )
    assert len(drawn["labels"]) == 30
    assert drawn["labels"][-1] == today.isoformat()
    assert sorted(value for value in drawn["values"] if value) == [300, 500, 880, 1200, 1280]
    assert canvas.evaluate(BAR_PIXELS) > 500

    expect(page.locator("[data-testid=income-total]")).to_have_text("¥4,160.00")
    yesterday = (today - timedelta(days=1)).isoformat()
    expect(page.locator("[data-testid=income-table] tr", has_text=yesterday)).to_contain_text(
        "¥1,280.00"
    )
    script = page.locator("script[src$='vendor/chart.js/chart.umd.min.js']")
    assert script.get_attribute("src").startswith("/static/")
    assert page.request.get(page.base_url + script.get_attribute("src")).ok
    assert foreign_requests == []

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
