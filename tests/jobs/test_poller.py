"""One poller per kit: independent waits share batched rounds, yet each keeps its own
deadline, policy, callbacks and cancellation, and nothing outlives the waits or the kit."""

from __future__ import annotations

import asyncio
import math
import random
import types
from collections import Counter
from typing import TypeVar, cast

import anyio
import anyio.lowlevel
import psutil
import pytest
import sniffio
import trio

from export_kit import ExportFailed, ExportJob, ExportKit, ExportStatus, PollPolicy, WaitTimeout
from export_kit._shapes import OperationRequest, ResponseShape
from export_kit.local import Emulator, FaultConfig

from ._support import NO_RETRIES, EmuClock, live_tasks, start_kwargs

pytestmark = pytest.mark.anyio

R = TypeVar("R", bound=ResponseShape)

#: Batch operation and page size of the services whose list items carry everything a
#: describe says (so a round is batch calls only, with no final describe per finished job).
BATCH = {
    "personalize": (("personalize", "ListDatasetExportJobs"), 100),
    "discovery": (("discovery", "DescribeExportTasks"), 100),
    "m2": (("m2", "ListDataSetExportHistory"), 2000),
}


@pytest.mark.parametrize("service", sorted(BATCH))
async def test_200_independent_waits_on_one_scope_cost_ceil_n_over_page_per_round(
    service: str, kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    jobs: list[ExportJob] = []
    for _ in range(200):
        jobs.append(await getattr(kit, service).start(**start_kwargs(service)))
        emu.advance(0.01)
    emu.reset_counts()
    policy = PollPolicy(min_delay=1, max_delay=4, clock=clock)
    done: list[ExportJob] = []

    async def wait_one(job: ExportJob) -> None:
        done.append(await job.wait(timeout=600, poll=policy))

    async with anyio.create_task_group() as tg:
        for job in jobs:
            tg.start_soon(wait_one, job)

    assert sorted(id(j) for j in done) == sorted(id(j) for j in jobs)
    assert all(job.status is ExportStatus.SUCCEEDED for job in jobs)
    operation, page = BATCH[service]
    rounds = [*clock.rounds, Counter(emu.requests)]
    assert len(rounds) >= 3
    assert rounds[0] == {operation: math.ceil(200 / page)}, "all 200 in one batched round"
    for calls in rounds:
        assert sum(calls.values()) <= math.ceil(200 / page) + 1, calls
    assert kit._waits().waiters == 0  # pyright: ignore[reportPrivateUsage]


async def test_mixed_waiters_on_overlapping_jobs_each_get_their_own_results(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    ok = [await kit.omics.start(**start_kwargs("omics")) for _ in range(6)]
    emu.fail_next("omics", "disk on fire")
    failed = await kit.omics.start(**start_kwargs("omics"))
    twin = kit.resume(ok[0].token())  # the same job through a second ExportJob object
    emu.reset_counts()
    policy = PollPolicy(min_delay=0.5, max_delay=2, clock=clock)
    waited: dict[str, object] = {}
    watched: list[str] = []
    streamed: list[str] = []
    updates: list[str] = []

    async def wait(name: str, job: ExportJob) -> None:
        try:
            waited[name] = (await job.wait(timeout=600, poll=policy)).status
        except ExportFailed as exc:
            waited[name] = exc

    async def watch() -> None:
        watched.extend([j.native_status async for j in ok[0].watch(600, poll=policy)])

    async def stream() -> None:
        async for job in kit.as_completed([failed, *ok[3:]], timeout=600, poll=policy):
            streamed.append(job.id)

    async with anyio.create_task_group() as tg:
        tg.start_soon(wait, "first", ok[0])
        tg.start_soon(wait, "twin", twin)
        tg.start_soon(wait, "failed", failed)
        tg.start_soon(watch)
        tg.start_soon(stream)
        outcomes = await kit.wait_all(
            [*ok, failed], timeout=600, poll=policy, on_update=lambda j: updates.append(j.id)
        )

    assert waited["first"] is ExportStatus.SUCCEEDED
    assert waited["twin"] is ExportStatus.SUCCEEDED
    assert isinstance(waited["failed"], ExportFailed)
    assert "disk on fire" in str(waited["failed"])
    assert watched == ["IN_PROGRESS", "COMPLETED"]
    assert sorted(streamed) == sorted(j.id for j in [failed, *ok[3:]])
    assert [o.ok for o in outcomes] == [True] * 6 + [False]
    assert set(updates) >= {j.id for j in [*ok, failed]}, "on_update heard every job"
    # Seven distinct jobs, one store: one list call a round plus one describe per job as it
    # finishes (omics list items lack the failure details), however many waiters.
    total = Counter[tuple[str, str]]()
    for calls in [*clock.rounds, emu.requests]:
        assert calls[("omics", "ListReadSetExportJobs")] <= 1, calls
        total.update(calls)
    assert total[("omics", "GetReadSetExportJob")] == 7, "each job described once, at its end"


async def test_cancelling_half_of_200_waiters_at_random_points_leaves_the_rest_finishing(
    anyio_backend: str,
) -> None:
    rng = random.Random(200)
    faults = FaultConfig(latency_rate=0.3, latency=0.02)  # some cancels land mid-request
    with Emulator(clock="manual", job_duration=8.0, seed=3, faults=faults) as emu:
        async with ExportKit(**emu.kit_kwargs(), config=NO_RETRIES) as kit:
            before = live_tasks()
            jobs = [await kit.personalize.start(**start_kwargs("personalize")) for _ in range(200)]
            policy = PollPolicy(min_delay=0.02, max_delay=0.1, not_found_grace=5)
            finished: list[ExportJob] = []
            cancelled = 0

            async def wait(job: ExportJob, cancel_after: float | None) -> None:
                nonlocal cancelled
                with anyio.CancelScope() as scope:
                    if cancel_after is not None:
                        scope.deadline = anyio.current_time() + cancel_after
                    finished.append(await job.wait(timeout=30, poll=policy))
                cancelled += scope.cancelled_caught

            async def run_clock() -> None:  # the jobs end 0.8 s from now
                while True:
                    await anyio.sleep(0.1)
                    emu.advance(1.0)

            victims = set(rng.sample(range(200), 100))
            with anyio.fail_after(20):
                async with anyio.create_task_group() as clock:
                    clock.start_soon(run_clock)
                    async with anyio.create_task_group() as tg:
                        for n, job in enumerate(jobs):
                            after = rng.uniform(0.0, 0.6) if n in victims else None
                            tg.start_soon(wait, job, after)
                    clock.cancel_scope.cancel()
            assert cancelled == 100
            assert len(finished) == 100
            assert {job.status for job in finished} == {ExportStatus.SUCCEEDED}
            assert kit._waits().waiters == 0  # pyright: ignore[reportPrivateUsage]
            await anyio.lowlevel.checkpoint()
            assert live_tasks() == before, "no task left behind"


async def test_a_late_joiner_is_polled_within_its_own_min_delay(
    kit: ExportKit, emu: Emulator
) -> None:
    """Real clock; the emulator's jobs never finish (manual clock).  Fifty waiters poll every
    3 s; one joining later with min_delay 0.2 s is polled at once and then on its own
    schedule, not at the others' pace."""
    slow = PollPolicy(min_delay=3, max_delay=3)
    others = [await kit.personalize.start(**start_kwargs("personalize")) for _ in range(50)]
    late = await kit.personalize.start(**start_kwargs("personalize"))
    describe = ("personalize", "DescribeDatasetExportJob")
    told: list[ExportJob] = []
    first_round = anyio.Event()

    def tell(job: ExportJob) -> None:
        told.append(job)
        if len(told) == len(others):
            first_round.set()

    async with anyio.create_task_group() as tg:
        for job in others:
            tg.start_soon(lambda j: j.wait(timeout=60, poll=slow, on_update=tell), job)
        with anyio.fail_after(2):
            # The others' first round told each its first status; their next is 3 s away.
            await first_round.wait()
        emu.reset_counts()
        with pytest.raises(TimeoutError):
            await late.wait(timeout=1.0, poll=PollPolicy(min_delay=0.2, max_delay=0.2))
        # Alone in its window, the late job is described on its own: at 0, 0.2, ... 1.0 s.
        assert emu.requests[describe] >= 5
        assert emu.requests[("personalize", "ListDatasetExportJobs")] == 0, "others not due"
        tg.cancel_scope.cancel()


async def test_nothing_is_left_after_aclose_even_with_waits_in_flight(
    anyio_backend: str,
) -> None:
    with Emulator(clock="manual") as emu:
        before = live_tasks()
        kit = ExportKit(**emu.kit_kwargs(), config=NO_RETRIES)
        jobs = [await kit.m2.start(**start_kwargs("m2")) for _ in range(20)]
        errors: list[BaseException] = []

        async def wait(job: ExportJob) -> None:
            try:
                await job.wait(poll=PollPolicy(min_delay=5, max_delay=5))
            except RuntimeError as exc:
                errors.append(exc)

        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                for job in jobs:
                    tg.start_soon(wait, job)
                await anyio.sleep(0.2)
                await kit.aclose()  # every wait ends at once, not at its next poll
        assert len(errors) == 20
        assert all("closed" in str(e) for e in errors)
        await anyio.lowlevel.checkpoint()
        assert live_tasks() == before
        mine = [
            c
            for c in psutil.Process().net_connections("tcp")
            if c.raddr and c.raddr.port == emu.port
        ]
        assert mine == [], "no client socket left open"


async def test_kit_default_policy_applies_when_a_call_passes_none(emu: Emulator) -> None:
    async with ExportKit(**emu.kit_kwargs(), config=NO_RETRIES) as kit:
        assert kit.poll == PollPolicy(min_delay=0.05, max_delay=0.5)
        job = await kit.omics.start(**start_kwargs("omics"))
        with pytest.raises(TimeoutError):
            await job.wait(timeout=0.6)  # omics alone would sleep 30 s after the first poll
        assert emu.requests[("omics", "GetReadSetExportJob")] >= 3


def test_kit_rejects_a_poll_that_is_not_a_policy() -> None:
    with pytest.raises(TypeError, match="PollPolicy"):
        ExportKit(region_name="us-east-1", poll={"min_delay": 1})  # type: ignore[arg-type]


async def test_independent_waits_on_asyncio_leave_no_driver_behind(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    """After every wait returned, the poller holds nothing: the next wait starts afresh."""
    jobs = [await kit.discovery.start() for _ in range(5)]
    policy = PollPolicy(min_delay=1, max_delay=2, clock=clock)
    async with anyio.create_task_group() as tg:
        for job in jobs:
            tg.start_soon(lambda j: j.wait(600, poll=policy), job)
    poller = kit._waits()  # pyright: ignore[reportPrivateUsage]
    assert poller.waiters == 0
    assert repr(poller) == "<Poller waiters=0>"
    again = await kit.discovery.start()
    assert (await again.wait(600, poll=policy)).status is ExportStatus.SUCCEEDED


async def test_one_waiter_timing_out_leaves_another_on_the_same_job_waiting(
    kit: ExportKit, emu: Emulator, clock: EmuClock
) -> None:
    job = await kit.omics.start(**start_kwargs("omics"))
    policy = PollPolicy(min_delay=1, max_delay=2, clock=clock)
    timed_out: list[float] = []
    finished: list[tuple[ExportStatus, float]] = []

    async def impatient() -> None:
        with pytest.raises(TimeoutError):
            await job.wait(timeout=3, poll=policy)
        timed_out.append(clock.t)

    async def patient() -> None:
        finished.append(((await job.wait(timeout=600, poll=policy)).status, clock.t))

    async with anyio.create_task_group() as tg:
        tg.start_soon(impatient)
        tg.start_soon(patient)
    assert timed_out == [pytest.approx(3)], "its own deadline, with the final attempt there"
    [(status, done_at)] = finished
    assert status is ExportStatus.SUCCEEDED
    assert done_at >= 8, "kept polling after the other wait gave up"


def _chain(task: object) -> list[object]:
    """What a suspended task awaits, outermost first: its coroutines, down to the object
    its innermost one is suspended on."""
    awaited: object
    if sniffio.current_async_library() == "asyncio":
        assert isinstance(task, asyncio.Task)
        awaited = cast("object", task.get_coro())
    else:
        assert isinstance(task, trio.lowlevel.Task)
        awaited = cast("object", task.coro)
    chain: list[object] = []
    while awaited is not None:
        chain.append(awaited)
        awaited = next(
            (getattr(awaited, a) for a in ("cr_await", "gi_yieldfrom") if hasattr(awaited, a)),
            None,
        )
    return chain


def _current_task() -> object:
    if sniffio.current_async_library() == "asyncio":
        return asyncio.current_task()
    return trio.lowlevel.current_task()


def _code(awaited: object) -> types.CodeType | None:
    code: types.CodeType | None = getattr(awaited, "cr_code", None) or getattr(
        awaited, "gi_code", None
    )
    return code


def _ours(chain: list[object]) -> list[str]:
    """The export_kit coroutines in ``chain``, by qualified name."""
    return [
        code.co_qualname
        for awaited in chain
        if (code := _code(awaited)) and "/export_kit/" in code.co_filename
    ]


async def test_a_sleeping_independent_wait_holds_one_frame_of_ours_and_one_future(
    kit: ExportKit, emu: Emulator
) -> None:
    """While 30 ``job.wait()`` tasks sleep between rounds, each is suspended in
    ``ExportJob.wait`` itself on one bare future (asyncio) or trio's
    ``wait_task_rescheduled``: no generator, event, cancel scope or task of the poller per
    waiter.  Once they are gone the poller keeps nothing of them."""
    jobs = [await kit.personalize.start(**start_kwargs("personalize")) for _ in range(30)]
    before = live_tasks()
    seen: list[list[object]] = []

    class Inspecting(EmuClock):
        async def sleep(self, seconds: float) -> None:
            if not seen:  # the driver sleeps here; every other waiting task is parked
                driver = {_current_task()}
                seen.extend(_chain(task) for task in live_tasks() - before - driver)
            await super().sleep(seconds)

    policy = PollPolicy(min_delay=1, max_delay=2, clock=Inspecting(emu))
    async with anyio.create_task_group() as tg:
        for job in jobs:
            tg.start_soon(lambda j: j.wait(600, poll=policy), job)

    assert len(seen) == 29, "one driver, every other wait asleep"
    for chain in seen:
        assert _ours(chain) == ["ExportJob.wait"]
        depth = next(i for i, a in enumerate(chain) if _ours([a]) == ["ExportJob.wait"])
        below = chain[depth + 1 :]
        if sniffio.current_async_library() == "asyncio":
            assert [type(a).__name__ for a in below] == ["FutureIter"], below
        else:
            assert [c.co_name for a in below if (c := _code(a))][:1] == ["wait_task_rescheduled"]
    poller = kit._waits()  # pyright: ignore[reportPrivateUsage]
    assert poller.waiters == 0
    assert poller._lanes == {}, "no lane, group, schedule or deadline kept"  # pyright: ignore[reportPrivateUsage]


async def test_a_round_stuck_in_flight_holds_no_other_waiter_past_its_deadline(
    kit: ExportKit, emu: Emulator
) -> None:
    """Real clock: the driver's describe hangs 5 s; a waiter with a 0.3 s timeout that
    joins meanwhile times out about a second after its deadline, not when the round ends."""
    emu.inject("latency", service="omics", operation="GetReadSetExportJob", latency=5.0)
    job = await kit.omics.start(**start_kwargs("omics"))
    async with anyio.create_task_group() as tg:
        tg.start_soon(job.wait)  # no timeout: drives the round that hangs
        await anyio.sleep(0.2)
        with anyio.fail_after(3):  # 0.3 s + the 1 s slack, not 5 s
            with pytest.raises(WaitTimeout):
                await kit.resume(job.token()).wait(timeout=0.3)
        tg.cancel_scope.cancel()
    assert kit._waits()._lanes == {}  # pyright: ignore[reportPrivateUsage]


async def test_waiters_with_nothing_new_sleep_through_the_rounds(
    kit: ExportKit, emu: Emulator
) -> None:
    """Thirty waits on jobs that stay pending (the emulator's clock stands still): after the
    first round told each waiter its job's status, later rounds still poll but wake
    nobody: every parked task is suspended on the very object it was suspended on two
    rounds earlier (asyncio's future, trio's ``wait_task_rescheduled``)."""
    jobs = [await kit.personalize.start(**start_kwargs("personalize")) for _ in range(30)]
    before = live_tasks()
    parked: list[dict[object, object]] = []
    calls: list[int] = []

    class Inspecting:
        t = 0.0

        def now(self) -> float:
            return self.t

        async def sleep(self, seconds: float) -> None:
            calls.append(sum(emu.requests.values()))
            if len(calls) in (2, 4):  # after the second and the fourth round
                driver = {_current_task()}
                parked.append({t: _chain(t)[-1] for t in live_tasks() - before - driver})
            self.t += seconds
            await anyio.lowlevel.checkpoint()

    emu.reset_counts()
    policy = PollPolicy(min_delay=1, max_delay=1, clock=Inspecting())
    async with anyio.create_task_group() as tg:
        for job in jobs:
            tg.start_soon(lambda j: j.wait(600, poll=policy), job)
        while len(parked) < 2:
            await anyio.lowlevel.checkpoint()
        tg.cancel_scope.cancel()

    early, late = parked
    assert len(early) == 29, "one driver, every other wait asleep"
    assert early.keys() == late.keys(), "the same task drove"
    assert all(late[task] is early[task] for task in early), "no sleeping waiter was woken"
    assert calls[:4] == [1, 2, 3, 4], "one batch call a round, every round"
    assert {job.status for job in jobs} == {ExportStatus.PENDING}


async def test_a_waiter_hears_its_job_as_soon_as_its_page_is_read(
    emu: Emulator, clock: EmuClock
) -> None:
    """150 finished Personalize jobs, two pages of 100: each wait on a job of the first
    page returns while the round still reads the second page, not after it."""
    log: list[str] = []

    class Logging(ExportKit):
        async def send(self, request: OperationRequest[R], /) -> R:
            response = await super().send(request)
            log.append(type(request).__name__)
            return response

    async with Logging(**emu.kit_kwargs(), config=NO_RETRIES) as kit:
        jobs = [await kit.personalize.start(**start_kwargs("personalize")) for _ in range(150)]
        emu.advance(60)  # every job done
        log.clear()
        policy = PollPolicy(min_delay=1, max_delay=1, clock=clock)

        async def wait_one(job: ExportJob) -> None:
            await job.wait(600, poll=policy)
            log.append("returned")

        async with anyio.create_task_group() as tg:
            for job in jobs:
                tg.start_soon(wait_one, job)

    page = "ListDatasetExportJobsRequest"
    assert log.count(page) == 2, log
    assert log.count("returned") == 150
    second = len(log) - log[::-1].index(page) - 1
    assert log[:second].count("returned") >= 99, "the first page's waits returned first"


async def test_a_batch_failing_on_a_later_page_keeps_what_earlier_pages_told(
    emu: Emulator, clock: EmuClock
) -> None:
    """150 finished Personalize jobs, two pages; the second page's call fails (a 500, no
    retries). The first round still ends the 100 waits of the first page; the other 50
    see the error, keep waiting, and end with the next round: nothing seen is lost."""
    first_page_read = False

    class FailingSecondPage(ExportKit):
        async def send(self, request: OperationRequest[R], /) -> R:
            nonlocal first_page_read
            response = await super().send(request)
            if type(request).__name__ == "ListDatasetExportJobsRequest" and not first_page_read:
                first_page_read = True
                emu.inject("error", service="personalize", operation="ListDatasetExportJobs")
            return response

    async with FailingSecondPage(**emu.kit_kwargs(), config=NO_RETRIES) as kit:
        jobs = [await kit.personalize.start(**start_kwargs("personalize")) for _ in range(150)]
        emu.advance(60)  # every job done
        policy = PollPolicy(min_delay=1, max_delay=1, clock=clock)
        ended: list[tuple[float, ExportStatus]] = []

        async def wait_one(job: ExportJob) -> None:
            status = (await job.wait(600, poll=policy)).status
            ended.append((clock.t, status))

        async with anyio.create_task_group() as tg:
            for job in jobs:
                tg.start_soon(wait_one, job)

    assert first_page_read
    assert Counter(t for t, _ in ended) == {0.0: 100, 1.0: 50}
    assert {status for _, status in ended} == {ExportStatus.SUCCEEDED}
    assert all(job.last_error is None for job in jobs)
