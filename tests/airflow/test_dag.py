"""The docs' example DAG (docs/examples/airflow_dag.py) run end to end with ``dag.test()``:
one export per service, each deferred to its trigger and resumed with its description."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Any

import anyio
import pytest

from export_kit import ExportKit
from export_kit.local import Emulator
from export_kit.models import SERVICES

from ._support import connection_env

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "airflow_dag.py"
SUCCEEDED = {
    "m2": "Completed",
    "personalize": "ACTIVE",
    "discovery": "SUCCEEDED",
    "simpledbv2": "SUCCEEDED",
    "omics": "COMPLETED",
}


def _load_dag(dags_folder: Path) -> Any:
    """Put the example in the DAGs folder (``dag.test()`` parses it from there) and load it."""
    path = Path(shutil.copy(EXAMPLE, dags_folder / EXAMPLE.name))
    spec = importlib.util.spec_from_file_location("airflow_dag_example", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.dag


def test_the_example_dag_runs_one_export_per_service(
    airflow_db: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(*connection_env(emu, "aws_exports"))
    dag = _load_dag(Path(airflow_db) / "dags")
    run = dag.test()
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    assert str(run.state) == "success", states
    assert set(states.values()) == {"success"}
    for service in SERVICES:
        jobs = emu.job_ids(service)
        assert len(jobs) == 1, f"{service}: one export, started once"
        assert emu.status(service, jobs[0]) == SUCCEEDED[service]
    # The dict requests were templated: "sdb/{{ ds }}" became the run's date.
    export = anyio.run(_simpledb_export, emu, emu.job_ids("simpledbv2")[0])
    assert export.s3_key_prefix == f"sdb/{run.logical_date:%Y-%m-%d}"


async def _simpledb_export(emu: Emulator, arn: str) -> Any:
    async with ExportKit(**emu.kit_kwargs()) as kit:
        return await kit.simpledbv2.get_export(export_arn=arn)
