"""Small interfaces shared by ``jobs``, ``waiting``, ``_poller`` and ``services``.

A leaf module: it imports nothing of ours, not even for type checkers, so every module
(``errors`` included) can import it at the top and no module needs a function-local import
to dodge a cycle.  ``Sender`` names the request and response base classes, so it lives one
layer up, beside them in ``_shapes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Protocol

__all__ = ["ExportStatus", "JobRef", "JobView", "PollClock"]


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


class JobView(Protocol):
    """What an error tells of the job it is about (``ExportFailed.job``, ``WaitTimeout.job``).

    ``export_kit.ExportJob`` is one; the job you awaited is the same object, with its typed
    ``description``.
    """

    @property
    def service(self) -> str: ...

    @property
    def id(self) -> str: ...

    @property
    def scope(self) -> Mapping[str, str]: ...

    @property
    def status(self) -> ExportStatus: ...

    @property
    def native_status(self) -> str: ...

    @property
    def failure_reason(self) -> str | None: ...

    def token(self) -> str:
        """The job's resume token (``kit.resume(token)``)."""
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
