"""The emulator's own cost: request rate against a bare aiohttp handler, CPU per job count,
and the persistence cost of one start.

1. Throughput.  The server runs in a child process (so the client's CPU stays out of it);
   one cheap keep-alive HTTP client in this process sends omics ``GetReadSetExportJob``
   requests at a fixed concurrency to (a) a bare aiohttp handler answering the same JSON,
   (b) the emulator holding that one job and (c) the emulator holding ``--background``
   other jobs too.  The ratio emulator / bare is the figure (goal: at least 0.5), and (b)
   against (c) shows whether a request's cost depends on jobs outside its answer.  Each
   server also reports its own ``time.process_time()`` around each round: CPU microseconds
   per request, which a shared machine disturbs far less than the wall-clock rate.
2. CPU per job count.  For each N of ``--jobs`` an emulator in a child process (manual clock,
   8 s jobs) gets N jobs, a fifth on each service, one scope each; then ``kit.wait_all``
   waits for all of them while the clock moves 1 s every 0.25 s.  The child's
   ``time.process_time()`` is read before and after each phase.
3. Persistence per start.  With ``--persist-jobs`` jobs already stored, the median latency
   of one more omics start with ``data_dir`` persistence minus the same without it.

Usage: ``python -m benchmarks.emulator_throughput [--requests 4000] [--rounds 5]
[--concurrency 16] [--background 5000] [--jobs 1000,5000,10000] [--persist-jobs 2000]
[--skip rate,cpu,persist] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from benchmarks._stats import machine

STORE = "1234567890"
ROLE = "arn:aws:iam::123456789012:role/Export"
DATASET = "arn:aws:personalize:us-east-1:123456789012:dataset/bench/INTERACTIONS"
SERVICES = ("m2", "personalize", "discovery", "simpledbv2", "omics")
AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/omics/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
)

# The child process: serves "bare" (a plain aiohttp handler) or "emulator", prints its URL,
# then answers stdin commands: "advance <s>" (emulator only), "cpu".
_CHILD = r"""
import asyncio, json, sys, time, warnings
warnings.simplefilter("ignore")
from aiohttp import web

BODY = json.dumps({"id": "1", "sequenceStoreId": "1234567890", "destination": "s3://b/o/",
    "status": "SUBMITTED", "creationTime": "2025-01-01T00:00:00.000Z",
    "readSets": [{"id": "1111111111", "status": "NOT_STARTED"}]}).encode()

async def bare(request):
    await request.read()
    return web.Response(body=BODY, content_type="application/json")

async def commands(emu=None):
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        cmd, *arg = line.split()
        if cmd == "advance":
            emu.advance(float(arg[0]))
            print("ok", flush=True)
        elif cmd == "cpu":
            print(time.process_time(), flush=True)

async def main():
    if sys.argv[1] == "bare":
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", bare)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        print(f"http://127.0.0.1:{port}", flush=True)
        await commands()
        await runner.cleanup()
        return
    from export_kit.local import Emulator
    async with Emulator(clock="manual", job_duration=8.0) as emu:
        print(emu.endpoint_url, flush=True)
        await commands(emu)

asyncio.run(main())
"""


class Child:
    """A server in a child process and its command pipe."""

    def __init__(self, kind: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()

    def command(self, line: str) -> str:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    async def acommand(self, line: str) -> str:
        return await asyncio.to_thread(self.command, line)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


@asynccontextmanager
async def child(kind: str) -> AsyncGenerator[Child]:
    server = await asyncio.to_thread(Child, kind)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.close)


class Connection:
    """A minimal HTTP/1.1 keep-alive client: far cheaper per request than any full client,
    so the server, not the client, bounds the rate."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str) -> Connection:
        host, port = url.removeprefix("http://").split(":")
        return cls(*await asyncio.open_connection(host, int(port)))

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {AUTH}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        headers = await self.reader.readuntil(b"\r\n\r\n")
        status = int(headers.split(b" ", 2)[1])
        length = 0
        for line in headers.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def start_omics(conn: Connection, store: str = STORE) -> str:
    body = json.dumps(
        {
            "destination": "s3://bucket/out/",
            "roleArn": ROLE,
            "sources": [{"readSetId": "1111111111"}],
        }
    ).encode()
    status, answer = await conn.request("POST", f"/sequencestore/{store}/exportjob", body)
    assert status == 200, answer
    job_id: str = json.loads(answer)["id"]
    return job_id


async def rate(server: Child, path: str, total: int, concurrency: int) -> tuple[float, float]:
    """Requests per second of ``GET path`` with ``concurrency`` keep-alive connections, and
    the server's CPU microseconds per request (its ``time.process_time()``)."""
    conns = [await Connection.open(server.url) for _ in range(concurrency)]
    counter = iter(range(total))

    async def worker(conn: Connection) -> None:
        for _ in counter:
            status, answer = await conn.request("GET", path)
            assert status == 200, answer

    try:
        cpu0 = float(await server.acommand("cpu"))
        began = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in conns))
        wall = time.perf_counter() - began
        cpu1 = float(await server.acommand("cpu"))
        return total / wall, (cpu1 - cpu0) / total * 1e6
    finally:
        for conn in conns:
            await conn.close()


async def throughput(
    total: int, concurrency: int, background: int, rounds: int
) -> list[tuple[str, list[float], list[float]]]:
    """Rates and server CPU per request of the three servers, measured in ``rounds``
    interleaved rounds (the machine's load drifts; interleaving lets the medians share it)."""
    async with child("bare") as bare, child("emulator") as small, child("emulator") as big:
        targets: list[tuple[str, Child, str]] = [("bare aiohttp handler", bare, "/x")]
        for label, server, extra in (("emulator, 1 job", small, 0), ("", big, background)):
            conn = await Connection.open(server.url)
            job_id = await start_omics(conn)
            for n in range(extra):
                await start_omics(conn, store=str(2000000000 + n % 50))
            await conn.close()
            path = f"/sequencestore/{STORE}/exportjob/{job_id}"
            targets.append((label or f"emulator, 1 + {background} jobs", server, path))
        rates: dict[str, list[float]] = {label: [] for label, _, _ in targets}
        cpus: dict[str, list[float]] = {label: [] for label, _, _ in targets}
        for _ in range(rounds):
            for label, server, path in targets:
                per_second, cpu = await rate(server, path, total, concurrency)
                rates[label].append(per_second)
                cpus[label].append(cpu)
    return [(label, rates[label], cpus[label]) for label in rates]


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
            "sequence_store_id": STORE,
            "destination": "s3://bucket/out/",
            "role_arn": ROLE,
            "sources": [{"read_set_id": "9876543210"}],
        },
    }
    return kwargs[service]


async def cpu_for(jobs_count: int) -> tuple[float, float, float]:
    """Emulator CPU seconds to create ``jobs_count`` jobs and to serve their ``wait_all``,
    and the wall time of the wait."""
    from export_kit import ExportKit
    from export_kit.jobs import ExportJob
    from export_kit.local import ACCESS_KEY, DEFAULT_REGION, SECRET_KEY
    from export_kit.waiting import PollPolicy

    async with (
        child("emulator") as emu,
        ExportKit(
            region_name=DEFAULT_REGION,
            endpoint_url=emu.url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        ) as kit,
    ):
        cpu0 = float(await emu.acommand("cpu"))
        jobs: list[ExportJob] = []
        for first in range(0, jobs_count, 16):
            batch = range(first, min(first + 16, jobs_count))
            jobs += await asyncio.gather(
                *(
                    getattr(kit, SERVICES[n % 5]).start(**start_kwargs(SERVICES[n % 5], n))
                    for n in batch
                )
            )
        cpu1 = float(await emu.acommand("cpu"))
        done = asyncio.Event()

        async def move_clock() -> None:
            while not done.is_set():
                await asyncio.sleep(0.25)
                await emu.acommand("advance 1")

        mover = asyncio.create_task(move_clock())
        began = time.perf_counter()
        outcomes = await kit.wait_all(
            jobs, timeout=600, poll=PollPolicy(min_delay=0.2, max_delay=0.5)
        )
        wall = time.perf_counter() - began
        done.set()
        await mover
        assert all(o.ok for o in outcomes)
        cpu2 = float(await emu.acommand("cpu"))
    return cpu1 - cpu0, cpu2 - cpu1, wall


async def persistence(stored: int, starts: int) -> tuple[float, float]:
    """Median latency (ms) of one omics start with ``stored`` jobs, persisting and not."""
    from export_kit.local import Emulator

    medians: list[float] = []
    for persist in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            async with Emulator(clock="manual", data_dir=tmp, persist=persist) as emu:
                conn = await Connection.open(emu.endpoint_url)
                for _ in range(stored):
                    await start_omics(conn)
                times: list[float] = []
                for _ in range(starts):
                    began = time.perf_counter()
                    await start_omics(conn)
                    times.append((time.perf_counter() - began) * 1000)
                await conn.close()
            medians.append(statistics.median(times))
    return medians[0], medians[1]


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--background", type=int, default=5000)
    parser.add_argument("--jobs", default="1000,5000,10000")
    parser.add_argument("--persist-jobs", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="tiny run for smoke tests")
    parser.add_argument(
        "--skip", default="", help="comma-separated parts to skip: rate,cpu,persist"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.background, args.jobs, args.persist_jobs = 200, 50, "50", 50
        args.rounds = 1
    skip = set(args.skip.split(","))
    lines = [f"machine: {machine()}"]
    if "rate" not in skip:
        results = asyncio.run(
            throughput(args.requests, args.concurrency, args.background, args.rounds)
        )
        bare = statistics.median(results[0][1])
        bare_cpu = statistics.median(results[0][2])
        lines.append(
            f"GetReadSetExportJob, {args.requests} requests x {args.rounds} interleaved rounds, "
            f"{args.concurrency} connections; medians (min-max)"
        )
        lines.append(
            "| server | requests/s | ratio to bare | server CPU µs/request | bare CPU / server CPU |"
        )
        lines.append("|---|---|---|---|---|")
        for name, values, cpus in results:
            mid, cpu = statistics.median(values), statistics.median(cpus)
            spread = f"{min(values):.0f}-{max(values):.0f}"
            cpu_spread = f"{min(cpus):.0f}-{max(cpus):.0f}"
            lines.append(
                f"| {name} | {mid:.0f} ({spread}) | {mid / bare:.2f} | {cpu:.0f} ({cpu_spread}) "
                f"| {bare_cpu / cpu:.2f} |"
            )
    if "cpu" not in skip:
        lines.append(
            "| jobs | emulator CPU to create (s) | emulator CPU during wait_all (s) | wait wall (s) |"
        )
        lines.append("|---|---|---|---|")
        for count in (int(x) for x in args.jobs.split(",")):
            create, wait, wall = asyncio.run(cpu_for(count))
            lines.append(f"| {count} | {create:.2f} | {wait:.2f} | {wall:.1f} |")
    if "persist" not in skip:
        off, on = asyncio.run(persistence(args.persist_jobs, 100 if not args.quick else 10))
        lines.append(
            f"one omics start with {args.persist_jobs} jobs stored: {off:.2f} ms without "
            f"persistence, {on:.2f} ms with it: persistence costs {on - off:.2f} ms per start"
        )
    report = "\n".join(lines)
    print(report, flush=True)
    return report


if __name__ == "__main__":
    main()
