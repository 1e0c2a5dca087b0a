"""Test your own export code against the emulator with export_kit's pytest fixtures."""

import json

import pytest

import export_kit as ek
from export_kit.models import omics

STORE = "1234567890"
ROLE = "arn:aws:iam::123456789012:role/Export"


# -- the code under test: a small function of your application --------------------------------


async def export_read_sets(
    kit: ek.ExportKit,
    read_sets: list[str],
    destination: str,
    *,
    poll: ek.PollPolicy | None = None,
) -> ek.ExportJob:
    """Export read sets to S3 and wait until the export has finished."""
    job = await kit.omics.start(
        sequence_store_id=STORE,
        destination=destination,
        role_arn=ROLE,
        sources=[omics.ExportReadSet(read_set_id=read_set) for read_set in read_sets],
    )
    return await job.wait(timeout=3600, poll=poll)


# -- its tests ------------------------------------------------------------------------------------

pytestmark = pytest.mark.anyio  # async tests and ek_kit run under anyio's plugin


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_export_writes_its_files(
    ek_kit: ek.ExportKit, ek_emulator: ek.local.Emulator, ek_poll: ek.PollPolicy | None
) -> None:
    job = await export_read_sets(ek_kit, ["1111111111"], "s3://bucket/reads/", poll=ek_poll)

    assert job.status is ek.ExportStatus.SUCCEEDED
    assert ek_emulator.data_dir is not None
    manifest = ek_emulator.data_dir / "bucket" / "reads" / "manifest.json"
    assert json.loads(manifest.read_text())["jobId"] == job.id
    assert ek_emulator.requests[("omics", "StartReadSetExportJob")] == 1


async def test_a_failed_export_raises_with_the_services_reason(
    ek_kit: ek.ExportKit, ek_emulator: ek.local.Emulator, ek_poll: ek.PollPolicy | None
) -> None:
    ek_emulator.fail_next("omics", "read set is archived")

    with pytest.raises(ek.ExportFailed, match="read set is archived"):
        await export_read_sets(ek_kit, ["1111111111"], "s3://bucket/failed/", poll=ek_poll)


async def test_bad_input_never_reaches_the_service(
    ek_kit: ek.ExportKit, ek_emulator: ek.local.Emulator
) -> None:
    with pytest.raises(ek.RequestValidationError, match="destination"):
        await export_read_sets(ek_kit, ["1111111111"], "not-an-s3-url")

    assert ek_emulator.total_requests == 0


if __name__ == "__main__":  # `python testing.py` runs `pytest testing.py`
    import subprocess
    import sys

    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__]
    raise SystemExit(subprocess.run(command, check=False).returncode)
