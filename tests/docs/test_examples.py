"""Every code sample in the docs is a file under docs/examples/, run here against the emulator.

The README quick start must be exactly docs/examples/quickstart.py, and every docs page
includes its samples from docs/examples/ (pymdownx.snippets), so no sample can rot.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"

#: Lines each example must print (its output is nondeterministic elsewhere: ids, timing).
EXPECTED: dict[str, list[str]] = {
    "quickstart.py": ["SUCCEEDED GetReadSetExportJobResponse"],
    "airflow_dag.py": [
        "run: success",
        "m2 ['Completed']",
        "personalize ['ACTIVE']",
        "discovery ['SUCCEEDED']",
        "simpledbv2 ['SUCCEEDED']",
        "omics ['COMPLETED']",
    ],
    "models.py": [
        "{'path': 'exportConfig.dataSets[0].datasetName', 'rule': 'required', "
        "'message': 'is required'}",
        "{'path': 'colour', 'rule': 'unknown_key', 'message': 'is not a member of this structure'}",
        "DataSetExportConfigS3Location",
        "{'applicationId': 'app-1', 'exportConfig': {'s3Location': 's3://bucket/sets.json'}}",
        "PAUSED {'brandNewField': 42}",
    ],
    "jobs.py": [
        "status: SUCCEEDED Completed",
        "failed: data set is locked FAILED",
        "timeout: False True",
        "False {'applicationId': 'app-1'}",
    ],
    "batching.py": ["True", "FAILED disk full", "SUCCEEDED None"],
    "errors.py": [
        "NotFoundError NoSuchExportException 400 True",
        "ThrottlingError ThrottlingException True",
        "6",
        "TransportError True",
    ],
    "emulator.py": ["SUCCEEDED 1", "IN_PROGRESS", "SUCCEEDED"],
    "trio_example.py": ["True SUCCEEDED"],
    # pytest's own summary ("6 passed in 0.9s") varies; the exit status says all passed.
    "testing.py": [],
    "testing_asyncio.py": [],
    "m2.py": ["{'applicationId': 'app-1'}", "True Completed"],
    "personalize.py": ["True", "SUCCEEDED ACTIVE", "interactions-2025-01 ACTIVE"],
    "discovery.py": ["SUCCEEDED ExportInfo", "True", "['SUCCEEDED']"],
    "simpledbv2.py": ["SUCCEEDED orders", "True SUCCEEDED"],
    "omics.py": [
        "PENDING SUBMITTED",
        "PARTIAL COMPLETED_WITH_FAILURES True",
        "True COMPLETED_WITH_FAILURES",
    ],
}


def test_every_example_has_expectations() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs(name: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error::ResourceWarning", str(EXAMPLES / name)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for expected in EXPECTED[name]:
        assert expected in lines, f"{name} did not print {expected!r}:\n{result.stdout}"


def _fenced_blocks(text: str, info: str) -> list[str]:
    """Bodies of the fenced blocks whose info string (after the backticks) matches ``info``."""
    return re.findall(rf"^```{info}\n(.*?)^```$", text, flags=re.DOTALL | re.MULTILINE)


def test_readme_quick_start_is_the_tested_example() -> None:
    readme = (ROOT / "README.md").read_text()
    quick = (EXAMPLES / "quickstart.py").read_text()
    assert quick in _fenced_blocks(readme, "python")


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    first = _fenced_blocks(readme, "")[0]
    assert first == "make demo\nmake test\n"


def test_docs_include_examples_only_by_snippet() -> None:
    """Python samples in the docs pages come from docs/examples/, never pasted by hand.

    They are fenced as ``{ .python title="docs/examples/NAME.py" }`` (ruff's markdown
    formatter leaves that form alone) around a ``--8<--`` snippet of the same file.
    """
    included: set[str] = set()
    for page in (ROOT / "docs").rglob("*.md"):
        text = page.read_text()
        where = page.relative_to(ROOT)
        assert _fenced_blocks(text, r"(?:python|py)\b[^\n]*") == [], f"{where}: hand-written python"
        for block in _fenced_blocks(text, r" ?\{ ?\.python[^\n]*"):
            match = re.fullmatch(r'--8<-- "docs/examples/([\w.]+)"\n', block)
            assert match, f"{where} has a python block that is not a snippet:\n{block}"
            assert (EXAMPLES / match.group(1)).is_file()
            included.add(match.group(1))
    assert included == set(EXPECTED), "every example appears in the docs"
