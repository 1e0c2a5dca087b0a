"""Helpers for the Airflow tests: sample start parameters, task instances, fast polling."""

from __future__ import annotations

import uuid
from typing import Any

from export_kit import PollPolicy

CONN_ID = "export_emulator"
ROLE = "arn:aws:iam::123456789012:role/Export"
DATASET_ARN = "arn:aws:personalize:us-east-1:123456789012:dataset/group/INTERACTIONS"
STORE = "1234567890"

#: The emulator's jobs take 0.5 s; poll them every 0.1-0.2 s.
FAST = PollPolicy(min_delay=0.1, max_delay=0.2)

#: Each service's start operation (as the emulator counts it).
START_OPERATIONS = {
    "m2": "CreateDataSetExportTask",
    "personalize": "CreateDatasetExportJob",
    "discovery": "StartExportTask",
    "simpledbv2": "StartDomainExport",
    "omics": "StartReadSetExportJob",
}


def params(service: str, **over: Any) -> dict[str, Any]:
    """Valid start parameters (snake_case, no client token or job name) for ``service``."""
    bases: dict[str, dict[str, Any]] = {
        "m2": {"application_id": "app-1", "export_config": {"s3_location": "s3://bucket/m2/"}},
        "personalize": {
            "dataset_arn": DATASET_ARN,
            "role_arn": ROLE,
            "job_output": {"s3_data_destination": {"path": "s3://bucket/out/"}},
        },
        "discovery": {},
        "simpledbv2": {"domain_name": "domain-1", "s3_bucket": "bucket-1"},
        "omics": {
            "sequence_store_id": STORE,
            "destination": "s3://bucket/out/",
            "role_arn": ROLE,
            "sources": [{"read_set_id": "9876543210"}],
        },
    }
    return {**bases[service], **over}


def task_instance(
    task_id: str = "export", *, dag_id: str = "exports", run_id: str = "run-1", map_index: int = -1
) -> Any:
    """The task instance Airflow's task runner gives ``execute()`` as ``context["ti"]``."""
    from airflow.sdk.api.datamodels._generated import TaskInstance

    return TaskInstance(
        id=uuid.uuid4(),
        task_id=task_id,
        dag_id=dag_id,
        run_id=run_id,
        try_number=1,
        map_index=map_index,
        dag_version_id=uuid.uuid4(),
    )


class RoundCounter:
    """Counts the emulator's requests per poll round, seen from outside the poller.

    Waiters that poll every ``delay`` seconds make bursts of requests separated by quiet
    gaps; a sample every 5 ms finds them.  ``rounds`` holds the request count of each
    burst (a burst ends after ``delay / 2`` without a request).
    """

    def __init__(self, emu: Any, delay: float) -> None:
        self.emu = emu
        self.quiet = delay / 2
        self.rounds: list[int] = []

    def _total(self) -> int:
        while True:
            try:
                return int(self.emu.total_requests)
            except RuntimeError:  # the emulator's thread added a counter key meanwhile
                continue

    async def run(self) -> None:
        """Sample until cancelled; the burst in progress is counted too."""
        import anyio

        last = self._total()
        current = 0
        quiet_since = anyio.current_time()
        try:
            while True:
                await anyio.sleep(0.005)
                total = self._total()
                now = anyio.current_time()
                if total != last:
                    current += total - last
                    last = total
                    quiet_since = now
                elif current and now - quiet_since > self.quiet:
                    self.rounds.append(current)
                    current = 0
        finally:
            if current:
                self.rounds.append(current)


def client_connections(port: int) -> int:
    """Open TCP connections of this process to ``port`` (the emulator's)."""
    import psutil

    return sum(
        1
        for conn in psutil.Process().net_connections(kind="tcp")
        if conn.raddr and conn.raddr.port == port and conn.status == psutil.CONN_ESTABLISHED
    )


def connection_env(emu: Any, conn_id: str = CONN_ID) -> tuple[str, str]:
    """The environment variable (name, value) defining an Airflow connection to ``emu``."""
    import json

    kwargs = emu.kit_kwargs()
    conn = {
        "conn_type": "aws",
        "login": kwargs["aws_access_key_id"],
        "password": kwargs["aws_secret_access_key"],
        "extra": {"region_name": kwargs["region_name"], "endpoint_url": kwargs["endpoint_url"]},
    }
    return f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn)
