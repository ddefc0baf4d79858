"""``build_report_data``: everything a report shows, from one read of the lake.

The range's rows are read once into a ``LakeSlice`` (four columns in memory): the summary is its
``spread stats`` over every second, the series are resampled from it at a bucket chosen from
the range, DuckDB aggregates the histogram and the week-hour matrix over it, and the alert rules
are replayed over its columns as numpy arrays (``analysis.replay``: exactly the engine's
episodes, at array speed). The depth rows are read in one pass too (medians and buckets). No
row ever becomes a Python object.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from bitsodata.alerts.rules import ALL_BOOKS, DEFAULT_RULES, Rule
from bitsodata.analysis.replay import STILL_FIRING, EpisodeArrays, replay_rule
from bitsodata.analysis.slice import LakeSlice
from bitsodata.errors import LakeError
from bitsodata.lake.source import sql_quote
from bitsodata.lake.stats import DEFAULT_THRESHOLDS, SpreadStats
from bitsodata.report.liquidity import depth_reports
from bitsodata.report.model import (
    HEATMAP_MIN_SECONDS,
    MAX_LISTED_EPISODES,
    AlertEpisode,
    BookReport,
    Bucket,
    HistogramBin,
    Interval,
    ReportData,
    RuleEpisodes,
    WeekHourMatrix,
    choose_interval,
)

HISTOGRAM_BINS = 60


class Relation(Protocol):
    """The part of ``duckdb.DuckDBPyRelation`` the report uses."""

    def query(self, virtual_table_name: str, sql_query: str) -> Any: ...


class AnalysisLake(Protocol):
    """The analysis API's lake (``bitsodata.analysis.open_lake``), as far as reports need it."""

    def books(self) -> list[str]: ...
    def slice(
        self, books: Any = None, start: Any = None, end: Any = None, depth_interval: Any = "1min"
    ) -> LakeSlice: ...


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


def _bin_edges(stats: dict[str, SpreadStats]) -> dict[str, tuple[float, float]]:
    """Book -> (lowest edge, bin width): bins span [min, p99), the last also holds the tail."""
    edges = {}
    for book, s in stats.items():
        if s.spread_min is None or s.spread_p99 is None:
            continue
        edges[book] = (s.spread_min, max(0.0, s.spread_p99 - s.spread_min) / HISTOGRAM_BINS)
    return edges


def _histogram_sql(edges: dict[str, tuple[float, float]]) -> str:
    """Seconds per spread bin of each book (bins from ``_bin_edges``)."""

    def per_book(index: int) -> str:
        arms = " ".join(
            f"when {sql_quote(book)} then {pair[index]!r}::double" for book, pair in edges.items()
        )
        return f"case book {arms} end"

    last = HISTOGRAM_BINS - 1
    lo, width = per_book(0), per_book(1)
    return f"""
select book, case when w <= 0 then 0
                  else least(greatest(floor((spread - lo) / w), 0), {last}) end::integer as bin,
       count(*)
from (select book, spread, {lo} as lo, {width} as w from obs where spread is not null)
where lo is not null
group by all
"""


# Hour by hour first (a few hundred rows a month), then folded into days of the week: day and
# hour come from epoch arithmetic (1970-01-01 was a Thursday, day 3 counting from Monday),
# several times faster than calendar functions on millions of rows.
_WEEK_SQL = """
with hourly as (
    select book, epoch_us(observed_at) // 3600000000 as h, count(*) as n, sum(spread) as total
    from obs where spread is not null group by all
)
select book, (h // 24 + 3) % 7 as day, h % 24 as hour, sum(n)::bigint, sum(total) / sum(n)
from hourly group by all
"""


def _shapes(
    obs: Relation, edges: dict[str, tuple[float, float]]
) -> tuple[dict[str, list[HistogramBin]], dict[str, WeekHourMatrix]]:
    """The histogram and the week-hour matrix of every book, aggregated inside DuckDB."""
    if not edges:
        return {}, {}
    counts: dict[str, dict[int, int]] = {}
    means: dict[str, list[list[float | None]]] = {}
    seconds: dict[str, list[list[int]]] = {}
    for book, index, n in obs.query("obs", _histogram_sql(edges)).fetchall():
        counts.setdefault(book, {})[index] = n
    for book, day, hour, n, mean in obs.query("obs", _WEEK_SQL).fetchall():
        means.setdefault(book, [[None] * 24 for _ in range(7)])[day][hour] = mean
        seconds.setdefault(book, [[0] * 24 for _ in range(7)])[day][hour] = n
    histograms = {}
    for book, (lo, width) in edges.items():
        if width <= 0:
            histograms[book] = [HistogramBin(lo, lo + 1e-4, counts.get(book, {}).get(0, 0))]
            continue
        histograms[book] = [
            HistogramBin(lo + i * width, lo + (i + 1) * width, counts.get(book, {}).get(i, 0))
            for i in range(HISTOGRAM_BINS)
        ]
    weeks = {
        book: WeekHourMatrix(
            mean=tuple(tuple(row) for row in means[book]),
            seconds=tuple(tuple(row) for row in seconds[book]),
        )
        for book in means
    }
    return histograms, weeks


def _rule_episodes(
    rows: LakeSlice,
    book: str,
    end: datetime,
    rules: Sequence[Rule],
    gap_seconds: int,
) -> tuple[tuple[RuleEpisodes, ...], tuple[AlertEpisode, ...]]:
    """Replay ``rules`` over the book's rows (three numpy columns, never Python rows)."""
    chosen = [r for r in rules if r.applies_to(book)]
    if not chosen:
        return (), ()
    ticks, spread, usable = rows.replay_columns(book)
    stop = int(end.timestamp())
    summaries, listed = [], []
    for rule in chosen:
        found = replay_rule(ticks, spread, usable, rule)
        summaries.append(_summary(rule, found, stop, gap_seconds))
        listed.extend(_longest(rule, found, stop))
    listed.sort(key=lambda e: (e.ended_at or end) - e.started_at, reverse=True)
    top = sorted(listed[:MAX_LISTED_EPISODES], key=lambda e: (e.started_at, e.rule))
    return tuple(summaries), tuple(top)


def _lengths(found: EpisodeArrays, stop: int) -> npt.NDArray[np.int64]:
    return np.where(found.ended == STILL_FIRING, stop, found.ended) - found.started


def _summary(rule: Rule, found: EpisodeArrays, stop: int, gap_seconds: int) -> RuleEpisodes:
    lengths = _lengths(found, stop)
    return RuleEpisodes(
        rule=rule.name,
        severity=rule.severity,
        threshold=float(rule.above),
        episodes=len(found),
        firing_seconds=int(lengths.sum()),
        longest_seconds=int(lengths.max()) if len(found) else 0,
        still_firing=bool(len(found) and found.ended[-1] == STILL_FIRING),
        spans=_spans(found, stop, gap_seconds),
    )


def _spans(
    found: EpisodeArrays, stop: int, gap_seconds: int
) -> tuple[tuple[datetime, datetime], ...]:
    """Firing spans at chart resolution: episodes closer than ``gap_seconds`` merged, each at
    least ``gap_seconds`` wide (a one-second episode would be thinner than a pixel)."""
    if not len(found):
        return ()
    ends = np.where(found.ended == STILL_FIRING, stop, found.ended)
    ends = np.minimum(np.maximum(ends, found.started + gap_seconds), stop)
    fresh = np.ones(len(found), dtype=bool)
    fresh[1:] = found.started[1:] - ends[:-1] > gap_seconds
    firsts = np.flatnonzero(fresh)
    lasts = np.append(firsts[1:], len(found)) - 1
    return tuple(
        (_utc(int(a)), _utc(int(b)))
        for a, b in zip(found.started[firsts], ends[lasts], strict=True)
    )


def _longest(rule: Rule, found: EpisodeArrays, stop: int) -> list[AlertEpisode]:
    order = np.argsort(-_lengths(found, stop), kind="stable")[:MAX_LISTED_EPISODES]
    return [
        AlertEpisode(
            rule=rule.name,
            severity=rule.severity,
            threshold=float(rule.above),
            started_at=_utc(int(found.started[i])),
            ended_at=None if found.ended[i] == STILL_FIRING else _utc(int(found.ended[i])),
            peak_spread=float(found.peak[i]),
        )
        for i in order
    ]


def _book_reports(
    rows: LakeSlice,
    names: Sequence[str],
    end: datetime,
    interval: Interval,
    thresholds: Sequence[Decimal],
    rules: Sequence[Rule] | None,
) -> tuple[BookReport, ...]:
    stats = {s.book: s for s in rows.stats(thresholds)}
    if not any(s.rows for s in stats.values()):
        raise LakeError(
            f"no observation of {', '.join(names)} in the range", start=rows.start, end=rows.end
        )
    floats = tuple(float(t) for t in thresholds)
    series = _series(rows.resample(interval.name, floats))
    histograms, weeks = _shapes(rows.rows(), _bin_edges(stats))
    if rows.end - rows.start < HEATMAP_MIN_SECONDS:
        weeks = {}
    medians = {book: s.depth for book, s in stats.items()}
    depths = depth_reports(rows, names, interval.name, medians)
    replayed = list(rules or rules_for(thresholds))
    reports = []
    for book in names:
        summaries, longest = _rule_episodes(rows, book, end, replayed, interval.seconds)
        reports.append(
            BookReport(
                book=book,
                series=tuple(series.get(book, ())),
                histogram=tuple(histograms.get(book, ())),
                week_hours=weeks.get(book),
                episodes=longest,
                rules=summaries,
                stats=stats[book].to_dict(),
                depth=depths.get(book),
            )
        )
    return tuple(reports)


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
    with lake.slice(list(names), start, end, interval.name) as rows:
        reports = _book_reports(rows, names, end, interval, thresholds, rules)
    return ReportData(
        start=start,
        end=end,
        interval=interval,
        thresholds=tuple(thresholds),
        generated_at=now or datetime.now(UTC),
        books=reports,
        lake=lake_label,
    )
