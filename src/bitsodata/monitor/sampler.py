"""The 1 Hz heartbeat: a tick at every whole UTC second, aligned to the wall clock.

Each wait targets the next whole second with ``Clock.sleep_until`` (never ``sleep(1)`` after the
work, which drifts). When the loop falls behind (a slow tick, a suspended process) it emits every
missed second exactly once, in order, so no second is ever skipped or repeated.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from bitsodata.clock import Clock

# Clocks built on floats can land a hair before a whole second (x.37 + 0.63 -> x.9999998):
# a second counts as reached within this tolerance, so a wake-up is never wasted.
EPSILON = 1e-6
SPIN_STEP = 0.0002
"""Longest single sleep while waiting out the lead (short, so the tick lands within ~0.2 ms)."""

TickHandler = Callable[[int, float], object]
"""Called with (tick, lateness in seconds: how long after the whole second the call happens)."""


@dataclass(slots=True)
class SamplerStats:
    """What the sampler did so far (benchmarks and tests read it)."""

    ticks: int = 0
    caught_up: int = 0
    """Ticks emitted late because the loop had fallen more than a second behind."""
    last_tick: int | None = None
    lateness: deque[float] = field(default_factory=lambda: deque(maxlen=100_000))
    """Seconds between each whole second and its handler call (the tick jitter), newest last."""


class Sampler:
    """Calls ``on_tick`` once per whole second from ``first_tick`` to a stop or ``last_tick``.

    ``lead`` (real clocks only): wake that many seconds before the second and wait out the rest
    without yielding to the event loop. A callback that happens to run at the whole second (a
    burst of WebSocket frames, a timer) would otherwise delay the tick by its own length, and
    the loop's timer resolution adds up to a millisecond more; the price is at most ``lead`` of
    loop time per second. Leave it at 0 with a fake clock (it would wait on real time).
    """

    def __init__(
        self,
        clock: Clock,
        on_tick: TickHandler,
        *,
        first_tick: int | None = None,
        last_tick: int | None = None,
        lead: float = 0.0,
    ) -> None:
        self._clock = clock
        self._lead = lead
        self._on_tick = on_tick
        self._first = first_tick
        self.last_tick = last_tick
        self.stats = SamplerStats()

    def next_tick(self) -> int:
        """The first second not emitted yet."""
        if self.stats.last_tick is not None:
            return self.stats.last_tick + 1
        if self._first is not None:
            return self._first
        return math.floor(self._clock.now() + EPSILON) + 1

    def _due(self) -> range:
        """Ticks whose second has come and that were not emitted yet (bounded by ``last_tick``)."""
        upto = math.floor(self._clock.now() + EPSILON)
        if self.last_tick is not None:
            upto = min(upto, self.last_tick)
        return range(self.next_tick(), upto + 1)

    def _emit_due(self) -> None:
        due = self._due()
        for tick in due:
            lateness = self._clock.now() - tick
            self.stats.ticks += 1
            self.stats.last_tick = tick
            self.stats.lateness.append(lateness)
            if tick != due[-1]:
                self.stats.caught_up += 1
            self._on_tick(tick, lateness)

    def finished(self) -> bool:
        """``last_tick`` was emitted."""
        return self.last_tick is not None and (self.stats.last_tick or 0) >= self.last_tick

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until ``stop`` is set or ``last_tick`` has been emitted."""
        self._first = self.next_tick()  # fixed now: a late wake-up must not move the start
        while not stop.is_set() and not self.finished():
            target = self.next_tick()
            if self._clock.now() + EPSILON < target:
                await _sleep_or_stop(self._clock, target - self._lead, stop)
                if stop.is_set():
                    return
                self._wait_out(target)
            self._emit_due()

    def _wait_out(self, target: float) -> None:
        """Block the last ``lead`` seconds before ``target`` (short sleeps release the GIL)."""
        if self._lead <= 0:
            return
        deadline = time.monotonic() + self._lead + 0.001  # never longer than the lead
        while (left := target - self._clock.now()) > EPSILON and time.monotonic() < deadline:
            time.sleep(min(left, SPIN_STEP))


async def _sleep_or_stop(clock: Clock, target: float, stop: asyncio.Event) -> None:
    """Sleep until ``target`` unless ``stop`` is set first."""
    sleeper = asyncio.ensure_future(clock.sleep_until(target))
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeper, stopper):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
