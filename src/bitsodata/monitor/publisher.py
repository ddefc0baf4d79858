"""Alert events to their sinks, off the tick: one worker lane per sink, in order within a lane.

A lane takes everything queued at once (a burst of hundreds of events in one tick is one batch),
hands the batch to its sink in one worker-thread call and then calls the sink's ``flush`` when it
has one (the lake's alert log writes a whole batch in one read-modify-write per day), and again
every ``RETRY_SECONDS`` while quiet, so what a failed flush kept is retried. A slow sink
never delays a fast one (the webhook outbox), and none of them delays a tick. A failing sink is
logged and skipped; its events are not retried here (the outbox and the alert log keep their own).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

from bitsodata.alerts.engine import AlertEvent
from bitsodata.alerts.sinks import AlertSink
from bitsodata.logs import event

log = logging.getLogger(__name__)
RETRY_SECONDS = 10.0
"""A quiet lane flushes its sink this often, so events a failed flush kept are not stuck."""


class _Lane:
    def __init__(self, sink: AlertSink) -> None:
        self.sink = sink
        self.queue: asyncio.Queue[AlertEvent] = asyncio.Queue()
        flush = getattr(sink, "flush", None)
        self._flush: Callable[[], object] | None = flush if callable(flush) else None
        self.idempotent = bool(getattr(sink, "idempotent", False))

    def _failed(self, what: str, exc: Exception, **fields: object) -> None:
        sink = type(self.sink).__name__
        event(log, what, logging.ERROR, sink=sink, error=repr(exc), **fields)

    def deliver(self, batch: Sequence[AlertEvent]) -> None:
        """Publish a batch to the sink, then flush it (runs in a worker thread)."""
        for alert in batch:
            try:
                self.sink.publish(alert)
            except Exception as exc:  # one bad event or sink must not stop the others
                self._failed("alert_sink_failed", exc, key=alert.key)
        if self._flush is not None:
            try:
                self._flush()
            except Exception as exc:
                self._failed("alert_sink_flush_failed", exc, events=len(batch))

    def take(self) -> list[AlertEvent]:
        """Everything queued now."""
        batch = []
        while not self.queue.empty():
            batch.append(self.queue.get_nowait())
        return batch

    def done(self, batch: Sequence[AlertEvent]) -> None:
        for _ in batch:
            self.queue.task_done()

    async def work(self) -> None:
        getter: asyncio.Future[AlertEvent] | None = None
        try:
            while True:
                # The pending get() is kept across quiet periods, never cancelled, so no event
                # can be lost to a timeout racing a put.
                getter = getter or asyncio.ensure_future(self.queue.get())
                await asyncio.wait({getter}, timeout=RETRY_SECONDS)
                if not getter.done():  # quiet: retry what a failed flush kept (a lake outage)
                    if self._flush is not None:
                        await asyncio.to_thread(self.deliver, ())
                    continue
                batch, getter = [getter.result(), *self.take()], None
                try:
                    await asyncio.to_thread(self.deliver, batch)
                finally:
                    self.done(batch)
        finally:
            if getter is not None and getter.done() and not getter.cancelled():
                self.queue.put_nowait(getter.result())  # taken, not delivered: count it as left
            elif getter is not None:
                getter.cancel()


class AlertPublisher:
    """Queues events for every sink; ``run`` delivers them in worker threads, batch by batch."""

    def __init__(self, sinks: Sequence[AlertSink]) -> None:
        self._lanes = [_Lane(sink) for sink in sinks]
        self.submitted = 0

    def submit(self, events: Sequence[AlertEvent], *, replayed: bool = False) -> None:
        """Queue events for every sink (returns at once).

        ``replayed`` events were re-derived from the journal after a restart and may have been
        published already: they go only to sinks that keep each event once (``idempotent``).
        """
        lanes = [lane for lane in self._lanes if not replayed or lane.idempotent]
        for alert in events:
            self.submitted += 1
            for lane in lanes:
                lane.queue.put_nowait(alert)

    def publish_now(self) -> int:
        """Deliver everything queued synchronously (tools and tests); events delivered per sink."""
        count = 0
        for lane in self._lanes:
            batch = lane.take()
            lane.deliver(batch)
            lane.done(batch)
            count += len(batch)
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
        for result in await asyncio.gather(*workers, return_exceptions=True):
            if isinstance(result, Exception):  # a lane that died of a bug must not pass silently
                event(log, "alert_lane_failed", logging.ERROR, error=repr(result))
        left = sum(lane.queue.qsize() for lane in self._lanes)
        if left:
            event(log, "alerts_left_undelivered", logging.WARNING, events=left)
