"""Replaying rules over observations stored in the lake."""

from __future__ import annotations

from decimal import Decimal

from bitsodata.alerts.replay import replay, replay_lake
from bitsodata.alerts.rules import DEFAULT_RULES, Rule
from bitsodata.lake.storage import MemoryStorage
from bitsodata.lake.windowfile import write_window
from tests.alerts.helpers import episode

START = 1_700_000_040  # a whole minute: 2023-11-14T22:14:00Z


def stored(wide_by_book: dict[str, range]) -> MemoryStorage:
    """Two 60-second windows per book; spread 0.8 % at the ``wide`` offsets, 0.05 % otherwise."""
    store = MemoryStorage()
    for book, wide in wide_by_book.items():
        rows = episode(START, 120, wide, book)
        for w in range(0, len(rows), 60):
            write_window(store, book, START + w, rows[w : w + 60], "parquet", window_seconds=60)
    return store


def test_replay_over_the_lake_fires_and_resolves_like_the_live_engine() -> None:
    store = stored({"btc_mxn": range(50, 70), "usd_mxn": range(0)})
    rules = [Rule("wide", "*", Decimal("0.5"), for_seconds=5)]
    report = replay_lake(store, rules, START, START + 120)
    assert [(e.state, e.book, e.at) for e in report.events] == [
        ("FIRING", "btc_mxn", START + 55),
        ("RESOLVED", "btc_mxn", START + 70),
    ]
    assert report.observations == 240 and report.by_status == {"ok": 238, "missing": 2}
    assert report.firing_seconds() == {("wide", "btc_mxn"): 20}  # since 50, resolved at 70
    assert report.still_firing == ()


def test_replay_limits_to_book_and_range_and_reports_open_alerts() -> None:
    store = stored({"btc_mxn": range(50, 70), "usd_mxn": range(100, 120)})
    levels = [Rule(f"spread-{x}", "*", Decimal(x)) for x in ("0.1", "0.5", "1.0")]
    report = replay_lake(store, levels, START + 60, START + 120, "usd_mxn")
    assert report.first_tick == START + 60 and report.last_tick == START + 119
    assert {e.book for e in report.events} == {"usd_mxn"}
    assert [(e.rule, e.state) for e in report.events] == [
        ("spread-0.1", "FIRING"),
        ("spread-0.5", "FIRING"),
    ]
    assert {e.rule for e in report.still_firing} == {"spread-0.1", "spread-0.5"}
    assert report.firing_seconds()[("spread-0.5", "usd_mxn")] == 20


def test_replay_of_nothing_is_empty() -> None:
    report = replay([], DEFAULT_RULES)
    assert report.observations == 0 and report.events == () and report.firing_seconds() == {}
