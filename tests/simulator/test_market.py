"""The synthetic market looks like the real recordings (shared/data/bitso_observations)."""

from __future__ import annotations

import random
import statistics
from decimal import Decimal

from bitsodata.simulator.market import MarketModel
from bitsodata.simulator.specs import spec_for


def spreads(
    book: str, seconds: int, *, force_wide: bool = False
) -> tuple[list[float], list[float]]:
    model = MarketModel(spec_for(book), random.Random(f"3:{book}"))
    out, mids = [], []
    for _ in range(seconds * 2):
        bid, ask = model.step(0.5, force_wide=force_wide)
        assert ask > bid
        out.append(float((ask - bid) * 100 / ask))
        mids.append(float((ask + bid) / 2))
    return out, mids


def test_btc_mxn_spreads_and_level_match_the_2024_recordings() -> None:
    pct, mids = spreads("btc_mxn", 3600)
    inside = sum(0.1 <= p <= 0.25 for p in pct) / len(pct)
    assert inside > 0.7, f"only {inside:.0%} of spreads within 0.1-0.25 %"
    assert 0.14 < statistics.median(pct) < 0.21
    assert min(mids) > 1_080_000 and max(mids) < 1_220_000


def test_usd_mxn_spreads_around_five_basis_points() -> None:
    pct, mids = spreads("usd_mxn", 3600)
    assert 0.035 < statistics.median(pct) < 0.07
    assert min(mids) > 16.3 and max(mids) < 17.3


def test_wide_spread_episodes_exceed_one_percent() -> None:
    pct, _ = spreads("btc_mxn", 120, force_wide=True)
    assert min(pct) > 1.0 and max(pct) < 2.0


def test_prices_sit_on_the_tick_grid() -> None:
    model = MarketModel(spec_for("usd_mxn"), random.Random(1))
    for _ in range(100):
        bid, ask = model.step(0.3)
        assert bid == bid.quantize(Decimal("0.001")) and ask == ask.quantize(Decimal("0.001"))


def test_generic_books_are_valid_and_stable() -> None:
    spec = spec_for("sol_mxn")
    assert spec == spec_for("sol_mxn") and spec.mid > 0 and spec.tick > 0
