"""Export jobs: normalized status, refresh/wait/watch, resumable tokens, many-job waits.

An :class:`ExportJob` is a small handle (service, id, scope) plus what was last seen of the
job.  It holds no connection of its own: every call goes through the ``ExportKit`` that made
it, every wait through that kit's shared poller (``export_kit._poller``), and
``job.token()`` lets another process (or kit) pick the job up again.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import inspect
import json
import types
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from typing import Any, Generic, Self, cast

from pydantic.alias_generators import to_camel
from typing_extensions import TypeVar

from ._interfaces import ExportStatus, JobRef
from ._poller import Poller, Round
from ._shapes import OperationRequest, ResponseShape, Sender
from .errors import ExportFailed, ExportKitError, WaitAllTimeout, WaitTimeout
from .services import Observation, spec_for, spec_for_request
from .waiting import PollPolicy

__all__ = [
    "ExportJob",
    "ExportStatus",
    "JobOutcome",
    "OnUpdate",
    "as_completed",
    "attach",
    "resume",
    "start",
    "wait_all",
]

#: The type of ``ExportJob.description``: what describing the job returns.
DescriptionT = TypeVar("DescriptionT", bound=ResponseShape, default=ResponseShape, covariant=True)

#: ``on_update(job)``: called (plain or async) with the job at every status change.
OnUpdate = Callable[["ExportJob[Any]"], "Awaitable[object] | object"]

_TOKEN_PREFIX = "ekjob."
_TOKEN_VERSION = 1
#: Longer strings are not tokens (a real one is a few hundred characters).
_TOKEN_MAX_LENGTH = 16_384


class ExportJob(Generic[DescriptionT]):
    """One export job of one service, and what was last seen of it.

    ``status``/``native_status`` start as ``PENDING``/``""`` for a job just started (omics
    reports its first status in the start response) and as the token's last seen status for a
    resumed one; every ``refresh()`` or poll updates them.  ``description`` is the last typed
    describe response (``GetReadSetExportJobResponse``...; for discovery the job's
    ``ExportInfo``) or ``None`` before the first describe.

    ``started=True`` marks a job this process started moments ago: NotFound while polling it
    is eventual consistency for the policy's ``not_found_grace``.  ``poller`` is the kit's
    shared poller (``ExportKit`` passes its own; without one the job gets a private one).
    """

    __slots__ = (
        "_description",
        "_fresh",
        "_poller",
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
        started: bool = False,
        poller: Poller | None = None,
    ) -> None:
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
        self._poller = poller
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
        self._fresh = started

    @property
    def description(self) -> DescriptionT | None:
        """The last typed describe response (for discovery the ``ExportInfo``), or ``None``."""
        return self._description

    def __repr__(self) -> str:
        scope = "".join(f", {k}={v!r}" for k, v in self.scope.items())
        native = f" ({self.native_status!r})" if self.native_status else ""
        return f"<ExportJob {self.service} {self.id!r}{scope} {self.status.value}{native}>"

    def _observe(self, seen: Observation) -> None:
        self.native_status = seen.native_status
        self.status = spec_for(self.service).status(seen.native_status)
        self.failure_reason = seen.failure_reason
        described = seen.description
        if described is not None and not _same(described, self._description):
            self._description = cast("DescriptionT", described)
        if seen.hints:
            self.hints.update({k: v for k, v in seen.hints.items() if v})
        self.last_error = None

    def _waits(self) -> Poller:
        if self._poller is None:
            self._poller = _poller_of(self._sender)
        return self._poller

    async def refresh(self) -> Self:
        """Describe the job once and update ``status``, ``description``, ``failure_reason``."""
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

        The job is polled by the kit's shared poller, in one batch with every other job of
        its scope that any task is waiting for.

        Args:
          timeout (float | None): Seconds to wait; the last attempt is made at the deadline.
          poll (PollPolicy | None): How to poll; unset fields come from the kit's policy.
          on_update: Called with the job (plain or async) at every status change.

        Raises:
          ExportFailed: the job ended FAILED or CANCELLED.
          WaitTimeout: ``timeout`` seconds passed; it names the last polling error seen.
          ExportKitError: a polling error that cannot be retried (access denied,
            credentials, configuration, NotFound after the grace period) or transport
            failures for longer than ``poll.transport_patience``.
        """
        # The poller's waiter API without ``_rounds``: while it sleeps, an independent wait
        # holds this frame and one future (benchmarks/RESULTS.md, 4b).
        poller = self._waits()
        waiter = poller.join(
            (self,),
            learn=_learn,
            timeout=timeout,
            poll=poll,
            fresh=(self,) if self._fresh else (),
        )
        last = (self.status, self.native_status)  # what this wait last saw
        try:
            while waiter.waiting:
                while (turn := poller.turn(waiter)) is not None:
                    await turn
                heard, finished, timed_out = _news(poller.take(waiter))
                if heard and (self.status, self.native_status) != last:
                    last = (self.status, self.native_status)
                    await _notify(on_update, self)
                if finished:
                    return self._outcome()
                if timed_out:
                    raise _timed_out(self, timeout)
        finally:
            poller.leave(waiter)
        raise AssertionError("unreachable: a wait ends only when its job is done")

    def _learn(self, outcome: Observation | BaseException) -> None:
        """Apply one thing the poller saw of this job: an observation or a polling error."""
        if isinstance(outcome, Observation):
            self._observe(outcome)
            self._fresh = False  # seen: NotFound no longer means "not visible yet"
        elif isinstance(outcome, ExportKitError):
            self.last_error = outcome

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
            _rounds(self._waits(), [self], timeout=timeout, poll=poll)
        ) as rounds:
            async for found in rounds:
                if found.changed:
                    yield self
                if found.finished:
                    if not self.status.is_terminal and self.last_error is not None:
                        raise self.last_error
                    return
                if found.timed_out:
                    raise _timed_out(self, timeout)

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


def _news(found: Round) -> tuple[bool, bool, bool]:
    """Whether a waiter heard of its job, saw it finish, or timed out; as flags, so nothing
    of the round stays referenced while ``ExportJob.wait`` sleeps again."""
    return bool(found.heard), bool(found.finished), bool(found.timed_out)


def _learn(job: JobRef, outcome: Observation | BaseException) -> None:
    """The poller's ``learn`` for waits of ``ExportJob`` objects (their only kind of job)."""
    cast("ExportJob[Any]", job)._learn(outcome)  # pyright: ignore[reportPrivateUsage]


def _same(seen: ResponseShape, last: ResponseShape | None) -> bool:
    """Whether a new description says exactly what the job's last one says (values and
    which fields were set): the job keeps its object, so a long wait on an unchanged job
    leaves the old description in place rather than a new one each round."""
    return last is not None and seen == last and seen.model_fields_set == last.model_fields_set


def _poller_of(sender: Sender) -> Poller:
    """The shared poller of ``sender``: its kit's (``ExportKit._waits()``), whichever code
    made the job (``kit.start``, a facade's ``start``, ``resume``...); for any other
    ``Sender`` a poller of its own."""
    shared: Callable[[], Poller] | None = getattr(sender, "_waits", None)
    return shared() if shared is not None else Poller(sender)


async def _notify(on_update: OnUpdate | None, job: ExportJob[Any]) -> None:
    """Call ``on_update(job)``, awaiting it when it returns an awaitable."""
    if on_update is None:
        return
    result = on_update(job)
    if inspect.isawaitable(result):
        await result


def _timed_out(job: ExportJob[Any], timeout: float | None) -> WaitTimeout:
    """``WaitTimeout`` for ``job``, naming (and caused by) the last polling error seen."""
    error = WaitTimeout(job, timeout if timeout is not None else 0.0)
    return _with_last_error(error, job.last_error)


def _with_last_error(error: WaitTimeout, last: ExportKitError | None) -> WaitTimeout:
    if last is not None:
        error.args = (f"{error}; last error: {last}",)
        error.__cause__ = last
    return error


@dataclass
class _Seen:
    """What one waiter learnt from the poller, applied to its ``ExportJob`` objects."""

    #: Jobs whose status or native status changed since this waiter last looked.
    changed: list[ExportJob[Any]]
    #: Jobs now done: terminal, or ended by an error that cannot be retried (``last_error``).
    finished: list[ExportJob[Any]]
    #: Jobs given up on at the deadline.
    timed_out: list[ExportJob[Any]]


async def _rounds(
    poller: Poller,
    jobs: Sequence[ExportJob[Any]],
    *,
    timeout: float | None,  # noqa: ASYNC109
    poll: PollPolicy | None,
) -> AsyncGenerator[_Seen]:
    """Register ``jobs`` with the poller as one waiter; apply and report what it sees.

    Lists come in input order.  A change is judged against what this waiter last saw, so
    two waiters of one ``ExportJob`` object both hear of it.
    """
    # Per job (by object): its input position and the status this waiter last saw.
    seen: dict[int, tuple[int, ExportJob[Any], tuple[ExportStatus, str]]] = {}
    for job in jobs:
        if id(job) not in seen:
            seen[id(job)] = (len(seen), job, (job.status, job.native_status))
    fresh = [job for _, job, _ in seen.values() if job._fresh]  # pyright: ignore[reportPrivateUsage]
    async with contextlib.aclosing(
        poller.track(jobs, learn=_learn, timeout=timeout, poll=poll, fresh=fresh)
    ) as rounds:
        async for found in rounds:
            changed: list[object] = []
            for ref in found.heard:
                position, job, last = seen[id(ref)]
                now = (job.status, job.native_status)
                if last != now:
                    seen[id(ref)] = (position, job, now)
                    changed.append(ref)
            yield _Seen(
                _in_order(seen, changed),
                _in_order(seen, found.finished),
                _in_order(seen, found.timed_out),
            )


def _in_order(
    seen: Mapping[int, tuple[int, ExportJob[Any], object]], refs: Sequence[object]
) -> list[ExportJob[Any]]:
    """The jobs behind ``refs``, once each, in input order."""
    if not refs:
        return []
    found = {id(ref): seen[id(ref)] for ref in refs}
    return [job for _, job, _ in sorted(found.values(), key=lambda entry: entry[0])]


def _decode_token(token: str) -> dict[str, Any]:
    """The token's fields, checked; ``ValueError`` for anything that is not a token."""
    if not isinstance(token, str) or not token.startswith(_TOKEN_PREFIX):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ValueError("not an export_kit job token")
    if len(token) > _TOKEN_MAX_LENGTH:
        raise ValueError(f"not an export_kit job token (longer than {_TOKEN_MAX_LENGTH})")
    data = token[len(_TOKEN_PREFIX) :]
    try:
        body: Any = json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    except (binascii.Error, ValueError, RecursionError) as exc:
        # RecursionError: deeply nested JSON; ValueError covers bad UTF-8 as well.
        raise ValueError("not an export_kit job token (corrupt)") from exc
    if not isinstance(body, dict):
        raise ValueError("not an export_kit job token (corrupt)")
    fields: dict[str, Any] = body  # pyright: ignore[reportUnknownVariableType]
    if fields.get("v") != _TOKEN_VERSION:
        raise ValueError(f"unsupported export_kit job token version {fields.get('v')!r}")
    for key in ("service", "id"):
        if not isinstance(fields.get(key), str) or not fields[key]:
            raise ValueError(f"export_kit job token lacks {key!r}")
    for key in ("scope", "hints"):
        table: object = fields.get(key)
        if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, str)
            for k, v in table.items()  # pyright: ignore[reportUnknownVariableType]
        ):
            raise ValueError(f"export_kit job token lacks {key!r} (a table of strings)")
    for key in ("native", "status"):
        if not isinstance(fields.get(key, ""), str):
            raise ValueError(f"export_kit job token has a malformed {key!r}")
    return fields


def resume(sender: Sender, token: str, *, poller: Poller | None = None) -> ExportJob:
    """The job behind ``token`` (from ``job.token()``), attached to ``sender``; no I/O.

    Raises:
      ValueError: if ``token`` is not a token this library made (whatever its content).
    """
    body = _decode_token(token)
    status_value = body.get("status")
    status = (
        ExportStatus(status_value)
        if isinstance(status_value, str) and status_value in ExportStatus.__members__
        else None
    )
    native = body.get("native")
    try:
        return ExportJob(
            sender,
            body["service"],
            body["id"],
            body["scope"],
            hints=body["hints"],
            native_status=native if isinstance(native, str) else "",
            status=status,
            poller=poller,
        )
    except ValueError as exc:
        raise ValueError(f"not a usable export_kit job token: {exc}") from exc


def attach(
    sender: Sender, service: str, id: str, *, poller: Poller | None = None, **scope: str
) -> ExportJob:
    """A handle on an existing job (``kit.job(service, id, **scope)``); no I/O.

    ``scope`` takes the keys the service needs to poll (m2 ``applicationId``, omics
    ``sequenceStoreId``; snake_case accepted) and optional batching hints (personalize
    ``datasetArn``, simpledbv2 ``domainName``).
    """
    spec = spec_for(service)
    wire = {to_camel(k): v for k, v in scope.items()}
    hints = {k: wire.pop(k) for k in spec.hint_keys if k in wire}
    return ExportJob(
        sender, service, id, wire, hints=hints, status=ExportStatus.UNKNOWN, poller=poller
    )


async def start(
    sender: Sender, request: OperationRequest[Any], *, poller: Poller | None = None
) -> ExportJob:
    """Send one of the five start/create requests and return its job."""
    spec = spec_for_request(request)
    started = await spec.start(sender, request)
    job: ExportJob = ExportJob(
        sender,
        spec.name,
        started.id,
        started.scope,
        hints=started.hints,
        started=True,
        poller=poller,
    )
    if started.seen is not None:
        job._observe(started.seen)  # pyright: ignore[reportPrivateUsage]
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
    poller: Poller | None = None,
) -> list[JobOutcome]:
    """Wait for every job, polling in batches; one ``JobOutcome`` per job, in input order.

    Never raises for a single job's failure or timeout: each outcome carries its own error.
    ``poller`` is the kit's shared poller (``kit.wait_all`` passes it); without one the
    call polls on its own.
    """
    jobs = list(jobs)
    outcomes: dict[int, JobOutcome] = {}
    waits = poller or _poller_of(sender)
    async with contextlib.aclosing(_rounds(waits, jobs, timeout=timeout, poll=poll)) as rounds:
        async for found in rounds:
            for job in found.changed:
                await _notify(on_update, job)
            for job in found.finished:
                outcomes[id(job)] = JobOutcome(job, _error_of(job))
            for job in found.timed_out:
                outcomes[id(job)] = JobOutcome(job, _timed_out(job, timeout))
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
    poller: Poller | None = None,
) -> AsyncIterator[ExportJob]:
    """Yield each job as it finishes (terminal, or ended by a polling error in ``last_error``).

    Jobs finishing in the same poll round come in input order.  At the deadline raises
    ``WaitAllTimeout`` (a ``WaitTimeout``) listing the unfinished jobs in ``pending``.
    """
    jobs = list(jobs)
    timed_out: list[ExportJob] = []
    waits = poller or _poller_of(sender)
    async with contextlib.aclosing(_rounds(waits, jobs, timeout=timeout, poll=poll)) as rounds:
        async for found in rounds:
            for job in found.finished:
                yield job
            timed_out += found.timed_out
    if timed_out:
        error = WaitAllTimeout(timed_out, timeout if timeout is not None else 0.0)
        last = next((job.last_error for job in timed_out if job.last_error), None)
        raise _with_last_error(error, last)
