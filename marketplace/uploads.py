"""Z5: uploads are judged by their whole content, for every app that takes files.

`zip_problem()` reads a zip's central directory (nothing is extracted) and names what makes it
unacceptable: too many entries, too much once inflated, an entry that inflates too far, or a
path outside the archive. `markup_problem()` finds HTML or script markup behind a binary
header (a polyglot: a PDF, PNG or MP4 magic followed by a page a browser would run).
`display_name()` is the name a download gets: the uploaded stem with the detected extension.
"""

from __future__ import annotations

import re
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

MARKUP_SCAN_BYTES = 8 * 1024
MARKUP = re.compile(rb"<\s*(html|script|!doctype|iframe|svg|body|object|embed)\b", re.IGNORECASE)


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
