"""Every job the emulator knows, indexed so that no request's cost grows with the job count.

* Jobs are kept in creation order in per-scope lists (``index``): ``(service, kind)``,
  ``(service, kind, scope)`` and Discovery's ``("discovery", "export", "agent", id)``; a
  list page is a binary search in one of them (``_pagination``).
* A job's status is a pure function of the clock (``_jobs``), so nothing is advanced per
  request.  What must *happen* when a job ends (its files are written, its quota slot is
  freed) waits in a heap ordered by end time; ``settle()`` pops only what is due.
* Blocking work (SQLite writes, export files) runs in one writer thread, in order, off
  the event loop; ``commit()`` and ``settle()`` return the future to wait for.  A failing
  file write is logged and costs that job its files, never other jobs' files or the
  server.
* Parent resources (m2 applications, Personalize datasets, SimpleDB v2 domains, omics
  sequence stores) exist on first use with ``resources="auto"``; with ``"declared"``
  only those declared exist.  Either way a resource marked missing does not exist.

All state sits behind one re-entrant lock, so the emulator can be driven from another
thread (``advance()``, ``fail_next()``...).
"""

from __future__ import annotations

import concurrent.futures
import heapq
import json
import logging
import random
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from . import _files
from ._clock import EmulatorClock
from ._errors import error, kind_error
from ._jobs import Job, continuous_status
from ._pagination import InvalidToken, paginate
from ._rules import RULES, Outcome
from ._store import Change, Saved, StateError, Store

log = logging.getLogger("export_kit.local")

ACCOUNT: Final = "123456789012"
ResourceMode = Literal["auto", "declared"]
IndexKey = tuple[str, ...]


@dataclass
class Forced:
    outcome: Outcome
    reason: str | None


@dataclass
class Token:
    """A client-token record: which job it started, when, and a digest of the request."""

    job_id: str
    first_seen: float
    digest: str


class _Writer:
    """One thread that runs blocking work in submission order (inline when not started)."""

    def __init__(self) -> None:
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None

    def start(self) -> None:
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(1, "export-kit-emulator-writer")

    def submit(self, work: Callable[[], None]) -> concurrent.futures.Future[None]:
        if self._pool is not None:
            return self._pool.submit(work)
        done: concurrent.futures.Future[None] = concurrent.futures.Future()
        try:
            work()
        except BaseException as exc:
            done.set_exception(exc)
        else:
            done.set_result(None)
        return done

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


@dataclass
class State:
    """Jobs, their indexes, forced outcomes, idempotency records and parent resources."""

    durations: dict[str, float]
    clock: EmulatorClock
    seed: int
    data_dir: Path | None
    persist: bool
    base_url: Callable[[], str] = lambda: "http://127.0.0.1"
    #: At most this many unfinished export jobs per service (None: no quota).
    max_active_jobs: int | None = None
    resources: ResourceMode = "auto"
    jobs: dict[str, Job] = field(default_factory=dict[str, Job])
    index: defaultdict[IndexKey, list[Job]] = field(
        default_factory=lambda: defaultdict[IndexKey, list[Job]](list)
    )
    tokens: dict[str, Token] = field(default_factory=dict[str, Token])
    names: dict[str, str] = field(default_factory=dict[str, str])
    forced: dict[str, list[Forced]] = field(default_factory=dict[str, list[Forced]])
    #: Explicit existence of parent resources: (service, id) -> exists.
    known: dict[tuple[str, str], bool] = field(default_factory=dict[tuple[str, str], bool])
    seq: int = 0
    #: The region of the request being handled (set by ``dispatch``).
    region: str = "us-east-1"
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self._rng = random.Random(f"ids:{self.seed}")
        self._due: list[tuple[float, int, str]] = []
        self._active: dict[str, int] = dict.fromkeys(self.durations, 0)
        self._dirty_jobs: dict[str, Job] = {}
        self._dirty = Change()
        self._rng_used = False
        self._writer = _Writer()
        self._store: Store | None = None
        if self.persist and self.data_dir is not None:
            self._store = Store(self.data_dir)

    # -- lifecycle ---------------------------------------------------------------------

    def open(self) -> None:
        """Start the writer thread and load (and lock) the persisted state, if any."""
        self._writer.start()
        if self._store is None:
            return
        try:
            self._writer.submit(self._load).result()
        except BaseException:
            self._writer.stop()
            raise

    def _load(self) -> None:
        assert self._store is not None
        saved = self._store.open()
        if self.jobs:  # started before: what is in memory is newer than (and was saved to) disk
            return
        if saved is None:
            self._rng_used = True  # write seq and the id generator's state at once
            return
        try:
            self._restore(saved)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            self._store.close()
            raise StateError(f"emulator state in {self._store.path} is not valid: {exc!r}") from exc

    def _restore(self, saved: Saved) -> None:
        with self.lock:
            for data in saved.jobs:
                self._add(Job.from_json(data))
            self.tokens = {k: Token(**v) for k, v in saved.tokens.items()}
            self.names = dict(saved.names)
            for key, present in saved.resources.items():
                self.known.setdefault(key, present)
            self.seq = int(saved.meta["seq"])
            rng = saved.meta.get("rng")
            if rng is not None:
                self._rng.setstate((rng[0], tuple(rng[1]), rng[2]))

    def close(self) -> None:
        """Settle what is due, flush every write, close the store and the writer."""
        try:
            for future in (self.settle(), self.commit()):
                if future is not None:
                    future.result()
        finally:
            if self._store is not None:
                self._writer.submit(self._store.close).result()
            self._writer.stop()

    # -- time ----------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock.now()

    def settle(self) -> concurrent.futures.Future[None] | None:
        """Finish every job whose end is due: free its quota slot, write its files."""
        now = self.now()
        with self.lock:
            if not self._due or self._due[0][0] > now:  # nothing due: the usual case
                return self.commit()
            writes: list[Callable[[], None]] = []
            while self._due and self._due[0][0] <= now:
                _, _, job_id = heapq.heappop(self._due)
                job = self.jobs[job_id]
                if job.finalized:
                    continue
                ends = job.terminal_at()
                if ends > now:  # its timeline moved (cancelled later, for example)
                    heapq.heappush(self._due, (ends, job.seq, job.id))
                    continue
                job.finalized = True
                self._active[job.service] -= 1
                self.changed(job)
                if self.data_dir is not None and job.phase_at(now)[0] in ("succeeded", "partial"):
                    writes.append(self._files_of(job))
            if not writes:
                return self.commit()
            last: concurrent.futures.Future[None] | None = None
            for write in writes:
                last = self._writer.submit(write)
            return self.commit() or last

    def _files_of(self, job: Job) -> Callable[[], None]:
        data_dir, seed = self.data_dir, self.seed
        assert data_dir is not None
        destinations = list(job.extra.get("destinations", []))
        failed = set(job.extra.get("failed_items", []))

        def write() -> None:
            for dest in destinations:
                try:
                    _files.write_export(data_dir, job, seed, [dest], failed)
                except (OSError, ValueError) as exc:
                    log.warning(
                        "%s job %s: cannot write its files for %r: %s",
                        job.service,
                        job.id,
                        dest[:200],
                        exc,
                    )

        return write

    def reschedule(self, job: Job) -> None:
        """Put ``job`` on the end-of-job heap again after its timeline changed."""
        if job.kind == "export" and not job.finalized:
            heapq.heappush(self._due, (job.terminal_at(), job.seq, job.id))

    # -- persistence -------------------------------------------------------------------

    def changed(self, job: Job) -> None:
        """Mark ``job`` for the next ``commit``."""
        if self._store is not None:
            self._dirty_jobs[job.id] = job

    def commit(self) -> concurrent.futures.Future[None] | None:
        """Write what changed since the last commit, as one transaction, in the writer."""
        if self._store is None or not self._store.is_open:
            return None  # before open(): kept for the first commit after it
        with self.lock:
            change = self._dirty
            change.jobs = [
                (j.id, j.seq, json.dumps(j.to_json())) for j in self._dirty_jobs.values()
            ]
            if self._rng_used:
                state = self._rng.getstate()
                change.meta.append(("rng", json.dumps([state[0], list(state[1]), state[2]])))
            if change.jobs or self._rng_used:
                change.meta.append(("seq", json.dumps(self.seq)))
            self._dirty_jobs = {}
            self._dirty = Change()
            self._rng_used = False
            if not change:
                return None
            store = self._store
            return self._writer.submit(lambda: store.write(change))

    # -- jobs ----------------------------------------------------------------------------

    def _add(self, job: Job) -> None:
        self.jobs[job.id] = job
        self.index[(job.service, job.kind)].append(job)
        self.index[(job.service, job.kind, job.scope)].append(job)
        for agent in job.extra.get("agents", []):
            self.index[("discovery", "export", "agent", agent)].append(job)
        if job.kind == "export" and not job.finalized:
            self._active[job.service] = self._active.get(job.service, 0) + 1
            heapq.heappush(self._due, (job.terminal_at(), job.seq, job.id))

    def new_job(
        self,
        service: str,
        kind: Literal["export", "continuous"],
        job_id: str,
        scope: str,
        params: dict[str, Any],
        extra: dict[str, Any] | None = None,
    ) -> Job:
        """A new job (quota and forced outcomes applied), indexed and marked for commit."""
        quota = RULES[service].quota_code
        limit = self.max_active_jobs
        full = limit is not None and self._active.get(service, 0) >= limit
        if kind == "export" and quota is not None and full:
            raise error(
                service,
                quota,
                f"Limit of {self.max_active_jobs} export jobs in progress reached.",
            )
        self.seq += 1
        queue = self.forced.get(service, [])
        forced = queue.pop(0) if queue and kind == "export" else None
        if kind == "continuous" and queue:
            forced = queue.pop(0) if queue[0].outcome == "fail" else None
        job = Job(
            service=service,
            kind=kind,
            id=job_id,
            seq=self.seq,
            created=self.now(),
            duration=self.durations[service],
            scope=scope,
            params=params,
            extra=dict(extra or {}),
        )
        if forced is not None:
            job.outcome = forced.outcome
            job.reason = forced.reason
        self._add(job)
        self.changed(job)
        return job

    def listed(self, *key: str) -> list[Job]:
        """The jobs of one index list, oldest first (empty if there is none)."""
        return self.index.get(key, [])

    def find(
        self, service: str, job_id: str, scope: str | None = None, kind: str = "export"
    ) -> Job | None:
        """The job, if it is ``service``'s, of ``kind`` and (when given) in ``scope``."""
        job = self.jobs.get(job_id)
        if job is None or job.service != service or job.kind != kind:
            return None
        if scope is not None and job.scope != scope:
            return None
        return job

    def page(
        self,
        service: str,
        jobs: list[Job],
        operation: str,
        scope: object,
        params: dict[str, Any],
        match: Callable[[Job], bool] | None = None,
    ) -> tuple[list[Job], str | None]:
        """One page of ``jobs`` (in creation order) for a list operation."""
        try:
            return paginate(
                jobs,
                lambda j: j.seq,
                operation=operation,
                scope=scope,
                token=params.get("nextToken"),
                max_results=params.get("maxResults"),
                match=match,
            )
        except InvalidToken as exc:
            raise kind_error(service, "next_token", str(exc)) from exc

    # -- ids and records -----------------------------------------------------------------

    def uuid(self) -> str:
        self._rng_used = True
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def digits(self) -> str:
        self._rng_used = True
        while True:
            candidate = str(self._rng.randrange(10**9, 10**10))
            if candidate not in self.jobs:
                return candidate

    def token(self, key: str, window: float) -> Token | None:
        """The client-token record under ``key`` if it is younger than ``window`` seconds."""
        record = self.tokens.get(key)
        if record is None or self.now() - record.first_seen > window:
            return None
        return record

    def remember_token(self, key: str, job_id: str, digest: str = "") -> None:
        record = Token(job_id, self.now(), digest)
        self.tokens[key] = record
        self._dirty.tokens.append((key, json.dumps(vars(record))))

    def remember_name(self, name: str, arn: str) -> None:
        self.names[name] = arn
        self._dirty.names.append((name, arn))

    # -- parent resources ----------------------------------------------------------------

    def exists(self, service: str, resource_id: str) -> bool:
        return self.known.get((service, resource_id), self.resources == "auto")

    def set_exists(self, service: str, resource_id: str, present: bool) -> None:
        with self.lock:
            self.known[(service, resource_id)] = present
            self._dirty.resources.append((service, resource_id, int(present)))

    def require_parent(self, service: str, resource_id: str) -> None:
        """Raise the service's own not-found error unless the parent resource exists."""
        parent = RULES[service].parent
        if parent is None or self.exists(service, resource_id):
            return
        extra: dict[str, Any] = {}
        if service == "m2":
            extra = {"resourceId": resource_id, "resourceType": "application"}
        raise error(service, parent.code, f"{parent.what} {resource_id} does not exist.", **extra)

    # -- control API (used by Emulator) --------------------------------------------------

    def force_next(self, service: str, outcome: Outcome, reason: str | None, count: int) -> None:
        possible = RULES[service].outcomes
        if outcome not in possible:
            raise ValueError(f"{service} jobs cannot end {outcome!r}; possible: {sorted(possible)}")
        with self.lock:
            self.forced.setdefault(service, []).extend(
                Forced(outcome, reason) for _ in range(count)
            )

    def clear_forced(self) -> None:
        """Drop every forced outcome no started job has taken yet."""
        with self.lock:
            self.forced.clear()

    def job(self, service: str, job_id: str) -> Job:
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None or job.service != service:
                raise KeyError(f"no {service} job {job_id!r}")
            return job

    def update(self, service: str, job_id: str, change: Callable[[Job], None]) -> None:
        """Apply ``change`` to a job, reschedule its end, persist it (waits for the write)."""
        with self.lock:
            job = self.job(service, job_id)
            change(job)
            self.reschedule(job)
            self.changed(job)
            future = self.commit()
        if future is not None:
            future.result()

    def native_status(self, service: str, job_id: str) -> str:
        with self.lock:
            job = self.job(service, job_id)
            if job.kind == "continuous":
                return continuous_status(job, self.now())[0]
            return job.native_status(self.now())
