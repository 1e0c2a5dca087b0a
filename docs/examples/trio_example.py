"""ExportKit under trio (aiobotocore's httpx backend; pip install 'export-kit[trio]')."""

from typing import Any

import trio

import export_kit as ek
from export_kit.local import Emulator


async def main(kit_kwargs: dict[str, Any]) -> None:
    async with ek.ExportKit(**kit_kwargs) as kit:
        job = await kit.simpledbv2.start(domain_name="orders", s3_bucket="bucket")
        done = await job.wait(timeout=60)
        print(bool(trio.lowlevel.current_trio_token()), done.status)


# The emulator is an aiohttp (asyncio) server: run it in its own thread.
with Emulator(job_duration=1) as emu:
    trio.run(main, emu.kit_kwargs())
