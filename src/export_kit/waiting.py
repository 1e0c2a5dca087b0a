"""Polling schedules and the waiter loop behind ``job.wait()``, ``wait_all`` and ``as_completed``.

Smithy waiter semantics, made async and cancellable (DESIGN.md "Waiting"):

* the first attempt is immediate; attempt *n* then sleeps a random time in
  ``[min_delay, min(max_delay, min_delay * 2**(n-1))]`` (full jitter, capped);
* when the remaining time is at most ``min_delay`` the waiter sleeps exactly until the
  deadline and makes one final attempt there; it never sleeps past the deadline;
* the ``timeout`` is wall-clock (on the policy's clock) and there is no attempt cap;
* retryable errors (throttling, 5xx, transport) count as an attempt with no news and never
  end the wait early; ``NotFound`` right after a start is tolerated for ``not_found_grace``;
* cancellation (anyio) interrupts the sleep or the in-flight request at once.

The clock, the sleep and the random source are injectable (``PollPolicy.clock``/``rng``), so
tests drive the waiter on virtual time.  Many jobs are polled by one loop: jobs are grouped
by service and scope, each group has its own schedule, and a group of several jobs is polled
with its service's list/describe-many operation (see ``export_kit.services``).
"""

from __future__ import annotations

import inspect
import math
import random
from collections.abc import AsyncGenerator, Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

import anyio

from .errors import ExportKitError, NotFoundError, ServiceError, WaitTimeout

if TYPE_CHECKING:
    from .jobs import ExportJob, Sender
    from .services import Observation, ServiceSpec

__all__ = [
    "AnyioClock",
    "Backoff",
    "Clock",
    "PollPolicy",
    "WaitAllTimeout",
    "backoff_delay",
]

#: Times closer than this (seconds) count as equal, so float sums never add a second
#: "final" attempt a hair before the deadline.
_EPSILON = 1e-6

#: How many describe calls one poll round runs at once (fallbacks and final describes).
_CONCURRENCY = 16


class Clock(Protocol):
    """Where the waiter reads the time and how it sleeps (swap in virtual time for tests)."""

    def now(self) -> float:
        """The current time in seconds (any origin; only differences matter)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds``; must be cancellable."""
        ...


class AnyioClock:
    """The real clock: ``anyio.current_time()`` and ``anyio.sleep()`` of the running loop."""

    def now(self) -> float:
        return anyio.current_time()

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)

    def __repr__(self) -> str:
        return "AnyioClock()"


@dataclass(frozen=True)
class PollPolicy:
    """How to poll: backoff bounds, NotFound grace, clock and random source.

    ``min_delay``/``max_delay`` left as ``None`` take the service's default
    (``export_kit.services.<service>.DEFAULT_POLL``), so ``PollPolicy(clock=...)`` changes
    only the clock.
    """

    min_delay: float | None = None
    max_delay: float | None = None
    #: Seconds after a job was started in which NotFound means "not visible yet".
    not_found_grace: float = 30.0
    clock: Clock | None = field(default=None, compare=False)
    rng: random.Random | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.min_delay is not None and self.min_delay <= 0:
            raise ValueError(f"min_delay must be > 0, got {self.min_delay!r}")
        if self.max_delay is not None and self.max_delay <= 0:
            raise ValueError(f"max_delay must be > 0, got {self.max_delay!r}")
        if (
            self.min_delay is not None
            and self.max_delay is not None
            and self.max_delay < self.min_delay
        ):
            raise ValueError("max_delay must be >= min_delay")
        if self.not_found_grace < 0:
            raise ValueError("not_found_grace must be >= 0")

    def over(self, defaults: PollPolicy) -> PollPolicy:
        """This policy with every unset field taken from ``defaults``."""
        min_delay = self.min_delay if self.min_delay is not None else defaults.min_delay
        max_delay = self.max_delay if self.max_delay is not None else defaults.max_delay
        if min_delay is not None and max_delay is not None and max_delay < min_delay:
            # e.g. PollPolicy(min_delay=300) over a default max of 120: the caller's bound wins.
            max_delay = min_delay if self.max_delay is None else max_delay
            min_delay = min(min_delay, max_delay)
        return replace(
            self,
            min_delay=min_delay,
            max_delay=max_delay,
            clock=self.clock or defaults.clock,
            rng=self.rng or defaults.rng,
        )


#: Used when neither the caller nor the service sets a bound (DESIGN defaults).
BASE_POLICY = PollPolicy(min_delay=2.0, max_delay=120.0)


def backoff_delay(
    attempt: int,
    remaining: float | None,
    *,
    min_delay: float,
    max_delay: float,
    rng: random.Random,
) -> float | None:
    """Seconds to sleep after attempt ``attempt`` (1-based), or ``None`` when time is up.

    Full jitter in ``[min_delay, min(max_delay, min_delay * 2**(attempt-1))]``; with a
    deadline (``remaining`` seconds left) the sleep ends at the deadline at the latest, and
    once ``remaining <= min_delay`` it ends exactly there, for one final attempt.
    """
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    if remaining is not None:
        if remaining <= _EPSILON:
            return None
        if remaining <= min_delay:
            return remaining
    # min_delay * 2**(attempt-1), without overflowing for very long waits.
    doublings = math.log2(max_delay / min_delay) + 1 if max_delay > min_delay else 1
    ceiling = max_delay if attempt > doublings else min(max_delay, min_delay * 2 ** (attempt - 1))
    delay = rng.uniform(min_delay, ceiling)
    if remaining is not None:
        delay = min(delay, remaining)
    return delay


class Backoff:
    """The attempt counter of one schedule."""

    def __init__(self, policy: PollPolicy, rng: random.Random) -> None:
        assert policy.min_delay is not None
        assert policy.max_delay is not None
        self.min_delay = policy.min_delay
        self.max_delay = policy.max_delay
        self.rng = rng
        self.attempts = 0

    def next_delay(self, remaining: float | None) -> float | None:
        """Record one finished attempt; the sleep before the next one (``None``: time is up)."""
        self.attempts += 1
        return backoff_delay(
            self.attempts,
            remaining,
            min_delay=self.min_delay,
            max_delay=self.max_delay,
            rng=self.rng,
        )


class WaitAllTimeout(WaitTimeout):
    """``as_completed`` reached its deadline; ``pending`` lists the jobs still unfinished."""

    def __init__(self, pending: Sequence[ExportJob], timeout: float) -> None:
        super().__init__(pending[0], timeout)
        self.pending = tuple(pending)
        if len(pending) > 1:
            self.args = (f"{len(pending)} exports still unfinished after {timeout:g} s",)


# -- the loop ---------------------------------------------------------------------------------


OnUpdate = Callable[["ExportJob"], "Awaitable[object] | object"]


@dataclass
class Round:
    """What one poll round found."""

    #: Jobs whose status or native status changed (in input order).
    changed: list[ExportJob]
    #: Jobs that are now done: terminal, or ended by a non-retryable error (``job.last_error``).
    finished: list[ExportJob]
    #: Jobs given up on at the deadline (only in the last round).
    timed_out: list[ExportJob]


@dataclass(eq=False)
class _Group:
    spec: ServiceSpec
    key: Hashable
    jobs: list[ExportJob]
    backoff: Backoff
    due: float
    grace_until: dict[str, float]


def _policy_for(spec: ServiceSpec, poll: PollPolicy | None) -> PollPolicy:
    return (poll or PollPolicy()).over(spec.default_poll).over(BASE_POLICY)


async def track(
    sender: Sender,
    jobs: Sequence[ExportJob],
    *,
    timeout: float | None,  # noqa: ASYNC109
    poll: PollPolicy | None = None,
    batch: bool = True,
) -> AsyncGenerator[Round]:
    """Poll ``jobs`` until each is done or the deadline passes, yielding after every round.

    Nothing is left running between rounds, so the consumer may stop iterating at any point
    (and cancellation leaves each job as it was last seen, resumable by token).
    """
    from .services import spec_for

    if timeout is not None and timeout < 0:
        raise ValueError("timeout must be >= 0")
    base = poll or PollPolicy()
    clock: Clock = base.clock or AnyioClock()
    rng = base.rng or random.Random()
    start = clock.now()
    deadline = None if timeout is None else start + timeout

    groups: dict[tuple[str, Hashable], _Group] = {}
    seen: set[int] = set()
    for job in jobs:
        if id(job) in seen:
            continue
        seen.add(id(job))
        spec = spec_for(job.service)
        key = spec.batch_key(job) if batch else ("single", job.service, job.id, id(job))
        policy = _policy_for(spec, poll)
        group = groups.get((job.service, key))
        if group is None:
            group = groups[(job.service, key)] = _Group(
                spec, key, [], Backoff(policy, rng), start, {}
            )
        group.jobs.append(job)
        if job._fresh:  # pyright: ignore[reportPrivateUsage]
            group.grace_until[job.id] = start + policy.not_found_grace
    order = {id(job): n for n, job in enumerate(jobs)}
    limiter = anyio.CapacityLimiter(_CONCURRENCY)

    while groups:
        now = clock.now()
        due = [g for g in groups.values() if g.due <= now + _EPSILON]
        before = {id(j): (j.status, j.native_status) for g in due for j in g.jobs}
        results: dict[int, tuple[ExportJob, Observation | BaseException]] = {}

        async def poll_one(
            group: _Group, into: dict[int, tuple[ExportJob, Observation | BaseException]]
        ) -> None:
            found = await group.spec.poll(sender, group.jobs, limiter=limiter)
            for job, outcome in found:
                into[id(job)] = (job, outcome)

        remaining = None if deadline is None else deadline - clock.now()
        budget = _request_budget(clock, remaining)
        with anyio.move_on_after(budget):
            async with anyio.create_task_group() as tg:
                for group in due:
                    tg.start_soon(poll_one, group, results)

        changed: list[ExportJob] = []
        finished: list[ExportJob] = []
        for group in due:
            still: list[ExportJob] = []
            for job in group.jobs:
                entry = results.get(id(job))
                done = False
                if entry is not None:
                    outcome = entry[1]
                    if isinstance(outcome, BaseException):
                        done = _on_error(job, outcome, group, clock.now())
                    else:
                        job._observe(outcome)  # pyright: ignore[reportPrivateUsage]
                        job._fresh = False  # pyright: ignore[reportPrivateUsage]
                        done = job.status.is_terminal
                if (job.status, job.native_status) != before[id(job)]:
                    changed.append(job)
                if done:
                    finished.append(job)
                else:
                    still.append(job)
            group.jobs = still
        timed_out: list[ExportJob] = []
        polled = {id(g) for g in due}
        after = clock.now()
        for name, group in list(groups.items()):
            if not group.jobs:
                del groups[name]
                continue
            if id(group) not in polled:
                continue
            remaining = None if deadline is None else deadline - after
            delay = group.backoff.next_delay(remaining)
            if delay is None:
                timed_out.extend(group.jobs)
                del groups[name]
            else:
                # A server's retry hint is a floor for the next attempt (never past the deadline).
                hint = max((_retry_hint(results.get(id(j))) for j in group.jobs), default=0.0)
                if remaining is not None:
                    hint = min(hint, remaining)
                group.due = after + max(delay, hint)
        changed.sort(key=lambda j: order[id(j)])
        finished.sort(key=lambda j: order[id(j)])
        timed_out.sort(key=lambda j: order[id(j)])
        yield Round(changed, finished, timed_out)
        if groups:
            wake = min(g.due for g in groups.values())
            pause = wake - clock.now()
            if pause > 0:
                await clock.sleep(pause)
            else:
                await anyio.lowlevel.checkpoint()


def _request_budget(clock: Clock, remaining: float | None) -> float:
    """How long one round's requests may take before the round counts as failed.

    On the real clock a round may not run past the deadline (the final attempt at the
    deadline gets one second).  Virtual clocks do not bound real time.
    """
    if remaining is None or not isinstance(clock, AnyioClock):
        return math.inf
    return max(remaining, 1.0)


def _retry_hint(entry: tuple[ExportJob, Observation | BaseException] | None) -> float:
    """Seconds a throttled or failing poll was asked to wait (0 when no hint came back)."""
    error = entry[1] if entry is not None else None
    if isinstance(error, ServiceError) and error.retry_after is not None:
        return error.retry_after
    return 0.0


def _on_error(job: ExportJob, error: BaseException, group: _Group, now: float) -> bool:
    """Record a polling error on ``job``; whether it ends the job's wait."""
    if not isinstance(error, ExportKitError):
        raise error
    job.last_error = error
    if error.retryable:
        return False
    if isinstance(error, NotFoundError):
        grace = group.grace_until.get(job.id)
        if grace is not None and now <= grace + _EPSILON:
            return False
    return True


async def notify(on_update: OnUpdate | None, job: ExportJob) -> None:
    """Call ``on_update(job)``, awaiting it when it is a coroutine function."""
    if on_update is None:
        return
    result = on_update(job)
    if inspect.isawaitable(result):
        await result
