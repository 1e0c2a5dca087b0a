"""What every service module provides: status map, ids, describe, batched polling."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import anyio

from export_kit._interfaces import ExportStatus, JobRef
from export_kit._shapes import OperationRequest, ResponseShape, Sender, StartRequest
from export_kit.errors import ExportKitError, NotFoundError
from export_kit.paging import Pager

if TYPE_CHECKING:
    from export_kit.waiting import PollPolicy

__all__ = [
    "Deliver",
    "Observation",
    "Seen",
    "ServiceSpec",
    "Started",
    "as_shape",
    "list_until_found",
]

ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True)
class Observation:
    """One look at a job: the service's own status, failure reason, typed description."""

    native_status: str
    failure_reason: str | None = None
    #: The typed describe response, or ``None`` when only a list item was seen and it
    #: cannot stand in for one (the job keeps its previous description).
    description: ResponseShape | None = None
    hints: Mapping[str, str] = field(default_factory=dict[str, str])


@dataclass(frozen=True)
class Started:
    """What a start call tells about the new job."""

    id: str
    scope: Mapping[str, str]
    hints: Mapping[str, str] = field(default_factory=dict[str, str])
    seen: Observation | None = None


#: Where a poll round reports each job's outcome as soon as it is known: what was seen, or
#: the error (a bug is any other exception: the waiters of that job raise it).
Deliver = Callable[[JobRef, "Observation | Exception"], None]

#: Where ``observe_many`` reports each job it saw, by id, as soon as its page is read.
Seen = Callable[[str, "Observation"], None]


class ServiceSpec(ABC):
    """Hand-written job semantics of one service (one instance per service)."""

    name: ClassVar[str]
    start_request: ClassVar[type[StartRequest[Any, Any]]]
    #: Native status -> ExportStatus, exactly the table in docs/concepts/jobs.md; anything
    #: else is UNKNOWN.
    statuses: ClassVar[Mapping[str, ExportStatus]]
    #: Keys a job needs besides its id to be described (m2 applicationId...).
    scope_keys: ClassVar[tuple[str, ...]] = ()
    #: Optional keys that narrow the batch list call (personalize datasetArn...).
    hint_keys: ClassVar[tuple[str, ...]] = ()
    default_poll: ClassVar[PollPolicy]
    #: The largest page (or id list) the batch operation accepts.
    page_size: ClassVar[int]
    #: The members (snake_case) holding the job id and the native status in the items of
    #: the service's list operation, e.g. m2's ``task_id`` and ``status``.
    item_id: ClassVar[str]
    item_status: ClassVar[str]

    def status(self, native: str) -> ExportStatus:
        return self.statuses.get(native, ExportStatus.UNKNOWN)

    @property
    def idempotency_field(self) -> str | None:
        """The start request's field that makes a repeated start find the same job.

        The client token where the operation has one; ``None`` when a retry starts a new job.
        """
        token = self.start_request.operation.client_token
        if token is None:
            return None
        fields = self.start_request.model_fields
        return next(name for name, info in fields.items() if (info.alias or name) == token)

    def list_item(self, item: Any) -> tuple[str, str]:
        """A list item's job id and native status (``""`` for a member AWS left out)."""
        return str(getattr(item, self.item_id) or ""), str(getattr(item, self.item_status) or "")

    # -- starting ------------------------------------------------------------------------

    async def start(self, sender: Sender, request: OperationRequest[Any]) -> Started:
        """Send the start request; the new job's id and scope."""
        return self.started(request, await sender.send(request))

    @abstractmethod
    def started(self, request: Any, response: Any) -> Started:
        """Read the id (and scope, hints) from a start request and its response."""

    # -- one job ---------------------------------------------------------------------------

    @abstractmethod
    def describe_request(self, job: JobRef) -> OperationRequest[Any]:
        """The request that describes exactly this job."""

    @abstractmethod
    def observe(self, job: JobRef, response: Any) -> Observation:
        """Read a describe response (raises ``NotFoundError`` if it lacks the job)."""

    async def describe(self, sender: Sender, job: JobRef) -> Observation:
        return self.observe(job, await sender.send(self.describe_request(job)))

    # -- many jobs -------------------------------------------------------------------------

    def batch_key(self, job: JobRef) -> Hashable:
        """Jobs with equal keys are polled by one batch operation."""
        return tuple(sorted(job.scope.items()))

    @abstractmethod
    async def observe_many(
        self, sender: Sender, key: Hashable, jobs: Sequence[JobRef], seen: Seen
    ) -> None:
        """Look at many jobs of one batch key with the batch operation: ``seen(job_id,
        observation)`` for each job as soon as its page is read.

        Jobs the batch could not see are not reported (a fallback describe handles them).
        """

    #: Whether a job missing from ``observe_many`` is known not to exist (discovery asks
    #: by id, so a fallback describe would ask the same question again).
    batch_is_authoritative: ClassVar[bool] = False

    async def poll(
        self,
        sender: Sender,
        jobs: Sequence[JobRef],
        *,
        limiter: anyio.CapacityLimiter,
        deliver: Deliver,
    ) -> None:
        """One poll round over jobs sharing a batch key: ``deliver(job, outcome)`` for each
        job, an observation or error, as soon as it is known (page by page).

        One job is described directly; several use the batch operation, then describe only
        those the batch could not see and those that just finished without a full
        description.  A failed batch call is the error of every job not yet delivered; a
        failed describe is its job's.  An exception that is not an ``ExportKitError`` is a
        bug: the batch's propagates, a describe's is delivered for its job (never as an
        ``ExceptionGroup``).
        """
        if len(jobs) == 1:
            await self._describe_each(sender, jobs, limiter, deliver)
            return
        unseen = {job.id: job for job in jobs}
        again: list[JobRef] = []

        def seen(job_id: str, found: Observation) -> None:
            job = unseen.pop(job_id, None)
            if job is None:  # not asked for, or already seen
                return
            if found.description is None and self.status(found.native_status).is_terminal:
                again.append(job)
            else:
                deliver(job, found)

        try:
            await self.observe_many(sender, self.batch_key(jobs[0]), jobs, seen)
        except ExportKitError as exc:
            for job in (*again, *unseen.values()):
                deliver(job, exc)
            return
        if self.batch_is_authoritative:
            for job in unseen.values():
                deliver(job, self._missing(job))
        else:
            again += unseen.values()
        await self._describe_each(sender, again, limiter, deliver)

    async def _describe_each(
        self,
        sender: Sender,
        jobs: Sequence[JobRef],
        limiter: anyio.CapacityLimiter,
        deliver: Deliver,
    ) -> None:
        async def one(job: JobRef) -> None:
            async with limiter:
                try:
                    found = await self.describe(sender, job)
                except Exception as exc:  # delivered per job: no ExceptionGroup escapes
                    deliver(job, exc)
                else:
                    deliver(job, found)

        async with anyio.create_task_group() as tg:
            for job in jobs:
                tg.start_soon(one, job)

    def _missing(self, job: JobRef) -> NotFoundError:
        op = self.describe_request(job).operation.name
        return NotFoundError(
            f"{self.name} export {job.id} was not found",
            service=self.name,
            operation=op,
            code="ResourceNotFoundException",
        )


async def list_until_found(
    sender: Sender,
    request: OperationRequest[Any],
    items: Callable[[Any], Iterable[ItemT] | None],
    id_of: Callable[[ItemT], str | None],
    wanted: Iterable[str],
    page_size: int,
    found: Callable[[str, ItemT], None],
) -> None:
    """Page through a list operation until every wanted id is found: ``found(id, item)``
    for each as its page is read, so nothing of a page outlives it.

    Stops early once all are found, at the last page, on a repeated token, or when
    further pages would cost more than describing the missing jobs one by one (beyond
    ⌈N / page_size⌉ pages, one extra page per missing job at most).
    """
    missing = set(wanted)
    ideal = math.ceil(len(missing) / page_size)
    pages = 0
    async with aclosing(Pager(sender, request).pages()) as responses:
        async for response in responses:
            pages += 1
            for item in items(response) or ():
                key = id_of(item)
                if key is not None and key in missing:
                    missing.discard(key)
                    found(key, item)
            if not missing or pages >= ideal + len(missing):
                break


ShapeT = TypeVar("ShapeT", bound=ResponseShape)


def as_shape(target: type[ShapeT], item: ResponseShape, **extra: Any) -> ShapeT:
    """``target`` built from the fields ``item`` shares with it, without validating again.

    A list item that carries what a describe response says (m2, Personalize) stands in for
    that response at the cost of a copy: the item was validated when its page was read.
    """
    values = {name: getattr(item, name) for name in _shared_fields(type(item), target)}
    built: ShapeT = target.model_construct(**values, **extra)  # type: ignore[assignment]
    return built


@cache
def _shared_fields(source: type[ResponseShape], target: type[ResponseShape]) -> tuple[str, ...]:
    return tuple(name for name in source.model_fields if name in target.model_fields)
