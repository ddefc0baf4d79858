"""Completed windows to the lake, off the tick.

An asyncio task that does its blocking I/O in worker threads, so a slow disk or S3 endpoint never
delays a tick. A window that fails to write stays queued (its journal segment is kept) and is
retried with backoff; on stop it drains what it holds, within a grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from bitsodata.clock import Clock
from bitsodata.domain.observation import Observation
from bitsodata.errors import LakeError, LakeUnavailable
from bitsodata.lake.storage import Storage
from bitsodata.logs import event
from bitsodata.monitor.windows import CompletedWindow

log = logging.getLogger(__name__)

WriteFn = Callable[[str, int, Sequence[Observation]], str]
"""Writes one book's window file (book, window start, rows) and returns its key."""
WrittenHook = Callable[[CompletedWindow, dict[str, str]], None]
"""Called on the event loop once every book of a window is in the lake (book -> key)."""


@runtime_checkable
class UploadQueue(Protocol):
    """A store with a local upload queue (``lake.queue.QueuedStorage``)."""

    def pending(self) -> int: ...

    def flush(self) -> int: ...


def check_lake_writable(storage: Storage) -> bool:
    """Write and delete a probe object before the first tick; raise when the lake refuses it.

    A local lake that cannot be written (a file in its place, no permission, read-only disk) and
    an S3 lake that refuses us (no such bucket, denied, no credentials) are errors: the collector
    must not start and quietly keep every window in its journal. An S3 endpoint that is only
    unreachable (a transient outage) is logged and returns False: windows queue locally and are
    uploaded when it is back, as during any outage.
    """
    target = getattr(storage, "inner", storage)  # past a local upload queue, to the store itself
    key = f"_probe-{os.getpid()}-{time.time_ns()}"
    try:
        target.put(key, b"bitsodata write probe\n")
    except LakeUnavailable as exc:
        event(log, "lake_unreachable_at_start", logging.WARNING, lake=storage.url, error=str(exc))
        return False
    except LakeError as exc:
        raise LakeError(f"the lake is not writable: {exc.message}", lake=storage.url) from exc
    with contextlib.suppress(LakeError):  # writing is what we need; a leftover probe is harmless
        target.delete(key)
    return True


class WindowWriter:
    """Writes completed windows oldest first; retries failures; never blocks the sampler."""

    def __init__(
        self,
        write: WriteFn,
        on_written: WrittenHook,
        clock: Clock,
        *,
        queue: UploadQueue | None = None,
        max_backoff: float = 30.0,
        idle_seconds: float = 1.0,
    ) -> None:
        self._write = write
        self._on_written = on_written
        self._clock = clock
        self._queue = queue
        self._max_backoff = max_backoff
        self._idle = idle_seconds
        self._pending: deque[CompletedWindow] = deque()
        self._wake = asyncio.Event()
        self.failures = 0
        """Failed window write attempts so far (each is logged)."""
        self.last_error: str | None = None
        """The error of the latest write attempt, None once a write succeeds."""
        self.upload_queue_files = 0

    def submit(self, window: CompletedWindow) -> None:
        """Queue a completed window for writing."""
        self._pending.append(window)
        self._wake.set()

    def oldest_pending_end(self) -> int | None:
        """End of the oldest window not in the lake yet."""
        return self._pending[0].end if self._pending else None

    @property
    def pending(self) -> int:
        """Windows waiting to be written."""
        return len(self._pending)

    def pending_windows(self) -> tuple[CompletedWindow, ...]:
        """Windows waiting to be written, oldest first."""
        return tuple(self._pending)

    def write_now(self) -> int:
        """Write every pending window synchronously (tools and tests); the number written."""
        written = 0
        while self._pending:
            window = self._pending[0]
            keys = {
                book: self._write(book, window.start, rows) for book, rows in window.rows.items()
            }
            self._pending.popleft()
            self._on_written(window, keys)
            written += 1
        return written

    async def run(self, stop: asyncio.Event, grace: float) -> None:
        """Write until ``stop``; then keep draining for at most ``grace`` seconds."""
        work = asyncio.ensure_future(self._loop(stop))
        await stop.wait()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._drained(), timeout=grace)
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await work
        if self._pending:
            event(log, "windows_left_in_journal", logging.WARNING, windows=len(self._pending))
        with contextlib.suppress(TimeoutError):  # one last upload try; the queue survives anyway
            await asyncio.wait_for(self.flush_uploads(), timeout=grace)

    async def _drained(self) -> None:
        while self._pending:
            await asyncio.sleep(0.05)

    async def _loop(self, stop: asyncio.Event) -> None:
        backoff = 0.5
        while True:
            if not self._pending:
                await self._idle_wait()
                continue
            window = self._pending[0]
            try:
                keys = await self._write_all(window)
            except Exception as exc:  # any failure: keep the window, try again later
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                event(
                    log,
                    "window_write_failed",
                    logging.ERROR,
                    window_start=window.start,
                    error=f"{type(exc).__name__}: {exc}",
                    retry_in=backoff,
                )
                await self._clock.sleep_until(self._clock.now() + backoff)
                backoff = min(self._max_backoff, backoff * 2)
                continue
            backoff = 0.5
            self.last_error = None
            self._pending.popleft()
            self._on_written(window, keys)

    async def _write_all(self, window: CompletedWindow) -> dict[str, str]:
        keys = {}
        for book, rows in window.rows.items():
            keys[book] = await asyncio.to_thread(self._write, book, window.start, rows)
        return keys

    async def _idle_wait(self) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self._idle)
        await self.flush_uploads()

    async def flush_uploads(self) -> None:
        """Upload what the lake's local queue holds (S3 back after an outage), off the loop."""
        if self._queue is None:
            return
        try:
            if await asyncio.to_thread(self._queue.pending):
                await asyncio.to_thread(self._queue.flush)
            self.upload_queue_files = await asyncio.to_thread(self._queue.pending)
        except Exception as exc:
            event(log, "upload_flush_failed", logging.WARNING, error=str(exc))
