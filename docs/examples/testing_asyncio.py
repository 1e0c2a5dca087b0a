"""With pytest-asyncio (strict mode): build the kit in a fixture of your own."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

import export_kit as ek


@pytest_asyncio.fixture
async def kit(ek_kit_kwargs: dict[str, Any]) -> AsyncIterator[ek.ExportKit]:
    async with ek.ExportKit(**ek_kit_kwargs) as kit:
        yield kit


@pytest.mark.asyncio
async def test_an_export_finishes(kit: ek.ExportKit, ek_poll: ek.PollPolicy | None) -> None:
    job = await kit.simpledbv2.start(domain_name="orders", s3_bucket="bucket")
    done = await job.wait(timeout=3600, poll=ek_poll)
    assert done.status is ek.ExportStatus.SUCCEEDED


if __name__ == "__main__":  # `python testing_asyncio.py` runs `pytest testing_asyncio.py`
    import subprocess
    import sys

    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__]
    raise SystemExit(subprocess.run(command, check=False).returncode)
