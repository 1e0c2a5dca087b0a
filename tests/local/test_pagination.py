"""Pagination: >= 3 pages per list operation, stable while jobs are added, bad tokens rejected."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from export_kit.local import Emulator

from ._support import (
    DATASET,
    STORE,
    AioClientFactory,
    m2_request,
    omics_request,
    personalize_request,
    raw,
    simpledb_request,
)

pytestmark = pytest.mark.asyncio


async def _pages(
    call: Callable[..., Awaitable[dict[str, Any]]], key: str, **kwargs: Any
) -> list[list[Any]]:
    pages: list[list[Any]] = []
    token: str | None = None
    while True:
        args = dict(kwargs)
        if token:
            args["nextToken"] = token
        page = await call(**args)
        pages.append(page[key])
        token = page.get("nextToken")
        if not token:
            return pages


async def test_every_list_operation_paginates(
    emulator: Emulator, aio_client: AioClientFactory
) -> None:
    m2, pz, dc = (
        await aio_client("m2"),
        await aio_client("personalize"),
        await aio_client("discovery"),
    )
    sdb, om = await aio_client("simpledbv2"), await aio_client("omics")
    for i in range(7):
        await m2.create_data_set_export_task(**m2_request())
        await pz.create_dataset_export_job(**personalize_request(f"job-{i}"))
        await dc.start_export_task()
        await sdb.start_domain_export(**simpledb_request())
        await om.start_read_set_export_job(**omics_request())
    cases: list[tuple[Any, str, dict[str, Any], str]] = [
        (
            m2.list_data_set_export_history,
            "dataSetExportTasks",
            {"applicationId": "app-1"},
            "taskId",
        ),
        (
            pz.list_dataset_export_jobs,
            "datasetExportJobs",
            {"datasetArn": DATASET},
            "datasetExportJobArn",
        ),
        (dc.describe_export_tasks, "exportsInfo", {}, "exportId"),
        (sdb.list_exports, "exportSummaries", {"domainName": "orders"}, "exportArn"),
        (om.list_read_set_export_jobs, "exportJobs", {"sequenceStoreId": STORE}, "id"),
    ]
    for call, key, kwargs, id_key in cases:
        pages = await _pages(call, key, maxResults=3, **kwargs)
        assert [len(p) for p in pages] == [3, 3, 1], call
        ids = [item[id_key] for page in pages for item in page]
        assert len(set(ids)) == 7


async def test_pages_stay_stable_while_jobs_are_added(
    emulator: Emulator, aio_client: AioClientFactory
) -> None:
    om = await aio_client("omics")
    first = [(await om.start_read_set_export_job(**omics_request()))["id"] for _ in range(5)]
    page1 = await om.list_read_set_export_jobs(sequenceStoreId=STORE, maxResults=2)
    for _ in range(3):
        await om.start_read_set_export_job(**omics_request())
    seen = [j["id"] for j in page1["exportJobs"]]
    token = page1["nextToken"]
    while token:
        page = await om.list_read_set_export_jobs(
            sequenceStoreId=STORE, maxResults=2, nextToken=token
        )
        seen += [j["id"] for j in page["exportJobs"]]
        token = page.get("nextToken")
    assert seen == list(reversed(first))  # newest first, no repeats, no late arrivals


async def test_continuous_exports_paginate(
    emulator: Emulator, aio_client: AioClientFactory
) -> None:
    dc = await aio_client("discovery")
    for _ in range(4):
        export_id = (await dc.start_continuous_export())["exportId"]
        emulator.advance(2)
        await dc.stop_continuous_export(exportId=export_id)
        emulator.advance(2)
    pages = await _pages(dc.describe_continuous_exports, "descriptions", maxResults=1)
    assert [len(p) for p in pages] == [1, 1, 1, 1]


async def test_invalid_tokens_use_each_services_code(
    emulator: Emulator, aio_client: AioClientFactory
) -> None:
    m2, pz, dc = (
        await aio_client("m2"),
        await aio_client("personalize"),
        await aio_client("discovery"),
    )
    sdb, om = await aio_client("simpledbv2"), await aio_client("omics")
    calls: list[tuple[Any, dict[str, Any], str]] = [
        (m2.list_data_set_export_history, {"applicationId": "app-1"}, "ValidationException"),
        (pz.list_dataset_export_jobs, {}, "InvalidNextTokenException"),
        (dc.describe_export_tasks, {}, "InvalidParameterValueException"),
        (dc.describe_continuous_exports, {}, "InvalidParameterValueException"),
        (sdb.list_exports, {}, "InvalidNextTokenException"),
        (om.list_read_set_export_jobs, {"sequenceStoreId": STORE}, "ValidationException"),
    ]
    for call, kwargs, code in calls:
        with pytest.raises(Exception) as info:  # noqa: PT011 - botocore's dynamic classes
            await call(nextToken="bm90LWEtdG9rZW4", **kwargs)
        assert info.value.response["Error"]["Code"] == code  # type: ignore[attr-defined]
    # A real token reused with other filters is rejected too.
    for _ in range(3):
        await sdb.start_domain_export(**simpledb_request())
    token = (await sdb.list_exports(domainName="orders", maxResults=1))["nextToken"]
    with pytest.raises(sdb.exceptions.InvalidNextTokenException):
        await sdb.list_exports(domainName="other", nextToken=token)


async def test_page_size_limits(emulator: Emulator, aio_client: AioClientFactory) -> None:
    for i in range(3):
        status, _, _ = await raw(
            emulator, "POST", "/", service="discovery", target="StartExportTask", body={}
        )
        assert status == 200, i
    status, _, body = await raw(
        emulator,
        "POST",
        "/",
        service="discovery",
        target="DescribeExportTasks",
        body={"maxResults": 0},
    )
    # 0 is the Smithy default of the Integer shape: "not set", so every task is listed.
    assert (status, len(body["exportsInfo"])) == (200, 3)
    status, _, body = await raw(
        emulator,
        "POST",
        "/",
        service="discovery",
        target="DescribeExportTasks",
        body={"exportIds": ["x"] * 101},
    )
    assert (status, body["__type"]) == (400, "InvalidParameterValueException")
    status, headers, body = await raw(
        emulator, "GET", "/applications/app-1/dataset-export-tasks?maxResults=2001", service="m2"
    )
    assert (status, headers["x-amzn-ErrorType"]) == (400, "ValidationException")
    assert "maxResults" in body["message"]
