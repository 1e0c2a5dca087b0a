"""Small interfaces shared by ``jobs``, ``waiting``, ``_poller`` and ``services``.

A leaf module: it imports nothing of ours at run time (the request/response base classes
are named for type checkers only), so every module above it can import it at the top and
no module needs a function-local import to dodge a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from ._shapes import OperationRequest, ResponseShape

__all__ = ["ExportStatus", "JobRef", "PollClock", "Sender"]

R = TypeVar("R", bound="ResponseShape")


class Sender(Protocol):
    """What jobs need from ``ExportKit``: send one typed request, get its typed response."""

    async def send(self, request: OperationRequest[R], /) -> R: ...


class PollClock(Protocol):
    """Where a waiter reads the time and how it sleeps (swap in virtual time for tests).

    Not the emulator's clock: this one is monotonic, any origin, and sleeps.
    """

    def now(self) -> float:
        """The current time in seconds (any origin; only differences matter)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds``; must be cancellable."""
        ...


class JobRef(Protocol):
    """What polling reads of a job: which service, which id, and where to look for it."""

    @property
    def service(self) -> str: ...

    @property
    def id(self) -> str: ...

    @property
    def scope(self) -> Mapping[str, str]:
        """What the service needs besides ``id`` to find the job (m2 ``applicationId``...)."""
        ...

    @property
    def hints(self) -> Mapping[str, str]:
        """Optional facts that let many jobs be polled together (``datasetArn``...)."""
        ...


class ExportStatus(StrEnum):
    """A job's status, normalized across the five services (docs/concepts/jobs.md)."""

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
