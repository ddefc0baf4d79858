"""Data-quality alerts: each condition fires once after holding N seconds and resolves once."""

from __future__ import annotations

from decimal import Decimal

from bitsodata.alerts.engine import AlertEngine, AlertEvent
from bitsodata.domain.observation import Observation
from bitsodata.monitor.quality import QualityChecks
from tests.monitor.helpers import T0, link


def checks() -> QualityChecks:
    return QualityChecks(AlertEngine(()), stale_after=2, after=5, late_after=10)


def _states(events: list[AlertEvent]) -> list[tuple[str, str, str, int]]:
    return [(e.rule, e.book, e.state, e.at - T0) for e in events]


def test_stream_down_fires_after_holding_and_resolves_once_back() -> None:
    q = checks()
    events: list[AlertEvent] = []
    for i in range(20):
        tick = T0 + i
        alive = i < 3 or i >= 15  # frames stop after T0+2, come back at T0+15
        events += q.on_tick(tick, link(tick - 0.5 if alive else T0 + 2.5), [])
    # link dead from T0+5 (silent > 2 s); alert once it held 5 s; one FIRING, one RESOLVED
    assert _states(events) == [
        ("stream_down", "*", "FIRING", 10),
        ("stream_down", "*", "RESOLVED", 15),
    ]


def test_a_book_stale_or_missing_for_long_fires_per_book() -> None:
    q = checks()
    events: list[AlertEvent] = []
    for i in range(12):
        tick = T0 + i
        rows = [Observation.missing(tick, "usd_mxn") if 2 <= i < 9 else _ok(tick, "usd_mxn")]
        events += q.on_tick(tick, link(tick), rows)
    assert _states(events) == [
        ("book_stale", "usd_mxn", "FIRING", 7),
        ("book_stale", "usd_mxn", "RESOLVED", 9),
    ]


def test_a_restored_alert_whose_condition_still_holds_stays_firing_until_it_clears() -> None:
    engine = AlertEngine(())
    before = QualityChecks(engine, stale_after=2, after=5, late_after=10)
    fired = [e for i in range(12) for e in before.on_tick(T0 + i, link(T0 + 1.0), [
        Observation.missing(T0 + i, "usd_mxn")])]  # fmt: skip
    saved = engine.firing_quality()  # what the journal's alert state holds at a crash
    assert sorted((e.rule, e.state) for e in fired) == [
        ("book_stale", "FIRING"), ("stream_down", "FIRING")
    ]  # fmt: skip
    # the process restarts 100 s later: a new engine and new checks, the firing alerts restored
    restarted = AlertEngine(())
    restarted.restore(saved)
    q = QualityChecks(restarted, stale_after=2, after=5, late_after=10)
    events: list[AlertEvent] = []
    for i in range(100, 110):
        tick = T0 + i
        connected = i >= 103  # connecting for 3 s, then the book is still missing until 106
        rows = [_ok(tick, "usd_mxn") if i >= 106 else Observation.missing(tick, "usd_mxn")]
        events += q.on_tick(tick, link(tick - 0.5 if connected else None), rows)
    # no RESOLVED-then-FIRING again: each resolves once, when it is seen to clear, since it began
    assert _states(events) == [
        ("stream_down", "*", "RESOLVED", 103),
        ("book_stale", "usd_mxn", "RESOLVED", 106),
    ]
    assert {e.since for e in events} == {e.since for e in saved}


def test_late_window_fires_until_written() -> None:
    q = checks()
    late = [e for t in range(T0, T0 + 15) for e in q.window_pending(t, T0 + 2)]
    done = q.window_pending(T0 + 15, None)
    assert _states(late + done) == [
        ("window_late", "*", "FIRING", 12),
        ("window_late", "*", "RESOLVED", 15),
    ]


def test_incomplete_window_fires_and_a_complete_one_resolves() -> None:
    q = checks()
    gap = [_ok(T0, "btc_mxn"), Observation.missing(T0 + 1, "btc_mxn")]
    fired = q.window_written("btc_mxn", T0 + 2, gap)
    assert "1 of 2 seconds missing" in fired[0].message
    again = q.window_written("btc_mxn", T0 + 4, gap)
    fine = q.window_written("btc_mxn", T0 + 6, [_ok(T0 + 4, "btc_mxn"), _ok(T0 + 5, "btc_mxn")])
    assert _states(fired + again + fine) == [
        ("window_incomplete", "btc_mxn", "FIRING", 2),
        ("window_incomplete", "btc_mxn", "RESOLVED", 6),
    ]


def _ok(tick: int, book: str) -> Observation:
    one, two = Decimal(1), Decimal(2)
    return Observation(tick, book, one, two, Decimal(50), None, tick - 0.1, 100, "ws", "ok")
