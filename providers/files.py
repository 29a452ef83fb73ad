"""P3/P4: uploads are judged by their bytes, not by their name or the browser's content type.

`sniff()` reads the file's first bytes (and, for the two container formats, its structure) and
names what it really is; each document kind accepts a few of those types, within a size limit
from the settings. A renamed executable or an HTML page called `intro.pdf` is refused.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from core.exceptions import InvalidInput
from core.uploads import content_problem, detect, display_name

from .models import DocumentKind

ACCEPTED = {
    DocumentKind.INTRO: ("pdf", "ppt", "pptx"),
    DocumentKind.LICENSE: ("jpg", "png", "pdf"),
    DocumentKind.OFFICE_VIDEO: ("mp4",),
    DocumentKind.CERTIFICATION: ("jpg", "png", "pdf"),
}
TYPE_NAMES = {"pdf": "PDF", "ppt": "PPT", "pptx": "PPTX", "jpg": "JPG", "png": "PNG", "mp4": "MP4"}


def sniff(uploaded) -> str | None:
    """What the file is by its content, among the types a document may be: pdf, png, jpg, ppt,
    pptx, mp4 (QuickTime .mov shares MP4's box format but is not MP4), or None."""
    detected = detect(uploaded)
    return detected if detected in TYPE_NAMES else None


def max_bytes(kind: str) -> int:
    megabytes = (
        settings.PROVIDER_VIDEO_MAX_MB
        if kind == DocumentKind.OFFICE_VIDEO
        else settings.PROVIDER_DOCUMENT_MAX_MB
    )
    return megabytes * 1024 * 1024


def check_upload(uploaded, *, kind: str) -> str:
    """The detected type of an acceptable upload for `kind`; InvalidInput (field `file`)
    saying what is wrong and what to send otherwise."""
    accepted = ACCEPTED[kind]
    wanted = ", ".join(TYPE_NAMES[t] for t in accepted)
    limit = max_bytes(kind)
    if uploaded.size == 0:
        message = _("The file is empty.")
    elif uploaded.size > limit:
        message = _(
            "The file is %(size)s MB; at most %(max)s MB is accepted for this document."
        ) % {
            "size": f"{uploaded.size / 1024 / 1024:.1f}",
            "max": limit // (1024 * 1024),
        }
    else:
        detected = sniff(uploaded)
        if detected in accepted:
            # Z5: a container within its limits, a binary without markup behind its header.
            problem = content_problem(uploaded, detected)
            if problem is None:
                return detected
            message = problem
        elif detected is None:
            message = _(
                "The content of “%(name)s” is not a %(types)s file (whatever its name says). "
                "Export the document as %(types)s and upload it again."
            ) % {"name": uploaded.name, "types": wanted}
        else:
            message = _("“%(name)s” is a %(found)s file; this document must be %(types)s.") % {
                "name": uploaded.name,
                "found": TYPE_NAMES[detected],
                "types": wanted,
            }
    raise InvalidInput(message, fields={"file": [message]})


def sha256_of(uploaded) -> str:
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "mp4": "video/mp4",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def document_response(document):
    """P3: a stored document as a download (never inline), typed by its detected content, not
    by its name; a file missing on disk is a 404, not a 500."""

    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=display_name(document.original_name, document.detected_type),
        content_type=CONTENT_TYPES.get(document.detected_type, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class CappedUploadHandler(TemporaryFileUploadHandler):
    """Stops any upload larger than the largest document limit (the office video) while it
    arrives, so a huge request body never fills the disk before check_upload sees it."""

    def _cap(self) -> int:
        return max(settings.PROVIDER_VIDEO_MAX_MB, settings.PROVIDER_DOCUMENT_MAX_MB) * 1024 * 1024

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Django does not catch StopUpload here; the first chunk below stops it instead.
        self.is_too_large = bool(content_length and content_length > self._cap() + 1024 * 1024)
        return super().handle_raw_input(input_data, META, content_length, boundary, encoding)

    def receive_data_chunk(self, raw_data, start):
        if getattr(self, "is_too_large", False) or start + len(raw_data) > self._cap():
            raise StopUpload(connection_reset=True)
        return super().receive_data_chunk(raw_data, start)
