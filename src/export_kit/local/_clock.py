"""Clocks that drive the job state machines: wall time, or a manual clock for tests."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class EmulatorClock(Protocol):
    """What drives the emulator's job timelines: anything with ``now()`` in epoch seconds.

    Not the library's poll clock (monotonic ``now()`` plus ``sleep()``): this one is wall
    time, because job timestamps go out on the wire."""

    def now(self) -> float: ...


class RealClock:
    """Wall-clock time."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when told to, so job lifecycles are deterministic."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` (>= 0) and return the new time."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += seconds
            return self._now
