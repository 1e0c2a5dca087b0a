"""Idempotency: clientToken windows, SimpleDB v2 conflicts, Personalize job names."""

from __future__ import annotations

import pytest

from export_kit.local import Emulator

from ._support import (
    STORE,
    AioClientFactory,
    m2_request,
    omics_request,
    personalize_request,
    simpledb_request,
)

pytestmark = pytest.mark.asyncio


async def test_m2_client_token_one_hour(emulator: Emulator, aio_client: AioClientFactory) -> None:
    m2 = await aio_client("m2")
    first = (await m2.create_data_set_export_task(**m2_request(clientToken="tok-1")))["taskId"]
    emulator.advance(3599)
    assert (await m2.create_data_set_export_task(**m2_request(clientToken="tok-1")))[
        "taskId"
    ] == first
    other_app = (await m2.create_data_set_export_task(**m2_request("app-2", clientToken="tok-1")))[
        "taskId"
    ]
    assert other_app != first
    emulator.advance(2)
    assert (await m2.create_data_set_export_task(**m2_request(clientToken="tok-1")))[
        "taskId"
    ] != first


async def test_m2_generated_tokens_start_new_tasks(
    emulator: Emulator, aio_client: AioClientFactory
) -> None:
    m2 = await aio_client("m2")
    one = await m2.create_data_set_export_task(**m2_request())
    two = await m2.create_data_set_export_task(**m2_request())
    assert one["taskId"] != two["taskId"]


async def test_simpledb_client_token_conflict_and_window(
    emulator: Emulator, aio_client: AioClientFactory
) -> None:
    sdb = await aio_client("simpledbv2")
    first = await sdb.start_domain_export(**simpledb_request(clientToken="tok"))
    emulator.advance(3600)
    again = await sdb.start_domain_export(**simpledb_request(clientToken="tok"))
    assert (again["exportArn"], again["requestedAt"]) == (first["exportArn"], first["requestedAt"])
    with pytest.raises(sdb.exceptions.ConflictException) as info:
        await sdb.start_domain_export(
            **simpledb_request(clientToken="tok", s3KeyPrefix="elsewhere")
        )
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    emulator.advance(8 * 3600)
    later = await sdb.start_domain_export(
        **simpledb_request(clientToken="tok", s3KeyPrefix="elsewhere")
    )
    assert later["exportArn"] != first["exportArn"]


async def test_simpledb_parameter_combination(
    emulator: Emulator, aio_client: AioClientFactory
) -> None:
    sdb = await aio_client("simpledbv2")
    with pytest.raises(sdb.exceptions.InvalidParameterCombinationException):
        await sdb.start_domain_export(**simpledb_request(s3SseKmsKeyId="key"))
    ok = await sdb.start_domain_export(
        **simpledb_request(s3SseAlgorithm="KMS", s3SseKmsKeyId="key")
    )
    got = await sdb.get_export(exportArn=ok["exportArn"])
    assert (got["s3SseAlgorithm"], got["s3SseKmsKeyId"]) == ("KMS", "key")


async def test_omics_client_token(emulator: Emulator, aio_client: AioClientFactory) -> None:
    om = await aio_client("omics")
    first = await om.start_read_set_export_job(**omics_request(clientToken="tok"))
    emulator.advance(4)
    again = await om.start_read_set_export_job(**omics_request(clientToken="tok"))
    assert again["id"] == first["id"]
    assert again["status"] == "IN_PROGRESS"
    emulator.advance(8 * 3600)
    assert (await om.start_read_set_export_job(**omics_request(clientToken="tok")))["id"] != first[
        "id"
    ]
    listed = await om.list_read_set_export_jobs(sequenceStoreId=STORE)
    assert len(listed["exportJobs"]) == 2


async def test_personalize_job_name_is_unique(
    emulator: Emulator, aio_client: AioClientFactory
) -> None:
    pz = await aio_client("personalize")
    await pz.create_dataset_export_job(**personalize_request("nightly"))
    emulator.advance(10**6)
    with pytest.raises(pz.exceptions.ResourceAlreadyExistsException) as info:
        await pz.create_dataset_export_job(**personalize_request("nightly"))
    assert "nightly" in info.value.response["Error"]["Message"]
