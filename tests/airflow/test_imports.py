"""Nothing in export_kit imports Airflow: only ``import export_kit.airflow`` does."""

from __future__ import annotations

import json
import subprocess
import sys


def _loaded_after(statement: str) -> list[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return sorted({name.split(".")[0] for name in json.loads(out.stdout)})


def test_import_export_kit_loads_no_airflow() -> None:
    assert "airflow" not in _loaded_after("import export_kit, export_kit.models, export_kit.local")


def test_import_export_kit_airflow_loads_airflow() -> None:
    assert "airflow" in _loaded_after("import export_kit.airflow")
