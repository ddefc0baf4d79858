"""The liquidity part of a report: depth within 1 % and slippage per book, asked of the analysis
API's depth table: the slice's ``resample_depth`` for the charts, its ``stats`` for the medians over
every row of the range (both from one pass over the depth files).

A lake without depth files for the range (written before the table existed) has no liquidity
part: every book then says so instead of showing empty charts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

import duckdb

from bitsodata.errors import LakeError
from bitsodata.report.model import SIZE_LABEL, DepthBucket, DepthReport, DepthSummary

BID, ASK = "depth_1pct_bid_base", "depth_1pct_ask_base"
_SLIPPAGE = re.compile(r"^slippage_(buy|sell)_(?P<size>[a-z0-9]+)_bp$")


class DepthSource(Protocol):
    """The depth questions of a ``LakeSlice``, as far as reports need them."""

    def resample_depth(self, interval: str = "1min") -> Any: ...


def slippage_column(way: str, size: str) -> str:
    """``slippage_buy_0p1btc_bp``: the column of one side and size."""
    return f"slippage_{way}_{size}_bp"


def size_order(book: str, label: str) -> tuple[int, Decimal, str]:
    """Sort key of a size label: sizes in the book's base currency first, then by amount."""
    match = SIZE_LABEL.match(label)
    if match is None:
        return (2, Decimal(0), label)
    base = book.split("_", 1)[0]
    amount = Decimal(match["amount"].replace("p", "."))
    return (0 if match["currency"] == base else 1, amount, label)


def _size_labels(columns: Sequence[str]) -> list[str]:
    found = (_SLIPPAGE.match(c) for c in columns)
    return sorted({m["size"] for m in found if m is not None})


def _ident(name: str) -> str:
    return '"' + name.replace('"', "") + '"'


def _series_sql(sizes: Sequence[str]) -> str:
    slips = [slippage_column(w, s) for s in sizes for w in ("buy", "sell")]
    filled = [f"filled_{w}_{s}" for s in sizes for w in ("buy", "sell")]
    picked = "".join(f", {_ident(c)}" for c in slips + filled)
    return (
        f"select book, epoch(bucket_at), n_seconds, share_diff, share_none, {BID}, {ASK}"
        f"{picked} from r order by book, bucket_at"
    )


@dataclass
class _Book:
    """One book's buckets as read, and what they say about its rows and sizes."""

    buckets: list[DepthBucket] = field(default_factory=list)
    rows: int = 0
    measured: int = 0
    priced: set[str] = field(default_factory=set)
    """Sizes whose ``filled_`` columns hold a value: the book's own sizes."""


def _read(rel: Any, sizes: Sequence[str]) -> dict[str, _Book]:
    slips = [slippage_column(w, s) for s in sizes for w in ("buy", "sell")]
    n = len(slips)
    out: dict[str, _Book] = {}
    for book, at, seconds, diff, none, bid, ask, *values in rel.query(
        "r", _series_sql(sizes)
    ).fetchall():
        mine = out.setdefault(book, _Book())
        mine.rows += int(seconds)
        mine.measured += round(seconds * (1 - (none or 0.0)))
        mine.priced |= {sizes[k // 2] for k, v in enumerate(values[n:]) if v is not None}
        slippage = dict(zip(slips, values[:n], strict=True))
        bucket = DepthBucket(
            datetime.fromtimestamp(at, UTC), int(seconds), diff or 0.0, bid, ask, slippage
        )
        mine.buckets.append(bucket)
    return out


def _report(book: str, read: _Book, medians: Mapping[str, float | None]) -> DepthReport:
    own = tuple(sorted(read.priced, key=lambda s: size_order(book, s)))
    first = own[0] if own else None
    columns = {slippage_column(w, s) for s in own for w in ("buy", "sell")}
    buckets = tuple(
        replace(b, slippage={k: v for k, v in b.slippage.items() if k in columns})
        for b in read.buckets
    )
    summary = DepthSummary(
        rows=read.rows,
        measured=read.measured,
        share_diff=medians.get("exact_book_share") or 0.0,
        median_bid_1pct=medians.get(f"median_{BID}"),
        median_ask_1pct=medians.get(f"median_{ASK}"),
        size=first,
        median_slippage_buy=medians.get(f"median_{slippage_column('buy', first)}")
        if first
        else None,
        median_slippage_sell=medians.get(f"median_{slippage_column('sell', first)}")
        if first
        else None,
    )
    return DepthReport(own, buckets, summary)


def depth_reports(
    source: DepthSource,
    books: Sequence[str],
    interval: str,
    medians: Mapping[str, Mapping[str, float | None] | None],
) -> dict[str, DepthReport]:
    """Book -> its liquidity over the source's range; books without a depth row are left out.

    ``medians`` are ``SpreadStats.depth`` of each book: the medians over every row, computed by
    the lake in the same pass as the spread statistics (the buckets only feed the charts).
    """
    try:
        rel = source.resample_depth(interval)
    except LakeError:
        return {}  # no depth file in the range: the page says so per book
    try:
        read = _read(rel, _size_labels(rel.columns))
    except duckdb.Error as exc:
        raise LakeError(f"cannot read the depth table: {exc}") from exc
    return {
        book: _report(book, mine, medians.get(book) or {})
        for book, mine in read.items()
        if mine.rows
    }
