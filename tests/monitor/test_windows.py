"""Window assembly: exactly window_seconds rows per book, in order, gaps as missing rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitsodata.domain.observation import Observation
from bitsodata.monitor.windows import WindowAssembler, complete_rows
from tests.monitor.helpers import T0


def ok(tick: int, book: str = "btc_mxn", bid: str = "1") -> Observation:
    return Observation(
        tick, book, Decimal(bid), Decimal("2"), Decimal("50"), None, tick - 0.1, 100, "ws", "ok"
    )


def test_absent_seconds_become_missing_rows() -> None:
    rows, filled = complete_rows("btc_mxn", T0, 10, [ok(T0 + 2), ok(T0 + 5)])
    assert [r.tick for r in rows] == list(range(T0, T0 + 10))
    assert [r.status for r in rows].count("ok") == 2 and filled == 8
    assert rows[2] == ok(T0 + 2)


def test_first_row_of_a_second_wins() -> None:
    assembler = WindowAssembler(["btc_mxn"], 10)
    assert assembler.add(ok(T0, bid="1"))
    assert not assembler.add(ok(T0, bid="9"))
    window = assembler.complete(T0)
    assert window.rows["btc_mxn"][0].bid == Decimal("1")


def test_windows_complete_on_their_last_second_only() -> None:
    assembler = WindowAssembler(["btc_mxn", "usd_mxn"], 10)
    for tick in range(T0, T0 + 12):
        assembler.add_many([ok(tick), ok(tick, "usd_mxn")])
    assert assembler.complete_through(T0 + 8) == []
    (window,) = assembler.complete_through(T0 + 9)
    assert window.start == T0 and window.end == T0 + 10
    assert {b: len(r) for b, r in window.rows.items()} == {"btc_mxn": 10, "usd_mxn": 10}
    assert assembler.open_windows() == [T0 + 10]


def test_a_book_with_no_row_at_all_still_gets_its_file() -> None:
    assembler = WindowAssembler(["btc_mxn", "usd_mxn"], 10)
    assembler.add(ok(T0 + 3))
    window = assembler.complete(T0)
    assert [r.status for r in window.rows["usd_mxn"]] == ["missing"] * 10


def test_window_length_must_tile_a_day() -> None:
    with pytest.raises(ValueError):
        WindowAssembler(["btc_mxn"], 7)


@given(st.sets(st.integers(0, 599)), st.sampled_from([60, 300, 600]))
def test_any_subset_of_seconds_completes_to_a_full_window(seconds: set[int], ws: int) -> None:
    start = T0 - T0 % ws
    present = [ok(start + s) for s in seconds if s < ws]
    rows, filled = complete_rows("btc_mxn", start, ws, present)
    assert len(rows) == ws and [r.tick for r in rows] == list(range(start, start + ws))
    assert filled == ws - len(present)
    assert {r.tick for r in rows if r.status == "ok"} == {r.tick for r in present}
