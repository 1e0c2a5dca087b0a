"""Mainframe Modernization: export two data sets, wait, then read the export history."""

import anyio

import export_kit as ek
from export_kit.local import Emulator


async def main() -> None:
    async with Emulator(job_duration=1) as emu, ek.ExportKit(**emu.kit_kwargs()) as kit:
        job = await kit.m2.start(
            application_id="app-1",
            export_config={
                "dataSets": [
                    {
                        "datasetName": "PAYROLL.MASTER",
                        "externalLocation": {"s3Location": "s3://bucket/m2/payroll/"},
                    }
                ]
            },
        )
        print(job.scope)  # m2 needs the application id to poll
        done = await job.wait(timeout=60)
        print(done.status, done.native_status, done.description.summary)

        history = kit.m2.list_data_set_export_history(application_id="app-1")
        async for task in history:
            print(task.task_id == job.id, task.status)


anyio.run(main)
