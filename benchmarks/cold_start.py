"""Benchmark: a fresh process's first typed call, against raw aiobotocore's first call.

Each sample is a new interpreter that makes one omics ``GetReadSetExportJob`` call on the
same job, against one emulator served by another process, and exits.  The two sides run
interleaved (order alternating), so machine noise hits both alike; we report medians of N
(21 by default) and the ratio of the median totals (goal: <= 1.20x).  The child writes
``time.monotonic()`` (one system-wide clock) at each phase boundary and the parent adds the
moments it spawned the process and saw it end, which gives the breakdown:

- interpreter: spawn to the child's first statement (exec, ``site``, start-up);
- imports: ``aiobotocore.session`` / ``from export_kit import ExportKit``;
- models: the typed facade and models of the service (``kit.omics``); none for raw;
- client: the session and the omics client (``create_client`` / ``kit.client("omics")``);
- call: the request, from arguments to the parsed (typed) response;
- close: closing the client (its connection pool);
- exit: from the child's last statement to the parent seeing it end (interpreter teardown).

It also times the two command lines on the same job: ``export-kit status TOKEN`` against
``aws omics get-read-set-export-job`` (the AWS CLI, with ``emu.env()``-style variables).

Both sides load byte-compiled modules: aiobotocore, botocore and the AWS CLI were compiled
when pip installed them, and export_kit is compiled here first (``compileall`` writes its
``__pycache__``, which an editable install with ``PYTHONDONTWRITEBYTECODE=1`` never gets;
otherwise every export_kit child would compile its modules from source, 10-20 ms that an
installed wheel never pays).  ``--source`` skips that, to measure the uncompiled case.

    python -m benchmarks.cold_start [--quick] [--repeats N] [--source]
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import export_kit
from benchmarks._child import child_emulator, omics_clients
from benchmarks._stats import Sample, machine, sample
from export_kit.local import ACCESS_KEY, DEFAULT_REGION, SECRET_KEY

STORE = "1234567890"
BIN = Path(sys.executable).parent
PHASES = ("interpreter", "imports", "models", "client", "call", "close", "exit")

# Both children print the phase marks as one JSON list; argv: endpoint, store, job id.
_RAW = f"""
import time
marks = [time.monotonic()]
import asyncio, json, sys
import aiobotocore.session
from aiobotocore.config import AioConfig
marks.append(time.monotonic())

async def main():
    endpoint, store, job = sys.argv[1:4]
    marks.append(time.monotonic())  # no models on this side
    session = aiobotocore.session.get_session()
    config = AioConfig(inject_host_prefix=False, retries={{"mode": "standard"}})
    async with session.create_client(
        "omics", region_name={DEFAULT_REGION!r}, endpoint_url=endpoint, config=config,
        aws_access_key_id={ACCESS_KEY!r}, aws_secret_access_key={SECRET_KEY!r},
    ) as client:
        marks.append(time.monotonic())
        response = await client.get_read_set_export_job(sequenceStoreId=store, id=job)
        assert response["id"] == job
        marks.append(time.monotonic())
    marks.append(time.monotonic())

asyncio.run(main())
print(json.dumps(marks))
"""

_KIT = f"""
import time
marks = [time.monotonic()]
import asyncio, json, sys
from export_kit import ExportKit
marks.append(time.monotonic())

async def main():
    endpoint, store, job = sys.argv[1:4]
    async with ExportKit(
        region_name={DEFAULT_REGION!r}, endpoint_url=endpoint,
        aws_access_key_id={ACCESS_KEY!r}, aws_secret_access_key={SECRET_KEY!r},
    ) as kit:
        omics = kit.omics
        marks.append(time.monotonic())
        await kit.client("omics")
        marks.append(time.monotonic())
        response = await omics.get_read_set_export_job(sequence_store_id=store, id=job)
        assert response.id == job
        marks.append(time.monotonic())
    marks.append(time.monotonic())

asyncio.run(main())
print(json.dumps(marks))
"""

SIDES = {"raw aiobotocore": _RAW, "export_kit": _KIT}


def run_child(code: str, args: list[str]) -> list[float]:
    """Phase durations in ms (``PHASES`` order) of one fresh process running ``code``."""
    spawned = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    ended = time.monotonic()
    if result.returncode != 0:
        raise RuntimeError(f"child failed:\n{result.stderr}")
    marks = [spawned, *json.loads(result.stdout), ended]
    return [(b - a) * 1000 for a, b in itertools.pairwise(marks)]


def run_command(argv: list[str], env: dict[str, str]) -> float:
    """Wall ms of one command line (it must succeed)."""
    start = time.monotonic()
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = (time.monotonic() - start) * 1000
    if result.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed:\n{result.stderr}")
    return elapsed


async def _start_job(endpoint: str) -> tuple[str, str]:
    """Start one omics job on the emulator; its id and resume token."""
    from export_kit.models import omics

    async with omics_clients(endpoint) as (_, kit):
        job = await kit.omics.start(
            sequence_store_id=STORE,
            destination="s3://bucket/out/",
            role_arn="arn:aws:iam::123456789012:role/Export",
            sources=[omics.ExportReadSet(read_set_id="1111111111")],
        )
        return job.id, job.token()


def _env(endpoint: str) -> dict[str, str]:
    """The environment of both command lines: the emulator's (as ``Emulator.env()``)."""
    return {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": DEFAULT_REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
    }


def precompile() -> Path:
    """Byte-compile the export_kit the children import (as pip does when it installs one)."""
    package = Path(export_kit.__file__).parent
    compileall.compile_dir(package, quiet=1)
    return package


def measure(repeats: int) -> tuple[dict[str, list[Sample]], dict[str, Sample]]:
    """Per side, one ``Sample`` per phase plus the total; per command line, its wall time."""
    with child_emulator() as endpoint:
        job_id, token = asyncio.run(_start_job(endpoint))
        args = [endpoint, STORE, job_id]
        env = _env(endpoint)
        commands = {
            "aws omics get-read-set-export-job": [
                str(BIN / "aws"),
                "omics",
                "get-read-set-export-job",
                "--sequence-store-id",
                STORE,
                "--id",
                job_id,
            ],
            "export-kit status TOKEN": [
                str(BIN / "export-kit"),
                "--endpoint-url",
                endpoint,
                "--json",
                "status",
                token,
            ],
        }
        phases: dict[str, list[list[float]]] = {side: [] for side in SIDES}
        walls: dict[str, list[float]] = {name: [] for name in commands}
        for repeat in range(repeats):
            order = list(SIDES.items())
            for side, code in order if repeat % 2 == 0 else reversed(order):
                phases[side].append(run_child(code, args))
            names = list(commands)
            for name in names if repeat % 2 == 0 else reversed(names):
                walls[name].append(run_command(commands[name], env))
    breakdown = {
        side: [
            *(sample([run[i] for run in runs]) for i in range(len(PHASES))),
            sample([sum(run) for run in runs]),
        ]
        for side, runs in phases.items()
    }
    return breakdown, {name: sample(values) for name, values in walls.items()}


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny run for smoke tests")
    parser.add_argument("--repeats", type=int, default=21, help="processes per side (21)")
    parser.add_argument(
        "--source", action="store_true", help="do not byte-compile export_kit first"
    )
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else args.repeats
    compiled = "export_kit loaded from source" if args.source else f"compiled {precompile()}"
    breakdown, commands = measure(repeats)
    raw, kit = breakdown["raw aiobotocore"], breakdown["export_kit"]
    lines = [
        f"{repeats} fresh processes per side, interleaved; ms, median (min-max); {compiled}",
        "",
        "| phase | raw aiobotocore | export_kit | difference (medians) |",
        "|---|---|---|---|",
    ]
    for i, phase in enumerate((*PHASES, "total")):
        delta = kit[i].median - raw[i].median
        name = f"**{phase}**" if phase == "total" else phase
        lines.append(f"| {name} | {raw[i]} | {kit[i]} | {delta:+.1f} |")
    lines += ["", f"ratio of median totals: {kit[-1].median / raw[-1].median:.2f}x", ""]
    aws, ours = commands["aws omics get-read-set-export-job"], commands["export-kit status TOKEN"]
    lines += [
        "| command line | wall ms, median (min-max) | ratio |",
        "|---|---|---|",
        f"| aws omics get-read-set-export-job | {aws} | 1.00x |",
        f"| export-kit status TOKEN | {ours} | {ours.median / aws.median:.2f}x |",
    ]
    report = "\n".join([f"Machine: {machine()}", "", *lines])
    print(report)
    return report


if __name__ == "__main__":
    main()
