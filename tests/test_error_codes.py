"""DESIGN §5 (issue 18): one catalogue of error codes. Every code the product code raises or
answers is in core/error_codes.py with its status and meaning, every entry there is still
used, and docs/errors.md is generated from it."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from rest_framework import exceptions as drf_exceptions

import escrow.exceptions
from core import exceptions as core_exceptions
from core.error_codes import DRF_CODES, ERROR_CODES

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = [
    "core",
    "parties",
    "escrow",
    "tasks",
    "agencies",
    "providers",
    "incentives",
    "marketplace",
]


def _codes_in_the_code() -> dict[str, set[str]]:
    """code → where: `code="…"` keywords, `error_body("…", …)` calls and `code = "…"` /
    `default_code = "…"` class attributes, in every product module but migrations."""
    found: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts or path.name == "error_codes.py":
                continue
            where = str(path.relative_to(ROOT))
            for node in ast.walk(ast.parse(path.read_text())):
                values = []
                if isinstance(node, ast.Call):
                    values += [kw.value for kw in node.keywords if kw.arg == "code"]
                    name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
                    if name == "error_body" and node.args:
                        values.append(node.args[0])
                if isinstance(node, ast.ClassDef):
                    for statement in node.body:
                        if (
                            isinstance(statement, ast.Assign)
                            and len(statement.targets) == 1
                            and getattr(statement.targets[0], "id", "") in ("code", "default_code")
                        ):
                            values.append(statement.value)
                for value in values:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        found.setdefault(value.value, set()).add(where)
    return found


def test_every_code_the_product_answers_is_in_the_catalogue():
    """§5: a code raised or answered anywhere but missing from the catalogue fails here."""
    missing = {
        code: where for code, where in _codes_in_the_code().items() if code not in ERROR_CODES
    }
    assert missing == {}


def test_every_code_of_the_catalogue_is_still_answered():
    """§5: no stale entry: each code is raised by our code or is one of DRF's own."""
    used = set(_codes_in_the_code())
    drf = {
        cls.default_code
        for cls in vars(drf_exceptions).values()
        if isinstance(cls, type) and issubclass(cls, drf_exceptions.APIException)
    } | {"error"}  # core.api_errors' fallback for an APIException with several codes
    assert drf >= DRF_CODES
    assert set(ERROR_CODES) - used - DRF_CODES == set()


def test_the_error_classes_answer_the_status_of_their_code():
    """§5: each DomainError class answers the HTTP status the catalogue gives its code."""
    classes = [
        value
        for module in (core_exceptions, escrow.exceptions)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, core_exceptions.DomainError)
    ]
    assert len(classes) >= 10
    for cls in classes:
        if cls is core_exceptions.DomainError:
            continue  # the base answers "not_allowed" like NotAllowed
        assert ERROR_CODES[cls.code][0] == cls.status, cls


def test_docs_errors_md_is_generated_from_the_catalogue():
    """§5: docs/errors.md is the catalogue as scripts/error_catalogue.py renders it."""
    spec = importlib.util.spec_from_file_location(
        "error_catalogue", ROOT / "scripts" / "error_catalogue.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "errors.md").read_text() == module.render()
