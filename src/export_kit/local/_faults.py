"""Seeded fault injection: throttling, server errors, dropped connections, latency.

Rates apply per request and can be set for every call (``"*"``), a service (``"omics"``)
or one operation (``"omics.GetReadSetExportJob"``); the most specific entry wins.
``inject()`` queues deterministic faults for the next N matching calls, which is what
tests use.  Faults hit only routed calls to the five services, before validation, the
way a front-end throttle would.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["throttle", "error", "drop", "lose", "latency"]
FAULT_KINDS: tuple[FaultKind, ...] = ("throttle", "error", "drop", "lose", "latency")


@dataclass(frozen=True)
class FaultConfig:
    """Probabilities (0..1) of each fault per request, and the added latency in seconds.

    ``drop`` cuts the connection before the request is handled; ``lose`` handles it
    (a job may be created) and then cuts the connection, so the answer is lost: the
    case client tokens and Personalize job-name adoption exist for.
    """

    throttle_rate: float = 0.0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    lose_rate: float = 0.0
    latency_rate: float = 0.0
    latency: float = 0.05

    def __post_init__(self) -> None:
        for name in ("throttle_rate", "error_rate", "drop_rate", "lose_rate", "latency_rate"):
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"FaultConfig.{name} must be between 0 and 1, got {rate!r}")
        if self.latency < 0:
            raise ValueError(f"FaultConfig.latency must be >= 0, got {self.latency!r}")


@dataclass
class _Queued:
    kind: FaultKind
    service: str | None
    operation: str | None
    remaining: int
    latency: float

    def matches(self, service: str, operation: str) -> bool:
        return self.service in (None, service) and self.operation in (None, operation)


@dataclass(frozen=True)
class Fault:
    """A decision for one request: which fault (or latency) to apply."""

    kind: FaultKind
    latency: float = 0.0


class FaultInjector:
    """Decides, reproducibly from a seed, which requests get which fault."""

    def __init__(self, config: Mapping[str, FaultConfig] | FaultConfig | None, seed: int) -> None:
        if isinstance(config, FaultConfig):
            config = {"*": config}
        self._config: dict[str, FaultConfig] = dict(config or {})
        self._rng = random.Random(f"faults:{seed}")
        self._queue: list[_Queued] = []
        self._lock = threading.Lock()

    def configure(self, key: str, config: FaultConfig | None) -> None:
        """Set (or with ``None`` clear) the rates for ``*``, a service or ``service.Operation``."""
        with self._lock:
            if config is None:
                self._config.pop(key, None)
            else:
                self._config[key] = config

    def inject(
        self,
        kind: FaultKind,
        *,
        service: str | None = None,
        operation: str | None = None,
        count: int = 1,
        latency: float = 0.05,
    ) -> None:
        """Apply ``kind`` to the next ``count`` matching requests."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if count < 1:
            raise ValueError("count must be >= 1")
        with self._lock:
            self._queue.append(_Queued(kind, service, operation, count, latency))

    def clear(self) -> None:
        """Drop every queued fault and configured rate."""
        with self._lock:
            self._queue.clear()
            self._config.clear()

    def decide(self, service: str, operation: str) -> list[Fault]:
        """Faults for this request: queued ones first, then random ones from the rates."""
        if not self._queue and not self._config:  # the usual case, decided without the lock
            return []
        with self._lock:
            for queued in self._queue:
                if queued.matches(service, operation):
                    queued.remaining -= 1
                    if queued.remaining == 0:
                        self._queue.remove(queued)
                    return [Fault(queued.kind, queued.latency)]
            config = (
                self._config.get(f"{service}.{operation}")
                or self._config.get(service)
                or self._config.get("*")
            )
            if config is None:
                return []
            out: list[Fault] = []
            if config.latency_rate and self._rng.random() < config.latency_rate:
                out.append(Fault("latency", config.latency))
            roll = self._rng.random()
            chances: tuple[tuple[FaultKind, float], ...] = (
                ("drop", config.drop_rate),
                ("lose", config.lose_rate),
                ("throttle", config.throttle_rate),
                ("error", config.error_rate),
            )
            for kind, rate in chances:
                if roll < rate:
                    out.append(Fault(kind))
                    break
                roll -= rate
            return out
