"""200 deferred export tasks in one triggerer share one kit, so they are polled in batches.

The triggers run concurrently in one asyncio event loop, as the triggerer runs them, and
each awaits ``job.wait()`` on the kit shared by every trigger with the same settings.
Personalize lists 100 jobs a page, so a round over 200 jobs of one dataset costs
⌈200 / 100⌉ = 2 list calls, plus a small constant for jobs joining late.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from typing import Any

import aiobotocore.session
import anyio
import pytest
from airflow.triggers.base import TriggerEvent

from export_kit import ExportFailed, ExportKit, PollPolicy
from export_kit.airflow import ExportJobTrigger
from export_kit.local import Emulator

from ._support import CONN_ID, RoundCounter, client_connections, connection_env, params

pytestmark = pytest.mark.anyio

N = 200
PAGE = 100  # ListDatasetExportJobs' page
DELAY = 0.5
#: Extra calls a round may make beyond ⌈N/page⌉ (a job whose poll joins a round late).
SLACK = 2
FAILING = 20


#: Poll rounds the jobs stay running for, before the test lets them finish.
RUNNING_ROUNDS = 3


@pytest.fixture
def slow_emu() -> Any:
    """A manual-clock emulator: jobs run until the test moves its clock."""
    with Emulator(clock="manual", job_duration=8.0) as emu:
        yield emu


async def _start(emu: Emulator, n: int) -> list[str]:
    emu.fail_next("personalize", "no data in range", count=FAILING)
    tokens: list[str] = [""] * n
    async with ExportKit(**emu.kit_kwargs()) as kit:

        async def one(i: int) -> None:
            job = await kit.personalize.start(**params("personalize", job_name=f"job-{i}"))
            tokens[i] = job.token()

        async with anyio.create_task_group() as tg:
            for i in range(n):
                tg.start_soon(one, i)
    return tokens


async def _run_triggers(triggers: list[ExportJobTrigger]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [{}] * len(triggers)

    async def one(i: int) -> None:
        async for event in triggers[i].run():
            assert isinstance(event, TriggerEvent)
            events[i] = event.payload

    async with anyio.create_task_group() as tg:
        for i in range(len(triggers)):
            tg.start_soon(one, i)
    return events


async def _running_rounds_passed() -> None:
    await anyio.sleep(RUNNING_ROUNDS * DELAY)


async def _counted(
    emu: Emulator, work: Any, running: Any = _running_rounds_passed
) -> tuple[Any, list[int]]:
    """Run ``work()``, finishing every job once ``running()`` returns; requests per round."""
    counter = RoundCounter(emu, DELAY)

    async def finish_jobs() -> None:
        await running()
        emu.advance(8.0)

    async with anyio.create_task_group() as tg:
        tg.start_soon(counter.run)
        tg.start_soon(finish_jobs)
        result = await work()
        tg.cancel_scope.cancel()
    return result, counter.rounds


def _triggers(tokens: list[str], emu: Emulator) -> list[ExportJobTrigger]:
    poll = {"min_delay": DELAY, "max_delay": DELAY}
    return [ExportJobTrigger(token=t, aws_conn_id=CONN_ID, poll=poll) for t in tokens]


async def test_200_triggers_make_batched_calls_per_round_and_leave_nothing_behind(
    slow_emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(*connection_env(slow_emu))
    tokens = await _start(slow_emu, N)
    ids = [ExportKit().resume(t).id for t in tokens]
    tasks_before = set(asyncio.all_tasks())
    slow_emu.reset_counts()

    events, rounds = await _counted(slow_emu, lambda: _run_triggers(_triggers(tokens, slow_emu)))

    print(f"\nshared kit, {N} triggers: calls per round {rounds}")
    assert max(rounds) <= math.ceil(N / PAGE) + SLACK, rounds
    assert [e["id"] for e in events] == ids
    outcomes = [e["outcome"] for e in events]
    assert outcomes.count("failed") == FAILING
    assert outcomes.count("succeeded") == N - FAILING
    assert all(
        e["failure_reason"] == "no data in range" for e in events if e["outcome"] == "failed"
    )
    await anyio.lowlevel.checkpoint()
    assert set(asyncio.all_tasks()) == tasks_before, "no task left behind"
    assert client_connections(slow_emu.port) == 0, "the shared kit was closed"


async def test_cancelled_triggers_close_the_shared_kit(
    slow_emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(*connection_env(slow_emu))
    tokens = await _start(slow_emu, 20)
    tasks_before = set(asyncio.all_tasks())
    with anyio.move_on_after(0.3) as scope:
        await _run_triggers(_triggers(tokens, slow_emu))
    assert scope.cancelled_caught
    await anyio.lowlevel.checkpoint()
    assert set(asyncio.all_tasks()) == tasks_before
    assert client_connections(slow_emu.port) == 0
    # The jobs are untouched: a new trigger picks one up and sees it finish.
    slow_emu.advance(8.0)
    events = await _run_triggers(_triggers(tokens[:1], slow_emu))
    assert events[0]["outcome"] == "failed"  # the first FAILING jobs fail


async def test_one_kit_per_trigger_costs_one_call_per_trigger_per_round(
    slow_emu: Emulator,
) -> None:
    """What one-trigger-per-task polling costs on the same timeline (the comparison)."""
    tokens = await _start(slow_emu, N)
    slow_emu.reset_counts()
    clock = _CountingClock(until=N * RUNNING_ROUNDS)
    poll = PollPolicy(min_delay=DELAY, max_delay=DELAY, clock=clock)
    session = aiobotocore.session.get_session()  # only the model loading is shared

    async def own_kit(token: str) -> None:
        async with ExportKit(**slow_emu.kit_kwargs(), session=session) as kit:
            await kit.resume(token).wait(poll=poll)

    async def all_waits() -> None:
        async with anyio.create_task_group() as tg:
            for token in tokens:
                tg.start_soon(_ignore_failure, own_kit, token)

    _, bursts = await _counted(slow_emu, all_waits, clock.reached.wait)
    rounds = clock.sleeps / N + 1  # each waiter's attempts: its sleeps plus the first
    per_round = sum(bursts) / rounds
    print(f"\none kit per trigger, {N} triggers: {sum(bursts)} calls in {rounds:g} rounds")
    assert per_round >= N * 0.9


class _CountingClock:
    """The real clock, counting sleeps (one per poll round of one waiter).

    ``reached`` is set once ``until`` sleeps have begun: every waiter is polling.
    """

    def __init__(self, until: int) -> None:
        self.sleeps = 0
        self.until = until
        self.reached = anyio.Event()

    def now(self) -> float:
        return anyio.current_time()

    async def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        if self.sleeps >= self.until:
            self.reached.set()
        await anyio.sleep(seconds)


async def _ignore_failure(wait: Any, token: str) -> None:
    with contextlib.suppress(ExportFailed):
        await wait(token)
