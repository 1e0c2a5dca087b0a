"""Run the emulator in a child process, so its CPU and memory stay out of the measurement."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_SERVER = """
import asyncio, sys, warnings
warnings.simplefilter("ignore")
from export_kit.local import Emulator

async def main():
    async with Emulator(clock=sys.argv[1], job_duration=float(sys.argv[2])) as emu:
        print(emu.endpoint_url, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"""


@contextmanager
def child_emulator(*, clock: str = "manual", job_duration: float = 5.0) -> Iterator[str]:
    """Yield the endpoint URL of an emulator served by a child process until the block ends."""
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVER, clock, str(job_duration)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip()
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=30)
