"""Many jobs: ``wait_all`` and ``as_completed`` poll in batches, report each job's own outcome
and yield jobs in completion order."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from export_kit import ExportFailed, ExportKit, ExportStatus, NotFoundError, WaitTimeout
from export_kit.jobs import ExportJob
from export_kit.local import Emulator
from export_kit.waiting import PollPolicy, WaitAllTimeout

from ._support import (
    APP,
    DATASET_ARN,
    OTHER_DATASET_ARN,
    STORE,
    EmuClock,
    start_kwargs,
)

pytestmark = pytest.mark.anyio

#: Batch operation and page size per service (the largest each API accepts).
BATCH = {
    "m2": (("m2", "ListDataSetExportHistory"), 2000),
    "personalize": (("personalize", "ListDatasetExportJobs"), 100),
    "discovery": (("discovery", "DescribeExportTasks"), 100),
    "simpledbv2": (("simpledbv2", "ListExports"), 100),
    "omics": (("omics", "ListReadSetExportJobs"), 100),
}
#: Describe-one operations (discovery's is its batch operation).
DESCRIBE = {
    "m2": ("m2", "GetDataSetExportTask"),
    "personalize": ("personalize", "DescribeDatasetExportJob"),
    "simpledbv2": ("simpledbv2", "GetExport"),
    "omics": ("omics", "GetReadSetExportJob"),
}


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_wait_all_of_1000_mixed_jobs_costs_ceil_n_over_page_per_round(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    per_service = 200
    jobs: list[ExportJob] = []
    for _ in range(per_service):
        for service in BATCH:
            jobs.append(await getattr(kit, service).start(**start_kwargs(service)))
        emu.advance(0.05)  # staggered: jobs finish over 10 s, not all at once
    assert len(jobs) == 1000
    emu.reset_counts()
    # The round in which each job was seen terminal: on_update runs after a round's
    # requests, before the sleep that closes the round.
    finished_in: dict[int, Counter[str]] = {}

    def record(job: ExportJob) -> None:
        if job.status.is_terminal:
            finished_in.setdefault(len(clock.rounds), Counter())[job.service] += 1

    outcomes = await kit.wait_all(
        jobs, timeout=3600, poll=PollPolicy(min_delay=1, max_delay=2, clock=clock), on_update=record
    )

    assert [o.job for o in outcomes] == jobs
    assert all(o.ok and o.job.status is ExportStatus.SUCCEEDED for o in outcomes)
    assert all(job.description is not None for job in jobs)
    rounds = [*clock.rounds, Counter(emu.requests)]
    assert len(rounds) >= 5
    pending = Counter(job.service for job in jobs)
    for number, calls in enumerate(rounds):
        if number == 0:
            # All 1,000 pending: exactly ceil(200 / page) batch calls per service.
            assert {op: calls[op] for op, _ in BATCH.values()} == {
                op: math.ceil(per_service / page) for op, page in BATCH.values()
            }
        for service, (operation, page) in BATCH.items():
            if pending[service] > 1:
                assert calls[operation] <= math.ceil(pending[service] / page), (number, calls)
            else:
                assert calls[operation] <= (pending[service] if service == "discovery" else 0)
        done = finished_in.get(number, Counter())
        for service in ("simpledbv2", "omics"):
            # Their list items lack failure details: one describe per job as it finishes.
            assert calls[DESCRIBE[service]] == done[service] or pending[service] == 1
        for service in ("m2", "personalize"):
            assert calls[DESCRIBE[service]] <= (1 if pending[service] == 1 else 0)
        assert sum(calls.values()) <= 9 + done["simpledbv2"] + done["omics"] + 2
        pending -= done
    assert not +pending
    total = Counter[tuple[str, str]]()
    for calls in rounds:
        total.update(calls)
    assert sum(total.values()) < 1000, "fewer calls for the whole wait than one naive round"


async def test_per_round_calls_follow_the_pending_count(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    """250 omics jobs in one store: 3 list pages per round while all are pending, fewer as
    they finish (newest first: the unfinished ones are on the first pages)."""
    jobs = []
    for _ in range(250):
        jobs.append(await kit.omics.start(**start_kwargs("omics")))
        emu.advance(0.02)
    emu.reset_counts()
    await kit.wait_all(jobs, timeout=600, poll=PollPolicy(min_delay=1, max_delay=1, clock=clock))
    lists = [calls[("omics", "ListReadSetExportJobs")] for calls in [*clock.rounds, emu.requests]]
    assert lists[0] == 3
    assert lists == sorted(lists, reverse=True), "never more pages than while all were pending"
    assert (
        sum(calls[("omics", "GetReadSetExportJob")] for calls in clock.rounds)
        + emu.requests[("omics", "GetReadSetExportJob")]
        == 250
    )


async def test_wait_all_reports_each_job_s_own_outcome(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    ok = await kit.m2.start(**start_kwargs("m2"))
    emu.fail_next("simpledbv2", "bucket gone")
    failed = await kit.simpledbv2.start(**start_kwargs("simpledbv2"))
    stuck = await kit.omics.start(**start_kwargs("omics"))
    emu.set_status("omics", stuck.id, "ARCHIVING")
    ghost = kit.job("omics", "5555555555", sequence_store_id=STORE)
    partial_ok = await kit.omics.start(**start_kwargs("omics"))
    seen: list[ExportJob] = []

    outcomes = await kit.wait_all(
        [ok, failed, stuck, ghost, partial_ok],
        timeout=60,
        poll=PollPolicy(min_delay=1, max_delay=4, clock=clock),
        on_update=seen.append,
    )

    assert [o.job for o in outcomes] == [ok, failed, stuck, ghost, partial_ok]
    assert outcomes[0].ok
    assert outcomes[0].result() is ok
    assert isinstance(outcomes[1].error, ExportFailed)
    assert outcomes[1].error.reason is not None
    assert "bucket gone" in outcomes[1].error.reason
    assert isinstance(outcomes[2].error, WaitTimeout)
    assert outcomes[2].job.status is ExportStatus.UNKNOWN
    assert isinstance(outcomes[3].error, NotFoundError)
    assert outcomes[4].ok
    with pytest.raises(ExportFailed):
        outcomes[1].result()
    assert clock.t == pytest.approx(60)
    assert ok in seen
    assert failed in seen


async def test_as_completed_yields_in_completion_order(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    first = await kit.m2.start(**start_kwargs("m2"))
    emu.advance(3)
    second = await kit.omics.start(**start_kwargs("omics"))
    emu.advance(3)
    third = await kit.discovery.start()
    emu.advance(3)
    fourth = await kit.personalize.start(**start_kwargs("personalize"))
    order = [
        job.id
        async for job in kit.as_completed(
            [fourth, third, second, first],
            timeout=600,
            poll=PollPolicy(min_delay=0.5, max_delay=0.5, clock=clock),
        )
    ]
    assert order == [first.id, second.id, third.id, fourth.id]


async def test_as_completed_raises_at_the_deadline_with_the_unfinished(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    quick = await kit.discovery.start()
    slow = await kit.discovery.start()
    emu.set_status("discovery", slow.id, "IN_PROGRESS")
    done: list[ExportJob] = []

    async def collect() -> None:
        async for job in kit.as_completed([slow, quick], timeout=20, poll=PollPolicy(clock=clock)):
            done.append(job)

    with pytest.raises(WaitAllTimeout) as caught:
        await collect()
    assert done == [quick]
    assert caught.value.pending == (slow,)
    assert isinstance(caught.value, WaitTimeout)


async def test_batch_falls_back_to_describe_for_jobs_it_cannot_see(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    a = await kit.personalize.start(**start_kwargs("personalize"))
    b = await kit.personalize.start(**start_kwargs("personalize", dataset_arn=OTHER_DATASET_ARN))
    # A handle with a wrong hint lands in the other dataset's batch, which cannot list it.
    misfiled = kit.job("personalize", a.id, dataset_arn=OTHER_DATASET_ARN)
    emu.reset_counts()
    outcomes = await kit.wait_all(
        [misfiled, b], timeout=600, poll=PollPolicy(min_delay=2, clock=clock)
    )
    assert all(o.ok for o in outcomes)
    assert misfiled.hints["datasetArn"] == DATASET_ARN, "the describe corrected the hint"
    assert clock.rounds[0] == {
        ("personalize", "ListDatasetExportJobs"): 1,
        ("personalize", "DescribeDatasetExportJob"): 1,
    }


async def test_jobs_without_hints_batch_over_the_whole_account(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    started = [await kit.simpledbv2.start(**start_kwargs("simpledbv2")) for _ in range(5)]
    handles = [kit.job("simpledbv2", job.id) for job in started]
    emu.reset_counts()
    outcomes = await kit.wait_all(handles, timeout=600, poll=PollPolicy(min_delay=2, clock=clock))
    assert all(o.ok for o in outcomes)
    assert clock.rounds[0] == {("simpledbv2", "ListExports"): 1}
    assert {job.hints["domainName"] for job in handles} == {"domain-1"}


async def test_m2_batches_per_application(kit: ExportKit, emu: Emulator, clock: EmuClock) -> None:
    jobs = [await kit.m2.start(**start_kwargs("m2")) for _ in range(3)]
    jobs += [await kit.m2.start(**start_kwargs("m2", application_id="app-2")) for _ in range(3)]
    emu.reset_counts()
    await kit.wait_all(jobs, timeout=600, poll=PollPolicy(min_delay=2, clock=clock))
    assert clock.rounds[0] == {("m2", "ListDataSetExportHistory"): 2}
    assert {job.scope["applicationId"] for job in jobs} == {APP, "app-2"}
    assert all(isinstance(job.description, type(jobs[0].description)) for job in jobs)
