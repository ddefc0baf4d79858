"""The fake clock lands exactly where it is told, so loops waiting on it always wake."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitsodata.clock import FakeClock, utc_from_epoch


@given(
    st.floats(min_value=1e9, max_value=4e9, allow_nan=False),
    st.floats(min_value=0, max_value=1e5, allow_nan=False),
)
def test_sleep_until_reaches_the_target_exactly(start: float, wait: float) -> None:
    clock = FakeClock(start)
    target = float(int(start + wait) + 1)
    asyncio.run(clock.sleep_until(target))
    assert clock.now() >= target
    assert clock.now() == target


def test_the_fake_clock_never_goes_backwards() -> None:
    clock = FakeClock(100.0)
    clock.set(50.0)
    assert clock.now() == 100.0
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_monotonic_follows_the_wall_clock_moves() -> None:
    clock = FakeClock(1_700_000_000.37)
    clock.set(1_700_000_001.0)
    clock.advance(2.5)
    assert clock.monotonic() == pytest.approx(3.13)
    assert utc_from_epoch(clock.now()).isoformat() == "2023-11-14T22:13:23.500000+00:00"
