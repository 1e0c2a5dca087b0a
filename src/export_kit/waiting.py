"""Polling schedules: ``PollPolicy``, the backoff, and the clock waiters run on.

Smithy waiter semantics, made async and cancellable (docs/concepts/jobs.md, "Waiting"):

* the first attempt is immediate; attempt *n* then sleeps a random time in
  ``[min_delay, min(max_delay, min_delay * 2**(n-1))]`` (full jitter, capped);
* when the remaining time is at most ``min_delay`` the waiter sleeps exactly until the
  deadline and makes one final attempt there; it never sleeps past the deadline;
* the ``timeout`` is wall-clock (on the policy's clock) and there is no attempt cap;
* retryable errors (throttling, 5xx, transport) count as an attempt with no news and never
  end the wait early, except that transport failures for ``transport_patience`` seconds in a
  row end it with the last ``TransportError``; ``NotFound`` right after a start is
  tolerated for ``not_found_grace``; errors nothing can fix (credentials, configuration,
  access denied, validation) end it at once;
* a server's retry hint delays the next attempt, but never past ``max_delay`` nor past
  the deadline;
* cancellation (anyio) interrupts the sleep or the in-flight request at once.

The clock, the sleep and the random source are injectable (``PollPolicy.clock``/``rng``), so
tests drive waiters on virtual time.  Every wait of one kit is served by the kit's shared
poller (``export_kit._poller``), which batches the jobs that are due in the same scope.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, fields, replace

import anyio

from ._backoff import backoff_delay
from ._interfaces import PollClock
from .errors import WaitAllTimeout

__all__ = [
    "AnyioClock",
    "PollClock",
    "PollPolicy",
    "WaitAllTimeout",
    "backoff_delay",
]


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
    """How to poll: backoff bounds, NotFound grace, transport patience, clock, random source.

    Fields left as ``None`` are taken from the call's defaults, in this order: the kit's
    policy (``ExportKit(poll=...)``), the service's (``export_kit.services.<service>``
    ``DEFAULT_POLL``), then 2 s / 120 s, a 30 s grace and 300 s of patience.  So
    ``PollPolicy(clock=...)`` changes only the clock.

    Args:
      min_delay (float | None): Seconds before the second attempt, and the shortest sleep.
      max_delay (float | None): The longest sleep between two attempts.
      not_found_grace (float | None): Seconds after a job was started by this process in
        which NotFound means "not visible yet" (eventual consistency).
      transport_patience (float | None): Seconds of consecutive transport failures
        (connection refused, reset, read timeout) after which a wait ends with the last
        ``TransportError`` even without a timeout (default 300 s).
      clock (PollClock | None): Where time is read and slept (``AnyioClock()``).
      rng (random.Random | None): The jitter's random source.

    Raises:
      ValueError: if a number is NaN, infinite or negative, a delay is zero, or
        ``max_delay < min_delay``; the message names the field.
    """

    min_delay: float | None = None
    max_delay: float | None = None
    not_found_grace: float | None = None
    transport_patience: float | None = None
    clock: PollClock | None = field(default=None, compare=False)
    rng: random.Random | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for name in ("min_delay", "max_delay", "not_found_grace", "transport_patience"):
            value: object = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"{name} must be a number of seconds, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number of seconds, got {value!r}")
            if value < 0 or (value == 0 and name.endswith("_delay")):
                rule = "> 0" if name.endswith("_delay") else ">= 0"
                raise ValueError(f"{name} must be {rule}, got {value!r}")
        if (
            self.min_delay is not None
            and self.max_delay is not None
            and self.max_delay < self.min_delay
        ):
            raise ValueError("max_delay must be >= min_delay")

    def over(self, defaults: PollPolicy) -> PollPolicy:
        """This policy with every unset field taken from ``defaults``."""
        merged = {
            f.name: getattr(self, f.name)
            if getattr(self, f.name) is not None
            else getattr(defaults, f.name)
            for f in fields(self)
        }
        min_delay, max_delay = merged["min_delay"], merged["max_delay"]
        if min_delay is not None and max_delay is not None and max_delay < min_delay:
            # e.g. PollPolicy(min_delay=300) over a default max of 120: the caller's bound wins.
            if self.max_delay is None:
                merged["max_delay"] = min_delay
            else:
                merged["min_delay"] = max_delay
        return replace(self, **merged)
