"""``spread stats``: books over [start, end) — rows, % missing, spread distribution, and the
seconds spent above each alert threshold (each row is one second)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import duckdb

from bitsodata.domain.windows import iso_second
from bitsodata.errors import LakeError
from bitsodata.lake.layout import DEPTH
from bitsodata.lake.query import resolve_books
from bitsodata.lake.reader import LakeReader, check_range
from bitsodata.lake.source import LakeSource

DEFAULT_THRESHOLDS: tuple[Decimal, ...] = (Decimal("0.1"), Decimal("0.5"), Decimal("1.0"))


@dataclass(frozen=True)
class SpreadStats:
    """Summary of one book's stored observations in [start, end)."""

    book: str
    start: int
    end: int
    rows: int
    """Stored rows (one per second the collector covered)."""
    missing_rows: int
    """Rows with status ``missing`` (no usable book that second)."""
    absent_seconds: int
    """Seconds of the range with no row at all (no window file covers them)."""
    spread_min: float | None
    spread_mean: float | None
    spread_p50: float | None
    spread_p95: float | None
    spread_p99: float | None
    spread_max: float | None
    seconds_above: dict[Decimal, int]
    depth: dict[str, float | None] | None = None
    """Liquidity over the same seconds, when the lake has ``depth/`` rows: the median of depth
    within 1 % of mid per side (base units), of each size's slippage (bp), and the share of
    seconds measured on the exact full book (``exact_book_share``). None without depth rows."""
    """Threshold (percent) -> seconds whose spread was strictly above it."""

    @property
    def missing_pct(self) -> float:
        """Share of the stored rows that are ``missing``, in percent (0 when there are no rows)."""
        return 100.0 * self.missing_rows / self.rows if self.rows else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: times as ISO-8601 UTC, thresholds as strings."""
        return {
            "book": self.book,
            "from": iso_second(self.start),
            "to": iso_second(self.end),
            "rows": self.rows,
            "missing_rows": self.missing_rows,
            "missing_pct": self.missing_pct,
            "absent_seconds": self.absent_seconds,
            "spread": {
                "min": self.spread_min,
                "mean": self.spread_mean,
                "p50": self.spread_p50,
                "p95": self.spread_p95,
                "p99": self.spread_p99,
                "max": self.spread_max,
            },
            "seconds_above": {str(t): n for t, n in self.seconds_above.items()},
            **({} if self.depth is None else {"depth": self.depth}),
        }


def parse_thresholds(text: str) -> tuple[Decimal, ...]:
    """``"0.1,0.5,1.0"`` -> decimals; each must be a non-negative number."""
    try:
        values = tuple(Decimal(part.strip()) for part in text.split(",") if part.strip())
    except ArithmeticError:
        raise LakeError("thresholds must be numbers, e.g. 0.1,0.5,1.0", thresholds=text) from None
    if not values or any(not v.is_finite() or v < 0 for v in values):
        raise LakeError("thresholds must be non-negative numbers", thresholds=text)
    return values


def _aggregates(thresholds: Sequence[Decimal]) -> str:
    above = "".join(f", count(*) filter (where spread > {float(t)!r}::double)" for t in thresholds)
    return (
        # the mean sums exact decimals: the same figure whatever order the threads add rows in
        "book, count(*), count(*) filter (where status = 'missing'), min(spread), "
        "avg(spread::decimal(38, 18))::double, "
        f"quantile_cont(spread, [0.5, 0.95, 0.99]), max(spread){above}"
    )


def spread_stats_many(
    source: LakeSource | LakeReader,
    books: Sequence[str] | None,
    start: int,
    end: int,
    thresholds: Sequence[Decimal] = DEFAULT_THRESHOLDS,
) -> list[SpreadStats]:
    """Stats of each of ``books`` (default: every book of the lake) over [start, end)."""
    check_range(start, end)
    reader = source if isinstance(source, LakeReader) else LakeReader(source)
    chosen = resolve_books(reader, books)
    rel = reader.relation(chosen, start, end)
    depth = _depth_medians(reader, chosen, start, end)
    return stats_of_rows(rel, depth, chosen, start, end, thresholds)


def stats_of_rows(
    rows: duckdb.DuckDBPyRelation,
    depth: dict[str, dict[str, float | None]],
    books: Sequence[str],
    start: int,
    end: int,
    thresholds: Sequence[Decimal] = DEFAULT_THRESHOLDS,
) -> list[SpreadStats]:
    """The stats of each of ``books`` from rows already limited to [start, end) (any relation
    with ``book``, ``spread`` and ``status``) and each book's liquidity medians (named as
    ``depth_median_figures`` names them; a book left out has no depth figures)."""
    try:
        found = {
            row[0]: row[1:] for row in rows.aggregate(_aggregates(thresholds), "book").fetchall()
        }
    except duckdb.Error as exc:
        raise LakeError(f"cannot read the lake: {exc}") from exc
    return [
        replace(_stats(book, start, end, thresholds, found.get(book)), depth=depth.get(book))
        for book in books
    ]


_MEDIAN = re.compile(r"^(depth_1pct_(bid|ask)_base|slippage_(buy|sell)_.+_bp)$")


def _depth_medians(
    reader: LakeReader, books: Sequence[str], start: int, end: int
) -> dict[str, dict[str, float | None]]:
    """Book -> liquidity medians over [start, end); empty when there are no depth rows."""
    try:
        rel = reader.relation(books, start, end, table=DEPTH)
    except LakeError:
        return {}  # a lake written before the depth table, or without full books
    names, figures = depth_median_figures(rel.columns)
    try:
        rows = rel.aggregate("book, " + ", ".join(figures), "book").fetchall()
    except duckdb.Error as exc:
        raise LakeError(f"cannot read the depth table: {exc}") from exc
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}


def depth_median_figures(columns: Sequence[str]) -> tuple[list[str], list[str]]:
    """(names, SQL aggregates) of the liquidity figures of ``SpreadStats.depth`` over depth rows
    with ``columns``: the median of each depth-within-1 % and slippage column, and the share of
    rows measured on the exact full book (``exact_book_share``)."""
    wanted = [c for c in columns if _MEDIAN.match(c)]
    figures = [f'median("{c}")' for c in wanted]
    figures.append("count(*) filter (where depth_source = 'diff')::double / count(*)")
    return [*(f"median_{c}" for c in wanted), "exact_book_share"], figures


def _stats(
    book: str, start: int, end: int, thresholds: Sequence[Decimal], found: Any
) -> SpreadStats:
    if found is None:
        found = (0, 0, None, None, None, None, *([0] * len(thresholds)))
    rows, missing, lo, mean, quantiles, hi, *counts = found
    p50, p95, p99 = quantiles if quantiles is not None else (None, None, None)
    return SpreadStats(
        book=book,
        start=start,
        end=end,
        rows=rows,
        missing_rows=missing,
        absent_seconds=max(0, (end - start) - rows),
        spread_min=lo,
        spread_mean=mean,
        spread_p50=p50,
        spread_p95=p95,
        spread_p99=p99,
        spread_max=hi,
        seconds_above=dict(zip(thresholds, counts, strict=True)),
    )


def spread_stats(
    source: LakeSource,
    book: str,
    start: int,
    end: int,
    thresholds: Sequence[Decimal] = DEFAULT_THRESHOLDS,
) -> SpreadStats:
    """Stats of ``book`` over [start, end), from its window files or compacted day files."""
    return spread_stats_many(source, [book], start, end, thresholds)[0]
