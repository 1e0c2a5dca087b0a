"""An ``export-kit`` command loads what it uses: ``status`` neither rich nor the emulator,
nor anyio's asyncio backend, nor the models of other services (benchmarks/RESULTS.md,
section 6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from export_kit import ExportKit
from export_kit.local import Emulator
from export_kit.models import omics

pytestmark = pytest.mark.anyio

# Runs ``export-kit`` (cli.main) with argv[1:], then prints what it loaded on stderr.
_RUN = """
import sys
from export_kit.cli import main
status = main(sys.argv[1:])
watched = ("export_kit.local", "export_kit.models.", "export_kit.services.", "anyio._backends")
loaded = [m for m in sys.modules if m == "rich" or m.startswith(watched)]
print(sorted(m for m in loaded if not m.endswith("._base") and m != "anyio._backends"),
      file=sys.stderr)
sys.exit(status)
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[Emulator]:
    with Emulator(job_duration=60, data_dir=tmp_path / "data") as emulator:
        yield emulator


def _run(emu: Emulator, *args: str) -> tuple[str, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(emu.env())
    done = subprocess.run(
        [sys.executable, "-c", _RUN, "--endpoint-url", emu.endpoint_url, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stderr.strip().splitlines()[-1].replace("'", '"'))
    return done.stdout, loaded


async def _token(emu: Emulator) -> str:
    async with ExportKit(**emu.kit_kwargs()) as kit:
        job = await kit.omics.start(
            sequence_store_id="1234567890",
            destination="s3://bucket/out/",
            role_arn="arn:aws:iam::123456789012:role/Export",
            sources=[omics.ExportReadSet(read_set_id="1111111111")],
        )
    return job.token()


async def test_status_json_loads_no_rich_no_emulator_no_anyio_backend_one_services_models(
    emu: Emulator,
) -> None:
    token = await _token(emu)
    out, loaded = await _in_thread(emu, "--json", "status", token)
    assert loaded == ["export_kit.models.omics", "export_kit.services.omics"]
    (row,) = json.loads(out)
    assert (row["service"], row["status"]) == ("omics", "PENDING")
    assert out.startswith('[\n  {\n    "service": "omics",')  # rich's print_json layout


async def test_status_as_a_table_loads_rich_but_not_the_emulator(emu: Emulator) -> None:
    token = await _token(emu)
    out, loaded = await _in_thread(emu, "status", token)
    assert loaded == ["export_kit.models.omics", "export_kit.services.omics", "rich"]
    assert "PENDING" in out


async def _in_thread(emu: Emulator, *args: str) -> tuple[str, list[str]]:
    import anyio.to_thread

    return await anyio.to_thread.run_sync(lambda: _run(emu, *args))
