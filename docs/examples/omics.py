"""HealthOmics: export read sets; one ends COMPLETED_WITH_FAILURES (PARTIAL)."""

import anyio

import export_kit as ek
from export_kit.local import Emulator
from export_kit.models import omics

STORE = "1234567890"


async def main() -> None:
    async with Emulator(job_duration=1) as emu, ek.ExportKit(**emu.kit_kwargs()) as kit:
        emu.partial_next()  # the emulator's next omics job ends COMPLETED_WITH_FAILURES
        job = await kit.omics.start(
            sequence_store_id=STORE,
            destination="s3://bucket/omics/",
            role_arn="arn:aws:iam::123456789012:role/OmicsExport",
            sources=[
                omics.ExportReadSet(read_set_id="1111111111"),
                omics.ExportReadSet(read_set_id="2222222222"),
            ],
        )
        print(job.status, job.native_status)  # omics reports a status at once
        done = await job.wait(timeout=60)  # PARTIAL returns, it does not raise
        print(done.status, done.native_status, done.failure_reason is not None)

        async for detail in kit.omics.list_read_set_export_jobs(sequence_store_id=STORE):
            print(detail.id == job.id, detail.status)


anyio.run(main)
