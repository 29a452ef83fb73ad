"""Browser journey of the 视频号 incentives (I1–I3, I5, I8), through the pages, in Chromium: a
creator binds its 视频号 account and applies for cold start in the 激励中心; ops with the review
permission approve it on the admin's decision page; the feed reports the agreed live, which
earns stage 2; the creator finds the coupons in the wallet and the message in the inbox, heats
its next live with coupons (after the confirmation) and stops it early, and the wallet shows
the coupons that came back. Screenshots at 1280 and 390 px, where nothing scrolls sideways."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from incentives.models import ApplicationStatus, HeatingOrder, IncentiveApplication, LiveAccount
from incentives.selectors import coupon_wallet
from incentives.services.lives import channels_sessions_ingest, cold_starts_evaluate
from tests import factories
from tests.e2e.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def click_and_wait(page, selector: str) -> None:
    """Click a submit button, wait for the page the POST leads to; it must not show an error."""
    with page.expect_navigation():
        page.click(selector)
    errors = page.locator(".alert-error, .field .error, .error[role=alert]")
    assert errors.count() == 0, errors.all_inner_texts()


def shots(page, shot, name: str) -> None:
    """The page at 1280 px and at 390 px (a phone), which must not scroll sideways."""
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar stays on top of a full shot
    shot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 390 px"
    shot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)


def feed_row(session_id: str, finder_id: str, started: datetime, ended: datetime | None):
    return {
        "platform": "shipinhao",
        "session_id": session_id,
        "finder_id": finder_id,
        "started_at": started.isoformat(),
        "ended_at": ended.isoformat() if ended else None,
        "viewers": 3200,
        "gmv": "8600.00",
        "refund": "0",
    }


def test_creator_binds_applies_is_approved_earns_heats_and_stops(page, shot):
    """I1–I3/I5/I8: bind → apply for cold start → ops approve (review permission) → the agreed
    live (within 2 h of the agreed start, 2 h or longer) earns stage 2's 500 coupons → the wallet
    and the inbox show them → a heating order paid with coupons after confirming, stopped early:
    the unused coupons return to the wallet."""
    factories.CreatorFactory(user=factories.CreatorUserFactory(username="e2e_creator"))
    ops = factories.UserFactory(username="e2e_ops", is_staff=True)
    ops.user_permissions.add(  # the 审核 desk's powers (Z3), as incentives' migration 0004 seeds
        *Permission.objects.filter(
            content_type__app_label="incentives",
            codename__in=["decide_incentiveapplication", "view_incentiveapplication"],
        )
    )

    # 1. The creator binds its 视频号 account in the 激励中心.
    log_in(page, "e2e_creator")
    page.click("[data-testid=nav-incentives]")
    page.wait_for_url("**/incentives/")
    page.fill("#id_bind-finder_id", "sph_e2e_new")
    page.fill("#id_bind-nickname", "小鹿新号")
    shots(page, shot, "bind")
    click_and_wait(page, "[data-testid=bind-submit]")
    account = LiveAccount.objects.get(finder_id="sph_e2e_new")
    expect(page.locator("[data-testid=cold-start-window]")).to_be_visible()
    expect(page.locator("[data-testid=program-cold_start] .badge-ok")).to_be_visible()
    shots(page, shot, "home")

    # 2. It applies for cold start with a live in three days, 20:00 Beijing time.
    agreed = (datetime.now(SHANGHAI) + timedelta(days=3)).replace(
        hour=20, minute=0, second=0, microsecond=0
    )
    page.click("[data-testid=apply-cold-start]")
    page.wait_for_url("**/incentives/cold-start/**")
    page.fill("#id_proposed_start", agreed.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_long_term_plan", "每周三场美妆直播，半年内做到月销十万")
    page.fill("#id_investment", "每月投流 5000 元")
    shots(page, shot, "apply")
    click_and_wait(page, "[data-testid=cold-start-submit]")
    page.wait_for_url("**/incentives/applications/")
    application = IncentiveApplication.objects.get(live_account=account)
    expect(
        page.locator(f"[data-testid=application-{application.pk}] [data-testid=status]")
    ).to_have_class("badge status-submitted")
    shots(page, shot, "applications-submitted")

    # 3. Ops with the review permission find it on the review queue and approve it on its
    # decision page (the agreed start is the proposed one).
    log_in(page, "e2e_ops")
    page.goto(f"{page.base_url}/admin/incentives/incentiveapplication/?review=waiting")
    with page.expect_navigation():
        page.click(f"a.button[href$='/{application.pk}/decide/']")
    page.select_option("select[name=decision]", "approve")
    shot(page, "ops-decide")
    with page.expect_navigation():
        page.click("#content form input[type=submit]")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.agreed_start == agreed
    assert coupon_wallet(live_account=account).available == 500  # stage 1, at approval

    # 4. The agreed live: 10 minutes late, 2 h 15 min long. The feed reports it when it has
    # ended; the worker's evaluation grants stage 2. The clock runs on from there.
    with time_machine.travel(agreed + timedelta(hours=2, minutes=40), tick=True):
        started = agreed + timedelta(minutes=10)
        report, touched = channels_sessions_ingest(
            rows=[
                feed_row(
                    "sph-live-1",
                    account.finder_id,
                    started,
                    started + timedelta(hours=2, minutes=15),
                )
            ]
        )
        assert [row.status for row in report.rows] == ["created"]
        cold_starts_evaluate(live_account_ids=touched)
        assert coupon_wallet(live_account=account).available == 1000

        # 5. The creator sees the coupons in the wallet and the message in the inbox.
        log_in(page, "e2e_creator")
        page.click("[data-testid=inbox]")
        expect(page.locator("[data-testid=notifications]")).to_contain_text("500")
        expect(page.locator("[data-testid=notifications]")).to_contain_text("小鹿新号")
        shots(page, shot, "inbox")
        page.goto(page.base_url + "/incentives/applications/")
        expect(page.locator("[data-testid=stage-2] [data-testid=stage-status]")).to_have_class(
            "badge status-granted"
        )
        page.goto(page.base_url + "/incentives/")
        page.click(f"[data-testid=account-{account.pk}] [data-testid=wallet-link]")
        expect(page.locator("[data-testid=available]")).to_have_text("1,000")
        expect(page.locator("[data-testid=ledger] li")).to_have_count(2)
        shots(page, shot, "wallet")

        # 6. The next live is on: the creator heats it with 300 coupons for 2 hours, confirms …
        next_live, _touched = channels_sessions_ingest(
            rows=[feed_row("sph-live-2", account.finder_id, agreed + timedelta(hours=2.5), None)]
        )
        assert [row.status for row in next_live.rows] == ["created"]
        page.select_option("#id_pay-hours", "2")
        page.fill("#id_pay-coupons", "300")
        click_and_wait(page, "[data-testid=pay-submit]")
        expect(page.locator("[data-testid=confirm-pay]")).to_contain_text("300")
        assert not HeatingOrder.objects.exists()  # nothing moves before the confirmation
        shots(page, shot, "confirm-pay")
        click_and_wait(page, "[data-testid=confirm-pay-submit]")
        order = HeatingOrder.objects.get()
        assert (order.coupons, order.session.session_id) == (300, "sph-live-2")
        expect(page.locator("[data-testid=available]")).to_have_text("700")

        # 7. … and stops it early, 120 used: 180 come back with their expiry.
        page.fill(f"[data-testid=order-{order.pk}] input[name=stop-used]", "120")
        click_and_wait(page, f"[data-testid=order-{order.pk}] [data-testid=stop-submit]")
        expect(page.locator("[data-testid=confirm-stop]")).to_contain_text("180")
        shots(page, shot, "confirm-stop")
        click_and_wait(page, "[data-testid=confirm-stop-submit]")
        expect(page.locator(".alert-success")).to_contain_text("180")
        expect(page.locator("[data-testid=available]")).to_have_text("880")
        expect(
            page.locator(f"[data-testid=order-{order.pk}] [data-testid=returned]")
        ).to_contain_text("180")
        shots(page, shot, "stopped")
    order.refresh_from_db()
    assert (order.status, order.used) == ("stopped", 120)
    assert coupon_wallet(live_account=account).available == 880
