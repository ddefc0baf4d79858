"""``build_report_data``: everything a report shows, asked of the analysis API.

Series are resampled by the lake at a bucket chosen from the range; the histogram and the
week-hour matrix are aggregated in DuckDB over the observations (no row comes into Python);
the summary figures are the lake's own ``spread stats`` over every second.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from bitsodata.alerts.rules import ALL_BOOKS, DEFAULT_RULES, Rule
from bitsodata.errors import LakeError
from bitsodata.lake.stats import DEFAULT_THRESHOLDS, SpreadStats
from bitsodata.report.model import (
    HEATMAP_MIN_SECONDS,
    AlertEpisode,
    BookReport,
    Bucket,
    HistogramBin,
    ReportData,
    WeekHourMatrix,
    choose_interval,
)

HISTOGRAM_BINS = 60
HISTOGRAM_TOP_QUANTILE = 0.995
"""Bins span [min, this quantile); the last bin also holds the long tail above it."""


class Relation(Protocol):
    """The part of ``duckdb.DuckDBPyRelation`` the report uses."""

    def query(self, virtual_table_name: str, sql_query: str) -> Any: ...


class EpisodeLike(Protocol):
    @property
    def rule(self) -> str: ...
    @property
    def book(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def threshold(self) -> float: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def ended_at(self) -> datetime | None: ...
    @property
    def peak_spread(self) -> float: ...


class AnalysisLake(Protocol):
    """The analysis API's lake (``bitsodata.analysis.open_lake``), as far as reports need it."""

    def books(self) -> list[str]: ...
    def observations(self, books: Any = None, start: Any = None, end: Any = None) -> Any: ...
    def resample(
        self,
        interval: str = "1min",
        books: Any = None,
        start: Any = None,
        end: Any = None,
        thresholds: Any = (0.1, 0.5, 1.0),
    ) -> Any: ...
    def stats(
        self, books: Any = None, start: Any = None, end: Any = None, thresholds: Any = ()
    ) -> Sequence[SpreadStats]: ...
    def episodes(
        self, start: Any, end: Any, books: Any = None, rules: Any = None
    ) -> Sequence[EpisodeLike]: ...


def rules_for(thresholds: Sequence[Decimal]) -> tuple[Rule, ...]:
    """One alert rule per threshold for every book (the default rules for the default thresholds):
    the lowest is ``info``, the highest ``critical``, the others ``warning``."""
    if tuple(thresholds) == DEFAULT_THRESHOLDS:
        return DEFAULT_RULES
    ordered = sorted(set(thresholds))

    def severity(i: int) -> str:
        if len(ordered) > 1 and i == 0:
            return "info"
        return "critical" if len(ordered) > 1 and i == len(ordered) - 1 else "warning"

    return tuple(
        Rule(f"spread-{t}", ALL_BOOKS, t, severity=severity(i)) for i, t in enumerate(ordered)
    )


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _check_books(lake: AnalysisLake, books: Sequence[str] | None) -> tuple[str, ...]:
    known = lake.books()
    if not books:
        if not known:
            raise LakeError("the lake holds no observation")
        return tuple(sorted(known))
    unknown = [b for b in books if b not in known]
    if unknown:
        have = ", ".join(sorted(known)) or "none"
        raise LakeError(f"unknown book {unknown[0]!r} (the lake has: {have})", book=unknown[0])
    return tuple(dict.fromkeys(books))


_SERIES = """
select book, epoch(bucket_at), n_seconds, open, high, low, close, mean,
       share_ok, share_stale, share_missing, share_crossed
from r order by book, bucket_at
"""


def _series(rel: Relation) -> dict[str, list[Bucket]]:
    out: dict[str, list[Bucket]] = {}
    for book, at, n, o, h, lo, c, m, ok, stale, missing, crossed in rel.query(
        "r", _SERIES
    ).fetchall():
        bucket = Bucket(
            _utc(at),
            int(n),
            o,
            h,
            lo,
            c,
            m,
            ok or 0.0,
            stale or 0.0,
            missing or 0.0,
            crossed or 0.0,
        )
        out.setdefault(book, []).append(bucket)
    return out


_HISTOGRAM = f"""
with s as (select book, spread from obs where spread is not null),
edges as (
    select book, min(spread) as lo, quantile_cont(spread, {HISTOGRAM_TOP_QUANTILE}) as hi
    from s group by book
),
binned as (
    select s.book, e.lo, e.hi,
           case when e.hi <= e.lo then 0
                else least(greatest(floor((s.spread - e.lo) * {HISTOGRAM_BINS} / (e.hi - e.lo)), 0),
                           {HISTOGRAM_BINS - 1})
           end::integer as bin
    from s join edges e using (book)
)
select book, lo, hi, bin, count(*) from binned group by all order by book, bin
"""


def _histograms(obs: Relation) -> dict[str, list[HistogramBin]]:
    counts: dict[str, dict[int, int]] = {}
    edges: dict[str, tuple[float, float]] = {}
    for book, lo, hi, index, n in obs.query("obs", _HISTOGRAM).fetchall():
        counts.setdefault(book, {})[index] = n
        edges[book] = (lo, hi)
    out = {}
    for book, (lo, hi) in edges.items():
        if hi <= lo:
            out[book] = [HistogramBin(lo, lo + 1e-6, counts[book][0])]
            continue
        width = (hi - lo) / HISTOGRAM_BINS
        out[book] = [
            HistogramBin(lo + i * width, lo + (i + 1) * width, counts[book].get(i, 0))
            for i in range(HISTOGRAM_BINS)
        ]
    return out


_WEEK_HOURS = """
select book, isodow(t) - 1 as day, hour(t) as hour, avg(spread), count(spread)
from (select book, spread, timezone('UTC', observed_at) as t from obs where spread is not null)
group by all
"""


def _week_hours(obs: Relation) -> dict[str, WeekHourMatrix]:
    means: dict[str, list[list[float | None]]] = {}
    seconds: dict[str, list[list[int]]] = {}
    for book, day, hour, mean, n in obs.query("obs", _WEEK_HOURS).fetchall():
        means.setdefault(book, [[None] * 24 for _ in range(7)])[day][hour] = mean
        seconds.setdefault(book, [[0] * 24 for _ in range(7)])[day][hour] = n
    return {
        book: WeekHourMatrix(
            mean=tuple(tuple(row) for row in means[book]),
            seconds=tuple(tuple(row) for row in seconds[book]),
        )
        for book in means
    }


def _episode(ep: EpisodeLike) -> AlertEpisode:
    return AlertEpisode(
        rule=ep.rule,
        severity=ep.severity,
        threshold=float(ep.threshold),
        started_at=ep.started_at,
        ended_at=ep.ended_at,
        peak_spread=ep.peak_spread,
    )


def build_report_data(
    lake: AnalysisLake,
    books: Sequence[str] | None,
    start: datetime,
    end: datetime,
    thresholds: Sequence[Decimal] = DEFAULT_THRESHOLDS,
    *,
    rules: Sequence[Rule] | None = None,
    lake_label: str = "",
    now: datetime | None = None,
) -> ReportData:
    """The report of ``books`` (all when empty) over [start, end), both UTC datetimes.

    ``rules`` are replayed for the alert episodes (default: one rule per threshold). Raises
    ``LakeError`` for an unknown book, an empty range, or a range with no observation at all.
    """
    if end <= start:
        raise LakeError("empty range: --to must be after --from", start=start, end=end)
    names = _check_books(lake, books)
    span = int((end - start).total_seconds())
    interval = choose_interval(span)
    floats = tuple(float(t) for t in thresholds)
    stats = {s.book: s for s in lake.stats(list(names), start, end, tuple(thresholds))}
    if not any(s.rows for s in stats.values()):
        raise LakeError(f"no observation of {', '.join(names)} in the range", start=start, end=end)
    series = _series(lake.resample(interval.name, list(names), start, end, floats))
    obs = lake.observations(list(names), start, end)
    histograms = _histograms(obs)
    weeks = _week_hours(obs) if span >= HEATMAP_MIN_SECONDS else {}
    replayed = lake.episodes(start, end, list(names), list(rules or rules_for(thresholds)))
    reports = tuple(
        BookReport(
            book=book,
            series=tuple(series.get(book, ())),
            histogram=tuple(histograms.get(book, ())),
            week_hours=weeks.get(book),
            episodes=tuple(_episode(e) for e in replayed if e.book == book),
            stats=stats[book].to_dict(),
        )
        for book in names
    )
    return ReportData(
        start=start,
        end=end,
        interval=interval,
        thresholds=tuple(thresholds),
        generated_at=now or datetime.now(UTC),
        books=reports,
        lake=lake_label,
    )
