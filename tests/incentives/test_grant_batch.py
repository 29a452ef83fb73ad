"""I4/I8: the set-based batch grant (coupons.coupons_grant_many) locks the budget and the
wallets of the grants the budget covers, and still grants first come first served when the
budget moved between its read and its lock."""

from __future__ import annotations

from datetime import date

import pytest

from incentives import services
from incentives.models import CouponAccount, CouponLot, LiveAccount, Program, ProgramMonth
from incentives.selectors import coupon_breaches, coupon_wallet
from incentives.services import coupons
from incentives.services.coupons import GrantLine, coupons_grant_many
from tests import factories

OCTOBER = date(2026, 10, 1)


def account(name: str) -> LiveAccount:
    user = factories.CreatorFactory().user
    return services.live_account_bind(actor=user, finder_id=f"wx_{name}", nickname=name)


def growth_month(budget: int) -> ProgramMonth:
    Program.objects.filter(code="growth").update(monthly_budget=budget)
    return services.month_open(Program.objects.get(code="growth"), OCTOBER)


def line(who: LiveAccount, amount: int) -> GrantLine:
    return GrantLine(
        live_account_id=who.pk,
        amount=amount,
        cause=f"test:{who.pk}",
        reason="growth_award",
        params={},
    )


@pytest.mark.django_db
def test_the_batch_grants_in_order_and_gives_no_wallet_to_a_refused_account():
    """I4: a budget of 1,000 covers 500 and 400 but not 300 after them; the refused account
    gets no wallet, and the book reconciles."""
    first, second, third = account("first"), account("second"), account("third")
    month = growth_month(1000)

    granted = coupons_grant_many(
        program_month=month, grants=[line(first, 500), line(second, 400), line(third, 300)]
    )

    assert sorted(granted) == sorted([f"test:{first.pk}", f"test:{second.pk}"])
    assert coupon_wallet(live_account=first).available == 500
    assert coupon_wallet(live_account=second).available == 400
    assert not CouponAccount.objects.filter(live_account=third).exists()
    assert not CouponLot.objects.filter(live_account=third).exists()
    assert coupon_breaches() == []


@pytest.mark.django_db
def test_a_budget_that_moved_before_the_lock_is_granted_from_what_it_holds(monkeypatch):
    """I4: the budget read before the lock said 600 (only 500 covered); under the lock it holds
    1,000, which covers 500 and 400: both are granted, 300 is still refused."""
    first, second, third = account("first"), account("second"), account("third")
    month = growth_month(1000)
    real_account = coupons.account

    def stale(kind, **kwargs):
        row = real_account(kind, **kwargs)
        if kind == coupons.Kind.BUDGET:
            row.balance = 600  # what an earlier read saw
        return row

    monkeypatch.setattr(coupons, "account", stale)
    granted = coupons_grant_many(
        program_month=month, grants=[line(first, 500), line(second, 400), line(third, 300)]
    )

    assert sorted(granted) == sorted([f"test:{first.pk}", f"test:{second.pk}"])
    assert coupon_wallet(live_account=second).available == 400
    assert coupon_wallet(live_account=third).available == 0
    budget = CouponAccount.objects.get(program_month=month, kind="budget")
    assert budget.balance == 100
    assert coupon_breaches() == []
