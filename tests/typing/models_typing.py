"""Static typing contract of the generated models.

Not executed as a test: ``mypy --strict`` and ``pyright`` check this module
(``make types``), so an annotation regression fails the build.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, assert_type

from export_kit._shapes import OperationRequest
from export_kit.models import UnknownMember, m2, omics, personalize, simpledbv2


def requests() -> None:
    request = omics.StartReadSetExportJobRequest(
        sequence_store_id="1234567890",
        destination="s3://bucket/out/",
        role_arn="arn:aws:iam::123456789012:role/Export",
        sources=[omics.ExportReadSet(read_set_id="1234567890")],
    )
    assert_type(request.sources, list[omics.ExportReadSet])
    assert_type(request.client_token, str | None)
    _: OperationRequest[omics.StartReadSetExportJobResponse] = request

    config = m2.DataSetExportConfigS3Location(s3_location="s3://bucket/in")
    task = m2.CreateDataSetExportTaskRequest(application_id="app", export_config=config)
    assert_type(
        task.export_config, m2.DataSetExportConfigDataSets | m2.DataSetExportConfigS3Location
    )
    filt = omics.ExportReadSetFilter(status="COMPLETED")
    assert_type(
        filt.status,
        Literal[
            "SUBMITTED",
            "IN_PROGRESS",
            "CANCELLING",
            "CANCELLED",
            "FAILED",
            "COMPLETED",
            "COMPLETED_WITH_FAILURES",
        ]
        | None,
    )


def responses(
    job: omics.GetReadSetExportJobResponse,
    export: simpledbv2.GetExportResponse,
    described: personalize.DescribeDatasetExportJobResponse,
) -> None:
    assert_type(job.creation_time, datetime)
    assert_type(job.read_sets, list[omics.ExportReadSetDetail] | None)
    assert_type(export.items_count, int | None)
    assert_type(described.dataset_export_job, personalize.DatasetExportJob | None)
    assert_type(UnknownMember(tag="x", value=1).tag, str)
