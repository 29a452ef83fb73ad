"""Print docs/errors.md from core/error_codes.py, or rewrite it with --write."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.error_codes import DRF_CODES, ERROR_CODES  # noqa: E402

HEAD = """# Error codes

Every API error answers `{"error": {"code": "...", "message": "...", "fields": {...}}}`
(DESIGN §5). The `code` is stable: branch on it; the `message` is for people and comes in the
reader's language. This table is generated from `core/error_codes.py`
(`python scripts/error_catalogue.py --write`); `tests/test_error_codes.py` fails when the code
raises a code that is not here, or when a code here is no longer used.

| code | HTTP | meaning |
|---|---|---|
"""


def render() -> str:
    rows = []
    for code, (status, meaning) in ERROR_CODES.items():
        origin = " (from Django REST framework)" if code in DRF_CODES else ""
        rows.append(f"| `{code}` | {status} | {meaning}{origin} |")
    return HEAD + "\n".join(rows) + "\n"


if __name__ == "__main__":
    text = render()
    if "--write" in sys.argv:
        (ROOT / "docs" / "errors.md").write_text(text)
        print("docs/errors.md: rewritten")
    else:
        print(text, end="")
