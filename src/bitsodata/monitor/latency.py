"""Latency probes the collector reports on stop (benchmarks read them from ``collector_stopped``).

``UpdateLag`` is the feed's ``on_update`` hook: for every top of book it records receipt (the
feed's ``received_at``, stamped when the frame or response reached the collector's code) to
available (stored where the next tick's observation reads it). ``LoopStall`` samples how late the
event loop runs a timer: a frame that reaches the socket while the loop is busy waits that long
before it is read, so its p99 bounds the part of update-to-observation before receipt.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from bitsodata.clock import Clock
from bitsodata.domain.book import TopOfBook

SAMPLES = 100_000
STALL_PERIOD = 0.05
"""Seconds between two loop-stall probes (20 a second: negligible work)."""


class UpdateLag:
    """Receipt -> available, in seconds, for every update the feed stores."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.samples: deque[float] = deque(maxlen=SAMPLES)

    def __call__(self, top: TopOfBook) -> None:
        self.samples.append(max(0.0, self._clock.now() - top.received_at))


class LoopStall:
    """How late the event loop wakes a timer, sampled every ``STALL_PERIOD`` seconds."""

    def __init__(self) -> None:
        self.samples: deque[float] = deque(maxlen=SAMPLES)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            began = time.perf_counter()  # a measurement of the real loop, not timing logic
            await asyncio.sleep(STALL_PERIOD)
            self.samples.append(max(0.0, time.perf_counter() - began - STALL_PERIOD))
