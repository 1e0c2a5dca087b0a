"""Personalize: export a dataset, wait, then list the dataset's export jobs."""

import anyio

import export_kit as ek
from export_kit.local import Emulator
from export_kit.models import personalize

DATASET = "arn:aws:personalize:us-east-1:123456789012:dataset/shop/INTERACTIONS"


async def main() -> None:
    async with Emulator(job_duration=1) as emu, ek.ExportKit(**emu.kit_kwargs()) as kit:
        request = personalize.CreateDatasetExportJobRequest(
            job_name="interactions-2025-01",
            dataset_arn=DATASET,
            role_arn="arn:aws:iam::123456789012:role/PersonalizeExport",
            job_output=personalize.DatasetExportJobOutput(
                s3_data_destination=personalize.S3DataConfig(path="s3://bucket/personalize/")
            ),
        )
        job = await kit.start(request)
        # Sending the same create again (a retry whose answer was lost) adopts the job.
        again = await kit.start(request)
        print(again.id == job.id)
        done = await job.wait(timeout=60)
        print(done.status, done.native_status)

        async for summary in kit.personalize.list_dataset_export_jobs(dataset_arn=DATASET):
            print(summary.job_name, summary.status)


anyio.run(main)
