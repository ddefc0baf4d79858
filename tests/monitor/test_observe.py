"""observe(): the status and numbers of one book at one tick (DESIGN §3 freshness semantics)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitsodata.monitor.observe import observe
from tests.monitor.helpers import T0, link, top

STALE = 10.0


def test_spread_is_the_brief_formula_exactly() -> None:
    row = observe(T0, top(bid="790333.41", ask="790961.89"), link(T0 - 0.2), STALE)
    assert row.status == "ok"
    assert row.spread == (Decimal("790961.89") - Decimal("790333.41")) * 100 / Decimal("790961.89")
    assert row.bid == Decimal("790333.41") and row.ask == Decimal("790961.89")
    assert row.orderbook_timestamp == "2023-11-14T22:13:20+00:00"


def test_quiet_book_on_a_live_stream_is_ok_with_a_growing_age() -> None:
    quiet = top(received_at=T0 - 300)  # the top has not changed for five minutes
    rows = [observe(T0 + i, quiet, link(T0 + i - 0.5), STALE) for i in range(3)]
    assert [r.status for r in rows] == ["ok", "ok", "ok"]
    assert [r.age_ms for r in rows] == [300_000, 301_000, 302_000]


def test_silent_link_makes_a_websocket_top_stale() -> None:
    row = observe(T0, top(received_at=T0 - 1), link(T0 - STALE - 1), STALE)
    assert row.status == "stale"
    assert row.spread is not None  # the last known value is kept, flagged as suspect


def test_disconnected_link_is_ok_until_the_silence_threshold() -> None:
    recent = observe(T0, top(received_at=T0 - 1), link(T0 - 3, connected=False), STALE)
    assert recent.status == "ok"
    never = observe(T0, top(received_at=T0 - 1), link(None, connected=False), STALE)
    assert never.status == "stale"


@pytest.mark.parametrize(("age", "status"), [(9.0, "ok"), (10.0, "ok"), (10.5, "stale")])
def test_rest_values_go_stale_by_their_own_age(age: float, status: str) -> None:
    row = observe(T0, top(received_at=T0 - age, source="rest"), link(None, False), STALE)
    assert row.status == status and row.source == "rest"


def test_crossed_book_is_flagged_never_priced() -> None:
    row = observe(T0, top(bid="101", ask="100"), link(T0), STALE)
    assert row.status == "crossed" and row.spread is None
    locked = observe(T0, top(bid="100", ask="100"), link(T0), STALE)
    assert locked.status == "crossed" and locked.spread is None


@pytest.mark.parametrize(("bid", "ask"), [(None, "101"), ("100", None), (None, None)])
def test_empty_side_is_missing_without_a_spread(bid: str | None, ask: str | None) -> None:
    row = observe(T0, top(bid=bid, ask=ask), link(T0), STALE)
    assert row.status == "missing" and row.spread is None


def test_no_top_at_all_is_a_missing_row_with_null_prices() -> None:
    row = observe(T0, None, link(T0), STALE, book="usd_mxn")
    assert row.book == "usd_mxn" and row.status == "missing"
    assert (row.bid, row.ask, row.spread, row.age_ms, row.source) == (None,) * 5


def test_update_arriving_after_the_tick_has_age_zero() -> None:
    assert observe(T0, top(received_at=T0 + 0.004), link(T0), STALE).age_ms == 0


prices = st.decimals(min_value="0.01", max_value="10000000", places=2)


@given(bid=prices, ask=prices)
def test_status_and_spread_are_consistent(bid: Decimal, ask: Decimal) -> None:
    row = observe(T0, top(bid=str(bid), ask=str(ask)), link(T0), STALE)
    if ask > bid:
        assert row.status == "ok" and row.spread is not None
        assert 0 < row.spread < 100
        assert row.spread == (ask - bid) * 100 / ask
    else:
        assert row.status == "crossed" and row.spread is None
