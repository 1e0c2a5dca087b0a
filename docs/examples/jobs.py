"""Waiting, status changes, failures, timeouts, cancellation and resuming by token."""

import anyio

import export_kit as ek
from export_kit.local import Emulator
from export_kit.models import m2

CONFIG = m2.DataSetExportConfigS3Location(s3_location="s3://bucket/sets.json")


async def main() -> None:
    async with Emulator(job_duration=1) as emu, ek.ExportKit(**emu.kit_kwargs()) as kit:
        job = await kit.m2.start(application_id="app-1", export_config=CONFIG)

        # Cancel a wait: the job is left as last seen, and its token resumes it anywhere.
        with anyio.move_on_after(0.3):
            await job.wait()
        token = job.token()

        async with ek.ExportKit(**emu.kit_kwargs()) as other:
            resumed = other.resume(token)
            async for seen in resumed.watch(timeout=60):
                print("status:", seen.status, seen.native_status)

        # A job that fails raises ExportFailed with the service's own reason.
        emu.fail_next("m2", "data set is locked")
        doomed = await kit.m2.start(application_id="app-1", export_config=CONFIG)
        try:
            await doomed.wait(timeout=60)
        except ek.ExportFailed as exc:
            print("failed:", exc.reason, exc.job.status)

        # A deadline raises WaitTimeout carrying the job as last seen.
        slow = await kit.m2.start(application_id="app-1", export_config=CONFIG)
        try:
            await slow.wait(timeout=0.2)
        except ek.WaitTimeout as exc:
            print("timeout:", exc.job.status.is_terminal, exc.timeout == 0.2)

        # Attach to a job started elsewhere: service, id and scope.
        again = kit.job("m2", slow.id, application_id="app-1")
        await again.refresh()
        print(again.status.is_terminal, again.scope)


anyio.run(main)
