"""One row per book per second: the brief's five columns first, then our extras."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from bitsodata.domain.depth import DepthRow
from bitsodata.domain.windows import iso_second

Status = Literal["ok", "stale", "missing", "crossed"]
STATUSES: tuple[Status, ...] = ("ok", "stale", "missing", "crossed")

# Column order of every lake file (the brief's five first).
COLUMNS: tuple[str, ...] = (
    "orderbook_timestamp",
    "book",
    "bid",
    "ask",
    "spread",
    "exchange_timestamp",
    "received_at",
    "age_ms",
    "source",
    "status",
    "sequence",
)


@dataclass(frozen=True, slots=True)
class Observation:
    """The state of one book at one whole-second tick."""

    tick: int
    """The tick, whole epoch seconds (UTC)."""
    book: str
    bid: Decimal | None
    ask: Decimal | None
    spread: Decimal | None
    exchange_timestamp: datetime | None
    received_at: float | None
    """Epoch seconds at which the top of book used for this row was received."""
    age_ms: int | None
    source: str | None
    status: Status
    sequence: int | None = None
    depth: DepthRow | None = None
    """Liquidity of the book at this tick (the ``depth`` table's row); None: no book to measure
    or depth is off. Never part of the spread file's columns."""

    @property
    def orderbook_timestamp(self) -> str:
        """The tick as ``YYYY-MM-DDTHH:MM:SS+00:00``."""
        return iso_second(self.tick)

    @classmethod
    def missing(cls, tick: int, book: str) -> Observation:
        """A second with no usable book."""
        return cls(tick, book, None, None, None, None, None, None, None, "missing")
