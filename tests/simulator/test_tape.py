"""The trade tape: a rolling day whose high and low leave with their trades, and exact candles."""

from __future__ import annotations

from decimal import Decimal

from bitsodata.simulator.tape import DAY_MS, MINUTE_MS, Tape

T0 = 1_716_940_800_000  # a whole day on the epoch grid


def test_a_day_old_high_leaves_the_window() -> None:
    tape = Tape(Decimal("10"), 8)
    tape.add(T0, Decimal("1200000"), Decimal("0.5"))
    tape.add(T0 + 3_600_000, Decimal("1150000"), Decimal("0.25"))
    day = tape.window(T0 + 3_600_000)
    assert day is not None and (day.high, day.low) == (120_000, 115_000)
    later = tape.window(T0 + DAY_MS + MINUTE_MS)
    assert later is not None and later.high == later.low == 115_000
    assert later.volume == 25_000_000 and later.count == 1


def test_buckets_are_exact_sums_of_their_trades() -> None:
    tape = Tape(Decimal("0.001"), 2)
    trades = [
        (T0 + 5_000, "16.781", "100.50"),
        (T0 + 50_000, "16.790", "20"),
        (T0 + 70_000, "16.770", "3.25"),
    ]
    for at, price, amount in trades:
        tape.add(at, Decimal(price), Decimal(amount))
    minutes = tape.buckets(MINUTE_MS, T0, T0 + DAY_MS)
    assert [(c.start_ms, c.count, c.first, c.last) for c in minutes] == [
        (T0, 2, 16_781, 16_790),
        (T0 + MINUTE_MS, 1, 16_770, 16_770),
    ]
    (five,) = tape.buckets(5 * MINUTE_MS, T0, T0 + DAY_MS)
    assert (five.high, five.low, five.volume) == (16_790, 16_770, 12_375)
    assert five.notional == 16_781 * 10_050 + 16_790 * 2_000 + 16_770 * 325
    assert tape.buckets(MINUTE_MS, T0 + 2 * MINUTE_MS, T0 + DAY_MS) == []
