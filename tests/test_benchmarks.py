"""Every benchmark runs end to end in its ``--quick`` mode, so none of them rots.

Figures are not asserted here (shared CI machines are noisy); ``make bench``
produces them and benchmarks/RESULTS.md records them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.__main__ import BENCHMARKS

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_benchmark_runs_quickly(name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip(), "the benchmark printed no figures"
    assert "Traceback" not in result.stderr
