"""The 1 Hz sampler: whole seconds, no drift, no skipped or repeated second when it falls behind."""

from __future__ import annotations

import asyncio
import math
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from bitsodata.clock import FakeClock, SystemClock
from bitsodata.monitor.sampler import Sampler


async def test_ticks_are_consecutive_whole_seconds_after_the_start() -> None:
    clock = FakeClock(1_700_000_000.37)
    seen: list[tuple[int, float]] = []
    sampler = Sampler(clock, lambda t, late: seen.append((t, late)), last_tick=1_700_000_005)
    await sampler.run(asyncio.Event())
    assert [t for t, _ in seen] == list(range(1_700_000_001, 1_700_000_006))
    assert all(late == 0 for _, late in seen)  # a fake clock wakes exactly on the second


async def test_a_slow_tick_does_not_lose_or_repeat_seconds() -> None:
    clock = FakeClock(1_700_000_000.0)
    seen: list[int] = []

    def slow(tick: int, _late: float) -> None:
        seen.append(tick)
        if tick == 1_700_000_003:
            clock.advance(3.6)  # this tick took 3.6 s: seconds 4, 5 and 6 are overdue

    sampler = Sampler(clock, slow, last_tick=1_700_000_010)
    await sampler.run(asyncio.Event())
    assert seen == list(range(1_700_000_001, 1_700_000_011))
    assert sampler.stats.caught_up == 2  # 4 and 5 were emitted late, 6 on its own wake-up


async def test_stop_event_ends_the_loop_promptly() -> None:
    clock = FakeClock(1_700_000_000.0)
    stop = asyncio.Event()
    seen: list[int] = []

    def on_tick(tick: int, _late: float) -> None:
        seen.append(tick)
        if len(seen) == 3:
            stop.set()

    await Sampler(clock, on_tick).run(stop)
    assert len(seen) == 3


async def test_resumes_at_the_given_first_tick() -> None:
    clock = FakeClock(1_700_000_007.2)
    seen: list[int] = []
    sampler = Sampler(clock, lambda t, _l: seen.append(t), first_tick=1_700_000_005)
    sampler.last_tick = 1_700_000_009
    await sampler.run(asyncio.Event())
    assert seen == [1_700_000_005, 1_700_000_006, 1_700_000_007, 1_700_000_008, 1_700_000_009]


async def test_real_clock_ticks_land_on_whole_seconds_without_drift() -> None:
    clock = SystemClock()
    stamps: list[tuple[int, float]] = []
    start = math.floor(time.time())
    sampler = Sampler(clock, lambda t, _l: stamps.append((t, time.time())), last_tick=start + 2)
    await sampler.run(asyncio.Event())
    assert [t for t, _ in stamps] == [start + 1, start + 2]
    for tick, at in stamps:
        assert 0 <= at - tick < 0.1  # on the second (generous: 2 shared cores under test load)


async def test_a_lead_keeps_the_tick_on_the_second_while_the_loop_is_busy_at_it() -> None:
    clock = SystemClock()
    target = math.floor(time.time()) + 2
    late: dict[str, float] = {}

    def hog() -> None:  # e.g. a burst of frames handled just before the second: 60 ms busy
        until = time.perf_counter() + 0.06
        while time.perf_counter() < until:
            pass

    loop = asyncio.get_running_loop()
    loop.call_at(loop.time() + (target - 0.01 - time.time()), hog)
    with_lead = Sampler(
        clock, lambda _t, lag: late.setdefault("lead", lag), first_tick=target, last_tick=target,
        lead=0.03,
    )  # fmt: skip
    plain = Sampler(
        clock, lambda _t, lag: late.setdefault("plain", lag), first_tick=target, last_tick=target
    )
    await asyncio.gather(with_lead.run(asyncio.Event()), plain.run(asyncio.Event()))
    assert 0 <= late["lead"] < 0.01  # woke before the hog and waited out the rest itself
    assert late["plain"] >= 0.045  # the hog ran first and pushed it past the second


@settings(max_examples=50, deadline=None)
@given(
    start=st.floats(0, 0.999),
    delays=st.lists(st.floats(0, 4.5), min_size=1, max_size=30),
)
def test_whatever_the_delays_every_second_is_emitted_exactly_once(
    start: float, delays: list[float]
) -> None:
    clock = FakeClock(1_700_000_000 + start)
    seen: list[int] = []

    def handler(tick: int, _late: float) -> None:
        seen.append(tick)
        if len(seen) <= len(delays):
            clock.advance(delays[len(seen) - 1])  # this tick's work took that long

    last = 1_700_000_040
    asyncio.run(Sampler(clock, handler, last_tick=last).run(asyncio.Event()))
    assert seen == list(range(1_700_000_001, last + 1))
