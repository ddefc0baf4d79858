"""Window assembly: rows collected per clock-aligned window, completed to exactly one per second.

A window ``[T, T + window_seconds)`` is complete once its last second has been observed (or has
passed); seconds without a row become ``missing`` rows, so every book's file holds exactly
``window_seconds`` rows in tick order. The first row seen for a (tick, book) wins: a replay never
duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bitsodata.domain.observation import Observation
from bitsodata.domain.windows import check_window_seconds, window_start, window_ticks


@dataclass(frozen=True, slots=True)
class CompletedWindow:
    """Every book's rows of one window, each exactly ``window_seconds`` long."""

    start: int
    window_seconds: int
    rows: dict[str, tuple[Observation, ...]]
    filled: dict[str, int] = field(default_factory=dict)
    """Per book: seconds that had no row at all and were filled as ``missing``."""

    @property
    def end(self) -> int:
        """First second after the window."""
        return self.start + self.window_seconds


def complete_rows(
    book: str, start: int, window_seconds: int, rows: Iterable[Observation]
) -> tuple[tuple[Observation, ...], int]:
    """One row per second of the window (first row per tick wins), and how many were filled."""
    by_tick: dict[int, Observation] = {}
    for row in rows:
        if row.book == book and start <= row.tick < start + window_seconds:
            by_tick.setdefault(row.tick, row)
    out = []
    filled = 0
    for tick in window_ticks(start, window_seconds):
        found = by_tick.get(tick)
        if found is None:
            found, filled = Observation.missing(tick, book), filled + 1
        out.append(found)
    return tuple(out), filled


class WindowAssembler:
    """Holds the rows of open windows until they complete."""

    def __init__(self, books: Sequence[str], window_seconds: int) -> None:
        self.books = tuple(books)
        self.window_seconds = check_window_seconds(window_seconds)
        self._open: dict[int, dict[tuple[int, str], Observation]] = {}

    def add(self, row: Observation) -> bool:
        """Keep a row; False when that (tick, book) was already held (the row is ignored)."""
        start = window_start(row.tick, self.window_seconds)
        rows = self._open.setdefault(start, {})
        key = (row.tick, row.book)
        if key in rows:
            return False
        rows[key] = row
        return True

    def add_many(self, rows: Iterable[Observation]) -> int:
        """Keep many rows; the number that were new."""
        return sum(self.add(row) for row in rows)

    def open_windows(self) -> list[int]:
        """Starts of the windows holding rows, oldest first."""
        return sorted(self._open)

    def rows(self, start: int) -> list[Observation]:
        """Rows held for a window so far, in (tick, book) order."""
        held = self._open.get(start, {})
        return [held[key] for key in sorted(held)]

    def complete(self, start: int) -> CompletedWindow:
        """Close a window (held or not): every book gets exactly ``window_seconds`` rows."""
        held = self._open.pop(start, {})
        books = sorted(set(self.books) | {book for _tick, book in held})
        rows: dict[str, tuple[Observation, ...]] = {}
        filled: dict[str, int] = {}
        for book in books:
            rows[book], filled[book] = complete_rows(
                book, start, self.window_seconds, held.values()
            )
        return CompletedWindow(start, self.window_seconds, rows, filled)

    def complete_through(self, tick: int) -> list[CompletedWindow]:
        """Close every held window whose last second is ``tick`` or earlier, oldest first."""
        last_closed_end = tick + 1
        due = [s for s in sorted(self._open) if s + self.window_seconds <= last_closed_end]
        return [self.complete(s) for s in due]
