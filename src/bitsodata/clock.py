"""Time as a port: the sampler, windows and lake paths ask a ``Clock`` instead of the OS.

``SystemClock`` reads the real time; ``FakeClock`` lets tests run a day of ticks in milliseconds.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Wall-clock time in epoch seconds, a monotonic reading, and an awaitable sleep."""

    def now(self) -> float:
        """Seconds since the epoch (UTC)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""
        ...

    async def sleep_until(self, epoch_seconds: float) -> None:
        """Return once ``now()`` has reached ``epoch_seconds``."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep_until(self, epoch_seconds: float) -> None:
        # Sleep most of the way, then re-check: the event loop can wake us a little early.
        while True:
            remaining = epoch_seconds - time.time()
            if remaining <= 0:
                return
            await asyncio.sleep(remaining)


class FakeClock:
    """A clock that only moves when told to (or when something sleeps on it)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._mono = 0.0

    def now(self) -> float:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a fake clock does not go backwards")
        self._now += seconds
        self._mono += seconds

    def set(self, epoch_seconds: float) -> None:
        """Jump to ``epoch_seconds`` exactly (never backwards).

        Assigning rather than adding the difference matters: ``x + (t - x)`` can land a hair
        short of ``t`` in floating point, and a loop waiting for ``t`` would then never wake.
        """
        if epoch_seconds <= self._now:
            return
        self._mono += epoch_seconds - self._now
        self._now = epoch_seconds

    async def sleep_until(self, epoch_seconds: float) -> None:
        self.set(epoch_seconds)
        await asyncio.sleep(0)


def utc_from_epoch(epoch_seconds: float) -> datetime:
    """An aware UTC datetime from epoch seconds."""
    return datetime.fromtimestamp(epoch_seconds, tz=UTC)
