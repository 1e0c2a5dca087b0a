"""Strict requests, wire paths in errors(), tagged unions, to_api(), lenient responses."""

import anyio

import export_kit as ek
from export_kit.local import Emulator
from export_kit.models import m2, omics


async def main() -> None:
    async with Emulator() as emu, ek.ExportKit(**emu.kit_kwargs()) as kit:
        # A misspelt or mistyped keyword argument is a static error (mypy, pyright); data
        # from elsewhere is checked when the request is built, before anything is sent.
        untrusted = {
            "applicationId": "app-1",
            "exportConfig": {"dataSets": [{"externalLocation": {"s3Location": "s3://b/k"}}]},
            "colour": "blue",
        }
        try:
            request = m2.CreateDataSetExportTaskRequest.model_validate(untrusted)
            await kit.m2.create_data_set_export_task(request)
        except ek.RequestValidationError as exc:
            for issue in exc.errors():
                print(issue)
        assert emu.total_requests == 0  # nothing was sent

    # snake_case and wire (camelCase) names both validate; to_api() gives aiobotocore kwargs.
    request = m2.CreateDataSetExportTaskRequest(
        application_id="app-1",
        export_config=m2.DataSetExportConfigS3Location(s3_location="s3://bucket/sets.json"),
    )
    same = m2.CreateDataSetExportTaskRequest.model_validate(
        {"applicationId": "app-1", "exportConfig": {"s3Location": "s3://bucket/sets.json"}}
    )
    assert request == same
    print(type(same.export_config).__name__)  # the union member, picked from the key present
    print(request.to_api())

    # Responses are lenient: new keys are kept, unknown enum values stay plain strings.
    response = omics.GetReadSetExportJobResponse.from_api(
        {
            "id": "1234567890",
            "sequenceStoreId": "1234567890",
            "destination": "s3://bucket/out/",
            "status": "PAUSED",
            "creationTime": "2025-01-01T00:00:00Z",
            "brandNewField": 42,
        }
    )
    print(response.status, response.model_extra)


anyio.run(main)
