"""Builders for the provider suites: small real files of each type (checked by their bytes,
P3), and an application that meets every P2/P3 rule."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from providers import services
from providers.models import ProviderApplication
from tests import factories


def pdf(name="intro.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")


def png(name="license.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)


def jpg(name="license.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0" + b"\x00" * 64)


def mp4(name="office.mp4", size: int = 64) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x00\x00\x00\x18ftypmp42" + b"\x00" * size)


def pptx(name="intro.pptx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<p:presentation/>")
    return SimpleUploadedFile(name, buffer.getvalue())


def ppt(name="intro.ppt") -> SimpleUploadedFile:
    body = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500
    return SimpleUploadedFile(name, body + "PowerPoint Document".encode("utf-16-le") + b"\x00" * 64)


def exe(name="intro.pdf") -> SimpleUploadedFile:
    """A Windows executable renamed to look like a PDF."""
    return SimpleUploadedFile(
        name, b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120, "application/pdf"
    )


def html(name="license.pdf") -> SimpleUploadedFile:
    """An HTML page posing as a PDF."""
    return SimpleUploadedFile(
        name, b"<!DOCTYPE html><html><script>alert(1)</script></html>", "application/pdf"
    )


def docx(name="intro.pptx") -> SimpleUploadedFile:
    """A Word document (a zip, but not a presentation) named .pptx."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, buffer.getvalue())


VALID_FACTS = {
    "is_seeding": True,
    "is_performance": True,
    "company_name": "杭州云帆内容科技有限公司",
    "registered_capital_fen": 500_000_00,
    "business_scope": "广告设计、制作、代理、发布；内容种草策划；网络技术服务",
    "employee_count": 20,
    "office_address": "杭州市余杭区文一西路 969 号",
    "own_platform_name": "",
    "union_account_id": "union-88001",
    "union_avg_monthly_gmv_fen": 100_000_00,
    "union_violation_points": 0,
    "has_associated_cheating": False,
}


@pytest.fixture
def applicant(db):
    """A provider staff account (no side, P1)."""
    return factories.UserFactory(username="yunfan")


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Documents go to a temporary folder outside the web root."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def complete_application(applicant, **overrides) -> ProviderApplication:
    """An application meeting every P2/P3 rule, with every document; not submitted."""
    application = services.provider_application_start(
        actor=applicant, company_name=VALID_FACTS["company_name"]
    )
    facts = {
        **VALID_FACTS,
        "registered_on": timezone.localdate() - timedelta(days=365),
        **overrides,
    }
    services.provider_application_update(application=application, actor=applicant, **facts)
    for kind, file in (("intro", pdf()), ("license", png()), ("office_video", mp4())):
        services.provider_document_add(
            application=application, actor=applicant, kind=kind, file=file
        )
    services.provider_document_add(
        application=application,
        actor=applicant,
        kind="certification",
        platform="douyin",
        file=jpg("douyin.jpg"),
    )
    application.refresh_from_db()
    return application


def admitted_provider(applicant, ops):
    application = complete_application(applicant)
    services.provider_application_submit(application=application, actor=applicant)
    services.provider_application_approve(application=application, actor=ops)
    application.provider.refresh_from_db()
    return application.provider
