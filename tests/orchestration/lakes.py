"""Small lakes for the audit and compaction tests: window files written by the real writer."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bitsodata.domain.observation import Observation
from bitsodata.lake.storage import Storage
from bitsodata.lake.windowfile import write_window

WINDOW = 600


def at(text: str) -> int:
    """Epoch seconds of a UTC ``YYYY-MM-DDTHH:MM`` text."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def ok(book: str, tick: int) -> Observation:
    bid = Decimal("1200000.5") + tick % 11
    return Observation(tick, book, bid, bid + 480, Decimal("0.0399"), None, tick - 0.2, 200, "ws",
                       "ok", tick)  # fmt: skip


def rows(
    book: str, start: int, *, every_nth_missing: int = 0, count: int = WINDOW
) -> list[Observation]:
    """``count`` seconds from ``start``; every n-th second a ``missing`` row when asked."""
    out = []
    for tick in range(start, start + count):
        gap = every_nth_missing and tick % every_nth_missing == 0
        out.append(Observation.missing(tick, book) if gap else ok(book, tick))
    return out


def put_window(storage: Storage, book: str, start: int, fmt: str = "parquet", **kw: int) -> str:
    return write_window(storage, book, start, rows(book, start, **kw), fmt)
