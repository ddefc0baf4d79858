"""Data-quality conditions judged every tick: stream down, book stale or missing, window late or
incomplete. Each becomes a FIRING/RESOLVED pair through ``AlertEngine.quality`` (once each).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bitsodata.alerts.engine import AlertEngine, AlertEvent
from bitsodata.domain.observation import Observation
from bitsodata.domain.windows import iso_second

STREAM_DOWN = "stream_down"
BOOK_STALE = "book_stale"
WINDOW_LATE = "window_late"
WINDOW_INCOMPLETE = "window_incomplete"
ALL = "*"


class LinkView(Protocol):
    """The part of ``exchange.feed.LinkState`` the checks read."""

    @property
    def ws_connected(self) -> bool: ...

    @property
    def last_frame_at(self) -> float | None: ...


def link_alive(link: LinkView, tick: int, stale_after: float) -> bool:
    """Connected and carrying traffic within ``stale_after`` seconds."""
    last = link.last_frame_at
    return link.ws_connected and last is not None and tick - last <= stale_after


class QualityChecks:
    """Remembers since when each condition holds; fires once it has held ``after`` seconds.

    A condition seen again while its alert is firing (one restored after a restart) holds since
    the alert began: it resolves when the condition is seen to clear, not because the hold timer
    started afresh with the process.
    """

    def __init__(
        self, engine: AlertEngine, *, stale_after: float, after: float, late_after: float
    ) -> None:
        self._engine = engine
        self._stale_after = stale_after
        self._after = after
        self._late_after = late_after
        self._down_since: int | None = None
        self._bad_since: dict[str, int] = {}

    def on_tick(self, tick: int, link: LinkView, rows: Sequence[Observation]) -> list[AlertEvent]:
        """Stream and per-book freshness at this tick."""
        events: list[AlertEvent] = []
        if link_alive(link, tick, self._stale_after):
            self._down_since = None
        elif self._down_since is None:
            self._down_since = self._began(STREAM_DOWN, ALL, tick)
        down = self._held(self._down_since, tick)
        message = (
            f"stream down since {iso_second(self._down_since)}"
            if down and self._down_since is not None
            else "stream back"
        )
        events += self._engine.quality(STREAM_DOWN, ALL, down, tick, message)
        for row in rows:
            events += self._book(row)
        return events

    def _began(self, name: str, book: str, tick: int) -> int:
        """Since when a condition seen at ``tick`` holds: since its firing alert began, if any."""
        since = self._engine.quality_since(name, book)
        return tick if since is None else min(since, tick)

    def _held(self, since: int | None, tick: int) -> bool:
        return since is not None and tick - since >= self._after

    def _book(self, row: Observation) -> list[AlertEvent]:
        if row.status in ("stale", "missing"):
            since = self._bad_since.get(row.book)
            if since is None:
                since = self._bad_since[row.book] = self._began(BOOK_STALE, row.book, row.tick)
        else:
            self._bad_since.pop(row.book, None)
            since = None
        holding = self._held(since, row.tick)
        message = (
            f"{row.book} {row.status} since {iso_second(since)}"
            if holding and since is not None
            else f"{row.book} fresh again"
        )
        return self._engine.quality(BOOK_STALE, row.book, holding, row.tick, message)

    def window_pending(self, tick: int, oldest_unwritten_end: int | None) -> list[AlertEvent]:
        """Late when the oldest window not in the lake ended ``late_after`` seconds ago."""
        late = oldest_unwritten_end is not None and tick - oldest_unwritten_end >= self._late_after
        message = (
            f"window ending {iso_second(oldest_unwritten_end)} not in the lake yet"
            if late and oldest_unwritten_end is not None
            else "window files up to date"
        )
        return self._engine.quality(WINDOW_LATE, ALL, late, tick, message)

    def window_written(self, book: str, end: int, rows: Sequence[Observation]) -> list[AlertEvent]:
        """Incomplete when a written window has ``missing`` rows (a gap in the data)."""
        missing = sum(1 for row in rows if row.status == "missing")
        message = (
            f"{book} window ending {iso_second(end)}: {missing} of {len(rows)} seconds missing"
            if missing
            else f"{book} window ending {iso_second(end)} complete"
        )
        return self._engine.quality(WINDOW_INCOMPLETE, book, missing > 0, end, message)
