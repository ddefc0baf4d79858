"""Crash and restart at random points: nothing observed is lost, nothing duplicated, gaps marked.

A "crash" abandons the collector object mid-run without closing anything (as ``kill -9`` would);
the writer may have kept up, fallen behind, or written the files without dropping the journal
segment. The lake is then checked second by second against what was actually observed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bitsodata.clock import FakeClock
from bitsodata.domain.observation import Observation
from bitsodata.domain.windows import window_start
from bitsodata.lake.layout import parse_window_key
from bitsodata.lake.storage import MemoryStorage
from bitsodata.monitor.recovery import plan_recovery
from bitsodata.monitor.service import Collector
from tests.monitor.helpers import BOOKS, T0, lake_rows, make_collector, top

WS = 10
KEEP_UP, FALL_BEHIND, WRITE_NO_DROP = 0, 1, 2


def _tick(collector: Collector, clock: FakeClock, tick: int) -> None:
    clock.set(tick + 0.001)
    for book in BOOKS:
        collector.parts.feed.set_top(top(book, received_at=tick - 0.5))  # type: ignore[attr-defined]
    collector.tick(tick)


def _crash_point(collector: Collector, mode: int) -> None:
    if mode == KEEP_UP:
        collector.writer.write_now()
    elif mode == WRITE_NO_DROP:  # files reach the lake, the process dies before the bookkeeping
        for window in collector.writer.pending_windows():
            for book, rows in window.rows.items():
                collector.parts.write(book, window.start, rows)


def _start(key: str) -> int:
    return parse_window_key(key)[1]


def _check_lake(storage: MemoryStorage, observed: set[int]) -> None:
    files = lake_rows(storage)
    first = window_start(min(observed), WS)
    last = window_start(max(observed), WS)
    starts = range(first, last + WS, WS)
    assert len(files) == len(starts) * len(BOOKS)
    for book in BOOKS:
        rows: list[Observation] = []
        for key in sorted((k for k in files if f"spreads/{book}/" in k), key=_start):
            assert len(files[key]) == WS  # exactly window_seconds rows per file
            rows += files[key]
        assert [r.tick for r in rows] == list(range(first, last + WS))  # no gap, no duplicate
        ok = {r.tick for r in rows if r.status == "ok"}
        missing = {r.tick for r in rows if r.status == "missing"}
        assert ok == observed  # nothing observed is lost
        assert missing == set(range(first, last + WS)) - observed  # the gaps, exactly


runs = st.lists(
    st.tuples(st.integers(1, 35), st.integers(0, 25), st.sampled_from([0, 1, 2])),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(runs=runs, offset=st.floats(0.0, 9.9))
def test_crashes_at_random_points_lose_nothing_and_mark_the_gaps(
    tmp_path_factory: pytest.TempPathFactory, runs: list[tuple[int, int, int]], offset: float
) -> None:
    tmp = tmp_path_factory.mktemp("crash")
    clock = FakeClock(T0 + offset)
    storage = MemoryStorage()
    observed: set[int] = set()
    for length, down, mode in runs:
        collector, *_ = make_collector(tmp, clock, storage=storage)
        plan = collector.start()
        for tick in range(plan.first_tick, plan.first_tick + length):
            _tick(collector, clock, tick)
            observed.add(tick)
            if mode == KEEP_UP:
                collector.writer.write_now()
        _crash_point(collector, mode)
        clock.advance(down + 0.3)  # the process is gone for a while; `collector` is abandoned
    # a last, clean run to the end of its open window writes everything still pending
    collector, *_ = make_collector(tmp, clock, storage=storage)
    plan = collector.start()
    end = window_start(plan.first_tick, WS) + WS
    for tick in range(plan.first_tick, end):
        _tick(collector, clock, tick)
        observed.add(tick)
    collector.writer.write_now()
    _check_lake(storage, observed)
    assert collector.parts.journal.segments() == []  # everything handed over, nothing pending


def test_windows_wholly_inside_the_downtime_are_written_all_missing() -> None:
    row = Observation.missing(T0 + 3, "btc_mxn")
    plan = plan_recovery([row], ["btc_mxn"], WS, now=T0 + 35.5)
    assert [w.start for w in plan.closed] == [T0, T0 + 10, T0 + 20]
    assert plan.first_tick == T0 + 36 and plan.open_start == T0 + 30
    assert all(r.status == "missing" for w in plan.closed[1:] for r in w.rows["btc_mxn"])


def test_backfill_is_capped(tmp_path: Path) -> None:
    row = Observation.missing(T0 + 3, "btc_mxn")
    plan = plan_recovery([row], ["btc_mxn"], WS, now=T0 + 10_000.5, backfill_max_seconds=20)
    assert [w.start for w in plan.closed] == [T0, T0 + 9980, T0 + 9990]


def test_restart_in_the_same_second_does_not_repeat_it(tmp_path: Path) -> None:
    clock = FakeClock(T0 + 0.5)
    collector, storage, *_ = make_collector(tmp_path, clock)
    plan = collector.start()
    _tick(collector, clock, plan.first_tick)
    again, *_ = make_collector(tmp_path, clock, storage=storage)  # restarted within 1 ms
    assert again.start().first_tick == plan.first_tick + 1
