"""Job records and their state machines.

A job's status is a pure function of the clock: with ``d`` its duration it is *pending*
during ``[0, d/4)``, *running* during ``[d/4, d)`` and terminal from ``d`` on.  The
terminal phase follows the job's planned outcome (success unless a failure, a partial
failure or a cancellation was forced).  A cancellation spends ``d/4`` in CANCELLING.
Each generic phase maps to the service's own vocabulary
(``ServiceRules.statuses``); discovery has no pending state, so its exports are IN_PROGRESS from the start.  ``set_status`` overrides the
native status verbatim (for testing unknown values).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal

from ._rules import RULES, TERMINAL, Outcome, Phase

DEFAULT_FAILURE = "The export failed (forced by the emulator)."
DEFAULT_PARTIAL = "Some read sets failed to export (forced by the emulator)."


@dataclass
class Job:
    """One export job (or Discovery continuous export) and everything needed to answer about it."""

    service: str
    kind: Literal["export", "continuous"]
    id: str
    seq: int
    created: float
    duration: float
    scope: str
    params: dict[str, Any]
    outcome: Outcome = "succeed"
    reason: str | None = None
    status_override: str | None = None
    cancel_at: float | None = None
    stop_at: float | None = None
    failed_at: float | None = None
    finalized: bool = False
    extra: dict[str, Any] = field(default_factory=dict[str, Any])

    @property
    def pending_span(self) -> float:
        return self.duration / 4

    def timeline(self) -> list[tuple[float, Phase]]:
        """Every (start time, phase) of this job, in order; the last one may lie in the future."""
        start, pend, end = self.created, self.duration / 4, self.created + self.duration
        if self.service == "discovery":  # no pending phase
            out: list[tuple[float, Phase]] = [(start, "running")]
        elif pend > 0:
            out = [(start, "pending"), (start + pend, "running")]
        else:
            out = [(start + pend, "running")]
        if self.cancel_at is not None and self.cancel_at < end:
            at = max(self.cancel_at, start)
            out = [(t, p) for t, p in out if t <= at]
            out.append((at, "cancelling"))
            out.append((at + pend, "cancelled"))
            return out
        if self.outcome == "cancel":
            out.append((end, "cancelling"))
            out.append((end + pend, "cancelled"))
        elif self.outcome == "fail":
            out.append((end, "failed"))
        elif self.outcome == "partial":
            out.append((end, "partial"))
        else:
            out.append((end, "succeeded"))
        return out

    def phase_at(self, now: float) -> tuple[Phase, float]:
        """The phase at ``now`` and when it began."""
        current: tuple[Phase, float] = ("pending", self.created)
        for at, phase in self.timeline():
            if at > now:  # the timeline is in time order
                break
            current = (phase, at)
        return current

    def native_status(self, now: float) -> str:
        """The service's own status string at ``now`` (an override wins)."""
        if self.status_override is not None:
            return self.status_override
        return RULES[self.service].statuses[self.phase_at(now)[0]]

    def finished_at(self, now: float) -> float | None:
        """When the job reached a terminal phase, if it has by ``now``."""
        phase, since = self.phase_at(now)
        return since if phase in TERMINAL else None

    def terminal_at(self) -> float:
        """When the job reaches (or reached) its terminal phase, as planned now."""
        return self.timeline()[-1][0]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Job:
        return cls(**data)


ContinuousPhase = Literal[
    "START_IN_PROGRESS",
    "START_FAILED",
    "ACTIVE",
    "ERROR",
    "STOP_IN_PROGRESS",
    "STOP_FAILED",
    "INACTIVE",
]

#: The failure a continuous export shows when it fails in each phase.
_FAILED_IN: Final[dict[str, ContinuousPhase]] = {
    "START_IN_PROGRESS": "START_FAILED",
    "ACTIVE": "ERROR",
    "STOP_IN_PROGRESS": "STOP_FAILED",
}


def _continuous_plain(job: Job, now: float) -> tuple[ContinuousPhase, float]:
    started = job.created + job.pending_span
    if now < started:
        return "START_IN_PROGRESS", job.created
    if job.outcome == "fail" and job.failed_at is None:
        return "START_FAILED", started
    if job.stop_at is None or now < job.stop_at:
        return "ACTIVE", started
    stopped = job.stop_at + job.pending_span
    if now < stopped:
        return "STOP_IN_PROGRESS", job.stop_at
    return "INACTIVE", stopped


def continuous_status(job: Job, now: float) -> tuple[ContinuousPhase | str, float]:
    """A Discovery continuous export's status at ``now`` and when it began.

    ``fail_next`` makes the next one START_FAILED; ``fail_job`` at time ``t`` turns the
    phase it is in at ``t`` into its failure: START_FAILED, ERROR or STOP_FAILED.
    """
    if job.status_override is not None:
        return job.status_override, job.created
    if job.failed_at is not None and job.failed_at <= now:
        phase = _continuous_plain(job, job.failed_at)[0]
        if phase in _FAILED_IN:
            return _FAILED_IN[phase], job.failed_at
    return _continuous_plain(job, now)
