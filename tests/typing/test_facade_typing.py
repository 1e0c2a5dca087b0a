"""Static typing contract of the facade: methods, ``send``, pagers and jobs infer exact types.

``mypy --strict`` and ``pyright`` check the ``assert_type`` calls; pytest also runs them
against the emulator, so the runtime types match the static ones.
"""

from __future__ import annotations

from typing import Any, assert_type

import pytest

from export_kit import ExportJob, ExportKit, Pager
from export_kit._shapes import Sender
from export_kit.local import Emulator
from export_kit.models import discovery, m2, omics, personalize, simpledbv2

pytestmark = pytest.mark.anyio

STORE = "1234567890"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_facade_types(threaded_emulator: Emulator) -> None:
    async with ExportKit(**threaded_emulator.kit_kwargs()) as kit:
        started = await kit.omics.start_read_set_export_job(
            sequence_store_id=STORE,
            destination="s3://bucket/out/",
            role_arn="arn:aws:iam::123456789012:role/Export",
            sources=[omics.ExportReadSet(read_set_id="1234567890")],
        )
        assert_type(started, omics.StartReadSetExportJobResponse)

        by_kwargs = await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id=started.id)
        assert_type(by_kwargs, omics.GetReadSetExportJobResponse)
        request = omics.GetReadSetExportJobRequest(sequence_store_id=STORE, id=started.id)
        by_model = await kit.omics.get_read_set_export_job(request)
        assert_type(by_model, omics.GetReadSetExportJobResponse)
        assert isinstance(by_model, omics.GetReadSetExportJobResponse)

        sent = await kit.send(request)
        assert_type(sent, omics.GetReadSetExportJobResponse)
        page = await kit.send(omics.ListReadSetExportJobsRequest(sequence_store_id=STORE))
        assert_type(page, omics.ListReadSetExportJobsResponse)

        pager = kit.omics.list_read_set_export_jobs(sequence_store_id=STORE)
        assert_type(pager, Pager[omics.ExportReadSetJobDetail, omics.ListReadSetExportJobsResponse])
        async for job in pager:
            assert_type(job, omics.ExportReadSetJobDetail)
        async for each in pager.pages():
            assert_type(each, omics.ListReadSetExportJobsResponse)
        assert_type(await pager.collect(), list[omics.ExportReadSetJobDetail])

        tasks = kit.discovery.describe_export_tasks(export_ids=["x"])
        assert_type(tasks, Pager[discovery.ExportInfo, discovery.DescribeExportTasksResponse])
        history = kit.m2.list_data_set_export_history(application_id="app")
        assert_type(history, Pager[m2.DataSetExportTask, m2.ListDataSetExportHistoryResponse])
        generic = kit.paginate(simpledbv2.ListExportsRequest())
        assert_type(generic, Pager[Any, simpledbv2.ListExportsResponse])

        sender: Sender = kit  # what the jobs code needs from a kit
        assert_type(await sender.send(request), omics.GetReadSetExportJobResponse)


async def test_started_jobs_are_typed_by_their_description(threaded_emulator: Emulator) -> None:
    """``kit.<service>.start`` and ``kit.start`` return ``ExportJob[<its description>]``."""
    async with ExportKit(**threaded_emulator.kit_kwargs()) as kit:
        by_kwargs = await kit.omics.start(
            sequence_store_id=STORE,
            destination="s3://bucket/out/",
            role_arn="arn:aws:iam::123456789012:role/Export",
            sources=[omics.ExportReadSet(read_set_id="1234567890")],
        )
        assert_type(by_kwargs, ExportJob[omics.GetReadSetExportJobResponse])
        request = simpledbv2.StartDomainExportRequest(domain_name="d", s3_bucket="bucket")
        by_model = await kit.start(request)
        assert_type(by_model, ExportJob[simpledbv2.GetExportResponse])
        assert_type(await kit.simpledbv2.start(request), ExportJob[simpledbv2.GetExportResponse])
        found = await kit.discovery.start()
        assert_type(found, ExportJob[discovery.ExportInfo])
        config = m2.DataSetExportConfigS3Location(s3_location="s3://bucket/in")
        task = await kit.m2.start(application_id="app-1", export_config=config)
        assert_type(task, ExportJob[m2.GetDataSetExportTaskResponse])
        export = await kit.personalize.start(
            job_name="job-1",
            dataset_arn="arn:aws:personalize:us-east-1:123456789012:dataset/g/INTERACTIONS",
            role_arn="arn:aws:iam::123456789012:role/Export",
            job_output=personalize.DatasetExportJobOutput(
                s3_data_destination=personalize.S3DataConfig(path="s3://bucket/out/")
            ),
        )
        assert_type(export, ExportJob[personalize.DescribeDatasetExportJobResponse])

        refreshed = await by_kwargs.refresh()
        assert_type(refreshed, ExportJob[omics.GetReadSetExportJobResponse])
        described = refreshed.description
        assert_type(described, omics.GetReadSetExportJobResponse | None)
        assert isinstance(described, omics.GetReadSetExportJobResponse)
        assert described.sequence_store_id == STORE  # no cast needed
        assert_type(kit.job("omics", by_kwargs.id, sequence_store_id=STORE), ExportJob)
        await found.refresh()
        assert isinstance(found.description, discovery.ExportInfo)
