"""Shared measurement helpers: repeat, take the median, report the spread."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    """Median and spread (min..max) of repeated measurements, in the caller's unit."""

    median: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.median:.2f} ({self.low:.2f}-{self.high:.2f})"


def sample(values: list[float]) -> Sample:
    return Sample(statistics.median(values), min(values), max(values))


def per_call_us(fn: Callable[[], object], calls: int, repeats: int) -> Sample:
    """Microseconds per call of ``fn``: ``repeats`` runs of ``calls`` calls each."""
    runs: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        runs.append((time.perf_counter() - start) / calls * 1e6)
    return sample(runs)


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"{platform.system()} {platform.release()}"
    )
