"""Which tests cite which rule: the index behind the "Proved by" lines of docs/rules.md.

Every test names the rule it proves in its docstring (`T12: paying before enrollment stops is
refused.`). This script reads the docstrings of every module, class and function under
`tests/` with `ast` (nothing is imported, so it needs neither Django nor a database) and prints,
per rule id, the files and tests that cite it:

    python scripts/rule_index.py              # every id, its files and tests
    python scripts/rule_index.py T12 E5       # only these ids
    python scripts/rule_index.py --markdown   # one "Proved by" line per id, for docs/rules.md
    python scripts/rule_index.py --write      # rewrite those lines in docs/rules.md in place

A range in a docstring (`P1–P4`, `T40–T43`) cites every rule of the book that falls inside it;
which ids exist is read from docs/rules.md, so `T4–T62` never invents a T6. Comments and string
literals that are not docstrings do not count: a session id "S30" in a test body is no citation.
`tests/test_rule_book.py` imports `cited_rules` and `book_rules` from here.
"""

from __future__ import annotations

import argparse
import ast
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
BOOK = ROOT / "docs" / "rules.md"

# The letters the spec and the issues give their rule lists (DESIGN §3, B of issue 10).
PREFIXES = "AMCGTEDPFSIZWB"
# One id: a prefix letter and one or two digits, not glued to other letters or digits
# (so "E2E", "SHA256" or "utf8" are no ids).
RULE_ID = re.compile(rf"(?<![A-Za-z0-9])([{PREFIXES}])(\d{{1,2}})(?![A-Za-z0-9])")
# A range: "P1–P4", "T40-T43", "T40–43" (same letter at both ends, en dash or hyphen).
RULE_RANGE = re.compile(
    rf"(?<![A-Za-z0-9])([{PREFIXES}])(\d{{1,2}})\s*[–-]\s*(?:\1)?(\d{{1,2}})(?![A-Za-z0-9])"
)
# A rule entry of the book: "### T12 · Title" (the "not built yet" mark is on the entry's lines).
BOOK_ENTRY = re.compile(rf"^### ([{PREFIXES}]\d{{1,2}}) · ", re.MULTILINE)


@dataclass(frozen=True, order=True)
class Citation:
    """One docstring citing one rule: the file (relative to the repository), the test's dotted
    name inside it (`""` for the module docstring) and whether the id came from a range."""

    path: str
    name: str
    in_range: bool = False

    @property
    def is_test(self) -> bool:
        """A test module's own docstring or a test in it, not a fixture, builder or helper."""
        if not Path(self.path).name.startswith("test_"):
            return False
        return not self.name or any(
            part.lower().startswith("test") for part in self.name.split(".")
        )


def rule_sort_key(rule: str) -> tuple[int, int]:
    return PREFIXES.index(rule[0]), int(rule[1:])


def book_rules(book: Path = BOOK) -> dict[str, bool]:
    """The ids the rule book defines, each with whether it is built (its entry does not say
    "not built yet"). Empty when the book is missing."""
    if not book.exists():
        return {}
    text = book.read_text(encoding="utf-8")
    entries = list(BOOK_ENTRY.finditer(text))
    rules = {}
    for index, entry in enumerate(entries):
        end = entries[index + 1].start() if index + 1 < len(entries) else len(text)
        body = text[entry.end() : end].split("\n## ", 1)[0]
        rules[entry.group(1)] = "not built yet" not in body.lower()
    return rules


def ids_in(text: str, known: set[str]) -> dict[str, bool]:
    """The rule ids a docstring cites, each with whether it was only inside a range."""
    found: dict[str, bool] = {}
    for match in RULE_RANGE.finditer(text):
        letter, first, last = match.group(1), int(match.group(2)), int(match.group(3))
        for number in range(first, last + 1):
            rule = f"{letter}{number}"
            if rule in known:
                found.setdefault(rule, True)
    for match in RULE_ID.finditer(text):
        found[match.group(1) + match.group(2)] = False
    return found


def docstrings(tree: ast.Module) -> list[tuple[str, str]]:
    """(dotted name, docstring) of the module, and of every class and function in it."""
    found = []
    module_doc = ast.get_docstring(tree)
    if module_doc:
        found.append(("", module_doc))

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                doc = ast.get_docstring(child)
                if doc:
                    found.append((name, doc))
                walk(child, f"{name}.")

    walk(tree, "")
    return found


def cited_rules(tests: Path = TESTS, known: set[str] | None = None) -> dict[str, list[Citation]]:
    """Rule id → the docstrings under `tests` that cite it, sorted by file and name."""
    if known is None:
        known = set(book_rules())
    index: dict[str, set[Citation]] = defaultdict(set)
    for path in sorted(tests.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        relative = path.relative_to(tests.parent).as_posix()
        for name, doc in docstrings(tree):
            for rule, in_range in ids_in(doc, known).items():
                index[rule].add(Citation(relative, name, in_range))
    return {
        rule: sorted(index[rule], key=lambda c: (c.path, c.name))
        for rule in sorted(index, key=rule_sort_key)
    }


def by_file(citations: list[Citation]) -> dict[str, list[Citation]]:
    files: dict[str, list[Citation]] = defaultdict(list)
    for citation in citations:
        files[citation.path].append(citation)
    return files


def markdown_line(
    citations: list[Citation], names_per_file: int = 3, max_named_files: int = 6
) -> str:
    """One "Proved by" line: each test file with up to `names_per_file` of its tests (direct
    citations first); past `max_named_files` files, each file with its count of tests only.
    Fixtures, builders and helpers citing the rule are left out: they are no proof."""
    files = by_file([c for c in citations if c.is_test])
    parts = []
    for path, cites in files.items():
        named = sorted((c for c in cites if c.name), key=lambda c: c.in_range)
        if not named:
            parts.append(f"`{path}`")
        elif len(files) > max_named_files:
            parts.append(f"`{path}` ({len(named)})")
        else:
            shown = ", ".join(f"`{c.name}`" for c in named[:names_per_file])
            more = len(named) - names_per_file
            parts.append(f"`{path}` ({shown}" + (f" +{more} more)" if more > 0 else ")"))
    return "; ".join(parts)


def rewrite_proofs(text: str, index: dict[str, list[Citation]]) -> str:
    """The book with the "*Proved by:*" line of every entry recomputed from `index`; entries
    marked not built yet have no such line and are left as they are."""
    lines = []
    current = None
    for line in text.splitlines(keepends=True):
        entry = BOOK_ENTRY.match(line)
        if entry:
            current = entry.group(1)
        elif line.startswith("## "):
            current = None
        if current and line.startswith("*Proved by:* "):
            proof = markdown_line(index.get(current, [])) or "no test cites it yet"
            line = f"*Proved by:* {proof}\n"
        lines.append(line)
    return "".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("rules", nargs="*", help="only these rule ids (default: all cited)")
    parser.add_argument("--markdown", action="store_true", help="one Proved-by line per id")
    parser.add_argument("--write", action="store_true", help="rewrite them in docs/rules.md")
    arguments = parser.parse_args()
    index = cited_rules()
    if arguments.write:
        text = BOOK.read_text(encoding="utf-8")
        updated = rewrite_proofs(text, index)
        BOOK.write_text(updated, encoding="utf-8")
        print(f"{BOOK.relative_to(ROOT)}: {'rewritten' if updated != text else 'up to date'}")
        return
    wanted = arguments.rules or list(index)
    for rule in wanted:
        citations = index.get(rule, [])
        if arguments.markdown:
            print(f"{rule}\t{markdown_line(citations) if citations else '-'}")
            continue
        print(f"{rule}: {len(citations)} docstring(s)")
        for path, cites in by_file(citations).items():
            print(f"  {path}")
            for citation in cites:
                mark = " (in a range)" if citation.in_range else ""
                mark += "" if citation.is_test else " (not a test)"
                print(f"    {citation.name or '<module>'}{mark}")


if __name__ == "__main__":
    main()
