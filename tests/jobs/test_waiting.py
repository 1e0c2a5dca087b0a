"""Waiting under adversity: deadlines, cancellation, faults while polling, NotFound grace,
resuming across kits, Personalize's lost-create adoption."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest

from export_kit import (
    ConflictError,
    ExportKit,
    ExportStatus,
    NotFoundError,
    WaitTimeout,
)
from export_kit.jobs import ExportJob
from export_kit.local import Emulator
from export_kit.waiting import PollPolicy

from ._support import NO_RETRIES, STORE, EmuClock, live_tasks, start_kwargs

pytestmark = pytest.mark.anyio


async def test_timeout_makes_a_final_attempt_exactly_at_the_deadline(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    job = await kit.omics.start(**start_kwargs("omics"))
    emu.reset_counts()
    with pytest.raises(WaitTimeout) as caught:
        await job.wait(timeout=5, poll=PollPolicy(min_delay=2, max_delay=3, clock=clock))
    assert isinstance(caught.value, TimeoutError)
    assert caught.value.job is job
    assert job.status is ExportStatus.RUNNING, "the last seen status, from the final attempt"
    assert clock.t == pytest.approx(5), "never slept past the deadline"
    # The last sleep ended at the deadline and one request went out there.
    assert sum(clock.sleeps) == pytest.approx(5)
    assert emu.requests[("omics", "GetReadSetExportJob")] == 1
    assert all(n == {("omics", "GetReadSetExportJob"): 1} for n in clock.rounds)


async def test_zero_timeout_still_polls_once(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    job = await kit.discovery.start()
    with pytest.raises(WaitTimeout):
        await job.wait(timeout=0, poll=PollPolicy(clock=clock))
    assert emu.requests[("discovery", "DescribeExportTasks")] == 1
    assert clock.sleeps == []


async def test_cancellation_stops_at_once_and_leaves_the_job_resumable(
    kit: ExportKit, emu: Emulator
) -> None:
    job = await kit.omics.start(**start_kwargs("omics"))
    before = live_tasks()
    # Real clock: the waiter sleeps at least 30 s (omics default); cancel it after 0.2 s.
    with anyio.move_on_after(0.2) as scope:
        await job.wait(timeout=3600)
    assert scope.cancelled_caught
    await anyio.lowlevel.checkpoint()
    assert live_tasks() == before, "no task left behind"
    again = kit.resume(job.token())
    emu.advance(10)
    assert (await again.refresh()).status is ExportStatus.SUCCEEDED


async def test_cancelling_a_round_in_flight(kit: ExportKit, emu: Emulator) -> None:
    emu.inject("latency", service="omics", operation="GetReadSetExportJob", latency=5.0)
    job = await kit.omics.start(**start_kwargs("omics"))
    before = live_tasks()
    with anyio.fail_after(2):  # would take 5 s if the request were not interrupted
        with anyio.move_on_after(0.2):
            await job.wait(timeout=3600)
    await anyio.lowlevel.checkpoint()
    assert live_tasks() == before


@pytest.mark.parametrize("fault", ["throttle", "error", "drop"])
async def test_transient_faults_while_polling_never_end_the_wait(
    fault: str, kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    job = await kit.omics.start(**start_kwargs("omics"))
    emu.inject(fault, service="omics", operation="GetReadSetExportJob", count=4)  # type: ignore[arg-type]
    done = await job.wait(timeout=600, poll=PollPolicy(min_delay=1, max_delay=2, clock=clock))
    assert done.status is ExportStatus.SUCCEEDED
    assert done.last_error is None
    assert emu.requests[("omics", "GetReadSetExportJob")] >= 1


async def test_faults_to_the_deadline_end_in_timeout_not_error(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    job = await kit.m2.start(**start_kwargs("m2"))
    emu.inject("error", service="m2", operation="GetDataSetExportTask", count=1000)
    with pytest.raises(WaitTimeout) as caught:
        await job.wait(timeout=30, poll=PollPolicy(min_delay=1, max_delay=2, clock=clock))
    assert clock.t == pytest.approx(30)
    assert caught.value.job is job
    assert job.last_error is not None
    assert job.last_error.retryable
    emu.clear_faults()


async def test_not_found_right_after_start_is_tolerated_for_the_grace_period(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    job = await kit.omics.start(**start_kwargs("omics"))
    emu.mark_missing("omics", STORE)

    class Appearing(EmuClock):
        async def sleep(self, seconds: float) -> None:
            if self.t >= 4:
                emu.mark_missing("omics", STORE, False)
            await super().sleep(seconds)

    slow = Appearing(emu)
    done = await job.wait(
        600, poll=PollPolicy(min_delay=1, max_delay=2, not_found_grace=10, clock=slow)
    )
    assert done.status is ExportStatus.SUCCEEDED


async def test_not_found_after_the_grace_period_raises(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    job = await kit.omics.start(**start_kwargs("omics"))
    emu.mark_missing("omics", STORE)
    with pytest.raises(NotFoundError):
        await job.wait(
            600, poll=PollPolicy(min_delay=1, max_delay=2, not_found_grace=10, clock=clock)
        )
    assert 10 <= clock.t <= 12


async def test_not_found_for_an_attached_job_raises_at_once(
    kit: ExportKit, clock: EmuClock
) -> None:
    job = kit.job("omics", "5555555555", sequence_store_id=STORE)
    with pytest.raises(NotFoundError):
        await job.wait(600, poll=PollPolicy(min_delay=1, clock=clock))
    assert clock.t == 0


async def test_resume_across_two_kits(emu: Emulator, clock: EmuClock) -> None:
    async with ExportKit(**emu.kit_kwargs(), config=NO_RETRIES) as first:
        job = await first.m2.start(**start_kwargs("m2"))
        await job.refresh()
        token = job.token()
    assert first.closed
    assert "secret" not in token.lower()
    assert emu.credentials()["aws_secret_access_key"] not in token
    async with ExportKit(**emu.kit_kwargs(), config=NO_RETRIES) as second:
        again = second.resume(token)
        assert (again.service, again.id, dict(again.scope)) == (
            job.service,
            job.id,
            dict(job.scope),
        )
        assert again.native_status == "Creating", "the last seen status travels in the token"
        done = await again.wait(600, poll=PollPolicy(min_delay=1, max_delay=4, clock=clock))
        assert done.status is ExportStatus.SUCCEEDED


async def test_tokens_are_versioned_and_checked(kit: ExportKit, emu: Emulator) -> None:
    job = kit.job("personalize", "arn:aws:personalize:us-east-1:1:dataset-export-job/x")
    token = job.token()
    assert kit.resume(token).id == job.id
    for bad in ("", "ekjob.", "ekjob.!!!", "nope", token[:-4] + "AAAA", "ekjob.eyJ2IjoyfQ"):
        with pytest.raises(ValueError, match="token"):
            kit.resume(bad)
    assert emu.total_requests == 0


async def test_personalize_adopts_the_job_a_lost_create_made(kit: ExportKit, emu: Emulator) -> None:
    kwargs = start_kwargs("personalize")
    # The first create reached the service, but its answer never came back...
    first = await kit.personalize.create_dataset_export_job(**kwargs)
    # ...so the caller retries: ResourceAlreadyExists, and the job is adopted.
    job = await kit.personalize.start(**kwargs)
    assert job.id == first.dataset_export_job_arn
    assert emu.job_ids("personalize") == [job.id]
    assert job.description is not None
    assert job.status is ExportStatus.PENDING


async def test_personalize_does_not_adopt_a_different_job(kit: ExportKit, emu: Emulator) -> None:
    kwargs = start_kwargs("personalize")
    await kit.personalize.start(**kwargs)
    other = {**kwargs, "job_output": {"s3_data_destination": {"path": "s3://elsewhere/"}}}
    with pytest.raises(ConflictError):
        await kit.personalize.start(**other)
    assert len(emu.job_ids("personalize")) == 1


async def test_start_rejects_requests_that_start_nothing(kit: ExportKit) -> None:
    from export_kit.models import omics

    with pytest.raises(TypeError, match="does not start an export job"):
        await kit.start(omics.GetReadSetExportJobRequest(sequence_store_id=STORE, id=STORE))  # type: ignore[arg-type]


def test_repr_shows_no_secrets() -> None:
    class Nobody:
        async def send(self, request: object) -> object:
            raise AssertionError

    job = ExportJob(Nobody(), "omics", "1234567890", {"sequenceStoreId": STORE})  # type: ignore[arg-type]
    assert repr(job) == "<ExportJob omics '1234567890', sequenceStoreId='1234567890' PENDING>"


async def test_personalize_lost_create_response_is_adopted_after_botocore_s_retry(
    emu: Emulator,
) -> None:
    """The service creates the job but the connection is cut before the answer; botocore
    retries the create, gets ResourceAlreadyExists, and start() adopts the job."""
    emu.inject("lose", service="personalize", operation="CreateDatasetExportJob")
    async with ExportKit(**emu.kit_kwargs()) as kit:  # default: standard retries
        job = await kit.personalize.start(**start_kwargs("personalize"))
    assert emu.job_ids("personalize") == [job.id]
    assert emu.requests[("personalize", "CreateDatasetExportJob")] == 2


async def test_a_throttled_poll_waits_at_least_the_servers_retry_hint(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    """The emulator's throttling answers carry x-amz-retry-after: 1000 (ms)."""
    job = await kit.omics.start(**start_kwargs("omics"))
    emu.inject("throttle", service="omics", operation="GetReadSetExportJob", count=1)
    done = await job.wait(timeout=600, poll=PollPolicy(min_delay=0.1, max_delay=2, clock=clock))
    assert done.status is ExportStatus.SUCCEEDED
    first, second, *_ = clock.sleeps
    assert 1.0 <= first <= 2.0  # the hint, although the backoff alone would sleep 0.1 s
    assert 0.1 <= second <= 0.2, "the hint delays one attempt, not the schedule"


async def test_a_retry_hint_never_delays_a_poll_past_max_delay(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    job = await kit.omics.start(**start_kwargs("omics"))
    emu.inject("throttle", service="omics", operation="GetReadSetExportJob", count=1)
    await job.wait(timeout=600, poll=PollPolicy(min_delay=0.1, max_delay=0.2, clock=clock))
    assert clock.sleeps[0] == pytest.approx(0.2), "the 1 s hint, capped at max_delay"
    assert all(s <= 0.2 for s in clock.sleeps)


async def test_a_retry_hint_never_delays_a_poll_past_the_deadline(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    job = await kit.omics.start(**start_kwargs("omics"))
    emu.inject("throttle", service="omics", operation="GetReadSetExportJob", count=1)
    emu.reset_counts()
    with pytest.raises(WaitTimeout):
        await job.wait(timeout=0.5, poll=PollPolicy(min_delay=0.1, max_delay=5, clock=clock))
    assert clock.sleeps == [pytest.approx(0.5)], "one sleep, to the deadline, not the 1 s hint"
    assert emu.requests[("omics", "GetReadSetExportJob")] == 1, "the final attempt"
