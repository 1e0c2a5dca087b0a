"""Emulator throughput: a bounded local load loop against 127.0.0.1.

Runs a fixed number of requests (half starts, half describes, over all five services)
through aiobotocore with a small concurrency, then prints requests per second.
Usage: ``python benchmarks/emulator_throughput.py [--requests N] [--concurrency C]``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import aiobotocore.session

from export_kit.local import Emulator

ROLE = "arn:aws:iam::123456789012:role/Export"
STORE = "1234567890"


async def run(total: int, concurrency: int) -> float:
    """Send ``total`` requests with ``concurrency`` workers; return requests per second."""
    session: Any = aiobotocore.session.get_session()
    async with (
        Emulator(clock="manual") as emu,
        session.create_client("omics", **emu.client_kwargs()) as om,
        session.create_client("simpledbv2", **emu.client_kwargs()) as sdb,
        session.create_client("discovery", **emu.client_kwargs()) as dc,
    ):
        om_job = (
            await om.start_read_set_export_job(
                sequenceStoreId=STORE,
                destination="s3://bucket/out/",
                roleArn=ROLE,
                sources=[{"readSetId": "1111111111"}],
            )
        )["id"]
        calls = [
            lambda: om.get_read_set_export_job(sequenceStoreId=STORE, id=om_job),
            lambda: sdb.start_domain_export(domainName="orders", s3Bucket="bucket"),
            lambda: dc.start_export_task(),
            lambda: dc.describe_export_tasks(maxResults=10),
        ]
        counter = iter(range(total))

        async def worker() -> None:
            for i in counter:
                await calls[i % len(calls)]()

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return total / elapsed


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="tiny run for smoke tests")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests = 100
    rate = asyncio.run(run(args.requests, args.concurrency))
    report = f"{args.requests} requests, concurrency {args.concurrency}: {rate:.0f} requests/s"
    print(report)
    return report


if __name__ == "__main__":
    main()
