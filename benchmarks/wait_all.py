"""Independent ``job.wait()`` tasks vs one ``kit.wait_all``: calls per poll round, per service.

Both go through the kit's shared poller, so N tasks each awaiting their own job on one scope
should cost what one ``wait_all`` of the N jobs costs.  Per service, N jobs (default 1,000)
are started on one scope (one m2 application, Personalize dataset, SimpleDB v2 domain, omics
sequence store; Discovery has no scope) on an emulator with a manual clock; jobs are started
0.01 s apart and run 8 s, so they finish over the rounds.  The waiters run on virtual time
(each poller sleep moves the emulator's clock), so both sides see identical timelines and a
"round" is exactly the requests between two sleeps.  Both use
``PollPolicy(min_delay=1, max_delay=4)`` with the same seeded jitter and a fresh emulator
with the same seed.

Reports, per service and side: requests in the first round (all N pending), the mean
requests per round, rounds, total requests, and the ratio independent / wait_all.

Usage: ``python -m benchmarks.wait_all [--jobs 1000] [--quick]``.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.lowlevel

from benchmarks._stats import machine
from export_kit import ExportJob, ExportKit, PollPolicy
from export_kit.local import Emulator

ROLE = "arn:aws:iam::123456789012:role/Export"
DATASET = "arn:aws:personalize:us-east-1:123456789012:dataset/bench/INTERACTIONS"
SERVICES = ("m2", "personalize", "discovery", "simpledbv2", "omics")
PAGE = {"m2": 2000, "personalize": 100, "discovery": 100, "simpledbv2": 100, "omics": 100}


class RoundClock:
    """Virtual time: ``sleep(s)`` moves the emulator's manual clock by ``s`` and notes the
    requests made since the previous sleep (one poll round)."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.t = 0.0
        self.rounds: list[int] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.rounds.append(self.emu.total_requests)
        self.emu.reset_counts()
        self.t += seconds
        self.emu.advance(seconds)
        await anyio.lowlevel.checkpoint()


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
    service: str
    mode: str
    first: int
    rounds: list[int]
    wall: float

    @property
    def mean(self) -> float:
        return sum(self.rounds) / len(self.rounds)


async def run(service: str, mode: str, jobs_count: int) -> Result:
    async with (
        Emulator(clock="manual", job_duration=8.0, seed=1) as emu,
        ExportKit(**emu.kit_kwargs()) as kit,
    ):
        facade = getattr(kit, service)
        jobs: list[ExportJob] = []
        for n in range(jobs_count):
            jobs.append(await facade.start(**start_kwargs(service, n)))
            emu.advance(0.01)
        emu.reset_counts()
        clock = RoundClock(emu)
        poll = PollPolicy(min_delay=1, max_delay=4, clock=clock, rng=random.Random(7))
        began = time.perf_counter()
        if mode == "wait_all":
            outcomes = await kit.wait_all(jobs, timeout=3600, poll=poll)
            assert all(o.ok for o in outcomes), [o.error for o in outcomes if o.error][:3]
        else:
            async with anyio.create_task_group() as tg:
                for job in jobs:
                    tg.start_soon(lambda j: j.wait(3600, poll=poll), job)
        wall = time.perf_counter() - began
        rounds = [*clock.rounds, emu.total_requests]
        return Result(service, mode, rounds[0], rounds, wall)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=1000, help="jobs per service")
    parser.add_argument("--quick", action="store_true", help="a tiny run (CI smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.jobs = 20
    results: dict[tuple[str, str], Result] = {}
    for service in SERVICES:
        for mode in ("wait_all", "independent"):
            results[service, mode] = anyio.run(run, service, mode, args.jobs)
    print(f"machine: {machine()}")
    print(
        f"{args.jobs} jobs per service on one scope, started 0.01 s apart, each running 8 s; "
        "PollPolicy(min_delay=1, max_delay=4) on virtual time"
    )
    print(
        "| service | ⌈N/page⌉ | wait_all: first round | independent: first round "
        "| wait_all: calls/round (rounds, total) | independent: calls/round (rounds, total) "
        "| ratio of calls/round | ratio of totals | wall s (wait_all / independent) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    totals: Counter[str] = Counter()
    for service in SERVICES:
        batched, independent = results[service, "wait_all"], results[service, "independent"]
        totals["wait_all"] += sum(batched.rounds)
        totals["independent"] += sum(independent.rounds)
        print(
            f"| {service} | {-(-args.jobs // PAGE[service])} | {batched.first} "
            f"| {independent.first} "
            f"| {batched.mean:.2f} ({len(batched.rounds)}, {sum(batched.rounds)}) "
            f"| {independent.mean:.2f} ({len(independent.rounds)}, {sum(independent.rounds)}) "
            f"| {independent.mean / batched.mean:.3f}x "
            f"| {sum(independent.rounds) / sum(batched.rounds):.3f}x "
            f"| {batched.wall:.2f} / {independent.wall:.2f} |"
        )
    print(
        f"all services: wait_all {totals['wait_all']} requests, independent waits "
        f"{totals['independent']} ({totals['independent'] / totals['wait_all']:.3f}x)"
    )


if __name__ == "__main__":
    main()
