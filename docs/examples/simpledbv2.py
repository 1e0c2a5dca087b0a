"""SimpleDB v2: export a domain, wait, then list the domain's exports."""

import anyio

import export_kit as ek
from export_kit.local import Emulator


async def main() -> None:
    async with Emulator(job_duration=1) as emu, ek.ExportKit(**emu.kit_kwargs()) as kit:
        job = await kit.simpledbv2.start(
            domain_name="orders", s3_bucket="bucket", s3_key_prefix="sdb/"
        )
        done = await job.wait(timeout=60)
        export = done.description  # typed: simpledbv2.GetExportResponse | None
        assert export is not None
        print(done.status, export.domain_name)

        async for summary in kit.simpledbv2.list_exports(domain_name="orders"):
            print(summary.export_arn == job.id, summary.export_status)


anyio.run(main)
