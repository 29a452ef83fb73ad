"""Browser journey of a service provider (P1–P7), through the pages only, in Chromium: it
registers, applies with its documents in the multi-step form and submits; ops approve it on the
admin's decision page; a merchant delegates its tasks to it; it posts a plaza task for the
merchant and downloads the merchant's closing report as a PDF."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from parties.models import ProviderStatus, User
from providers.models import ApplicationStatus, Delegation, ProviderApplication
from tasks.models import Task, TaskMode
from tests import factories
from tests.conftest import fund_wallet
from tests.e2e.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 48
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def click_and_wait(page, selector: str) -> None:
    """Click a submit button, wait for the page the POST leads to; it must not show an error."""
    with page.expect_navigation():
        page.click(selector)
    errors = page.locator(".alert-error, .field .error")
    assert errors.count() == 0, errors.all_inner_texts()


def beijing_input(days: int, hour: int = 18) -> str:
    at = (datetime.now(SHANGHAI) + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    return at.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def documents(tmp_path, settings):
    """The applicant's files on disk, and a private media folder of this test."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    files = {
        "intro": ("公司介绍.pdf", PDF),
        "license": ("营业执照.png", PNG),
        "office_video": ("办公室.mp4", MP4),
        "certification": ("抖音认证.pdf", PDF),
    }
    paths = {}
    for kind, (name, content) in files.items():
        path = tmp_path / name
        path.write_bytes(content)
        paths[kind] = path
    return paths


def test_provider_applies_is_approved_gets_delegated_posts_and_downloads_the_report(
    page, shot, documents
):
    """P1–P4/P6/P7: a provider's staff member signs up and applies in four steps with its
    documents; ops approve it on the admin's decision page; a merchant delegates its shop to it;
    the provider posts a plaza task for that shop and downloads its closing report as a PDF."""
    shop = factories.ShopFactory(owner=factories.MerchantUserFactory(username="e2e_merchant"))
    factories.PaymentAccountFactory(shop=shop, bound_by=shop.owner)
    fund_wallet(shop, 500_000)
    factories.UserFactory(username="e2e_ops", is_staff=True, is_superuser=True)

    # 1. Sign up as a service provider: no side; the first step of the application follows.
    page.goto(page.base_url + "/accounts/register/")
    page.fill("#id_username", "e2e_provider")
    page.fill("#id_password", factories.PASSWORD)
    page.fill("#id_password_again", factories.PASSWORD)
    page.check("input[name=side][value=provider]")
    shot(page, "register")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/providers/apply/company/")
    assert User.objects.get(username="e2e_provider").side == ""

    # 2. Step 1: type and company facts.
    page.check("input[name=types][value=both]")
    page.fill("#id_company_name", "杭州星选传媒有限公司")
    page.fill("#id_registered_on", "2019-03-15")
    page.fill("#id_registered_capital", "1000000")
    page.fill("#id_business_scope", "广告设计、制作、代理、发布；内容种草服务")
    page.fill("#id_employee_count", "36")
    page.fill("#id_office_address", "杭州市余杭区文一西路 969 号")
    shot(page, "company")
    click_and_wait(page, "[data-testid=company-form] button[type=submit]")
    page.wait_for_url("**/providers/apply/documents/")

    # 3. Step 2: each document, with the certification's platform.
    for kind in ("intro", "license", "office_video"):
        page.set_input_files(f"#id_{kind}-file", str(documents[kind]))
        click_and_wait(page, f"[data-testid=upload-{kind}] button[type=submit]")
    page.select_option("#id_certification-platform", "douyin")
    page.set_input_files("#id_certification-file", str(documents["certification"]))
    click_and_wait(page, "[data-testid=upload-certification] button[type=submit]")
    expect(page.locator("[data-testid=doc-office_video]")).to_contain_text("办公室.mp4")
    shot(page, "documents")
    page.click("[data-testid=next]")

    # 4. Step 3: the Taobao Union facts; step 4: every rule met, submit.
    page.wait_for_url("**/providers/apply/performance/")
    page.fill("#id_union_account_id", "union-88001")
    page.fill("#id_union_avg_monthly_gmv", "250000")
    page.fill("#id_union_violation_points", "0")
    page.check("input[name=has_associated_cheating][value=no]")
    click_and_wait(page, "[data-testid=performance-form] button[type=submit]")
    page.wait_for_url("**/providers/apply/review/")
    expect(page.locator("[data-testid=checklist] li[data-ok=no]")).to_have_count(0)
    shot(page, "review")
    click_and_wait(page, "[data-testid=submit]")
    page.wait_for_url(page.base_url + "/providers/")
    expect(page.locator("[data-testid=application-status]")).to_have_class("badge status-submitted")
    application = ProviderApplication.objects.get()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.documents.count() == 4

    # 5. Ops approve on the admin's decision page.
    log_in(page, "e2e_ops")
    page.goto(f"{page.base_url}/admin/providers/providerapplication/{application.pk}/decide/")
    page.check("input[name=decision][value=approve]")
    page.fill("textarea[name=reason]", "资料齐全，准予入驻。")
    shot(page, "ops-decide")
    with page.expect_navigation():
        page.click("#content form input[type=submit]")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.provider.status == ProviderStatus.ADMITTED

    # 6. The merchant delegates its shop's tasks to the provider.
    log_in(page, "e2e_merchant")
    page.goto(page.base_url + "/providers/delegations/")
    page.select_option("#id_shop", str(shop.pk))
    page.select_option("#id_provider", str(application.provider.pk))
    click_and_wait(page, "[data-testid=grant-form] button[type=submit]")
    expect(page.locator(".alert-success")).to_be_visible()
    shot(page, "delegated")
    delegation = Delegation.objects.get()
    assert (delegation.shop, delegation.provider, delegation.is_active) == (
        shop,
        application.provider,
        True,
    )

    # 7. The provider posts a plaza task for the merchant's shop.
    log_in(page, "e2e_provider")
    page.goto(page.base_url + "/providers/")
    expect(page.locator("[data-testid=provider-status]")).to_have_class("badge provider-admitted")
    shot(page, "workspace")
    page.click(f"[data-testid=post-task-{shop.pk}]")
    page.wait_for_url(f"**/tasks/new/?shop={shop.pk}")
    expect(page.locator("[data-testid=delegated-shop]")).to_contain_text(shop.organization.name)
    page.check("input[name=mode][value=plaza]")
    page.fill("#id_title", "代运营：春季新品种草")
    page.fill("#id_brief", "展示产品卖点，时长 60 秒，口播品牌名两次。")
    page.select_option("#id_content_type", "video")
    page.select_option("#id_channel", "toutiao")
    page.fill("#id_price", "800")
    page.fill("#id_slots", "5")
    page.fill("#id_enrollment_deadline", beijing_input(days=3))
    page.fill("#id_delivery_deadline", beijing_input(days=12))
    shot(page, "task-form")
    click_and_wait(page, "#task-form button[type=submit]")
    page.wait_for_url("**/tasks/*/")
    task = Task.objects.get()
    assert (task.mode, task.shop, task.created_by.username) == (
        TaskMode.PLAZA,
        shop,
        "e2e_provider",
    )
    assert task.price_fen == 80_000

    # 8. The provider opens the shop's closing report and downloads the PDF.
    page.goto(page.base_url + "/providers/")
    page.click(f"[data-testid=report-{shop.pk}]")
    page.wait_for_url(f"**/providers/reports/{shop.pk}/")
    # The campaign so far is this task, which has no order yet: report on it by its number.
    page.fill("#id_tasks", str(task.pk))
    with page.expect_navigation():
        page.click("[data-testid=report-filter] button[type=submit]")
    expect(page.locator("[data-testid=report-tasks]")).to_contain_text("代运营：春季新品种草")
    shot(page, "report")
    with page.expect_download() as download_info:
        page.click("[data-testid=download-pdf]")
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
