"""Issue 18: the rule book docs/rules.md is complete and tells the truth about the tests.

Tests name the rules they prove in their docstrings; a reader of a clone looks those ids up in
docs/rules.md, since the design document the rules come from lives outside the repository. So
the book must define every rule of the design's rule lists (checked when ../shared/DESIGN.md is
next to the repository, skipped on a clean clone), every id a test docstring cites, and a test
for every rule it calls built. The index is scripts/rule_index.py, which reads the docstrings
with `ast`: nothing is imported and no database is touched.

(This module cites no rule id on purpose: it proves the book, not a rule.)
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT.parent / "shared" / "DESIGN.md"
# As tests/conftest.py reads it.
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _load_index():
    # scripts/ is no package: load the script by its path (registered first, as dataclasses
    # look their module up in sys.modules).
    spec = importlib.util.spec_from_file_location("rule_index", ROOT / "scripts" / "rule_index.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("rule_index", module)
    spec.loader.exec_module(module)
    return module


rule_index = _load_index()
BOOK = rule_index.book_rules(ROOT / "docs" / "rules.md")
CITED = rule_index.cited_rules(ROOT / "tests", known=set(BOOK))


def design_rules(text: str) -> set[str]:
    """The ids of the design's rule lists: the list items of its "Rules" section that start
    with an id ("- X12 …")."""
    section = re.search(r"^## \d+\. Rules\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert section, "DESIGN.md has no numbered 'Rules' section any more: update this test"
    return set(re.findall(r"^- ([A-Z]\d{1,2}) ", section.group(1), re.MULTILINE))


def test_the_book_defines_rules():
    """The book parses: its entries are found, and some are built and some are marked as not
    built yet (so both halves of the checks below look at something)."""
    assert len(BOOK) >= 80, sorted(BOOK)
    assert any(BOOK.values())
    assert not all(BOOK.values())


def test_every_rule_of_the_design_is_in_the_book():
    """Every rule id of the design document's rule lists has an entry in docs/rules.md.

    Without ../shared/DESIGN.md (a clean clone) there is nothing to compare with: outside CI
    the test skips with a message; in CI, where any skip fails the run (.ci/run) while a clean
    clone is exactly what CI checks out, it passes with a warning saying the same."""
    if not DESIGN.exists():
        message = (
            f"{DESIGN} is not next to the repository (a clean clone): the book is checked "
            "against the test docstrings only"
        )
        if IN_CI:
            warnings.warn(message, stacklevel=1)
            return
        pytest.skip(message)
    rules = design_rules(DESIGN.read_text(encoding="utf-8"))
    assert len(rules) >= 80, sorted(rules)
    missing = sorted(rules - set(BOOK), key=rule_index.rule_sort_key)
    assert not missing, f"rules of DESIGN.md missing from docs/rules.md: {missing}"


def test_every_rule_a_test_cites_is_in_the_book():
    """Every rule id in a docstring under tests/ has an entry in docs/rules.md."""
    unknown = {
        rule: sorted({citation.path for citation in citations})
        for rule, citations in CITED.items()
        if rule not in BOOK
    }
    assert not unknown, f"rule ids cited by tests but not in docs/rules.md: {unknown}"


def test_every_built_rule_has_a_test():
    """A rule the book does not mark "not built yet" is cited by at least one test (a test
    module or test function, not only a fixture or a helper)."""
    unproved = [
        rule
        for rule, is_built in BOOK.items()
        if is_built and not any(citation.is_test for citation in CITED.get(rule, []))
    ]
    assert not unproved, f"rules docs/rules.md calls built that no test cites: {unproved}"
