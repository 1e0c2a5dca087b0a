"""wait_all and as_completed poll many jobs with batched list/describe-many calls."""

import anyio

import export_kit as ek
from export_kit.local import Emulator
from export_kit.models import m2

FAST = ek.PollPolicy(min_delay=0.5, max_delay=0.5)


async def main() -> None:
    async with Emulator(job_duration=1) as emu, ek.ExportKit(**emu.kit_kwargs()) as kit:
        jobs = [await kit.discovery.start() for _ in range(150)]
        emu.reset_counts()
        outcomes = await kit.wait_all(jobs, timeout=60, poll=FAST)
        print(all(outcome.ok for outcome in outcomes))
        calls = emu.requests[("discovery", "DescribeExportTasks")]
        rounds = calls // 2  # ceil(150 / 100) = 2 calls per poll round, not 150
        print(calls, calls == 2 * rounds)

        emu.fail_next("m2", "disk full")
        config = m2.DataSetExportConfigS3Location(s3_location="s3://bucket/sets.json")
        first = await kit.m2.start(application_id="app-1", export_config=config)
        second = await kit.m2.start(application_id="app-1", export_config=config)
        async for job in kit.as_completed([first, second], timeout=60, poll=FAST):
            print(job.status, job.failure_reason)


anyio.run(main)
