"""P5, P6: a merchant delegates task management to an admitted provider; the provider's staff
post tasks, pick creators and read orders for that merchant only, never pay, and lose access
the moment the delegation is revoked or the provider suspended."""

from __future__ import annotations

import pytest

from core.exceptions import NotAllowed, WrongSide
from parties.models import Membership, Role
from providers import services
from providers.models import Delegation
from tasks.models import Application, Order, Task
from tests import factories
from tests.conftest import client_for, fund_wallet, row_counts
from tests.providers.conftest import admitted_provider
from tests.tasks.conftest import in_days, iso, post_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(applicant, ops):
    return admitted_provider(applicant, ops)


@pytest.fixture
def provider_staff(provider):
    """A staff-role member of the provider."""
    user = factories.UserFactory(username="yunfan-staff")
    Membership.objects.create(user=user, organization=provider.organization, role=Role.STAFF)
    return user


@pytest.fixture
def delegation(shop, merchant, provider):
    return services.delegation_grant(shop=shop, actor=merchant, provider=provider)


def plaza_body(shop, **extra):
    return {
        "mode": "plaza",
        "shop": shop.pk,
        "slots": 3,
        "enrollment_deadline": iso(in_days(3)),
        **extra,
    }


def test_provider_staff_post_a_plaza_task_for_the_delegating_shop(delegation, shop, provider_staff):
    """P6: the provider's staff create tasks for the merchant; the task belongs to the shop."""
    response = post_task(provider_staff, **plaza_body(shop))
    assert response.status_code == 201, response.content
    task = Task.objects.get(pk=response.json()["id"])
    assert (task.shop, task.created_by) == (shop, provider_staff)
    listed = client_for(provider_staff).get("/api/v1/tasks/?mine=true").json()["results"]
    assert [t["id"] for t in listed] == [task.pk]


def test_provider_staff_get_404_for_another_merchants_shop_and_tasks(delegation, provider_staff):
    """P6, A3: a shop that did not delegate is a 404, and so are its tasks and orders."""
    other_shop = factories.ShopFactory()
    other_owner = other_shop.organization.memberships.get().user
    before = row_counts(Task)
    assert post_task(provider_staff, **plaza_body(other_shop)).status_code == 404
    assert row_counts(Task) == before
    task_id = post_task(other_owner, **plaza_body(other_shop)).json()["id"]
    client = client_for(provider_staff)
    assert client.get(f"/api/v1/tasks/{task_id}/").status_code == 404
    assert client.post(f"/api/v1/tasks/{task_id}/close-enrollment/").status_code == 404
    assert task_id not in [
        t["id"] for t in client.get("/api/v1/tasks/?mine=true").json()["results"]
    ]


def test_provider_staff_pick_creators_and_read_orders_but_never_pay(
    delegation, shop, merchant, provider_staff, creator
):
    """P6: they approve applicants and stop enrollment; paying is the merchant's (403),
    and they read the orders that result, without acting on them."""
    task_id = post_task(provider_staff, **plaza_body(shop)).json()["id"]
    applied = client_for(creator).post(f"/api/v1/tasks/{task_id}/applications/", {}, format="json")
    assert applied.status_code == 201, applied.content
    application_id = applied.json()["id"]
    staff = client_for(provider_staff)
    assert staff.post(f"/api/v1/applications/{application_id}/approve/").status_code == 200
    assert staff.post(f"/api/v1/tasks/{task_id}/close-enrollment/").status_code == 200
    fund_wallet(shop, 10_000_00)
    before = row_counts(Order)
    refused = staff.post(f"/api/v1/tasks/{task_id}/pay/", {}, format="json")
    assert refused.status_code in (403, 404)
    assert row_counts(Order) == before
    assert (
        client_for(merchant).post(f"/api/v1/tasks/{task_id}/pay/", {}, format="json").status_code
        == 200
    )
    order = Order.objects.get(task_id=task_id)
    assert staff.get(f"/api/v1/orders/{order.pk}/").status_code == 200
    assert order.pk in [o["id"] for o in staff.get("/api/v1/orders/").json()["results"]]
    assert staff.post(
        f"/api/v1/orders/{order.pk}/confirm/", {"rating": 5}, format="json"
    ).status_code in (
        403,
        409,
    )
    assert Application.objects.get(pk=application_id).status == "approved"


def test_revoking_ends_access_at_once(delegation, shop, merchant, provider_staff):
    """P6: the merchant revokes; the next request of the provider's staff is a 404."""
    task_id = post_task(provider_staff, **plaza_body(shop)).json()["id"]
    staff = client_for(provider_staff)
    assert staff.get(f"/api/v1/tasks/{task_id}/").status_code == 200
    revoked = client_for(merchant).post(f"/api/v1/delegations/{delegation.pk}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["status"] == "ended"
    assert staff.get(f"/api/v1/tasks/{task_id}/").status_code == 404
    assert post_task(provider_staff, **plaza_body(shop)).status_code == 404
    assert staff.post(f"/api/v1/tasks/{task_id}/close-enrollment/").status_code == 404


def test_suspending_the_provider_ends_its_delegations(
    delegation, shop, provider, provider_staff, ops
):
    """P5, P6: ops suspend the provider; its delegations end and its staff lose access."""
    task_id = post_task(provider_staff, **plaza_body(shop)).json()["id"]
    services.provider_suspend(provider=provider, actor=ops, reason="资质过期")
    delegation.refresh_from_db()
    assert (delegation.ended_at is not None, delegation.end_reason) == (True, "suspended")
    assert client_for(provider_staff).get(f"/api/v1/tasks/{task_id}/").status_code == 404
    services.provider_reinstate(provider=provider, actor=ops, reason="资质已更新")
    # Lifting the suspension does not bring the delegation back.
    assert client_for(provider_staff).get(f"/api/v1/tasks/{task_id}/").status_code == 404


def test_grant_through_the_api_and_rules(shop, merchant, provider, applicant):
    """P6: only the shop's owner or admin delegates, only to an admitted provider, once."""
    client = client_for(merchant)
    answer = client.post(
        f"/api/v1/shops/{shop.pk}/delegations/", {"provider": provider.pk}, format="json"
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["provider_name"] == provider.organization.name
    again = client.post(
        f"/api/v1/shops/{shop.pk}/delegations/", {"provider": provider.pk}, format="json"
    )
    assert again.status_code == 409
    applying = factories.ProviderFactory()
    bad = client.post(
        f"/api/v1/shops/{shop.pk}/delegations/", {"provider": applying.pk}, format="json"
    )
    assert bad.status_code == 400
    other_shop = factories.ShopFactory()
    assert (
        client.post(
            f"/api/v1/shops/{other_shop.pk}/delegations/", {"provider": provider.pk}, format="json"
        ).status_code
        == 404
    )
    # The provider's owner sees the delegation from its side too; another merchant does not.
    assert [
        d["shop"] for d in client_for(applicant).get("/api/v1/delegations/").json()["results"]
    ] == [shop.pk]
    stranger = other_shop.organization.memberships.get().user
    assert client_for(stranger).get("/api/v1/delegations/").json()["results"] == []
    delegation_id = answer.json()["id"]
    assert (
        client_for(stranger).post(f"/api/v1/delegations/{delegation_id}/revoke/").status_code == 404
    )
    assert (
        client_for(applicant).post(f"/api/v1/delegations/{delegation_id}/revoke/").status_code
        == 403
    )
    assert Delegation.objects.get().ended_at is None


def test_shop_staff_cannot_delegate(shop, provider):
    """P6: a staff-role member of the shop reads but does not grant."""
    staff = factories.MerchantUserFactory()
    Membership.objects.create(user=staff, organization=shop.organization, role=Role.STAFF)
    with pytest.raises(WrongSide):
        services.delegation_grant(shop=shop, actor=staff, provider=provider)


def test_a_suspended_provider_cannot_be_granted(shop, merchant, provider, ops):
    """P5, P6: only admitted providers receive delegations."""
    services.provider_suspend(provider=provider, actor=ops, reason="暂停")
    with pytest.raises(NotAllowed):
        services.delegation_grant(shop=shop, actor=merchant, provider=provider)


def test_closing_report_api_for_the_merchant_and_its_provider_only(
    delegation, shop, merchant, provider_staff
):
    """P7, P6, A3: the shop's members and its delegated provider read the closing report
    (JSON, PDF, XLSX downloads); another merchant gets 404; after revoking, so does the
    provider."""
    task_id = post_task(provider_staff, **plaza_body(shop)).json()["id"]
    url = f"/api/v1/reports/closing/{shop.pk}/"
    for user in (merchant, provider_staff):
        answer = client_for(user).get(url, {"tasks": str(task_id)})
        assert answer.status_code == 200, answer.content
        assert answer.json()["tasks"][0]["id"] == task_id
        assert answer.json()["totals"]["spent"] == "0.00"
    pdf = client_for(provider_staff).get(url, {"export": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment")
    assert pdf.content.startswith(b"%PDF-")
    xlsx = client_for(merchant).get(url, {"export": "xlsx", "start": "2026-01-01"})
    assert xlsx.content.startswith(b"PK")
    bad = client_for(merchant).get(url, {"start": "2026-11-30", "end": "2026-11-01"})
    assert bad.status_code == 400 and "end" in bad.json()["error"]["fields"]
    assert client_for(merchant).get(url, {"start": "30/11/2026"}).status_code == 400
    stranger = factories.ShopFactory().organization.memberships.get().user
    assert client_for(stranger).get(url).status_code == 404
    services.delegation_revoke(delegation=delegation, actor=merchant)
    assert client_for(provider_staff).get(url).status_code == 404


def test_provider_staff_never_see_the_shops_wallet(
    delegation, shop, merchant, provider_staff, creator, client
):
    """P6: the task page's payment card (with the wallet balance) is for the shop's members;
    the provider managing the task does not see it."""
    task_id = post_task(provider_staff, **plaza_body(shop)).json()["id"]
    applied = client_for(creator).post(f"/api/v1/tasks/{task_id}/applications/", {}, format="json")
    staff = client_for(provider_staff)
    assert staff.post(f"/api/v1/applications/{applied.json()['id']}/approve/").status_code == 200
    closed = staff.post(f"/api/v1/tasks/{task_id}/close-enrollment/")
    assert closed.json()["status"] == "enrollment_closed", closed.content
    client.force_login(provider_staff)
    page = client.get(f"/tasks/{task_id}/").content.decode()
    assert 'data-testid="wallet-available"' not in page
    client.force_login(merchant)
    assert 'data-testid="wallet-available"' in client.get(f"/tasks/{task_id}/").content.decode()
