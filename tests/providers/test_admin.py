"""P4–P5 in the admin: the review queue with documents and checks, the decision page (a
reason is required to reject), suspension and termination with a reason; all logged."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parties.models import ProviderStatus
from providers import services
from providers.models import ApplicationStatus, Delegation, ProviderDecision
from tests import factories
from tests.providers.conftest import complete_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_client(client):
    user = factories.UserFactory(is_staff=True, is_superuser=True, username="ops-admin")
    client.force_login(user)
    client.user = user
    return client


def submitted(applicant):
    application = complete_application(applicant)
    services.provider_application_submit(application=application, actor=applicant)
    return application


def test_queue_shows_submitted_applications_with_a_decide_link(ops_client, applicant):
    """P4: ops find the submitted applications first, with their documents and checks."""
    application = submitted(applicant)
    queue = ops_client.get(
        reverse("admin:providers_providerapplication_changelist"), {"queue": "waiting"}
    ).content.decode()
    decide = reverse("admin:providers_providerapplication_decide", args=[application.pk])
    assert decide in queue
    page = ops_client.get(decide).content.decode()
    for document in application.documents.all():
        assert reverse("provider_document_download", args=[document.pk]) in page
    change = ops_client.get(
        reverse("admin:providers_providerapplication_change", args=[application.pk])
    )
    assert change.status_code == 200


def test_rejecting_needs_a_reason_then_approving_admits(ops_client, applicant):
    """P4: reject without a reason is refused on the page; with one, the applicant sees it;
    after the fix and a new submission, approve admits the provider. Each step is logged."""
    application = submitted(applicant)
    url = reverse("admin:providers_providerapplication_decide", args=[application.pk])
    page = ops_client.post(url, {"decision": "reject", "reason": ""})
    assert page.status_code == 200
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    ops_client.post(url, {"decision": "reject", "reason": "办公视频看不到固定办公场所"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    services.provider_application_submit(application=application, actor=applicant)
    ops_client.post(url, {"decision": "approve", "reason": ""})
    application.refresh_from_db()
    application.provider.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.provider.status == ProviderStatus.ADMITTED
    log = list(
        ProviderDecision.objects.order_by("at", "id").values_list("action", "actor__username")
    )
    assert log == [
        ("submitted", applicant.username),
        ("rejected", "ops-admin"),
        ("submitted", applicant.username),
        ("approved", "ops-admin"),
    ]


def test_suspension_from_the_admin_ends_delegations(ops_client, applicant, ops, shop, merchant):
    """P5: suspend with a reason on the provider's standing page; delegations end."""
    application = submitted(applicant)
    services.provider_application_approve(application=application, actor=ops)
    provider = application.provider
    services.delegation_grant(shop=shop, actor=merchant, provider=provider)
    url = reverse("admin:marketplace_serviceprovider_standing", args=[provider.pk])
    ops_client.post(url, {"action": "suspend", "reason": ""})  # refused: no reason
    provider.refresh_from_db()
    assert provider.status == ProviderStatus.ADMITTED
    ops_client.post(url, {"action": "suspend", "reason": "员工不足 20 人"})
    provider.refresh_from_db()
    assert provider.status == ProviderStatus.SUSPENDED
    assert Delegation.objects.get().end_reason == "suspended"
    ops_client.post(url, {"action": "terminate", "reason": "长期不达标"})
    provider.refresh_from_db()
    assert provider.status == ProviderStatus.TERMINATED
    changelist = ops_client.get(reverse("admin:marketplace_serviceprovider_changelist"))
    assert changelist.status_code == 200
    detail = ops_client.get(reverse("admin:marketplace_serviceprovider_change", args=[provider.pk]))
    assert "长期不达标" in detail.content.decode()


def test_provider_admin_lists_render(ops_client, applicant, ops, shop, merchant):
    """P4–P6: every provider list and row renders for ops with data in it."""
    application = submitted(applicant)
    services.provider_application_approve(application=application, actor=ops)
    services.delegation_grant(shop=shop, actor=merchant, provider=application.provider)
    for name in ("providerapplication", "providerdocument", "providerdecision", "delegation"):
        assert ops_client.get(reverse(f"admin:providers_{name}_changelist")).status_code == 200
    document = application.documents.first()
    assert (
        ops_client.get(
            reverse("admin:providers_providerdocument_change", args=[document.pk])
        ).status_code
        == 200
    )
