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

``--plain-session`` adds a third side in the same runs: an ExportKit given a plain
aiobotocore session (``ExportKit(session=...)``), which the kit uses as it is, so without
what the kit's own session saves per call (``export_kit._kit._own_session``): what a caller
who passes a session gets, and what every kit did before those savings.

    python -m benchmarks.overhead [--quick] [--plain-session]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiobotocore.session

from benchmarks._child import child_emulator, omics_clients
from benchmarks._stats import Sample, machine, sample
from export_kit import ExportKit
from export_kit.local import ACCESS_KEY, DEFAULT_REGION, SECRET_KEY
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


#: Per mode, per side: µs per call, and the median of its per-pair ratios to raw (``None``
#: for raw itself).
Result = dict[str, dict[str, tuple[Sample, Sample | None]]]

RAW, KIT, PLAIN = "raw aiobotocore", "ExportKit", "ExportKit, plain session"


@asynccontextmanager
async def _plain_session_kit(endpoint: str, wanted: bool) -> AsyncIterator[ExportKit | None]:
    """An ExportKit given a plain aiobotocore session (if ``wanted``), else ``None``."""
    if not wanted:
        yield None
        return
    async with ExportKit(
        region_name=DEFAULT_REGION,
        endpoint_url=endpoint,
        session=aiobotocore.session.get_session(),
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    ) as kit:
        yield kit


async def measure(
    endpoint: str, *, calls: int, repeats: int, plain_session: bool = False
) -> tuple[Result, Result]:
    """Wall clock, then client CPU: per mode and side, µs/call and the median of the
    per-pair ratios side / raw.

    Each repeat times the sides back to back (order reversed every other repeat), so a
    pair sees the same machine load; the median of the pair ratios is robust to slow
    drifts in load.
    """
    async with (
        omics_clients(endpoint) as (raw, kit),
        _plain_session_kit(endpoint, plain_session) as plain,
    ):
        job = await kit.omics.start_read_set_export_job(
            sequence_store_id=STORE,
            destination="s3://bucket/out/",
            role_arn="arn:aws:iam::123456789012:role/Export",
            sources=[omics.ExportReadSet(read_set_id="1111111111")],
        )

        async def raw_call() -> object:
            return await raw.get_read_set_export_job(sequenceStoreId=STORE, id=job.id)

        def kit_call(kit: ExportKit) -> Call:
            async def call() -> object:
                return await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id=job.id)

            return call

        sides: list[tuple[str, Call]] = [(RAW, raw_call), (KIT, kit_call(kit))]
        if plain is not None:
            sides.append((PLAIN, kit_call(plain)))
        for _, warm in sides:  # open connections, fill caches
            await _per_call_us(warm, CONCURRENCY, CONCURRENCY)

        wall: Result = {}
        cpu: Result = {}
        for mode, concurrency in (
            ("sequential", 1),
            (f"{CONCURRENCY}-way concurrent", CONCURRENCY),
        ):
            runs: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in sides}
            for repeat in range(repeats):
                for name, call in sides if repeat % 2 == 0 else reversed(sides):
                    runs[name].append(await _per_call_us(call, calls, concurrency))
            for result, i in ((wall, 0), (cpu, 1)):
                raw_us = [run[i] for run in runs[RAW]]
                result[mode] = {RAW: (sample(raw_us), None)}
                for name, _ in sides[1:]:
                    side_us = [run[i] for run in runs[name]]
                    ratios = [s / r for r, s in zip(raw_us, side_us, strict=True)]
                    result[mode][name] = (sample(side_us), sample(ratios))
        return wall, cpu


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny run for smoke tests")
    parser.add_argument(
        "--plain-session",
        action="store_true",
        help="also time an ExportKit given a plain aiobotocore session, in the same runs",
    )
    args = parser.parse_args(argv)
    calls, repeats = (CONCURRENCY, 2) if args.quick else (CONCURRENCY * 10, 21)
    with child_emulator() as endpoint:
        wall, cpu = asyncio.run(
            measure(endpoint, calls=calls, repeats=repeats, plain_session=args.plain_session)
        )
    lines = [f"{calls} calls per run, {repeats} runs per side; µs per call, median (min-max)"]
    for title, results in (("wall clock", wall), ("client CPU (time.process_time)", cpu)):
        names = list(next(iter(results.values())))
        header = [title, names[0]]
        for name in names[1:]:
            header += [name, "ratio, median of pairs (min-max)"]
        lines += ["", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for mode, sides in results.items():
            cells = [mode]
            for us, ratio in sides.values():
                cells.append(str(us))
                if ratio is not None:
                    cells.append(f"{ratio.median:.3f}x ({ratio.low:.3f}-{ratio.high:.3f})")
            lines.append("| " + " | ".join(cells) + " |")
    report = "\n".join([f"Machine: {machine()}", "", *lines])
    print(report)
    return report


if __name__ == "__main__":
    main()
