"""The kit's shared poller: every wait of one ``ExportKit`` is served by batched rounds.

``job.wait()``, ``job.watch()``, ``kit.wait_all()`` and ``kit.as_completed()`` each register
their jobs here as one *waiter* (``Poller.track``).  Each round the poller takes the jobs
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

Nothing runs in the background.  Rounds are driven by one of the waiting tasks themselves
(the *driver*): the first waiter to find no driver becomes it, sleeps until the next round,
polls, delivers results to every waiter, and hands over to another waiting task as soon as
it has news of its own (or is cancelled).  So the poller runs only while someone waits,
needs no task group of its own (asyncio and trio alike), leaves nothing behind when the last
waiter leaves, and one waiter's cancellation or timeout only ends that waiter.

Waiters are kept per clock (one *lane* per ``PollClock``), so virtual clocks in tests keep
their exact meaning; every wait on the real clock shares one lane.
"""

from __future__ import annotations

import math
import random
from collections.abc import AsyncGenerator, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import anyio
import anyio.lowlevel

from ._backoff import EPSILON as _EPSILON
from ._backoff import Backoff
from ._interfaces import JobRef, PollClock
from ._shapes import Sender
from .errors import ExportKitError, NotFoundError, ServiceError, TransportError
from .services import Observation, ServiceSpec, spec_for
from .waiting import AnyioClock, PollPolicy

__all__ = ["BASE_POLICY", "Poller", "Round", "resolve"]

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

    ``results`` pairs each of the waiter's jobs that got news with what was seen: an
    ``Observation`` or the polling error.  ``finished`` lists the jobs now done for this
    waiter (terminal, or ended by an error that cannot be retried); ``timed_out`` those
    given up at the deadline.  ``error`` is set when polling hit a bug (not an
    ``ExportKitError``): the waiter raises it as itself.
    """

    results: list[tuple[JobRef, Outcome]] = field(default_factory=list[tuple[JobRef, Outcome]])
    finished: list[JobRef] = field(default_factory=list[JobRef])
    timed_out: list[JobRef] = field(default_factory=list[JobRef])
    error: BaseException | None = None

    def __bool__(self) -> bool:
        return bool(self.results or self.finished or self.timed_out or self.error)


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
        timeout: float | None,  # noqa: ASYNC109 (seconds, as job.wait)
        poll: PollPolicy | None = None,
        fresh: Collection[JobRef] = (),
    ) -> AsyncGenerator[Round]:
        """Register ``jobs`` as one waiter; yield what it learns until each job is done.

        ``fresh`` lists the jobs this process started moments ago (NotFound is tolerated for
        the policy's ``not_found_grace``).  Stop iterating (or cancel) at any time: the
        waiter leaves and nothing of it keeps running.

        Raises:
          ValueError: if ``timeout`` is negative, NaN or infinite.
          RuntimeError: if the kit is closed (before or while waiting).
        """
        if timeout is not None and not (math.isfinite(timeout) and timeout >= 0):
            raise ValueError(f"timeout must be a finite number of seconds >= 0, got {timeout!r}")
        if self._closed:
            raise RuntimeError("this ExportKit is closed; create a new one")
        base = resolve(poll, self.default)
        clock = base.clock or _REAL_CLOCK
        lane = self._lanes.get(id(clock))
        if lane is None or lane.clock is not clock:
            lane = self._lanes[id(clock)] = _Lane(clock, base.rng or random.Random())
        waiter = lane.register(jobs, timeout, [poll, self.default], fresh)
        try:
            while waiter.pending or waiter.inbox:
                await lane.next_round(waiter, self.sender)
                found, waiter.inbox = waiter.inbox, Round()
                if found.error is not None:
                    raise found.error
                yield found
        finally:
            lane.unregister(waiter)
            if not lane.waiters and self._lanes.get(id(clock)) is lane:
                del self._lanes[id(clock)]

    def close(self) -> None:
        """End every wait at once (``RuntimeError``) and refuse new ones (``kit.aclose()``)."""
        self._closed = True
        for lane in list(self._lanes.values()):
            lane.close()
        self._lanes.clear()


# -- the parts -----------------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class _Waiter:
    """One call of ``wait``/``watch``/``wait_all``/``as_completed``."""

    deadline: float | None
    schedules: list[_Schedule] = field(default_factory=list["_Schedule"])
    inbox: Round = field(default_factory=Round)
    #: Set when the inbox gets news or the driver's seat becomes free.
    wake: anyio.Event | None = None
    pending: int = 0

    def deliver(self) -> None:
        if self.wake is not None:
            self.wake.set()


@dataclass(eq=False, slots=True)
class _Schedule:
    """One waiter's jobs in one batch group, and when it wants them polled next."""

    waiter: _Waiter
    group: _Group
    policy: PollPolicy
    backoff: Backoff
    #: The window of the next attempt (absolute times on the lane's clock).
    earliest: float
    latest: float
    jobs: dict[_Key, list[JobRef]] = field(default_factory=dict[_Key, list[JobRef]])
    #: Until when NotFound means "not visible yet", per job started by this process.
    grace_until: dict[_Key, float] | None = None
    #: When each job's current run of transport failures began (made on the first failure).
    failing_since: dict[_Key, float] | None = None
    active: bool = True

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
    """One group's part of a round: the schedules served and one job per identity."""

    group: _Group
    served: list[_Schedule]
    jobs: dict[_Key, JobRef]
    found: dict[_Key, Outcome] = field(default_factory=dict[_Key, Outcome])


class _Lane:
    """The waiters on one clock: groups, the driver's seat, and the rounds."""

    def __init__(self, clock: PollClock, rng: random.Random) -> None:
        self.clock = clock
        self.rng = rng
        self.groups: dict[tuple[str, Hashable], _Group] = {}
        self.waiters: dict[_Waiter, None] = {}
        #: Waiters blocked until news comes (or they are asked to drive).
        self.idle: dict[_Waiter, None] = {}
        self.driver: _Waiter | None = None
        self.sleeping: anyio.CancelScope | None = None
        self.loop: object = None
        #: Registrations so far (the driver waits for them to settle before a round).
        self.registrations = 0
        #: Resolved policies by the ids of the policies they came from (kept alive here).
        self.policies: dict[tuple[object, ...], tuple[list[PollPolicy | None], PollPolicy]] = {}

    # -- joining and leaving ------------------------------------------------------------------

    def register(
        self,
        jobs: Iterable[JobRef],
        timeout: float | None,
        defaults: list[PollPolicy | None],
        fresh: Collection[JobRef],
    ) -> _Waiter:
        self._check_loop()
        now = self.clock.now()
        waiter = _Waiter(None if timeout is None else now + timeout)
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
                policy = self._policy(defaults, spec)
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
        self.registrations += 1
        if self.sleeping is not None and by_group:
            self.sleeping.cancel()  # the driver recomputes its sleep: a new job is due now
        return waiter

    def _policy(self, defaults: list[PollPolicy | None], spec: ServiceSpec) -> PollPolicy:
        """The resolved policy of a call, made once per (call policy, kit policy, service)."""
        key = (*map(id, defaults), spec.name)
        found = self.policies.get(key)
        if found is None or any(a is not b for a, b in zip(found[0], defaults, strict=True)):
            if len(self.policies) >= _POLICY_CACHE:
                self.policies.clear()  # calls that make a new PollPolicy each time
            found = self.policies[key] = (defaults, resolve(*defaults, spec.default_poll))
        return found[1]

    def unregister(self, waiter: _Waiter) -> None:
        self.waiters.pop(waiter, None)
        self.idle.pop(waiter, None)
        for schedule in waiter.schedules:
            self._drop(schedule)
        waiter.schedules = []
        self._fill_vacancy()

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
        loop = anyio.lowlevel.current_token()
        if self.loop != loop:
            self.loop = loop
            self.groups.clear()
            self.waiters.clear()
            self.idle.clear()
            self.driver = None
            self.sleeping = None

    def close(self) -> None:
        error = RuntimeError(
            "the ExportKit was closed while waiting; resume the job by its token in a new kit"
        )
        for waiter in list(self.waiters):
            waiter.inbox.error = error
            waiter.deliver()
        if self.sleeping is not None:
            self.sleeping.cancel()

    # -- taking turns -----------------------------------------------------------------------

    async def next_round(self, waiter: _Waiter, sender: Sender) -> None:
        """Return once ``waiter`` has news, driving rounds whenever nobody else does."""
        while not waiter.inbox:
            if self.driver is None:
                self.driver = waiter
                try:
                    await self._drive(waiter, sender)
                finally:
                    self.driver = None
                    self.sleeping = None
                    self._fill_vacancy()
            else:
                await self._idle(waiter)

    async def _idle(self, waiter: _Waiter) -> None:
        waiter.wake = anyio.Event()
        self.idle[waiter] = None
        try:
            if waiter.deadline is not None and isinstance(self.clock, AnyioClock):
                # A round stuck in flight must not hold this waiter past its deadline.
                slack = waiter.deadline - self.clock.now() + _DEADLINE_SLACK
                with anyio.move_on_after(max(slack, 0.0)):
                    await waiter.wake.wait()
                late = self.clock.now() >= waiter.deadline + _DEADLINE_SLACK - _EPSILON
                if not waiter.inbox and late:
                    self._time_out(waiter)
            else:
                await waiter.wake.wait()
        finally:
            self.idle.pop(waiter, None)
            waiter.wake = None

    def _fill_vacancy(self) -> None:
        """With nobody driving, ask one idle waiter to take the seat."""
        if self.driver is None and self.idle:
            nxt = next(iter(self.idle))
            del self.idle[nxt]
            nxt.deliver()

    def _time_out(self, waiter: _Waiter) -> None:
        for schedule in list(waiter.schedules):
            if schedule.active:
                for jobs in schedule.jobs.values():
                    waiter.inbox.timed_out += jobs
                    waiter.pending -= len(jobs)
                schedule.jobs = {}
                self._drop(schedule)

    # -- driving ------------------------------------------------------------------------------

    async def _drive(self, me: _Waiter, sender: Sender) -> None:
        """Run rounds until ``me`` has news: sleep, poll what is due, deliver."""
        await self._settle()
        while not me.inbox:
            at = self._next_round_at()
            if at is None:  # cannot happen while ``me`` has jobs; never spin if it does
                me.inbox.error = RuntimeError("export_kit poller lost track of a wait")
                return
            now = self.clock.now()
            if at > now + _EPSILON:
                with anyio.CancelScope() as self.sleeping:
                    await self.clock.sleep(at - now)
                self.sleeping = None
                continue  # a registration may have moved the next round
            await self._round(sender, me)

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

    async def _round(self, sender: Sender, me: _Waiter) -> None:
        """One round: group the due jobs, poll them, apply the results, schedule the next."""
        now = self.clock.now()
        plans = self._plan(now)
        await self._poll(sender, plans, self._budget(me, now))
        after = self.clock.now()
        for plan in plans:
            self._apply(plan, after)

    def _plan(self, now: float) -> list[_Plan]:
        """Group step: per due group, the schedules served and one job per identity."""
        plans: list[_Plan] = []
        for group in self.groups.values():
            if group.at is None or group.at > now + _EPSILON:
                continue
            served = [s for s in group.schedules if s.earliest <= now + _EPSILON]
            jobs: dict[_Key, JobRef] = {}
            for schedule in served:
                for key, same in schedule.jobs.items():
                    jobs.setdefault(key, same[0])
            plans.append(_Plan(group, served, jobs))
            group.at = None
        return plans

    def _budget(self, me: _Waiter, now: float) -> float:
        """How long the round's requests may take: the driver's deadline bounds it on the
        real clock (a final attempt gets a second); virtual clocks do not bound real time."""
        if me.deadline is None or not isinstance(self.clock, AnyioClock):
            return math.inf
        return max(me.deadline - now, _DEADLINE_SLACK)

    async def _poll(self, sender: Sender, plans: list[_Plan], budget: float) -> None:
        """Poll step: every due group at once, one batch call per page."""
        limiter = anyio.CapacityLimiter(_CONCURRENCY)

        async def one(plan: _Plan) -> None:
            jobs = list(plan.jobs.values())
            keys = list(plan.jobs)
            try:
                found = await plan.group.spec.poll(sender, jobs, limiter=limiter)
            except Exception as exc:  # a bug, not a polling error: its waiters raise it
                plan.found = dict.fromkeys(keys, exc)
                return
            by_object = {id(job): key for key, job in plan.jobs.items()}
            plan.found = {by_object[id(job)]: outcome for job, outcome in found}

        with anyio.move_on_after(budget):
            async with anyio.create_task_group() as tg:
                for plan in plans:
                    if plan.jobs:
                        tg.start_soon(one, plan)

    def _apply(self, plan: _Plan, now: float) -> None:
        """Apply step: hand each waiter what was seen of its jobs, then schedule the next."""
        spec = plan.group.spec
        served = set(plan.served)
        hint = max((_retry_hint(o) for o in plan.found.values()), default=0.0)
        for schedule in list(plan.group.schedules):
            if not schedule.active:
                continue
            waiter = schedule.waiter
            news = False
            for key, jobs in list(schedule.jobs.items()):
                outcome = plan.found.get(key)
                if outcome is None:
                    continue
                if isinstance(outcome, Observation):
                    schedule.answered(key)
                    done = spec.status(outcome.native_status).is_terminal
                elif schedule in served:
                    done = schedule.ends_on(key, outcome, now)
                    if not isinstance(outcome, ExportKitError):
                        waiter.inbox.error = outcome
                else:
                    continue
                news = True
                waiter.inbox.results += [(job, outcome) for job in jobs]
                if done:
                    waiter.inbox.finished += jobs
                    waiter.pending -= len(jobs)
                    del schedule.jobs[key]
            if schedule in served and schedule.jobs:
                news |= self._schedule_next(schedule, now, hint)
            if not schedule.jobs:
                self._drop(schedule)
            if news or schedule in served:
                waiter.deliver()

    def _schedule_next(self, schedule: _Schedule, now: float, hint: float) -> bool:
        """Schedule step: the window of the schedule's next attempt (or its timeout).

        A server's retry hint delays the attempt, but never past ``max_delay`` nor past the
        deadline.  Returns whether the schedule timed out.
        """
        remaining = schedule.remaining(now)
        window = schedule.backoff.next_window(remaining)
        if window is None:
            waiter = schedule.waiter
            for jobs in schedule.jobs.values():
                waiter.inbox.timed_out += jobs
                waiter.pending -= len(jobs)
            schedule.jobs = {}
            return True
        earliest, latest = window
        if hint > 0:
            assert schedule.policy.max_delay is not None
            floor = min(hint, schedule.policy.max_delay)
            if remaining is not None:
                floor = min(floor, remaining)
            earliest, latest = max(earliest, floor), max(latest, floor)
        schedule.earliest, schedule.latest = now + earliest, now + latest
        return False


def _retry_hint(outcome: Outcome) -> float:
    """Seconds a throttled or failing poll was asked to wait (0 when no hint came back)."""
    if isinstance(outcome, ServiceError) and outcome.retry_after is not None:
        return outcome.retry_after
    return 0.0
