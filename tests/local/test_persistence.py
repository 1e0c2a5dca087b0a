"""Persisted state: SQLite under ``data_dir``, one emulator per directory, clean errors for
state that is not ours, nothing lost or left behind when the process is killed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiobotocore.session
import pytest

from export_kit.local import Emulator, main

from ._support import STORE, auth_header, omics_request

DB = ".export-kit-emulator.sqlite3"
LEGACY = ".export-kit-emulator-state.json"


async def _start_omics(emu: Emulator, count: int) -> list[str]:
    session: Any = aiobotocore.session.get_session()
    async with session.create_client("omics", **emu.client_kwargs()) as om:
        return [(await om.start_read_set_export_job(**omics_request()))["id"] for _ in range(count)]


@pytest.mark.asyncio
async def test_a_second_emulator_on_the_same_data_dir_fails_at_once(tmp_path: Path) -> None:
    async with Emulator(clock="manual", data_dir=tmp_path) as first:
        ids = await _start_omics(first, 2)
        second = Emulator(clock="manual", data_dir=tmp_path)
        with pytest.raises(ValueError, match="in use by another emulator"):
            await second.start()
        ids += await _start_omics(first, 2)
    async with Emulator(clock="manual", data_dir=tmp_path) as again:
        assert again.job_ids("omics") == ids  # all four, none lost


@pytest.mark.asyncio
async def test_state_is_an_sqlite_database_written_row_by_row(tmp_path: Path) -> None:
    async with Emulator(clock="manual", data_dir=tmp_path) as emu:
        ids = await _start_omics(emu, 3)
        with sqlite3.connect(tmp_path / DB) as db:
            (mode,) = db.execute("PRAGMA journal_mode").fetchone()
            stored = [row[0] for row in db.execute("SELECT id FROM jobs ORDER BY seq")]
        db.close()
        assert (mode, stored) == ("wal", ids)


def _serve(data_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "export_kit.local._serve",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _endpoint(server: subprocess.Popen[str]) -> str:
    assert server.stdout is not None
    line = server.stdout.readline()
    assert "listening on" in line, line
    return line.rsplit(" ", 1)[-1].strip()


def _start_job(endpoint: str) -> str:
    body = json.dumps({k: v for k, v in omics_request().items() if k != "sequenceStoreId"})
    request = urllib.request.Request(
        f"{endpoint}/sequencestore/{STORE}/exportjob",
        data=body.encode(),
        headers={"Authorization": auth_header("omics"), "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        job_id: str = json.load(answer)["id"]
    return job_id


def test_sigkill_loses_no_job_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    server = _serve(tmp_path)
    try:
        endpoint = _endpoint(server)
        ids = [_start_job(endpoint) for _ in range(5)]
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        server.stdout.close()  # type: ignore[union-attr]
        server.stderr.close()  # type: ignore[union-attr]
    names = {p.name for p in tmp_path.iterdir()}
    # Only the database (with SQLite's own WAL files, which it recovers) and the lock.
    assert names <= {DB, DB + "-wal", DB + "-shm", ".export-kit-emulator.lock"}, names
    server = _serve(tmp_path)
    try:
        _endpoint(server)
        time.sleep(0)  # the state is loaded before the server says it listens
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=10)
    with sqlite3.connect(tmp_path / DB) as db:
        stored = [row[0] for row in db.execute("SELECT id FROM jobs ORDER BY seq")]
    db.close()
    assert stored == ids


def _write_sqlite_of_another_program(path: Path) -> None:
    with sqlite3.connect(path / DB) as db:
        db.execute("CREATE TABLE users (name TEXT)")
    db.close()


UNUSABLE: dict[str, Callable[[Path], object]] = {
    "corrupt JSON": lambda d: (d / LEGACY).write_text("{broken"),
    "JSON of another shape": lambda d: (d / LEGACY).write_text('{"version": 1, "jobs": [1]}'),
    "JSON of another version": lambda d: (d / LEGACY).write_text('{"version": 7}'),
    "corrupt SQLite": lambda d: (d / DB).write_bytes(b"this is not a database" * 100),
    "foreign SQLite": _write_sqlite_of_another_program,
}


@pytest.mark.parametrize("make", list(UNUSABLE.values()), ids=list(UNUSABLE))
def test_serve_reports_unusable_state_as_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Callable[[Path], object]
) -> None:
    make(tmp_path)
    assert main(["--port", "0", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: "), err
    assert "Traceback" not in err
    assert str(tmp_path) in err


@pytest.mark.asyncio
async def test_state_of_the_previous_json_format_is_imported(tmp_path: Path) -> None:
    job = {
        "service": "omics",
        "kind": "export",
        "id": "1234512345",
        "seq": 1,
        "created": 1.0,
        "duration": 8.0,
        "scope": STORE,
        "params": omics_request(),
    }
    saved = {"version": 1, "jobs": [job], "tokens": {}, "names": {}, "seq": 1, "rng": None}
    (tmp_path / LEGACY).write_text(json.dumps(saved))
    async with Emulator(clock="manual", data_dir=tmp_path) as emu:
        assert emu.job_ids("omics") == ["1234512345"]
        assert emu.status("omics", "1234512345") == "COMPLETED"
    assert not (tmp_path / LEGACY).exists()


@pytest.mark.asyncio
async def test_one_emulator_stopped_and_started_again_keeps_its_jobs_once(tmp_path: Path) -> None:
    emu = Emulator(clock="manual", data_dir=tmp_path)
    await emu.start()
    ids = await _start_omics(emu, 2)
    await emu.stop()
    await emu.start()
    try:
        ids += await _start_omics(emu, 1)
        assert emu.job_ids("omics") == ids
    finally:
        await emu.stop()
