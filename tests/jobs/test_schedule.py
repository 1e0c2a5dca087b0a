"""The backoff schedule, on pure numbers: bounds, full jitter, the final attempt at the
deadline, and no attempt cap."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from export_kit._backoff import Backoff
from export_kit.waiting import PollPolicy, backoff_delay

delays = st.floats(min_value=0.01, max_value=100.0, allow_nan=False)


@given(
    min_delay=delays,
    factor=st.floats(min_value=1.0, max_value=1000.0),
    attempt=st.integers(min_value=1, max_value=10_000),
    seed=st.integers(0, 2**32),
)
def test_delay_stays_in_the_jitter_window(
    min_delay: float, factor: float, attempt: int, seed: int
) -> None:
    max_delay = min_delay * factor
    delay = backoff_delay(
        attempt, None, min_delay=min_delay, max_delay=max_delay, rng=random.Random(seed)
    )
    assert delay is not None
    ceiling = min(max_delay, min_delay * 2.0 ** min(attempt - 1, 60))
    assert min_delay <= delay <= ceiling * (1 + 1e-12)


def test_ceiling_doubles_until_max_delay() -> None:
    class Top(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    top = [backoff_delay(n, None, min_delay=2, max_delay=120, rng=Top()) for n in range(1, 10)]
    assert top == [2, 4, 8, 16, 32, 64, 120, 120, 120]


def test_jitter_uses_the_whole_window() -> None:
    rng = random.Random(7)
    seen = [backoff_delay(5, None, min_delay=1, max_delay=100, rng=rng) or 0 for _ in range(2000)]
    assert min(seen) < 1.5
    assert max(seen) > 15.5  # window is [1, 16]


@given(
    min_delay=st.floats(min_value=0.1, max_value=10),
    max_factor=st.floats(min_value=1, max_value=50),
    timeout=st.floats(min_value=0, max_value=2000),
    seed=st.integers(0, 2**32),
)
def test_virtual_wait_ends_with_one_attempt_exactly_at_the_deadline(
    min_delay: float, max_factor: float, timeout: float, seed: int
) -> None:
    """Simulate a wait that never succeeds: attempts at 0, then after each sleep."""
    backoff = Backoff(min_delay, min_delay * max_factor, random.Random(seed))
    now, attempts = 0.0, [0.0]
    while True:
        delay = backoff.next_delay(timeout - now)
        if delay is None:
            break
        assert delay > 0
        assert now + delay <= timeout + 1e-9, "never sleeps past the deadline"
        if timeout - now > min_delay:
            assert delay >= min(min_delay, timeout - now)
        else:
            assert delay == pytest.approx(timeout - now), "sleeps exactly to the deadline"
        now += delay
        attempts.append(now)
    if timeout > 1e-6:
        assert attempts[-1] == pytest.approx(timeout, abs=1e-6), "final attempt at the deadline"
        assert attempts[-2] < timeout - 1e-6, "only one attempt there"
    assert backoff.attempts == len(attempts)


def test_no_attempt_cap_on_long_waits() -> None:
    backoff = Backoff(1, 2, random.Random(0))
    now, count = 0.0, 0
    while (delay := backoff.next_delay(10_000 - now)) is not None:
        now += delay
        count += 1
    assert now == pytest.approx(10_000)
    assert count > 5000


def test_policy_defaults_and_validation() -> None:
    merged = PollPolicy(max_delay=10).over(PollPolicy(min_delay=3, max_delay=60))
    assert (merged.min_delay, merged.max_delay) == (3, 10)
    assert PollPolicy(min_delay=300).over(PollPolicy(min_delay=30, max_delay=120)).max_delay == 300
    with pytest.raises(ValueError, match="min_delay"):
        PollPolicy(min_delay=0)
    with pytest.raises(ValueError, match="max_delay must be >= min_delay"):
        PollPolicy(min_delay=5, max_delay=1)
    with pytest.raises(ValueError, match="attempt"):
        backoff_delay(0, None, min_delay=1, max_delay=2, rng=random.Random())


def test_service_defaults_are_documented() -> None:
    from export_kit.services import spec_for

    assert spec_for("omics").default_poll.min_delay == 30  # botocore's waiter delay
    assert spec_for("simpledbv2").default_poll.min_delay == 30
    assert spec_for("discovery").default_poll.min_delay == 2
