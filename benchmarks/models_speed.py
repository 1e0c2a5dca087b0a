"""Benchmark 2: request validation + ``to_api()`` and response parsing, µs per call.

Baselines in the same run are the work aiobotocore already does per call:
botocore's ParamValidator on the same request dict, and botocore's rest-json
parser on the same response body.  Goal: <= 25 µs each for the small request.

    python -m benchmarks.models_speed [--quick]
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from functools import partial
from typing import Any

import botocore.session
from botocore.parsers import create_parser
from botocore.validate import ParamValidator

from benchmarks._stats import Sample, machine, per_call_us
from export_kit.models import omics


def request_kwargs(sources: int) -> dict[str, Any]:
    return {
        "sequenceStoreId": "1234567890",
        "destination": "s3://bucket/out/",
        "roleArn": "arn:aws:iam::123456789012:role/Export",
        "clientToken": "token-1",
        "sources": [{"readSetId": f"{1000000000 + i}"} for i in range(sources)],
    }


def response_dict(read_sets: int) -> dict[str, Any]:
    now = datetime(2026, 11, 25, tzinfo=UTC)
    return {
        "id": "1234567890",
        "sequenceStoreId": "1234567890",
        "destination": "s3://bucket/out/",
        "status": "COMPLETED",
        "creationTime": now,
        "completionTime": now,
        "readSets": [{"id": f"{1000000000 + i}", "status": "FINISHED"} for i in range(read_sets)],
        "ResponseMetadata": {"RequestId": "r", "HTTPStatusCode": 200},
    }


def _request(kwargs: dict[str, Any]) -> dict[str, Any]:
    return omics.StartReadSetExportJobRequest.model_validate(kwargs).to_api()


def _response(data: dict[str, Any]) -> object:
    return omics.GetReadSetExportJobResponse.from_api(data)


def measure(quick: bool) -> list[tuple[str, Sample, Sample]]:
    calls, repeats = (200, 3) if quick else (5000, 7)
    model = botocore.session.get_session().get_service_model("omics")
    shape = model.operation_model("StartReadSetExportJob").input_shape
    output = model.operation_model("GetReadSetExportJob").output_shape
    assert shape is not None
    assert output is not None
    validator = ParamValidator()
    parser = create_parser("rest-json")
    rows: list[tuple[str, Sample, Sample]] = []
    for label, size in (("small (1 source)", 1), ("large (100 sources)", 100)):
        kwargs = request_kwargs(size)
        n = calls // (10 if size > 1 else 1)
        ours = per_call_us(partial(_request, kwargs), n, repeats)
        base = per_call_us(partial(validator.validate, kwargs, shape), n, repeats)
        rows.append((f"request validate+to_api, {label}", ours, base))
    for label, size in (("small", 0), ("large (100 read sets)", 100)):
        data = response_dict(size)
        wire = {k: v for k, v in data.items() if k != "ResponseMetadata"}
        body = json.dumps(wire, default=lambda d: d.isoformat()).encode()
        http = {"status_code": 200, "headers": {}, "body": body}
        n = calls // (10 if size > 1 else 1)
        ours = per_call_us(partial(_response, data), n, repeats)
        base = per_call_us(partial(parser.parse, http, output), n, repeats)
        rows.append((f"response parse, {label}", ours, base))
    return rows


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny run for smoke tests")
    args = parser.parse_args(argv)
    rows = measure(args.quick)
    lines = [
        "| operation | export_kit µs/call | baseline µs/call | ratio |",
        "|---|---|---|---|",
    ]
    for label, ours, base in rows:
        baseline = "botocore ParamValidator" if label.startswith("request") else "botocore parser"
        lines.append(
            f"| {label} | {ours} | {base} ({baseline}) | {ours.median / base.median:.2f}x |"
        )
    report = "\n".join([f"Machine: {machine()}", "", *lines])
    print(report)
    return report


if __name__ == "__main__":
    main()
