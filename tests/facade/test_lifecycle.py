"""Kit lifecycle under asyncio and trio: lazy clients, one per service, clean close."""

from __future__ import annotations

from typing import Any

import anyio
import psutil
import pytest

from export_kit import ExportKit
from export_kit.local import SECRET_KEY, Emulator

from ._support import NO_RETRIES, START_KWARGS, STORE

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _open_connections_to(port: int) -> int:
    return sum(
        1
        for c in psutil.Process().net_connections(kind="tcp")
        if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
    )


async def test_lifecycle(emu: Emulator, anyio_backend: str) -> None:
    kit = ExportKit(**emu.kit_kwargs(), config=NO_RETRIES)  # no 'async with': opens on use
    assert SECRET_KEY not in repr(kit)
    assert "clients=[]" in repr(kit)

    started = await kit.omics.start_read_set_export_job(**START_KWARGS["omics"])
    results: list[str] = []

    async def get() -> None:
        job = await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id=started.id)
        results.append(job.status)

    async def first_m2_call() -> None:
        await kit.client("m2")

    async with anyio.create_task_group() as group:
        for _ in range(50):
            group.start_soon(get)
            group.start_soon(first_m2_call)  # 50 concurrent first uses of one service
    assert results == ["SUBMITTED"] * 50
    assert "clients=['m2', 'omics']" in repr(kit)
    omics_client = await kit.client("omics")
    assert await kit.client("omics") is omics_client
    backend = type(omics_client._endpoint.http_session).__name__
    assert backend == ("HttpxSession" if anyio_backend == "trio" else "AIOHTTPSession")

    with pytest.warns(ResourceWarning, match="never closed"):
        kit.__del__()  # what the garbage collector would say about an open kit
    await kit.aclose()
    await kit.aclose()  # idempotent
    assert kit.closed
    assert _open_connections_to(emu.port) == 0
    with pytest.raises(RuntimeError, match="closed"):
        await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id=started.id)
    kit.__del__()  # closed: silent (filterwarnings=error would fail the test otherwise)


async def test_async_with_closes(emu: Emulator, anyio_backend: str) -> None:
    async with ExportKit(**emu.kit_kwargs()) as kit:
        await kit.discovery.start_export_task()
    assert kit.closed
    assert _open_connections_to(emu.port) == 0


async def test_500_concurrent_calls_share_one_pool(emu: Emulator, anyio_backend: str) -> None:
    async with ExportKit(**emu.kit_kwargs(), config=NO_RETRIES) as kit:
        started = await kit.omics.start_read_set_export_job(**START_KWARGS["omics"])
        ok = 0

        async def get() -> None:
            nonlocal ok
            await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id=started.id)
            ok += 1

        async with anyio.create_task_group() as group:
            for _ in range(500):
                group.start_soon(get)
        assert ok == 500
        # botocore's default pool: at most 10 connections, however many tasks
        assert 0 < _open_connections_to(emu.port) <= 10
    assert emu.requests[("omics", "GetReadSetExportJob")] == 500
    assert _open_connections_to(emu.port) == 0


def test_constructor_rejects_unknown_arguments() -> None:
    with pytest.raises(TypeError, match="aws_secret"):
        ExportKit(aws_secret="x")
    with pytest.raises(TypeError, match="not both"):
        ExportKit(session=Any, profile_name="p")  # type: ignore[arg-type]
    kit = ExportKit(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="s3cr3t-value")
    assert "s3cr3t" not in repr(kit)
    assert "AKIDEXAMPLE" not in repr(kit)


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_trio_without_httpx_is_a_clear_error(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aiobotocore._httpx

    monkeypatch.setattr(aiobotocore._httpx, "httpx", None)
    async with ExportKit(**emu.kit_kwargs()) as kit:
        with pytest.raises(RuntimeError, match=r"export-kit\[trio\]"):
            await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id="1234567890")
