"""The simulated depth is the recorded one (gaps between levels, level sizes), and it thins out
in episodes, so depth and slippage vary like a market's."""

from __future__ import annotations

import itertools
import json
import random
import statistics
from decimal import Decimal
from pathlib import Path

from bitsodata.simulator.calibration import compute_profile, stored_profile_data
from bitsodata.simulator.liquidity import Liquidity
from bitsodata.simulator.orderbook import ASK, BID, SimBook
from bitsodata.simulator.specs import spec_for

SAMPLES = "bitso_api_samples"


def recorded(shared_data: Path, name: str) -> dict[str, object]:
    body: dict[str, object] = json.loads(
        (shared_data / SAMPLES / f"bitso-java_public{name}.json").read_text()
    )
    return body


def test_the_stored_profile_is_what_the_recordings_give(shared_data: Path) -> None:
    bodies = [recorded(shared_data, n) for n in ("OrderBook", "Trades", "Ticker", "AvailableBooks")]
    assert compute_profile(*bodies) == stored_profile_data()


def levels(book: SimBook, side: int) -> list[tuple[Decimal, Decimal]]:
    out: dict[Decimal, Decimal] = {}
    for order in book.side(side):
        out[order.price] = out.get(order.price, Decimal(0)) + order.amount
    return list(out.items())


def depth_within(book: SimBook, side: int, share: float) -> float:
    rows = levels(book, side)
    best = float(rows[0][0])
    edge = best * (1 - share) if side == BID else best * (1 + share)
    inside = [a for p, a in rows if (float(p) >= edge if side == BID else float(p) <= edge)]
    return float(sum(inside))


def test_fresh_btc_mxn_books_look_like_the_recorded_one(shared_data: Path) -> None:
    real = recorded(shared_data, "OrderBook")["payload"]
    assert isinstance(real, dict)
    real_gaps, real_sizes = [], []
    for side in ("bids", "asks"):
        prices = [float(level["price"]) for level in real[side]]
        real_sizes += [float(level["amount"]) for level in real[side]]
        real_gaps += [abs(b - a) / a for a, b in itertools.pairwise(prices)]
    gaps, sizes = [], []
    for seed in range(20):
        book = SimBook(spec_for("btc_mxn"), random.Random(seed))
        book.seed(Decimal(1_150_000), Decimal(1_152_000), 0)
        for side in (BID, ASK):
            rows = levels(book, side)[:50]
            sizes += [float(a) for _, a in rows]
            gaps += [abs(float(b[0] - a[0])) / float(a[0]) for a, b in itertools.pairwise(rows)]
    for ours, theirs in ((gaps, real_gaps), (sizes, real_sizes)):
        ratio = statistics.median(ours) / statistics.median(theirs)
        assert 0.5 < ratio < 2, ratio


def test_thin_episodes_come_and_go() -> None:
    liquidity = Liquidity(random.Random(3))
    thin = [liquidity.step(1.0) < 0.4 and liquidity.thin for _ in range(48 * 3600)]
    share = sum(thin) / len(thin)
    assert 0.02 < share < 0.25, f"thin {share:.1%} of the time"
    starts = sum(1 for a, b in itertools.pairwise(thin) if b and not a)
    assert 10 < starts < 100, "about one episode an hour"


def run(book: SimBook, seconds: int, start_ms: int, bid: Decimal) -> int:
    at = start_ms
    for _ in range(seconds * 3):
        at += 333
        book.move(bid, bid + 2_000, at)
    return at


def test_a_thin_episode_drains_the_depth_near_the_top_and_it_comes_back() -> None:
    book = SimBook(spec_for("btc_mxn"), random.Random(11))
    bid = Decimal(1_150_000)
    book.seed(bid, bid + 2_000, 0)
    at = run(book, 60, 0, bid)
    normal = depth_within(book, ASK, 0.01)
    book.liquidity.thin_left, book.liquidity.thin_factor = 400.0, 0.15
    at = run(book, 120, at, bid)
    thin = depth_within(book, ASK, 0.01)
    assert thin < 0.5 * normal, (thin, normal)
    book.liquidity.thin_left = 0.0
    run(book, 180, at, bid)
    assert depth_within(book, ASK, 0.01) > 2 * thin
