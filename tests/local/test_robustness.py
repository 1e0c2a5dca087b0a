"""Fuzzing, persistence across restarts, loopback-only binding and ``export-kit serve``."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import aiobotocore.session
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from export_kit.local import Emulator, main, serve

from ._support import STORE, omics_request, raw

ROUTES = [
    ("POST", "/", "personalize", "CreateDatasetExportJob"),
    ("POST", "/", "discovery", "StartExportTask"),
    ("POST", "/", "discovery", "DescribeExportTasks"),
    ("POST", "/applications/app-1/dataset-export-task", "m2", None),
    ("POST", "/v2/StartDomainExport", "simpledbv2", None),
    ("POST", "/v2/ListExports", "simpledbv2", None),
    ("POST", f"/sequencestore/{STORE}/exportjob", "omics", None),
    ("POST", f"/sequencestore/{STORE}/exportjobs", "omics", None),
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    [
        "jobName",
        "datasetArn",
        "roleArn",
        "jobOutput",
        "exportConfig",
        "filters",
        "startTime",
        "domainName",
        "s3Bucket",
        "clientToken",
        "sources",
        "destination",
        "filter",
        "maxResults",
        "nextToken",
        "exportIds",
    ]
)
bodies = st.one_of(
    st.binary(max_size=200),
    st.dictionaries(field_names, json_values, max_size=6).map(lambda d: json.dumps(d).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
)


@pytest.mark.asyncio
async def test_fuzzed_bodies_get_4xx_and_the_server_survives() -> None:
    async with Emulator(clock="manual") as emu:

        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
        @given(route=st.sampled_from(ROUTES), body=bodies)
        def check(route: tuple[str, str, str, str | None], body: bytes) -> None:
            method, path, service, target = route

            async def go() -> int:
                status, _, _ = await raw(
                    emu,
                    method,
                    path,
                    service=service,
                    target=target,
                    body=body,
                    content_type="application/json",
                )
                return status

            status = asyncio.run_coroutine_threadsafe(go(), loop).result(timeout=10)
            assert status == 200 or 400 <= status < 500, (route, body)

        loop = asyncio.get_running_loop()
        await asyncio.to_thread(check)
        status, _, _ = await raw(emu, "POST", "/v2/ListExports", service="simpledbv2", body={})
        assert status == 200


@pytest.mark.asyncio
async def test_state_survives_a_restart(tmp_path: Path) -> None:
    session: Any = aiobotocore.session.get_session()
    async with (
        Emulator(data_dir=tmp_path, clock="manual") as emu,
        session.create_client("omics", **emu.client_kwargs()) as om,
    ):
        job_id = (await om.start_read_set_export_job(**omics_request(clientToken="t")))["id"]
    async with (
        Emulator(data_dir=tmp_path, clock="manual") as emu,
        session.create_client("omics", **emu.client_kwargs()) as om,
    ):
        got = await om.get_read_set_export_job(sequenceStoreId=STORE, id=job_id)
        assert got["status"] == "SUBMITTED"
        again = await om.start_read_set_export_job(**omics_request(clientToken="t"))
        assert again["id"] == job_id
        other = (await om.start_read_set_export_job(**omics_request()))["id"]
        assert other != job_id


def test_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        Emulator(host="0.0.0.0")
    with pytest.raises(ValueError, match="loopback"):
        Emulator(host="example.com")
    with pytest.raises(ValueError, match="unknown services"):
        Emulator(job_duration={"s3": 1.0})
    with pytest.raises(RuntimeError, match="not running"):
        _ = Emulator().endpoint_url
    with pytest.raises(RuntimeError, match="manual"):
        Emulator().advance(1)


@pytest.mark.asyncio
async def test_real_clock_durations() -> None:
    session: Any = aiobotocore.session.get_session()
    async with (
        Emulator(job_duration={"omics": 0.2}) as emu,
        session.create_client("omics", **emu.client_kwargs()) as om,
    ):
        job_id = (await om.start_read_set_export_job(**omics_request()))["id"]
        await asyncio.sleep(0.3)
        assert (await om.get_read_set_export_job(sequenceStoreId=STORE, id=job_id))[
            "status"
        ] == "COMPLETED"


@pytest.mark.asyncio
async def test_serve_prints_endpoint_and_env() -> None:
    out = io.StringIO()
    stop = asyncio.Event()
    task = asyncio.create_task(serve(port=0, job_duration=1.0, out=out, stop=stop))
    for _ in range(100):
        if "Ctrl+C" in out.getvalue():
            break
        await asyncio.sleep(0.02)
    stop.set()
    await task
    text = out.getvalue()
    assert "listening on http://127.0.0.1:" in text
    for var in (
        "AWS_ENDPOINT_URL",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_DISABLE_HOST_PREFIX_INJECTION",
    ):
        assert f"export {var}=" in text
    assert "StartReadSetExportJob" in text


def test_main_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--job-duration", "-1"]) == 2
    assert "--job-duration" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--port", "not-a-number"])
