"""Cancellation storm: 500 in-flight waits cancelled at random points.

Afterwards no task is left pending, the kit still works, and every job can be
resumed by its token and waited to the end.
"""

from __future__ import annotations

import asyncio
import random

import anyio
import pytest

from export_kit import ExportJob, ExportKit, ExportStatus, PollPolicy
from export_kit.local import Emulator, FaultConfig

from ._support import SERVICES, start_kwargs

pytestmark = pytest.mark.anyio

WAITS = 500
POLL = PollPolicy(min_delay=0.01, max_delay=0.05)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_cancelled_waits_leave_nothing_behind(anyio_backend: str) -> None:
    tasks_before = set(asyncio.all_tasks())
    rng = random.Random(500)
    # Latency on every call so that many cancellations land on an in-flight request.
    faults = FaultConfig(latency_rate=0.5, latency=0.02)
    # The emulator serves from its own thread, so this loop holds only the kit's tasks.
    with Emulator(clock="manual", job_duration=10.0, seed=5, faults=faults) as emu:
        async with ExportKit(**emu.kit_kwargs()) as kit:
            await storm(emu, kit, rng)
    assert set(asyncio.all_tasks()) - tasks_before == set()


async def storm(emu: Emulator, kit: ExportKit, rng: random.Random) -> None:
    tasks_before = set(asyncio.all_tasks())
    jobs: list[ExportJob] = []

    async def start(index: int) -> None:
        service = SERVICES[index % len(SERVICES)]
        jobs.append(await getattr(kit, service).start(**start_kwargs(index, service)))

    async with anyio.create_task_group() as tg:
        for index in range(WAITS):
            tg.start_soon(start, index)
    tokens = [job.token() for job in jobs]
    cancelled = 0

    async def wait_then_cancel(job: ExportJob, after: float) -> None:
        nonlocal cancelled
        with anyio.move_on_after(after) as scope:
            await job.wait(poll=POLL)
        cancelled += scope.cancelled_caught

    async with anyio.create_task_group() as tg:
        for job in jobs:
            tg.start_soon(wait_then_cancel, job, rng.uniform(0.0, 0.3))
    assert cancelled == WAITS, "a wait finished although its job could not"
    assert set(asyncio.all_tasks()) - tasks_before == set()

    # The kit still works: resume every job by token and see it through.
    emu.advance(60)
    resumed = [kit.resume(token) for token in tokens]
    outcomes = await kit.wait_all(resumed, timeout=60, poll=POLL)
    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok][:3]
    assert {o.job.status for o in outcomes} == {ExportStatus.SUCCEEDED}
    assert sorted(o.job.id for o in outcomes) == sorted(job.id for job in jobs)
