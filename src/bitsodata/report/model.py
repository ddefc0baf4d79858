"""What a spread report shows, as typed frozen data: built from the lake by ``build``, drawn by
``render``. Chart series are downsampled to buckets; the summary figures never are."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

MAX_POINTS = 2_000
"""At most this many buckets per chart series, whatever the range."""

MAX_LISTED_EPISODES = 25
"""The report lists this many of the longest episodes of each book (all are counted)."""

HEATMAP_MIN_SECONDS = 3 * 86_400
"""Ranges at least this long get the time-of-day x day-of-week heatmap."""

_INTERVALS: tuple[tuple[int, str], ...] = (
    (1, "1s"),
    (2, "2s"),
    (5, "5s"),
    (10, "10s"),
    (15, "15s"),
    (30, "30s"),
    (60, "1min"),
    (120, "2min"),
    (300, "5min"),
    (600, "10min"),
    (900, "15min"),
    (1_800, "30min"),
    (3_600, "1h"),
    (7_200, "2h"),
    (10_800, "3h"),
    (21_600, "6h"),
    (43_200, "12h"),
    (86_400, "1d"),
)


@dataclass(frozen=True)
class Interval:
    """A chart bucket: its length and its name in the analysis API (``"30s"``, ``"1h"``)."""

    seconds: int
    name: str


def choose_interval(range_seconds: int, max_points: int = MAX_POINTS) -> Interval:
    """The shortest round bucket that keeps a series of ``range_seconds`` within ``max_points``."""
    for seconds, name in _INTERVALS:
        if range_seconds <= seconds * max_points:
            return Interval(seconds, name)
    seconds, name = _INTERVALS[-1]
    return Interval(seconds, name)


@dataclass(frozen=True)
class Bucket:
    """One chart bucket of one book: the spread (percent) and how its seconds were covered."""

    bucket_at: datetime
    n_seconds: int
    """Rows in the bucket (one per second the collector covered)."""
    open: float | None
    high: float | None
    low: float | None
    close: float | None
    mean: float | None
    share_ok: float
    share_stale: float
    share_missing: float
    share_crossed: float


@dataclass(frozen=True)
class HistogramBin:
    """Seconds whose spread fell in [lower, upper); the last bin also holds everything above."""

    lower: float
    upper: float
    seconds: int


@dataclass(frozen=True)
class WeekHourMatrix:
    """Mean spread by UTC day of week (rows, Monday first) and hour of day (columns, 0-23)."""

    mean: tuple[tuple[float | None, ...], ...]
    seconds: tuple[tuple[int, ...], ...]
    """Seconds with a spread behind each cell."""


@dataclass(frozen=True)
class AlertEpisode:
    """A span during which an alert rule was firing for the book."""

    rule: str
    severity: str
    threshold: float
    started_at: datetime
    ended_at: datetime | None
    """None: still firing at the end of the range."""
    peak_spread: float | None = None


@dataclass(frozen=True)
class RuleEpisodes:
    """Every episode of one alert rule on the book, summed up, and its firing spans for the
    chart (episodes closer than a chart bucket merged: the chart cannot tell them apart)."""

    rule: str
    severity: str
    threshold: float
    episodes: int
    firing_seconds: int
    """Seconds firing in the range (an alert still firing counts up to the end)."""
    longest_seconds: int
    still_firing: bool
    spans: tuple[tuple[datetime, datetime], ...]


SIZE_LABEL = re.compile(r"^(?P<amount>[0-9]+(?:p[0-9]+)?)(?P<currency>[a-z][a-z0-9]*)$")
"""A size's part of a column name: ``0p1btc``, ``10000usd`` (``domain.depth.NotionalSize``)."""


def size_text(label: str) -> str:
    """``0p1btc`` -> ``0.1 btc``: a size label (the one in column names) as people read it."""
    match = SIZE_LABEL.match(label)
    if match is None:
        return label
    return f"{match['amount'].replace('p', '.')} {match['currency']}"


@dataclass(frozen=True)
class DepthBucket:
    """One chart bucket of a book's depth rows: means over the seconds measured in it."""

    bucket_at: datetime
    n_seconds: int
    share_diff: float
    """Share of the bucket's seconds measured on the exact book (``depth_source = "diff"``)."""
    bid_1pct: float | None
    """Mean base amount bid within 1 % of mid."""
    ask_1pct: float | None
    slippage: dict[str, float | None]
    """``slippage_<buy|sell>_<size>_bp`` -> mean slippage in basis points."""


@dataclass(frozen=True)
class DepthSummary:
    """Figures over every depth row of the range (never the chart buckets)."""

    rows: int
    measured: int
    """Rows with a book measured (exact or top-20 fallback); 0: the collector never had one."""
    share_diff: float
    """Share of the rows measured on the exact book."""
    median_bid_1pct: float | None
    median_ask_1pct: float | None
    size: str | None
    """Label of the smallest size priced (``0p1btc``); None when the book has no sizes."""
    median_slippage_buy: float | None
    median_slippage_sell: float | None


@dataclass(frozen=True)
class DepthReport:
    """The liquidity of one book: its sizes, the bucketed series and the range's summary."""

    sizes: tuple[str, ...]
    """Size labels priced on the book, smallest first (``0p1btc``, ``1btc``)."""
    series: tuple[DepthBucket, ...]
    summary: DepthSummary


@dataclass(frozen=True)
class BookReport:
    """Everything the report shows about one book."""

    book: str
    series: tuple[Bucket, ...]
    histogram: tuple[HistogramBin, ...]
    week_hours: WeekHourMatrix | None
    """None when the range is too short for a day-of-week pattern."""
    episodes: tuple[AlertEpisode, ...]
    """The longest episodes (at most ``MAX_LISTED_EPISODES``), in time order."""
    rules: tuple[RuleEpisodes, ...]
    stats: dict[str, Any]
    """``SpreadStats.to_dict()``: the same figures as ``spread stats --format json``."""
    depth: DepthReport | None = None
    """None when the lake holds no depth row of the book in the range (older lakes)."""


@dataclass(frozen=True)
class ReportData:
    """A whole report: the range, the thresholds, and one ``BookReport`` per book."""

    start: datetime
    end: datetime
    interval: Interval
    thresholds: tuple[Decimal, ...]
    generated_at: datetime
    books: tuple[BookReport, ...]
    lake: str = ""
    """Where the data came from, as shown on the page."""
    title: str = "Spread report"
