"""``LakeSlice``: some books over [start, end) read from the lake once, then asked many questions.

The spread rows are held in memory as four columns (book, observed_at, spread, status: ~20 bytes
a row, ~100 MB for a month of two books); statistics, resampled series, shapes and alert replays
are computed from them without opening a file again. The ``depth/`` rows are wider, so they are
not held: one pass over the columns a report needs gives both the per-book medians of
``spread stats`` and the buckets of one interval. Every figure equals the ``Lake`` method of the
same name over the same range (the tests compare them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import numpy as np
import pyarrow as pa

from bitsodata.alerts.rules import DEFAULT_RULES, Rule
from bitsodata.analysis.buckets import STATUSES, ident, resample_sql
from bitsodata.analysis.episodes import Episode, episodes_of
from bitsodata.analysis.replay import (
    REPLAY_COLUMNS,
    Bools,
    Floats,
    Ints,
    book_columns,
    replay_rule,
)
from bitsodata.analysis.times import parse_interval
from bitsodata.errors import LakeError
from bitsodata.lake import layout
from bitsodata.lake.reader import LakeReader, check_range, connect
from bitsodata.lake.source import sql_quote
from bitsodata.lake.stats import (
    DEFAULT_THRESHOLDS,
    SpreadStats,
    depth_median_figures,
    stats_of_rows,
)

_STATUS_TYPE = "enum(" + ", ".join(sql_quote(s) for s in STATUSES) + ")"
_DEPTH_KEPT = re.compile(r"^(depth_1pct_(bid|ask)_base|slippage_(buy|sell)_.+_bp|filled_.+)$")
"""Depth columns a report shows: depth within 1 % of mid, and each size's slippage and fill."""


@dataclass(frozen=True)
class DepthPass:
    """What one pass over a slice's depth rows gave: the medians of each book, and the buckets."""

    medians: dict[str, dict[str, float | None]]
    """Book -> ``SpreadStats.depth`` (median depth and slippage, ``exact_book_share``)."""
    buckets: pa.Table
    """One row per book and bucket: ``Lake.resample_depth``'s columns for the kept metrics."""


class LakeSlice:
    """Rows of ``books`` in [start, end), read once (``Lake.slice``); closed with the slice."""

    def __init__(
        self,
        reader: LakeReader,
        books: Sequence[str],
        span: tuple[int, int],
        rows: pa.Table,
        depth_interval: str | int = "1min",
    ) -> None:
        self.books = tuple(books)
        self.start, self.end = span
        self.depth_interval = parse_interval(depth_interval)
        """The buckets of the depth pass that also gives ``stats`` its liquidity medians."""
        self._reader = reader
        self._table = rows
        self.con = connect()
        self.con.register("slice_rows", rows)
        self._depth: dict[int, DepthPass | None] = {}

    @classmethod
    def read(
        cls,
        reader: LakeReader,
        books: Sequence[str],
        start: int,
        end: int,
        depth_interval: str | int = "1min",
    ) -> LakeSlice:
        """Read the three columns of every row of ``books`` in [start, end), book by book (the
        ``book`` column is then known, not read: one column less to decode in every file)."""
        check_range(start, end)
        if not books:
            raise LakeError("a slice needs at least one book", lake=reader.storage.url)
        names = pa.array(books, pa.string())
        parts = []
        for i, book in enumerate(books):
            part = _read_book(reader, book, start, end)
            codes = pa.array(np.full(part.num_rows, i, dtype=np.int16))
            parts.append(part.add_column(0, "book", pa.DictionaryArray.from_arrays(codes, names)))
        return cls(reader, books, (start, end), pa.concat_tables(parts), depth_interval)

    def __enter__(self) -> LakeSlice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the slice's connection (the relations it returned stop working)."""
        self.con.close()

    @property
    def num_rows(self) -> int:
        """Spread rows held."""
        return int(self._table.num_rows)

    def rows(self) -> duckdb.DuckDBPyRelation:
        """The held rows: ``book``, ``observed_at``, ``spread``, ``status`` (file order)."""
        return self.con.table("slice_rows")

    def stats(
        self, thresholds: Sequence[float | Decimal] = DEFAULT_THRESHOLDS
    ) -> list[SpreadStats]:
        """``Lake.stats`` of the slice's books and range, from memory; the liquidity medians
        come from the depth pass at ``depth_interval`` (read once, when first needed)."""
        limits = tuple(Decimal(str(t)) for t in thresholds)
        found = self.depth_pass(self.depth_interval)
        medians = found.medians if found is not None else {}
        return stats_of_rows(self.rows(), medians, self.books, self.start, self.end, limits)

    def resample(
        self,
        interval: str | int = "1min",
        thresholds: Sequence[float | Decimal] = DEFAULT_THRESHOLDS,
    ) -> duckdb.DuckDBPyRelation:
        """``Lake.resample`` of the slice, from memory."""
        sql = resample_sql(parse_interval(interval), thresholds, "slice_rows")
        return self._query(sql)

    def replay_columns(self, book: str) -> tuple[Ints, Floats, Bools]:
        """(ticks, spread with NaN for null, usable) of one book in time order: what
        ``analysis.replay.replay_rule`` reads."""
        sql = (
            f"select {REPLAY_COLUMNS} from (select * replace (book::varchar as book) "
            f"from slice_rows where book = {sql_quote(book)})"
        )
        return book_columns(self._query(sql).to_arrow_table(), book)

    def episodes(self, rules: Sequence[Rule] | None = None) -> list[Episode]:
        """``Lake.episodes`` of the slice, replayed from memory."""
        chosen = list(rules if rules is not None else DEFAULT_RULES)
        found: list[Episode] = []
        for book in self.books:
            ticks, spread, usable = self.replay_columns(book)
            for rule in (r for r in chosen if r.applies_to(book)):
                found.extend(episodes_of(rule, book, replay_rule(ticks, spread, usable, rule)))
        return sorted(found, key=lambda e: (e.started_at, e.book, e.rule))

    def depth_pass(self, interval: str | int) -> DepthPass | None:
        """The liquidity medians and the ``interval`` buckets of the slice's depth rows, in one
        scan of the depth files (cached per interval); None when the range has no depth file."""
        seconds = parse_interval(interval)
        if seconds not in self._depth:
            self._depth[seconds] = self._read_depth(seconds)
        return self._depth[seconds]

    def resample_depth(self, interval: str | int = "1min") -> duckdb.DuckDBPyRelation:
        """``Lake.resample_depth`` of the slice for the kept metrics (depth within 1 %, each
        size's slippage and fill). A ``LakeError`` when the range has no depth file."""
        found = self.depth_pass(interval)
        if found is None:
            raise LakeError("no files in the depth table for this range")
        name = f"slice_depth_{parse_interval(interval)}"
        self.con.register(name, found.buckets)
        return self.con.sql(f"select * from {name} order by book, bucket_at")

    def _read_depth(self, seconds: int) -> DepthPass | None:
        try:
            rel = self._reader.relation(self.books, self.start, self.end, table=layout.DEPTH)
        except LakeError:
            return None  # a lake written before the depth table, or without full books
        names, medians = depth_median_figures(rel.columns)
        kept = [c for c in rel.columns if _DEPTH_KEPT.match(c)]
        median_as = ", ".join(f"{m} as _m{i}" for i, m in enumerate(medians))
        means = "".join(f", avg({ident(c)}) as {ident(c)}" for c in kept)
        sql = f"""
            select book, grouping(_bucket) = 1 as _whole,
                   to_timestamp(_bucket * {seconds}) as bucket_at, count(*) as n_seconds,
                   count(*) filter (where depth_source = 'diff')::double / count(*) as share_diff,
                   count(*) filter (where depth_source = 'orders')::double / count(*)
                       as share_orders,
                   count(*) filter (where depth_source is null)::double / count(*) as share_none
                   {means}, {median_as}
            from (select *, epoch_us(observed_at) // {seconds * 1_000_000} as _bucket from d)
            group by grouping sets ((book, _bucket), (book))
        """
        try:
            table = rel.query("d", sql).to_arrow_table()
        except duckdb.Error as exc:
            raise LakeError(f"cannot read the depth table: {exc}") from exc
        return _split_pass(table, names, len(medians))

    def _query(self, sql: str) -> duckdb.DuckDBPyRelation:
        try:
            return self.con.sql(sql)
        except duckdb.Error as exc:
            raise LakeError(f"cannot read the slice: {exc}") from exc


def _read_book(reader: LakeReader, book: str, start: int, end: int) -> pa.Table:
    sql = f"select observed_at, spread, status::{_STATUS_TYPE} as status from o"
    try:
        table: pa.Table = reader.relation([book], start, end).query("o", sql).to_arrow_table()
    except duckdb.Error as exc:
        raise LakeError(f"cannot read the lake: {exc}", lake=reader.storage.url) from exc
    return table


def _split_pass(table: pa.Table, names: Sequence[str], n_medians: int) -> DepthPass:
    """The per-book rows (medians) and the per-bucket rows (means) of the grouping-sets pass."""
    whole = table.column("_whole").to_pylist()
    books = table.column("book").to_pylist()
    columns = [table.column(f"_m{i}").to_pylist() for i in range(n_medians)]
    medians = {
        book: dict(zip(names, (c[i] for c in columns), strict=True))
        for i, (book, is_whole) in enumerate(zip(books, whole, strict=True))
        if is_whole
    }
    keep = pa.array([not w for w in whole])
    hidden = {"_whole", *(f"_m{i}" for i in range(n_medians))}
    buckets = table.filter(keep).select([c for c in table.column_names if c not in hidden])
    return DepthPass(medians, buckets)
