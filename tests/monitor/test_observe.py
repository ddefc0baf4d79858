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


# -- the status table: one test per cell (priority, status, prices kept) ---------------------------

FROZEN = 37.0  # seconds without any traffic on the link: the source is suspect

# (case, top or None, seconds since the last frame, status, bid, ask, spread kept)
TABLE_CELLS = [
    ("no top at all", None, 0.5, "missing", None, None, False),
    ("frozen two-sided", ("100", "101"), FROZEN, "stale", "100", "101", True),
    ("frozen crossed", ("101", "100"), FROZEN, "stale", "101", "100", False),
    ("frozen bid only", ("100", None), FROZEN, "stale", "100", None, False),
    ("frozen ask only", (None, "101"), FROZEN, "stale", None, "101", False),
    ("live bid only", ("100", None), 0.5, "missing", None, None, False),
    ("live ask only", (None, "101"), 0.5, "missing", None, None, False),
    ("live crossed", ("101", "100"), 0.5, "crossed", "101", "100", False),
    ("live locked", ("100", "100"), 0.5, "crossed", "100", "100", False),
    ("live two-sided", ("100", "101"), 0.5, "ok", "100", "101", True),
]


@pytest.mark.parametrize(
    ("case", "sides", "silence", "status", "bid", "ask", "has_spread"),
    TABLE_CELLS,
    ids=[c[0] for c in TABLE_CELLS],
)
def test_status_table_cell(
    case: str,
    sides: tuple[str | None, str | None] | None,
    silence: float,
    status: str,
    bid: str | None,
    ask: str | None,
    has_spread: bool,
) -> None:
    book_top = None if sides is None else top(bid=sides[0], ask=sides[1], received_at=T0 - 40)
    row = observe(T0, book_top, link(T0 - silence), STALE, book="btc_mxn")
    assert row.status == status, case
    assert (row.bid, row.ask) == (
        None if bid is None else Decimal(bid),
        None if ask is None else Decimal(ask),
    )
    assert (row.spread is not None) == has_spread


def test_a_missing_row_never_keeps_a_price() -> None:
    for bid, ask in [("100", None), (None, "101"), (None, None)]:
        row = observe(T0, top(bid=bid, ask=ask), link(T0), STALE)
        assert row.status == "missing"
        assert (row.bid, row.ask, row.spread) == (None, None, None)


def test_old_rest_value_of_a_crossed_book_is_stale() -> None:
    old = top(bid="101", ask="100", received_at=T0 - FROZEN, source="rest")
    assert observe(T0, old, link(None, connected=False), STALE).status == "stale"
