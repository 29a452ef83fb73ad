"""I9 (three complaints confirmed within 30 days restrict) and I10 (counterfeit goods, a closed
shop and cheating, confirmed by ops, void and claw back; a debt is set off against later
grants; cheating bars for good and records an S2 restriction), each with its own power (Z3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission

from core.exceptions import InvalidInput, WrongSide
from incentives import services
from incentives.models import (
    CouponLot,
    LiveAccount,
    Program,
    StageStatus,
    ViolationConfirmation,
)
from incentives.selectors import coupon_breaches, coupon_wallet
from incentives.services.applications import NotEligible
from parties.models import Notification, Sanction
from tests import factories
from tests.conftest import row_counts

BJ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 12, tzinfo=BJ)


def ops(*codenames):
    user = factories.UserFactory(is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def grant(who, amount, cause, at):
    program = Program.objects.get(code="growth")
    with time_machine.travel(at, tick=False):
        month = services.month_open(program, at)
        return services.coupons_grant(
            program_month=month, live_account=who, amount=amount, cause=cause, reason="growth_award"
        )


def heat_and_use(creator, who, coupons, used, at):
    """A heating order of `coupons` stopped at `used`."""
    with time_machine.travel(at, tick=False):
        order = services.heating_order_pay(
            actor=creator, live_account=who, hours="1", coupons=coupons
        )
    with time_machine.travel(at + timedelta(minutes=10), tick=False):
        services.heating_order_stop(actor=creator, order=order, used=used)


def confirm(who, kind, at=NOW, **extra):
    reviewer = ops("confirm_incentive_violation")
    with time_machine.travel(at, tick=False):
        return services.violation_confirm(
            actor=reviewer, live_account=who, kind=kind, note="用户投诉发货慢", **extra
        )


@pytest.fixture
def account(creator):
    return services.live_account_bind(actor=creator, finder_id="wx_bad", nickname="问题号")


@pytest.mark.django_db
def test_confirming_needs_its_own_power_and_a_note(account):
    """Z3/I10: a staff user without `confirm_incentive_violation` is refused; a confirmation
    without a note is refused; neither writes anything."""
    before = row_counts(ViolationConfirmation)
    with pytest.raises(WrongSide):
        services.violation_confirm(
            actor=ops("decide_incentiveapplication"),
            live_account=account,
            kind="cheating",
            note="x",
        )
    with pytest.raises(InvalidInput):
        services.violation_confirm(
            actor=ops("confirm_incentive_violation"),
            live_account=account,
            kind="counterfeit",
            note=" ",
        )
    assert row_counts(ViolationConfirmation) == before


@pytest.mark.django_db
def test_the_third_complaint_within_30_days_restricts(account, creator):
    """I9: two complaints only warn; the third confirmed within 30 days restricts the account
    for 30 days and voids the unused coupons granted in the 30 days before; a complaint older
    than 30 days does not count."""
    grant(account, 400, "t:recent", NOW - timedelta(days=5))
    confirm(account, "complaint", NOW - timedelta(days=31))
    confirm(account, "complaint", NOW - timedelta(days=20))
    confirm(account, "complaint", NOW - timedelta(days=1))
    account.refresh_from_db()
    assert account.restricted_until is None
    confirm(account, "complaint", NOW)
    account.refresh_from_db()
    assert account.restricted_until == NOW + timedelta(days=30)
    assert coupon_wallet(live_account=account).available == 0
    assert Notification.objects.filter(
        user=creator, kind="incentive_restricted_complaints"
    ).exists()
    assert Notification.objects.filter(user=creator, kind="incentive_complaint").count() == 3
    assert coupon_breaches() == []


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["counterfeit", "closed_shop"])
def test_counterfeit_or_closed_shop_voids_unused_and_claws_back_90_days(account, creator, kind):
    """I10: every unused coupon is voided; the coupons used in the last 90 days become a debt
    (those used 91 days ago do not); the account reads both with the reason."""
    grant(account, 1000, "t:old", NOW - timedelta(days=120))
    heat_and_use(creator, account, 200, 200, NOW - timedelta(days=91))
    grant(account, 1000, "t:new", NOW - timedelta(days=20))
    heat_and_use(creator, account, 500, 300, NOW - timedelta(days=10))
    # Unused: what the wallet holds (the expiry sweep has not run; unswept coupons count).
    unused = coupon_wallet(live_account=account).available
    confirmation = confirm(account, kind)
    assert (confirmation.voided, confirmation.clawed_back) == (unused, 300)
    view = coupon_wallet(live_account=account)
    assert (view.available, view.debt) == (0, 300)
    assert {e.kind for e in view.entries[:2]} >= {"void"}
    assert Notification.objects.filter(user=creator, kind=f"incentive_clawback_{kind}").exists()
    assert coupon_breaches() == []


@pytest.mark.django_db
def test_a_debt_is_set_off_against_later_grants(account, creator):
    """I10: a later grant first pays the debt: of a 500 grant against a 300 debt, 200 remain
    usable; the next grant is whole."""
    grant(account, 1000, "t:first", NOW - timedelta(days=20))
    heat_and_use(creator, account, 300, 300, NOW - timedelta(days=10))
    confirm(account, "counterfeit")
    grant(account, 500, "t:after", NOW + timedelta(days=1))
    view = coupon_wallet(live_account=account)
    assert (view.available, view.debt) == (200, 0)
    assert view.entries[0].kind == "clawback"  # the set-off, as the account reads it
    assert list(
        CouponLot.objects.filter(live_account=account, remaining__gt=0).values_list(
            "remaining", flat=True
        )
    ) == [200]
    grant(account, 100, "t:later", NOW + timedelta(days=2))
    assert coupon_wallet(live_account=account).available == 300
    assert coupon_breaches() == []


@pytest.mark.django_db
def test_cheating_claws_back_everything_bars_for_good_and_records_an_s2_restriction(
    account, creator
):
    """I10: cheating turns every coupon ever used into a debt (also 200 days ago), bars the
    account from every program for good (a cold-start application is refused with `barred`,
    its reserved stages lapse and return to the budget) and records an S2 restriction."""
    grant(account, 1000, "t:ancient", NOW - timedelta(days=200))
    heat_and_use(creator, account, 400, 400, NOW - timedelta(days=199))
    reviewer = ops("decide_incentiveapplication")
    with time_machine.travel(NOW - timedelta(days=2), tick=False):
        application = services.cold_start_apply(
            actor=creator,
            live_account=account,
            proposed_start=NOW + timedelta(days=3),
            plan="每周直播",
        )
        services.application_approve(actor=reviewer, application=application)
    confirmation = confirm(account, "cheating", restriction_days=90)
    assert confirmation.clawed_back == 400
    account.refresh_from_db()
    assert account.barred_at == NOW
    assert set(application.stages.values_list("status", flat=True)) == {
        StageStatus.GRANTED,
        StageStatus.LAPSED,
    }
    sanction = Sanction.objects.get(user=creator)
    assert sanction.kind == "restriction" and sanction.violation.kind == "cheating"
    with time_machine.travel(NOW + timedelta(days=400), tick=False):
        refusal = services.applications.cold_start_refusal(
            LiveAccount.objects.get(pk=account.pk), NOW + timedelta(days=400)
        )
    assert isinstance(refusal, NotEligible) and refusal.code == "barred"
    assert coupon_breaches() == []


@pytest.mark.django_db
def test_the_admin_confirm_page_needs_the_power_and_has_no_default(client, account):
    """Z3/I10: the confirm page answers 403 without the power; with it, the form has no
    preselected outcome and a confirmation is logged with who and when."""
    plain = factories.UserFactory(is_staff=True)
    client.force_login(plain)
    url = f"/admin/incentives/liveaccount/{account.pk}/confirm/"
    assert client.get(url).status_code == 403
    reviewer = ops("confirm_incentive_violation", "view_liveaccount")
    client.force_login(reviewer)
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="" selected' in page.content.decode()
    done = client.post(url, {"kind": "complaint", "note": "假货投诉属实"})
    assert done.status_code == 302
    row = ViolationConfirmation.objects.get(live_account=account)
    assert (row.confirmed_by, row.kind) == (reviewer, "complaint")
