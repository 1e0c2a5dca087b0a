"""``mkdocs build --strict`` succeeds: every page, link and API docstring resolves."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    elapsed = time.monotonic() - began
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    print(f"mkdocs build --strict: {elapsed:.1f} s")
    for page in (
        "index.html",
        "getting-started/index.html",
        "services/omics/index.html",
        "reference/export_kit/index.html",
        "reference/models/index.html",
    ):
        assert (site / page).is_file(), page
    api = (site / "reference" / "export_kit" / "index.html").read_text()
    assert 'id="export_kit.ExportKit.wait_all"' in api
    models = (site / "reference" / "models" / "index.html").read_text()
    assert 'id="export_kit.models.omics.StartReadSetExportJobRequest"' in models
