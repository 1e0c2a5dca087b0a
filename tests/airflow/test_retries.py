"""Airflow's retries never start a second export where the service can tell them apart.

The ``lose`` fault makes the emulator start the job and then cut the connection, and
``drop`` cuts botocore's own retries before they are handled, so the task's first try
fails with no answer; its next try sends the same client token (Personalize: job name)
and adopts the job.
"""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import TaskDeferred

from export_kit import ExportKit, TransportError
from export_kit.airflow import ExportJobTrigger, ExportOperator
from export_kit.local import Emulator

from ._support import START_OPERATIONS, params, task_instance


def _first_try_loses_its_answer(op: ExportOperator, emu: Emulator, service: str) -> None:
    operation = START_OPERATIONS[service]
    emu.inject("lose", service=service, operation=operation)
    emu.inject("drop", service=service, operation=operation, count=10)  # botocore's retries
    with pytest.raises(TransportError):
        op.execute({"ti": task_instance()})
    emu.clear_faults()
    assert len(emu.job_ids(service)) == 1, "the start call was handled; only its answer was lost"


@pytest.mark.parametrize("service", ["m2", "personalize", "simpledbv2", "omics"])
def test_a_retry_after_a_lost_start_answer_adopts_the_job(
    service: str, emu: Emulator, connection: str
) -> None:
    op = ExportOperator(
        task_id="export", service=service, request=params(service), aws_conn_id=connection
    )
    _first_try_loses_its_answer(op, emu, service)
    with pytest.raises(TaskDeferred) as retried:
        op.execute({"ti": task_instance()})
    trigger = retried.value.trigger
    assert isinstance(trigger, ExportJobTrigger)
    assert emu.job_ids(service) == [ExportKit().resume(trigger.token).id]


def test_discovery_has_no_token_so_a_retry_after_a_lost_answer_starts_another_export(
    emu: Emulator, connection: str
) -> None:
    """Documented in docs/airflow.md: StartExportTask has no client token."""
    op = ExportOperator(task_id="export", service="discovery", request={}, aws_conn_id=connection)
    _first_try_loses_its_answer(op, emu, "discovery")
    with pytest.raises(TaskDeferred):
        op.execute({"ti": task_instance()})
    assert len(emu.job_ids("discovery")) == 2
