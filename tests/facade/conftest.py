"""Fixtures for the facade tests: an emulator served from a thread (so the same tests run
under asyncio and trio) and an ``ExportKit`` pointed at it, closed at teardown."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from export_kit import ExportKit
from export_kit.local import Emulator

from ._support import NO_RETRIES


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def emu(threaded_emulator: Emulator) -> Emulator:
    """The shared manual-clock emulator, served from a thread (works under any backend)."""
    return threaded_emulator


@pytest.fixture
async def kit(emu: Emulator) -> AsyncIterator[ExportKit]:
    async with ExportKit(**emu.kit_kwargs(), config=NO_RETRIES) as kit:
        yield kit
