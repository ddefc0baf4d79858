"""Alert events to their sinks, off the tick: one worker lane per sink, in order within a lane.

A slow sink (the lake's alert log rewrites a day file per event) never delays a fast one (the
webhook outbox), and none of them delays a tick. A failing sink is logged and skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from bitsodata.alerts.engine import AlertEvent
from bitsodata.alerts.sinks import AlertSink
from bitsodata.logs import event

log = logging.getLogger(__name__)


class _Lane:
    def __init__(self, sink: AlertSink) -> None:
        self.sink = sink
        self.queue: asyncio.Queue[AlertEvent] = asyncio.Queue()

    def publish(self, alert: AlertEvent) -> None:
        try:
            self.sink.publish(alert)
        except Exception as exc:  # one bad sink must not stop the others
            event(
                log,
                "alert_sink_failed",
                logging.ERROR,
                sink=type(self.sink).__name__,
                key=alert.key,
                error=repr(exc),
            )

    async def work(self) -> None:
        while True:
            alert = await self.queue.get()
            try:
                await asyncio.to_thread(self.publish, alert)
            finally:
                self.queue.task_done()


class AlertPublisher:
    """Queues events for every sink; ``run`` delivers them in worker threads."""

    def __init__(self, sinks: Sequence[AlertSink]) -> None:
        self._lanes = [_Lane(sink) for sink in sinks]
        self.submitted = 0

    def submit(self, events: Sequence[AlertEvent]) -> None:
        """Queue events for every sink (returns at once)."""
        for alert in events:
            self.submitted += 1
            for lane in self._lanes:
                lane.queue.put_nowait(alert)

    def publish_now(self) -> int:
        """Deliver everything queued synchronously (tools and tests); events delivered per sink."""
        count = 0
        for lane in self._lanes:
            while not lane.queue.empty():
                lane.publish(lane.queue.get_nowait())
                lane.queue.task_done()
                count += 1
        return count

    async def run(self, stop: asyncio.Event, grace: float) -> None:
        """Deliver until ``stop``; then drain for at most ``grace`` seconds."""
        workers = [asyncio.ensure_future(lane.work()) for lane in self._lanes]
        await stop.wait()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(lane.queue.join() for lane in self._lanes)), timeout=grace
            )
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
