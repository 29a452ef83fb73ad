"""The 激励中心 pages through Django's test client (I1–I8): every page for a creator and a
merchant, binding an account, applying for cold start (with the window counted down and a
refusal's message) and for a benchmark case, the applications' stages, and the coupon wallet —
paying and stopping a heating order, each after a confirmation step — with another user's
account or order a 404 and the lists read in a constant number of queries."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from incentives import selectors, services
from incentives.models import (
    ChannelsSession,
    CouponEntry,
    CouponTransaction,
    HeatingOrder,
    IncentiveApplication,
    LiveAccount,
)
from incentives.services import applications as application_services
from incentives.views import reason_text
from tests import factories
from tests.conftest import row_counts

pytestmark = pytest.mark.django_db

PLAN = {"long_term_plan": "每周三场美妆直播，半年内做到月销十万", "investment": "每月投流 5000 元"}


def browser(user, *, language: str = "en") -> Client:
    """A logged-in page client reading the pages in `language` (the msgids are English)."""
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def bind(user, *, shop=None, finder_id="wx_page", **kwargs) -> LiveAccount:
    return services.live_account_bind(
        actor=user, finder_id=finder_id, nickname="小鹿直播间", shop=shop, **kwargs
    )


def lived(account, started_at, hours=2.5) -> ChannelsSession:
    return ChannelsSession.objects.create(
        session_id=f"s-{account.pk}-{started_at.timestamp()}",
        live_account=account,
        started_at=started_at,
        ended_at=started_at + timedelta(hours=hours),
    )


@pytest.fixture
def reviewer(db):
    user = factories.UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="decide_incentiveapplication"))
    return user


def approved_cold_start(user, account, reviewer) -> IncentiveApplication:
    """A cold start approved now, its agreed live in three days: stage 1's 500 coupons are in
    the wallet."""
    application = services.cold_start_apply(
        actor=user,
        live_account=account,
        proposed_start=timezone.now() + timedelta(days=3),
        plan=PLAN,
    )
    return services.application_approve(actor=reviewer, application=application)


@pytest.fixture(params=["creator", "merchant"])
def owner(request, creator, merchant, shop):
    """A creator with its account, or a merchant with its shop's."""
    if request.param == "creator":
        return creator, bind(creator)
    return merchant, bind(merchant, shop=shop)


PAGES = [
    "incentive_home",
    "incentive_cold_start",
    "incentive_benchmark",
    "incentive_applications",
    "incentive_wallet",
]


# --- every page, for both sides -------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_for_a_creator_and_a_merchant(owner, name):
    """I1–I8: each page of the incentive centre answers a creator and a merchant with its
    account, in Chinese (the default) and in English, and the navigation links to it."""
    user, account = owner
    for language in ("zh-hans", "en"):
        response = browser(user, language=language).get(reverse(name))
        assert response.status_code == 200, (name, language)
        page = text(response)
        assert account.nickname in page or name == "incentive_applications"
        assert 'data-testid="nav-incentives"' in page


def test_the_pages_are_for_creators_and_merchants_only(agency_staff, client):
    """I1: a user of neither side has no incentive centre (404), and none in its navigation;
    a visitor is sent to log in."""
    staff = browser(agency_staff)
    for name in PAGES:
        assert staff.get(reverse(name)).status_code == 404, name
    assert 'data-testid="nav-incentives"' not in text(staff.get("/"))
    assert client.get(reverse("incentive_home")).status_code == 302


def test_the_home_page_shows_each_programs_budget_meter(creator):
    """I4: each program's meter for the month reads budget = reserved + granted + remaining."""
    bind(creator)
    page = text(browser(creator).get(reverse("incentive_home")))
    for meter in selectors.program_meters():
        assert f'data-testid="meter-{meter.code}"' in page
        assert f"{meter.remaining:,}" in page
        assert meter.budget == meter.reserved + meter.granted + meter.remaining


# --- binding (I1) ---------------------------------------------------------------------------


def test_a_merchant_without_a_shop_is_sent_to_register_one(db):
    """I1: a merchant binds for a shop; with none yet, the page says to register one first."""
    merchant = factories.MerchantUserFactory()
    page = text(browser(merchant).get(reverse("incentive_home")))
    assert 'data-testid="bind"' not in page and reverse("shop_new") in page


def test_a_creator_binds_its_account_on_the_page(creator):
    """I1: with no account the page is a bind form; binding makes the account, the creator's,
    and the form goes away (one account per creator)."""
    client = browser(creator)
    assert 'data-testid="bind"' in text(client.get(reverse("incentive_home")))
    response = client.post(
        reverse("incentive_home"),
        {"bind": "1", "bind-finder_id": "sph_new01", "bind-nickname": "新号直播间"},
    )
    assert response.status_code == 302
    account = LiveAccount.objects.get()
    assert (account.finder_id, account.creator.user, account.shop) == ("sph_new01", creator, None)
    page = text(client.get(reverse("incentive_home")))
    assert 'data-testid="bind"' not in page and "新号直播间" in page


def test_a_merchant_binds_an_account_for_one_of_its_shops(merchant, shop, outsider):
    """I1/A3: a merchant picks one of its own shops; another tenant's shop is not a choice and
    binds nothing."""
    client = browser(merchant)
    other_shop = outsider.memberships.get().organization.shop
    refused = client.post(
        reverse("incentive_home"),
        {
            "bind": "1",
            "bind-finder_id": "sph_x",
            "bind-nickname": "别人",
            "bind-shop": other_shop.pk,
        },
    )
    assert refused.status_code == 200 and not LiveAccount.objects.exists()
    done = client.post(
        reverse("incentive_home"),
        {
            "bind": "1",
            "bind-finder_id": "sph_shop",
            "bind-nickname": "旗舰店",
            "bind-shop": shop.pk,
        },
    )
    assert done.status_code == 302
    assert LiveAccount.objects.get().shop == shop


def test_a_refused_binding_shows_the_message_and_writes_nothing(creator, outsider_creator):
    """I1: a 视频号 account bound by someone else is refused beside the form, not a 500."""
    bind(outsider_creator, finder_id="sph_taken")
    before = row_counts(LiveAccount)
    response = browser(creator).post(
        reverse("incentive_home"),
        {"bind": "1", "bind-finder_id": "sph_taken", "bind-nickname": "抢注"},
    )
    assert response.status_code == 200
    assert "This 视频号 account is already bound by someone." in text(response)
    assert row_counts(LiveAccount) == before


# --- cold start (I2, I3) --------------------------------------------------------------------


def test_the_cold_start_window_counts_down_from_the_first_live(creator):
    """I2: first live 12 days ago → 18 days left to apply, said on the home page and on the
    application page."""
    account = bind(creator)
    lived(account, timezone.now() - timedelta(days=12, hours=3))
    client = browser(creator)
    for name in ("incentive_home", "incentive_cold_start"):
        page = text(client.get(reverse(name)))
        assert "First live 12 days ago, 18 days left to apply" in page, name


def test_the_cold_start_window_in_each_state(creator):
    """I2: never live (open), first live within 30 days (new), no live for 60 days (dormant),
    else closed until 60 days after the last live — the same windows the refusal counts."""
    assert application_services.NEW_ACCOUNT_WINDOW.days == selectors.COLD_START_NEW_DAYS
    assert application_services.DORMANT_WINDOW.days == selectors.COLD_START_DORMANT_DAYS
    account = bind(creator)
    now = timezone.now()
    assert selectors.cold_start_window(live_account=account, at=now).state == "never_live"
    lived(account, now - timedelta(days=200))
    dormant = selectors.cold_start_window(live_account=account, at=now)
    assert (dormant.state, dormant.days_since_last) == ("dormant", 200)
    lived(account, now - timedelta(days=59, hours=12))
    closed = selectors.cold_start_window(live_account=account, at=now)
    assert (closed.state, closed.days_left, closed.is_open) == ("closed", 1, False)
    assert application_services.cold_start_refusal(account, now).code == "not_a_new_account"
    at_30 = account.sessions.order_by("started_at").first().started_at + timedelta(days=30)
    assert selectors.cold_start_window(live_account=account, at=at_30).state == "new"


def test_applying_for_cold_start_on_the_page(creator):
    """I2/I3: the proposed start (Beijing time) and the plan make a submitted application
    reviewed within 2–5 business days; the applications page shows its review deadline."""
    account = bind(creator)
    client = browser(creator)
    start = timezone.now() + timedelta(days=4)
    response = client.post(
        reverse("incentive_cold_start"),
        {
            "account": account.pk,
            "proposed_start": local(start),
            "long_term_plan": PLAN["long_term_plan"],
            "investment": PLAN["investment"],
        },
    )
    assert response.status_code == 302 and response.url == reverse("incentive_applications")
    application = IncentiveApplication.objects.get()
    assert (application.status, application.program.code) == ("submitted", "cold_start")
    assert application.plan == PLAN
    assert local(application.proposed_start) == local(start)
    page = text(client.get(reverse("incentive_applications")))
    assert "Waiting for review" in page
    assert timezone.localtime(application.review_due_at).strftime("%Y-%m-%d") in page


def test_a_cold_start_refusal_shows_its_message_and_writes_nothing(creator):
    """I2: a brand-marked account is refused with the condition's message on the page (the
    home page says it too), and no application is written."""
    account = bind(creator, has_brand_mark=True)
    client = browser(creator)
    assert "do not take part in cold start" in text(client.get(reverse("incentive_home")))
    response = client.post(
        reverse("incentive_cold_start"),
        {
            "account": account.pk,
            "proposed_start": local(timezone.now() + timedelta(days=4)),
            "long_term_plan": "长期规划",
        },
    )
    assert response.status_code == 200
    assert "Accounts with a brand mark (品牌标) do not take part in cold start." in text(response)
    assert not IncentiveApplication.objects.exists()


def test_a_cold_start_with_a_past_start_is_refused_beside_the_field(creator):
    """I3: the proposed start must be in the future; the service's message is next to it."""
    account = bind(creator)
    response = browser(creator).post(
        reverse("incentive_cold_start"),
        {
            "account": account.pk,
            "proposed_start": local(timezone.now() - timedelta(days=1)),
            "long_term_plan": "长期规划",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["proposed_start"] == [
        "Propose a live start in the future."
    ]
    assert not IncentiveApplication.objects.exists()


# --- benchmark cases (I7) -------------------------------------------------------------------


def benchmark_data(account, *, days=20, exclusive=True) -> dict:
    data = {
        "account": account.pk,
        "planned_start": local(timezone.now() + timedelta(days=days)),
        "planned_hours": "6",
        "gmv_target": "80000",
        "good_1": "限定礼盒",
        "good_2": "经典口红",
    }
    if exclusive:
        data["exclusive_1"] = "on"
    return data


def test_applying_for_a_benchmark_case_on_the_page(owner):
    """I7: the single-event template — start 14+ days ahead, 5+ hours, a GMV target in yuan,
    the goods with one exclusive — makes a submitted benchmark application."""
    user, account = owner
    response = browser(user).post(reverse("incentive_benchmark"), benchmark_data(account))
    assert response.status_code == 302
    application = IncentiveApplication.objects.get()
    assert application.program.code == "benchmark"
    assert application.gmv_target_fen == 8_000_000
    assert application.goods == [
        {"name": "限定礼盒", "is_exclusive": True},
        {"name": "经典口红", "is_exclusive": False},
    ]


def test_a_benchmark_case_too_soon_or_without_an_exclusive_good_is_refused(creator):
    """I7: fewer than 14 days ahead is refused beside the start; no exclusive or advantaged
    good is refused at the top of the form; nothing is written."""
    account = bind(creator)
    client = browser(creator)
    soon = client.post(reverse("incentive_benchmark"), benchmark_data(account, days=10))
    assert soon.status_code == 200
    assert soon.context["form"].errors["planned_start"] == [
        "Apply at least 14 days before the planned start."
    ]
    plain = client.post(reverse("incentive_benchmark"), benchmark_data(account, exclusive=False))
    assert plain.status_code == 200
    assert "Mark at least one of the goods as exclusive or advantaged." in text(plain)
    assert not IncentiveApplication.objects.exists()


# --- applications and their stages (I3, I5) -------------------------------------------------


def test_the_applications_page_shows_the_stages_and_what_each_granted(creator, reviewer):
    """I3/I5: an approved cold start shows its agreed start and three stages — stage 1's 500
    granted, stages 2 and 3 reserved with their deadlines — and the coupons granted so far."""
    account = bind(creator)
    application = approved_cold_start(creator, account, reviewer)
    response = browser(creator).get(reverse("incentive_applications"))
    page = text(response)
    assert "Approved" in page
    assert timezone.localtime(application.agreed_start).strftime("%Y-%m-%d %H:%M") in page
    row = response.context["rows"][0]
    assert [(s["stage"].number, s["stage"].status) for s in row["stages"]] == [
        (1, "granted"),
        (2, "reserved"),
        (3, "reserved"),
    ]
    assert row["granted"] == 500
    assert "500 coupons granted on" in page
    assert "The agreed live starts within 2 hours of the agreed time" in page


# --- the coupon wallet and heating (I8) -----------------------------------------------------


@pytest.fixture
def funded(creator, reviewer):
    """The creator's account with stage 1's 500 coupons in its wallet."""
    account = bind(creator)
    approved_cold_start(creator, account, reviewer)
    return account


def wallet_url(account) -> str:
    return f"{reverse('incentive_wallet')}?account={account.pk}"


def test_paying_a_heating_order_asks_for_confirmation_then_moves_the_coupons(creator, funded):
    """I8: the pay form first repeats "use 300 coupons for 2 hours" and moves nothing; the
    confirmed form pays the order from the wallet, and the ledger says so in words."""
    client = browser(creator)
    form = {"account": funded.pk, "action": "pay", "pay-hours": "2", "pay-coupons": "300"}
    before = row_counts(HeatingOrder, CouponTransaction)
    asked = client.post(reverse("incentive_wallet"), form)
    assert asked.status_code == 200
    assert "Use 300 coupons for 2 hours of heating?" in text(asked)
    assert row_counts(HeatingOrder, CouponTransaction) == before
    paid = client.post(reverse("incentive_wallet"), {**form, "confirm": "1"})
    assert paid.status_code == 302 and paid.url == wallet_url(funded)
    order = HeatingOrder.objects.get()
    assert (order.coupons, str(order.hours), order.status) == (300, "2.0", "running")
    assert selectors.coupon_wallet(live_account=funded).available == 200
    page = text(client.get(wallet_url(funded)))
    assert 'data-testid="available">200<' in page
    assert "Paid for a heating order" in page and "-300" in page
    assert "heating_paid" not in page and "cold_start_stage" not in page


def test_stopping_a_heating_order_asks_for_confirmation_and_returns_the_unused(creator, funded):
    """I8: stopping with 120 used first says "120 used, 180 return" and moves nothing; the
    confirmed stop returns 180 to the wallet, and the order shows what came back."""
    order = services.heating_order_pay(actor=creator, live_account=funded, hours="2", coupons=300)
    client = browser(creator)
    form = {"account": funded.pk, "action": "stop", "stop-order": order.pk, "stop-used": "120"}
    entries = row_counts(CouponEntry)
    asked = client.post(reverse("incentive_wallet"), form)
    assert "Stop now: 120 coupons used, 180 return to the wallet?" in text(asked)
    assert row_counts(CouponEntry) == entries
    stopped = client.post(reverse("incentive_wallet"), {**form, "confirm": "1"}, follow=True)
    page = text(stopped)
    assert "The heating order is stopped: 180 coupons are back in the wallet." in page
    order.refresh_from_db()
    assert (order.status, order.used) == ("stopped", 120)
    assert selectors.coupon_wallet(live_account=funded).available == 380
    assert "180 returned to the wallet" in page
    assert "A heating order stopped early: the unused coupons came back with their expiry" in page


def test_a_refused_heating_order_shows_the_message_and_moves_nothing(creator, funded):
    """I8: more coupons than the wallet holds is refused on the page with the service's
    message (not a 500); a stop with more used than paid too."""
    client = browser(creator)
    before = row_counts(HeatingOrder, CouponTransaction)
    response = client.post(
        reverse("incentive_wallet"),
        {
            "account": funded.pk,
            "action": "pay",
            "pay-hours": "1",
            "pay-coupons": "900",
            "confirm": "1",
        },
    )
    assert response.status_code == 200
    assert "The wallet holds 500 coupons usable for this live; 900 needed." in text(response)
    assert row_counts(HeatingOrder, CouponTransaction) == before
    order = services.heating_order_pay(actor=creator, live_account=funded, hours="1", coupons=100)
    too_many = client.post(
        reverse("incentive_wallet"),
        {
            "account": funded.pk,
            "action": "stop",
            "stop-order": order.pk,
            "stop-used": "150",
            "confirm": "1",
        },
    )
    assert too_many.status_code == 200
    assert "The coupons used are 0 to 100." in text(too_many)
    order.refresh_from_db()
    assert order.status == "running"


def test_another_users_account_or_order_is_a_404_and_changes_nothing(
    creator, funded, outsider_creator, merchant, shop
):
    """I1/I8/A3: another user's live account in the query or the form, or another user's
    heating order in the stop form, is a 404 on every page, and nothing moves."""
    order = services.heating_order_pay(actor=creator, live_account=funded, hours="1", coupons=100)
    bind(merchant, shop=shop, finder_id="wx_shop")
    before = row_counts(HeatingOrder, CouponTransaction, IncentiveApplication)
    for user in (outsider_creator, merchant):
        client = browser(user)
        for name in ("incentive_cold_start", "incentive_benchmark", "incentive_wallet"):
            url = f"{reverse(name)}?account={funded.pk}"
            assert client.get(url).status_code == 404, (user, name)
        applied = client.post(
            reverse("incentive_cold_start"),
            {
                "account": funded.pk,
                "proposed_start": local(timezone.now() + timedelta(days=3)),
                "long_term_plan": "x",
            },
        )
        assert applied.status_code == 404
        for confirm in ({}, {"confirm": "1"}):
            stop = client.post(
                reverse("incentive_wallet"),
                {"action": "stop", "stop-order": order.pk, "stop-used": "0", **confirm},
            )
            assert stop.status_code == 404, (user, confirm)
        assert client.get(f"{reverse('incentive_wallet')}?account=abc").status_code == 404
    assert row_counts(HeatingOrder, CouponTransaction, IncentiveApplication) == before
    order.refresh_from_db()
    assert order.status == "running"


@translation.override("en")
def test_every_wallet_reason_reads_as_words_never_as_a_code():
    """I8/I10: a known reason code is a sentence; an unknown one falls back to its kind's
    label, and an unknown kind to a generic one — never the raw code."""
    entry = selectors.WalletEntry(
        kind="grant", amount=500, expires_at=None, program="cold_start", reason="", at=None
    )
    assert str(reason_text(entry)) == "Coupons granted · Cold start"
    coded = selectors.WalletEntry(
        kind="void",
        amount=-5,
        expires_at=None,
        program=None,
        reason="refund_rate_above_40",
        at=None,
    )
    assert "refunds were above 40 percent" in reason_text(coded)
    unknown = selectors.WalletEntry(
        kind="void", amount=-5, expires_at=None, program=None, reason="new_code_x", at=None
    )
    assert reason_text(unknown) == "Voided"
    odd = selectors.WalletEntry(
        kind="odd", amount=1, expires_at=None, program=None, reason="odd_code", at=None
    )
    assert reason_text(odd) == "Coupon movement"


# --- queries --------------------------------------------------------------------------------


def queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_wallet_page_reads_in_a_constant_number_of_queries(creator, funded):
    """I8 (performance): the wallet with 1 heating order and 2 movements takes as many queries
    as with 6 orders and a dozen movements."""
    client = browser(creator)
    services.heating_order_pay(actor=creator, live_account=funded, hours="1", coupons=10)
    client.get(wallet_url(funded))  # warm the navigation's cached facts
    few = queries_of(client, wallet_url(funded))
    for _ in range(5):
        order = services.heating_order_pay(
            actor=creator, live_account=funded, hours="1", coupons=10
        )
        services.heating_order_stop(actor=creator, order=order, used=3)
    client.get(wallet_url(funded))
    many = queries_of(client, wallet_url(funded))
    assert len(selectors.coupon_wallet(live_account=funded).entries) >= 12
    assert few == many


def test_the_applications_page_reads_in_a_constant_number_of_queries(creator, reviewer):
    """I3 (performance): one application with its stages takes as many queries as three, a
    cold start and two benchmark cases, each with its stages."""
    account = bind(creator)
    approved_cold_start(creator, account, reviewer)
    client = browser(creator)
    one = queries_of(client, reverse("incentive_applications"))
    for days in (20, 30):
        services.benchmark_apply(
            actor=creator,
            live_account=account,
            planned_start=timezone.now() + timedelta(days=days),
            planned_hours=6,
            gmv_target_fen=8_000_000,
            goods=[{"name": "礼盒", "is_exclusive": True}],
        )
        application = IncentiveApplication.objects.filter(status="submitted").get()
        services.application_approve(actor=reviewer, application=application)
    many = queries_of(client, reverse("incentive_applications"))
    assert IncentiveApplication.objects.count() == 3
    assert one == many


@translation.override("en")
def test_a_movement_with_its_stage_month_or_note_names_them():
    """I8/I10: the wallet names the stage reached, the growth month or the platform's note,
    and does not repeat the program its sentence already names."""
    stage = selectors.WalletEntry(
        kind="grant",
        amount=500,
        expires_at=None,
        program="cold_start",
        reason="cold_start_stage",
        at=None,
        params={"stage": 2},
    )
    assert reason_text(stage) == "Cold-start package: stage 2 reached"
    growth = selectors.WalletEntry(
        kind="grant",
        amount=300,
        expires_at=None,
        program="growth",
        reason="growth_award",
        at=None,
        params={"month": "2026-10"},
    )
    assert reason_text(growth) == "Growth award for 2026-10"
    gift = selectors.WalletEntry(
        kind="grant",
        amount=100,
        expires_at=None,
        program="growth",
        reason="granted_by_ops",
        at=None,
        params={"note": "直播事故补偿"},
    )
    assert reason_text(gift) == "Granted by the platform: 直播事故补偿 · Growth"


def test_the_home_page_shows_last_months_awards_granted_or_not(creator):
    """I6: the growth card lists last month's awards, granted or recorded as quota exhausted
    (the account is told nowhere else that the budget ran out)."""
    from datetime import date, datetime

    import time_machine

    from incentives.models import GrowthAward, Program
    from incentives.services.growth import growth_evaluate

    Program.objects.filter(code="growth").update(monthly_budget=500)
    account = bind(creator)
    other = services.live_account_bind(
        actor=factories.CreatorFactory().user, finder_id="wx_first", nickname="先到"
    )
    start = timezone.make_aware(datetime(2026, 10, 5, 20))
    for who, minutes in ((other, 0), (account, 10)):
        ChannelsSession.objects.create(
            session_id=f"aw-{who.pk}",
            live_account=who,
            started_at=start + timedelta(minutes=minutes),
            ended_at=start + timedelta(hours=1, minutes=minutes),
            gmv_fen=1_500_000,
        )
    growth_evaluate(month=date(2026, 10, 1), at=timezone.make_aware(datetime(2026, 11, 8, 2)))
    assert GrowthAward.objects.get(live_account=account).status == "quota_exhausted"
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 20, 12))):
        page = browser(creator).get(reverse("incentive_home")).content.decode()
    assert "Awards for 2026-10" in page and "500 coupons: the month's budget was used up" in page
