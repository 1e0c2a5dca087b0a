"""Application Discovery: start an export task, wait, read its download URL."""

import anyio

import export_kit as ek
from export_kit.local import Emulator


async def main() -> None:
    async with Emulator(job_duration=1) as emu, ek.ExportKit(**emu.kit_kwargs()) as kit:
        job = await kit.discovery.start(export_data_format=["CSV"])
        done = await job.wait(timeout=60)
        info = done.description  # Discovery's description is the job's ExportInfo
        assert info is not None
        print(done.status, type(info).__name__)
        print((info.configurations_download_url or "").startswith(emu.endpoint_url))

        pager = kit.discovery.describe_export_tasks(export_ids=[job.id])
        print([task.export_status async for task in pager])


anyio.run(main)
