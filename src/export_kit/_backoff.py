"""The backoff arithmetic of a waiter's schedule (docs/concepts/jobs.md, "Waiting").

Pure numbers, no clock and nothing of ours imported: ``waiting`` re-exports
``backoff_delay`` and the shared poller (``_poller``) keeps one ``Backoff`` per schedule.
"""

from __future__ import annotations

import math
import random

__all__ = ["EPSILON", "Backoff", "backoff_delay", "backoff_window", "delay_ceiling"]

#: Times closer than this (seconds) count as equal, so float sums never add a second
#: "final" attempt a hair before the deadline.
EPSILON = 1e-6


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
    window = backoff_window(attempt, remaining, min_delay=min_delay, max_delay=max_delay)
    if window is None:
        return None
    low, ceiling = window
    if low == ceiling:
        return low
    return min(rng.uniform(low, delay_ceiling(attempt, min_delay, max_delay)), ceiling)


def delay_ceiling(attempt: int, min_delay: float, max_delay: float) -> float:
    """``min(max_delay, min_delay * 2**(attempt-1))``, without overflowing for long waits."""
    doublings = math.log2(max_delay / min_delay) + 1 if max_delay > min_delay else 1
    return max_delay if attempt > doublings else min(max_delay, min_delay * 2 ** (attempt - 1))


def backoff_window(
    attempt: int, remaining: float | None, *, min_delay: float, max_delay: float
) -> tuple[float, float] | None:
    """The earliest and latest sleep after attempt ``attempt``; ``None`` when time is up."""
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    if remaining is not None:
        if remaining <= EPSILON:
            return None
        if remaining <= min_delay:
            return remaining, remaining
    ceiling = delay_ceiling(attempt, min_delay, max_delay)
    if remaining is not None:
        ceiling = min(ceiling, remaining)
    return min_delay, ceiling


class Backoff:
    """The attempt counter of one schedule."""

    __slots__ = ("attempts", "max_delay", "min_delay", "rng")

    def __init__(self, min_delay: float, max_delay: float, rng: random.Random) -> None:
        self.min_delay = min_delay
        self.max_delay = max_delay
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

    def next_window(self, remaining: float | None) -> tuple[float, float] | None:
        """Record one finished attempt; the earliest and latest sleep before the next one.

        The shared poller picks one time in the windows of every waiter of a batch scope,
        so waiters that are due together are served by one batch call.
        """
        self.attempts += 1
        return backoff_window(
            self.attempts, remaining, min_delay=self.min_delay, max_delay=self.max_delay
        )
