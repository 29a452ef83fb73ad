"""Z5: uploads are judged by their whole content, for every app that takes files.

`zip_problem()` reads a zip's central directory (nothing is extracted) and names what makes it
unacceptable: too many entries, too much once inflated, an entry that inflates too far, or a
path outside the archive. `markup_problem()` finds HTML or script markup behind a binary
header (a polyglot: a PDF, PNG or MP4 magic followed by a page a browser would run).
`display_name()` is the name a download gets: the uploaded stem with the detected extension.
`detect()` names what a file is by its bytes; `check_content()` joins the three for a file of
one of the accepted types (delivery files, sponsorship logos, provider documents).
"""

from __future__ import annotations

import re
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

MARKUP_SCAN_BYTES = 8 * 1024
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .ppt (and .doc, .xls)
POWERPOINT_STREAM = "PowerPoint Document".encode("utf-16-le")
# the main part that names an Office Open XML file's kind, beside [Content_Types].xml
OOXML_PARTS = {
    "ppt/presentation.xml": "pptx",
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
}
ZIP_TYPES = frozenset(OOXML_PARTS.values())
# binary types whose header a polyglot hides a page behind (the markup scan skips the magic)
BINARY_TYPES = frozenset({"pdf", "png", "jpg", "gif", "webp", "mp4", "mov"})
TYPE_NAMES = {
    "pdf": "PDF",
    "png": "PNG",
    "jpg": "JPG",
    "gif": "GIF",
    "webp": "WebP",
    "mp4": "MP4",
    "mov": "MOV",
    "ppt": "PPT",
    "pptx": "PPTX",
    "docx": "DOCX",
    "xlsx": "XLSX",
    "txt": "TXT",
}
TEXT_SCAN_BYTES = 5 * 1024 * 1024  # a plain-text file is read whole up to this
MARKUP = re.compile(rb"<\s*(html|script|!doctype|iframe|svg|body|object|embed)\b", re.IGNORECASE)


def detect(uploaded) -> str | None:
    """What the file is by its content (never its name or the browser's content type): one of
    TYPE_NAMES, or None for anything else (HTML, scripts, executables, archives, unknown)."""
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mov" if head[8:12] == b"qt  " else "mp4"
    if head.startswith(OLE2):
        # The directory of a PowerPoint file names its main stream; other Office files don't.
        data = uploaded.read(4 * 1024 * 1024)
        uploaded.seek(0)
        return "ppt" if POWERPOINT_STREAM in data else None
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(uploaded) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            uploaded.seek(0)
        if "[Content_Types].xml" in names:
            for part, kind in OOXML_PARTS.items():
                if part in names:
                    return kind
        return None
    return "txt" if is_plain_text(uploaded) else None


def is_plain_text(uploaded) -> bool:
    """UTF-8 text, read whole (up to TEXT_SCAN_BYTES), with no control characters but tab and
    line ends and no markup anywhere: a script or a caption list, never a page."""
    if uploaded.size > TEXT_SCAN_BYTES:
        return False
    uploaded.seek(0)
    data = uploaded.read(TEXT_SCAN_BYTES + 1)
    uploaded.seek(0)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if not text or any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        return False
    return MARKUP.search(data) is None and not text.startswith("#!")


def content_problem(uploaded, detected: str) -> str | None:
    """Why a file of an accepted type is still refused (Z5): a container past its limits, or
    markup behind a binary header; None when it is what it says."""
    if detected in ZIP_TYPES:
        return zip_problem(uploaded)
    if detected in BINARY_TYPES:
        return markup_problem(uploaded, skip=4)
    return None


def check_content(uploaded, accepted) -> tuple[str | None, str | None]:
    """(detected type, None) for an acceptable file, or (None, why it is refused), judged by
    the whole content against the `accepted` types."""
    detected = detect(uploaded)
    wanted = ", ".join(TYPE_NAMES[kind] for kind in accepted)
    if detected not in accepted:
        return None, _(
            "The content of “%(name)s” is not a %(types)s file (whatever its name says)."
        ) % {"name": (uploaded.name or "")[:100], "types": wanted}
    problem = content_problem(uploaded, detected)
    if problem is not None:
        return None, problem
    return detected, None


def zip_problem(uploaded) -> str | None:
    """Why this zip-based container is refused (Z5), or None when it is within the limits
    UPLOAD_ZIP_MAX_ENTRIES, UPLOAD_ZIP_MAX_UNCOMPRESSED_MB and UPLOAD_ZIP_MAX_RATIO."""
    max_entries = settings.UPLOAD_ZIP_MAX_ENTRIES
    max_total = settings.UPLOAD_ZIP_MAX_UNCOMPRESSED_MB * 1024 * 1024
    max_ratio = settings.UPLOAD_ZIP_MAX_RATIO
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return _("The file is not a readable zip container.")
    finally:
        uploaded.seek(0)
    if len(entries) > max_entries:
        return _("The file holds %(count)s entries; at most %(max)s are accepted.") % {
            "count": len(entries),
            "max": max_entries,
        }
    total = 0
    for entry in entries:
        name = entry.filename.replace("\\", "/")
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in name.split("/"):
            return _("The file holds an entry outside the archive (“%(name)s”).") % {
                "name": entry.filename[:100]
            }
        total += entry.file_size
        if entry.file_size > max_ratio * max(entry.compress_size, 1):
            return _("An entry of the file inflates more than %(ratio)s times; it is refused.") % {
                "ratio": max_ratio
            }
    if total > max_total:
        return _("The file inflates to %(size)s MB; at most %(max)s MB is accepted.") % {
            "size": total // (1024 * 1024),
            "max": settings.UPLOAD_ZIP_MAX_UNCOMPRESSED_MB,
        }
    return None


def markup_problem(uploaded, *, skip: int = 0) -> str | None:
    """Why a binary file is refused as a polyglot (Z5): HTML or script markup in its first KBs
    after the `skip` bytes of its header; None when there is none."""
    uploaded.seek(skip)
    body = uploaded.read(MARKUP_SCAN_BYTES)
    uploaded.seek(0)
    if MARKUP.search(body):
        return _("The file carries HTML or script markup behind its header; it is refused.")
    return None


def display_name(original: str, detected: str) -> str:
    """The name a stored file is downloaded under: the uploaded stem, the detected extension."""
    stem = (original or "upload").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = re.sub(r"[^\w\- ]", "_", stem)[:100] or "upload"
    return f"{stem}.{detected}"
