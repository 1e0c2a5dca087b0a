"""docs/notebooks/quickstart.ipynb runs top to bottom and ends with five SUCCEEDED jobs.

The kernel is this interpreter (the venv's python) started directly with ipykernel, so no
user-installed kernelspec is needed; CI runs it with no stdin.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat

_nbformat: Any = nbformat  # its functions are untyped

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "docs" / "notebooks" / "quickstart.ipynb"
EXECUTE = Path(__file__).with_name("_execute_notebook.py")
SERVICES = {"m2", "personalize", "discovery", "simpledbv2", "omics"}


def _text(output: Any) -> str:
    if output.get("output_type") == "stream":
        return str(output.get("text", ""))
    return str(output.get("data", {}).get("text/plain", ""))


def test_committed_notebook_has_no_outputs() -> None:
    notebook = _nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], "clear the notebook's outputs before committing"
            assert cell.execution_count is None


def test_notebook_runs(tmp_path: Path) -> None:
    executed = tmp_path / "quickstart.ipynb"
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(EXECUTE), str(NOTEBOOK), str(executed)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    print(f"notebook executed in {time.monotonic() - began:.1f} s")
    assert result.returncode == 0, result.stderr

    notebook = _nbformat.read(executed, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code), "every code cell ran"
    assert [o for cell in code for o in cell.outputs if o.get("output_type") == "error"] == []

    table = "".join(_text(o) for o in code[-2].outputs)
    assert "export_kit quick start" in table
    rows = [line.split("│") for line in table.splitlines() if "SUCCEEDED" in line]
    assert len(rows) == 5, table
    assert {row[1].strip() for row in rows} == SERVICES, table
    assert all(row[3].strip() == "SUCCEEDED" for row in rows), table
    assert _text(code[-1].outputs[0]) == "True"
