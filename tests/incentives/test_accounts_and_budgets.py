"""I1, I4, I8: binding 视频号 accounts, the programs' monthly budgets and the coupon book."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from incentives import services
from incentives.exceptions import QuotaExhausted
from incentives.models import (
    CouponAccount,
    CouponEntry,
    CouponLot,
    CouponTransaction,
    LiveAccount,
    Program,
    ProgramMonth,
)
from incentives.selectors import program_meters
from incentives.services.coupons import account
from tests.conftest import client_for, row_counts

OCTOBER = date(2026, 10, 1)


def bound(creator_user, finder_id="wx_finder_1") -> LiveAccount:
    return services.live_account_bind(
        actor=creator_user, finder_id=finder_id, nickname="小鹿直播间"
    )


def month(code="cold_start", budget=None, on=OCTOBER) -> ProgramMonth:
    program = Program.objects.get(code=code)
    if budget is not None:
        Program.objects.filter(pk=program.pk).update(monthly_budget=budget)
        program.refresh_from_db()
    return services.month_open(program, on)


# --- I1: live accounts ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_creator_binds_one_account_and_a_merchant_one_per_shop(creator, merchant, shop):
    """I1: a creator binds its own 视频号 account, a merchant one for its shop; a second account
    for either, or an account already bound by someone, is refused with its code."""
    api = client_for(creator)
    body = {"finder_id": "wx_finder_xl", "nickname": "小鹿直播间", "has_brand_mark": False}
    first = api.post("/api/v1/live-accounts/", body, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["creator"] == creator.creator_profile.pk
    again = api.post("/api/v1/live-accounts/", {**body, "finder_id": "wx_other"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "live_account_bound"

    shop_api = client_for(merchant)
    taken = shop_api.post("/api/v1/live-accounts/", {**body, "shop": shop.pk}, format="json")
    assert taken.json()["error"]["code"] == "live_account_bound"  # someone's finder id
    ours = shop_api.post(
        "/api/v1/live-accounts/",
        {"finder_id": "wx_shop", "nickname": "山茶花官方", "has_brand_mark": True, "shop": shop.pk},
        format="json",
    )
    assert ours.status_code == 201, ours.content
    assert ours.json()["shop"] == shop.pk
    assert [a["finder_id"] for a in shop_api.get("/api/v1/live-accounts/").json()["results"]] == [
        "wx_shop"
    ]
    assert LiveAccount.objects.count() == 2


@pytest.mark.django_db
def test_another_tenants_shop_is_a_404_and_binds_nothing(merchant, other_shop, outsider):
    """I1/A3: a merchant naming another tenant's shop gets a 404; a user with no side binds
    nothing; the account lists show only one's own."""
    response = client_for(merchant).post(
        "/api/v1/live-accounts/",
        {"finder_id": "wx_x", "nickname": "别人的店", "shop": other_shop.pk},
        format="json",
    )
    assert response.status_code == 404
    refused = client_for(outsider).post(
        "/api/v1/live-accounts/", {"finder_id": "wx_y", "nickname": "无身份"}, format="json"
    )
    assert refused.status_code == 403
    assert not LiveAccount.objects.exists()
    assert client_for(outsider).get("/api/v1/live-accounts/").json()["results"] == []


@pytest.mark.django_db
def test_bad_input_is_a_400_naming_the_field(creator):
    """I1: a blank or too long finder id or nickname is a 400 in the error shape."""
    api = client_for(creator)
    blank = api.post("/api/v1/live-accounts/", {"finder_id": " ", "nickname": "x"}, format="json")
    assert blank.status_code == 400
    assert "finder_id" in blank.json()["error"]["fields"]
    long = api.post(
        "/api/v1/live-accounts/", {"finder_id": "f" * 65, "nickname": "x"}, format="json"
    )
    assert long.status_code == 400
    assert not LiveAccount.objects.exists()


# --- I4: monthly budgets ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_meter_reads_budget_as_reserved_plus_granted_plus_remaining(creator):
    """I4: the default budgets (cold start 200,000, growth 1,000,000, benchmark 500,000); a
    reservation and grants move the meter and budget = reserved + granted + remaining."""
    meters = {m.code: m for m in program_meters(month=OCTOBER)}
    assert {c: m.budget for c, m in meters.items()} == {
        "cold_start": 200_000,
        "growth": 1_000_000,
        "benchmark": 500_000,
    }
    assert meters["cold_start"].remaining == 200_000  # not opened yet: whole
    live = bound(creator)
    cold = month()
    services.reservation_take(program_month=cold, amount=2000, cause="test:reserve")
    services.coupons_grant(
        program_month=cold,
        live_account=live,
        amount=500,
        cause="test:stage1",
        reason="cold_start_stage",
        from_reservation=True,
    )
    services.coupons_grant(
        program_month=month("growth"), live_account=live, amount=300, cause="t:g", reason="growth"
    )
    meters = {m.code: m for m in program_meters(month=OCTOBER)}
    cs = meters["cold_start"]
    assert (cs.reserved, cs.granted, cs.remaining) == (1500, 500, 198_000)
    assert cs.budget == cs.reserved + cs.granted + cs.remaining
    assert meters["growth"].granted == 300
    assert account("wallet", live_account=live).balance == 800


@pytest.mark.django_db
def test_a_grant_the_budget_cannot_cover_is_refused_and_moves_nothing(creator):
    """I4: first come, first served: when the rest is smaller than the grant, it is refused
    with quota_exhausted and nothing moves; nothing is owed or carried over."""
    live = bound(creator)
    small = month(budget=1000)
    services.coupons_grant(
        program_month=small, live_account=live, amount=800, cause="a", reason="x"
    )
    before = row_counts(CouponTransaction, CouponEntry, CouponLot)
    with pytest.raises(QuotaExhausted) as refused:
        services.coupons_grant(
            program_month=small, live_account=live, amount=201, cause="b", reason="x"
        )
    assert refused.value.code == "quota_exhausted"
    assert row_counts(CouponTransaction, CouponEntry, CouponLot) == before
    assert account("budget", program_month=small).balance == 200
    november = services.month_open(small.program, date(2026, 11, 5))
    assert november.budget == 1000  # the next month starts whole: no carry-over
    assert account("budget", program_month=november).balance == 1000


@pytest.mark.django_db
def test_a_grant_is_idempotent_on_its_cause(creator):
    """I8/I4: granting the same cause again (a rerun, a second worker) returns the first grant
    and moves nothing; the lot expires after the program's 30 days."""
    live = bound(creator)
    cold = month()
    first = services.coupons_grant(
        program_month=cold, live_account=live, amount=500, cause="cold:1:stage:1", reason="x"
    )
    again = services.coupons_grant(
        program_month=cold, live_account=live, amount=500, cause="cold:1:stage:1", reason="x"
    )
    assert again.pk == first.pk
    assert account("wallet", live_account=live).balance == 500
    lot = CouponLot.objects.get()
    assert (lot.expires_at - first.created_at).days == 30
    assert lot.remaining == lot.amount == 500


# --- I8: the coupon book is a ledger -----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_keeps_the_coupon_book_append_only_and_balanced(creator):
    """I8/E2 for coupons: an entry or a transaction cannot be updated or deleted, an unbalanced
    transaction is refused at commit, and no wallet goes below zero — by the database itself."""
    live = bound(creator)
    services.coupons_grant(
        program_month=month(), live_account=live, amount=50, cause="g", reason="x"
    )
    entry = CouponEntry.objects.first()
    for statement in (
        "UPDATE incentives_couponentry SET amount = amount + 1 WHERE id = %s",
        "DELETE FROM incentives_couponentry WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])
    wallet = account("wallet", live_account=live)
    with pytest.raises(IntegrityError), transaction.atomic():
        CouponAccount.objects.filter(pk=wallet.pk).update(balance=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        lonely = CouponTransaction.objects.create(kind="grant", cause="one-sided")
        CouponEntry.objects.create(transaction=lonely, account=wallet, amount=5, balance_after=55)
        connection.check_constraints()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert CouponEntry.objects.filter(account=wallet).count() == 1


@pytest.mark.django_db
def test_other_users_accounts_applications_and_wallets_are_never_shown(
    creator, merchant, shop, outsider_creator, agency_staff, outsider
):
    """A3/I1/I8: a live account, its applications and its coupon wallet are its owner's: every
    other role (another creator, the shop's merchant, agency staff, a user with no side) lists
    none of them, and naming the account's id for the wallet is a 404."""
    live = bound(creator)
    services.coupons_grant(
        program_month=month(), live_account=live, amount=500, cause="mine", reason="x"
    )
    mine = client_for(creator).get("/api/v1/incentives/coupons/", {"live_account": live.pk})
    assert mine.status_code == 200 and mine.json()["available"] == 500
    for user in (merchant, outsider_creator, agency_staff, outsider):
        api = client_for(user)
        assert api.get("/api/v1/live-accounts/").json()["results"] == []
        assert api.get("/api/v1/incentives/applications/").json()["results"] == []
        wallet = api.get("/api/v1/incentives/coupons/", {"live_account": live.pk})
        assert wallet.status_code == 404, user
        assert "500" not in wallet.content.decode()
    bad = client_for(creator).get("/api/v1/incentives/coupons/", {"live_account": "１２"})
    assert bad.status_code == 400


@pytest.mark.django_db
def test_unused_coupons_expire_after_30_days_once(creator, settings):
    """I8: a lot's unused coupons leave the wallet 30 days after the grant (the 00:00 Beijing
    job), each lot once: a rerun moves nothing; a lot not yet due stays."""
    import time_machine
    from django.utils import timezone

    live = bound(creator)
    cold = month()
    granted_at = timezone.now()
    with time_machine.travel(granted_at, tick=False):
        services.coupons_grant(
            program_month=cold, live_account=live, amount=500, cause="old", reason="x"
        )
    with time_machine.travel(granted_at + timedelta(days=10), tick=False):
        services.coupons_grant(
            program_month=cold, live_account=live, amount=300, cause="new", reason="x"
        )
    assert services.coupons_expire(at=granted_at + timedelta(days=29, hours=23)) == 0
    assert services.coupons_expire(at=granted_at + timedelta(days=30)) == 1
    assert services.coupons_expire(at=granted_at + timedelta(days=30)) == 0
    assert account("wallet", live_account=live).balance == 300
    assert account("expired").balance == 500
    assert sorted(CouponLot.objects.values_list("remaining", flat=True)) == [0, 300]
    entry = CouponTransaction.objects.get(kind="expiry")
    assert (entry.reason, entry.params) == ("coupons_expired", {"coupons": 500})
    assert settings.CELERY_BEAT_SCHEDULE["expire-coupons"]["task"] == "incentives.expire_coupons"


@pytest.mark.django_db
def test_reconcile_checks_the_coupon_book_too(creator):
    """I8/E9: `manage.py reconcile` passes on a clean coupon book and names a coupon account
    whose cached balance no longer matches its entries (and its wallet's lots)."""
    from django.core.management import CommandError, call_command

    live = bound(creator)
    services.coupons_grant(
        program_month=month(), live_account=live, amount=500, cause="g", reason="x"
    )
    call_command("reconcile")
    wallet = account("wallet", live_account=live)
    CouponAccount.objects.filter(pk=wallet.pk).update(balance=501)
    with pytest.raises(CommandError, match="invariant"):
        call_command("reconcile")
    from incentives.selectors import coupon_breaches

    breaches = coupon_breaches()
    assert any(f"coupon account {wallet.pk} (wallet) caches 501" in b for b in breaches)
    assert any("holds 501 coupons but its lots 500" in b for b in breaches)
