"""Shared helpers of the jobs tests: constants, start arguments, and a virtual clock that
moves the emulator's time when the waiter sleeps (the fixtures live in conftest.py)."""

from __future__ import annotations

import asyncio
import collections
import socket
from typing import Any

import anyio
import anyio.lowlevel
import sniffio
from botocore.config import Config

from export_kit.local import Emulator

#: One attempt per request: faults reach the waiter instead of botocore's retry loop.
NO_RETRIES = Config(retries={"total_max_attempts": 1})

STORE = "1234567890"
OTHER_STORE = "2234567890"
READ_SET = "9876543210"
ROLE = "arn:aws:iam::123456789012:role/Export"
DATASET_ARN = "arn:aws:personalize:us-east-1:123456789012:dataset/group/INTERACTIONS"
OTHER_DATASET_ARN = "arn:aws:personalize:us-east-1:123456789012:dataset/group/ITEMS"
APP = "app-1"
DOMAIN = "domain-1"

_names = iter(range(10**9))


def start_kwargs(service: str, **over: Any) -> dict[str, Any]:
    """Valid keyword arguments (snake_case) for ``kit.<service>.start``."""
    bases: dict[str, dict[str, Any]] = {
        "m2": {"application_id": APP, "export_config": {"s3_location": "s3://bucket/m2/"}},
        "personalize": {
            "job_name": f"job-{next(_names)}",
            "dataset_arn": DATASET_ARN,
            "role_arn": ROLE,
            "job_output": {"s3_data_destination": {"path": "s3://bucket/out/"}},
        },
        "discovery": {},
        "simpledbv2": {"domain_name": DOMAIN, "s3_bucket": "bucket-1"},
        "omics": {
            "sequence_store_id": STORE,
            "destination": "s3://bucket/out/",
            "role_arn": ROLE,
            "sources": [{"read_set_id": READ_SET}],
        },
    }
    return {**bases[service], **over}


class EmuClock:
    """Virtual time for the waiter: ``sleep(s)`` advances the emulator's manual clock by ``s``.

    ``now()`` counts from 0 so float sums stay exact enough to compare with deadlines.
    ``rounds`` holds the emulator's request counts between consecutive sleeps: one entry
    per poll round of a waiter.
    """

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.t = 0.0
        self.sleeps: list[float] = []
        self.rounds: list[collections.Counter[tuple[str, str]]] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.rounds.append(collections.Counter(self.emu.requests))
        self.emu.reset_counts()
        self.sleeps.append(seconds)
        self.t += seconds
        self.emu.advance(seconds)
        await anyio.lowlevel.checkpoint()


def live_tasks() -> set[object]:
    """Every task of the running event loop (asyncio or trio)."""
    if sniffio.current_async_library() == "asyncio":
        return set(asyncio.all_tasks())
    import trio

    root = trio.lowlevel.current_root_task()
    assert root is not None
    out: set[object] = set()
    stack = [root]
    while stack:
        task = stack.pop()
        out.add(task)
        for nursery in task.child_nurseries:
            stack.extend(nursery.child_tasks)
    return out


class VirtualClock:
    """Virtual time alone (no emulator): ``sleep(s)`` moves ``now()`` on by ``s`` at once."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds
        await anyio.lowlevel.checkpoint()


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
