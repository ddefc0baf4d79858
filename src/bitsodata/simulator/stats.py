"""The REST views computed from a book's trade tape: ``ticker`` (a rolling day) and ``ohlc``.

Every figure is a sum over the same trades that ``trades`` pages through and the WebSocket
``trades`` channel publishes, so volume, high, low, vwap and candles agree with each other.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bitsodata.simulator.engine import BookState, Exchange
from bitsodata.simulator.formatting import dec, iso
from bitsodata.simulator.tape import DAY_MS, Candle, Tape
from bitsodata.simulator.views import sides, time_style

HOUR_MS = 3_600_000
BUCKETS = (60, 300, 900, 1800, 3600, 14400, 43200, 86400, 604800)
"""``time_bucket`` values (seconds) that ``ohlc`` accepts."""
VOLUME = Decimal("0.00000001")


def _volume(tape: Tape, units: int) -> Decimal:
    return Decimal(units).scaleb(-tape.decimals).quantize(VOLUME)


def _vwap(tape: Tape, candle: Candle, places: Decimal) -> Decimal:
    return (Decimal(candle.notional) / Decimal(candle.volume) * tape.tick).quantize(places)


def ticker(ex: Exchange, state: BookState) -> dict[str, Any]:
    """REST ``ticker`` of one book: the last 24 hours of trades (to the minute); ``bid``/``ask``
    null on an empty side."""
    bids, asks = sides(state, ex.faults)
    now = ex.now_ms()
    tape = state.tape
    tick = tape.tick
    day, six = tape.window(now, DAY_MS), tape.window(now, 6 * HOUR_MS)
    last = state.trades[-1].fill.price if state.trades else state.spec.tick
    style = time_style(ex.faults, state.name, state.sequence)
    body: dict[str, Any] = {
        "book": state.name,
        "volume": dec(_volume(tape, day.volume if day else 0)),
        "high": dec(tick * day.high if day else last),
        "low": dec(tick * day.low if day else last),
        "last": dec(last),
        "vwap": dec(_vwap(tape, day, tick * Decimal("1e-10")) if day else last),
        "ask": dec(asks[0].price) if asks else None,
        "bid": dec(bids[0].price) if bids else None,
        "created_at": iso(now, style),
        "change_24": dec(last - tick * day.first if day else Decimal(0)),
    }
    first_six = tick * six.first if six else last
    change = (last - first_six) / first_six * 100
    body["rolling_average_change"] = {"6": dec(change.quantize(Decimal("0.0001")))}
    return body


def ohlc(state: BookState, bucket_s: int, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
    """REST ``ohlc``: buckets with at least one trade overlapping [start, end], oldest first."""
    tape = state.tape
    tick = tape.tick
    places = tick / 100
    return [
        {
            "bucket_start_time": c.start_ms,
            "first_trade_time": c.first_ms,
            "last_trade_time": c.last_ms,
            "first_rate": dec(tick * c.first),
            "last_rate": dec(tick * c.last),
            "min_rate": dec(tick * c.low),
            "max_rate": dec(tick * c.high),
            "trade_count": c.count,
            "volume": dec(_volume(tape, c.volume)),
            "vwap": dec(_vwap(tape, c, places)),
        }
        for c in tape.buckets(bucket_s * 1000, start_ms, end_ms)
    ]
