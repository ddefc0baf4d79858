"""The collector on fakes (clock, feed, memory lake): files, statuses, alerts, stopping."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from bitsodata.alerts.sinks import MemorySink
from bitsodata.clock import FakeClock
from bitsodata.domain.windows import window_start
from bitsodata.errors import LakeUnavailable
from bitsodata.lake.queue import QueuedStorage
from bitsodata.lake.storage import MemoryStorage
from bitsodata.monitor.service import Collector
from tests.monitor.helpers import (
    BOOKS,
    T0,
    LiveFeed,
    lake_rows,
    levels_file,
    make_collector,
    ticks_of,
    top,
    window_file,
)


def _feed_all(feed: LiveFeed, at: float, bid: str = "100", ask: str = "101") -> None:
    for book in BOOKS:
        feed.set_top(top(book, bid, ask, received_at=at))


async def test_duration_run_writes_exact_windows_and_keeps_the_open_one(tmp_path: Path) -> None:
    clock = FakeClock(T0 + 3.4)
    collector, storage, feed, _sink = make_collector(tmp_path, clock)
    assert isinstance(feed, LiveFeed)
    _feed_all(feed, T0)
    report = await collector.run(asyncio.Event(), duration=45)
    assert (report.first_tick, report.last_tick) == (T0 + 4, T0 + 48)
    files = lake_rows(storage)
    assert len(files) == 4 * len(BOOKS)  # [T0, T0+40) by 10 s; [T0+40, T0+50) is still open
    for book in BOOKS:
        for start in range(T0, T0 + 40, 10):
            rows = window_file(storage, book, start)
            assert ticks_of(rows) == list(range(start, start + 10))
            assert {r.book for r in rows} == {book}
        first = [r.status for r in window_file(storage, book, T0)]
        assert first == ["missing"] * 4 + ["ok"] * 6  # before the start: no book seen
    assert collector.parts.journal.segments() == [T0 + 40]
    assert report.windows_written == 4 and report.windows_left == 0


async def test_the_next_start_completes_the_window_left_open(tmp_path: Path) -> None:
    clock = FakeClock(T0 + 0.5)
    first, storage, feed, _ = make_collector(tmp_path, clock)
    _feed_all(feed, T0)  # type: ignore[arg-type]
    await first.run(asyncio.Event(), duration=14)  # ticks T0+1 .. T0+14
    clock.advance(3.0)  # down for the seconds T0+15 .. T0+17
    second, _, feed2, _ = make_collector(tmp_path, clock, storage=storage)
    _feed_all(feed2, clock.now())  # type: ignore[arg-type]
    await second.run(asyncio.Event(), duration=4)  # ticks T0+18 .. T0+21
    rows = window_file(storage, "btc_mxn", T0 + 10)
    statuses = [r.status for r in rows]
    assert statuses == ["ok"] * 5 + ["missing"] * 3 + ["ok"] * 2


def test_statuses_follow_the_feed_second_by_second(tmp_path: Path) -> None:
    clock = FakeClock(T0 - 0.5)
    collector, storage, feed, _ = make_collector(tmp_path, clock, stale_after_seconds=3)
    assert isinstance(feed, LiveFeed)
    plan = collector.start()
    assert plan.first_tick == T0
    script = {
        T0 + 0: ("100", "101"),
        T0 + 1: ("101", "100"),  # crossed
        T0 + 2: (None, "100"),  # empty bid side
        T0 + 3: ("100", "102"),
    }
    seen = []
    for tick in range(T0, T0 + 10):
        clock.set(tick + 0.002)
        if tick in script:
            bid, ask = script[tick]
            feed.set_top(top("btc_mxn", bid, ask, received_at=tick - 0.1))
        if tick == T0 + 4:
            feed.cut_at = tick - 0.5  # the link goes silent
        seen.append(collector.tick(tick)[0])
    collector.writer.write_now()
    statuses = [r.status for r in window_file(storage, "btc_mxn", T0)]
    assert statuses == [
        "ok",
        "crossed",
        "missing",
        "ok",
        "ok",
        "ok",
        "ok",
        "stale",
        "stale",
        "stale",
    ]
    assert [r.status for r in window_file(storage, "usd_mxn", T0)] == ["missing"] * 10
    assert seen[3].spread == Decimal(2) * 100 / Decimal(102)
    assert [r.age_ms for r in seen[3:6]] == [100, 1100, 2100]


def _alert_run(tmp_path: Path) -> tuple[Collector, MemorySink, FakeClock]:
    clock = FakeClock(T0 - 0.5)
    collector, _storage, feed, sink = make_collector(
        tmp_path, clock, quality_alert_after_seconds=5, rules_file=levels_file(tmp_path)
    )
    assert isinstance(feed, LiveFeed)
    collector.start()
    spreads = ["0.05"] * 3 + ["0.7"] * 4 + ["0.05"] * 3  # per tick: a wide-spread episode
    for i, pct in enumerate(spreads):
        tick = T0 + i
        clock.set(tick + 0.001)
        bid = str(Decimal(1000) - Decimal(pct) * 10)  # ask 1000: spread = pct exactly
        feed.set_top(top("btc_mxn", bid, "1000", received_at=tick - 0.1))
        feed.set_top(top("usd_mxn", "17.00", "17.001", received_at=tick - 0.1))
        collector.tick(tick)
    return collector, sink, clock


async def test_spread_rules_fire_once_and_resolve_once(tmp_path: Path) -> None:
    collector, sink, _clock = _alert_run(tmp_path)
    assert sink.events == []  # publishing happens off the tick, in a background task
    collector.publisher.publish_now()
    queued = sink.events
    spread_events = [(e.rule, e.book, e.state, e.at - T0) for e in queued if e.kind == "spread"]
    assert ("spread-0.5", "btc_mxn", "FIRING", 3) in spread_events
    assert ("spread-0.5", "btc_mxn", "RESOLVED", 7) in spread_events
    assert sum(1 for e in spread_events if e[0] == "spread-0.5") == 2  # no repeats while it holds
    assert all(e[1] == "btc_mxn" for e in spread_events)  # usd_mxn stays under 0.1 %


async def test_data_quality_alerts_for_stream_and_incomplete_window(tmp_path: Path) -> None:
    clock = FakeClock(T0 + 3.5)
    collector, storage, feed, sink = make_collector(tmp_path, clock, quality_alert_after_seconds=5)
    assert isinstance(feed, LiveFeed)
    feed.set_top(top("btc_mxn", received_at=T0))  # usd_mxn never delivers a book
    feed.cut_at = T0  # and the stream is down the whole run
    await collector.run(asyncio.Event(), duration=16)
    names = {(e.rule, e.book, e.state) for e in sink.events}
    assert ("stream_down", "*", "FIRING") in names
    assert ("book_stale", "usd_mxn", "FIRING") in names
    # the seconds before the very first start, or before a book's first observation, are
    # `missing` rows but no gap in the data: usd_mxn never came, book_stale says so
    assert ("window_incomplete", "usd_mxn", "FIRING") not in names
    assert ("window_incomplete", "btc_mxn", "FIRING") not in names
    assert len(lake_rows(storage)) == 2 * len(BOOKS)
    assert all(e.kind == "data_quality" for e in sink.events if e.rule == "stream_down")


async def test_health_reports_an_overdue_window(tmp_path: Path) -> None:
    clock = FakeClock(T0 + 0.5)
    collector, _storage, _feed, _sink = make_collector(tmp_path, clock, window_late_seconds=5)
    collector.start()
    assert collector.health().ok
    clock.set(T0 + 16)  # the window [T0, T0+10) is due at T0+15 and nothing was written
    verdict = collector.health()
    assert not verdict.ok and "no window file" in verdict.reasons[0]
    assert window_start(T0 + 16, 10) == T0 + 10


class FlakyStore(MemoryStorage):
    """A remote store (the port S3 implements) whose endpoint can be down."""

    def __init__(self) -> None:
        super().__init__("s3://bucket/lake")
        self.down = True

    def put(self, key: str, data: bytes) -> None:
        if self.down:
            raise LakeUnavailable("endpoint down", key=key)
        super().put(key, data)


def test_lake_outage_queues_windows_and_uploads_them_once_when_back(tmp_path: Path) -> None:
    # Synchronous on purpose: no event loop, so no timer or worker thread of this or another
    # test can interleave (the async version failed once under load).
    clock = FakeClock(T0 - 0.5)
    remote = FlakyStore()
    queued = QueuedStorage(remote, tmp_path / "queue", retry_seconds=0)
    collector, *_ = make_collector(tmp_path, clock, storage=queued, upload_queue=queued)
    assert isinstance(collector.parts.feed, LiveFeed)
    collector.start()
    for tick in range(T0, T0 + 20):
        clock.set(tick + 0.001)
        _feed_all(collector.parts.feed, tick - 0.2)
        collector.tick(tick)
        collector.writer.write_now()
    assert queued.pending() == 4 and remote.objects == {}
    assert collector.parts.journal.segments() == []  # the queued files are durable
    remote.down = False
    asyncio.run(collector.writer.flush_uploads())  # what the writer task does when idle
    assert queued.pending() == 0
    assert len(remote.objects) == 4 and set(remote.puts.values()) == {1}  # once each
    assert ticks_of(window_file(remote, "usd_mxn", T0 + 10)) == list(range(T0 + 10, T0 + 20))


def test_a_restart_does_not_fire_again_an_alert_already_firing(tmp_path: Path) -> None:
    clock = FakeClock(T0 - 0.5)
    levels = levels_file(tmp_path)
    first, storage, feed, sink = make_collector(tmp_path, clock, rules_file=levels)
    assert isinstance(feed, LiveFeed)
    first.start()
    for tick in range(T0, T0 + 4):  # btc_mxn at 0.7 %: above 0.1 and 0.5
        clock.set(tick + 0.001)
        feed.set_top(top("btc_mxn", "993", "1000", received_at=tick - 0.1))
        first.tick(tick)
    first.publisher.publish_now()
    fired = {e.rule for e in sink.events if e.state == "FIRING" and e.book == "btc_mxn"}
    assert fired == {"spread-0.1", "spread-0.5"}
    # crash, then restart two seconds later with the spread still wide
    clock.advance(2)
    second, _, feed2, sink2 = make_collector(tmp_path, clock, storage=storage, rules_file=levels)
    assert isinstance(feed2, LiveFeed)
    plan = second.start()
    for tick in range(plan.first_tick, plan.first_tick + 3):
        clock.set(tick + 0.001)
        feed2.set_top(top("btc_mxn", "993", "1000", received_at=tick - 0.1))
        second.tick(tick)
    second.publisher.publish_now()
    assert not [e for e in sink2.events if e.kind == "spread"]  # no second FIRING
    active = second.metrics.registry.get_sample_value(
        "bitsodata_alert_active", {"rule": "spread-0.5", "book": "btc_mxn"}
    )
    assert active == 1.0


async def test_the_first_window_after_a_clean_stop_is_no_incident(tmp_path: Path) -> None:
    clock = FakeClock(T0 + 3.5)
    first, storage, feed, sink = make_collector(tmp_path, clock, quality_alert_after_seconds=5)
    assert isinstance(feed, LiveFeed)
    _feed_all(feed, T0 + 3)
    await first.run(asyncio.Event(), duration=8)  # stopped cleanly at T0 + 11
    clock.set(T0 + 25.5)  # started again mid-window, 14 seconds later
    second, _s, feed2, sink2 = make_collector(tmp_path, clock, storage=storage,
                                              quality_alert_after_seconds=5)  # fmt: skip
    assert isinstance(feed2, LiveFeed)
    _feed_all(feed2, T0 + 25)
    await second.run(asyncio.Event(), duration=16)
    incidents = [e for e in [*sink.events, *sink2.events] if e.rule == "window_incomplete"]
    assert incidents == []
    assert window_file(storage, "btc_mxn", T0 + 20)[0].status == "missing"  # still explicit


async def test_the_gap_of_a_crash_is_an_incident(tmp_path: Path) -> None:
    clock = FakeClock(T0 + 3.5)
    first, storage, feed, _sink = make_collector(tmp_path, clock)
    assert isinstance(feed, LiveFeed)
    first.start()
    for tick in range(T0 + 4, T0 + 14):
        clock.set(tick + 0.001)
        _feed_all(feed, tick - 0.2)
        first.tick(tick)
        first.writer.write_now()
    clock.set(T0 + 16.5)  # killed at T0 + 13: no clean stop recorded
    second, _s, feed2, sink2 = make_collector(tmp_path, clock, storage=storage)
    assert isinstance(feed2, LiveFeed)
    second.start()
    for tick in range(T0 + 17, T0 + 21):
        clock.set(tick + 0.001)
        _feed_all(feed2, tick - 0.2)
        second.tick(tick)
        second.writer.write_now()
    second.publisher.publish_now()
    fired = [(e.book, e.state) for e in sink2.events if e.rule == "window_incomplete"]
    assert ("btc_mxn", "FIRING") in fired


def test_a_book_lost_after_its_first_observation_makes_an_incomplete_window(
    tmp_path: Path,
) -> None:
    clock = FakeClock(T0 + 2.5)  # a first start, mid-window
    collector, _storage, feed, sink = make_collector(tmp_path, clock)
    assert isinstance(feed, LiveFeed)
    collector.start()
    for tick in range(T0 + 3, T0 + 21):
        clock.set(tick + 0.001)
        if tick >= T0 + 5:  # the books arrive two seconds after the start (connecting)
            feed.set_top(top("btc_mxn", received_at=tick - 0.1))
        if T0 + 5 <= tick < T0 + 12:  # usd_mxn is seen, then lost
            feed.set_top(top("usd_mxn", received_at=tick - 0.1))
        elif tick >= T0 + 12:
            feed.clear("usd_mxn")
        collector.tick(tick)
        collector.writer.write_now()
    collector.publisher.publish_now()
    fired = {(e.book, e.at) for e in sink.events if e.rule == "window_incomplete"}
    assert fired == {("usd_mxn", T0 + 20)}  # not the first window, not btc_mxn
