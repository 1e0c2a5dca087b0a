"""wait_all, as_completed and independent waits poll with batched list/describe-many calls."""

import anyio

import export_kit as ek
from export_kit.local import Emulator
from export_kit.models import m2


async def main() -> None:
    async with Emulator(job_duration=1) as emu, ek.ExportKit(**emu.kit_kwargs()) as kit:
        jobs = [await kit.discovery.start() for _ in range(150)]
        emu.reset_counts()
        outcomes = await kit.wait_all(jobs, timeout=60)
        print(all(outcome.ok for outcome in outcomes))
        calls = emu.requests[("discovery", "DescribeExportTasks")]
        print(f"{calls} calls for 150 jobs")  # ceil(150 / 100) = 2 a poll round, not 150

        # 150 tasks each awaiting its own job share the kit's poller: the same batched calls.
        more = [await kit.discovery.start() for _ in range(150)]
        emu.reset_counts()
        async with anyio.create_task_group() as tg:
            for job in more:
                tg.start_soon(job.wait)
        print(f"{emu.requests[('discovery', 'DescribeExportTasks')]} calls for 150 waits")

        emu.fail_next("m2", "disk full")
        config = m2.DataSetExportConfigS3Location(s3_location="s3://bucket/sets.json")
        first = await kit.m2.start(application_id="app-1", export_config=config)
        second = await kit.m2.start(application_id="app-1", export_config=config)
        async for done in kit.as_completed([first, second], timeout=60):
            print(done.status, done.failure_reason)


anyio.run(main)
