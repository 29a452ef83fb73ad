"""Simplified Chinese is the default language and every string has its translation."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

PO = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def entries():
    text = PO.read_text()
    for block in text.split("\n\n")[1:]:
        if "msgid" in block:
            yield block


def test_every_message_has_a_chinese_translation_and_none_is_fuzzy():
    """Every msgid of the catalogue is translated; no entry is fuzzy (Django ignores those)."""
    untranslated = []
    for block in entries():
        if block.lstrip().startswith("#~"):
            continue
        if "#, fuzzy" in block:
            untranslated.append(block)
            continue
        strings = re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.M)
        if not strings or any(
            not (first + rest.replace('"', "").replace("\n", "")) for first, rest in strings
        ):
            untranslated.append(block)
    assert untranslated == []


@pytest.mark.skipif(
    not shutil.which("msgfmt"), reason="needs gettext's msgfmt: apt-get install gettext"
)
def test_the_compiled_catalogue_matches_its_source(tmp_path):
    """The committed .mo is compiled from the committed .po (make messages rebuilds both)."""
    out = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(out), str(PO)], check=True)
    assert out.read_bytes() == PO.with_suffix(".mo").read_bytes()
