"""docs/cli.md shows the current ``export-kit ... --help`` output of every sub-command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPORT_KIT = Path(sys.executable).with_name("export-kit")


@pytest.mark.parametrize("command", ["", "demo", "serve", "start", "status", "wait", "list"])
def test_help_in_cli_reference(command: str) -> None:
    args = [str(EXPORT_KIT), *([command] if command else []), "--help"]
    result = subprocess.run(
        args,
        env={**os.environ, "COLUMNS": "100"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    page = (ROOT / "docs" / "cli.md").read_text()
    assert f"```text\n{result.stdout}```" in page, "regenerate the --help blocks of docs/cli.md"


def test_errors_section_matches_the_cli() -> None:
    page = (ROOT / "docs" / "cli.md").read_text()
    result = subprocess.run(
        [str(EXPORT_KIT), "--json", "wait", "--timeout", "-1", "ekjob.x"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "| 2 | the command line or its input is wrong |" in page
    error = json.loads(result.stdout)["error"]
    assert set(error) == {"type", "message"}
    assert '{"error": {"type": ' in page
    version = subprocess.run(
        [str(EXPORT_KIT), "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert version.stdout.startswith("export-kit ")
    assert "`export-kit --version`" in page
