"""Z5: provider documents are judged by their whole content: zip bombs, huge entry counts and
polyglots are refused with nothing stored; a download is named by the detected type."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from providers.models import ProviderDocument
from tests.conftest import client_for
from tests.providers.test_api import start, upload


@pytest.fixture(autouse=True)
def english(settings):
    """The refusals are read in English here (the API answers in Chinese by default)."""
    settings.LANGUAGE_CODE = "en"


def pptx_with(entries) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<p:presentation/>")
        for name, data in entries:
            archive.writestr(name, data)
    return SimpleUploadedFile("intro.pptx", buffer.getvalue())


def refused(applicant, file, kind="intro"):
    application_id = start(applicant).json()["id"]
    answer = upload(applicant, application_id, kind, file)
    assert answer.status_code == 400, answer.content
    assert "file" in answer.json()["error"]["fields"]
    assert ProviderDocument.objects.count() == 0
    return answer.json()["error"]["fields"]["file"][0]


def test_a_zip_bomb_posing_as_pptx_is_refused(applicant, settings):
    """Z5: a PPTX whose entry inflates past the size and ratio limits is refused from its
    central directory; nothing is stored."""
    settings.UPLOAD_ZIP_MAX_UNCOMPRESSED_MB = 1
    assert "inflates" in refused(applicant, pptx_with([("ppt/media/zero.bin", b"\0" * 4_000_000)]))


def test_a_pptx_inflating_past_the_total_limit_is_refused(applicant, settings):
    """Z5: within the ratio but past UPLOAD_ZIP_MAX_UNCOMPRESSED_MB in total: refused."""
    settings.UPLOAD_ZIP_MAX_UNCOMPRESSED_MB = 1
    noise = [(f"ppt/media/{i}.bin", os.urandom(256 * 1024)) for i in range(6)]
    assert "MB" in refused(applicant, pptx_with(noise))


def test_a_pptx_with_too_many_entries_is_refused(applicant, settings):
    """Z5: more entries than UPLOAD_ZIP_MAX_ENTRIES (the 60,000-entry zip, here past 50)."""
    settings.UPLOAD_ZIP_MAX_ENTRIES = 50
    assert "entries" in refused(applicant, pptx_with([(f"ppt/s{i}.xml", "x") for i in range(60)]))


@pytest.mark.parametrize("name", ["../../evil.xml", "/etc/evil.xml"])
def test_a_pptx_with_an_entry_outside_the_archive_is_refused(applicant, name):
    """Z5: an absolute or `..` entry path is refused."""
    assert "outside" in refused(applicant, pptx_with([(name, "x")]))


def test_a_pptx_within_the_limits_is_accepted(applicant):
    """Z5: a real-sized PPTX with a few compressible entries passes."""
    application_id = start(applicant).json()["id"]
    answer = upload(applicant, application_id, "intro", pptx_with([("ppt/s1.xml", "<a/>" * 50)]))
    assert answer.status_code == 201, answer.content


@pytest.mark.parametrize(
    ("kind", "head"),
    [
        ("intro", b"%PDF-1.4\n"),
        ("license", b"\x89PNG\r\n\x1a\n"),
        ("office_video", b"\x00\x00\x00\x18ftypmp42"),
    ],
)
def test_a_binary_header_followed_by_html_is_refused(applicant, kind, head):
    """Z5: a polyglot (PDF/PNG/MP4 magic, then an HTML page) is refused; nothing stored."""
    body = head + b"\x00" * 32 + b"<!DOCTYPE html><html><script>alert(1)</script></html>"
    assert "markup" in refused(applicant, SimpleUploadedFile("page.html", body), kind=kind)


def test_an_html_name_with_pdf_content_downloads_as_pdf(applicant):
    """Z5: content and name disagree: stored under a generated name, served as the detected
    type with the detected extension."""
    application_id = start(applicant).json()["id"]
    file = SimpleUploadedFile("brochure.html", b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n")
    answer = upload(applicant, application_id, "intro", file)
    assert answer.status_code == 201, answer.content
    document = ProviderDocument.objects.get()
    assert document.detected_type == "pdf"
    assert "brochure" not in document.file.name and ".html" not in document.file.name
    download = client_for(applicant).get(f"/api/v1/providers/documents/{document.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert 'filename="brochure.pdf"' in download["Content-Disposition"]
