"""The journal: exact round trip, durable appends, torn tails cut, segments dropped once written."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bitsodata.domain.observation import STATUSES, Observation
from bitsodata.monitor.journal import Journal, decode_row, encode_row
from tests.monitor.helpers import T0

decimals = st.decimals(allow_nan=False, allow_infinity=False, places=8, max_value=10**9)
observations = st.builds(
    Observation,
    tick=st.integers(0, 2**40),
    book=st.sampled_from(["btc_mxn", "usd_mxn"]),
    bid=st.none() | decimals,
    ask=st.none() | decimals,
    spread=st.none() | decimals,
    exchange_timestamp=st.none() | st.datetimes(timezones=st.just(UTC)),
    received_at=st.none() | st.floats(0, 2e9, allow_nan=False),
    age_ms=st.none() | st.integers(0, 10**9),
    source=st.sampled_from([None, "ws", "rest"]),
    status=st.sampled_from(STATUSES),
    sequence=st.none() | st.integers(0, 2**62),
)


@given(observations)
def test_rows_round_trip_exactly(obs: Observation) -> None:
    assert decode_row(encode_row(obs)) == obs


def _row(tick: int, book: str = "btc_mxn") -> Observation:
    return Observation(
        tick, book, Decimal("1.10"), Decimal("1.20"), Decimal("8.3333"),
        datetime(2023, 1, 1, tzinfo=UTC), tick - 0.25, 250, "ws", "ok", 7,
    )  # fmt: skip


def test_appended_ticks_read_back_in_order(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    for tick in range(T0, T0 + 3):
        journal.append(T0, tick, [_row(tick), _row(tick, "usd_mxn")])
    # read by a second instance, as a restarted process would (the first is never closed)
    rows = Journal(tmp_path).read(T0)
    assert [(r.tick, r.book) for r in rows] == [
        (t, b) for t in range(T0, T0 + 3) for b in ("btc_mxn", "usd_mxn")
    ]
    assert rows[0] == _row(T0)


def test_a_torn_last_line_is_ignored_then_cut_before_appending(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append(T0, T0, [_row(T0)])
    journal.close()
    with open(journal.path(T0), "ab") as fh:
        fh.write(b'{"tick": 1700000001, "rows": [{"tick"')  # power cut mid-write
    again = Journal(tmp_path)
    assert [r.tick for r in again.read(T0)] == [T0]
    again.append(T0, T0 + 1, [_row(T0 + 1)])
    assert [r.tick for r in Journal(tmp_path).read(T0)] == [T0, T0 + 1]


def test_segments_are_one_per_window_and_dropped_when_written(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append(T0, T0, [_row(T0)])
    journal.append(T0 + 10, T0 + 10, [_row(T0 + 10)])
    assert journal.segments() == [T0, T0 + 10]
    assert journal.size_bytes() > 0
    journal.drop(T0)
    assert journal.segments() == [T0 + 10]
    assert journal.read(T0) == []


def test_progress_only_moves_forward(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    assert journal.read_progress() is None
    journal.write_progress(T0 + 20)
    journal.write_progress(T0 + 10)
    assert Journal(tmp_path).read_progress() == T0 + 20
