"""ExportOperator and ExportJobTrigger against the emulator, driven as Airflow drives them."""

from __future__ import annotations

import json
import time
from typing import Any

import anyio
import pytest
from airflow.sdk._shared.module_loading import import_string
from airflow.sdk.exceptions import AirflowException, AirflowFailException, TaskDeferred
from airflow.triggers.base import TriggerEvent

from export_kit import AccessDeniedError, ConfigurationError, PollPolicy, RequestValidationError
from export_kit.airflow import ExportJobTrigger, ExportOperator
from export_kit.local import Emulator
from export_kit.models import SERVICES, omics

from ._support import FAST, connection_env, params, task_instance


def _defer(op: ExportOperator, **ti: Any) -> ExportJobTrigger:
    with pytest.raises(TaskDeferred) as deferred:
        op.execute({"ti": task_instance(**ti)})
    trigger = deferred.value.trigger
    assert isinstance(trigger, ExportJobTrigger)
    assert deferred.value.method_name == "execute_complete"
    return trigger


async def _defer_in_worker(op: ExportOperator) -> ExportJobTrigger:
    """``execute()`` is sync code (it runs its own event loop): run it off this loop."""
    return await anyio.to_thread.run_sync(_defer, op)


async def _fire(trigger: ExportJobTrigger) -> dict[str, Any]:
    events = [event async for event in trigger.run()]
    assert len(events) == 1
    assert isinstance(events[0], TriggerEvent)
    payload: dict[str, Any] = events[0].payload
    json.dumps(payload)  # what the triggerer stores must be JSON
    return payload


@pytest.mark.parametrize("service", SERVICES)
def test_execute_starts_one_job_and_defers_with_a_trigger_that_round_trips(
    service: str, emu: Emulator, connection: str
) -> None:
    op = ExportOperator(
        task_id="export", service=service, request=params(service), aws_conn_id=connection
    )
    trigger = _defer(op)
    assert len(emu.job_ids(service)) == 1
    classpath, kwargs = trigger.serialize()
    assert classpath == "export_kit.airflow.ExportJobTrigger"
    again = import_string(classpath)(**kwargs)
    assert again.serialize() == (classpath, kwargs)
    assert kwargs["aws_conn_id"] == connection
    secret = emu.credentials()["aws_secret_access_key"]
    assert secret not in json.dumps(kwargs)
    assert secret not in repr(trigger)


@pytest.mark.anyio
async def test_the_trigger_fires_the_description_that_execute_complete_returns(
    emu: Emulator, connection: str
) -> None:
    op = ExportOperator(
        task_id="export",
        request=omics.StartReadSetExportJobRequest(**params("omics")),
        aws_conn_id=connection,
        poll=FAST,
    )
    trigger = await _defer_in_worker(op)
    payload = await _fire(ExportJobTrigger(**trigger.serialize()[1]))
    assert payload["outcome"] == "succeeded"
    assert payload["status"] == "SUCCEEDED"
    result = op.execute_complete({}, payload)
    assert result["status"] == "COMPLETED"
    assert result["sequenceStoreId"] == params("omics")["sequence_store_id"]
    assert result["id"] == emu.job_ids("omics")[0]


@pytest.mark.anyio
async def test_a_failed_export_fails_the_task_with_the_services_reason_and_no_retry(
    emu: Emulator, connection: str
) -> None:
    emu.fail_next("m2", "data set is locked")
    op = ExportOperator(
        task_id="export", service="m2", request=params("m2"), aws_conn_id=connection, poll=FAST
    )
    payload = await _fire(await _defer_in_worker(op))
    assert payload["outcome"] == "failed"
    with pytest.raises(AirflowFailException, match=r"ended FAILED.*data set is locked"):
        op.execute_complete({}, payload)


@pytest.mark.anyio
async def test_a_cancelled_export_fails_the_task(emu: Emulator, connection: str) -> None:
    emu.cancel_next()
    op = ExportOperator(
        task_id="export",
        service="omics",
        request=params("omics"),
        aws_conn_id=connection,
        poll=FAST,
    )
    payload = await _fire(await _defer_in_worker(op))
    with pytest.raises(AirflowFailException, match="ended CANCELLED"):
        op.execute_complete({}, payload)


@pytest.mark.anyio
async def test_the_deadline_travels_with_the_trigger_and_times_out_retryably(
    emu: Emulator, connection: str
) -> None:
    op = ExportOperator(
        task_id="export",
        service="m2",
        request=params("m2"),
        aws_conn_id=connection,
        poll=PollPolicy(min_delay=0.05, max_delay=0.05),
        timeout=0.2,
    )
    trigger = await _defer_in_worker(op)
    _, kwargs = trigger.serialize()
    assert kwargs["deadline"] == pytest.approx(time.time() + 0.2, abs=1.0)
    emu.set_status("m2", emu.job_ids("m2")[0], "Running")  # never finishes on its own
    started = time.monotonic()
    payload = await _fire(ExportJobTrigger(**kwargs))
    assert time.monotonic() - started < 2
    assert payload["outcome"] == "timeout"
    with pytest.raises(AirflowException, match="timeout") as caught:
        op.execute_complete({}, payload)
    assert not isinstance(caught.value, AirflowFailException)


@pytest.mark.parametrize("service", ["m2", "personalize", "discovery"])
def test_deferrable_false_waits_in_the_worker(service: str, emu: Emulator, connection: str) -> None:
    op = ExportOperator(
        task_id="export",
        service=service,
        request=params(service),
        aws_conn_id=connection,
        poll=FAST,
        deferrable=False,
    )
    result = op.execute({"ti": task_instance()})
    assert json.loads(json.dumps(result)) == result
    assert len(emu.job_ids(service)) == 1


def test_deferrable_false_fails_the_same_way(emu: Emulator, connection: str) -> None:
    emu.fail_next("simpledbv2", "bucket is gone")
    op = ExportOperator(
        task_id="export",
        service="simpledbv2",
        request=params("simpledbv2"),
        aws_conn_id=connection,
        poll=FAST,
        deferrable=False,
    )
    with pytest.raises(AirflowFailException, match="bucket is gone"):
        op.execute({"ti": task_instance()})


def test_an_invalid_request_is_rejected_before_anything_is_sent(
    emu: Emulator, connection: str
) -> None:
    op = ExportOperator(
        task_id="export",
        service="omics",
        request=params("omics", destination="not-a-url", sources=[]),
        aws_conn_id=connection,
    )
    with pytest.raises(RequestValidationError) as caught:
        op.execute({"ti": task_instance()})
    assert {e["path"] for e in caught.value.errors()} >= {"sources"}
    assert emu.total_requests == 0


def test_bad_operator_arguments_fail_when_the_dag_is_parsed() -> None:
    with pytest.raises(ValueError, match="service must be one of"):
        ExportOperator(task_id="a", service="s3", request={})
    with pytest.raises(ValueError, match="service is required"):
        ExportOperator(task_id="b", request={})
    with pytest.raises(ValueError, match="does not match the request"):
        ExportOperator(
            task_id="c", service="m2", request=omics.StartReadSetExportJobRequest(**params("omics"))
        )
    with pytest.raises(ValueError, match="timeout must be >= 0"):
        ExportOperator(task_id="d", service="m2", request={}, timeout=-1)
    with pytest.raises(ValueError, match="clock or rng"):
        ExportOperator(task_id="e", service="m2", request={}, poll=PollPolicy(clock=_NeverClock()))


class _NeverClock:
    def now(self) -> float:
        return 0.0

    async def sleep(self, seconds: float) -> None:
        raise AssertionError("not used")


def test_the_client_token_is_the_task_instances_own(emu: Emulator, connection: str) -> None:
    """Same task instance, same token (one job); another run or map index, another job."""
    op = ExportOperator(
        task_id="export", service="m2", request=params("m2"), aws_conn_id=connection
    )
    first = _defer(op).token
    assert _defer(op).token == first
    _defer(op, run_id="run-2")
    _defer(op, map_index=3)
    assert len(emu.job_ids("m2")) == 3


def test_a_connection_with_role_assumption_is_refused_clearly(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_ASSUMING",
        json.dumps({"conn_type": "aws", "extra": {"role_arn": "arn:aws:iam::1:role/x"}}),
    )
    op = ExportOperator(
        task_id="export", service="m2", request=params("m2"), aws_conn_id="assuming"
    )
    with pytest.raises(ConfigurationError, match="role_arn is not supported"):
        op.execute({"ti": task_instance()})
    assert emu.total_requests == 0


@pytest.mark.anyio
async def test_the_connections_keys_sign_the_calls_in_the_worker_and_in_the_triggerer(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Emulator(verify_signatures=True, job_duration=0.5, data_dir=tmp_path) as strict:
        monkeypatch.setenv(*connection_env(strict, "signed"))
        op = ExportOperator(
            task_id="export", service="m2", request=params("m2"), aws_conn_id="signed", poll=FAST
        )
        payload = await _fire(await _defer_in_worker(op))
        assert payload["outcome"] == "succeeded"

        name, value = connection_env(strict, "wrong")
        monkeypatch.setenv(name, value.replace(strict.credentials()["aws_secret_access_key"], "x"))
        strict.reset_counts()
        wrong = ExportOperator(
            task_id="export", service="m2", request=params("m2"), aws_conn_id="wrong"
        )
        with pytest.raises(AccessDeniedError):
            await anyio.to_thread.run_sync(lambda: wrong.execute({"ti": task_instance()}))
        assert len(strict.job_ids("m2")) == 1, "the rejected call started nothing"
