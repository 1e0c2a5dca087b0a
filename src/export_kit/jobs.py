"""Export jobs: normalized status, refresh/wait/watch, resumable tokens, many-job waits.

An :class:`ExportJob` is a small handle (service, id, scope) plus what was last seen of the
job.  It holds no connection of its own: every call goes through the ``ExportKit`` that made
it, and ``job.token()`` lets another process (or kit) pick the job up again.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import types
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, Protocol, Self, cast

from typing_extensions import TypeVar

from ._shapes import OperationRequest, ResponseShape
from .errors import ExportFailed, ExportKitError, WaitTimeout
from .waiting import OnUpdate, PollPolicy, WaitAllTimeout, notify, track

if TYPE_CHECKING:
    from .services import Observation

__all__ = [
    "ExportJob",
    "ExportStatus",
    "JobOutcome",
    "Sender",
    "as_completed",
    "attach",
    "resume",
    "start",
    "wait_all",
]

R = TypeVar("R", bound=ResponseShape)
#: The type of ``ExportJob.description``: what describing the job returns.
DescriptionT = TypeVar("DescriptionT", bound=ResponseShape, default=ResponseShape, covariant=True)


class Sender(Protocol):
    """What jobs need from ``ExportKit``: send one typed request, get its typed response."""

    async def send(self, request: OperationRequest[R], /) -> R: ...


class ExportStatus(StrEnum):
    """A job's status, normalized across the five services (DESIGN.md status table)."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    CANCELLING = "CANCELLING"
    SUCCEEDED = "SUCCEEDED"
    PARTIAL = "PARTIAL"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    #: A native value this library does not know (kept verbatim in ``native_status``).
    UNKNOWN = "UNKNOWN"

    @property
    def is_terminal(self) -> bool:
        """Whether the job can no longer change: SUCCEEDED, PARTIAL, FAILED or CANCELLED."""
        return self in _TERMINAL

    @property
    def is_success(self) -> bool:
        """SUCCEEDED or PARTIAL: ``wait()`` returns rather than raising."""
        return self in (ExportStatus.SUCCEEDED, ExportStatus.PARTIAL)

    def __str__(self) -> str:
        return self.value


_TERMINAL = frozenset(
    {ExportStatus.SUCCEEDED, ExportStatus.PARTIAL, ExportStatus.FAILED, ExportStatus.CANCELLED}
)

_TOKEN_PREFIX = "ekjob."
_TOKEN_VERSION = 1


class ExportJob(Generic[DescriptionT]):
    """One export job of one service, and what was last seen of it.

    ``status``/``native_status`` start as ``PENDING``/``""`` for a job just started (omics
    reports its first status in the start response) and as the token's last seen status for a
    resumed one; every ``refresh()`` or poll updates them.  ``description`` is the last typed
    describe response (``GetReadSetExportJobResponse``...; for discovery the job's
    ``ExportInfo``) or ``None`` before the first describe.
    """

    __slots__ = (
        "_description",
        "_fresh",
        "_sender",
        "failure_reason",
        "hints",
        "id",
        "last_error",
        "native_status",
        "scope",
        "service",
        "status",
    )

    def __init__(
        self,
        sender: Sender,
        service: str,
        id: str,
        scope: Mapping[str, str] | None = None,
        *,
        hints: Mapping[str, str] | None = None,
        native_status: str = "",
        status: ExportStatus | None = None,
    ) -> None:
        from .services import spec_for

        spec = spec_for(service)
        scope = dict(scope or {})
        missing = [key for key in spec.scope_keys if not scope.get(key)]
        if missing:
            raise ValueError(f"a {service} job needs {', '.join(missing)} to be polled")
        extra = set(scope) - set(spec.scope_keys)
        if extra:
            raise ValueError(
                f"unknown scope for {service}: {', '.join(sorted(extra))} "
                f"(expected {', '.join(spec.scope_keys) or 'none'})"
            )
        self._sender = sender
        self.service = service
        self.id = id
        #: What the service needs besides ``id`` to find the job (applicationId, sequenceStoreId).
        self.scope: Mapping[str, str] = types.MappingProxyType(scope)
        #: Optional facts that let many jobs be polled together (personalize datasetArn,
        #: simpledbv2 domainName); learnt from the start request or the first describe.
        self.hints: dict[str, str] = {k: v for k, v in (hints or {}).items() if v}
        self.native_status = native_status
        if status is None:
            status = spec.status(native_status) if native_status else ExportStatus.PENDING
        self.status = status
        self._description: DescriptionT | None = None
        self.failure_reason: str | None = None
        #: The last error seen while polling (cleared by the next good answer).
        self.last_error: ExportKitError | None = None
        # Started by this process moments ago: NotFound is eventual consistency for a while.
        self._fresh = False

    @property
    def description(self) -> DescriptionT | None:
        """The last typed describe response (for discovery the ``ExportInfo``), or ``None``."""
        return self._description

    def __repr__(self) -> str:
        scope = "".join(f", {k}={v!r}" for k, v in self.scope.items())
        native = f" ({self.native_status!r})" if self.native_status else ""
        return f"<ExportJob {self.service} {self.id!r}{scope} {self.status.value}{native}>"

    def _observe(self, seen: Observation) -> None:
        from .services import spec_for

        self.native_status = seen.native_status
        self.status = spec_for(self.service).status(seen.native_status)
        self.failure_reason = seen.failure_reason
        if seen.description is not None:
            self._description = cast("DescriptionT", seen.description)
        self.hints.update({k: v for k, v in seen.hints.items() if v})
        self.last_error = None

    async def refresh(self) -> Self:
        """Describe the job once and update ``status``, ``description``, ``failure_reason``."""
        from .services import spec_for

        self._observe(await spec_for(self.service).describe(self._sender, self))
        return self

    async def wait(
        self,
        timeout: float | None = None,  # noqa: ASYNC109 (the public API takes seconds)
        *,
        poll: PollPolicy | None = None,
        on_update: OnUpdate | None = None,
    ) -> Self:
        """Poll until the job is terminal; return it on SUCCEEDED or PARTIAL.

        Raises ``ExportFailed`` on FAILED/CANCELLED, ``WaitTimeout`` once ``timeout`` seconds
        have passed (after a final attempt at the deadline), or the polling error that
        cannot be retried.  ``on_update(job)`` (plain or async) hears every status change.
        """
        async with contextlib.aclosing(
            track(self._sender, [self], timeout=timeout, poll=poll)
        ) as rounds:
            async for found in rounds:
                if found.changed:
                    await notify(on_update, self)
                if found.finished:
                    return self._outcome()
                if found.timed_out:
                    raise WaitTimeout(self, timeout if timeout is not None else 0.0)
        raise AssertionError("unreachable: track() ends only when every job is done")

    def _outcome(self) -> Self:
        if not self.status.is_terminal and self.last_error is not None:
            raise self.last_error
        if not self.status.is_success:
            raise ExportFailed(self, self.failure_reason)
        return self

    async def watch(
        self,
        timeout: float | None = None,  # noqa: ASYNC109
        *,
        poll: PollPolicy | None = None,
    ) -> AsyncIterator[Self]:
        """Yield the job at every status change until it is terminal (FAILED included).

        Raises ``WaitTimeout`` at the deadline and any polling error that cannot be retried.
        """
        async with contextlib.aclosing(
            track(self._sender, [self], timeout=timeout, poll=poll)
        ) as rounds:
            async for found in rounds:
                if found.changed:
                    yield self
                if found.finished:
                    if not self.status.is_terminal and self.last_error is not None:
                        raise self.last_error
                    return
                if found.timed_out:
                    raise WaitTimeout(self, timeout if timeout is not None else 0.0)

    def token(self) -> str:
        """An opaque string that ``kit.resume()`` turns back into this job.

        Versioned and free of secrets: service, id, scope, hints and the last seen status.
        """
        body = {
            "v": _TOKEN_VERSION,
            "service": self.service,
            "id": self.id,
            "scope": dict(self.scope),
            "hints": self.hints,
            "native": self.native_status,
            "status": self.status.value,
        }
        raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        return _TOKEN_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str) -> dict[str, Any]:
    if not isinstance(token, str) or not token.startswith(_TOKEN_PREFIX):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ValueError("not an export_kit job token")
    data = token[len(_TOKEN_PREFIX) :]
    try:
        body: Any = json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not an export_kit job token (corrupt)") from exc
    if not isinstance(body, dict):
        raise ValueError("not an export_kit job token (corrupt)")
    fields: dict[str, Any] = body  # pyright: ignore[reportUnknownVariableType]
    if fields.get("v") != _TOKEN_VERSION:
        raise ValueError(f"unsupported export_kit job token version {fields.get('v')!r}")
    for key, kind in (("service", str), ("id", str), ("scope", dict), ("hints", dict)):
        if not isinstance(fields.get(key), kind):
            raise ValueError(f"export_kit job token lacks {key!r}")
    return fields


def resume(sender: Sender, token: str) -> ExportJob:
    """The job behind ``token`` (from ``job.token()``), attached to ``sender``; no I/O."""
    body = _decode_token(token)
    status_value = body.get("status")
    status = (
        ExportStatus(status_value)
        if isinstance(status_value, str) and status_value in ExportStatus.__members__
        else None
    )
    native = body.get("native")
    return ExportJob(
        sender,
        body["service"],
        body["id"],
        {str(k): str(v) for k, v in body["scope"].items()},
        hints={str(k): str(v) for k, v in body["hints"].items()},
        native_status=native if isinstance(native, str) else "",
        status=status,
    )


def attach(sender: Sender, service: str, id: str, **scope: str) -> ExportJob:
    """A handle on an existing job (``kit.job(service, id, **scope)``); no I/O.

    ``scope`` takes the keys the service needs to poll (m2 ``applicationId``, omics
    ``sequenceStoreId``; snake_case accepted) and optional batching hints (personalize
    ``datasetArn``, simpledbv2 ``domainName``).
    """
    from .services import spec_for

    spec = spec_for(service)
    wire = {_camel(k): v for k, v in scope.items()}
    hints = {k: wire.pop(k) for k in spec.hint_keys if k in wire}
    return ExportJob(sender, service, id, wire, hints=hints, status=ExportStatus.UNKNOWN)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


async def start(sender: Sender, request: OperationRequest[Any]) -> ExportJob:
    """Send one of the five start/create requests and return its job."""
    from .services import spec_for_request

    spec = spec_for_request(request)
    started = await spec.start(sender, request)
    job = ExportJob(sender, spec.name, started.id, started.scope, hints=started.hints)
    if started.seen is not None:
        job._observe(started.seen)  # pyright: ignore[reportPrivateUsage]
    job._fresh = True  # pyright: ignore[reportPrivateUsage]
    return job


# -- many jobs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobOutcome:
    """How one job of ``wait_all`` ended: ``error`` is ``None`` on SUCCEEDED/PARTIAL.

    Otherwise it is the ``ExportFailed``, ``WaitTimeout`` or polling error that
    ``job.wait()`` would have raised for this job.
    """

    job: ExportJob
    error: ExportKitError | None

    @property
    def ok(self) -> bool:
        return self.error is None

    def result(self) -> ExportJob:
        """The job, or raise its error."""
        if self.error is not None:
            raise self.error
        return self.job


async def wait_all(
    sender: Sender,
    jobs: Iterable[ExportJob],
    *,
    timeout: float | None = None,  # noqa: ASYNC109
    poll: PollPolicy | None = None,
    on_update: OnUpdate | None = None,
) -> list[JobOutcome]:
    """Wait for every job, polling in batches; one ``JobOutcome`` per job, in input order.

    Never raises for a single job's failure or timeout: each outcome carries its own error.
    """
    jobs = list(jobs)
    timeout_value = timeout if timeout is not None else 0.0
    outcomes: dict[int, JobOutcome] = {}
    async with contextlib.aclosing(track(sender, jobs, timeout=timeout, poll=poll)) as rounds:
        async for found in rounds:
            for job in found.changed:
                await notify(on_update, job)
            for job in found.finished:
                outcomes[id(job)] = JobOutcome(job, _error_of(job))
            for job in found.timed_out:
                outcomes[id(job)] = JobOutcome(job, WaitTimeout(job, timeout_value))
    return [outcomes[id(job)] for job in jobs]


def _error_of(job: ExportJob) -> ExportKitError | None:
    try:
        job._outcome()  # pyright: ignore[reportPrivateUsage]
    except ExportKitError as exc:
        return exc
    return None


async def as_completed(
    sender: Sender,
    jobs: Iterable[ExportJob],
    *,
    timeout: float | None = None,  # noqa: ASYNC109
    poll: PollPolicy | None = None,
) -> AsyncIterator[ExportJob]:
    """Yield each job as it finishes (terminal, or ended by a polling error in ``last_error``).

    Jobs finishing in the same poll round come in input order.  At the deadline raises
    ``WaitAllTimeout`` (a ``WaitTimeout``) listing the unfinished jobs in ``pending``.
    """
    jobs = list(jobs)
    timed_out: list[ExportJob] = []
    async with contextlib.aclosing(track(sender, jobs, timeout=timeout, poll=poll)) as rounds:
        async for found in rounds:
            for job in found.finished:
                yield job
            timed_out += found.timed_out
    if timed_out:
        raise WaitAllTimeout(timed_out, timeout if timeout is not None else 0.0)
