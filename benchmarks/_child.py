"""The emulator in a child process (its CPU and memory stay out of the measurement), and
client pairs configured alike for both sides of a comparison."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import aiobotocore.session
from aiobotocore.config import AioConfig

from export_kit import ExportKit
from export_kit.local import ACCESS_KEY, DEFAULT_REGION, SECRET_KEY

_SERVER = """
import asyncio, sys, warnings
warnings.simplefilter("ignore")
from export_kit.local import Emulator

async def main():
    async with Emulator(clock=sys.argv[1], job_duration=float(sys.argv[2])) as emu:
        print(emu.endpoint_url, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"""


@contextmanager
def child_emulator(*, clock: str = "manual", job_duration: float = 5.0) -> Iterator[str]:
    """Yield the endpoint URL of an emulator served by a child process until the block ends."""
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVER, clock, str(job_duration)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip()
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=30)


@asynccontextmanager
async def omics_clients(endpoint: str) -> AsyncIterator[tuple[Any, ExportKit]]:
    """A raw aiobotocore omics client and an ExportKit, configured alike, for one endpoint.

    Both use standard retries, host-prefix injection off and botocore's pool of 10.
    """
    session: Any = aiobotocore.session.get_session()
    credentials = {"aws_access_key_id": ACCESS_KEY, "aws_secret_access_key": SECRET_KEY}
    config = AioConfig(inject_host_prefix=False, retries={"mode": "standard"})
    async with (
        session.create_client(
            "omics", region_name=DEFAULT_REGION, endpoint_url=endpoint, config=config, **credentials
        ) as raw,
        ExportKit(
            region_name=DEFAULT_REGION,
            endpoint_url=endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        ) as kit,
    ):
        yield raw, kit
