"""The service providers' pages through Django's test client: the admission form in steps
(P1–P4) with real uploads checked by their bytes, the checklist and the submission, the
documents' downloads (A3), merchants' delegations (P6), provider staff posting tasks for a
delegating shop, and the closing report with its downloads (P7)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from parties.models import Membership, ProviderStatus, Role, ServiceProvider, User
from providers import services as provider_services
from providers.models import (
    ApplicationStatus,
    Delegation,
    ProviderApplication,
    ProviderDecision,
    ProviderDocument,
)
from tasks import services as task_services
from tasks.models import ContentMetric, Task
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 48
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
PRICE = 100_000


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploaded documents go to a folder of this test only."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type)


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def text(response) -> str:
    return html.unescape(response.content.decode())


COMPANY = {
    "types": "both",
    "company_name": "杭州星选传媒有限公司",
    "registered_capital": "1000000",
    "business_scope": "广告设计、制作、代理、发布；内容种草服务；电子商务咨询",
    "employee_count": "36",
    "office_address": "杭州市余杭区文一西路 969 号",
}
PERFORMANCE = {
    "union_account_id": "union-88001",
    "union_avg_monthly_gmv": "250000.00",
    "union_violation_points": "0",
    "has_associated_cheating": "no",
}


def company_step(client, **overrides):
    body = {**COMPANY, "registered_on": (timezone.localdate() - timedelta(days=800)).isoformat()}
    body.update(overrides)
    return client.post("/providers/apply/company/", body)


def upload_document(client, kind: str, file, platform: str = ""):
    body = {"action": "upload", "kind": kind, f"{kind}-file": file}
    if platform:
        body[f"{kind}-platform"] = platform
    return client.post("/providers/apply/documents/", body)


def upload_all_documents(client):
    responses = [
        upload_document(client, "intro", upload("公司介绍.pdf", PDF)),
        upload_document(client, "license", upload("license.png", PNG, "image/png")),
        upload_document(client, "office_video", upload("office.mp4", MP4, "video/mp4")),
        upload_document(client, "certification", upload("douyin.pdf", PDF), "douyin"),
    ]
    for response in responses:
        assert response.status_code == 302, text(response)[:3000]


def complete_application(user) -> ProviderApplication:
    """Steps 1–3 through the pages, every rule met; not submitted."""
    client = browser(user)
    assert company_step(client).status_code == 302
    upload_all_documents(client)
    assert client.post("/providers/apply/performance/", PERFORMANCE).status_code == 302
    return ProviderApplication.objects.get(provider__organization__memberships__user=user)


def admitted_provider(name: str = "星选服务商"):
    """An admitted provider with an owner (`provider.owner`), as ops leave it after approval."""
    provider = factories.ProviderFactory(status=ProviderStatus.ADMITTED, organization__name=name)
    owner = factories.UserFactory()
    Membership.objects.create(user=owner, organization=provider.organization, role=Role.OWNER)
    provider.owner = owner
    return provider


@pytest.fixture
def applicant(db):
    """A service provider's staff account: no side (A1, P1)."""
    return factories.UserFactory(username="provider_owner")


@pytest.fixture
def provider(db):
    return admitted_provider()


@pytest.fixture
def delegation(shop, merchant, provider):
    return provider_services.delegation_grant(shop=shop, actor=merchant, provider=provider)


# --- registration and starting (A1, P1) -------------------------------------------------------


def test_registering_as_a_service_provider_leads_to_the_first_step(client):
    """A1/P1: the sign-up form offers “Service provider”; the account takes no side and goes to
    the admission form's first step."""
    page = client.get("/accounts/register/")
    assert 'value="provider"' in page.content.decode()

    response = client.post(
        "/accounts/register/",
        {
            "username": "xingxuan",
            "password": "Str0ng-pass-2026",
            "password_again": "Str0ng-pass-2026",
            "side": "provider",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/providers/apply/company/"
    user = User.objects.get(username="xingxuan")
    assert user.side == ""
    assert client.get("/providers/apply/company/").status_code == 200


def test_the_first_step_starts_the_application_and_nothing_is_left_when_it_is_refused(
    applicant,
):
    """P1/P4: saving step 1 creates the provider (status applying) with the user as owner; a
    refused first step (a registration date in the future) leaves no provider behind."""
    client = browser(applicant)
    assert client.get("/providers/").status_code == 302  # no provider yet: to step 1

    refused = company_step(
        client, registered_on=(timezone.localdate() + timedelta(days=3)).isoformat()
    )

    assert refused.status_code == 200
    assert "registered_on" in refused.context["form"].errors
    assert not ServiceProvider.objects.exists()

    saved = company_step(client)

    assert saved.status_code == 302 and saved["Location"] == "/providers/apply/documents/"
    application = ProviderApplication.objects.get()
    assert application.provider.status == ProviderStatus.APPLYING
    assert application.provider.organization.memberships.get().user == applicant
    assert (application.is_seeding, application.is_performance) == (True, True)
    assert application.registered_capital_fen == 1_000_000_00
    assert application.employee_count == 36


@pytest.mark.parametrize("side", ["creator", "merchant"])
def test_a_creator_or_merchant_gets_a_clear_refusal_page(creator, merchant, side):
    """P1/A1: a creator or merchant account cannot apply as a provider; the page says so (403)
    and posting the first step creates nothing."""
    client = browser(creator if side == "creator" else merchant)

    for url in ["/providers/", "/providers/apply/company/"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "providers/refused.html" in [t.name for t in response.templates]
    posted = company_step(client)

    assert posted.status_code == 403
    assert not ServiceProvider.objects.exists()


# --- the steps (P1–P4) ------------------------------------------------------------------------


def test_the_multi_step_form_end_to_end(applicant):
    """P1–P4: type and company → documents (checked by their bytes) → Taobao Union facts →
    review with every rule met → submitted, logged, and shown on the workspace."""
    client = browser(applicant)
    assert company_step(client).status_code == 302
    documents_page = text(client.get("/providers/apply/documents/"))
    assert "PDF, PPT, PPTX" in documents_page and "20 MB" in documents_page
    assert "MP4" in documents_page and "200 MB" in documents_page

    upload_all_documents(client)
    performance = client.post("/providers/apply/performance/", PERFORMANCE)
    assert performance["Location"] == "/providers/apply/review/"
    review = text(client.get("/providers/apply/review/"))
    submitted = client.post("/providers/apply/review/")

    application = ProviderApplication.objects.get()
    assert 'data-ok="no"' not in review and 'data-testid="check-union_account_id"' in review
    assert submitted.status_code == 302 and submitted["Location"] == "/providers/"
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.union_avg_monthly_gmv_fen == 250_000_00
    assert application.union_violation_points == 0
    assert application.has_associated_cheating is False
    assert sorted(application.documents.values_list("kind", "detected_type")) == [
        ("certification", "pdf"),
        ("intro", "pdf"),
        ("license", "png"),
        ("office_video", "mp4"),
    ]
    assert application.certification_platforms == ["douyin"]
    assert ProviderDecision.objects.get().action == "submitted"
    workspace = client.get("/providers/")
    assert 'data-testid="application-status"' in workspace.content.decode()
    assert application.get_status_display() in text(workspace)
    # Under review, the steps are closed: they lead back to the workspace.
    assert client.get("/providers/apply/company/")["Location"] == "/providers/"


@pytest.mark.parametrize(
    ("kind", "name", "content"),
    [("intro", "intro.pdf", EXE), ("license", "license.pdf", HTML)],
)
def test_a_renamed_file_is_refused_next_to_the_file_field_and_nothing_is_stored(
    applicant, private_media, kind, name, content
):
    """P4: a renamed executable called intro.pdf and an HTML page called license.pdf are
    refused by their bytes; the reason is under that document's file field; no row, no file."""
    client = browser(applicant)
    company_step(client)

    response = upload_document(client, kind, upload(name, content))

    assert response.status_code == 200
    section = next(s for s in response.context["sections"] if s["kind"] == kind)
    errors = section["form"].errors["file"]
    assert name in errors[0]
    page = text(response)
    section_html = page.split(f'data-testid="doc-{kind}"', 1)[1].split("</section>", 1)[0]
    assert "has-error" in section_html and errors[0] in section_html
    assert not ProviderDocument.objects.exists()
    assert stored_files(private_media) == []


def test_an_uploaded_document_is_listed_and_removed_through_the_page(
    applicant, private_media, django_capture_on_commit_callbacks
):
    """P4: the documents step lists each upload with its download link and a remove button;
    removing it deletes the row and the stored file."""
    client = browser(applicant)
    company_step(client)
    upload_document(client, "intro", upload("公司介绍.pdf", PDF))
    document = ProviderDocument.objects.get()

    page = client.get("/providers/apply/documents/").content.decode()
    assert f'href="/providers/documents/{document.pk}/download/"' in page
    assert f'action="/providers/documents/{document.pk}/remove/"' in page

    with django_capture_on_commit_callbacks(execute=True):  # the file goes after the commit
        removed = client.post(f"/providers/documents/{document.pk}/remove/")

    assert removed.status_code == 302
    assert not ProviderDocument.objects.exists()
    assert stored_files(private_media) == []


def test_the_checklist_shows_each_failing_rule_with_a_link_to_its_step(applicant):
    """P4: the review step lists every rule: each failing one with the service's message and a
    link to the step that fixes it, each met one ticked."""
    client = browser(applicant)
    company_step(
        client,
        registered_on=(timezone.localdate() - timedelta(days=100)).isoformat(),
        registered_capital="100000",
        employee_count="5",
        business_scope="软件开发",
    )
    client.post(
        "/providers/apply/performance/",
        {**PERFORMANCE, "union_avg_monthly_gmv": "5000", "union_violation_points": "3"},
    )
    application = ProviderApplication.objects.get()
    problems = provider_services.application_problems(application)

    response = client.get("/providers/apply/review/")

    page = text(response)
    assert set(problems) >= {
        "registered_on",
        "registered_capital_fen",
        "employee_count",
        "business_scope",
        "intro",
        "license",
        "office_video",
        "certification",
        "union_avg_monthly_gmv_fen",
        "union_violation_points",
    }
    rows = {row["key"]: row for row in response.context["checklist"]}
    for key, messages in problems.items():
        assert f'data-testid="check-{key}" data-ok="no"' in page, key
        for message in messages:
            assert message in page, message
        assert rows[key]["url"].startswith("/providers/apply/")
    assert rows["registered_on"]["url"] == "/providers/apply/company/"
    assert rows["intro"]["url"] == "/providers/apply/documents/"
    assert rows["union_violation_points"]["url"] == "/providers/apply/performance/"
    for met in ("types", "company_name", "union_account_id", "has_associated_cheating"):
        assert f'data-testid="check-{met}" data-ok="yes"' in page, met
    # The step pages show their own problems under the fields (P4: at once).
    company_page = text(client.get("/providers/apply/company/"))
    assert problems["employee_count"][0] in company_page


def test_submitting_is_refused_with_the_problems_then_accepted_once_fixed(applicant):
    """P4: a submission that misses rules is refused with each problem on the checklist and the
    application stays a draft with no decision logged; once fixed it is submitted."""
    client = browser(applicant)
    company_step(client, employee_count="12")

    refused = client.post("/providers/apply/review/")

    application = ProviderApplication.objects.get()
    assert refused.status_code == 400
    page = text(refused)
    assert 'data-testid="refusal"' in page
    assert "12" in page and 'data-testid="check-employee_count" data-ok="no"' in page
    assert application.status == ApplicationStatus.DRAFT
    assert not ProviderDecision.objects.exists()

    company_step(client)
    upload_all_documents(client)
    client.post("/providers/apply/performance/", PERFORMANCE)
    accepted = client.post("/providers/apply/review/")

    application.refresh_from_db()
    assert accepted.status_code == 302
    assert application.status == ApplicationStatus.SUBMITTED


def test_a_rejected_application_shows_the_reason_and_is_edited_and_submitted_again(applicant, ops):
    """P4: ops reject with a reason; the workspace shows it with “edit and submit again” and
    the history; the applicant edits step 1 and submits again."""
    application = complete_application(applicant)
    client = browser(applicant)
    client.post("/providers/apply/review/")
    provider_services.provider_application_reject(
        application=application, actor=ops, reason="营业执照扫描件不清晰，请重新上传。"
    )

    workspace = text(client.get("/providers/"))

    assert "营业执照扫描件不清晰" in workspace
    assert 'href="/providers/apply/company/"' in workspace
    assert 'data-testid="edit-again"' in workspace
    assert workspace.count("营业执照扫描件不清晰") >= 2  # the notice and the history
    assert company_step(client, employee_count="40").status_code == 302
    assert client.post("/providers/apply/review/").status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.employee_count == 40


# --- documents are served only to the applicant and ops (A3) ----------------------------------


def test_a_document_downloads_as_an_attachment_to_the_applicant_and_ops_only(
    applicant, ops, merchant
):
    """A3/P3: the applicant's members and ops download a document as an attachment with
    nosniff; another provider and a merchant get 404."""
    client = browser(applicant)
    company_step(client)
    upload_document(client, "intro", upload("公司介绍.pdf", PDF))
    document = ProviderDocument.objects.get()
    url = f"/providers/documents/{document.pk}/download/"
    other_provider = admitted_provider("另一家服务商")

    for user in (applicant, ops):
        response = browser(user).get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert "filename" in response["Content-Disposition"]
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF
    assert browser(other_provider.owner).get(url).status_code == 404
    assert browser(merchant).get(url).status_code == 404
    assert browser(merchant).post(f"/providers/documents/{document.pk}/remove/").status_code == 404
    assert ProviderDocument.objects.count() == 1


# --- delegation (P6) -----------------------------------------------------------------------


def test_a_merchant_delegates_and_revokes_through_the_page(shop, merchant, provider):
    """P6: the merchant picks an admitted provider for its shop and grants; the list shows it
    active with a Revoke button; revoking ends it. Providers still applying are not offered."""
    applying = factories.ProviderFactory(organization__name="审核中服务商")
    client = browser(merchant)
    page = text(client.get("/providers/delegations/"))
    assert provider.organization.name in page
    assert applying.organization.name not in page

    granted = client.post("/providers/delegations/", {"shop": shop.pk, "provider": provider.pk})

    assert granted.status_code == 302
    delegation = Delegation.objects.get()
    assert (delegation.shop, delegation.provider, delegation.is_active) == (shop, provider, True)
    listed = client.get("/providers/delegations/").content.decode()
    assert f'action="/providers/delegations/{delegation.pk}/revoke/"' in listed

    revoked = client.post(f"/providers/delegations/{delegation.pk}/revoke/")

    delegation.refresh_from_db()
    assert revoked.status_code == 302
    assert not delegation.is_active and delegation.end_reason == "revoked"
    not_admitted = client.post(
        "/providers/delegations/", {"shop": shop.pk, "provider": applying.pk}
    )
    assert not_admitted.status_code == 200
    assert "provider" in not_admitted.context["form"].errors
    assert Delegation.objects.count() == 1


def test_a_second_delegation_to_the_same_provider_is_refused_next_to_the_form(
    shop, merchant, provider, delegation
):
    """P6: delegating again to the provider already in charge is refused on the page, no 500."""
    response = browser(merchant).post(
        "/providers/delegations/", {"shop": shop.pk, "provider": provider.pk}
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert Delegation.objects.count() == 1


def test_the_delegation_page_is_the_shops_own(shop, outsider, provider, delegation):
    """A3: another merchant cannot revoke this shop's delegation (404) nor delegate this shop;
    a provider's staff have no delegation page."""
    client = browser(outsider)

    assert client.post(f"/providers/delegations/{delegation.pk}/revoke/").status_code == 404
    other = client.post("/providers/delegations/", {"shop": shop.pk, "provider": provider.pk})
    assert other.status_code == 200 and "shop" in other.context["form"].errors
    assert browser(provider.owner).get("/providers/delegations/").status_code == 404
    delegation.refresh_from_db()
    assert delegation.is_active


def test_the_navigation_links_merchants_and_provider_staff_to_their_pages(merchant, provider):
    """P6: merchants see “Service providers” (the delegation page); provider staff see the
    provider workspace."""
    merchant_nav = browser(merchant).get("/").context["nav_items"]
    provider_nav = browser(provider.owner).get("/").context["nav_items"]

    assert "/providers/delegations/" in [url for _label, url in merchant_nav]
    assert "/providers/" in [url for _label, url in provider_nav]


def test_the_workspace_lists_the_delegating_merchants_with_their_links(shop, provider, delegation):
    """P6: an admitted provider's workspace lists the shops that delegated to it, each with
    links to post a task for it, its orders and its closing report."""
    page = browser(provider.owner).get("/providers/").content.decode()

    assert shop.organization.name in page
    assert f'href="/tasks/new/?shop={shop.pk}"' in page
    assert f'href="/providers/reports/{shop.pk}/"' in page
    assert 'href="/orders/"' in page


# --- provider staff post for a delegating shop (P6) ---------------------------------------


def plaza_body(**overrides) -> dict:
    body = {
        "mode": "plaza",
        "title": "代运营：夏季新品种草",
        "brief": "拍一条 30 秒短视频",
        "content_type": "video",
        "channel": "toutiao",
        "price": "1000.00",
        "slots": "3",
        "enrollment_deadline": local(timezone.now() + timedelta(days=2)),
        "delivery_deadline": local(timezone.now() + timedelta(days=9)),
    }
    body.update(overrides)
    return body


def test_provider_staff_post_a_plaza_task_for_the_delegating_shop(
    shop, outsider, provider, delegation
):
    """P6: a provider's staff member (no side) opens /tasks/new/?shop= for a shop that
    delegated to its provider, sees the merchant's modes, and posts a plaza task for it; a shop
    that did not delegate is 404 and nothing is posted for it."""
    client = browser(provider.owner)
    other_shop = outsider.memberships.get().organization.shop

    form_page = client.get(f"/tasks/new/?shop={shop.pk}")
    posted = client.post(f"/tasks/new/?shop={shop.pk}", plaza_body(shop=shop.pk))

    assert form_page.status_code == 200
    assert [value for value, _label in form_page.context["form"].fields["mode"].choices] == [
        "private",
        "plaza",
        "brand",
    ]
    assert shop.organization.name in text(form_page)
    task = Task.objects.get()
    assert posted.status_code == 302 and posted["Location"] == f"/tasks/{task.pk}/"
    assert (task.mode, task.shop, task.created_by) == ("plaza", shop, provider.owner)
    assert client.get(f"/tasks/{task.pk}/").status_code == 200
    assert client.get(f"/tasks/new/?shop={other_shop.pk}").status_code == 404
    refused = client.post(f"/tasks/new/?shop={other_shop.pk}", plaza_body(shop=other_shop.pk))
    assert refused.status_code == 404
    assert Task.objects.count() == 1


def test_provider_staff_without_a_delegation_cannot_post(shop, provider):
    """P6/A3: with no delegation, the task form is 404 for a provider's staff."""
    client = browser(provider.owner)

    assert client.get("/tasks/new/").status_code == 404
    assert client.get(f"/tasks/new/?shop={shop.pk}").status_code == 404
    assert client.post(f"/tasks/new/?shop={shop.pk}", plaza_body()).status_code == 404
    assert not Task.objects.exists()


def test_revoking_ends_the_providers_access_at_once(shop, merchant, provider, delegation):
    """P6/A3: right after the merchant revokes through the page, the provider's staff get 404
    on the task they posted, on the shop's closing report and on the task form."""
    client = browser(provider.owner)
    client.post(f"/tasks/new/?shop={shop.pk}", plaza_body(shop=shop.pk))
    task = Task.objects.get()
    assert client.get(f"/providers/reports/{shop.pk}/").status_code == 200

    browser(merchant).post(f"/providers/delegations/{delegation.pk}/revoke/")

    assert client.get(f"/tasks/{task.pk}/").status_code == 404
    assert client.get(f"/providers/reports/{shop.pk}/").status_code == 404
    assert client.get(f"/tasks/new/?shop={shop.pk}").status_code == 404
    assert browser(merchant).get(f"/tasks/{task.pk}/").status_code == 200


# --- the closing report (P7) ---------------------------------------------------------------


@pytest.fixture
def completed_order(funded_shop, merchant, creator):
    """A private order of the shop, paid, delivered and confirmed, with a day of metrics."""
    task = task_services.task_create(
        actor=merchant,
        mode="private",
        title="结案测试视频",
        brief="60 秒开箱视频",
        content_type="video",
        channel="toutiao",
        price_fen=PRICE,
        delivery_deadline=timezone.now() + timedelta(days=10),
        shop=funded_shop,
        creator=creator.creator_profile,
    )
    order = task_services.order_pay(order=task.order, actor=merchant)
    task_services.order_accept(order=order, actor=creator)
    task_services.order_deliver(order=order, actor=creator, links=["https://v.taobao.com/v/77"])
    task_services.order_confirm(order=order, actor=merchant, rating=5)
    ContentMetric.objects.create(
        order=order,
        date=timezone.localdate(),
        views=12_345,
        likes=678,
        comments=90,
        shares=12,
        clicks=3_456,
        gmv_fen=8_800_00,
    )
    return order


def test_the_closing_report_page_and_its_downloads(
    funded_shop, merchant, provider, completed_order
):
    """P7: the shop's members and its delegated provider's staff read the closing report with
    the totals, tasks and orders (money as ¥1,280.00) and download it as PDF and XLSX
    attachments."""
    provider_services.delegation_grant(shop=funded_shop, actor=merchant, provider=provider)
    url = f"/providers/reports/{funded_shop.pk}/"

    for user in (merchant, provider.owner):
        client = browser(user)
        page = client.get(url)
        assert page.status_code == 200
        content = text(page)
        assert "结案测试视频" in content
        assert "¥1,000.00" in content and "¥8,800.00" in content
        assert re.search(r"12,?345", content)  # the views, grouped as the language groups
        assert f'href="/orders/{completed_order.pk}/"' in content
        assert "https://v.taobao.com/v/77" in content
        assert "format=pdf" in content and "format=xlsx" in content
        assert page.context["report"].totals.spent_fen == PRICE

        pdf = client.get(url, {"format": "pdf"})
        assert pdf.status_code == 200
        assert pdf["Content-Type"] == "application/pdf"
        assert pdf["Content-Disposition"].startswith("attachment")
        assert ".pdf" in pdf["Content-Disposition"]
        assert pdf.content.startswith(b"%PDF")

        xlsx = client.get(url, {"format": "xlsx"})
        assert xlsx.status_code == 200
        assert xlsx["Content-Type"] == (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        assert xlsx["Content-Disposition"].startswith("attachment")
        assert ".xlsx" in xlsx["Content-Disposition"]
        assert xlsx.content.startswith(b"PK")


def test_the_closing_report_filters_by_period_and_tasks(funded_shop, merchant, completed_order):
    """P7: a period that excludes the order shows none; the task filter keeps the download
    link's filters; an end before the start is refused next to the field."""
    client = browser(merchant)
    url = f"/providers/reports/{funded_shop.pk}/"
    long_ago = (timezone.localdate() - timedelta(days=60)).isoformat()
    later = (timezone.localdate() - timedelta(days=30)).isoformat()

    past = client.get(url, {"start": long_ago, "end": later})
    by_task = client.get(url, {"tasks": str(completed_order.task_id)})
    reversed_period = client.get(url, {"start": later, "end": long_ago})

    assert past.status_code == 200 and past.context["report"].totals.orders == 0
    assert by_task.context["report"].totals.orders == 1
    assert f"tasks={completed_order.task_id}&amp;format=pdf" in by_task.content.decode()
    assert reversed_period.status_code == 400
    assert "end" in reversed_period.context["form"].errors
    assert client.get(url, {"tasks": "1,x"}).context["form"].errors["tasks"]
    assert client.get(url, {"start": later, "end": long_ago, "format": "pdf"})[
        "Content-Type"
    ].startswith("text/html")


def test_the_closing_report_is_404_to_anyone_else(funded_shop, outsider, provider, creator):
    """A3/P7: another merchant, a provider the shop did not delegate to and a creator get 404
    on the page and the downloads."""
    url = f"/providers/reports/{funded_shop.pk}/"

    for user in (outsider, provider.owner, creator):
        client = browser(user)
        assert client.get(url).status_code == 404
        assert client.get(url, {"format": "pdf"}).status_code == 404
