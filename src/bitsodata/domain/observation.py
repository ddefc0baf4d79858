"""One row per book per second: the brief's five columns first, then our extras.

The status of a row and the prices it keeps follow one table, ``STATUS_TABLE``, read top to bottom
(the first condition that holds decides):

    1. ``missing``  no top of book at all                       no bid, ask or spread
    2. ``stale``    the source is suspect (link silent, REST     bid and ask as last known; the
                    value older than ``stale_after_seconds``)    spread when two-sided, uncrossed
    3. ``missing``  a side of the book is empty                 no bid, ask or spread
    4. ``crossed``  best ask at or below best bid               bid and ask, no spread
    5. ``ok``       otherwise                                   bid, ask and spread

Freshness comes first: a frozen source says nothing about the book's present shape, so a
37-second-old crossed or one-sided book is ``stale``. A ``missing`` row never carries a price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from bitsodata.domain.depth import DepthRow
from bitsodata.domain.windows import iso_second

Status = Literal["ok", "stale", "missing", "crossed"]
STATUSES: tuple[Status, ...] = ("ok", "stale", "missing", "crossed")


@dataclass(frozen=True, slots=True)
class StatusRule:
    """One line of the status table."""

    status: Status
    when: str
    keeps_prices: bool
    """Whether the row carries bid and ask (as known; a side may be null when ``stale``)."""
    keeps_spread: bool
    """Whether the row carries the spread (only ever when two-sided and uncrossed)."""


STATUS_TABLE: tuple[StatusRule, ...] = (
    StatusRule("missing", "no top of book at all", keeps_prices=False, keeps_spread=False),
    StatusRule("stale", "the source is suspect", keeps_prices=True, keeps_spread=True),
    StatusRule("missing", "a side of the book is empty", keeps_prices=False, keeps_spread=False),
    StatusRule("crossed", "best ask at or below best bid", keeps_prices=True, keeps_spread=False),
    StatusRule("ok", "otherwise", keeps_prices=True, keeps_spread=True),
)
"""Priority order: the first rule whose condition holds gives the row its status and prices."""


def status_rule(*, has_top: bool, fresh: bool, two_sided: bool, crossed: bool) -> StatusRule:
    """The line of ``STATUS_TABLE`` that decides a row (conditions in table order)."""
    holds = (not has_top, not fresh, not two_sided, crossed, True)
    return next(rule for rule, cond in zip(STATUS_TABLE, holds, strict=True) if cond)


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
