"""``export-kit serve``: run the emulator in the foreground and say how to reach it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shlex
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ._connections import DEFAULT_CONNECTION_TIMEOUT
from ._emulator import DEFAULT_JOB_DURATION, Emulator
from ._handlers import OPERATIONS
from ._state import ResourceMode


def build_parser(prog: str = "export-kit serve") -> argparse.ArgumentParser:
    """The ``serve`` sub-command's arguments (the CLI may reuse it as a sub-parser)."""
    parser = argparse.ArgumentParser(prog=prog, description="Run the local export-API emulator.")
    add_arguments(parser)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``serve``'s options to ``parser``."""
    parser.add_argument(
        "--port",
        type=int,
        default=4510,
        help="port on 127.0.0.1 (0 picks a free one; default 4510)",
    )
    parser.add_argument(
        "--job-duration",
        type=float,
        default=DEFAULT_JOB_DURATION,
        help=f"seconds from a job's start to its terminal state (default {DEFAULT_JOB_DURATION})",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="write exports and keep state here"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed for ids, data and faults (default 0)"
    )
    parser.add_argument(
        "--resources",
        choices=("auto", "declared"),
        default="auto",
        help="auto: parent resources exist on first use (default); declared: only those "
        "given with --declare exist, others get the service's not-found error",
    )
    parser.add_argument(
        "--declare",
        action="append",
        default=[],
        metavar="SERVICE:ID",
        help="a parent resource that exists, e.g. simpledbv2:orders or omics:1234567890 "
        "(repeatable)",
    )
    parser.add_argument(
        "--connection-timeout",
        type=float,
        default=DEFAULT_CONNECTION_TIMEOUT,
        help="seconds a connection may wait without a request in progress before it is "
        f"closed (default {DEFAULT_CONNECTION_TIMEOUT:g})",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=None,
        help="open connections at most (default: half the open-file limit, at most 1024)",
    )


def describe(emu: Emulator, out: TextIO) -> None:
    """Print the endpoint, served operations and the environment for boto3 / the AWS CLI."""
    print(f"export-kit emulator listening on {emu.endpoint_url}", file=out)
    for service, ops in OPERATIONS.items():
        print(f"  {service}: {', '.join(ops)}", file=out)
    print("Point boto3 and the AWS CLI at it with:", file=out)
    for key, value in emu.env().items():
        print(f"  export {key}={shlex.quote(value)}", file=out)
    print("Press Ctrl+C to stop.", file=out, flush=True)


async def serve(
    *,
    port: int = 4510,
    job_duration: float = DEFAULT_JOB_DURATION,
    data_dir: Path | None = None,
    seed: int = 0,
    out: TextIO | None = None,
    stop: asyncio.Event | None = None,
    resources: ResourceMode = "auto",
    declared: Sequence[tuple[str, str]] = (),
    connection_timeout: float = DEFAULT_CONNECTION_TIMEOUT,
    max_connections: int | None = None,
) -> None:
    """Serve until ``stop`` is set (or SIGINT/SIGTERM when run from ``main``)."""
    stop = stop or asyncio.Event()
    async with Emulator(
        port=port,
        job_duration=job_duration,
        data_dir=data_dir,
        seed=seed,
        resources=resources,
        declared=declared,
        connection_timeout=connection_timeout,
        max_connections=max_connections,
    ) as emu:
        describe(emu, out or sys.stdout)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse ``argv``, serve until interrupted, return an exit status."""
    args = build_parser().parse_args(argv)
    return run(args)


def run(args: argparse.Namespace) -> int:
    """Serve with already-parsed arguments (what ``export-kit serve`` calls)."""
    if args.job_duration < 0:
        print("error: --job-duration must be >= 0", file=sys.stderr)
        return 2
    declared: list[tuple[str, str]] = []
    for item in args.declare:
        service, sep, resource_id = item.partition(":")
        if not sep or not resource_id:
            print(f"error: --declare wants SERVICE:ID, got {item!r}", file=sys.stderr)
            return 2
        declared.append((service, resource_id))

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        await serve(
            port=args.port,
            job_duration=args.job_duration,
            data_dir=args.data_dir,
            seed=args.seed,
            stop=stop,
            resources=args.resources,
            declared=declared,
            connection_timeout=args.connection_timeout,
            max_connections=args.max_connections,
        )

    try:
        asyncio.run(go())
    except OSError as exc:
        print(
            f"error: cannot serve on 127.0.0.1:{args.port}: {exc.strerror or exc}", file=sys.stderr
        )
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
