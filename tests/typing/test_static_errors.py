"""Type checkers reject typos, wrong types and wrong requests, and accept the docs examples.

``static_errors.py`` marks each call that must fail with the mypy code and pyright rule
expected there; the test fails if an error disappears, changes kind, or a new one appears.
Both checkers also run on ``docs/examples`` (the code users copy), which must be clean.
"""

from __future__ import annotations

import re

from ._checkers import ROOT, mypy_errors, pyright_errors

CASES = ROOT / "tests" / "typing" / "static_errors.py"


def _expected(checker: str) -> set[tuple[str, int, str]]:
    """(file, line, code) from each ``# expect: mypy=<code> pyright=<rule>`` comment."""
    expected: set[tuple[str, int, str]] = set()
    for number, line in enumerate(CASES.read_text().splitlines(), start=1):
        hit = re.search(rf"# expect: .*\b{checker}=([A-Za-z-]+)", line)
        if hit:
            expected.add((CASES.name, number + 1, hit[1]))
    return expected


def test_mypy_rejects_each_marked_call() -> None:
    assert mypy_errors(CASES) == _expected("mypy")


def test_pyright_rejects_each_marked_call() -> None:
    assert pyright_errors(CASES) == _expected("pyright")


def test_docs_examples_type_check_without_casts() -> None:
    examples = ROOT / "docs" / "examples"
    assert mypy_errors(examples) == set()
    assert pyright_errors(examples) == set()
