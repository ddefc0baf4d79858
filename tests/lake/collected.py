"""A lake written by the real collector (on a fake clock and feed): prices that look like Bitso's
(whole pesos on btc_mxn, three decimals on usd_mxn), a quiet spell, a wide-spread spell and a
feed outage, across an hour boundary."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bitsodata.clock import FakeClock
from bitsodata.lake.storage import LocalStorage
from tests.monitor.helpers import BOOKS, make_collector, top

HOUR = 1_716_876_000  # 2024-05-28T06:00:00Z
START = HOUR - 120  # two 60-second windows before the hour, then after it
WINDOW = 60
FIRST = 5  # the collector starts 5 s into its first window: 5 missing rows per book
CUT = (150, 170)  # the stream is down: rows turn stale after 5 s


def prices(book: str, tick: int) -> tuple[str, str]:
    """Bid and ask at ``tick``."""
    i = tick - START
    if book == "btc_mxn":
        bid = 1_150_740 + 10 * (i % 7)
        ask = bid + (900 if 60 <= i < 90 else 1_700)  # 0.08 % or a wide 0.15 %
        if 200 <= i < 215:
            ask = bid + 14_000  # ~1.2 %: fires every default rule
        return str(bid), str(ask)
    bid_usd = Decimal("16.754") + Decimal(i % 5) / 1000
    return str(bid_usd), str(bid_usd + Decimal("0.009"))


def collect(root: Path, *, fmt: str = "parquet", seconds: int = 300) -> LocalStorage:
    """Run the collector for ``seconds`` ticks from ``START`` into a lake at ``root``."""
    storage = LocalStorage(root)
    clock = FakeClock(START + FIRST - 0.5)
    collector, _lake, feed, _sink = make_collector(
        root.parent / f"journal-{root.name}", clock, storage=storage, window_seconds=WINDOW,
        format=fmt, stale_after_seconds=5,
    )  # fmt: skip
    collector.start()
    for tick in range(START + FIRST, START + seconds):
        clock.set(tick + 0.001)
        cut = CUT[0] <= tick - START < CUT[1]
        feed.cut_at = START + CUT[0] if cut else None  # type: ignore[attr-defined]
        for book in BOOKS:
            if not cut:
                feed.set_top(top(book, *prices(book, tick), received_at=tick - 0.25, sequence=tick))  # type: ignore[attr-defined]
        collector.tick(tick)
    clock.set(START + seconds + 0.001)
    collector.writer.write_now()
    return storage
