"""Z3: ops powers over money are permissions, checked by the action itself."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from escrow import services
from escrow.models import Withdrawal, WithdrawalStatus
from tests import factories
from tests.conftest import fund_wallet

pytestmark = pytest.mark.django_db


@pytest.fixture
def requested_withdrawal(shop, creator):
    return request_withdrawal(shop, creator)


def request_withdrawal(shop, creator):
    """¥30.00 of the creator's ¥100.00 earnings asked for, to a bound payout account."""
    profile = creator.creator_profile
    order = factories.OrderFactory(shop=shop, creator=profile, price_fen=10_000)
    fund_wallet(shop, 10_000)
    services.escrow_hold(order=order, amount_fen=10_000)
    services.escrow_release(order=order)
    services.payout_account_bind(
        creator=profile, actor=creator, account_id="a@b.example", holder_name="x"
    )
    return services.withdrawal_request(creator=profile, actor=creator, amount_fen=3_000)


def _staff(*codenames: str):
    user = factories.UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.mark.parametrize("action", ["approve", "reject", "mark_failed"])
def test_a_view_only_staff_account_cannot_decide_a_withdrawal(client, requested_withdrawal, action):
    """Z3: the defect — a staff account with only "view withdrawal" approved and paid out a
    withdrawal. A posted action (not offered in its dropdown) is refused; nothing changed."""
    client.force_login(_staff("view_withdrawal"))
    url = reverse("admin:escrow_withdrawal_changelist")
    page = client.get(url)
    assert page.status_code == 200
    action_form = page.context["action_form"]  # None: no action is offered at all
    assert action_form is None or action not in dict(action_form.fields["action"].choices)
    client.post(
        url, {"action": action, "_selected_action": [requested_withdrawal.pk], "reason": "x"}
    )
    requested_withdrawal.refresh_from_db()
    assert requested_withdrawal.status == WithdrawalStatus.REQUESTED
    assert Withdrawal.objects.count() == 1


def test_staff_with_the_finance_permission_pays_out(
    client, requested_withdrawal, django_capture_on_commit_callbacks
):
    """Z3: with the finance permission (escrow.decide_withdrawal) the same action pays out."""
    client.force_login(_staff("view_withdrawal", "decide_withdrawal"))
    url = reverse("admin:escrow_withdrawal_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "approve", "_selected_action": [requested_withdrawal.pk]})
    requested_withdrawal.refresh_from_db()
    assert requested_withdrawal.status == WithdrawalStatus.PAID
