"""Stored depth rows back into observations, so alert replays see the metrics the live rules saw.

Reads the ``depth`` table with the same reader as ``spreads`` and merges its rows into a stream
of observations by (tick, book); both come ordered that way, so nothing is held in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any, cast

import duckdb
import pyarrow as pa

from bitsodata.domain.depth import DEPTH_SOURCES, DepthRow, DepthSource
from bitsodata.domain.observation import Observation
from bitsodata.errors import LakeError
from bitsodata.lake import layout
from bitsodata.lake.depthfile import DEPTH_HEAD
from bitsodata.lake.reader import LakeReader
from bitsodata.lake.source import LakeSource

_HEAD = {name for name, _type in DEPTH_HEAD} | {"date", "hour"}


def _depth_of(record: dict[str, Any]) -> DepthRow | None:
    source = record.get("depth_source")
    if source not in DEPTH_SOURCES:
        return None
    received = record.get("received_at")
    metrics = {
        name: None if value is None else Decimal(repr(float(value)))
        for name, value in record.items()
        if name not in _HEAD
    }
    return DepthRow(
        source=cast(DepthSource, source),
        sequence=record.get("sequence"),
        received_at=received.timestamp() if received is not None else None,
        levels_bid=int(record.get("levels_bid") or 0),
        levels_ask=int(record.get("levels_ask") or 0),
        metrics=metrics,
    )


def iter_depth(
    source: LakeSource, books: Sequence[str], start: int, end: int, *, batch_rows: int = 65_536
) -> Iterator[tuple[int, str, DepthRow | None]]:
    """(tick, book, depth) of the stored depth rows in [start, end), ordered by (tick, book)."""
    reader = LakeReader(source)
    try:
        try:
            rel = reader.relation(books, start, end, layout.DEPTH).order("observed_at, book")
            batches = rel.to_arrow_reader(batch_rows)
        except (LakeError, duckdb.Error):
            return  # no depth table for this range: the rows have no depth
        for batch in batches:
            for record in pa.Table.from_batches([batch]).to_pylist():
                tick = int(record["observed_at"].timestamp())
                yield tick, str(record["book"]), _depth_of(record)
    finally:
        reader.con.close()


def with_stored_depth(
    observations: Iterable[Observation], depth: Iterable[tuple[int, str, DepthRow | None]]
) -> Iterator[Observation]:
    """Observations carrying their stored depth row (merge on (tick, book), both ordered)."""
    rows = iter(depth)
    pending = next(rows, None)
    for obs in observations:
        key = (obs.tick, obs.book)
        while pending is not None and (pending[0], pending[1]) < key:
            pending = next(rows, None)
        if pending is not None and (pending[0], pending[1]) == key and pending[2] is not None:
            yield replace(obs, depth=pending[2])
        else:
            yield obs
