"""The REST budget on a fake clock: at most the rate in any minute, nothing during a lockout."""

from __future__ import annotations

import itertools
import random
from bisect import bisect_left

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bitsodata.clock import FakeClock
from bitsodata.exchange.ratelimit import TokenBucket


def grants_while_hammering(
    bucket: TokenBucket, clock: FakeClock, seconds: float, step: float
) -> list[float]:
    grants = []
    for _ in range(int(seconds / step)):
        if bucket.try_acquire():
            grants.append(clock.now())
        clock.advance(step)
    return grants


def max_in_any_minute(times: list[float]) -> int:
    """Largest number of grants in any half-open 60 s window [t, t + 60)."""
    return max(bisect_left(times, t + 60) - i for i, t in enumerate(times))


def test_hammering_for_an_hour_never_exceeds_60_per_minute() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock, safety_seconds=0)
    grants = grants_while_hammering(bucket, clock, 3600, 1 / 128)  # exact binary steps
    assert max_in_any_minute(grants) == 60
    assert len(grants) >= 3599  # and the budget is actually used, not wasted


def test_the_default_safety_margin_leaves_room_for_network_jitter() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock)
    grants = grants_while_hammering(bucket, clock, 600, 1 / 128)
    gaps = [b - a for a, b in itertools.pairwise(grants)]
    assert min(gaps) >= 61 / 60
    # each request delayed by up to 0.99 s on its way: the exchange still never sees 61 a minute
    rng = random.Random(3)
    for _ in range(20):
        arrivals = sorted(t + rng.uniform(0, 0.99) for t in grants)
        assert max_in_any_minute(arrivals) <= 60
    assert len(grants) >= 580


@settings(max_examples=40, deadline=None)
@given(
    rate=st.integers(min_value=1, max_value=300),
    steps=st.lists(st.integers(min_value=1, max_value=640), min_size=1, max_size=400),
)
def test_no_minute_ever_holds_more_than_the_rate(rate: int, steps: list[int]) -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate, clock, safety_seconds=0)
    grants = []
    for step in steps:
        if bucket.try_acquire():
            grants.append(clock.now())
        clock.advance(step / 128)
    assert max_in_any_minute(grants) <= rate


def test_capacity_allows_a_burst_then_paces() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock, capacity=5, safety_seconds=0)
    assert [bucket.try_acquire() for _ in range(6)] == [True] * 5 + [False]
    assert bucket.seconds_until_available() == pytest.approx(1.0)
    clock.advance(1.0)
    assert bucket.try_acquire() and not bucket.try_acquire()


def test_lockout_stops_every_grant_until_it_expires() -> None:
    clock = FakeClock(start=1_000.0)
    bucket = TokenBucket(600, clock)
    bucket.lock_out(60)
    assert bucket.lockout.until() == pytest.approx(1_060.0)
    for _ in range(59):
        clock.advance(1)
        assert not bucket.try_acquire()
    assert bucket.seconds_until_available() == pytest.approx(1.0)
    clock.advance(1)
    assert bucket.lockout.until() is None
    assert bucket.try_acquire()


def test_a_shorter_second_lockout_does_not_shorten_the_first() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock)
    bucket.lock_out(60)
    bucket.lock_out(5)
    clock.advance(30)
    assert not bucket.try_acquire()
    assert bucket.lockout.count == 2


def test_invalid_rates_are_refused() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0, FakeClock())
    with pytest.raises(ValueError):
        TokenBucket(60, FakeClock(), capacity=0.5)
    with pytest.raises(ValueError):
        TokenBucket(60, FakeClock(), safety_seconds=-1)
