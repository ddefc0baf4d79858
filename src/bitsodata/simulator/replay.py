"""Replay mode: recorded observations (``orderbook_timestamp, book, bid, ask``) drive the books.

Files are CSV or Parquet (folders are searched recursively). Events keep their recorded spacing,
measured from the earliest row of all files, so books stay aligned with each other.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bitsodata.errors import ConfigError
from bitsodata.simulator.formatting import on_grid

COLUMNS = ("orderbook_timestamp", "book", "bid", "ask")


@dataclass(frozen=True, slots=True)
class Row:
    at: float
    bid: Decimal
    ask: Decimal


def _files(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".csv", ".parquet"))
        elif path.is_file():
            found.append(path)
        else:
            raise ConfigError("replay file not found", path=str(path))
    return found


def _records(path: Path) -> list[dict[str, object]]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.ParquetFile(path).read()
        return list(table.to_pylist())
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _epoch(value: object) -> float:
    """Epoch seconds of a recorded time; one without an offset is UTC (never the local zone)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _decimal(value: object) -> Decimal:
    # repr of a float is its shortest round-trip spelling: 16.782 stays 16.782
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def load(paths: Sequence[Path]) -> dict[str, list[Row]]:
    """Rows per book, sorted by time; unusable rows (crossed, empty) are skipped."""
    books: dict[str, list[Row]] = defaultdict(list)
    for path in _files(paths):
        for record in _records(path):
            if any(record.get(c) in (None, "") for c in COLUMNS):
                if not set(COLUMNS) <= set(record):
                    raise ConfigError(
                        "replay file lacks columns " + ", ".join(COLUMNS), path=str(path)
                    )
                continue
            try:
                at = _epoch(record["orderbook_timestamp"])
                bid, ask = _decimal(record["bid"]), _decimal(record["ask"])
            except (ValueError, InvalidOperation) as exc:
                raise ConfigError("bad replay row", path=str(path), row=record) from exc
            if bid > 0 and ask > bid:
                books[str(record["book"])].append(Row(at, bid, ask))
    if not books:
        raise ConfigError("no usable replay rows", paths=[str(p) for p in paths])
    return {book: sorted(rows, key=lambda r: r.at) for book, rows in books.items()}


def finest_tick(rows: Sequence[Row]) -> Decimal:
    """The coarsest grid every recorded price sits on (``1148290`` -> 10, ``16.782`` -> 0.001)."""
    exponent = min(_exponent(value) for row in rows for value in (row.bid, row.ask))
    return Decimal(1).scaleb(exponent)


def _exponent(value: Decimal) -> int:
    exp = value.normalize().as_tuple().exponent
    assert isinstance(exp, int)
    return exp


def _snap(value: Decimal, tick: Decimal) -> Decimal:
    return on_grid(value, tick)


class ReplayDriver:
    """Recorded ``(bid, ask)`` events at their recorded offsets; loops when asked to."""

    def __init__(self, rows: Sequence[Row], origin: float, tick: Decimal, *, loop: bool) -> None:
        # on the book's grid and spelled like it: 1164930.0 -> 1164930, 17.52 -> 17.520
        self.rows = [Row(r.at, _snap(r.bid, tick), _snap(r.ask, tick)) for r in rows]
        self.origin = origin
        self.loop = loop
        self.index = 0
        self.span = self.rows[-1].at - origin + 1.0

    def next_offset(self) -> float | None:
        lap, i = divmod(self.index, len(self.rows))
        if lap and not self.loop:
            return None
        return self.rows[i].at - self.origin + lap * self.span

    def pop(self, *, force_wide: bool) -> tuple[Decimal, Decimal]:
        row = self.rows[self.index % len(self.rows)]
        self.index += 1
        return row.bid, row.ask
