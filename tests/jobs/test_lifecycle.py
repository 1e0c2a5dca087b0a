"""Each service's job from start to every terminal outcome, over real HTTP to the emulator,
on virtual time (emulator jobs: pending 2 s, running until 8 s)."""

from __future__ import annotations

from typing import Any

import pytest

from export_kit import ExportFailed, ExportKit, ExportStatus
from export_kit._shapes import StartRequest
from export_kit.local import Emulator
from export_kit.models import discovery, m2, omics, personalize, simpledbv2
from export_kit.waiting import PollPolicy

from ._support import APP, DOMAIN, STORE, EmuClock, start_kwargs

pytestmark = pytest.mark.anyio

DESCRIPTIONS = {
    "m2": m2.GetDataSetExportTaskResponse,
    "personalize": personalize.DescribeDatasetExportJobResponse,
    "discovery": discovery.ExportInfo,
    "simpledbv2": simpledbv2.GetExportResponse,
    "omics": omics.GetReadSetExportJobResponse,
}
SUCCESS = {
    "m2": "Completed",
    "personalize": "ACTIVE",
    "discovery": "SUCCEEDED",
    "simpledbv2": "SUCCEEDED",
    "omics": "COMPLETED",
}
FAILED = {
    "m2": "Failed",
    "personalize": "CREATE FAILED",
    "discovery": "FAILED",
    "simpledbv2": "FAILED",
    "omics": "FAILED",
}
SERVICES = sorted(SUCCESS)


def fast(clock: EmuClock) -> PollPolicy:
    return PollPolicy(min_delay=1, max_delay=4, clock=clock)


@pytest.mark.parametrize("service", SERVICES)
async def test_start_and_wait_until_succeeded(
    service: str, kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    job = await getattr(kit, service).start(**start_kwargs(service))
    assert job.service == service
    assert job.status in (ExportStatus.PENDING, ExportStatus.RUNNING)
    assert job.id in emu.job_ids(service)
    seen: list[ExportStatus] = []
    done = await job.wait(timeout=600, poll=fast(clock), on_update=lambda j: seen.append(j.status))
    assert done is job
    assert job.status is ExportStatus.SUCCEEDED
    assert job.native_status == SUCCESS[service]
    assert isinstance(job.description, DESCRIPTIONS[service])
    assert job.failure_reason is None
    assert seen[-1] is ExportStatus.SUCCEEDED
    assert 8 <= clock.t < 8 + 4 + 1e-6, "polls until the job ends, at most max_delay later"


@pytest.mark.parametrize("service", SERVICES)
async def test_failed_job_raises_export_failed_with_the_service_reason(
    service: str, kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    emu.fail_next(service, "disk on fire")
    job = await kit.start(_request(service))
    with pytest.raises(ExportFailed) as caught:
        await job.wait(timeout=600, poll=fast(clock))
    assert caught.value.job is job
    assert job.status is ExportStatus.FAILED
    assert job.native_status == FAILED[service]
    assert caught.value.reason == job.failure_reason
    assert job.failure_reason is not None
    assert "disk on fire" in job.failure_reason
    assert isinstance(job.description, DESCRIPTIONS[service])


def _request(service: str) -> StartRequest[Any, Any]:
    from export_kit.services import spec_for

    return spec_for(service).start_request.model_validate(start_kwargs(service))


async def test_omics_partial_success_returns(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    emu.partial_next("2 of 4 read sets failed")
    job = await kit.omics.start(**start_kwargs("omics"))
    done = await job.wait(timeout=600, poll=fast(clock))
    assert done.status is ExportStatus.PARTIAL
    assert done.native_status == "COMPLETED_WITH_FAILURES"
    assert done.failure_reason == "2 of 4 read sets failed"


async def test_omics_cancelled_goes_through_cancelling(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    emu.cancel_next()
    job = await kit.omics.start(**start_kwargs("omics"))
    seen: list[ExportStatus] = []
    with pytest.raises(ExportFailed) as caught:
        await job.wait(
            timeout=600,
            poll=PollPolicy(min_delay=0.5, max_delay=0.5, clock=clock),
            on_update=lambda j: seen.append(j.status),
        )
    assert caught.value.job.status is ExportStatus.CANCELLED
    assert seen == [
        ExportStatus.RUNNING,
        ExportStatus.CANCELLING,
        ExportStatus.CANCELLED,
    ]


async def test_watch_yields_every_status_change(kit: ExportKit, clock: EmuClock) -> None:
    job = await kit.m2.start(**start_kwargs("m2"))
    seen = [j.native_status async for j in job.watch(600, poll=fast(clock))]
    assert seen == ["Creating", "Running", "Completed"]


async def test_async_on_update_is_awaited(kit: ExportKit, clock: EmuClock) -> None:
    seen: list[str] = []

    async def record(job: object) -> None:
        seen.append(getattr(job, "native_status", ""))

    job = await kit.simpledbv2.start(**start_kwargs("simpledbv2"))
    await job.wait(600, poll=fast(clock), on_update=record)
    assert seen[-1] == "SUCCEEDED"


async def test_unknown_native_status_keeps_waiting(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    job = await kit.omics.start(**start_kwargs("omics"))
    emu.set_status("omics", job.id, "ARCHIVING")
    await job.refresh()
    assert job.status is ExportStatus.UNKNOWN
    assert job.native_status == "ARCHIVING"
    changes: list[str] = []

    def unstick(j: object) -> None:
        changes.append(getattr(j, "native_status", ""))

    class Unsticking(EmuClock):
        async def sleep(self, seconds: float) -> None:
            if self.t > 20:
                emu.set_status("omics", job.id, None)
            await super().sleep(seconds)

    slow = Unsticking(emu)
    done = await job.wait(
        600, poll=PollPolicy(min_delay=1, max_delay=4, clock=slow), on_update=unstick
    )
    assert done.status is ExportStatus.SUCCEEDED
    assert slow.t > 20, "UNKNOWN is not terminal: the waiter kept polling"
    assert changes == ["COMPLETED"]


async def test_refresh_and_attach_by_id(kit: ExportKit, emu: Emulator) -> None:
    started = await kit.m2.start(**start_kwargs("m2"))
    job = kit.job("m2", started.id, application_id=APP)
    assert job.status is ExportStatus.UNKNOWN
    assert dict(job.scope) == {"applicationId": APP}
    assert (await job.refresh()).status is ExportStatus.PENDING
    emu.advance(3)
    assert (await job.refresh()).native_status == "Running"
    emu.reset_counts()
    with pytest.raises(ValueError, match="needs sequenceStoreId"):
        kit.job("omics", "1234567890")
    with pytest.raises(ValueError, match="unknown scope"):
        kit.job("discovery", "x", applicationId=APP)
    assert emu.total_requests == 0


async def test_hints_are_learnt_from_describe(kit: ExportKit, emu: Emulator) -> None:
    started = await kit.simpledbv2.start(**start_kwargs("simpledbv2"))
    job = kit.job("simpledbv2", started.id)
    assert job.hints == {}
    await job.refresh()
    assert job.hints == {"domainName": DOMAIN}
    assert STORE not in job.hints.values()


async def test_an_unchanged_description_keeps_its_object(kit: ExportKit, emu: Emulator) -> None:
    """A describe that says what the last one said leaves the job's ``description`` object
    in place (a long wait does not replace it every round); a change replaces it."""
    job = await kit.m2.start(**start_kwargs("m2"))
    await job.refresh()
    first = job.description
    assert first is not None
    await job.refresh()
    assert job.description is first
    emu.advance(60)
    await job.refresh()
    assert job.status is ExportStatus.SUCCEEDED
    assert job.description is not first
    assert job.description is not None
    assert job.description.status == "Completed"
