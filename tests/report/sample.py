"""Hand-made ``ReportData`` for renderer tests (no lake needed): smooth, deterministic series."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bitsodata.report.model import (
    AlertEpisode,
    BookReport,
    Bucket,
    DepthBucket,
    DepthReport,
    DepthSummary,
    HistogramBin,
    ReportData,
    RuleEpisodes,
    WeekHourMatrix,
    choose_interval,
)

START = datetime(2024, 5, 1, tzinfo=UTC)
THRESHOLDS = (Decimal("0.1"), Decimal("0.5"), Decimal("1.0"))


def _bucket(at: datetime, level: float, n: int) -> Bucket:
    return Bucket(at, n, level, level * 1.6, level * 0.6, level * 1.1, level, 0.9, 0.04, 0.05, 0.01)


def sample_book(book: str, start: datetime, seconds: int, base: float) -> BookReport:
    interval = choose_interval(seconds)
    count = seconds // interval.seconds
    series = tuple(
        _bucket(
            start + timedelta(seconds=i * interval.seconds),
            base * (1 + 0.5 * math.sin(i / 15)) + (0.6 if count // 3 < i < count // 3 + 8 else 0),
            interval.seconds,
        )
        for i in range(count)
        if not count // 2 < i < count // 2 + 5  # a gap: no row in those buckets
    )
    bins = tuple(
        HistogramBin(
            base * i / 20, base * (i + 1) / 20, int(1000 * math.exp(-((i - 20) ** 2) / 60))
        )
        for i in range(60)
    )
    weeks = WeekHourMatrix(
        mean=tuple(
            tuple(base * (1 + 0.3 * math.cos(h / 4 + d)) for h in range(24)) for d in range(7)
        ),
        seconds=tuple(tuple(3600 for _h in range(24)) for _d in range(7)),
    )
    spike = start + timedelta(seconds=(count // 3 + 1) * interval.seconds)
    episodes = (
        AlertEpisode(
            "spread-0.5",
            "warning",
            0.5,
            spike,
            spike + timedelta(seconds=5 * interval.seconds),
            0.71,
        ),
        AlertEpisode("spread-0.1", "info", 0.1, start, None, 0.71),
    )
    stats = {
        "book": book,
        "from": start.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "to": (start + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "rows": seconds - 5 * interval.seconds,
        "missing_rows": 12,
        "missing_pct": 100 * 12 / (seconds - 5 * interval.seconds),
        "absent_seconds": 5 * interval.seconds,
        "spread": {
            "min": base * 0.5,
            "mean": base,
            "p50": base * 0.98,
            "p95": base * 1.5,
            "p99": base * 1.9,
            "max": base + 0.6,
        },
        "seconds_above": {"0.1": seconds // 2, "0.5": 8 * interval.seconds, "1.0": 0},
    }
    rules = (
        RuleEpisodes(
            "spread-0.1",
            "info",
            0.1,
            1,
            seconds,
            seconds,
            True,
            ((start, start + timedelta(seconds=seconds)),),
        ),
        RuleEpisodes(
            "spread-0.5",
            "warning",
            0.5,
            1,
            5 * interval.seconds,
            5 * interval.seconds,
            False,
            ((episodes[0].started_at, episodes[0].ended_at),),  # type: ignore[arg-type]
        ),
    )
    weekly = weeks if seconds >= 3 * 86_400 else None
    return BookReport(book, series, bins, weekly, episodes, rules, stats)


SAMPLE_SIZES = {"btc_mxn": ("0p1btc", "1btc"), "usd_mxn": ("1000usd",)}


def sample_depth(book: str, series: tuple[Bucket, ...]) -> DepthReport:
    """Depth following the spread's buckets inversely (a wide spread, a thin book)."""
    sizes = SAMPLE_SIZES.get(book, ("1btc",))
    buckets = tuple(
        DepthBucket(
            b.bucket_at,
            b.n_seconds,
            0.8,
            2.0 / (1 + 10 * (b.mean or 0)),
            1.5 / (1 + 10 * (b.mean or 0)),
            {
                f"slippage_{way}_{size}_bp": (b.mean or 0) * 50 * (k + 1) + (way == "sell")
                for k, size in enumerate(sizes)
                for way in ("buy", "sell")
            },
        )
        for b in series
    )
    rows = sum(b.n_seconds for b in series)
    summary = DepthSummary(rows, rows, 0.8, 1.25, 0.95, sizes[0], 6.5, 7.5)
    return DepthReport(sizes, buckets, summary)


def sample_report(
    seconds: int = 7 * 86_400,
    books: tuple[str, ...] = ("btc_mxn", "usd_mxn"),
    depth: tuple[str, ...] = (),
) -> ReportData:
    """``depth``: the books that get a liquidity part (the others have no depth rows)."""
    bases = {"btc_mxn": 0.12, "usd_mxn": 0.05}
    made = [sample_book(b, START, seconds, bases.get(b, 0.08)) for b in books]
    return ReportData(
        start=START,
        end=START + timedelta(seconds=seconds),
        interval=choose_interval(seconds),
        thresholds=THRESHOLDS,
        generated_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        books=tuple(
            replace(b, depth=sample_depth(b.book, b.series)) if b.book in depth else b for b in made
        ),
        lake="/data/lake",
    )
