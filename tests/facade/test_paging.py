"""Pagers follow nextToken over real emulator pages, keep the page size, stop on loops."""

from __future__ import annotations

import logging
from typing import Annotated, Any, ClassVar

import anyio
import pytest
from pydantic import Field

from export_kit import ExportKit, Pager
from export_kit._shapes import OperationInfo, OperationRequest, ResponseShape
from export_kit.local import Emulator
from export_kit.models import omics

from ._support import START_KWARGS, STORE

pytestmark = pytest.mark.anyio


async def _start_jobs(kit: ExportKit, count: int) -> list[str]:
    return [
        (await kit.omics.start_read_set_export_job(**START_KWARGS["omics"])).id
        for _ in range(count)
    ]


async def test_items_and_pages_across_pages(kit: ExportKit, emu: Emulator) -> None:
    ids = await _start_jobs(kit, 7)
    pager = kit.omics.list_read_set_export_jobs(sequence_store_id=STORE, max_results=2)
    assert isinstance(pager, Pager)
    assert emu.requests[("omics", "ListReadSetExportJobs")] == 0  # nothing sent until iterated

    pages = [page async for page in pager.pages()]
    assert [len(p.export_jobs or []) for p in pages] == [2, 2, 2, 1]
    assert all(isinstance(p, omics.ListReadSetExportJobsResponse) for p in pages)
    assert pages[-1].next_token is None
    assert emu.requests[("omics", "ListReadSetExportJobs")] == 4

    items = [job.id async for job in pager]  # a pager can be iterated again
    assert sorted(items) == sorted(ids)
    assert emu.requests[("omics", "ListReadSetExportJobs")] == 8


async def test_max_items_stops_fetching(kit: ExportKit, emu: Emulator) -> None:
    await _start_jobs(kit, 7)
    request = omics.ListReadSetExportJobsRequest(sequence_store_id=STORE, max_results=2)
    items = await kit.paginate(request, max_items=3).collect()
    assert len(items) == 3
    assert emu.requests[("omics", "ListReadSetExportJobs")] == 2
    assert await kit.paginate(request, max_items=0).collect() == []


async def test_repeated_token_stops_cleanly(
    kit: ExportKit, emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    await _start_jobs(kit, 5)
    client = await kit.client("omics")

    def forget_token(params: dict[str, Any], **_: Any) -> None:
        params.pop("nextToken", None)  # a service that keeps answering with page one

    client.meta.events.register("before-parameter-build.omics.ListReadSetExportJobs", forget_token)
    with anyio.fail_after(10), caplog.at_level(logging.WARNING, logger="export_kit.paging"):
        pages = [
            p
            async for p in kit.omics.list_read_set_export_jobs(
                sequence_store_id=STORE, max_results=2
            ).pages()
        ]
    assert len(pages) == 2  # page one, then page one again: its token was seen, stop
    assert emu.requests[("omics", "ListReadSetExportJobs")] == 2
    assert "already returned" in caplog.text


async def test_starting_token_is_honoured(kit: ExportKit) -> None:
    await _start_jobs(kit, 3)
    first = await kit.send(
        omics.ListReadSetExportJobsRequest(sequence_store_id=STORE, max_results=2)
    )
    assert first.next_token
    rest = await kit.omics.list_read_set_export_jobs(
        sequence_store_id=STORE, max_results=2, next_token=first.next_token
    ).collect()
    assert len(rest) == 1


class _Job(ResponseShape):
    id: str


class _UndeclaredPage(ResponseShape):
    jobs: Annotated[list[_Job] | None, Field(validation_alias="exportJobs")] = None
    next_token: Annotated[str | None, Field(validation_alias="nextToken")] = None


class _UndeclaredListRequest(OperationRequest[_UndeclaredPage]):
    """ListReadSetExportJobs as if botocore had no paginator entry for it."""

    sequence_store_id: Annotated[str, Field(serialization_alias="sequenceStoreId")]
    max_results: Annotated[int | None, Field(serialization_alias="maxResults")] = None
    next_token: Annotated[str | None, Field(serialization_alias="nextToken")] = None

    operation: ClassVar[OperationInfo] = OperationInfo(
        service="omics",
        name="ListReadSetExportJobs",
        method="list_read_set_export_jobs",
        response=_UndeclaredPage,
    )


async def test_pages_by_next_token_without_a_paginator_entry(kit: ExportKit) -> None:
    ids = await _start_jobs(kit, 5)
    request = _UndeclaredListRequest(sequence_store_id=STORE, max_results=2)
    pages = [page async for page in kit.paginate(request).pages()]
    assert len(pages) == 3
    assert sorted([job.id async for job in kit.paginate(request)]) == sorted(ids)


async def test_paginating_a_single_item_operation_is_a_type_error(kit: ExportKit) -> None:
    with pytest.raises(TypeError, match="not a paginated operation"):
        kit.paginate(omics.GetReadSetExportJobRequest(sequence_store_id=STORE, id="1234567890"))
