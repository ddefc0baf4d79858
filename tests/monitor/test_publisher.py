"""Alert delivery lanes: a burst is one batch per sink, flushed once, in order, off the loop."""

from __future__ import annotations

import asyncio
import threading
from datetime import date
from decimal import Decimal

from bitsodata.alerts.engine import AlertEvent
from bitsodata.alerts.sinks import LakeAlertLog, MemorySink, read_alert_log
from bitsodata.lake.storage import MemoryStorage
from bitsodata.monitor.publisher import AlertPublisher

T0 = 1_700_000_000


def burst(n: int) -> list[AlertEvent]:
    return [
        AlertEvent(
            "spread",
            f"r{i}",
            "btc_mxn",
            "FIRING",
            Decimal("0.7"),
            Decimal("0.1"),
            T0,
            T0,
            "warning",
            "wide",
        )
        for i in range(n)
    ]


class GatedSink(MemorySink):
    """Holds its first delivery until released, so the rest of a burst queues up meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.flushes = 0

    def publish(self, event: AlertEvent) -> None:
        self.release.wait(timeout=5)
        super().publish(event)

    def flush(self) -> None:
        self.flushes += 1


class BrokenSink:
    def publish(self, event: AlertEvent) -> None:
        raise RuntimeError("sink bug")


async def test_a_burst_reaches_every_sink_in_order_with_one_flush_per_batch() -> None:
    store = MemoryStorage()
    lake_log = LakeAlertLog(store, autoflush=False)
    gated, memory = GatedSink(), MemorySink()
    publisher = AlertPublisher([BrokenSink(), gated, lake_log, memory])
    stop = asyncio.Event()
    task = asyncio.ensure_future(publisher.run(stop, grace=5))
    events = burst(300)
    publisher.submit(events[:1])
    await asyncio.sleep(0.05)  # the gated lane is now busy with the first event
    publisher.submit(events[1:])
    gated.release.set()
    stop.set()
    await task
    assert memory.events == events and gated.events == events  # a broken sink stops no one
    assert gated.flushes == 2  # the first event alone, then the 299 queued meanwhile
    assert lake_log.writes <= 2 and lake_log.pending == 0  # not 300 day-file rewrites
    logged = read_alert_log(store, date(2023, 11, 14))  # T0 = 2023-11-14T22:13:20Z
    assert [e.rule for e in logged] == [e.rule for e in events]
