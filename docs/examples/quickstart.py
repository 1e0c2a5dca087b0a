import anyio

import export_kit as ek
from export_kit.local import Emulator
from export_kit.models import omics


async def main() -> None:
    async with Emulator(job_duration=1) as emu, ek.ExportKit(**emu.kit_kwargs()) as kit:
        job = await kit.start(
            omics.StartReadSetExportJobRequest(
                sequence_store_id="1234567890",
                destination="s3://bucket/out/",
                role_arn="arn:aws:iam::123456789012:role/Export",
                sources=[omics.ExportReadSet(read_set_id="1234567890")],
            )
        )
        done = await job.wait(timeout=60)
        print(done.status, type(done.description).__name__)  # SUCCEEDED GetReadSetExportJobResponse


anyio.run(main)
