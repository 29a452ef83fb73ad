"""P1–P5: the admission application, its immediate checks at their boundaries, uploads
judged by their bytes, ops decisions with a log, suspension and termination."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from core.exceptions import InvalidInput, NotAllowed, WrongSide
from parties.models import ProviderStatus, ServiceProvider
from providers import services
from providers.models import ApplicationStatus, ProviderDecision, ProviderDocument
from tests import factories
from tests.conftest import row_counts
from tests.providers.conftest import (
    complete_application,
    docx,
    exe,
    html,
    jpg,
    mp4,
    pdf,
    png,
    ppt,
    pptx,
)

pytestmark = pytest.mark.django_db


def problems(application, **facts):
    if facts:
        services.provider_application_update(
            application=application, actor=application.created_by, **facts
        )
        application.refresh_from_db()
    return services.application_problems(application)


def test_a_complete_application_has_no_problem_and_is_submitted(applicant):
    """P1–P4: seeding and performance together, every rule met: submitted, logged."""
    application = complete_application(applicant)
    assert services.application_problems(application) == {}
    services.provider_application_submit(application=application, actor=applicant)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert ProviderDecision.objects.get().action == "submitted"


def test_no_type_chosen_is_a_problem(applicant):
    """P1: a provider chooses seeding, performance, or both."""
    application = complete_application(applicant, is_seeding=False, is_performance=False)
    assert "types" in services.application_problems(application)


def test_registered_364_days_ago_is_refused_365_accepted(applicant):
    """P2, P3: registered for one year or more: 364 days refused (with the date it becomes
    possible), 365 days accepted."""
    application = complete_application(applicant)
    today = timezone.localdate()
    found = problems(application, registered_on=today - timedelta(days=364))
    assert list(found) == ["registered_on"]
    assert "364" in found["registered_on"][0]
    assert (today + timedelta(days=1)).isoformat() in found["registered_on"][0]
    assert problems(application, registered_on=today - timedelta(days=365)) == {}


def test_capital_499999_refused_500000_accepted(applicant):
    """P2, P3: registered capital of at least ¥500,000."""
    application = complete_application(applicant)
    found = problems(application, registered_capital_fen=499_999_00)
    assert list(found) == ["registered_capital_fen"]
    assert "¥499,999.00" in found["registered_capital_fen"][0]
    assert problems(application, registered_capital_fen=500_000_00) == {}


def test_19_employees_refused_20_accepted(applicant):
    """P2, P3: 20 or more employees."""
    application = complete_application(applicant)
    assert list(problems(application, employee_count=19)) == ["employee_count"]
    assert problems(application, employee_count=20) == {}


def test_union_gmv_99999_99_refused_100000_accepted(applicant):
    """P3: average monthly GMV of at least ¥100,000 on the Taobao Union account."""
    application = complete_application(applicant)
    found = problems(application, union_avg_monthly_gmv_fen=99_999_99)
    assert list(found) == ["union_avg_monthly_gmv_fen"]
    assert "¥99,999.99" in found["union_avg_monthly_gmv_fen"][0]
    assert problems(application, union_avg_monthly_gmv_fen=100_000_00) == {}


def test_violation_points_and_cheating_history_refuse_performance(applicant):
    """P3: no active violation points, no cheating history of associated accounts."""
    application = complete_application(applicant)
    assert list(problems(application, union_violation_points=1)) == ["union_violation_points"]
    found = problems(application, union_violation_points=0, has_associated_cheating=True)
    assert list(found) == ["has_associated_cheating"]
    assert "has_associated_cheating" in problems(application, has_associated_cheating=None)


def test_business_scope_must_name_advertising_for_seeding_and_seeding_content_for_performance(
    applicant,
):
    """P2: 广告 for seeding; P3: 内容种草 for performance; each message says which."""
    application = complete_application(applicant)
    found = problems(application, business_scope="网络技术服务")
    assert len(found["business_scope"]) == 2
    assert "广告" in found["business_scope"][0] and "内容种草" in found["business_scope"][1]
    assert problems(application, is_performance=False, business_scope="广告发布") == {}
    assert (
        problems(application, is_performance=True, is_seeding=False, business_scope="内容种草")
        == {}
    )


def test_seeding_needs_a_certification_proof_performance_does_not(applicant):
    """P2: a seeding provider proves certification on a platform or its own KOC platform;
    P3 does not ask for it."""
    application = complete_application(applicant)
    document = application.documents.get(kind="certification")
    services.provider_document_remove(document=document, actor=applicant)
    application.refresh_from_db()
    assert "certification" in services.application_problems(application)
    assert problems(application, is_seeding=False) == {}
    services.provider_application_update(application=application, actor=applicant, is_seeding=True)
    services.provider_document_add(
        application=application,
        actor=applicant,
        kind="certification",
        platform="own_koc",
        file=pdf(),
    )
    application.refresh_from_db()
    assert list(services.application_problems(application)) == ["own_platform_name"]
    assert problems(application, own_platform_name="云帆KOC任务平台") == {}


def test_missing_documents_are_each_named(applicant):
    """P2, P3, P4: the introduction, the license scan and the office video are required."""
    application = services.provider_application_start(actor=applicant, company_name="某公司")
    found = services.application_problems(application)
    assert {"intro", "license", "office_video", "types", "registered_on"} <= set(found)


def test_submit_with_problems_is_refused_with_every_field_and_nothing_changes(applicant):
    """P4: submitting tells the applicant exactly what fails; the application stays a draft."""
    application = complete_application(applicant, employee_count=19, registered_capital_fen=1)
    before = row_counts(ProviderDecision)
    with pytest.raises(InvalidInput) as refused:
        services.provider_application_submit(application=application, actor=applicant)
    assert set(refused.value.fields) == {"employee_count", "registered_capital_fen"}
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert row_counts(ProviderDecision) == before


# --- uploads (P3, P4) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "file", "detected"),
    [
        ("intro", pdf(), "pdf"),
        ("intro", ppt(), "ppt"),
        ("intro", pptx(), "pptx"),
        ("license", jpg(), "jpg"),
        ("license", png(), "png"),
        ("license", pdf("license.pdf"), "pdf"),
        ("office_video", mp4(), "mp4"),
    ],
)
def test_each_document_takes_its_types_by_content(applicant, kind, file, detected):
    """P3: PDF/PPT/PPTX introduction, JPG/PNG/PDF license, MP4 video — by their bytes."""
    application = services.provider_application_start(actor=applicant, company_name="某公司")
    document = services.provider_document_add(
        application=application, actor=applicant, kind=kind, file=file
    )
    assert document.detected_type == detected
    assert len(document.sha256) == 64
    with document.file.open("rb") as stored:
        assert stored.read(4) == file.open("rb").read(4)
    assert document.file.size == file.size


@pytest.mark.parametrize(
    ("kind", "file"),
    [
        ("intro", exe("intro.pdf")),  # a renamed executable
        ("license", html("license.pdf")),  # an HTML page posing as a PDF
        ("intro", docx("intro.pptx")),  # a Word zip named .pptx
        ("office_video", pdf("office.mp4")),  # a PDF named .mp4
        ("license", mp4("license.png")),  # a video named .png
        ("intro", png("intro.pdf")),  # right bytes, wrong document: a PNG is no introduction
    ],
)
def test_files_posing_as_another_type_are_refused_and_nothing_is_stored(
    applicant, private_media, kind, file
):
    """P3, P4: the name and the browser's content type do not matter; the bytes do. The
    refusal says what to send; no row and no file are left behind."""
    application = services.provider_application_start(actor=applicant, company_name="某公司")
    with pytest.raises(InvalidInput) as refused:
        services.provider_document_add(
            application=application, actor=applicant, kind=kind, file=file
        )
    assert "file" in refused.value.fields
    assert ProviderDocument.objects.count() == 0
    assert not any(path.is_file() for path in private_media.rglob("*"))


@override_settings(PROVIDER_DOCUMENT_MAX_MB=1, PROVIDER_VIDEO_MAX_MB=2)
def test_size_limits_per_kind_are_configurable(applicant):
    """P3: documents and the office video have their own limits (settings)."""
    application = services.provider_application_start(actor=applicant, company_name="某公司")
    big_pdf = pdf()
    big_pdf.size = 1024 * 1024 + 1
    with pytest.raises(InvalidInput) as refused:
        services.provider_document_add(
            application=application, actor=applicant, kind="intro", file=big_pdf
        )
    assert "1 MB" in refused.value.message
    video = mp4(size=1024 * 1024 + 10)  # 1 MB of video is fine under its 2 MB limit
    services.provider_document_add(
        application=application, actor=applicant, kind="office_video", file=video
    )
    too_long = mp4()
    too_long.size = 2 * 1024 * 1024 + 1
    with pytest.raises(InvalidInput):
        services.provider_document_add(
            application=application, actor=applicant, kind="office_video", file=too_long
        )
    assert ProviderDocument.objects.count() == 1


def test_documents_are_stored_outside_the_web_root_under_a_random_name(
    applicant, private_media, settings
):
    """P3: stored in PRIVATE_MEDIA_ROOT (not MEDIA_ROOT or STATIC_ROOT), with no URL."""
    application = services.provider_application_start(actor=applicant, company_name="某公司")
    document = services.provider_document_add(
        application=application, actor=applicant, kind="intro", file=pdf("../../etc/passwd.pdf")
    )
    path = document.file.path
    assert path.startswith(str(private_media))
    assert "passwd" not in path and not path.startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(ValueError):
        document.file.url  # noqa: B018


def test_a_new_file_of_a_kind_replaces_the_old_one(applicant):
    """P3: uploading the introduction again keeps one introduction."""
    application = services.provider_application_start(actor=applicant, company_name="某公司")
    services.provider_document_add(
        application=application, actor=applicant, kind="intro", file=pdf()
    )
    services.provider_document_add(
        application=application, actor=applicant, kind="intro", file=pptx()
    )
    assert list(application.documents.values_list("detected_type", flat=True)) == ["pptx"]


def test_only_the_providers_managers_change_the_application(applicant):
    """P1, A3: another user cannot edit, upload to or submit someone's application."""
    application = complete_application(applicant)
    stranger = factories.UserFactory()
    with pytest.raises(WrongSide):
        services.provider_application_update(
            application=application, actor=stranger, employee_count=1
        )
    with pytest.raises(WrongSide):
        services.provider_document_add(
            application=application, actor=stranger, kind="intro", file=pdf()
        )
    with pytest.raises(WrongSide):
        services.provider_application_submit(application=application, actor=stranger)


def test_creators_cannot_apply_and_one_provider_per_user(applicant):
    """P1, A1: merchant and creator accounts cannot apply; a user already with a provider
    continues it."""
    with pytest.raises(WrongSide):
        services.provider_application_start(actor=factories.CreatorUserFactory(), company_name="X")
    with pytest.raises(WrongSide):  # A1: a merchant account keeps its side too
        services.provider_application_start(actor=factories.MerchantUserFactory(), company_name="X")
    services.provider_application_start(actor=applicant, company_name="某公司")
    with pytest.raises(NotAllowed):
        services.provider_application_start(actor=applicant, company_name="另一家")
    assert ServiceProvider.objects.count() == 1


# --- ops review (P4, P5) ----------------------------------------------------------------------


def test_ops_approve_and_the_provider_is_admitted(applicant, ops):
    """P4: ops approve a submitted application; the provider is admitted; logged with who."""
    application = complete_application(applicant)
    services.provider_application_submit(application=application, actor=applicant)
    services.provider_application_approve(application=application, actor=ops, reason="资料齐全")
    application.refresh_from_db()
    application.provider.refresh_from_db()
    assert (application.status, application.decided_by) == (ApplicationStatus.APPROVED, ops)
    assert application.provider.status == ProviderStatus.ADMITTED
    decision = ProviderDecision.objects.get(action="approved")
    assert (decision.actor, decision.reason) == (ops, "资料齐全")


def test_rejection_needs_a_reason_the_applicant_sees_and_may_resubmit(applicant, ops):
    """P4: a rejection carries its reason; the applicant fixes the application and submits
    again; both submissions and the rejection are in the log."""
    application = complete_application(applicant)
    services.provider_application_submit(application=application, actor=applicant)
    with pytest.raises(InvalidInput):
        services.provider_application_reject(application=application, actor=ops, reason=" ")
    services.provider_application_reject(
        application=application, actor=ops, reason="营业执照扫描件不清晰，请重新上传"
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.decision_reason == "营业执照扫描件不清晰，请重新上传"
    services.provider_document_add(
        application=application, actor=applicant, kind="license", file=pdf("l.pdf")
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    services.provider_application_submit(application=application, actor=applicant)
    actions = list(ProviderDecision.objects.order_by("at", "id").values_list("action", flat=True))
    assert actions == ["submitted", "rejected", "submitted"]


def test_only_ops_decide_and_only_submitted_applications(applicant, ops):
    """P4: the applicant cannot approve itself; a draft cannot be decided."""
    application = complete_application(applicant)
    with pytest.raises(WrongSide):
        services.provider_application_approve(application=application, actor=applicant)
    with pytest.raises(NotAllowed):
        services.provider_application_approve(application=application, actor=ops)
    services.provider_application_submit(application=application, actor=applicant)
    with pytest.raises(NotAllowed):
        services.provider_application_update(
            application=application, actor=applicant, employee_count=30
        )


def test_suspend_reinstate_terminate_with_reasons_logged(applicant, ops):
    """P5: ops suspend (reason required), lift it, then terminate; each step logged."""
    application = complete_application(applicant)
    services.provider_application_submit(application=application, actor=applicant)
    services.provider_application_approve(application=application, actor=ops)
    provider = application.provider
    with pytest.raises(InvalidInput):
        services.provider_suspend(provider=provider, actor=ops, reason="")
    services.provider_suspend(provider=provider, actor=ops, reason="员工人数不再满足要求")
    provider.refresh_from_db()
    assert provider.status == ProviderStatus.SUSPENDED
    services.provider_reinstate(provider=provider, actor=ops, reason="已补充材料")
    services.provider_terminate(provider=provider, actor=ops, reason="多次违规")
    provider.refresh_from_db()
    assert provider.status == ProviderStatus.TERMINATED
    with pytest.raises(NotAllowed):
        services.provider_suspend(provider=provider, actor=ops, reason="再次")
    actions = list(
        ProviderDecision.objects.order_by("at", "id").values_list("action", "actor__username")
    )
    assert [a for a, _ in actions] == [
        "submitted",
        "approved",
        "suspended",
        "reinstated",
        "terminated",
    ]
    assert all(actor == ops.username for a, actor in actions if a != "submitted")


def test_the_office_video_is_not_taken_for_another_document(applicant):
    """P3: each kind has its own types: an MP4 is refused as the license, accepted as video."""
    application = services.provider_application_start(actor=applicant, company_name="某公司")
    with pytest.raises(InvalidInput):
        services.provider_document_add(
            application=application, actor=applicant, kind="license", file=mp4()
        )
    services.provider_document_add(
        application=application, actor=applicant, kind="office_video", file=mp4()
    )
