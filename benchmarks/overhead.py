"""Benchmark: per-call overhead of ``ExportKit`` over raw aiobotocore, same emulator, same run.

Both sides call omics ``GetReadSetExportJob`` on one job, with the same client config
(standard retries, host prefix off, botocore's pool of 10).  The emulator runs in a
child process so its CPU does not share the client's interpreter.  Each repeat times
the two sides back to back (order alternating), sequentially and 64-way concurrently;
we report the median µs per call with its min-max spread, and the median of the pair
ratios (goal: <= 1.05x).  ExportKit's side includes keyword validation, ``to_api()``, the
client token rule and parsing the typed response.

Client CPU per call is ``time.process_time()`` over the same runs: the emulator's work is
in the other process, so this is what each side costs the caller's interpreter (goal:
ExportKit <= 0.92x raw, sequential and 64-way).

    python -m benchmarks.overhead [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

from benchmarks._child import child_emulator, omics_clients
from benchmarks._stats import Sample, machine, sample
from export_kit.models import omics

STORE = "1234567890"
CONCURRENCY = 64

Call = Callable[[], Awaitable[object]]


async def _per_call_us(call: Call, calls: int, concurrency: int) -> tuple[float, float]:
    """Wall-clock and client-CPU µs per call, ``calls`` calls over ``concurrency`` tasks."""
    each = calls // concurrency

    async def worker() -> None:
        for _ in range(each):
            await call()

    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    done = each * concurrency
    return (
        (time.perf_counter() - start) / done * 1e6,
        (time.process_time() - cpu) / done * 1e6,
    )


Result = dict[str, tuple[Sample, Sample, Sample]]


async def measure(endpoint: str, *, calls: int, repeats: int) -> tuple[Result, Result]:
    """Wall clock, then client CPU: per mode, raw and ExportKit µs/call, and the median of
    the per-pair ratios ExportKit / raw.

    Each repeat times the two sides back to back (order alternating), so a pair sees the
    same machine load; the median of the pair ratios is robust to slow drifts in load.
    """
    async with omics_clients(endpoint) as (raw, kit):
        job = await kit.omics.start_read_set_export_job(
            sequence_store_id=STORE,
            destination="s3://bucket/out/",
            role_arn="arn:aws:iam::123456789012:role/Export",
            sources=[omics.ExportReadSet(read_set_id="1111111111")],
        )

        async def raw_call() -> object:
            return await raw.get_read_set_export_job(sequenceStoreId=STORE, id=job.id)

        async def kit_call() -> object:
            return await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id=job.id)

        for warm in (raw_call, kit_call):  # open connections, fill caches
            await _per_call_us(warm, CONCURRENCY, CONCURRENCY)

        wall: Result = {}
        cpu: Result = {}
        for mode, concurrency in (
            ("sequential", 1),
            (f"{CONCURRENCY}-way concurrent", CONCURRENCY),
        ):
            runs: dict[str, list[tuple[float, float]]] = {"raw": [], "kit": []}
            for repeat in range(repeats):
                order = [("raw", raw_call), ("kit", kit_call)]
                for name, call in order if repeat % 2 == 0 else reversed(order):
                    runs[name].append(await _per_call_us(call, calls, concurrency))
            for result, i in ((wall, 0), (cpu, 1)):
                raw_us = [run[i] for run in runs["raw"]]
                kit_us = [run[i] for run in runs["kit"]]
                ratios = [k / r for r, k in zip(raw_us, kit_us, strict=True)]
                result[mode] = (sample(raw_us), sample(kit_us), sample(ratios))
        return wall, cpu


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny run for smoke tests")
    args = parser.parse_args(argv)
    calls, repeats = (CONCURRENCY, 2) if args.quick else (CONCURRENCY * 10, 21)
    with child_emulator() as endpoint:
        wall, cpu = asyncio.run(measure(endpoint, calls=calls, repeats=repeats))
    lines = [f"{calls} calls per run, {repeats} runs per side; µs per call, median (min-max)"]
    for title, results in (("wall clock", wall), ("client CPU (time.process_time)", cpu)):
        lines += [
            "",
            f"| {title} | raw aiobotocore | ExportKit | ratio, median of pairs (min-max) |",
            "|---|---|---|---|",
        ]
        for mode, (raw, ours, ratio) in results.items():
            spread = f"{ratio.median:.3f}x ({ratio.low:.3f}-{ratio.high:.3f})"
            lines.append(f"| {mode} | {raw} | {ours} | {spread} |")
    report = "\n".join([f"Machine: {machine()}", "", *lines])
    print(report)
    return report


if __name__ == "__main__":
    main()
