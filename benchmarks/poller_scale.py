"""The shared poller at 1k / 5k / 10k jobs across the five services: calls, CPU and memory.

N jobs are started, N/10 on each of two scopes per service (two m2 applications,
Personalize datasets, SimpleDB v2 domains, omics sequence stores; Discovery's two tenths
share its one id-based batch), on an emulator in a child process whose clock never moves:
the jobs stay pending, so every round polls all N.  Then they are waited on twice, on
virtual time (``PollPolicy(min_delay=1, max_delay=1)``, timeout ``--rounds`` - 1 seconds,
so ``--rounds`` rounds; six by default):

* ``wait_all``: one ``kit.wait_all(jobs)``;
* ``independent``: one task per job, each awaiting ``job.wait()``.

Reported per N and side: requests per round against the bound (the sum over scopes of
⌈N_scope / page⌉), client CPU per round (``time.process_time``, the emulator's CPU is in the
other process) and per job, the part of it spent in Python's cyclic garbage collector
(``gc.callbacks``), and the Python heap the wait adds per job (``tracemalloc`` peak over the
wait, measured in a separate pass so tracing does not skew the CPU figures).  For the
independent side the heap is also given minus a bare task that only awaits an event,
measured at the same N in the same process: the library's share per waited job.

A longer window (``--rounds 31``) shows the collector's share as it settles: in six rounds
the smallest N may see no full collection at all.

Usage: ``python -m benchmarks.poller_scale [--sizes 1000 5000 10000] [--rounds 6] [--freeze-gc]
[--quick]``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import math
import random
import time
import tracemalloc
from collections import Counter
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import anyio.lowlevel

from benchmarks._child import child_emulator
from benchmarks._stats import machine
from export_kit import ExportJob, ExportKit, PollPolicy, WaitTimeout
from export_kit._shapes import OperationRequest, ResponseShape
from export_kit.local import ACCESS_KEY, DEFAULT_REGION, SECRET_KEY

ROLE = "arn:aws:iam::123456789012:role/Export"
SERVICES = ("m2", "personalize", "discovery", "simpledbv2", "omics")
PAGE = {"m2": 2000, "personalize": 100, "discovery": 100, "simpledbv2": 100, "omics": 100}
R = TypeVar("R", bound=ResponseShape)


class CountingKit(ExportKit):
    """An ``ExportKit`` that counts the requests it sends."""

    calls = 0

    async def send(self, request: OperationRequest[R], /) -> R:
        self.calls += 1
        return await super().send(request)


class VirtualClock:
    """Virtual time; notes the requests sent between two sleeps (one round), and at each
    sleep the CPU and GC time used so far (``marks``: the steady rounds lie between the
    first and the last sleep)."""

    def __init__(self, kit: CountingKit, timer: GcTimer | None) -> None:
        self.kit = kit
        self.timer = timer
        self.t = 0.0
        self.rounds: list[int] = []
        self.marks: list[tuple[float, float, int]] = []
        self.mark = kit.calls

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.rounds.append(self.kit.calls - self.mark)
        self.mark = self.kit.calls
        if self.timer is not None:
            self.marks.append((time.process_time(), self.timer.total, self.timer.full))
        self.t += seconds
        await anyio.lowlevel.checkpoint()


def start_kwargs(service: str, size: int, scope: int, n: int) -> dict[str, Any]:
    tag = f"{size}-{scope}"
    kwargs: dict[str, dict[str, Any]] = {
        "m2": {"application_id": f"app-{tag}", "export_config": {"s3_location": "s3://b/m2/"}},
        "personalize": {
            "job_name": f"bench-{tag}-{n}",
            "dataset_arn": f"arn:aws:personalize:us-east-1:123456789012:dataset/g/D{tag}",
            "role_arn": ROLE,
            "job_output": {"s3_data_destination": {"path": "s3://bucket/out/"}},
        },
        "discovery": {},
        "simpledbv2": {"domain_name": f"domain-{tag}", "s3_bucket": "bucket-1"},
        "omics": {
            "sequence_store_id": f"{1000000000 + size + scope}",
            "destination": "s3://bucket/out/",
            "role_arn": ROLE,
            "sources": [{"read_set_id": "9876543210"}],
        },
    }
    return kwargs[service]


async def start_jobs(kit: ExportKit, size: int) -> tuple[list[ExportJob], int]:
    """``size`` jobs, a tenth per (service, scope); and the calls-per-round bound."""
    jobs: list[ExportJob] = []
    per_scope: Counter[tuple[str, int]] = Counter()
    limiter = anyio.CapacityLimiter(32)

    async def one(service: str, scope: int, n: int) -> None:
        async with limiter:
            jobs.append(await getattr(kit, service).start(**start_kwargs(service, size, scope, n)))

    async with anyio.create_task_group() as tg:
        for n in range(size):
            service = SERVICES[n % 5]
            scope = (n // 5) % 2
            per_scope[service, 0 if service == "discovery" else scope] += 1
            tg.start_soon(one, service, scope, n)
    bound = sum(math.ceil(count / PAGE[service]) for (service, _), count in per_scope.items())
    return jobs, bound


@dataclass
class Result:
    size: int
    mode: str
    rounds: list[int]
    cpu: float
    gc_cpu: float
    gc_full: int
    heap: float
    bare: float
    #: The steady rounds (all but the first and the last): their count, CPU, GC CPU and
    #: full collections.  The first round also registers every waiter (and, independently,
    #: the caller starts N tasks before it); the last ends them.
    steady: tuple[int, float, float, int]


class GcTimer:
    """CPU seconds spent in the cyclic garbage collector (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.total = 0.0
        self.full = 0  # collections of the oldest generation (they walk the whole heap)
        self._began = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.process_time()
        else:
            self.total += time.process_time() - self._began
            self.full += info["generation"] == 2


@contextlib.contextmanager
def frozen(freeze_gc: bool) -> Generator[None]:
    """With ``freeze_gc``: what exists before the wait (the jobs, the kit...) out of the
    collector's reach (``gc.freeze``; the collection before it is not timed)."""
    if freeze_gc:
        gc.collect()
        gc.freeze()
    try:
        yield
    finally:
        if freeze_gc:
            gc.unfreeze()


async def wait(
    kit: CountingKit, jobs: list[ExportJob], mode: str, rounds: int, timer: GcTimer | None = None
) -> VirtualClock:
    """Wait ``rounds`` rounds (attempts at 0, 1, ..., rounds - 1 s); the clock holds the
    calls of each round (and, given ``timer``, the CPU and GC marks at each sleep)."""
    clock = VirtualClock(kit, timer)
    poll = PollPolicy(min_delay=1, max_delay=1, clock=clock, rng=random.Random(7))
    if mode == "wait_all":
        outcomes = await kit.wait_all(jobs, timeout=rounds - 1, poll=poll)
        assert all(isinstance(o.error, WaitTimeout) for o in outcomes)
    else:

        async def one(job: ExportJob) -> None:
            with contextlib.suppress(WaitTimeout):
                await job.wait(rounds - 1, poll=poll)

        async with anyio.create_task_group() as tg:
            for job in jobs:
                tg.start_soon(one, job)
    clock.rounds.append(kit.calls - clock.mark)
    return clock


async def bare_task_heap(count: int) -> float:
    """Heap per task of ``count`` tasks that only await an event: what the caller's own task
    costs in the ``independent`` side, before any waiting machinery."""
    event = anyio.Event()

    async def one() -> None:
        await event.wait()

    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    used = 0
    async with anyio.create_task_group() as tg:
        for _ in range(count):
            tg.start_soon(one)
        for _ in range(3):
            await anyio.lowlevel.checkpoint()  # every task started and waiting
        used = tracemalloc.get_traced_memory()[0] - base
        event.set()
    tracemalloc.stop()
    return used / count


async def measure(
    endpoint: str, sizes: list[int], freeze_gc: bool, rounds: int
) -> tuple[list[Result], dict[int, int]]:
    results: list[Result] = []
    bounds: dict[int, int] = {}
    async with CountingKit(
        region_name=DEFAULT_REGION,
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    ) as kit:
        for size in sizes:
            jobs, bounds[size] = await start_jobs(kit, size)
            bare = await bare_task_heap(size)
            for mode in ("wait_all", "independent"):
                await wait(kit, jobs, mode, rounds)  # warm: caches, connections
                timer = GcTimer()
                with frozen(freeze_gc):
                    gc.callbacks.append(timer)
                    began = time.process_time()
                    clock = await wait(kit, jobs, mode, rounds, timer)
                    cpu = time.process_time() - began
                    gc.callbacks.remove(timer)
                (cpu0, gc0, full0), (cpu1, gc1, full1) = clock.marks[0], clock.marks[-1]
                steady = (len(clock.marks) - 1, cpu1 - cpu0, gc1 - gc0, full1 - full0)
                with frozen(freeze_gc):
                    tracemalloc.start()
                    base = tracemalloc.get_traced_memory()[0]
                    await wait(kit, jobs, mode, rounds)
                    peak = tracemalloc.get_traced_memory()[1]
                    tracemalloc.stop()
                heap = (peak - base) / size
                tasks = bare if mode == "independent" else 0.0
                results.append(
                    Result(
                        size, mode, clock.rounds, cpu, timer.total, timer.full, heap, tasks, steady
                    )
                )
    return results, bounds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--quick", action="store_true", help="a tiny run (CI smoke test)")
    parser.add_argument(
        "--freeze-gc",
        action="store_true",
        help="gc.freeze() before each wait: the cyclic GC no longer walks the jobs and the "
        "kit, to see how much of the growth per job is the collector's",
    )
    parser.add_argument("--rounds", type=int, default=6, help="rounds per wait (at least 3)")
    args = parser.parse_args(argv)
    if args.rounds < 3:
        parser.error("--rounds must be at least 3 (one steady round between the first and last)")
    if args.quick:
        args.sizes = [50, 100]
    with child_emulator(clock="manual") as endpoint:
        results, bounds = anyio.run(measure, endpoint, args.sizes, args.freeze_gc, args.rounds)
    print(f"machine: {machine()}")
    print(
        f"jobs across 5 services x 2 scopes, all pending; {args.rounds} rounds on virtual time; "
        f"emulator in a child process; GC {'frozen before each wait' if args.freeze_gc else 'as is'}"
    )
    print(
        f"\nSteady rounds (all but the first and the last, {args.rounds - 2} per wait): "
        "what each further round of polling costs the client"
    )
    print(
        "| jobs | side | CPU per round (ms) | CPU per job per round (µs) | of which GC (µs) "
        "| full GC runs | CPU without GC per job (µs) |"
    )
    print("|---|---|---|---|---|---|---|")
    first: dict[str, tuple[float, float]] = {}
    for r in results:
        count, cpu, gc_cpu, full = r.steady
        _row(first, r, count, cpu, gc_cpu, full, "")
    print(
        "\nThe whole wait, per round (first and last rounds included: registering and ending "
        "the waits, and on the independent side starting and ending the caller's N tasks)"
    )
    print(
        "| jobs | side | calls per round (max) | bound Σ⌈N_scope/page⌉ | CPU per round (ms) "
        "| CPU per job per round (µs) | of which GC (µs) | full GC runs | CPU without GC per job (µs) "
        "| heap per waited job (KB) | bare task (KB) | library share (KB) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    first = {}
    for r in results:
        bare = f"{r.bare / 1024:.2f}" if r.bare else "-"
        calls = f"| {max(r.rounds)} | {bounds[r.size]} "
        heap = f" {r.heap / 1024:.2f} | {bare} | {(r.heap - r.bare) / 1024:.2f} |"
        _row(first, r, len(r.rounds), r.cpu, r.gc_cpu, r.gc_full, heap, calls)
    print(
        "(ratios in brackets: per job per round against the smallest N; 1.00x is linear. "
        "Library share: heap minus a bare task awaiting an event, measured at the same N)"
    )


def _row(
    first: dict[str, tuple[float, float]],
    r: Result,
    rounds: int,
    cpu: float,
    gc_cpu: float,
    full: int,
    tail: str,
    calls: str = "",
) -> None:
    """One table row: CPU per round and per job per round, its GC share, the rest."""
    per_round = cpu / rounds
    per_job = per_round / r.size * 1e6
    gc_job = gc_cpu / rounds / r.size * 1e6
    rest = per_job - gc_job
    base_job, base_rest = first.setdefault(r.mode, (per_job, rest))
    print(
        f"| {r.size:,} | {r.mode} {calls}| {per_round * 1e3:.1f} "
        f"| {per_job:.1f} ({per_job / base_job:.2f}x) | {gc_job:.1f} | {full} "
        f"| {rest:.1f} ({rest / base_rest:.2f}x) |{tail}"
    )


if __name__ == "__main__":
    main()
