"""Depth, fills, slippage and imbalance on books small enough to compute by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitsodata.domain.depth import (
    depth_row,
    liquidity,
    metric_names,
    number_label,
    parse_size,
    row_metric_names,
)

D = Decimal
# mid = 100.5; 0.5 % reaches 99.9975 / 101.0025, 1 % reaches 99.495 / 101.505
BIDS = [(D("100"), D("1")), (D("99.5"), D("2")), (D("98"), D("5"))]
ASKS = [(D("101"), D("1")), (D("101.5"), D("3")), (D("103"), D("4"))]
SIZES = [parse_size(s, "btc_mxn") for s in ("2 btc", "10 btc", "253.25 mxn")]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("depth_0p1pct_bid_base", "0"),
        ("depth_0p1pct_ask_quote", "0"),
        ("depth_0p5pct_bid_base", "1"),
        ("depth_0p5pct_ask_quote", "101"),
        ("depth_1pct_bid_base", "3"),
        ("depth_1pct_bid_quote", "299"),
        ("depth_1pct_ask_base", "4"),
        ("depth_1pct_ask_quote", "405.5"),
        ("depth_2pct_bid_base", "3"),  # 98 is 2.49 % away
        ("depth_2pct_ask_base", "4"),  # 103 is 2.49 % away
        ("imbalance_1pct", "-0.142857142857143"),  # (3 - 4) / 7
        ("imbalance_0p1pct", None),  # nothing on either side
        ("avg_price_buy_2btc", "101.25"),  # 1 @ 101 + 1 @ 101.5
        ("slippage_buy_2btc_bp", "74.6268656716418"),  # 0.75 / 100.5 * 10^4
        ("avg_price_sell_2btc", "99.75"),
        ("slippage_sell_2btc_bp", "74.6268656716418"),
        ("filled_buy_2btc", "1"),
        ("avg_price_buy_10btc", None),  # 8 BTC of asks in the whole book
        ("slippage_buy_10btc_bp", None),
        ("filled_buy_10btc", "0.8"),
        ("filled_sell_10btc", "0.8"),
        ("avg_price_buy_253p25mxn", "101.3"),  # 101 for 1 BTC, 152.25 for 1.5 BTC
        ("slippage_buy_253p25mxn_bp", "79.6019900497512"),  # 0.8 / 100.5 * 10^4
        ("filled_sell_253p25mxn", "1"),
    ],
)
def test_metrics_of_a_hand_computed_book(name: str, expected: str | None) -> None:
    values = liquidity(BIDS, ASKS, SIZES)
    assert values[name] == (D(expected) if expected is not None else None)


def test_a_one_sided_or_crossed_book_has_no_metrics_but_still_a_row() -> None:
    assert set(liquidity(BIDS, [], SIZES).values()) == {None}
    assert set(liquidity([(D("102"), D("1"))], ASKS, SIZES).values()) == {None}
    row = depth_row("orders", BIDS, [], SIZES, levels=(3, 0))
    assert row.source == "orders" and row.metrics["best_bid"] == D("100")
    assert row.metrics["mid"] is None and list(row.metrics) == row_metric_names(SIZES)


def test_names_say_side_band_and_size() -> None:
    names = metric_names([parse_size("1 btc", "btc_mxn")])
    assert "depth_1pct_ask_base" in names and "slippage_buy_1btc_bp" in names
    assert number_label(D("0.10")) == "0p1" and number_label(D("1E+4")) == "10000"
    assert parse_size("10000 USD", "usd_mxn").label == "10000usd"
    assert parse_size("100000 mxn", "usd_mxn").in_quote
    for bad in ("1 eth", "-1 btc", "btc", "0 btc"):
        with pytest.raises(ValueError):
            parse_size(bad, "btc_mxn")


levels = st.lists(
    st.tuples(
        st.decimals(min_value="1", max_value="200", places=2),
        st.decimals(min_value="0.01", max_value="5", places=2),
    ),
    min_size=1,
    max_size=30,
    unique_by=lambda level: level[0],
)


@given(levels, levels)
def test_buying_costs_and_selling_costs_and_depth_grows_with_the_band(
    bids: list[tuple[Decimal, Decimal]], asks: list[tuple[Decimal, Decimal]]
) -> None:
    bids, asks = sorted(bids, reverse=True), sorted(asks)
    values = liquidity(bids, asks, [parse_size("1 btc", "btc_mxn")])
    if asks[0][0] <= bids[0][0]:
        return
    for way in ("buy", "sell"):
        slip = values[f"slippage_{way}_1btc_bp"]
        filled = values[f"filled_{way}_1btc"]
        assert filled is not None and 0 < filled <= 1
        assert (slip is None) == (filled < 1)
        assert slip is None or slip > 0
    for side in ("bid", "ask"):
        depths = [values[f"depth_{b}_{side}_base"] for b in ("0p1pct", "0p5pct", "1pct", "2pct")]
        assert depths == sorted(depths)  # type: ignore[type-var]
