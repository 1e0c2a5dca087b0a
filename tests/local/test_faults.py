"""Fault injection: throttling, 5xx, dropped connections and latency, per service."""

from __future__ import annotations

import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from export_kit.local import Emulator, FaultConfig

from ._support import STORE, AioClientFactory, raw

pytestmark = pytest.mark.asyncio

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})

# service -> (a cheap call, throttling code and status, server error code)
CASES = {
    "m2": (
        "list_data_set_export_history",
        {"applicationId": "a"},
        "ThrottlingException",
        429,
        "InternalServerException",
    ),
    "personalize": ("list_dataset_export_jobs", {}, "ThrottlingException", 400, "InternalFailure"),
    "discovery": (
        "describe_export_tasks",
        {},
        "ThrottlingException",
        400,
        "ServerInternalErrorException",
    ),
    "simpledbv2": ("list_exports", {}, "ThrottlingException", 400, "InternalFailure"),
    "omics": (
        "list_read_set_export_jobs",
        {"sequenceStoreId": STORE},
        "ThrottlingException",
        429,
        "InternalServerException",
    ),
}


@pytest.mark.parametrize("service", list(CASES))
async def test_throttle_and_server_errors(
    emulator: Emulator, aio_client: AioClientFactory, service: str
) -> None:
    method, kwargs, throttle, throttle_status, server = CASES[service]
    client = await aio_client(service, NO_RETRY)
    call = getattr(client, method)
    emulator.inject("throttle", service=service)
    with pytest.raises(ClientError) as info:
        await call(**kwargs)
    err = info.value.response
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == (
        throttle,
        throttle_status,
    )
    emulator.inject("error", service=service)
    with pytest.raises(ClientError) as info:
        await call(**kwargs)
    err = info.value.response
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == (server, 500)
    await call(**kwargs)  # the queue is empty again


async def test_retrying_client_rides_out_faults(
    emulator: Emulator, aio_client: AioClientFactory
) -> None:
    om = await aio_client("omics", Config(retries={"total_max_attempts": 5, "mode": "standard"}))
    emulator.inject("throttle", service="omics", count=2)
    emulator.reset_counts()
    out = await om.list_read_set_export_jobs(sequenceStoreId=STORE)
    assert out["ResponseMetadata"]["RetryAttempts"] == 2
    assert emulator.requests[("omics", "ListReadSetExportJobs")] == 3


async def test_dropped_connection(emulator: Emulator, aio_client: AioClientFactory) -> None:
    sdb = await aio_client("simpledbv2", NO_RETRY)
    # aiohttp itself may retry a dropped connection once, so drop twice, then clear.
    emulator.inject("drop", service="simpledbv2", operation="ListExports", count=2)
    with pytest.raises(ConnectionClosedError):
        await sdb.list_exports()
    emulator.clear_faults()
    assert (await sdb.list_exports())["exportSummaries"] == []


async def test_latency(emulator: Emulator, aio_client: AioClientFactory) -> None:
    pz = await aio_client("personalize")
    emulator.inject("latency", service="personalize", latency=0.3)
    start = time.perf_counter()
    await pz.list_dataset_export_jobs()
    assert time.perf_counter() - start >= 0.3


async def test_rates_are_seeded_and_reproducible(emulator: Emulator) -> None:
    async def pattern() -> list[int]:
        out = []
        async with Emulator(
            seed=7, faults={"personalize": FaultConfig(throttle_rate=0.3, error_rate=0.2)}
        ) as emu:
            for _ in range(30):
                status, _, _ = await raw(
                    emu, "POST", "/", service="personalize", target="ListDatasetExportJobs", body={}
                )
                out.append(status)
        return out

    first, second = await pattern(), await pattern()
    assert first == second
    assert {400, 500, 200} <= set(first)


async def test_set_faults_per_operation(emulator: Emulator) -> None:
    emulator.set_faults("m2.GetDataSetExportTask", FaultConfig(error_rate=1.0))
    status, _, _ = await raw(
        emulator, "GET", "/applications/a/dataset-export-tasks/t", service="m2"
    )
    assert status == 500
    status, _, _ = await raw(emulator, "GET", "/applications/a/dataset-export-tasks", service="m2")
    assert status == 200
    emulator.clear_faults()
    status, _, _ = await raw(
        emulator, "GET", "/applications/a/dataset-export-tasks/t", service="m2"
    )
    assert status == 404


async def test_fault_arguments_are_checked(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        emulator.inject("explode", service="m2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="has no operation"):
        emulator.inject("drop", service="m2", operation="DeleteApplication")
    with pytest.raises(ValueError, match="between 0 and 1"):
        FaultConfig(throttle_rate=2)
    with pytest.raises(ValueError, match="unknown service"):
        emulator.set_faults("s3", FaultConfig())


async def test_request_counter_proves_nothing_was_sent(
    emulator: Emulator, aio_client: AioClientFactory
) -> None:
    om = await aio_client("omics")
    await om.list_read_set_export_jobs(sequenceStoreId=STORE)
    assert emulator.total_requests == 1
    emulator.reset_counts()
    assert emulator.total_requests == 0
    assert not emulator.requests


async def test_lost_answer_still_creates_the_job(
    emulator: Emulator, aio_client: AioClientFactory
) -> None:
    """``lose`` handles the call and then cuts the connection: the job exists, the answer is
    gone; a retry with the same client token finds the same task (m2 idempotency)."""
    m2 = await aio_client("m2", NO_RETRY)
    request = {
        "applicationId": "app-1",
        "clientToken": "token-lost-1",
        "exportConfig": {"s3Location": "s3://bucket/in/"},
    }
    emulator.inject("lose", service="m2", operation="CreateDataSetExportTask", count=2)
    with pytest.raises(ConnectionClosedError):
        await m2.create_data_set_export_task(**request)
    emulator.clear_faults()
    assert len(emulator.job_ids("m2")) == 1
    task_id = (await m2.create_data_set_export_task(**request))["taskId"]
    assert emulator.job_ids("m2") == [task_id]
