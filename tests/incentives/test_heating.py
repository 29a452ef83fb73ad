"""I8: heating orders paid with coupons — 0.5 to 6 hours in half-hour steps, the oldest coupons
first, a stop returning the unused ones with their original expiry, the sweep spending what ran
out; I7: benchmark tranche coupons pay only for their live."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from incentives import services
from incentives.models import (
    ChannelsSession,
    CouponLot,
    CouponTransaction,
    HeatingOrder,
    LiveAccount,
    Program,
)
from incentives.selectors import coupon_breaches, coupon_wallet
from incentives.services.coupons import account
from tests.conftest import client_for, row_counts

BJ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 20, tzinfo=BJ)


def grant(who: LiveAccount, amount: int, cause: str, *, at: datetime, for_session: str = ""):
    program = Program.objects.get(code="growth")
    with time_machine.travel(at, tick=False):
        month = services.month_open(program, at)
        return services.coupons_grant(
            program_month=month,
            live_account=who,
            amount=amount,
            cause=cause,
            reason="growth_award",
            for_session=for_session,
        )


@pytest.fixture
def wallet(creator):
    """An account with 300 coupons granted on 1 November (expire 1 December) and 500 granted
    on 10 November (expire 10 December)."""
    who = services.live_account_bind(actor=creator, finder_id="wx_heat", nickname="热播间")
    grant(who, 300, "test:old", at=datetime(2026, 11, 1, 10, tzinfo=BJ))
    grant(who, 500, "test:new", at=datetime(2026, 11, 10, 10, tzinfo=BJ))
    return who


def pay(user, who, *, hours="2", coupons=100, **extra):
    with time_machine.travel(NOW, tick=False):
        return client_for(user).post(
            "/api/v1/incentives/heating-orders/",
            {"live_account": who.pk, "hours": hours, "coupons": coupons, **extra},
            format="json",
        )


def lots(who) -> list[int]:
    return list(
        CouponLot.objects.filter(live_account=who)
        .order_by("expires_at")
        .values_list("remaining", flat=True)
    )


@pytest.mark.django_db
def test_paying_takes_the_oldest_coupons_first(creator, wallet):
    """I8: a heating order of 400 coupons takes the 300 expiring first, then 100 of the next
    lot; the wallet shows the use, the heating account holds them, the book reconciles."""
    response = pay(creator, wallet, coupons=400)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["coupons"], body["hours"]) == ("running", 400, "2.0")
    assert lots(wallet) == [0, 400]
    assert coupon_wallet(live_account=wallet).available == 400
    assert account("heating", live_account=wallet).balance == 400
    assert coupon_wallet(live_account=wallet).entries[0].kind == "use"
    assert coupon_breaches() == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("hours", "ok"),
    [("0.5", True), ("6", True), ("6.0", True), ("0", False), ("6.5", False), ("1.2", False)],
)
def test_hours_are_half_an_hour_to_six_in_half_hour_steps(creator, wallet, hours, ok):
    """I8: 0.5–6 hours in half-hour steps; anything else is refused and moves nothing."""
    before = row_counts(CouponTransaction, HeatingOrder)
    response = pay(creator, wallet, hours=hours)
    if ok:
        assert response.status_code == 201, response.content
    else:
        assert response.status_code == 400
        assert "hours" in response.json()["error"]["fields"]
        assert row_counts(CouponTransaction, HeatingOrder) == before


@pytest.mark.django_db
def test_more_coupons_than_the_wallet_holds_or_money_beside_coupons_is_refused(creator, wallet):
    """I8: an order needs usable coupons (409 not_enough_coupons); coupons and money are never
    both in one order (400); a refusal moves nothing."""
    before = row_counts(CouponTransaction, HeatingOrder, CouponLot)
    short = pay(creator, wallet, coupons=801)
    assert short.status_code == 409 and short.json()["error"]["code"] == "not_enough_coupons"
    both = pay(creator, wallet, coupons=100, money="50.00")
    assert both.status_code == 400 and "money" in both.json()["error"]["fields"]
    assert row_counts(CouponTransaction, HeatingOrder, CouponLot) == before
    assert lots(wallet) == [300, 500]


@pytest.mark.django_db
def test_stopping_returns_the_unused_coupons_with_their_original_expiry(creator, wallet):
    """I8: an order of 400 (300 of the lot expiring 1 Dec, 100 of the one expiring 10 Dec)
    stopped after using 150 returns 250: the 100 to the later lot and 150 to the earlier —
    the coupons used are the oldest, each returned coupon keeps its expiry."""
    order_id = pay(creator, wallet, coupons=400).json()["id"]
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        stopped = client_for(creator).post(
            f"/api/v1/incentives/heating-orders/{order_id}/stop/", {"used": 150}, format="json"
        )
    assert stopped.status_code == 200, stopped.content
    assert (stopped.json()["status"], stopped.json()["returned"]) == ("stopped", 250)
    assert lots(wallet) == [150, 500]
    view = coupon_wallet(live_account=wallet)
    assert view.available == 650 and view.entries[0].kind == "return"
    assert account("heating", live_account=wallet).balance == 0
    assert account("spent").balance == 150
    with time_machine.travel(NOW + timedelta(minutes=40), tick=False):
        again = client_for(creator).post(
            f"/api/v1/incentives/heating-orders/{order_id}/stop/", {"used": 0}, format="json"
        )
    assert again.status_code == 409 and again.json()["error"]["code"] == "heating_ended"
    assert coupon_breaches() == []


@pytest.mark.django_db
def test_a_stop_claiming_more_than_paid_is_refused(creator, wallet):
    """I8: `used` is 0 to what the order paid; more is refused and changes nothing."""
    order_id = pay(creator, wallet, coupons=100).json()["id"]
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        response = client_for(creator).post(
            f"/api/v1/incentives/heating-orders/{order_id}/stop/", {"used": 101}, format="json"
        )
    assert response.status_code == 400
    assert HeatingOrder.objects.get(pk=order_id).status == "running"


@pytest.mark.django_db
def test_the_sweep_finishes_orders_that_ran_their_hours_once(creator, wallet):
    """I8/D1: an order whose hours ran out is finished by the sweep and spends all its coupons;
    a stop after that is refused; a second sweep moves nothing."""
    order_id = pay(creator, wallet, hours="1", coupons=200).json()["id"]
    later = NOW + timedelta(hours=1, minutes=1)
    with time_machine.travel(later, tick=False):
        late = client_for(creator).post(
            f"/api/v1/incentives/heating-orders/{order_id}/stop/", {"used": 10}, format="json"
        )
        assert late.status_code == 409
        assert services.heating_orders_finish() == 1
        assert services.heating_orders_finish() == 0
    order = HeatingOrder.objects.get(pk=order_id)
    assert (order.status, order.used) == ("finished", 200)
    assert account("spent").balance == 200 and coupon_breaches() == []


@pytest.mark.django_db
def test_tranche_coupons_pay_only_for_their_live(creator, wallet):
    """I7/I8: coupons granted for one live (a benchmark tranche) can pay a heating order only
    while that live is on; other orders cannot use them."""
    grant(wallet, 1000, "test:tranche", at=NOW - timedelta(hours=1), for_session="sph-event")
    assert pay(creator, wallet, coupons=900).status_code == 409  # only 800 usable elsewhere
    ChannelsSession.objects.create(
        session_id="sph-event", live_account=wallet, started_at=NOW - timedelta(hours=2)
    )
    response = pay(creator, wallet, coupons=1500)
    assert response.status_code == 201, response.content
    assert response.json()["session"] == "sph-event"
    assert coupon_breaches() == []


@pytest.mark.django_db
def test_another_users_account_or_order_answers_404(creator, wallet, outsider):
    """I8/A3: nobody pays with, or stops, another account's coupons: 404."""
    assert pay(outsider, wallet).status_code == 404
    order_id = pay(creator, wallet).json()["id"]
    stop = client_for(outsider).post(
        f"/api/v1/incentives/heating-orders/{order_id}/stop/", {"used": 0}, format="json"
    )
    assert stop.status_code == 404
    assert client_for(outsider).get("/api/v1/incentives/heating-orders/").json()["count"] == 0
