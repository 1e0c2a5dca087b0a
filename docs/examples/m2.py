"""Mainframe Modernization: export two data sets, wait, then read the export history."""

import anyio

import export_kit as ek
from export_kit.local import Emulator
from export_kit.models import m2


async def main() -> None:
    async with Emulator(job_duration=1) as emu, ek.ExportKit(**emu.kit_kwargs()) as kit:
        job = await kit.m2.start(
            application_id="app-1",
            export_config=m2.DataSetExportConfigDataSets(
                data_sets=[
                    m2.DataSetExportItem(
                        dataset_name="PAYROLL.MASTER",
                        external_location=m2.ExternalLocationS3Location(
                            s3_location="s3://bucket/m2/payroll/"
                        ),
                    )
                ]
            ),
        )
        print(job.scope)  # m2 needs the application id to poll
        done = await job.wait(timeout=60)
        described = done.description  # typed: m2.GetDataSetExportTaskResponse | None
        assert described is not None
        print(done.status, done.native_status, described.summary)

        history = kit.m2.list_data_set_export_history(application_id="app-1")
        async for task in history:
            print(task.task_id == job.id, task.status)


anyio.run(main)
