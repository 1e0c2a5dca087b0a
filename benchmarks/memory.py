"""Benchmark 5: memory for 1,000 concurrent waits, in MB per job.

Each side runs in a fresh process against the same child-process emulator:
``raw``, hand-written polling with one aiobotocore task per job (the baseline);
``kit-wait``, one ``job.wait()`` task per job; ``kit-wait_all``, one batched
``kit.wait_all(jobs)``.  We report the peak RSS growth while the waits run,
divided by the number of jobs (median of repeats, with spread).

    python -m benchmarks.memory [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys

import psutil

from benchmarks._child import child_emulator, omics_clients
from benchmarks._stats import Sample, machine, sample

STORE = "1234567890"
SIDES = ("raw", "kit-wait", "kit-wait_all")
START = {
    "destination": "s3://bucket/out/",
    "roleArn": "arn:aws:iam::123456789012:role/Export",
    "sources": [{"readSetId": "1111111111"}],
}


async def _sample_peak(rss: list[int], stop: asyncio.Event) -> None:
    process = psutil.Process()
    while not stop.is_set():
        rss.append(process.memory_info().rss)
        await asyncio.sleep(0.02)


async def run_side(side: str, endpoint: str, jobs: int) -> dict[str, float]:
    """In this process: start ``jobs`` jobs, wait for all, report RSS growth per job."""
    from export_kit import PollPolicy

    poll = PollPolicy(min_delay=0.2, max_delay=1.0)
    async with omics_clients(endpoint) as (raw, kit):
        ids = [
            (await raw.start_read_set_export_job(sequenceStoreId=STORE, **START))["id"]
            for _ in range(jobs)
        ]
        # Warm both code paths once so imports and caches are not counted as per-job cost.
        await raw.get_read_set_export_job(sequenceStoreId=STORE, id=ids[0])
        await kit.job("omics", ids[0], sequenceStoreId=STORE).refresh()
        rss: list[int] = []
        stop = asyncio.Event()
        baseline = psutil.Process().memory_info().rss
        sampler = asyncio.create_task(_sample_peak(rss, stop))

        async def raw_wait(job_id: str) -> None:
            delay = poll.min_delay or 0.2
            while True:
                got = await raw.get_read_set_export_job(sequenceStoreId=STORE, id=job_id)
                if got["status"] in {"COMPLETED", "COMPLETED_WITH_FAILURES", "FAILED", "CANCELLED"}:
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, poll.max_delay or 1.0)

        if side == "raw":
            await asyncio.gather(*(raw_wait(i) for i in ids))
        elif side == "kit-wait":
            handles = [kit.job("omics", i, sequenceStoreId=STORE) for i in ids]
            await asyncio.gather(*(h.wait(poll=poll) for h in handles))
        else:
            handles = [kit.job("omics", i, sequenceStoreId=STORE) for i in ids]
            outcomes = await kit.wait_all(handles, poll=poll)
            assert all(o.ok for o in outcomes)
        stop.set()
        await sampler
    peak = max(rss) if rss else baseline
    return {"mb_per_job": (peak - baseline) / jobs / 2**20, "peak_mb": peak / 2**20}


def measure(jobs: int, repeats: int, job_duration: float) -> dict[str, Sample]:
    per_job: dict[str, list[float]] = {side: [] for side in SIDES}
    with child_emulator(clock="real", job_duration=job_duration) as endpoint:
        for _ in range(repeats):
            for side in SIDES:
                out = subprocess.run(
                    [sys.executable, "-m", "benchmarks.memory", "--side", side, "--endpoint",
                     endpoint, "--jobs", str(jobs)],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                per_job[side].append(json.loads(out.stdout.strip().splitlines()[-1])["mb_per_job"])
    return {side: sample(values) for side, values in per_job.items()}


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny run for smoke tests")
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.side:  # child mode: one measurement, printed as JSON
        result = asyncio.run(run_side(args.side, args.endpoint, args.jobs))
        print(json.dumps(result))
        return json.dumps(result)
    jobs, repeats, duration = (20, 1, 0.5) if args.quick else (args.jobs, 3, 3.0)
    results = measure(jobs, repeats, duration)
    base = results["raw"].median
    lines = [
        f"{jobs} concurrent waits per run, {repeats} runs per side; peak RSS growth, MB per job",
        "",
        "| side | MB per job, median (min-max) | ratio to raw |",
        "|---|---|---|",
    ]
    for side, value in results.items():
        ratio = f"{value.median / base:.2f}x" if base > 0 else "n/a"
        lines.append(
            f"| {side} | {value.median:.4f} ({value.low:.4f}-{value.high:.4f}) | {ratio} |"
        )
    report = "\n".join([f"Machine: {machine()}", "", *lines])
    print(report)
    return report


if __name__ == "__main__":
    main()
