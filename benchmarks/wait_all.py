"""Batched ``kit.wait_all`` vs one ``job.wait()`` per job (naive), same run, same emulator setup.

Starts N jobs (an equal share on each of the five services, one scope each) on an emulator
whose clock is frozen while the jobs are created and then runs in real time, so both sides
see identical job timelines (every job runs ``--duration`` seconds).  Both sides use the same
``PollPolicy`` and the kit's default settings (standard retries, 10 connections per client).
Reports requests per poll round, total requests and wall time.

Usage: ``python -m benchmarks.wait_all [--jobs 1000] [--duration 4] [--quick]``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Any

import anyio

from benchmarks._stats import machine
from export_kit import ExportKit
from export_kit.jobs import ExportJob
from export_kit.local import Emulator
from export_kit.waiting import AnyioClock, PollPolicy

ROLE = "arn:aws:iam::123456789012:role/Export"
DATASET = "arn:aws:personalize:us-east-1:123456789012:dataset/bench/INTERACTIONS"
SERVICES = ("m2", "personalize", "discovery", "simpledbv2", "omics")
MIN_DELAY, MAX_DELAY = 0.5, 2.0


class HeldClock:
    """The emulator's clock: frozen until ``release()``, then wall time from that point."""

    def __init__(self) -> None:
        self.base = time.time()
        self.released_at: float | None = None

    def now(self) -> float:
        if self.released_at is None:
            return self.base
        return self.base + (time.perf_counter() - self.released_at)

    def release(self) -> None:
        self.released_at = time.perf_counter()


class RoundClock(AnyioClock):
    """The real clock, noting the emulator's request count each time a waiter sleeps."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.marks: list[int] = []

    async def sleep(self, seconds: float) -> None:
        self.marks.append(self.emu.total_requests)
        await super().sleep(seconds)


def start_kwargs(service: str, n: int) -> dict[str, Any]:
    kwargs: dict[str, dict[str, Any]] = {
        "m2": {"application_id": "app-bench", "export_config": {"s3_location": "s3://b/m2/"}},
        "personalize": {
            "job_name": f"bench-{n}",
            "dataset_arn": DATASET,
            "role_arn": ROLE,
            "job_output": {"s3_data_destination": {"path": "s3://bucket/out/"}},
        },
        "discovery": {},
        "simpledbv2": {"domain_name": "bench", "s3_bucket": "bucket-1"},
        "omics": {
            "sequence_store_id": "1234567890",
            "destination": "s3://bucket/out/",
            "role_arn": ROLE,
            "sources": [{"read_set_id": "9876543210"}],
        },
    }
    return kwargs[service]


@dataclass
class Result:
    label: str
    wall: float
    requests: int
    first_round: int
    jobs: int


async def run(mode: str, jobs_count: int, duration: float) -> Result:
    held = HeldClock()
    async with (
        Emulator(clock=held, job_duration=duration, seed=1) as emu,
        ExportKit(**emu.kit_kwargs()) as kit,
    ):
        jobs: list[ExportJob] = []
        for n in range(jobs_count):
            service = SERVICES[n % len(SERVICES)]
            jobs.append(await getattr(kit, service).start(**start_kwargs(service, n)))
        emu.reset_counts()
        clock = RoundClock(emu)
        poll = PollPolicy(min_delay=MIN_DELAY, max_delay=MAX_DELAY, clock=clock)
        held.release()
        began = time.perf_counter()
        if mode == "wait_all":
            outcomes = await kit.wait_all(jobs, timeout=600, poll=poll)
            assert all(o.ok for o in outcomes), [o.error for o in outcomes if o.error][:3]
            first = clock.marks[0] if clock.marks else emu.total_requests
        else:
            async with anyio.create_task_group() as tg:
                for job in jobs:
                    tg.start_soon(lambda j: j.wait(600, poll=poll), job)
            # Every job polls once per its own round; round 1 ends at the N-th sleep.
            first = clock.marks[len(jobs) - 1] if len(clock.marks) >= len(jobs) else 0
        wall = time.perf_counter() - began
        return Result(mode, wall, emu.total_requests, first, len(jobs))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds each job runs")
    parser.add_argument("--quick", action="store_true", help="a tiny run (CI smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.jobs, args.duration = 10, 0.5
    results = [
        anyio.run(run, "wait_all", args.jobs, args.duration),
        anyio.run(run, "naive", args.jobs, args.duration),
    ]
    print(f"machine: {machine()}")
    print(
        f"{args.jobs} jobs ({args.jobs // 5} per service, one scope each), each running "
        f"{args.duration:g} s; PollPolicy(min_delay={MIN_DELAY}, max_delay={MAX_DELAY})"
    )
    print("| mode | requests in the first poll round | requests in all | per job | wall time (s) |")
    print("|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.label} | {r.first_round} | {r.requests} | {r.requests / r.jobs:.2f} "
            f"| {r.wall:.2f} |"
        )
    batched, naive = results
    print(
        f"wait_all sent {naive.requests / max(batched.requests, 1):.1f}x fewer requests; "
        f"wall time {batched.wall:.2f} s vs naive {naive.wall:.2f} s"
    )


if __name__ == "__main__":
    main()
