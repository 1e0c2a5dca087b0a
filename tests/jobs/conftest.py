"""Fixtures for the jobs tests: a manual-clock emulator served from a thread (so every test
runs under asyncio and trio), a kit without botocore retries (so the waiter itself must
survive faults), and the virtual clock of ``_support.EmuClock``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from export_kit import ExportKit
from export_kit.local import Emulator

from ._support import NO_RETRIES, EmuClock


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """A manual-clock emulator served from a thread, without persistence (1,000-job tests
    would rewrite the state file on every call)."""
    with Emulator(clock="manual", job_duration=8.0) as emu:
        yield emu


@pytest.fixture
def clock(emu: Emulator) -> EmuClock:
    return EmuClock(emu)


@pytest.fixture
async def kit(emu: Emulator) -> AsyncIterator[ExportKit]:
    async with ExportKit(**emu.kit_kwargs(), config=NO_RETRIES) as kit:
        yield kit
