"""The kit's shared poller: every wait of one ``ExportKit`` is served by batched rounds.

``job.wait()``, ``job.watch()``, ``kit.wait_all()`` and ``kit.as_completed()`` each register
their jobs here as one *waiter* (``Poller.join``/``turn``/``take``/``leave``; ``track`` is
the same as an async generator).  Each round the poller takes the jobs
that are due, groups them by batch scope (``ServiceSpec.batch_key``) and serves each group
with one list/describe-many call per page, so N tasks each awaiting ``job.wait()`` on one
scope cost what one ``wait_all`` of N jobs costs.  A job registered by several waiters (or
through several ``ExportJob`` objects) is polled once per round.

Each waiter keeps its own schedule per batch scope (a ``_Schedule``: its ``PollPolicy``, its
backoff, its deadline, its NotFound grace and transport patience).  After every attempt a
schedule asks for its next attempt within a *window* ``[earliest, latest]`` (the backoff's
jitter range, ending at the deadline).  A group polls at one time drawn in the windows of
its schedules and serves every schedule whose window has opened; so waiters due together
share calls, a waiter that joins late is polled at once, and the final attempt of a waiter
with a deadline happens exactly at its deadline.  Observations of a job reach every waiter
of that job, served or not; errors reach only the waiters that were due.

Outcomes stream: ``ServiceSpec.poll`` delivers each job's observation or error as soon as
its page (or describe) is read, and the waiter's ``learn`` applies it to the job at once, so
nothing of a page outlives it and a round at 10,000 jobs leaves no round-sized data for the
cyclic garbage collector to promote (benchmarks/RESULTS.md, section 4b).  A waiter is woken
only for news: a status it was not told yet, the end of its wait for a job, a timeout or a
bug.  A wait on a job that stays pending sleeps through the rounds.

Nothing runs in the background.  Rounds are driven by one of the waiting tasks themselves
(the *driver*): the first waiter to find no driver becomes it, sleeps until the next round,
polls, delivers results to every waiter, lets the waiters it woke run, and hands over to
another waiting task as soon as it has news of its own (or is cancelled).  So the poller
runs only while someone waits, starts no task outside a round (asyncio and trio alike),
leaves nothing behind when the last waiter leaves, and one waiter's cancellation or timeout
only ends that waiter.

A waiting task that does not drive holds little: its ``Waiter`` (slotted; the inbox is kept
in it and emptied in place), one ``_Schedule`` per batch group, and while it sleeps one bare
asyncio future (under trio nothing: the task is rescheduled).  ``job.wait()`` awaits that
future itself, with no generator, event, cancel scope or task of the poller in between, and
a round with nothing new for it allocates nothing for it at all.  Deadlines need no scope
per waiter either: a schedule's final attempt is at its deadline, and while a round hangs in
flight on the real clock one guard task (``_Lane._guard_deadlines``, a heap of deadlines)
times out every other waiter ``_DEADLINE_SLACK`` after its deadline.

Waiters are kept per clock (one *lane* per ``PollClock``), so virtual clocks in tests keep
their exact meaning; every wait on the real clock shares one lane.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import random
import sys
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Collection,
    Hashable,
    Iterable,
    Sequence,
)
from dataclasses import dataclass, field
from typing import Any, cast

import anyio
import anyio.lowlevel

from ._backoff import EPSILON as _EPSILON
from ._backoff import Backoff
from ._interfaces import JobRef, PollClock
from ._shapes import Sender
from .errors import ExportKitError, NotFoundError, ServiceError, TransportError
from .services import Observation, ServiceSpec, spec_for
from .waiting import AnyioClock, PollPolicy

__all__ = ["BASE_POLICY", "Learn", "Poller", "Round", "Waiter", "resolve"]

#: How many describe calls one poll round runs at once (fallbacks and final describes).
_CONCURRENCY = 16

#: The most scheduler steps a new driver yields for waiters started alongside it.
_SETTLE_STEPS = 8

#: How many resolved policies a lane keeps.
_POLICY_CACHE = 64

#: Seconds a waiter on the real clock waits past its deadline for a round still in flight
#: before it times out on its own (a request that hangs must not hold a deadline hostage).
_DEADLINE_SLACK = 1.0

#: The clock of every wait that names none: one shared lane for them all.
_REAL_CLOCK = AnyioClock()

#: A job's identity: service, id and scope.  Two ``ExportJob`` objects for one job share it.
_Key = tuple[str, str, tuple[tuple[str, str], ...]]

Outcome = Observation | BaseException

#: How a waiter applies what the poller saw of one of its jobs (``ExportJob._learn``):
#: called as soon as it is seen, so a round keeps no observation for its waiters.
Learn = Callable[[JobRef, Outcome], None]


#: Used when neither the caller, the kit nor the service sets a field.
BASE_POLICY = PollPolicy(
    min_delay=2.0, max_delay=120.0, not_found_grace=30.0, transport_patience=300.0
)


def resolve(*policies: PollPolicy | None) -> PollPolicy:
    """The first policy with every unset field taken from the next ones, then the base."""
    out = BASE_POLICY
    for policy in reversed(policies):
        if policy is not None:
            out = policy.over(out)
    return out


def _identity(job: JobRef) -> _Key:
    return (job.service, job.id, tuple(sorted(job.scope.items())))


@dataclass(slots=True)
class Round:
    """What one waiter learnt since it last looked (one round or more).

    ``heard`` lists the waiter's jobs that got news (an ``Observation`` or a polling error,
    already given to the waiter's ``learn``, once per job each time).  ``finished`` lists
    the jobs now done for this waiter (terminal, or ended by an error that cannot be
    retried); ``timed_out`` those given up at the deadline.  ``error`` is set when polling
    hit a bug (not an ``ExportKitError``): the waiter raises it as itself.
    """

    heard: list[JobRef] = field(default_factory=list[JobRef])
    #: Empty tuples until a job finishes or times out (most rounds: no list to allocate).
    finished: Sequence[JobRef] = ()
    timed_out: Sequence[JobRef] = ()
    error: BaseException | None = None

    def __bool__(self) -> bool:
        return bool(self.heard or self.finished or self.timed_out or self.error)


class Poller:
    """One kit's shared poller (``ExportKit`` makes one; see the module docstring).

    Args:
      sender (Sender): Sends the describe and list requests (the kit).
      default (PollPolicy | None): The kit's policy, used for every field a call leaves
        unset (``ExportKit(poll=...)``).
    """

    def __init__(self, sender: Sender, default: PollPolicy | None = None) -> None:
        self.sender = sender
        self.default = default
        self._lanes: dict[int, _Lane] = {}
        self._closed = False

    def __repr__(self) -> str:
        waiters = sum(len(lane.waiters) for lane in self._lanes.values())
        return f"<Poller waiters={waiters}{' closed' if self._closed else ''}>"

    @property
    def waiters(self) -> int:
        """How many waits are registered now (0 when nobody waits)."""
        return sum(len(lane.waiters) for lane in self._lanes.values())

    async def track(
        self,
        jobs: Sequence[JobRef],
        *,
        learn: Learn,
        timeout: float | None,  # noqa: ASYNC109 (seconds, as job.wait)
        poll: PollPolicy | None = None,
        fresh: Collection[JobRef] = (),
    ) -> AsyncGenerator[Round]:
        """Register ``jobs`` as one waiter; yield what it learns until each job is done.

        ``join``, ``next`` and ``leave`` as a generator (``watch``, ``wait_all``,
        ``as_completed``).  Stop iterating (or cancel) at any time: the waiter leaves and
        nothing of it keeps running.
        """
        waiter = self.join(jobs, learn=learn, timeout=timeout, poll=poll, fresh=fresh)
        try:
            while waiter.waiting:
                yield await self.next(waiter)
        finally:
            self.leave(waiter)

    def join(
        self,
        jobs: Iterable[JobRef],
        *,
        learn: Learn,
        timeout: float | None,
        poll: PollPolicy | None = None,
        fresh: Collection[JobRef] = (),
    ) -> Waiter:
        """Register ``jobs`` as one waiter (no I/O); ``next`` waits for its news, ``leave``
        (in a ``finally``) ends it.

        ``learn(job, outcome)`` applies each observation or polling error of one of the
        waiter's jobs the moment the round sees it; the waiter's news then only names the
        jobs (``Round.heard``).

        ``fresh`` lists the jobs this process started moments ago (NotFound is tolerated for
        the policy's ``not_found_grace``).  ``job.wait()`` uses these three directly, so an
        independent wait holds one coroutine frame of ours while it sleeps.

        Raises:
          ValueError: if ``timeout`` is negative, NaN or infinite.
          RuntimeError: if the kit is closed.
        """
        if timeout is not None and not (math.isfinite(timeout) and timeout >= 0):
            raise ValueError(f"timeout must be a finite number of seconds >= 0, got {timeout!r}")
        if self._closed:
            raise RuntimeError("this ExportKit is closed; create a new one")
        default = self.default
        clock = (poll and poll.clock) or (default and default.clock) or _REAL_CLOCK
        lane = self._lanes.get(id(clock))
        if lane is None or lane.clock is not clock:
            rng = (poll and poll.rng) or (default and default.rng) or random.Random()
            lane = self._lanes[id(clock)] = _Lane(clock, rng)
        return lane.register(jobs, learn, timeout, poll, default, fresh)

    async def next(self, waiter: Waiter) -> Round:
        """What ``waiter`` learnt since it last looked, once there is something.

        Raises the polling bug (not an ``ExportKitError``) the round hit, and
        ``RuntimeError`` if the kit was closed meanwhile.
        """
        while (turn := self.turn(waiter)) is not None:
            await turn
        return self.take(waiter)

    def turn(self, waiter: Waiter) -> Awaitable[object] | None:
        """``None`` once ``waiter`` has news (``take`` it); otherwise what to await before
        asking again: a turn at driving the rounds when nobody drives, else its sleep
        itself (an asyncio future; trio's ``wait_task_rescheduled``).

        ``job.wait()`` awaits that directly, so a sleeping independent wait holds no
        coroutine of the poller and allocates one future a round.  Cancelling the task ends
        the sleep at once; ``leave`` then forgets the waiter.
        """
        if waiter.has_news:
            return None
        lane = waiter.lane
        if lane.driver is None:
            return lane.take_the_seat(waiter, self.sender)
        return lane.park(waiter)

    def take(self, waiter: Waiter) -> Round:
        """What ``waiter`` learnt since it last looked (its inbox is emptied).

        Raises the polling bug (not an ``ExportKitError``) the round hit, and
        ``RuntimeError`` if the kit was closed meanwhile.
        """
        found = Round(list(waiter.refs), waiter.finished, waiter.timed_out, waiter.error)
        waiter.refs.clear()
        waiter.finished = waiter.timed_out = ()
        if waiter.error is not None:
            waiter.error = None
            raise found.error  # type: ignore[misc]
        return found

    def leave(self, waiter: Waiter) -> None:
        """``waiter`` is done (or gone): drop it; the poller forgets its lane when empty."""
        lane = waiter.lane
        lane.unregister(waiter)
        if not lane.waiters and self._lanes.get(id(lane.clock)) is lane:
            del self._lanes[id(lane.clock)]

    def close(self) -> None:
        """End every wait at once (``RuntimeError``) and refuse new ones (``kit.aclose()``)."""
        self._closed = True
        for lane in list(self._lanes.values()):
            lane.close()
        self._lanes.clear()


# -- the parts -----------------------------------------------------------------------------


class Waiter:
    """One call of ``wait``/``watch``/``wait_all``/``as_completed`` (``Poller.join``).

    Everything a waiting task holds of the poller: its schedules (one per batch group; one
    in all for ``job.wait()``), its inbox, and while it sleeps what wakes it: an asyncio
    future, or under trio the task itself (``trio.lowlevel.reschedule``).  No event, cancel
    scope or task of its own: its deadline lives in its schedules and the driver keeps it.
    """

    __slots__ = (
        "deadline",
        "error",
        "finished",
        "lane",
        "learn",
        "parked",
        "pending",
        "refs",
        "schedules",
        "timed_out",
    )

    def __init__(self, lane: _Lane, learn: Learn, deadline: float | None) -> None:
        self.lane = lane
        self.learn = learn
        self.deadline = deadline
        self.schedules: list[_Schedule] = []
        # The inbox (what ``Poller.take`` turns into a ``Round``): the jobs heard of, kept
        # in the waiter and emptied in place, so a round allocates nothing here that
        # outlives it (what was seen went to ``learn`` at once).
        self.refs: list[JobRef] = []
        self.finished: Sequence[JobRef] = ()
        self.timed_out: Sequence[JobRef] = ()
        self.error: BaseException | None = None
        #: While it sleeps: the future it awaits (asyncio) or its task (trio).
        self.parked: Any = None
        #: How many of its jobs are neither finished nor timed out.
        self.pending = 0

    @property
    def has_news(self) -> bool:
        return bool(self.refs or self.finished or self.timed_out or self.error is not None)

    @property
    def waiting(self) -> bool:
        """Whether the waiter has jobs left or news not yet taken."""
        return bool(self.pending) or self.has_news

    def hear(self, jobs: Iterable[JobRef], outcome: Outcome, *, news: bool) -> None:
        """Apply what was seen of ``jobs`` (``learn``); with ``news``, put them in the inbox."""
        learn = self.learn
        for job in jobs:
            learn(job, outcome)
            if news:
                self.refs.append(job)

    def end(self, jobs: Sequence[JobRef], *, timed_out: bool = False) -> None:
        """``jobs`` are done for this waiter: finished, or given up at the deadline."""
        if timed_out:
            self.timed_out = [*self.timed_out, *jobs]
        else:
            self.finished = [*self.finished, *jobs]
        self.pending -= len(jobs)

    def abort(self, _raise_cancel: object) -> object:
        """trio: the sleeping task is cancelled; nothing may reschedule it any more."""
        self.parked = None
        return sys.modules["trio"].lowlevel.Abort.SUCCEEDED


@dataclass(eq=False, slots=True)
class _Schedule:
    """One waiter's jobs in one batch group, and when it wants them polled next."""

    waiter: Waiter
    group: _Group
    policy: PollPolicy
    backoff: Backoff
    #: The window of the next attempt (absolute times on the lane's clock).
    earliest: float
    latest: float
    jobs: dict[_Key, list[JobRef]] = field(default_factory=dict[_Key, list[JobRef]])
    #: Until when NotFound means "not visible yet", per job started by this process.
    grace_until: dict[_Key, float] | None = None
    #: The native status last told to the waiter, per job (made on the first observation).
    told: dict[_Key, str] | None = None
    #: When each job's current run of transport failures began (made on the first failure).
    failing_since: dict[_Key, float] | None = None
    active: bool = True

    def tell(self, key: _Key, native: str) -> bool:
        """Whether ``native`` is news to the waiter (not the status it was last told); the
        waiter is told it now."""
        told = self.told
        if told is None:
            told = self.told = {}
        elif told.get(key) == native:
            return False
        told[key] = native
        return True

    def forget(self, key: _Key) -> None:
        """The waiter is done with the job."""
        del self.jobs[key]
        if self.told:
            self.told.pop(key, None)

    def answered(self, key: _Key) -> None:
        """The endpoint answered for the job: its run of transport failures is over."""
        if self.failing_since:
            self.failing_since.pop(key, None)

    def remaining(self, now: float) -> float | None:
        deadline = self.waiter.deadline
        return None if deadline is None else deadline - now

    def ends_on(self, key: _Key, error: BaseException, now: float) -> bool:
        """Whether a polling error ends this waiter's wait for the job."""
        if not isinstance(error, ExportKitError):
            return True
        if isinstance(error, TransportError):
            if self.failing_since is None:
                self.failing_since = {}
            since = self.failing_since.setdefault(key, now)
            patience = self.policy.transport_patience
            assert patience is not None
            return now - since >= patience - _EPSILON
        self.answered(key)
        if error.retryable:
            return False
        if isinstance(error, NotFoundError):
            grace = self.grace_until.get(key) if self.grace_until else None
            return grace is None or now > grace + _EPSILON
        return True


@dataclass(eq=False, slots=True)
class _Group:
    """Every schedule of one batch scope (service and ``batch_key``)."""

    spec: ServiceSpec
    schedules: dict[_Schedule, None] = field(default_factory=dict["_Schedule", None])
    #: The time of the group's next round, drawn in its schedules' windows (``None``: redraw).
    at: float | None = None


@dataclass(eq=False, slots=True)
class _Plan:
    """One group's part of a round: the schedules served, one job per identity, and who
    hears of each job (every schedule of the group that waits for it, served or not)."""

    group: _Group
    served: set[_Schedule]
    jobs: dict[_Key, JobRef]
    #: The identity of each job polled, by ``id()`` of the object in ``jobs``.
    keys: dict[int, _Key]
    #: The first schedule waiting for each job; ``more`` holds any others (rare: one job
    #: waited on by several calls), so a round makes no list per job.
    first: dict[_Key, _Schedule]
    more: dict[_Key, list[_Schedule]]
    #: The longest retry hint among the errors seen so far (0 when none).
    hint: float = 0.0


class _Lane:
    """The waiters on one clock: groups, the driver's seat, and the rounds."""

    def __init__(self, clock: PollClock, rng: random.Random) -> None:
        self.clock = clock
        self.rng = rng
        self.groups: dict[tuple[str, Hashable], _Group] = {}
        self.waiters: dict[Waiter, None] = {}
        #: Waiters blocked until news comes (or they are asked to drive).
        self.idle: dict[Waiter, None] = {}
        self.driver: Waiter | None = None
        self.sleeping: anyio.CancelScope | None = None
        self.loop: object = None
        #: The running asyncio loop (``None`` under trio): how parked waiters sleep.
        self.asyncio_loop: asyncio.AbstractEventLoop | None = None
        #: Waiters with a deadline on the real clock, earliest first (a heap; entries of
        #: waiters that left are dropped lazily): the driver guards them while a round is
        #: in flight.  ``deadlines`` counts the live entries.
        self.by_deadline: list[tuple[float, int, Waiter]] = []
        self.deadlines = 0
        #: The sleep of the guard of the round in flight (``_guard_deadlines``).
        self.guard: anyio.CancelScope | None = None
        #: Registrations so far (the driver waits for them to settle before a round).
        self.registrations = 0
        #: Sleeping waiters woken so far (the driver lets them run before it sleeps again).
        self.wakes = 0
        #: Resolved policies by the ids of the policies they came from (kept alive here).
        self.policies: dict[
            tuple[int, int, str], tuple[PollPolicy | None, PollPolicy | None, PollPolicy]
        ] = {}

    # -- joining and leaving ------------------------------------------------------------------

    def register(
        self,
        jobs: Iterable[JobRef],
        learn: Learn,
        timeout: float | None,
        poll: PollPolicy | None,
        default: PollPolicy | None,
        fresh: Collection[JobRef],
    ) -> Waiter:
        self._check_loop()
        now = self.clock.now()
        waiter = Waiter(self, learn, None if timeout is None else now + timeout)
        fresh_ids = {id(job) for job in fresh}
        by_group: dict[tuple[str, Hashable], _Schedule] = {}
        seen: set[int] = set()
        for job in jobs:
            if id(job) in seen:
                continue
            seen.add(id(job))
            spec = spec_for(job.service)
            name = (job.service, spec.batch_key(job))
            schedule = by_group.get(name)
            if schedule is None:
                group = self.groups.get(name)
                if group is None:
                    group = self.groups[name] = _Group(spec)
                policy = self._policy(poll, default, spec)
                assert policy.min_delay is not None
                assert policy.max_delay is not None
                backoff = Backoff(policy.min_delay, policy.max_delay, policy.rng or self.rng)
                schedule = by_group[name] = _Schedule(waiter, group, policy, backoff, now, now)
            key = _identity(job)
            schedule.jobs.setdefault(key, []).append(job)
            waiter.pending += 1
            if id(job) in fresh_ids:
                grace = schedule.policy.not_found_grace
                assert grace is not None
                if schedule.grace_until is None:
                    schedule.grace_until = {}
                schedule.grace_until[key] = now + grace
        for schedule in by_group.values():
            schedule.group.schedules[schedule] = None
            schedule.group.at = None
            waiter.schedules.append(schedule)
        self.waiters[waiter] = None
        if waiter.deadline is not None and isinstance(self.clock, AnyioClock):
            self.deadlines += 1
            heapq.heappush(self.by_deadline, (waiter.deadline, self.registrations, waiter))
        self.registrations += 1
        if self.sleeping is not None and by_group:
            self.sleeping.cancel()  # the driver recomputes its sleep: a new job is due now
        if self.guard is not None and waiter.deadline is not None:
            self.guard.cancel()  # a round is in flight: its guard looks at the new deadline
        return waiter

    def _policy(
        self, poll: PollPolicy | None, default: PollPolicy | None, spec: ServiceSpec
    ) -> PollPolicy:
        """The resolved policy of a call, made once per (call policy, kit policy, service):
        every waiter of one call site shares it."""
        key = (id(poll), id(default), spec.name)
        found = self.policies.get(key)
        if found is None or found[0] is not poll or found[1] is not default:
            if len(self.policies) >= _POLICY_CACHE:
                self.policies.clear()  # calls that make a new PollPolicy each time
            found = self.policies[key] = (poll, default, resolve(poll, default, spec.default_poll))
        return found[2]

    def unregister(self, waiter: Waiter) -> None:
        if waiter in self.waiters:
            del self.waiters[waiter]
            if waiter.deadline is not None and isinstance(self.clock, AnyioClock):
                self.deadlines -= 1
                if len(self.by_deadline) > 2 * self.deadlines + 16:  # amortized O(1)
                    self.by_deadline = [e for e in self.by_deadline if e[2] in self.waiters]
                    heapq.heapify(self.by_deadline)
        self.idle.pop(waiter, None)
        for schedule in waiter.schedules:
            self._drop(schedule)
        waiter.schedules = []
        self.fill_vacancy()

    def _drop(self, schedule: _Schedule) -> None:
        schedule.active = False
        group = schedule.group
        group.schedules.pop(schedule, None)
        group.at = None
        if not group.schedules:
            for name, found in list(self.groups.items()):
                if found is group:
                    del self.groups[name]

    def _check_loop(self) -> None:
        """Forget waiters of an event loop that is gone (a second ``asyncio.run``)."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:  # not asyncio (trio)
            running = None
        loop = running or anyio.lowlevel.current_token().native_token
        if self.loop is not loop:
            self.loop = loop
            self.asyncio_loop = running
            self.groups.clear()
            self.waiters.clear()
            self.idle.clear()
            self.driver = None
            self.sleeping = None
            self.by_deadline = []
            self.deadlines = 0
            self.guard = None

    def close(self) -> None:
        error = RuntimeError(
            "the ExportKit was closed while waiting; resume the job by its token in a new kit"
        )
        for waiter in list(self.waiters):
            waiter.error = error
            self.wake(waiter)
        if self.sleeping is not None:
            self.sleeping.cancel()

    # -- taking turns -----------------------------------------------------------------------

    async def take_the_seat(self, me: Waiter, sender: Sender) -> None:
        """Drive rounds until ``me`` has news, then hand the seat to a sleeping waiter."""
        if self.driver is not None:
            return
        self.driver = me
        try:
            await self.drive(me, sender)
        finally:
            self.driver = None
            self.sleeping = None
            self.fill_vacancy()

    def park(self, waiter: Waiter) -> Awaitable[object] | None:
        """What ``waiter`` awaits to sleep until it gets news or is asked to drive (``wake``);
        ``None``: it timed out instead.

        Under asyncio one bare future; under trio the task itself is rescheduled.
        Cancelling the task ends the sleep at once (the future is cancelled / ``abort``
        runs); ``wake`` then leaves it alone and ``unregister`` forgets it.
        """
        if self._overdue(waiter, self.clock.now()):
            self._time_out(waiter)
            return None
        self.idle[waiter] = None
        loop = self.asyncio_loop
        if loop is not None:
            waiter.parked = future = loop.create_future()
            return future
        trio_lowlevel: Any = sys.modules["trio"].lowlevel
        waiter.parked = trio_lowlevel.current_task()
        return cast("Awaitable[object]", trio_lowlevel.wait_task_rescheduled(waiter.abort))

    def wake(self, waiter: Waiter) -> bool:
        """End ``waiter``'s sleep if it sleeps (news, or the driver's seat is free);
        whether it did (not when its task was cancelled meanwhile)."""
        self.idle.pop(waiter, None)
        parked = waiter.parked
        if parked is None:
            return False
        waiter.parked = None
        if self.asyncio_loop is None:
            sys.modules["trio"].lowlevel.reschedule(parked)
        elif parked.done():  # cancelled
            return False
        else:
            parked.set_result(None)
        self.wakes += 1
        return True

    def fill_vacancy(self) -> None:
        """With nobody driving, ask one sleeping waiter to take the seat (the last to
        sleep: ``popitem`` stays O(1) however many waiters came and went)."""
        while self.driver is None and self.idle:
            nxt, _ = self.idle.popitem()
            if self.wake(nxt):
                return

    def _overdue(self, waiter: Waiter, now: float) -> bool:
        """On the real clock, whether a round stuck in flight held ``waiter`` past its
        deadline by ``_DEADLINE_SLACK`` (a request that hangs must not hold a deadline
        hostage); virtual clocks do not bound real time."""
        deadline = waiter.deadline
        return (
            deadline is not None
            and waiter.pending > 0
            and now >= deadline + _DEADLINE_SLACK - _EPSILON
            and isinstance(self.clock, AnyioClock)
        )

    def _time_out(self, waiter: Waiter) -> None:
        for schedule in list(waiter.schedules):
            if schedule.active:
                for jobs in schedule.jobs.values():
                    waiter.end(jobs, timed_out=True)
                schedule.jobs = {}
                self._drop(schedule)

    async def _guard_deadlines(self, me: Waiter) -> None:
        """While a round is in flight on the real clock: time out every other waiter whose
        deadline passed ``_DEADLINE_SLACK`` ago, as it happens (one task a round and a heap
        of deadlines, not a cancel scope per waiter).  A waiter with a deadline that joins
        meanwhile interrupts the guard's sleep (``register``)."""
        while True:
            due: float | None = None
            while self.by_deadline:
                deadline, _, waiter = self.by_deadline[0]
                if waiter not in self.waiters or not waiter.pending:
                    heapq.heappop(self.by_deadline)  # gone or done: no longer matters
                elif waiter is me:
                    break  # the driver's own deadline bounds the round (``_budget``)
                elif self._overdue(waiter, self.clock.now()):
                    heapq.heappop(self.by_deadline)
                    self._time_out(waiter)
                    self.wake(waiter)
                else:
                    due = deadline + _DEADLINE_SLACK
                    break
            with anyio.CancelScope() as self.guard:
                if due is None:
                    await anyio.sleep_forever()
                else:
                    await anyio.sleep(due - self.clock.now())

    # -- driving ------------------------------------------------------------------------------

    async def drive(self, me: Waiter, sender: Sender) -> None:
        """Run rounds until ``me`` has news: sleep, poll what is due, deliver."""
        await self._settle()
        while not me.has_news:
            at = self._next_round_at()
            if at is None:  # cannot happen while ``me`` has jobs; never spin if it does
                me.error = RuntimeError("export_kit poller lost track of a wait")
                return
            now = self.clock.now()
            if at > now + _EPSILON:
                with anyio.CancelScope() as self.sleeping:
                    await self.clock.sleep(at - now)
                self.sleeping = None
                continue  # a registration may have moved the next round
            wakes = self.wakes
            await self._round(sender, me)
            if self.wakes != wakes:
                await self._let_woken_run()

    @staticmethod
    async def _let_woken_run() -> None:
        """Let the waiters a round woke run before the driver sleeps again, so each sees
        the time of its news (a virtual clock moves as soon as the driver sleeps).

        Two checkpoints: trio runs one batch of ready tasks in random order, and the woken
        waiters are all in the batch the driver's first checkpoint joins.
        """
        await anyio.lowlevel.checkpoint()
        await anyio.lowlevel.checkpoint()

    async def _settle(self) -> None:
        """Let waiters started alongside this one register first, so they share the round.

        Tasks spawned together register in their first step; trio runs a batch in random
        order, so yield until a step passes with no new registration (at least twice, at
        most ``_SETTLE_STEPS`` times: a steady stream of new waiters never starves a round).
        """
        await anyio.lowlevel.checkpoint()
        for _ in range(_SETTLE_STEPS):
            seen = self.registrations
            await anyio.lowlevel.checkpoint()
            if self.registrations == seen:
                return

    def _next_round_at(self) -> float | None:
        """When the earliest group polls next (drawing each group's time once)."""
        best: float | None = None
        for group in self.groups.values():
            if group.at is None:
                group.at = self._draw(group)
            if best is None or group.at < best:
                best = group.at
        return best

    def _draw(self, group: _Group) -> float:
        """One time in the group's windows: by every schedule's latest, after as many
        earliests as possible, with the jitter of the schedule that is due first."""
        first = min(group.schedules, key=lambda s: s.latest)
        latest = first.latest
        earliest = min(latest, max(s.earliest for s in group.schedules))
        if latest - earliest <= _EPSILON:
            return latest
        return first.backoff.rng.uniform(earliest, latest)

    async def _round(self, sender: Sender, me: Waiter) -> None:
        """One round: group the due jobs, poll them (each outcome goes to its waiters as it
        arrives), then schedule the next attempts and wake whoever has news."""
        now = self.clock.now()
        plans = self._plan(now)
        await self._poll(sender, plans, me, self._budget(me, now))
        after = self.clock.now()
        for plan in plans:
            self._finish(plan, after)

    def _plan(self, now: float) -> list[_Plan]:
        """Group step: per due group, the schedules served, one job per identity, and who
        hears of each."""
        plans: list[_Plan] = []
        for group in self.groups.values():
            if group.at is None or group.at > now + _EPSILON:
                continue
            served: set[_Schedule] = set()
            jobs: dict[_Key, JobRef] = {}
            first: dict[_Key, _Schedule] = {}
            more: dict[_Key, list[_Schedule]] = {}
            for schedule in group.schedules:
                polled = schedule.earliest <= now + _EPSILON
                if polled:
                    served.add(schedule)
                for key, same in schedule.jobs.items():
                    if polled and key not in jobs:
                        jobs[key] = same[0]
                    if first.setdefault(key, schedule) is not schedule:
                        more.setdefault(key, []).append(schedule)
            keys = {id(job): key for key, job in jobs.items()}
            plans.append(_Plan(group, served, jobs, keys, first, more))
            group.at = None
        return plans

    def _budget(self, me: Waiter, now: float) -> float:
        """How long the round's requests may take: the driver's deadline bounds it on the
        real clock (a final attempt gets a second); virtual clocks do not bound real time."""
        if me.deadline is None or not isinstance(self.clock, AnyioClock):
            return math.inf
        return max(me.deadline - now, _DEADLINE_SLACK)

    async def _poll(self, sender: Sender, plans: list[_Plan], me: Waiter, budget: float) -> None:
        """Poll step: every due group at once, one batch call per page."""
        limiter = anyio.CapacityLimiter(_CONCURRENCY)

        async def one(plan: _Plan) -> None:
            keys = plan.keys

            def deliver(job: JobRef, outcome: Outcome) -> None:
                self._hear(plan, keys[id(job)], outcome)

            try:
                await plan.group.spec.poll(
                    sender, list(plan.jobs.values()), limiter=limiter, deliver=deliver
                )
            except Exception as exc:  # a bug, not a polling error: its waiters raise it
                for key in plan.jobs:
                    self._hear(plan, key, exc)

        with anyio.move_on_after(budget):
            try:
                async with anyio.create_task_group() as guard:
                    if isinstance(self.clock, AnyioClock):
                        guard.start_soon(self._guard_deadlines, me)
                    async with anyio.create_task_group() as tg:
                        for plan in plans:
                            if plan.jobs:
                                tg.start_soon(one, plan)
                    guard.cancel_scope.cancel()
            finally:
                self.guard = None

    def _hear(self, plan: _Plan, key: _Key, outcome: Outcome) -> None:
        """Deliver step: what the round saw of one job reaches every schedule waiting for it
        (errors only those served), the moment it is seen."""
        hint = _retry_hint(outcome)
        if hint > plan.hint:
            plan.hint = hint
        schedule = plan.first.get(key)
        if schedule is None:
            return
        self._tell(plan, schedule, key, outcome)
        for other in plan.more.get(key, ()):
            self._tell(plan, other, key, outcome)

    def _tell(self, plan: _Plan, schedule: _Schedule, key: _Key, outcome: Outcome) -> None:
        """Give ``schedule``'s waiter the outcome of one of its jobs.

        The waiter applies it at once (``learn``); it is *news* only when the job's status
        is one the waiter was not told yet, or the wait for the job ends (terminal, or an
        error that cannot be retried).  A waiter sleeps through anything else: most rounds
        of a long export wake nobody.  A waiter whose news covers every job it still waits
        for is woken at once; one with more jobs at the end of the round (``_finish``), so
        jobs finishing in one round reach it together.
        """
        jobs = schedule.jobs.get(key) if schedule.active else None
        if jobs is None:  # left, timed out, or already done with this job
            return
        waiter = schedule.waiter
        if isinstance(outcome, Observation):
            schedule.answered(key)
            done = plan.group.spec.status(outcome.native_status).is_terminal
            news = schedule.tell(key, outcome.native_status) or done
        elif schedule in plan.served:  # errors need the time (patience, grace); rare
            done = news = schedule.ends_on(key, outcome, self.clock.now())
            if not isinstance(outcome, ExportKitError):
                waiter.error = outcome
        else:
            return
        complete = len(jobs) == waiter.pending
        waiter.hear(jobs, outcome, news=news)
        if done:
            waiter.end(jobs)
            schedule.forget(key)
        if news and complete:
            self.wake(waiter)

    def _finish(self, plan: _Plan, now: float) -> None:
        """Finish step: schedule the next attempt of every schedule served, drop those with
        nothing left, and wake every waiter with news not yet woken."""
        for schedule in list(plan.group.schedules):
            if not schedule.active:
                continue
            if schedule in plan.served and schedule.jobs:
                self._schedule_next(schedule, now, plan.hint)
            if not schedule.jobs:
                self._drop(schedule)
            if schedule.waiter.has_news:
                self.wake(schedule.waiter)

    def _schedule_next(self, schedule: _Schedule, now: float, hint: float) -> None:
        """Schedule step: the window of the schedule's next attempt (or its timeout).

        A server's retry hint delays the attempt, but never past ``max_delay`` nor past the
        deadline.
        """
        remaining = schedule.remaining(now)
        window = schedule.backoff.next_window(remaining)
        if window is None:
            for jobs in schedule.jobs.values():
                schedule.waiter.end(jobs, timed_out=True)
            schedule.jobs = {}
            return
        earliest, latest = window
        if hint > 0:
            assert schedule.policy.max_delay is not None
            floor = min(hint, schedule.policy.max_delay)
            if remaining is not None:
                floor = min(floor, remaining)
            earliest, latest = max(earliest, floor), max(latest, floor)
        schedule.earliest, schedule.latest = now + earliest, now + latest


def _retry_hint(outcome: Outcome) -> float:
    """Seconds a throttled or failing poll was asked to wait (0 when no hint came back)."""
    if isinstance(outcome, ServiceError) and outcome.retry_after is not None:
        return outcome.retry_after
    return 0.0
