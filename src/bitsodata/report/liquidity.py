"""The liquidity part of a report: depth within 1 % and slippage per book, asked of the analysis
API's depth table (``Lake.depth`` for the range's medians, ``Lake.resample_depth`` for the charts).

A lake without depth files for the range (written before the table existed) has no liquidity
part: every book then says so instead of showing empty charts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

import duckdb

from bitsodata.errors import LakeError
from bitsodata.report.model import DepthBucket, DepthReport, DepthSummary

BID, ASK = "depth_1pct_bid_base", "depth_1pct_ask_base"
_SLIPPAGE = re.compile(r"^slippage_(buy|sell)_(?P<size>[a-z0-9]+)_bp$")
_LABEL = re.compile(r"^(?P<amount>[0-9]+(?:p[0-9]+)?)(?P<currency>[a-z][a-z0-9]*)$")


class DepthLake(Protocol):
    """The analysis API's depth questions, as far as reports need them."""

    def depth(self, books: Any = None, start: Any = None, end: Any = None) -> Any: ...
    def resample_depth(
        self, interval: str = "1min", books: Any = None, start: Any = None, end: Any = None
    ) -> Any: ...


def slippage_column(way: str, size: str) -> str:
    """``slippage_buy_0p1btc_bp``: the column of one side and size."""
    return f"slippage_{way}_{size}_bp"


def size_order(book: str, label: str) -> tuple[int, Decimal, str]:
    """Sort key of a size label: sizes in the book's base currency first, then by amount."""
    match = _LABEL.match(label)
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


def _summary_sql(sizes: Sequence[str]) -> str:
    """Per book over every row: counts, medians of depth and slippage, and which sizes it prices
    (a size is the book's when its ``filled_`` column holds a value)."""
    parts = [
        "count(*)::bigint",
        "count(depth_source)::bigint",
        "count(*) filter (where depth_source = 'diff')::bigint",
        f"median({BID})",
        f"median({ASK})",
    ]
    for size in sizes:
        for way in ("buy", "sell"):
            parts.append(f"median({_ident(slippage_column(way, size))})")
        parts.append(
            f"count({_ident('filled_buy_' + size)}) + count({_ident('filled_sell_' + size)})"
        )
    return f"select book, {', '.join(parts)} from d group by book"


def _summaries(rel: Any, sizes: Sequence[str]) -> dict[str, tuple[DepthSummary, tuple[str, ...]]]:
    out = {}
    found = rel.query("d", _summary_sql(sizes)).fetchall()
    for book, rows, measured, diff, bid, ask, *rest in found:
        medians: dict[str, tuple[float | None, float | None]] = {}
        for i, size in enumerate(sizes):
            buy, sell, priced = rest[3 * i : 3 * i + 3]
            if priced:
                medians[size] = (buy, sell)
        own = tuple(sorted(medians, key=lambda s: size_order(book, s)))
        first = own[0] if own else None
        buy, sell = medians[first] if first else (None, None)
        share = diff / rows if rows else 0.0
        summary = DepthSummary(int(rows), int(measured), share, bid, ask, first, buy, sell)
        out[book] = (summary, own)
    return out


def _series(rel: Any, sizes: Sequence[str]) -> dict[str, list[DepthBucket]]:
    slips = [slippage_column(w, s) for s in sizes for w in ("buy", "sell")]
    picked = ", ".join(_ident(c) for c in slips)
    sql = (
        f"select book, epoch(bucket_at), n_seconds, share_diff, {BID}, {ASK}"
        f"{', ' + picked if picked else ''} from r order by book, bucket_at"
    )
    out: dict[str, list[DepthBucket]] = {}
    for book, at, n, diff, bid, ask, *values in rel.query("r", sql).fetchall():
        bucket = DepthBucket(
            datetime.fromtimestamp(at, UTC),
            int(n),
            diff or 0.0,
            bid,
            ask,
            dict(zip(slips, values, strict=True)),
        )
        out.setdefault(book, []).append(bucket)
    return out


def depth_reports(
    lake: DepthLake, books: Sequence[str], start: datetime, end: datetime, interval: str
) -> dict[str, DepthReport]:
    """Book -> its liquidity over [start, end); books without a depth row are left out."""
    try:
        rows = lake.depth(list(books), start, end)
        buckets = lake.resample_depth(interval, list(books), start, end)
    except LakeError:
        return {}  # no depth file in the range: the page says so per book
    sizes = _size_labels(rows.columns)
    try:
        summaries = _summaries(rows, sizes)
        series = _series(buckets, sizes)
    except duckdb.Error as exc:
        raise LakeError(f"cannot read the depth table: {exc}") from exc
    out = {}
    for book, (summary, own) in summaries.items():
        if not summary.rows:
            continue
        kept = [
            DepthBucket(
                b.bucket_at,
                b.n_seconds,
                b.share_diff,
                b.bid_1pct,
                b.ask_1pct,
                {
                    slippage_column(w, s): b.slippage[slippage_column(w, s)]
                    for s in own
                    for w in ("buy", "sell")
                },
            )
            for b in series.get(book, ())
        ]
        out[book] = DepthReport(own, tuple(kept), summary)
    return out
