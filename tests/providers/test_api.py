"""P1–P4 through the REST API: start, facts (money as yuan strings), uploads, the P4 problems,
submit; documents as downloads to the applicant and ops only (A3: 404 to anyone else)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from providers.models import ProviderApplication, ProviderDocument
from tests import factories
from tests.conftest import client_for, row_counts
from tests.providers.conftest import exe, jpg, mp4, pdf, png

pytestmark = pytest.mark.django_db


def start(user, name="杭州云帆内容科技有限公司"):
    return client_for(user).post(
        "/api/v1/providers/applications/", {"company_name": name}, format="json"
    )


def upload(user, application_id, kind, file, platform=""):
    data = {"kind": kind, "file": file}
    if platform:
        data["platform"] = platform
    return client_for(user).post(
        f"/api/v1/providers/applications/{application_id}/documents/", data, format="multipart"
    )


FACTS = {
    "is_seeding": True,
    "is_performance": False,
    "registered_capital": "500000.00",
    "business_scope": "广告设计、制作、代理、发布",
    "employee_count": 25,
    "office_address": "杭州市西湖区",
}


def test_the_whole_application_through_the_api(applicant):
    """P1–P4: start, facts, documents, problems listed until met, then submit."""
    started = start(applicant)
    assert started.status_code == 201, started.content
    body = started.json()
    application_id = body["id"]
    assert body["status"] == "draft" and body["provider_status"] == "applying"
    assert {"types", "intro", "license", "office_video"} <= set(body["problems"])
    registered = (timezone.localdate() - timedelta(days=400)).isoformat()
    patched = client_for(applicant).patch(
        f"/api/v1/providers/applications/{application_id}/",
        {**FACTS, "registered_on": registered},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["registered_capital"] == "500000.00"
    for kind, file in (("intro", pdf()), ("license", png()), ("office_video", mp4())):
        assert upload(applicant, application_id, kind, file).status_code == 201
    refused = client_for(applicant).post(f"/api/v1/providers/applications/{application_id}/submit/")
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"certification"}
    assert (
        upload(applicant, application_id, "certification", jpg(), "xiaohongshu").status_code == 201
    )
    submitted = client_for(applicant).post(
        f"/api/v1/providers/applications/{application_id}/submit/"
    )
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["certification_platforms"] == ["xiaohongshu"]


def test_bad_money_and_dates_are_400_and_change_nothing(applicant):
    """P1–P3: more than two decimals, negative amounts, a float, a future registration date."""
    application_id = start(applicant).json()["id"]
    client = client_for(applicant)
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    for body in (
        {"registered_capital": "1.001"},
        {"registered_capital": "-5"},
        {"union_avg_monthly_gmv": 12.5},
        {"employee_count": -1},
        {"registered_on": future},
        {"certification_platforms": ["myspace"]},
    ):
        answer = client.patch(
            f"/api/v1/providers/applications/{application_id}/", body, format="json"
        )
        assert answer.status_code == 400, body
        assert "fields" in answer.json()["error"]
    application = ProviderApplication.objects.get(pk=application_id)
    assert application.registered_capital_fen is None and application.registered_on is None


def test_a_renamed_executable_is_refused_through_the_api(applicant):
    """P3: checked by content: an .exe named intro.pdf is a 400 with the reason on `file`."""
    application_id = start(applicant).json()["id"]
    answer = upload(applicant, application_id, "intro", exe())
    assert answer.status_code == 400
    assert "file" in answer.json()["error"]["fields"]
    assert ProviderDocument.objects.count() == 0


def test_documents_download_to_the_applicant_and_ops_only(applicant, ops):
    """P3, A3: an attachment (never rendered inline) for the applicant's staff and ops; 404
    for another provider, a merchant, a creator; 401/403 anonymous."""
    application_id = start(applicant).json()["id"]
    document_id = upload(applicant, application_id, "license", pdf("营业执照.pdf")).json()["id"]
    url = f"/api/v1/providers/documents/{document_id}/download/"
    for user in (applicant, ops):
        answer = client_for(user).get(url)
        assert answer.status_code == 200
        assert answer["Content-Disposition"].startswith("attachment")
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert b"".join(answer.streaming_content).startswith(b"%PDF-")
    other_provider = factories.UserFactory()
    start(other_provider, "另一家服务商")
    for stranger in (
        other_provider,
        factories.MerchantUserFactory(),
        factories.CreatorUserFactory(),
    ):
        assert client_for(stranger).get(url).status_code == 404
        assert (
            client_for(stranger)
            .get(f"/api/v1/providers/applications/{application_id}/")
            .status_code
            == 404
        )
        assert (
            client_for(stranger).delete(f"/api/v1/providers/documents/{document_id}/").status_code
            == 404
        )
    assert APIClient().get(url).status_code in (401, 403)


def test_removing_a_document(applicant):
    """P3: the applicant removes an upload while the application is a draft."""
    application_id = start(applicant).json()["id"]
    document_id = upload(applicant, application_id, "intro", pdf()).json()["id"]
    before = row_counts(ProviderDocument)
    assert (
        client_for(applicant).delete(f"/api/v1/providers/documents/{document_id}/").status_code
        == 204
    )
    assert (
        row_counts(ProviderDocument)["providers.ProviderDocument"]
        == before["providers.ProviderDocument"] - 1
    )


def test_admitted_providers_are_listed_for_merchants(applicant, ops, merchant):
    """P6: merchants see only admitted providers to delegate to."""
    from tests.providers.conftest import admitted_provider

    start(factories.UserFactory(), "申请中的服务商")
    provider = admitted_provider(applicant, ops)
    listed = client_for(merchant).get("/api/v1/providers/").json()["results"]
    assert [(p["id"], p["status"]) for p in listed] == [(provider.pk, "admitted")]


def test_registering_a_provider_account_takes_no_side(db):
    """P1, A1: a provider's staff account has no merchant or creator side."""
    answer = APIClient().post(
        "/api/v1/auth/register/",
        {"username": "yunfan-ops", "password": "a-Strong-pass-2026", "side": "provider"},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    from parties.models import User

    user = User.objects.get(username="yunfan-ops")
    assert (user.side, user.side_chosen_at) == ("", None)
    assert start(user).status_code == 201


def test_an_upload_over_the_largest_limit_is_cut_off_while_it_arrives(applicant, settings):
    """P3: a body larger than any document may be is stopped by the upload handler before it
    reaches the disk; nothing is stored."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PROVIDER_VIDEO_MAX_MB = 1
    settings.PROVIDER_DOCUMENT_MAX_MB = 1
    application_id = start(applicant).json()["id"]
    big = SimpleUploadedFile(
        "office.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (3 * 1024 * 1024)
    )
    answer = upload(applicant, application_id, "office_video", big)
    assert answer.status_code == 400
    assert ProviderDocument.objects.count() == 0
