"""No alert lost to a crash: what the journal holds is re-derived, and nothing is sent twice.

Fake clock and feed, a real journal and a real webhook outbox on disk; a "crash" is dropping the
collector object without letting its delivery lanes run, then building a new one on the same
folders (what a restart after ``kill -9`` sees). The real-process version is in test_e2e.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from bitsodata.alerts.rules import RulesFile
from bitsodata.alerts.sinks import MemorySink
from bitsodata.alerts.webhook import WebhookOutbox
from bitsodata.clock import FakeClock
from bitsodata.lake.storage import MemoryStorage
from bitsodata.monitor.app import lake_writer
from bitsodata.monitor.journal import Journal
from bitsodata.monitor.service import Collector, Parts
from tests.monitor.helpers import BOOKS, T0, LiveFeed, settings, top

RULES = '[[rule]]\nname = "wide"\nbook = "btc_mxn"\nabove = 0.5\nseverity = "warning"\n'
WIDE, NARROW = ("993", "1000"), ("999", "1000")  # 0.7 % and 0.1 %


class Process:
    """One collector "process" on the shared folders of ``tmp``."""

    def __init__(
        self, tmp: Path, clock: FakeClock, storage: MemoryStorage, *, quality_after: int = 3600
    ) -> None:
        (tmp / "rules.toml").write_text(RULES)
        mon = settings(journal_dir=tmp / "journal", quality_alert_after_seconds=quality_after)
        self.clock = clock
        self.feed = LiveFeed(clock)
        self.outbox = WebhookOutbox("http://127.0.0.1:9/hook", tmp / "outbox", clock)
        self.memory = MemorySink()
        parts = Parts(
            feed=self.feed,
            write=lake_writer(storage, mon.format, mon.window_seconds),
            journal=Journal(mon.journal_dir, fsync=False),
            rules=RulesFile(tmp / "rules.toml"),
            sinks=(self.outbox, self.memory),
            outbox=self.outbox,
        )
        self.collector = Collector(mon, parts, clock)
        self.next_tick = self.collector.start().first_tick

    def run(
        self,
        seconds: int,
        prices: tuple[str, str],
        *,
        deliver: bool = True,
        books: tuple[str, ...] = BOOKS,
    ) -> None:
        for tick in range(self.next_tick, self.next_tick + seconds):
            self.clock.set(tick + 0.001)
            for book in books:
                self.feed.set_top(top(book, *prices, received_at=tick - 0.1))
            self.collector.tick(tick)
            if deliver:
                self.collector.writer.write_now()
                self.collector.publisher.publish_now()
        self.next_tick += seconds

    def outbox_events(self) -> list[dict[str, object]]:
        return [json.loads(p.read_bytes()) for p in self.outbox.pending()]


def _spread(events: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return [(e["state"], e["at"], e["since"]) for e in events if e["kind"] == "spread"]


def test_an_event_caught_between_the_journal_and_the_outbox_is_delivered_after_restart(
    tmp_path: Path,
) -> None:
    clock, lake = FakeClock(T0 - 0.5), MemoryStorage()
    first = Process(tmp_path, clock, lake)
    first.run(3, NARROW)
    first.run(1, WIDE, deliver=False)  # FIRING computed and journaled; the process dies here
    assert _spread(first.outbox_events()) == []
    clock.advance(2)
    second = Process(tmp_path, clock, lake)
    second.collector.publisher.publish_now()
    fired = _spread(second.outbox_events())
    assert [state for state, _at, _since in fired] == ["FIRING"]
    assert not [e for e in second.memory.events if e.kind == "spread"]  # not logged twice
    second.run(2, WIDE)
    second.run(1, NARROW)
    states = [s for s, _a, _b in _spread(second.outbox_events())]
    assert states == ["FIRING", "RESOLVED"]  # its RESOLVED follows, never alone


def test_a_restart_does_not_queue_again_what_was_delivered(tmp_path: Path) -> None:
    clock, lake = FakeClock(T0 - 0.5), MemoryStorage()
    first = Process(tmp_path, clock, lake)
    first.run(2, WIDE)
    assert len(_spread(first.outbox_events())) == 1
    for path in first.outbox.pending():  # the receiver got it
        path.unlink()
    clock.advance(1)
    second = Process(tmp_path, clock, lake)
    second.collector.publisher.publish_now()
    assert second.outbox_events() == []


def test_an_alert_firing_before_the_journal_horizon_resolves_with_its_own_since(
    tmp_path: Path,
) -> None:
    clock, lake = FakeClock(T0 - 0.5), MemoryStorage()
    first = Process(tmp_path, clock, lake)
    first.run(25, WIDE)  # fires at once; two 10-second windows written and dropped since
    fired = _spread(first.outbox_events())
    assert [s for s, _a, _b in fired] == ["FIRING"]
    assert min(first.collector.parts.journal.segments()) > T0 + 10
    clock.advance(3)
    second = Process(tmp_path, clock, lake)
    second.run(2, WIDE)
    second.run(1, NARROW)
    events = _spread(second.outbox_events())
    assert [s for s, _a, _b in events] == ["FIRING", "RESOLVED"]  # no second FIRING
    assert events[1][2] == fired[0][2]  # the RESOLVED closes the alert that fired


def test_a_torn_outbox_file_is_dropped_and_its_event_rederived(tmp_path: Path) -> None:
    clock, lake = FakeClock(T0 - 0.5), MemoryStorage()
    first = Process(tmp_path, clock, lake)
    first.run(1, WIDE, deliver=False)
    torn = tmp_path / "outbox" / "000000000001-wide-btc_mxn-FIRING.json.tmp-123"
    torn.write_text('{"kind": "spread", "state": "FIRING"')  # as a kill -9 mid-save leaves it
    clock.advance(1)
    second = Process(tmp_path, clock, lake)
    second.collector.publisher.publish_now()
    assert not torn.exists()
    assert [s for s, _a, _b in _spread(second.outbox_events())] == ["FIRING"]


def test_a_data_quality_alert_caught_by_a_crash_is_sent_after_restart(tmp_path: Path) -> None:
    clock, lake = FakeClock(T0 - 0.5), MemoryStorage()
    first = Process(tmp_path, clock, lake, quality_after=2)
    first.run(2, NARROW, books=("btc_mxn",))  # usd_mxn has no book at all
    first.run(1, NARROW, books=("btc_mxn",), deliver=False)  # book_stale fires; then the crash
    assert first.outbox_events() == []
    clock.advance(1)
    second = Process(tmp_path, clock, lake, quality_after=2)
    second.collector.publisher.publish_now()
    second.run(1, NARROW)  # usd_mxn is back
    stale = [(e["state"], e["since"]) for e in second.outbox_events() if e["rule"] == "book_stale"]
    assert [state for state, _since in stale] == ["FIRING", "RESOLVED"]
    assert stale[0][1] == stale[1][1]  # the RESOLVED closes the alert that fired
