"""What a hostile user can send: destinations that are no file names, malformed page
tokens, wrong HTTP methods, idle and half-open connections.  The emulator answers each
the way the service would, keeps serving, and shuts down cleanly."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import resource
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import aiobotocore.session
import pytest

from export_kit.local import Emulator

from ._support import STORE, auth_header, raw

LONG = "a" * 300  # one key part over the 255-byte file-name limit


def _mapped(part: str) -> str:
    """The file name docs/concepts/emulator.md documents for a key part that is not one."""
    return "~" + hashlib.sha256(part.encode()).hexdigest()[:40]


async def _port_is_closed(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


@pytest.mark.asyncio
@pytest.mark.parametrize("bad_part", [LONG, "nul\x00byte"], ids=["over-255-bytes", "nul-byte"])
async def test_m2_destinations_that_are_no_file_names_still_get_their_files(
    tmp_path: Path, bad_part: str
) -> None:
    session: Any = aiobotocore.session.get_session()

    def config(location: str) -> dict[str, Any]:
        item = {"datasetName": "DS.ONE", "externalLocation": {"s3Location": location}}
        return {"dataSets": [item]}

    async with Emulator(clock="manual", job_duration=4, data_dir=tmp_path) as emu:
        port = emu.port
        async with session.create_client("m2", **emu.client_kwargs()) as m2:
            bad = await m2.create_data_set_export_task(
                applicationId="app", exportConfig=config(f"s3://bucket/{bad_part}/ds")
            )
            emu.advance(4)
            good = await m2.create_data_set_export_task(
                applicationId="app", exportConfig=config("s3://bucket/after")
            )
            emu.advance(4)
            for task in (bad, good):
                got = await m2.get_data_set_export_task(applicationId="app", taskId=task["taskId"])
                assert got["status"] == "Completed"
    assert await _port_is_closed(port)
    manifest = json.loads(
        (tmp_path / "bucket" / _mapped(bad_part) / "ds" / "manifest.json").read_text()
    )
    assert manifest["destination"] == f"s3://bucket/{bad_part}/ds"
    assert (tmp_path / "bucket" / "after" / "manifest.json").exists()


@pytest.mark.asyncio
@pytest.mark.parametrize("prefix", [LONG, "nul\x00byte"], ids=["over-255-bytes", "nul-byte"])
async def test_simpledb_key_prefixes_that_are_no_file_names_keep_the_server_serving(
    tmp_path: Path, prefix: str
) -> None:
    async with Emulator(clock="manual", job_duration=4, data_dir=tmp_path) as emu:
        port = emu.port
        body = {"domainName": "orders", "s3Bucket": "bucket", "s3KeyPrefix": prefix}
        status, _, started = await raw(
            emu, "POST", "/v2/StartDomainExport", service="simpledbv2", body=body
        )
        assert status == 200
        emu.advance(4)
        status, _, later = await raw(
            emu,
            "POST",
            "/v2/StartDomainExport",
            service="simpledbv2",
            body={"domainName": "orders", "s3Bucket": "bucket", "s3KeyPrefix": "fine"},
        )
        assert status == 200
        emu.advance(4)
        for arn in (started["exportArn"], later["exportArn"]):
            status, _, got = await raw(
                emu, "POST", "/v2/GetExport", service="simpledbv2", body={"exportArn": arn}
            )
            assert (status, got["exportStatus"]) == (200, "SUCCEEDED")
    assert await _port_is_closed(port)
    bad_id = started["exportArn"].rsplit("/", 1)[-1]
    assert (
        tmp_path / "bucket" / _mapped(prefix) / "AWSSimpleDB" / bad_id / "manifest.json"
    ).exists()
    good_id = later["exportArn"].rsplit("/", 1)[-1]
    assert (tmp_path / "bucket" / "fine" / "AWSSimpleDB" / good_id / "manifest.json").exists()


@pytest.mark.asyncio
async def test_a_write_that_fails_costs_only_that_jobs_files(tmp_path: Path) -> None:
    (tmp_path / "bucket").write_text("a file where a directory should be")
    async with Emulator(clock="manual", job_duration=4, data_dir=tmp_path) as emu:
        port = emu.port
        for bucket in ("bucket", "other"):
            status, _, _ = await raw(
                emu,
                "POST",
                "/v2/StartDomainExport",
                service="simpledbv2",
                body={"domainName": "orders", "s3Bucket": bucket},
            )
            assert status == 200
        emu.advance(4)
        status, _, listed = await raw(emu, "POST", "/v2/ListExports", service="simpledbv2", body={})
        assert status == 200
        assert {s["exportStatus"] for s in listed["exportSummaries"]} == {"SUCCEEDED"}
    assert await _port_is_closed(port)
    assert list((tmp_path / "other").rglob("manifest.json"))


def _nested_token() -> str:
    return base64.urlsafe_b64encode(b"[" * 1100).decode().rstrip("=")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "token", [_nested_token(), "%%%not-base64%%%", "////"], ids=["nested", "garbage", "slashes"]
)
async def test_malformed_next_tokens_are_each_services_400(token: str) -> None:
    async with Emulator(clock="manual") as emu:
        calls: list[tuple[str, str, str, str | None, dict[str, Any], str]] = [
            (
                "GET",
                f"/applications/app/dataset-export-tasks?nextToken={token}",
                "m2",
                None,
                {},
                "ValidationException",
            ),
            (
                "POST",
                "/",
                "personalize",
                "ListDatasetExportJobs",
                {"nextToken": token},
                "InvalidNextTokenException",
            ),
            (
                "POST",
                "/",
                "discovery",
                "DescribeExportTasks",
                {"nextToken": token},
                "InvalidParameterValueException",
            ),
            (
                "POST",
                "/",
                "discovery",
                "DescribeContinuousExports",
                {"nextToken": token},
                "InvalidParameterValueException",
            ),
            (
                "POST",
                "/v2/ListExports",
                "simpledbv2",
                None,
                {"nextToken": token},
                "InvalidNextTokenException",
            ),
            (
                "POST",
                f"/sequencestore/{STORE}/exportjobs",
                "omics",
                None,
                {"nextToken": token},
                "ValidationException",
            ),
        ]
        for method, path, service, target, body, code in calls:
            status, headers, answer = await raw(
                emu, method, path, service=service, target=target, body=body or None
            )
            assert status == 400, (service, status, answer)
            assert answer.get("__type", headers.get("x-amzn-ErrorType")) == code, (service, answer)


@pytest.mark.asyncio
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_json_protocol_operations_answer_only_post(method: str) -> None:
    async with Emulator(clock="manual") as emu:
        for service, target in (
            ("personalize", "ListDatasetExportJobs"),
            ("discovery", "StartExportTask"),
        ):
            status, headers, body = await raw(
                emu, method, "/", service=service, target=target, body={}
            )
            assert status == 405, (service, status, body)
            assert headers["Allow"] == "POST"
            assert body["__type"] == "UnknownOperationException"
        assert emu.job_ids("discovery") == []


async def _closed_by_server(reader: asyncio.StreamReader, within: float) -> bool:
    try:
        return await asyncio.wait_for(reader.read(), within) == b""
    except (TimeoutError, ConnectionError):
        return False


@pytest.mark.asyncio
async def test_idle_and_half_open_connections_are_closed_after_the_timeout() -> None:
    async with Emulator(clock="manual", connection_timeout=0.5, max_connections=50) as emu:
        conns = [await asyncio.open_connection("127.0.0.1", emu.port) for _ in range(10)]
        try:
            for _, writer in conns[:5]:  # slow: headers that never end
                writer.write(b"GET /v2/ListExports HTTP/1.1\r\nHost: x\r\n")
            status, _, _ = await raw(emu, "POST", "/v2/ListExports", service="simpledbv2", body={})
            assert status == 200  # served while the ten wait
            closed = await asyncio.gather(*(_closed_by_server(r, 3.0) for r, _ in conns))
            assert all(closed)
        finally:
            for _, writer in conns:
                writer.close()


@pytest.mark.asyncio
async def test_a_flood_of_connections_is_bounded_and_a_real_client_still_gets_through() -> None:
    async with Emulator(clock="manual", connection_timeout=30, max_connections=8) as emu:
        flood = [await asyncio.open_connection("127.0.0.1", emu.port) for _ in range(40)]
        try:
            status, _, _ = await raw(emu, "POST", "/v2/ListExports", service="simpledbv2", body={})
            assert status == 200
            closed = await asyncio.gather(*(_closed_by_server(r, 0.5) for r, _ in flood))
            assert sum(closed) >= 40 - 8  # all but the newest few were closed at once
        finally:
            for _, writer in flood:
                writer.close()


def test_under_a_low_file_limit_a_flood_never_exhausts_descriptors() -> None:
    """``export-kit serve`` with 64 descriptors: 200 idle connections do not lock out a real
    request, and "Too many open files" never reaches the log."""

    def low_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    server = subprocess.Popen(
        [sys.executable, "-c", "from export_kit.local import main; main(['--port', '0'])"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=low_limit,
    )
    flood: list[socket.socket] = []
    try:
        assert server.stdout is not None
        endpoint = server.stdout.readline().rsplit(" ", 1)[-1].strip()
        port = int(endpoint.rsplit(":", 1)[-1])
        for _ in range(200):
            flood.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        request = urllib.request.Request(
            f"{endpoint}/v2/ListExports",
            data=b"{}",
            headers={
                "Authorization": auth_header("simpledbv2"),
                "Content-Type": "application/json",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
    finally:
        for sock in flood:
            sock.close()
        server.terminate()
        _, err = server.communicate(timeout=10)
    assert "Too many open files" not in err
    assert "Traceback" not in err
