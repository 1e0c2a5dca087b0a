"""``Emulator``: the local server's lifecycle, client settings and test controls."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ipaddress
import logging
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import web
from botocore.config import Config

from ._app import Core, build_server
from ._clock import EmulatorClock, ManualClock, RealClock
from ._connections import DEFAULT_CONNECTION_TIMEOUT, ConnectionGuard, default_max_connections
from ._faults import FaultConfig, FaultInjector, FaultKind
from ._handlers import OPERATIONS
from ._jobs import Job, continuous_status
from ._model import SERVICES
from ._operations import operations
from ._rules import RULES, Outcome
from ._state import ResourceMode, State

log = logging.getLogger("export_kit.local")

DEFAULT_JOB_DURATION = 5.0
ACCESS_KEY = "AKIAEXPORTKITLOCAL00"
SECRET_KEY = "export-kit-local-secret"  # a dummy: the emulator is not a security boundary
DEFAULT_REGION = "us-east-1"


def _check_host(host: str) -> None:
    if host == "localhost":
        return
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"Emulator host must be a loopback address such as 127.0.0.1, not {host!r}"
        ) from None
    if not address.is_loopback:
        raise ValueError(f"Emulator binds loopback addresses only (127.0.0.1 or ::1), not {host!r}")


def _durations(job_duration: float | Mapping[str, float]) -> dict[str, float]:
    if isinstance(job_duration, int | float):
        values = dict.fromkeys(SERVICES, float(job_duration))
    else:
        unknown = set(job_duration) - set(SERVICES)
        if unknown:
            raise ValueError(
                f"job_duration names unknown services {sorted(unknown)}; known: {list(SERVICES)}"
            )
        values = {s: float(job_duration.get(s, DEFAULT_JOB_DURATION)) for s in SERVICES}
    for service, seconds in values.items():
        if seconds < 0:
            raise ValueError(f"job_duration for {service} must be >= 0, got {seconds}")
    return values


class Emulator:
    """A local, wire-compatible emulator of the five services' export APIs.

    ``async with Emulator() as emu`` serves on ``emu.endpoint_url`` until the block ends;
    ``with Emulator() as emu`` does the same from a background thread for sync callers
    (boto3, the AWS CLI).  See the module docs of ``export_kit.local`` for the semantics.

    Args:
        job_duration: seconds from start to a terminal state, one number or per service.
            Jobs are pending for the first quarter, running until the end.
        data_dir: where finished exports write their files (and, with ``persist``, the state).
        seed: seeds ids, data records and random faults.
        clock: ``"real"``, ``"manual"`` (move it with ``advance``) or any ``EmulatorClock``.
        faults: ``FaultConfig`` for every call or a mapping of ``"*"`` / service /
            ``"service.Operation"`` to ``FaultConfig``.
        verify_signatures: check SigV4 signatures against ``secret_key``.
        host: the listening address; loopback only (127.0.0.1, ::1, localhost).
        port: the listening port; 0 picks a free one.
        persist: keep state in ``data_dir`` across restarts (default: on when data_dir is set).
            The state is an SQLite database there, locked while the emulator runs: a second
            emulator on the same ``data_dir`` fails to start with a ``ValueError``.
        resources: ``"auto"`` (default): parent resources (m2 applications, Personalize
            datasets, SimpleDB v2 domains, omics sequence stores) exist on first use;
            ``"declared"``: only those given to ``declare`` exist, any other gets the
            service's own not-found error, as the real service answers.
        declared: (service, resource id) pairs that exist (see ``declare``).
        missing: (service, resource id) pairs that do not exist (see ``mark_missing``).
        max_body_bytes: larger request bodies get HTTP 413.
        max_active_jobs: a per-service quota of unfinished export jobs; one more start gets
            the service's quota error (m2/omics ServiceQuotaExceededException, Personalize
            LimitExceededException, SimpleDB v2 NumberExportsLimitExceeded).
        connection_timeout: seconds a connection may wait without a request in progress
            (half-open, slow to send its request, or idle after an answer) before it is closed.
        max_connections: open connections at most; one more closes the longest-waiting idle
            one (default: half the descriptors still free under the soft open-file
            limit, at most 1,024).
    """

    def __init__(
        self,
        *,
        job_duration: float | Mapping[str, float] = DEFAULT_JOB_DURATION,
        data_dir: str | Path | None = None,
        seed: int = 0,
        clock: Literal["real", "manual"] | EmulatorClock = "real",
        faults: FaultConfig | Mapping[str, FaultConfig] | None = None,
        verify_signatures: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        persist: bool | None = None,
        resources: ResourceMode = "auto",
        declared: Iterable[tuple[str, str]] = (),
        missing: Iterable[tuple[str, str]] = (),
        max_body_bytes: int = 1024 * 1024,
        max_active_jobs: int | None = None,
        region: str = DEFAULT_REGION,
        secret_key: str = SECRET_KEY,
        connection_timeout: float = DEFAULT_CONNECTION_TIMEOUT,
        max_connections: int | None = None,
    ) -> None:
        _check_host(host)
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, got {port}")
        if clock == "real":
            self._clock: EmulatorClock = RealClock()
        elif clock == "manual":
            self._clock = ManualClock()
        elif isinstance(clock, str):
            raise ValueError(f"clock must be 'real', 'manual' or an EmulatorClock, not {clock!r}")
        else:
            self._clock = clock
        if resources not in ("auto", "declared"):
            raise ValueError(f"resources must be 'auto' or 'declared', not {resources!r}")
        self.host = host
        self.region = region
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self._port = port
        self._state = State(
            durations=_durations(job_duration),
            clock=self._clock,
            seed=seed,
            data_dir=self.data_dir,
            persist=(self.data_dir is not None) if persist is None else persist,
            base_url=lambda: self.endpoint_url,
            max_active_jobs=max_active_jobs,
            resources=resources,
        )
        for service, resource in declared:
            self.declare(service, resource)
        for service, resource in missing:
            self.mark_missing(service, resource)
        self._guard = ConnectionGuard(
            timeout=connection_timeout,
            max_connections=(
                default_max_connections() if max_connections is None else max_connections
            ),
        )
        self._core = Core(
            state=self._state,
            faults=FaultInjector(faults, seed),
            verify_signatures=verify_signatures,
            secret_key=secret_key,
            max_body_bytes=max_body_bytes,
            guard=self._guard,
        )
        self._runner: web.ServerRunner | None = None
        self._server: asyncio.Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._bound_port: int | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start serving (starting twice is a ``RuntimeError``).

        Raises:
            ValueError: if the persisted state in ``data_dir`` is locked by another emulator
                or is not emulator state.
            OSError: if the port cannot be bound.
        """
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        await asyncio.to_thread(self._state.open)
        await asyncio.to_thread(operations)  # reads the botocore models: off the event loop
        runner = web.ServerRunner(
            build_server(self._core, keepalive_timeout=self._guard.timeout),
            handle_signals=False,
            shutdown_timeout=0.5,
        )
        try:
            await runner.setup()
            factory = runner.server
            assert factory is not None  # set by setup()
            loop = asyncio.get_running_loop()
            self._server = await loop.create_server(
                self._guard.wrap(factory),
                self.host,
                self._port,
                reuse_address=True,
                backlog=self._guard.accept_batch,
            )
        except BaseException:
            await runner.cleanup()
            await asyncio.to_thread(self._state.close)
            raise
        self._runner = runner
        self._guard.start()
        sockets = self._server.sockets
        self._bound_port = int(sockets[0].getsockname()[1]) if sockets else self._port
        if isinstance(self._clock, RealClock):
            self._ticker = asyncio.create_task(self._tick_forever())

    async def stop(self) -> None:
        """Stop serving and release the socket and ``data_dir``; state stays (and is saved
        if persisting).  Nothing a request did can make this raise."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        if self._runner is None:
            return
        try:
            if self._server is not None:
                self._server.close()
            await self._runner.cleanup()
            if self._server is not None:
                await self._server.wait_closed()
        finally:
            self._server = None
            self._runner = None
            await self._guard.stop()
            await asyncio.to_thread(self._state.close)

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(0.1)
            future = self._state.settle()
            if future is not None:
                try:
                    await asyncio.wrap_future(future)
                except Exception:  # a failing disk must not stop the clock
                    log.exception("emulator: cannot persist finished jobs")

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def start_in_thread(self) -> Self:
        """Serve from a daemon thread with its own event loop (for sync callers)."""
        if self._thread is not None:
            raise RuntimeError("the emulator is already running in a thread")
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self.stop())
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name="export-kit-emulator", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    def stop_thread(self) -> None:
        """Stop a server started with ``start_in_thread`` and wait for its thread."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._thread = None
        self._loop = None

    def __enter__(self) -> Self:
        return self.start_in_thread()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_thread()

    # -- where and how to connect -----------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (after start)."""
        if self._bound_port is None:
            raise RuntimeError("the emulator is not running; use 'async with Emulator() as emu'")
        return self._bound_port

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>``: the one endpoint for all five services."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def botocore_config(self, config: Config | None = None) -> Config:
        """A botocore ``Config`` that works here: host-prefix injection off (omics'
        ``control-storage-`` prefix would otherwise be put in front of 127.0.0.1)."""
        mine = Config(inject_host_prefix=False)
        return config.merge(mine) if config is not None else mine

    def credentials(self) -> dict[str, str]:
        """Dummy credentials the emulator accepts."""
        return {"aws_access_key_id": ACCESS_KEY, "aws_secret_access_key": self._core.secret_key}

    def client_kwargs(self, config: Config | None = None) -> dict[str, Any]:
        """Keyword arguments for ``session.create_client(service, **kw)`` (aiobotocore/boto3)."""
        return {
            "region_name": self.region,
            "endpoint_url": self.endpoint_url,
            **self.credentials(),
            "config": self.botocore_config(config),
        }

    def kit_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``export_kit.ExportKit(**kw)``.

        Besides the endpoint and credentials, a fast default ``PollPolicy`` (0.05 s to
        0.5 s): code written for AWS, which passes no ``poll=``, waits on the emulator's
        jobs in seconds rather than at the services' 30 s pace.
        """
        # Imported here: the rest of the emulator is independent of the client library.
        from export_kit.waiting import PollPolicy

        return {
            "region_name": self.region,
            "endpoint_url": self.endpoint_url,
            "poll": PollPolicy(min_delay=0.05, max_delay=0.5),
            **self.credentials(),
        }

    def env(self) -> dict[str, str]:
        """Environment variables that point boto3 and the AWS CLI here."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": self._core.secret_key,
            "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
        }

    # -- observing ---------------------------------------------------------------------------

    @property
    def requests(self) -> collections.Counter[tuple[str, str]]:
        """Requests seen per (service, operation), rejected ones included (``"?"`` = unknown)."""
        return self._core.requests

    @property
    def total_requests(self) -> int:
        """All requests seen since the last ``reset_counts``."""
        return sum(self._core.requests.values())

    def reset_counts(self) -> None:
        """Zero the request counter."""
        with self._core.count_lock:
            self._core.requests.clear()

    def now(self) -> float:
        """The emulator's clock, epoch seconds."""
        return self._clock.now()

    def status(self, service: str, job_id: str) -> str:
        """A job's current native status string."""
        return self._state.native_status(_service(service), job_id)

    def job_ids(self, service: str) -> list[str]:
        """Ids of ``service``'s jobs, oldest first."""
        service = _service(service)
        with self._state.lock:
            jobs = self._state.listed(service, "export") + self._state.listed(service, "continuous")
            return [j.id for j in sorted(jobs, key=lambda j: j.seq)]

    # -- controlling ---------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move the manual clock forward and settle every job that finished meanwhile."""
        if not isinstance(self._clock, ManualClock):
            raise RuntimeError("advance() needs Emulator(clock='manual')")
        self._clock.advance(seconds)
        future = self._state.settle()
        if future is not None:
            future.result()

    def fail_next(self, service: str, reason: str | None = None, *, count: int = 1) -> None:
        """The next ``count`` jobs started on ``service`` end FAILED with ``reason``."""
        self._force(service, "fail", reason, count)

    def partial_next(self, reason: str | None = None, *, count: int = 1) -> None:
        """The next ``count`` omics jobs end COMPLETED_WITH_FAILURES (half their read sets fail)."""
        self._force("omics", "partial", reason, count)

    def cancel_next(self, *, count: int = 1) -> None:
        """The next ``count`` omics jobs end CANCELLING -> CANCELLED instead of completing."""
        self._force("omics", "cancel", None, count)

    def _force(self, service: str, outcome: Outcome, reason: str | None, count: int) -> None:
        if count < 1:
            raise ValueError("count must be >= 1")
        self._state.force_next(_service(service), outcome, reason, count)

    def fail_job(self, service: str, job_id: str, reason: str | None = None) -> None:
        """Make an existing, unfinished job end FAILED.

        A Discovery continuous export fails now, in the phase it is in: START_FAILED while
        starting, ERROR while ACTIVE, STOP_FAILED while stopping; ``reason`` becomes its
        ``statusDetail`` (default ``INTERNAL_FAILURE``; the API documents ACCESS_DENIED,
        DELIVERY_STREAM_LIMIT_FAILURE, FIREHOSE_ROLE_MISSING, FIREHOSE_STREAM_DOES_NOT_EXIST,
        INTERNAL_FAILURE and LAKE_FORMATION_ACCESS_DENIED).
        """
        now = self.now()

        def change(job: Job) -> None:
            if job.kind == "continuous":
                status = continuous_status(job, now)[0]
                if status not in ("START_IN_PROGRESS", "ACTIVE", "STOP_IN_PROGRESS"):
                    raise ValueError(f"continuous export {job_id} is {status}; it cannot fail now")
                job.failed_at = now
            else:
                job.outcome = "fail"
            job.reason = reason

        self._state.update(_service(service), job_id, change)

    def partial_job(self, job_id: str, reason: str | None = None) -> None:
        """Make an unfinished omics job end COMPLETED_WITH_FAILURES (half its read sets fail)."""

        def change(job: Job) -> None:
            job.outcome = "partial"
            job.reason = reason

        self._state.update("omics", job_id, change)

    def cancel_job(self, job_id: str) -> None:
        """Cancel an omics job now: CANCELLING for a quarter of its duration, then CANCELLED."""
        now = self.now()

        def change(job: Job) -> None:
            if job.finished_at(now) is not None:
                raise ValueError(f"omics job {job_id} has already finished")
            job.cancel_at = now

        self._state.update("omics", job_id, change)

    def set_status(self, service: str, job_id: str, status: str | None) -> None:
        """Report ``status`` verbatim for a job (``None`` restores its real status)."""

        def change(job: Job) -> None:
            job.status_override = status

        self._state.update(_service(service), job_id, change)

    def declare(self, service: str, resource_id: str) -> None:
        """Make a parent resource exist: an m2 application id, a Personalize dataset ARN,
        a SimpleDB v2 domain name or an omics sequence store id (what
        ``Emulator(resources="declared")`` needs before jobs can use it)."""
        self.mark_missing(service, resource_id, missing=False)

    def mark_missing(self, service: str, resource_id: str, missing: bool = True) -> None:
        """Make a parent resource (see ``declare``) not exist, or exist again; requests that
        name it get the service's own not-found error."""
        service = _service(service)
        if RULES[service].parent is None:
            raise ValueError(f"{service} jobs have no parent resource")
        self._state.set_exists(service, resource_id, not missing)
        future = self._state.commit()
        if future is not None:
            future.result()

    def set_faults(self, key: str, config: FaultConfig | None) -> None:
        """Set fault rates for ``"*"``, a service or ``"service.Operation"`` (``None`` clears)."""
        head = key.split(".", 1)[0]
        if key != "*":
            _service(head)
        self._core.faults.configure(key, config)

    def inject(
        self,
        kind: FaultKind,
        *,
        service: str | None = None,
        operation: str | None = None,
        count: int = 1,
        latency: float = 0.05,
    ) -> None:
        """Apply a fault (``throttle``, ``error``, ``drop``, ``lose`` or ``latency``) to the next
        ``count`` calls matching ``service``/``operation`` (``None`` matches any)."""
        if service is not None:
            _service(service)
            if operation is not None and operation not in OPERATIONS[service]:
                raise ValueError(
                    f"{service} has no operation {operation!r}; it serves {list(OPERATIONS[service])}"
                )
        self._core.faults.inject(
            kind, service=service, operation=operation, count=count, latency=latency
        )

    def clear_faults(self) -> None:
        """Drop queued faults and fault rates."""
        self._core.faults.clear()

    def reset_controls(self) -> None:
        """Drop every control still armed for requests and jobs to come.

        That is what ``clear_faults`` drops (queued faults and fault rates, those given to
        ``Emulator(faults=...)`` included) and the forced outcomes no started job has taken
        yet (``fail_next``, ``partial_next``, ``cancel_next``).  What already happened stays:
        jobs (with what ``fail_job``, ``partial_job``, ``cancel_job`` and ``set_status`` did
        to them), their files, parent resources (``declare``, ``mark_missing``), the clock
        and the request counter (``reset_counts`` zeroes it).
        """
        self._core.faults.clear()
        self._state.clear_forced()

    def __repr__(self) -> str:
        where = self.endpoint_url if self._bound_port is not None else "not running"
        return f"<Emulator {where}>"


def _service(name: str) -> str:
    if name not in OPERATIONS:
        raise ValueError(f"unknown service {name!r}; the emulator serves {list(SERVICES)}")
    return name
