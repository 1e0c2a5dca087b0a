"""Shared fixtures.  Emulator fixtures (owned by export_kit.local's tests):

* ``emulator``: a running ``Emulator`` on a manual clock (jobs take 8 s of virtual time:
  pending for 2 s, running until 8 s), for async tests;
* ``aio_client``: ``await aio_client("omics")`` gives an aiobotocore client wired to
  ``emulator`` (closed at teardown); ``aio_client("m2", config=Config(...))`` merges a config;
* ``threaded_emulator``: the same emulator served from a background thread, for boto3,
  the AWS CLI and other sync callers.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiobotocore.session
import pytest
import pytest_asyncio
from botocore.config import Config

from export_kit.local import Emulator

from .local._support import AioClientFactory

#: pytester runs the user-style test files of tests/plugin/ (it must be enabled here, in
#: the top-level conftest: pytest refuses ``pytest_plugins`` in a nested one).
pytest_plugins = ["pytester"]

EMULATOR_JOB_DURATION = 8.0


@pytest_asyncio.fixture
async def emulator(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Emulator]:
    """A running emulator on a manual clock that writes exports to a temp dir."""
    data_dir = tmp_path_factory.mktemp("emulator-data")
    async with Emulator(
        clock="manual", job_duration=EMULATOR_JOB_DURATION, data_dir=data_dir
    ) as emu:
        yield emu


@pytest_asyncio.fixture
async def aio_client(emulator: Emulator) -> AsyncIterator[AioClientFactory]:
    """A factory of aiobotocore clients pointed at ``emulator``; all closed at teardown."""
    session: Any = aiobotocore.session.get_session()
    async with contextlib.AsyncExitStack() as stack:

        async def make(service: str, config: Config | None = None) -> Any:
            kwargs = emulator.client_kwargs(config)
            return await stack.enter_async_context(session.create_client(service, **kwargs))

        yield make


@pytest.fixture
def threaded_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """A manual-clock emulator served from a background thread (for sync clients)."""
    data_dir = tmp_path_factory.mktemp("emulator-data")
    with Emulator(clock="manual", job_duration=EMULATOR_JOB_DURATION, data_dir=data_dir) as emu:
        yield emu
