"""``Lake``: observations, resampled series, statistics, alert episodes and the alert log of a
lake, each as a DuckDB relation (or typed objects) over only the files a question needs."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from decimal import Decimal

import duckdb
import pyarrow as pa

from bitsodata.alerts.rules import DEFAULT_RULES, Rule
from bitsodata.analysis.buckets import ident, resample_sql
from bitsodata.analysis.episodes import Episode, episodes_of
from bitsodata.analysis.minutes import resample_minutes
from bitsodata.analysis.replay import REPLAY_COLUMNS, book_columns, replay_rule
from bitsodata.analysis.slice import LakeSlice
from bitsodata.analysis.times import Instant, parse_interval, to_epoch
from bitsodata.errors import LakeError, LakeKeyMissing
from bitsodata.lake import layout
from bitsodata.lake.query import lake_span, resolve_books
from bitsodata.lake.reader import LakeReader
from bitsodata.lake.source import LakeSource, days_of, sql_quote
from bitsodata.lake.stats import DEFAULT_THRESHOLDS, SpreadStats, spread_stats_many

Books = str | Sequence[str] | None
"""One book, several, or None for every book of the lake."""
_DEPTH_HEAD = {"best_bid", "best_ask", "mid"}
"""Price columns of a depth row: prices, not liquidity metrics (left out of the means)."""
_EVENT_TYPES = pa.schema(
    [
        ("kind", pa.string()),
        ("rule", pa.string()),
        ("book", pa.string()),
        ("state", pa.string()),
        ("value", pa.float64()),
        ("threshold", pa.float64()),
        ("at", pa.timestamp("us", tz="UTC")),
        ("since", pa.timestamp("us", tz="UTC")),
        ("severity", pa.string()),
        ("message", pa.string()),
        ("key", pa.string()),
    ]
)


def open_lake(source: LakeSource) -> Lake:
    """A lake from a folder, an ``s3://bucket/prefix`` URL, the lake settings or a Storage."""
    return Lake(source)


class Lake:
    """One lake and one in-memory DuckDB connection that holds every relation it returns."""

    def __init__(self, source: LakeSource) -> None:
        self._reader = LakeReader(source)
        self.con: duckdb.DuckDBPyConnection = self._reader.con

    def __repr__(self) -> str:
        return f"Lake({self._reader.storage.url!r})"

    def __enter__(self) -> Lake:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (the relations it returned stop working)."""
        self.con.close()

    @property
    def gets(self) -> int:
        """Objects downloaded so far (S3 or memory lakes; a local lake is read in place)."""
        return self._reader.gets

    def books(self) -> list[str]:
        """Books with at least one window file."""
        return resolve_books(self._reader, None)

    def _books(self, books: Books) -> list[str]:
        wanted = [books] if isinstance(books, str) else books
        return resolve_books(self._reader, list(wanted) if wanted else None)

    def _range(
        self, books: list[str], start: Instant | None, end: Instant | None
    ) -> tuple[int, int]:
        if start is None or end is None:
            first, last = lake_span(self._reader.storage, books)
            return (first if start is None else to_epoch(start)), (
                last if end is None else to_epoch(end)
            )
        return to_epoch(start), to_epoch(end)

    def observations(
        self, books: Books = None, start: Instant | None = None, end: Instant | None = None
    ) -> duckdb.DuckDBPyRelation:
        """Rows of ``books`` with ticks in [start, end): the file columns plus ``date``/``hour``,
        ordered by ``observed_at`` then ``book`` (default: every book, the whole lake)."""
        return self._rows(books, start, end).order("observed_at, book")

    def _rows(
        self, books: Books, start: Instant | None, end: Instant | None
    ) -> duckdb.DuckDBPyRelation:
        chosen = self._books(books)
        first, last = self._range(chosen, start, end)
        return self._reader.relation(chosen, first, last)

    def resample(
        self,
        interval: str | int = "1min",
        books: Books = None,
        start: Instant | None = None,
        end: Instant | None = None,
        thresholds: Sequence[float | Decimal] = DEFAULT_THRESHOLDS,
    ) -> duckdb.DuckDBPyRelation:
        """One row per book and ``interval`` bucket: open/high/low/close/mean spread (rows with a
        spread), seconds per status and their shares, and the share of seconds above each
        threshold (``share_above_0_1`` …). Buckets are aligned to UTC midnight.

        At whole minutes with the default thresholds, compacted days are read from their
        per-minute rollups (``spreads_minute/``) where those are current, the other seconds from
        the rows: the same rows out, bit for bit, as from the rows alone."""
        seconds = parse_interval(interval)
        with self._reader.snapshot():  # one walk of the lake's listings for the whole plan
            chosen = self._books(books)
            first, last = self._range(chosen, start, end)
            try:
                minutes = resample_minutes(self._reader, chosen, first, last, seconds, thresholds)
            except duckdb.Error as exc:
                raise LakeError(f"cannot read the lake: {exc}") from exc
            if minutes is not None:
                return minutes
            rows = self._reader.relation(chosen, first, last)
        return self._resample_rows(rows, seconds, thresholds)

    def _resample_rows(
        self,
        rows: duckdb.DuckDBPyRelation,
        seconds: int,
        thresholds: Sequence[float | Decimal],
    ) -> duckdb.DuckDBPyRelation:
        """``resample`` from the rows themselves (any interval, any thresholds)."""
        sql = resample_sql(seconds, thresholds)
        return self._query(rows, "rows", sql)

    def depth(
        self, books: Books = None, start: Instant | None = None, end: Instant | None = None
    ) -> duckdb.DuckDBPyRelation:
        """Liquidity rows (``depth/``: depth within x % of mid, imbalance, fills and slippage of
        the configured sizes; see docs/depth.md) plus ``date``/``hour``, ordered by
        ``observed_at`` then ``book``. A ``LakeError`` when the range has no depth files."""
        chosen = self._books(books)
        first, last = self._range(chosen, start, end)
        rel = self._reader.relation(chosen, first, last, table=layout.DEPTH)
        return rel.order("observed_at, book")

    def resample_depth(
        self,
        interval: str | int = "1min",
        books: Books = None,
        start: Instant | None = None,
        end: Instant | None = None,
    ) -> duckdb.DuckDBPyRelation:
        """One row per book and bucket: ``n_seconds``, the share of seconds measured on the exact
        full book (``share_diff``), on the top-20 fallback (``share_orders``) or on no book
        (``share_none``), and the mean of every metric column under its own name."""
        seconds = parse_interval(interval)
        chosen = self._books(books)
        first, last = self._range(chosen, start, end)
        rows = self._reader.relation(chosen, first, last, table=layout.DEPTH)
        metrics = [
            name
            for name, kind in zip(rows.columns, rows.types, strict=True)
            if str(kind) == "DOUBLE" and name not in _DEPTH_HEAD
        ]
        means = "".join(f", avg({ident(m)}) as {ident(m)}" for m in metrics)
        sql = f"""
            select book, to_timestamp(_bucket * {seconds}) as bucket_at, * exclude (book, _bucket)
            from (
                select book, epoch_us(observed_at) // {seconds * 1_000_000} as _bucket,
                       count(*) as n_seconds,
                       count(*) filter (where depth_source = 'diff')::double / count(*)
                           as share_diff,
                       count(*) filter (where depth_source = 'orders')::double / count(*)
                           as share_orders,
                       count(*) filter (where depth_source is null)::double / count(*)
                           as share_none
                       {means}
                from rows group by book, _bucket
            ) order by book, bucket_at
        """
        return self._query(rows, "rows", sql)

    def compare(
        self,
        books: Sequence[str],
        start: Instant | None = None,
        end: Instant | None = None,
        interval: str | int = "1min",
    ) -> duckdb.DuckDBPyRelation:
        """``bucket_at`` and one mean-spread column per book, side by side."""
        chosen = self._books(books)
        series = self.resample(interval, chosen, start, end, thresholds=())
        columns = ", ".join(
            f"avg(mean) filter (where book = {sql_quote(b)}) as {ident(b)}" for b in chosen
        )
        return self._query(
            series,
            "series",
            f"select bucket_at, {columns} from series group by bucket_at order by bucket_at",
        )

    def stats(
        self,
        books: Books = None,
        start: Instant | None = None,
        end: Instant | None = None,
        thresholds: Sequence[float | Decimal] = DEFAULT_THRESHOLDS,
    ) -> list[SpreadStats]:
        """The ``spread stats`` figures of each book over [start, end)."""
        chosen = self._books(books)
        first, last = self._range(chosen, start, end)
        limits = tuple(Decimal(str(t)) for t in thresholds)
        return spread_stats_many(self._reader, chosen, first, last, limits)

    def episodes(
        self,
        start: Instant | None = None,
        end: Instant | None = None,
        books: Books = None,
        rules: Sequence[Rule] | None = None,
    ) -> list[Episode]:
        """Alert episodes from replaying ``rules`` (default: the collector's default rules)
        over the stored rows, exactly as the live engine would have fired and resolved them
        (replayed as numpy columns: a month of seconds in well under a second)."""
        chosen = list(rules if rules is not None else DEFAULT_RULES)
        rows = self._rows(books, start, end).query("o", f"select {REPLAY_COLUMNS} from o")
        table = rows.to_arrow_table()
        found: list[Episode] = []
        for book in sorted(set(table.column("book").to_pylist())):
            ticks, spread, usable = book_columns(table, book)
            for rule in (r for r in chosen if r.applies_to(book)):
                found.extend(episodes_of(rule, book, replay_rule(ticks, spread, usable, rule)))
        return sorted(found, key=lambda e: (e.started_at, e.book, e.rule))

    def alert_log(
        self, start: Instant | None = None, end: Instant | None = None
    ) -> duckdb.DuckDBPyRelation:
        """Events the collector logged in the lake (``alerts/date=…/alerts.jsonl``) with ``at``
        in [start, end) (default: every day that has a log)."""
        first, last = self._log_range(start, end)
        records: list[dict[str, object]] = []
        for day in days_of(first, last):
            key = layout.alert_log_key(day, "alerts.jsonl")
            try:
                data = self._reader.storage.get(key)
            except LakeKeyMissing:
                continue
            records.extend(_log_records(data))
        table = _events_table(records)
        name = f"_alert_log_{id(table)}"
        self.con.register(name, table)
        return self.con.sql(
            f'select * from {name} where "at" >= to_timestamp({first}) '
            f'and "at" < to_timestamp({last}) order by "at", book, rule'
        )

    def _log_range(self, start: Instant | None, end: Instant | None) -> tuple[int, int]:
        if start is not None and end is not None:
            return to_epoch(start), to_epoch(end)
        days = sorted(
            k.split("/")[1][5:] for k in self._reader.storage.list(f"{layout.ALERTS}/date=")
        )
        if not days:
            raise LakeError("the lake has no alert log", lake=self._reader.storage.url)
        first = to_epoch(days[0]) if start is None else to_epoch(start)
        last = to_epoch(days[-1]) + 86_400 if end is None else to_epoch(end)
        return first, last

    def _query(self, rel: duckdb.DuckDBPyRelation, name: str, sql: str) -> duckdb.DuckDBPyRelation:
        try:
            return rel.query(name, sql)
        except duckdb.Error as exc:
            raise LakeError(f"cannot read the lake: {exc}") from exc

    def slice(
        self,
        books: Books = None,
        start: Instant | None = None,
        end: Instant | None = None,
        depth_interval: str | int = "1min",
    ) -> LakeSlice:
        """The rows of ``books`` over [start, end) read once into memory, for asking many
        questions of one range (stats, resample, episodes, depth) without re-reading files;
        ``depth_interval`` is the bucket of the one pass over the depth rows."""
        chosen = self._books(books)
        first, last = self._range(chosen, start, end)
        return LakeSlice.read(self._reader, chosen, first, last, depth_interval)


def _log_records(data: bytes) -> list[dict[str, object]]:
    out = []
    for line in io.StringIO(data.decode("utf-8", "replace")):
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a damaged line: the rest of the log still reads
        if isinstance(record, dict) and "at" in record:
            out.append(record)
    return out


def _events_table(records: list[dict[str, object]]) -> pa.Table:
    from bitsodata.domain.windows import parse_iso_second

    columns: dict[str, list[object]] = {name: [] for name in _EVENT_TYPES.names}
    for record in records:
        for name in _EVENT_TYPES.names:
            value = record.get(name)
            if name in ("at", "since") and isinstance(value, str):
                value = parse_iso_second(value) * 1_000_000
            elif name in ("value", "threshold") and value is not None:
                value = float(str(value))
            columns[name].append(value)
    arrays = [
        pa.array(columns[f.name], pa.int64()).cast(f.type)
        if f.name in ("at", "since")
        else pa.array(columns[f.name], f.type)
        for f in _EVENT_TYPES
    ]
    return pa.Table.from_arrays(arrays, schema=_EVENT_TYPES)
