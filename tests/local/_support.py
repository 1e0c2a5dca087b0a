"""Helpers for the emulator tests: raw HTTP calls and valid sample requests."""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from export_kit.local import Emulator

SIGNING = {
    "m2": "m2",
    "personalize": "personalize",
    "discovery": "discovery",
    "simpledbv2": "sdb",
    "omics": "omics",
}
TARGETS = {"personalize": "AmazonPersonalize", "discovery": "AWSPoseidonService_V2015_11_01"}
ROLE = "arn:aws:iam::123456789012:role/Export"
DATASET = "arn:aws:personalize:us-east-1:123456789012:dataset/demo/INTERACTIONS"
STORE = "1234567890"

#: ``await aio_client("omics")``: the type of the ``aio_client`` fixture (tests/conftest.py).
AioClientFactory = Callable[..., Awaitable[Any]]


def auth_header(service: str) -> str:
    """A SigV4-shaped Authorization header (not a valid signature) for ``service``."""
    scope = SIGNING.get(service, service)
    return (
        f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/{scope}/aws4_request, "
        f"SignedHeaders=host;x-amz-date, Signature={'0' * 64}"
    )


async def raw(
    emu: Emulator,
    method: str,
    path: str,
    *,
    service: str | None = None,
    target: str | None = None,
    body: bytes | str | dict[str, Any] | None = None,
    content_type: str | None = None,
    auth: bool = True,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """Send one raw request; returns status, headers and the JSON body (or ``{}``)."""
    all_headers: dict[str, str] = dict(headers or {})
    if service is not None and auth:
        all_headers["Authorization"] = auth_header(service)
    if service in TARGETS and target is not None:
        all_headers["X-Amz-Target"] = f"{TARGETS[service]}.{target}"
        all_headers.setdefault("Content-Type", "application/x-amz-json-1.1")
    if isinstance(body, dict):
        data: bytes | None = json.dumps(body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = body
    if content_type is not None:
        all_headers["Content-Type"] = content_type
    payload: bytes | io.BytesIO | None = (
        io.BytesIO(data) if data is not None and len(data) > 65536 else data
    )
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, emu.endpoint_url + path, data=payload, headers=all_headers) as resp,
    ):
        text = await resp.text()
        try:
            parsed = json.loads(text) if text else {}
        except ValueError:
            parsed = {"_text": text}
        return (
            resp.status,
            dict(resp.headers),
            parsed if isinstance(parsed, dict) else {"_value": parsed},
        )


def m2_request(app: str = "app-1", **extra: Any) -> dict[str, Any]:
    return {
        "applicationId": app,
        "exportConfig": {
            "dataSets": [
                {"datasetName": "DS.ONE", "externalLocation": {"s3Location": "s3://bucket/m2/ds1"}}
            ]
        },
        **extra,
    }


def personalize_request(name: str = "job-1", **extra: Any) -> dict[str, Any]:
    return {
        "jobName": name,
        "datasetArn": DATASET,
        "roleArn": ROLE,
        "jobOutput": {"s3DataDestination": {"path": "s3://bucket/personalize/"}},
        **extra,
    }


def simpledb_request(domain: str = "orders", **extra: Any) -> dict[str, Any]:
    return {"domainName": domain, "s3Bucket": "bucket", "s3KeyPrefix": "sdb", **extra}


def omics_request(store: str = STORE, **extra: Any) -> dict[str, Any]:
    return {
        "sequenceStoreId": store,
        "destination": "s3://bucket/omics/",
        "roleArn": ROLE,
        "sources": [{"readSetId": "1111111111"}, {"readSetId": "2222222222"}],
        **extra,
    }
