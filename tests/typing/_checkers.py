"""Run mypy and pyright (this project's settings) on files and collect their errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def mypy_errors(*paths: Path) -> set[tuple[str, int, str]]:
    """(file name, line, error code) of every mypy --strict error."""
    done = subprocess.run(
        [BIN / "mypy", "--strict", "--no-error-summary", *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    found: set[tuple[str, int, str]] = set()
    for line in done.stdout.splitlines():
        hit = re.match(r"(.+?):(\d+): error: .*\[([a-z-]+)\]$", line)
        if hit:
            found.add((Path(hit[1]).name, int(hit[2]), hit[3]))
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return found


def pyright_errors(*paths: Path) -> set[tuple[str, int, str]]:
    """(file name, line, rule) of every pyright error in strict mode.

    Its own configuration (pyproject.toml's settings, ``paths`` included): the project's
    excludes ``static_errors.py`` from ``make types``, and pyright honours that even for
    files named on its command line.
    """
    with tempfile.TemporaryDirectory() as tmp:
        config = {  # pyright takes only paths relative to its configuration file
            "include": [os.path.relpath(ROOT / path, tmp) for path in paths],
            "typeCheckingMode": "strict",
            "pythonVersion": "3.11",
            "venvPath": os.path.relpath(ROOT, tmp),
            "venv": ".venv",
        }
        project = Path(tmp) / "pyrightconfig.json"
        project.write_text(json.dumps(config))
        done = subprocess.run(
            [BIN / "pyright", "--outputjson", "--project", str(project)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
    report = json.loads(done.stdout)
    return {
        (Path(d["file"]).name, d["range"]["start"]["line"] + 1, d.get("rule", ""))
        for d in report["generalDiagnostics"]
        if d["severity"] == "error"
    }
