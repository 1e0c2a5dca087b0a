"""Timestamps: the kit's own session parses them fast, to the same values as botocore's parser.

rest-json services (m2, SimpleDB v2, omics) send ISO 8601 strings and json ones
(Personalize, Discovery) epoch seconds; both must reach the typed models as the same aware
datetimes a default aiobotocore client produces.  A session the caller passes in keeps its
own timestamp parser.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiobotocore.session
import pytest

from export_kit import ExportKit
from export_kit._shapes import OperationRequest, ResponseShape
from export_kit.local import Emulator
from export_kit.services import spec_for

pytestmark = pytest.mark.anyio

STORE = "1234567890"
APP = "app-1"
ROLE = "arn:aws:iam::123456789012:role/Export"
DATASET_ARN = "arn:aws:personalize:us-east-1:123456789012:dataset/group/INTERACTIONS"

#: Per service: wire kwargs of its start operation, and its describe request (wire names)
#: for a job id.
SERVICES: dict[str, tuple[dict[str, Any], str, Any]] = {
    "m2": (
        {
            "applicationId": APP,
            "exportConfig": {
                "dataSets": [
                    {"datasetName": "SYS1.DATA", "externalLocation": {"s3Location": "s3://b/x"}}
                ]
            },
        },
        "GetDataSetExportTaskRequest",
        lambda job_id: {"applicationId": APP, "taskId": job_id},
    ),
    "personalize": (
        {
            "jobName": "job-1",
            "datasetArn": DATASET_ARN,
            "roleArn": ROLE,
            "jobOutput": {"s3DataDestination": {"path": "s3://bucket/out/"}},
        },
        "DescribeDatasetExportJobRequest",
        lambda job_id: {"datasetExportJobArn": job_id},
    ),
    "discovery": ({}, "DescribeExportTasksRequest", lambda job_id: {"exportIds": [job_id]}),
    "simpledbv2": (
        {"domainName": "domain-1", "s3Bucket": "bucket-1"},
        "GetExportRequest",
        lambda job_id: {"exportArn": job_id},
    ),
    "omics": (
        {
            "sequenceStoreId": STORE,
            "destination": "s3://bucket/out/",
            "roleArn": ROLE,
            "sources": [{"readSetId": "9876543210"}],
        },
        "GetReadSetExportJobRequest",
        lambda job_id: {"sequenceStoreId": STORE, "id": job_id},
    ),
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def default_client(threaded_emulator: Emulator) -> AsyncIterator[Any]:
    """A factory of clients from a plain aiobotocore session (botocore's own parser)."""
    session: Any = aiobotocore.session.get_session()
    clients: list[Any] = []

    async def make(service: str) -> Any:
        context = session.create_client(service, **threaded_emulator.client_kwargs())
        clients.append(context)
        return await context.__aenter__()

    yield make
    for context in clients:
        await context.__aexit__(None, None, None)


async def _finished_job_request(
    kit: ExportKit, emu: Emulator, service: str
) -> OperationRequest[Any]:
    start, request_name, describe = SERVICES[service]
    job = await kit.start(spec_for(service).start_request.model_validate(start))
    emu.advance(60)  # finished: completion timestamps are set too
    models = importlib.import_module(f"export_kit.models.{service}")
    request: OperationRequest[Any] = getattr(models, request_name).model_validate(describe(job.id))
    return request


def _datetimes(model: ResponseShape) -> list[datetime]:
    """Every datetime in a typed response, nested structures and lists included."""
    found: list[datetime] = []

    def walk(value: object) -> None:
        if isinstance(value, datetime):
            found.append(value)
        elif isinstance(value, ResponseShape):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, list):
            for item in value:  # pyright: ignore[reportUnknownVariableType]
                walk(item)

    walk(model)
    return found


@pytest.mark.parametrize("service", list(SERVICES))
async def test_typed_timestamps_equal_botocores_parse_of_the_same_response(
    threaded_emulator: Emulator, default_client: Any, service: str
) -> None:
    async with ExportKit(**threaded_emulator.kit_kwargs()) as kit:
        request = await _finished_job_request(kit, threaded_emulator, service)
        typed = await kit.send(request)
        raw = await getattr(await default_client(service), request.operation.method)(
            **request.to_api()
        )
    assert typed == type(typed).from_api(raw)
    stamps = _datetimes(typed)
    if service != "m2":  # m2's export task carries no timestamp
        assert stamps
    assert all(stamp.utcoffset() is not None for stamp in stamps)


@pytest.mark.parametrize("service", ["omics", "personalize"])  # ISO strings, epoch numbers
async def test_the_kits_own_client_parses_timestamps_in_c_to_equal_values(
    threaded_emulator: Emulator, default_client: Any, service: str
) -> None:
    async with ExportKit(**threaded_emulator.kit_kwargs()) as kit:
        request = await _finished_job_request(kit, threaded_emulator, service)
        method = request.operation.method
        ours = await getattr(await kit.client(service), method)(**request.to_api())
        theirs = await getattr(await default_client(service), method)(**request.to_api())
    ours.pop("ResponseMetadata")
    theirs.pop("ResponseMetadata")
    assert ours == theirs
    stamp = next(v for v in _flat_values(ours) if isinstance(v, datetime))
    assert stamp.tzinfo is UTC  # datetime's own UTC, not dateutil's tzutc()
    other = next(v for v in _flat_values(theirs) if isinstance(v, datetime))
    assert other.tzinfo is not UTC


def _flat_values(data: object) -> list[object]:
    if isinstance(data, dict):
        return [v for value in data.values() for v in _flat_values(value)]  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    if isinstance(data, list):
        return [v for value in data for v in _flat_values(value)]  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    return [data]


async def test_a_session_passed_in_keeps_its_own_timestamp_parser(
    threaded_emulator: Emulator,
) -> None:
    session: Any = aiobotocore.session.get_session()
    session.get_component("response_parser_factory").set_parser_defaults(
        timestamp_parser=lambda value: value  # the caller wants the wire strings
    )
    async with ExportKit(**threaded_emulator.kit_kwargs(), session=session) as kit:
        request = await _finished_job_request(kit, threaded_emulator, "omics")
        raw = await (await kit.client("omics")).get_read_set_export_job(**request.to_api())
        typed = await kit.send(request)
    assert isinstance(raw["creationTime"], str)
    assert typed.creation_time == datetime.fromisoformat(raw["creationTime"])
