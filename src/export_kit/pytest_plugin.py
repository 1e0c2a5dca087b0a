"""pytest fixtures for testing code that uses export_kit, against the local emulator.

pytest loads this module through the ``pytest11`` entry point of the installed package;
nothing else imports it (``import export_kit`` does not), and it starts no emulator until a
test asks for one.  See docs/testing.md for a walk-through.

Fixtures (all prefixed ``ek_``, after ``import export_kit as ek``, so they do not clash with
a project's own fixtures):

- ``ek_emulator``: the running :class:`~export_kit.local.Emulator`, for its controls
  (``inject``, ``set_faults``, ``fail_next``, ``fail_job``, ``cancel_job``, ``set_status``,
  ``requests``, ``total_requests``, ``status``, ``job_ids``, ``data_dir``...).  One emulator,
  served from a thread so sync, asyncio and trio tests all reach it, lives for the whole
  session on the real clock with short jobs (``export_kit_job_duration``, 0.1 s).  Before
  and after each test the plugin calls its ``reset_controls()`` (no fault and no forced
  outcome a test armed reaches the next one, used or not), and before each test its
  ``reset_counts()`` (the request counter starts at zero).  Jobs, their files and parent
  resources stay for the session.  A test marked
  ``@pytest.mark.ek_emulator(clock="manual", ...)`` gets its own emulator built with those
  ``Emulator(...)`` arguments instead, stopped after the test (use ``advance()`` to move
  its clock; the shared one runs on the real clock, which nothing moves).
- ``ek_kit_kwargs``: keyword arguments for ``ExportKit(**ek_kit_kwargs)`` bound to that
  emulator (or to ``--export-kit-endpoint``); works in any test, sync or async.
- ``ek_poll``: a fast :class:`~export_kit.PollPolicy` for ``job.wait(poll=...)`` on the
  emulator (``None``, the services' defaults, against another endpoint).
- ``ek_kit``: an open :class:`~export_kit.ExportKit` bound to the emulator, closed after the
  test.  It is an async fixture run by anyio's pytest plugin (shipped with anyio): mark the
  test ``@pytest.mark.anyio``; it runs on each installed backend unless an ``anyio_backend``
  fixture chooses.

``--export-kit-endpoint URL`` (or ``EXPORT_KIT_ENDPOINT``) runs the same tests against
another endpoint with the usual AWS credential chain; tests that need the emulator's
controls (``ek_emulator``, or the ``ek_emulator`` mark) are skipped there, saying why.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from export_kit import ExportKit, PollPolicy
    from export_kit.local import Emulator

__all__ = [
    "ek_emulator",
    "ek_kit",
    "ek_kit_kwargs",
    "ek_poll",
    "pytest_addoption",
    "pytest_configure",
    "pytest_runtest_setup",
]

ENDPOINT_ENV = "EXPORT_KIT_ENDPOINT"
_MARK = "ek_emulator"
_SKIP_REASON = (
    "needs the local emulator's controls; the tests run against {endpoint} "
    f"(--export-kit-endpoint / {ENDPOINT_ENV})"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("export-kit", "export_kit fixtures")
    group.addoption(
        "--export-kit-endpoint",
        default=None,
        metavar="URL",
        help=f"run ek_kit tests against this endpoint instead of the local emulator "
        f"(default: ${ENDPOINT_ENV})",
    )
    parser.addini(
        "export_kit_job_duration",
        "seconds each job of the shared test emulator takes (default 0.1)",
        default="0.1",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_MARK}(**kwargs): give this test its own export_kit Emulator(**kwargs), "
        "e.g. clock='manual'",
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    endpoint = _external_endpoint(item.config)
    if endpoint is not None and item.get_closest_marker(_MARK) is not None:
        pytest.skip(_SKIP_REASON.format(endpoint=endpoint))


def _external_endpoint(config: pytest.Config) -> str | None:
    option: str | None = config.getoption("--export-kit-endpoint")
    return option or os.environ.get(ENDPOINT_ENV) or None


@pytest.fixture(scope="session")
def _ek_shared_emulator(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Emulator | None]:
    """The session's emulator, started on first use; ``None`` with an external endpoint."""
    if _external_endpoint(request.config) is not None:
        yield None
        return
    from export_kit.local import Emulator

    duration = float(str(request.config.getini("export_kit_job_duration")))
    data_dir = tmp_path_factory.mktemp("export-kit-emulator")
    with Emulator(job_duration=duration, data_dir=data_dir) as emu:
        yield emu


@pytest.fixture
def _ek_target(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    _ek_shared_emulator: Emulator | None,
) -> Iterator[Emulator | None]:
    """This test's emulator (reset, or its own for the mark), or ``None`` for an endpoint."""
    marker = request.node.get_closest_marker(_MARK)
    if _ek_shared_emulator is None:  # marked tests were skipped by pytest_runtest_setup
        yield None
        return
    if marker is not None:
        from export_kit.local import Emulator

        settings: dict[str, Any] = {
            "job_duration": float(str(request.config.getini("export_kit_job_duration"))),
            "data_dir": tmp_path_factory.mktemp("export-kit-emulator"),
            **marker.kwargs,
        }
        with Emulator(**settings) as emu:
            yield emu
        return
    emu = _ek_shared_emulator
    emu.reset_controls()
    emu.reset_counts()
    yield emu
    emu.reset_controls()  # also when the test failed: nothing it armed outlives it


@pytest.fixture
def ek_emulator(request: pytest.FixtureRequest, _ek_target: Emulator | None) -> Emulator:
    """The running emulator behind ``ek_kit``, for its controls and counters."""
    if _ek_target is None:
        pytest.skip(_SKIP_REASON.format(endpoint=_external_endpoint(request.config)))
    return _ek_target


@pytest.fixture
def ek_poll(_ek_target: Emulator | None) -> PollPolicy | None:
    """A fast poll for the emulator's short jobs; ``None`` (service defaults) elsewhere."""
    if _ek_target is None:
        return None
    from export_kit import PollPolicy

    return PollPolicy(min_delay=0.01, max_delay=0.05)


@pytest.fixture
def ek_kit_kwargs(request: pytest.FixtureRequest, _ek_target: Emulator | None) -> dict[str, Any]:
    """``ExportKit(**ek_kit_kwargs)``: the emulator's settings (a fast default poll policy
    included), or the external endpoint."""
    if _ek_target is None:
        return {"endpoint_url": _external_endpoint(request.config)}
    return _ek_target.kit_kwargs()


@pytest.fixture
async def ek_kit(ek_kit_kwargs: dict[str, Any]) -> AsyncIterator[ExportKit]:
    """An open ``ExportKit`` bound to the emulator (or endpoint), closed after the test."""
    from export_kit import ExportKit

    async with ExportKit(**ek_kit_kwargs) as kit:
        yield kit
