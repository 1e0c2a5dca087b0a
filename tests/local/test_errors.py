"""Validation and protocol errors, in each service's own shape, sent as raw HTTP."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from export_kit.local import Emulator

from ._support import (
    STORE,
    AioClientFactory,
    auth_header,
    m2_request,
    omics_request,
    personalize_request,
    raw,
)

pytestmark = pytest.mark.asyncio


async def test_m2_validation_names_the_wire_path(emulator: Emulator) -> None:
    body = {
        "exportConfig": {
            "dataSets": [
                {"datasetName": "has space", "externalLocation": {"s3Location": "s3://b/k"}}
            ]
        }
    }
    status, headers, got = await raw(
        emulator, "POST", "/applications/app-1/dataset-export-task", service="m2", body=body
    )
    assert (status, headers["x-amzn-ErrorType"]) == (400, "ValidationException")
    assert "exportConfig.dataSets[0].datasetName" in got["message"]
    assert got["reason"] == "fieldValidationFailed"
    assert got["fieldList"][0]["name"] == "exportConfig.dataSets[0].datasetName"
    assert headers["x-amzn-RequestId"]


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ({}, "exactly one of [dataSets, s3Location]"),
        ({"s3Location": "s3://b/x", "dataSets": []}, "exactly one"),
        ({"dataSets": []}, "exportConfig.dataSets"),
        (
            {"dataSets": [{"datasetName": "A", "externalLocation": {}}]},
            "exportConfig.dataSets[0].externalLocation",
        ),
        ({"bogus": 1}, "exportConfig.bogus"),
    ],
)
async def test_m2_union_and_structure_rules(
    emulator: Emulator, config: dict[str, object], needle: str
) -> None:
    status, _, got = await raw(
        emulator,
        "POST",
        "/applications/app-1/dataset-export-task",
        service="m2",
        body={"exportConfig": config},
    )
    assert status == 400
    assert needle in got["message"]


@pytest.mark.parametrize(
    ("service", "target", "body", "code", "needle"),
    [
        (
            "personalize",
            "CreateDatasetExportJob",
            {**personalize_request(), "jobName": "-bad"},
            "InvalidInputException",
            "jobName",
        ),
        (
            "personalize",
            "CreateDatasetExportJob",
            {**personalize_request(), "ingestionMode": "SOME"},
            "InvalidInputException",
            "enum",
        ),
        (
            "personalize",
            "CreateDatasetExportJob",
            {**personalize_request(), "tags": [{"tagKey": "ok", "tagValue": "bad\u0000value"}]},
            "InvalidInputException",
            "tags[0].tagValue",
        ),
        (
            "personalize",
            "CreateDatasetExportJob",
            {**personalize_request(), "jobName": "x" * 64},
            "InvalidInputException",
            "less than or equal to 63",
        ),
        (
            "personalize",
            "ListDatasetExportJobs",
            {"maxResults": 101},
            "InvalidInputException",
            "maxResults",
        ),
        (
            "personalize",
            "ListDatasetExportJobs",
            {"maxResults": "5"},
            "InvalidInputException",
            "integer",
        ),
        (
            "discovery",
            "StartExportTask",
            {"exportDataFormat": ["XML"]},
            "InvalidParameterValueException",
            "exportDataFormat[0]",
        ),
        (
            "discovery",
            "StartExportTask",
            {
                "preferences": {
                    "ec2RecommendationsPreferences": {
                        "cpuPerformanceMetricBasis": {"percentageAdjust": 101.0}
                    }
                }
            },
            "InvalidParameterValueException",
            "preferences.ec2RecommendationsPreferences.cpuPerformanceMetricBasis.percentageAdjust",
        ),
        (
            "discovery",
            "StartExportTask",
            {"startTime": 20, "endTime": 10},
            "InvalidParameterValueException",
            "startTime",
        ),
        (
            "discovery",
            "StartExportTask",
            {"startTime": "yesterday"},
            "InvalidParameterValueException",
            "timestamp",
        ),
        (
            "discovery",
            "StartExportTask",
            {"filters": [{"name": "vmware", "values": ["x"], "condition": "EQUALS"}]},
            "InvalidParameterValueException",
            "filters[0].name",
        ),
        ("discovery", "StopContinuousExport", {}, "InvalidParameterValueException", "exportId"),
    ],
)
async def test_json_validation_errors(
    emulator: Emulator, service: str, target: str, body: dict[str, object], code: str, needle: str
) -> None:
    status, _, got = await raw(emulator, "POST", "/", service=service, target=target, body=body)
    assert (status, got["__type"]) == (400, code)
    assert needle in got["message"]


@pytest.mark.parametrize(
    ("service", "path", "body", "code", "needle"),
    [
        (
            "simpledbv2",
            "/v2/StartDomainExport",
            {"domainName": "d", "s3Bucket": "-"},
            "InvalidParameterValueException",
            "s3Bucket",
        ),
        (
            "simpledbv2",
            "/v2/StartDomainExport",
            {"s3Bucket": "bucket"},
            "InvalidParameterValueException",
            "domainName",
        ),
        (
            "simpledbv2",
            "/v2/GetExport",
            {"exportArn": "short"},
            "InvalidParameterValueException",
            "exportArn",
        ),
        (
            "omics",
            f"/sequencestore/{STORE}/exportjob",
            {**omics_request(), "sources": []},
            "ValidationException",
            "sources",
        ),
        (
            "omics",
            "/sequencestore/12/exportjob",
            omics_request(),
            "ValidationException",
            "sequenceStoreId",
        ),
        (
            "omics",
            f"/sequencestore/{STORE}/exportjob",
            {**omics_request(), "destination": "gs://bucket/"},
            "ValidationException",
            "destination",
        ),
        (
            "omics",
            f"/sequencestore/{STORE}/exportjobs?maxResults=abc",
            {},
            "ValidationException",
            "maxResults",
        ),
        (
            "omics",
            f"/sequencestore/{STORE}/exportjobs",
            {"filter": {"status": "DONE"}},
            "ValidationException",
            "filter.status",
        ),
    ],
)
async def test_rest_validation_errors(
    emulator: Emulator, service: str, path: str, body: dict[str, object], code: str, needle: str
) -> None:
    body = {k: v for k, v in body.items() if k != "sequenceStoreId"}
    status, headers, got = await raw(emulator, "POST", path, service=service, body=body)
    assert (status, headers["x-amzn-ErrorType"]) == (400, code)
    assert needle in got["message"]


async def test_not_found_codes(emulator: Emulator, aio_client: AioClientFactory) -> None:
    m2, pz = await aio_client("m2"), await aio_client("personalize")
    sdb, om = await aio_client("simpledbv2"), await aio_client("omics")
    with pytest.raises(m2.exceptions.ResourceNotFoundException) as m2_err:
        await m2.get_data_set_export_task(applicationId="app-1", taskId="nope")
    assert m2_err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    task = (await m2.create_data_set_export_task(**m2_request()))["taskId"]
    with pytest.raises(m2.exceptions.ResourceNotFoundException):
        await m2.get_data_set_export_task(applicationId="other-app", taskId=task)
    with pytest.raises(pz.exceptions.ResourceNotFoundException):
        await pz.describe_dataset_export_job(
            datasetExportJobArn="arn:aws:personalize:us-east-1:123456789012:dataset-export-job/none"
        )
    with pytest.raises(sdb.exceptions.NoSuchExportException):
        await sdb.get_export(exportArn="arn:aws:sdb:us-east-1:123456789012:domain/d/export/none")
    with pytest.raises(om.exceptions.ResourceNotFoundException) as om_err:
        await om.get_read_set_export_job(sequenceStoreId=STORE, id="5555555555")
    assert om_err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    dc = await aio_client("discovery")
    assert (await dc.describe_export_tasks(exportIds=["export-unknown"]))["exportsInfo"] == []


async def test_protocol_errors(emulator: Emulator) -> None:
    cases = [
        # (kwargs, expected status, expected code)
        (
            {
                "method": "POST",
                "path": "/",
                "service": "personalize",
                "target": "ListDatasetExportJobs",
                "body": "{not json",
            },
            400,
            "SerializationException",
        ),
        (
            {
                "method": "POST",
                "path": "/",
                "service": "personalize",
                "target": "ListDatasetExportJobs",
                "body": "[1, 2]",
            },
            400,
            "SerializationException",
        ),
        (
            {
                "method": "POST",
                "path": "/",
                "service": "personalize",
                "target": "ListDatasetExportJobs",
                "body": "NaN",
            },
            400,
            "SerializationException",
        ),
        (
            {
                "method": "POST",
                "path": "/",
                "service": "personalize",
                "target": "DeleteEverything",
                "body": "{}",
            },
            400,
            "UnknownOperationException",
        ),
        (
            {
                "method": "POST",
                "path": "/",
                "service": "personalize",
                "target": "ListDatasetExportJobs",
                "body": "{}",
                "auth": False,
            },
            403,
            "MissingAuthenticationTokenException",
        ),
        (
            {
                "method": "POST",
                "path": "/",
                "service": "discovery",
                "target": "StartExportTask",
                "body": "a=b",
                "content_type": "application/x-www-form-urlencoded",
            },
            415,
            "UnsupportedMediaTypeException",
        ),
        (
            {
                "method": "POST",
                "path": "/v2/StartDomainExport",
                "service": "simpledbv2",
                "body": b"\xff\xfe",
                "content_type": "application/json",
            },
            400,
            "SerializationException",
        ),
        (
            {"method": "DELETE", "path": f"/sequencestore/{STORE}/exportjob", "service": "omics"},
            404,
            "UnknownOperationException",
        ),
        ({"method": "GET", "path": "/nowhere", "service": "m2"}, 404, "UnknownOperationException"),
        ({"method": "GET", "path": "/nowhere", "service": "s3"}, 400, "UnknownOperationException"),
        (
            {
                "method": "POST",
                "path": "/v2/GetExport",
                "service": "simpledbv2",
                "body": {"exportArn": "x" * 30, "extra": 1},
            },
            400,
            "InvalidParameterValueException",
        ),
    ]
    for kwargs, status, code in cases:
        got_status, headers, body = await raw(emulator, **kwargs)  # type: ignore[arg-type]
        assert got_status == status, kwargs
        assert code in (body.get("__type"), headers.get("x-amzn-ErrorType")), kwargs
        assert "message" in body
        assert headers["x-amzn-RequestId"]
    assert emulator.requests[("personalize", "?")] == 1
    assert emulator.requests[("?", "?")] == 1


async def test_oversized_body_is_413(emulator: Emulator) -> None:
    big = '{"x": "' + "a" * (1024 * 1024 + 10) + '"}'
    status, _, body = await raw(
        emulator,
        "POST",
        "/v2/ListExports",
        service="simpledbv2",
        body=big,
        content_type="application/json",
    )
    assert status == 413
    assert "exceeds" in body["message"]
    status, _, _ = await raw(emulator, "POST", "/v2/ListExports", service="simpledbv2", body={})
    assert status == 200


async def test_missing_auth_is_rejected_before_anything_happens(emulator: Emulator) -> None:
    status, headers, _body = await raw(
        emulator,
        "POST",
        f"/sequencestore/{STORE}/exportjob",
        service="omics",
        body=omics_request(),
        auth=False,
    )
    assert (status, headers["x-amzn-ErrorType"]) == (403, "MissingAuthenticationTokenException")
    assert emulator.job_ids("omics") == []
    assert emulator.requests[("omics", "StartReadSetExportJob")] == 1


async def test_every_answer_carries_its_own_version_4_request_id(emulator: Emulator) -> None:
    ids: list[str] = []
    for path in (f"/sequencestore/{STORE}/exportjobs", "/nowhere"):
        for _ in range(3):
            _, headers, _ = await raw(emulator, "POST", path, service="omics", body={})
            ids.append(headers["x-amzn-RequestId"])
    assert len(set(ids)) == len(ids)
    for request_id in ids:
        parsed = uuid.UUID(request_id)
        assert (str(parsed), parsed.version, parsed.variant) == (request_id, 4, uuid.RFC_4122)


async def test_a_client_that_expects_100_continue_gets_it_before_sending_its_body(
    emulator: Emulator,
) -> None:
    host, port = emulator.endpoint_url.removeprefix("http://").split(":")
    start = {k: v for k, v in omics_request().items() if k != "sequenceStoreId"}  # in the URI
    body = json.dumps(start).encode()

    def head(expect: str) -> bytes:
        return (
            f"POST /sequencestore/{STORE}/exportjob HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: {auth_header('omics')}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nExpect: {expect}\r\n\r\n"
        ).encode()

    for expect, first, then in (("100-continue", b"100", b"200"), ("something-else", b"417", None)):
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            writer.write(head(expect))
            status = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            assert status.split(b" ")[1] == first, expect
            if then is not None:
                writer.write(body)
                status = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
                assert status.split(b" ")[1] == then
        finally:
            writer.close()
            await writer.wait_closed()
    assert len(emulator.job_ids("omics")) == 1
