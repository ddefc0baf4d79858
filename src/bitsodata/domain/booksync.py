"""Bitso's documented resync, as a pure state machine over one book's ``diff-orders`` stream.

Subscribe and queue; take a REST snapshot (``aggregate=false``); drop queued messages with a
sequence at or below the snapshot's; apply the rest, each exactly one above the last. A gap or a
duplicate means the book can no longer be trusted: it is thrown away and a new snapshot is
needed. The caller does the I/O: it asks ``wants_snapshot`` and hands in what it fetched.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

from bitsodata.domain.book import OrderBook
from bitsodata.domain.fullbook import BookDiff, FullBook

SyncState = Literal["syncing", "live"]
ResyncReason = Literal["start", "gap", "duplicate", "stale_snapshot", "overflow", "reconnect"]


@dataclass
class SyncStats:
    """Counters of one book's stream (metrics and benchmarks)."""

    applied: int = 0
    dropped_before_snapshot: int = 0
    gaps: int = 0
    duplicates: int = 0
    resyncs: int = 0
    snapshots: int = 0


class BookSync:
    """One book: queue while syncing, apply in sequence while live, resync on any break."""

    def __init__(self, book: str, *, max_queue: int = 50_000) -> None:
        self.book = book
        self.max_queue = max_queue
        self.stats = SyncStats()
        self.state: SyncState = "syncing"
        self.reason: ResyncReason = "start"
        self.full: FullBook | None = None
        self._queue: deque[BookDiff] = deque()
        self._settled = False  # a message above the snapshot has been applied since it came
        self._requested = False
        self.generation = 0
        """Bumped by every resync: a snapshot asked for an older generation is ignored."""

    @property
    def live(self) -> bool:
        return self.state == "live"

    def wants_snapshot(self) -> bool:
        """Syncing, and no snapshot asked for yet."""
        return self.state == "syncing" and not self._requested

    def snapshot_requested(self) -> int:
        """A snapshot request is leaving now (messages keep queueing); its generation."""
        self._requested = True
        return self.generation

    def snapshot_failed(self, generation: int | None = None) -> None:
        """The request did not bring a book; ask again when the budget allows."""
        if generation is None or generation == self.generation:
            self._requested = False

    def resync(self, reason: ResyncReason) -> None:
        """Forget the book and start queueing for a new snapshot."""
        self.state, self.reason, self.full = "syncing", reason, None
        self._queue.clear()
        self._settled = False
        self._requested = False
        self.generation += 1
        self.stats.resyncs += 1

    def on_diff(self, diff: BookDiff) -> bool:
        """One message from the stream; True when the book changed."""
        if self.state == "syncing":
            self._enqueue(diff)
            return False
        full = self.full
        assert full is not None
        if diff.sequence == full.sequence + 1:
            full.apply(diff)
            self._settled = True
            self.stats.applied += 1
            return True
        if diff.sequence <= full.sequence:
            if not self._settled:  # sent before the snapshot was taken, arriving after it
                self.stats.dropped_before_snapshot += 1
                return False
            self.stats.duplicates += 1
            self.resync("duplicate")
            return False
        self.stats.gaps += 1
        self.resync("gap")
        self._enqueue(diff)  # the newest message may already follow the next snapshot
        return False

    def _enqueue(self, diff: BookDiff) -> None:
        if len(self._queue) >= self.max_queue:  # the oldest go; the snapshot will tell if it hurt
            self._queue.popleft()
        self._queue.append(diff)

    def on_snapshot(self, snapshot: OrderBook, generation: int | None = None) -> bool:
        """A non-aggregated REST book: replay the queue over it; True when the book is live.

        A snapshot asked for before the last resync (``generation``) is ignored: the stream it
        belonged to is gone.
        """
        if generation is not None and generation != self.generation:
            return self.live
        self._requested = False
        if self.state == "live":
            return True
        self.stats.snapshots += 1
        full = FullBook.from_snapshot(snapshot)
        queued, self._queue = list(self._queue), deque()
        applied = False
        for at, diff in enumerate(queued):
            if diff.sequence <= full.sequence:
                self.stats.dropped_before_snapshot += 1
                continue
            if diff.sequence != full.sequence + 1:  # a gap after the snapshot, or reordered
                self.stats.gaps += 1
                self.resync("stale_snapshot")
                self._queue.extend(queued[at:])  # may still follow the next snapshot
                return False
            full.apply(diff)
            self.stats.applied += 1
            applied = True
        self.full, self.state = full, "live"
        # Messages arrive in order on one socket: once one above the snapshot is applied, an
        # older sequence can only be a repeat. Before that it may be one sent before the snapshot.
        self._settled = applied
        return True

    def queued(self) -> int:
        return len(self._queue)
