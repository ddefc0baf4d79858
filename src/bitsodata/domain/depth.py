"""Liquidity of one book at one second: depth near the mid, the cost of a size, the imbalance.

Pure. Sides come in as (price, amount) levels best-first; sums of amounts are exact decimals,
ratios are rounded to 15 significant digits (what a float64 column holds exactly). A size the
book cannot fill is not an error: its ``filled_*`` share says how much of it the book holds and
its price and slippage are null.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Literal

DepthSource = Literal["diff", "orders"]
DEPTH_SOURCES: tuple[DepthSource, ...] = ("diff", "orders")
BANDS_PCT: tuple[Decimal, ...] = (Decimal("0.1"), Decimal("0.5"), Decimal("1"), Decimal("2"))
"""Depth bands, percent of the mid price on each side."""

_RATIO = Context(prec=15)
_BP = Decimal(10_000)
_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
_ONE = Decimal(1)
_SIZE = re.compile(r"^\s*(?P<amount>[0-9]+(?:\.[0-9]+)?)\s*(?P<currency>[a-z0-9]+)\s*$")

Levels = Iterable[tuple[Decimal, Decimal]]


def number_label(value: Decimal) -> str:
    """``0.1`` -> ``0p1``, ``1000`` -> ``1000``: a number that can sit in a column name."""
    text = format(value.normalize(), "f")
    return text.replace(".", "p")


@dataclass(frozen=True, slots=True)
class NotionalSize:
    """An order size to price: ``amount`` of the book's base (``btc``) or quote (``mxn``)."""

    amount: Decimal
    currency: str
    in_quote: bool

    @property
    def label(self) -> str:
        """``1btc``, ``0p1btc``, ``10000usd``: the size's part of a column name."""
        return f"{number_label(self.amount)}{self.currency}"


def parse_size(text: str, book: str) -> NotionalSize:
    """``"0.1 btc"`` for ``btc_mxn``; the currency must be the book's base or quote."""
    match = _SIZE.match(text.lower())
    if match is None:
        raise ValueError(f"a size is '<amount> <currency>', got {text!r}")
    amount = Decimal(match["amount"])
    base, quote = book.split("_", 1)
    currency = match["currency"]
    if currency not in (base, quote):
        raise ValueError(f"{text!r}: {book} sizes are in {base} or {quote}")
    if amount <= 0:
        raise ValueError(f"{text!r}: a size must be positive")
    return NotionalSize(amount, currency, in_quote=currency == quote and currency != base)


def band_label(band: Decimal) -> str:
    return f"{number_label(band)}pct"


def metric_names(sizes: Sequence[NotionalSize], bands: Sequence[Decimal] = BANDS_PCT) -> list[str]:
    """Metric columns in file order for a book priced at ``sizes``."""
    names: list[str] = []
    for band in bands:
        b = band_label(band)
        for side in ("bid", "ask"):
            names += [f"depth_{b}_{side}_base", f"depth_{b}_{side}_quote"]
        names.append(f"imbalance_{b}")
    for size in sizes:
        for way in ("buy", "sell"):
            label = f"{way}_{size.label}"
            names += [f"avg_price_{label}", f"slippage_{label}_bp", f"filled_{label}"]
    return names


@dataclass(frozen=True, slots=True)
class Fill:
    """Walking one side for one size: the average price, or how much of the size was there."""

    avg_price: Decimal | None
    filled: Decimal


@dataclass(slots=True)
class _SideWalk:
    depth_base: list[Decimal]
    depth_quote: list[Decimal]
    fills: list[Fill]


def _walk(
    levels: Levels,
    mid: Decimal,
    buying: bool,
    bands: Sequence[Decimal],
    sizes: Sequence[NotionalSize],
) -> _SideWalk:
    """Depth per band and fills per size, reading only as deep as they need."""
    sign = _ONE if buying else -_ONE
    limits = [mid * (_ONE + sign * band / _HUNDRED) for band in bands]
    walk = _SideWalk([_ZERO] * len(bands), [_ZERO] * len(bands), [])
    fills: list[Fill | None] = [None] * len(sizes)
    base = quote = _ZERO
    widest = limits[-1] if limits else mid
    for price, amount in levels:
        inside = price <= widest if buying else price >= widest
        if not inside and all(f is not None for f in fills):
            break
        value = price * amount
        for i, limit in enumerate(limits):
            if (price <= limit) if buying else (price >= limit):
                walk.depth_base[i] += amount
                walk.depth_quote[i] += value
        for i, size in enumerate(sizes):
            if fills[i] is None:
                fills[i] = _fill_at(size, base, quote, price, amount, value)
        base += amount
        quote += value
    walk.fills = [
        f if f is not None else Fill(None, _ratio(quote if s.in_quote else base, s.amount))
        for f, s in zip(fills, sizes, strict=True)
    ]
    return walk


def _fill_at(
    size: NotionalSize,
    base: Decimal,
    quote: Decimal,
    price: Decimal,
    amount: Decimal,
    value: Decimal,
) -> Fill | None:
    """The fill if ``size`` completes inside this level (``base``/``quote`` = before it)."""
    if size.in_quote:
        if quote + value < size.amount:
            return None
        got = base + (size.amount - quote) / price
        return Fill(_ratio(size.amount, got), _ONE)
    if base + amount < size.amount:
        return None
    cost = quote + (size.amount - base) * price
    return Fill(_ratio(cost, size.amount), _ONE)


def _ratio(a: Decimal, b: Decimal) -> Decimal:
    return _RATIO.divide(a, b)


def _imbalance(bid: Decimal, ask: Decimal) -> Decimal | None:
    total = bid + ask
    return None if total == 0 else _ratio(bid - ask, total)


def liquidity(
    bids: Levels,
    asks: Levels,
    sizes: Sequence[NotionalSize],
    bands: Sequence[Decimal] = BANDS_PCT,
) -> dict[str, Decimal | None]:
    """Every metric of ``metric_names(sizes, bands)``; all null without a two-sided, uncrossed book.

    ``bids``/``asks`` are best-first; depth within ``x`` % counts levels priced within ``x`` % of
    the mid on that side; buying walks the asks, selling the bids; slippage is the average fill
    price's distance from the mid in basis points, positive when it costs.
    """
    names = metric_names(sizes, bands)
    bid_iter, ask_iter = iter(bids), iter(asks)
    best_bid, best_ask = next(bid_iter, None), next(ask_iter, None)
    if best_bid is None or best_ask is None or best_ask[0] <= best_bid[0]:
        return dict.fromkeys(names)
    mid = (best_bid[0] + best_ask[0]) / 2
    buy = _walk(_chain(best_ask, ask_iter), mid, True, bands, sizes)
    sell = _walk(_chain(best_bid, bid_iter), mid, False, bands, sizes)
    values: list[Decimal | None] = []
    for i in range(len(bands)):
        values += [sell.depth_base[i], sell.depth_quote[i], buy.depth_base[i], buy.depth_quote[i]]
        values.append(_imbalance(sell.depth_base[i], buy.depth_base[i]))
    for b, s in zip(buy.fills, sell.fills, strict=True):
        values += _fill_values(b, mid, buying=True) + _fill_values(s, mid, buying=False)
    return dict(zip(names, values, strict=True))


def _fill_values(fill: Fill, mid: Decimal, *, buying: bool) -> list[Decimal | None]:
    if fill.avg_price is None:
        return [None, None, fill.filled]
    away = fill.avg_price - mid if buying else mid - fill.avg_price
    return [fill.avg_price, _ratio(away * _BP, mid), fill.filled]


def _chain(first: tuple[Decimal, Decimal], rest: Iterator[tuple[Decimal, Decimal]]) -> Levels:
    yield first
    yield from rest


@dataclass(frozen=True, slots=True)
class DepthRow:
    """The liquidity part of one book's row at one tick (the spread row carries tick and book)."""

    source: DepthSource
    """``diff``: the full book kept from diff-orders; ``orders``: the top-20 fallback."""
    sequence: int | None
    """diff-orders sequence the full book stood at (None for the top-20 fallback)."""
    received_at: float | None
    """Epoch seconds at which the last update of the source was received."""
    levels_bid: int
    levels_ask: int
    metrics: dict[str, Decimal | None]
    """``metric_names(...)`` -> value, in column order."""

    @property
    def mid(self) -> Decimal | None:
        return self.metrics.get("mid")


def depth_row(
    source: DepthSource,
    bids: Sequence[tuple[Decimal, Decimal]] | Levels,
    asks: Sequence[tuple[Decimal, Decimal]] | Levels,
    sizes: Sequence[NotionalSize],
    *,
    levels: tuple[int, int],
    sequence: int | None = None,
    received_at: float | None = None,
) -> DepthRow:
    """Measure one book side by side; ``levels`` = (bid, ask) price levels the source holds."""
    bid_iter, ask_iter = iter(bids), iter(asks)
    best_bid, best_ask = next(bid_iter, None), next(ask_iter, None)
    head: dict[str, Decimal | None] = {
        "best_bid": best_bid[0] if best_bid else None,
        "best_ask": best_ask[0] if best_ask else None,
        "mid": None,
    }
    if best_bid is not None and best_ask is not None and best_ask[0] > best_bid[0]:
        head["mid"] = (best_bid[0] + best_ask[0]) / 2
    bid_levels = _chain(best_bid, bid_iter) if best_bid else ()
    ask_levels = _chain(best_ask, ask_iter) if best_ask else ()
    metrics = head | liquidity(bid_levels, ask_levels, sizes)
    return DepthRow(source, sequence, received_at, levels[0], levels[1], metrics)


def row_metric_names(sizes: Sequence[NotionalSize]) -> list[str]:
    """Every metric a ``DepthRow`` holds for ``sizes``, in column order."""
    return ["best_bid", "best_ask", "mid", *metric_names(sizes)]
