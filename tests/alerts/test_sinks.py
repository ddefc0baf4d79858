"""Log, memory, fan-out and the lake alert log (against the lake's MemoryStorage fake)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bitsodata.alerts.events import AlertEvent, Kind, State
from bitsodata.alerts.sinks import (
    Fanout,
    LakeAlertLog,
    LogSink,
    MemorySink,
    WebhookOutbox,
    build_sinks,
    read_alert_log,
)
from bitsodata.clock import FakeClock
from bitsodata.errors import LakeError
from bitsodata.lake.storage import LocalStorage, MemoryStorage
from bitsodata.settings import AlertSettings
from tests.alerts.helpers import T0, Records, firing

DAY = date(2023, 11, 14)  # T0 = 2023-11-14T22:13:20Z


class FlakyStorage(MemoryStorage):
    """The memory store with an outage switch."""

    down = False

    def put(self, key: str, data: bytes) -> None:
        if self.down:
            raise LakeError("store unavailable", key=key)
        super().put(key, data)


class BrokenSink:
    def publish(self, event: AlertEvent) -> None:
        raise RuntimeError("boom")


@given(
    st.sampled_from(["spread", "data_quality"]),
    st.sampled_from(["FIRING", "RESOLVED"]),
    st.none() | st.decimals(min_value=0, max_value=100, places=6),
    st.integers(0, 4_000_000_000),
    st.integers(0, 10_000),
)
def test_event_dict_round_trip(
    kind: Kind, state: State, value: Decimal | None, at: int, ago: int
) -> None:
    event = AlertEvent(
        kind, "r", "btc_mxn", state, value, Decimal("0.5"), at, max(0, at - ago), "info", "m"
    )
    data = json.loads(json.dumps(event.to_dict()))
    assert AlertEvent.from_dict(data) == event
    assert data["at"].endswith("+00:00") and (value is None or data["value"] == str(value))


def test_lake_alert_log_appends_per_utc_day_and_skips_duplicates() -> None:
    store = MemoryStorage()
    sink = LakeAlertLog(store)
    first, second, next_day = (
        firing("a", "btc_mxn", T0),
        firing("b", "usd_mxn", T0 + 5),
        firing("a", "btc_mxn", T0 + 86_400),
    )
    for event in (first, second, first, next_day):
        sink.publish(event)
    assert store.list("alerts/") == [
        "alerts/date=2023-11-14/alerts.jsonl",
        "alerts/date=2023-11-15/alerts.jsonl",
    ]
    assert read_alert_log(store, DAY) == [first, second]
    lines = store.get("alerts/date=2023-11-14/alerts.jsonl").decode().splitlines()
    assert [json.loads(line)["rule"] for line in lines] == ["a", "b"]


def test_lake_alert_log_keeps_events_through_a_store_outage() -> None:
    store = FlakyStorage()
    sink = LakeAlertLog(store)
    store.down = True
    with Records("bitsodata.alerts.sinks") as logged:
        sink.publish(firing("a", "btc_mxn", T0))
    assert sink.pending == 1 and store.list("alerts/") == []
    assert logged.events("alert_log_write_failed")
    store.down = False
    sink.publish(firing("b", "btc_mxn", T0 + 1))
    assert sink.pending == 0
    assert [e.rule for e in read_alert_log(store, DAY)] == ["a", "b"]


def test_lake_alert_log_on_a_local_lake(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    LakeAlertLog(store).publish(firing("a", "btc_mxn", T0))
    LakeAlertLog(store).publish(firing("b", "btc_mxn", T0 + 1))  # a restarted process appends
    assert [e.rule for e in read_alert_log(store, DAY)] == ["a", "b"]


def test_fanout_isolates_a_failing_sink_and_log_sink_writes_fields() -> None:
    memory = MemorySink()
    with Records("bitsodata.alerts.sinks") as logged:
        Fanout([BrokenSink(), LogSink(), memory]).publish(firing("a", "btc_mxn", T0))
    assert [e.rule for e in memory.events] == ["a"]
    assert logged.events("alert_sink_failed")[0]["sink"] == "BrokenSink"
    alert = logged.events("alert")[0]
    assert (alert["rule"], alert["state"], alert["value"]) == ("a", "FIRING", "0.75")


def test_build_sinks_follows_the_settings(tmp_path: Path) -> None:
    plain, none = build_sinks(AlertSettings(), None, FakeClock())
    assert none is None and [type(s).__name__ for s in plain.sinks] == ["LogSink"]
    settings = AlertSettings(webhook_url="http://127.0.0.1:9/hook", outbox_dir=tmp_path / "out")
    fanout, outbox = build_sinks(settings, MemoryStorage(), FakeClock())
    assert isinstance(outbox, WebhookOutbox) and outbox.url == "http://127.0.0.1:9/hook"
    assert [type(s).__name__ for s in fanout.sinks] == ["LogSink", "LakeAlertLog", "WebhookOutbox"]
    fanout.publish(firing("a", "btc_mxn", T0))
    assert len(outbox.pending()) == 1  # persisted before publish returned


def test_a_damaged_line_in_the_day_file_does_not_block_new_events() -> None:
    store = MemoryStorage()
    key = "alerts/date=2023-11-14/alerts.jsonl"
    store.put(key, b'{"truncated": \n[1, 2]\n')  # e.g. a hand edit; not ours to drop
    sink = LakeAlertLog(store)
    sink.publish(firing("a", "btc_mxn", T0))
    sink.publish(firing("a", "btc_mxn", T0))  # still deduplicated
    assert sink.pending == 0
    lines = store.get(key).decode().splitlines()
    assert lines[:2] == ['{"truncated": ', "[1, 2]"]
    assert [json.loads(line)["rule"] for line in lines[2:]] == ["a"]


def test_lake_alert_log_batches_a_burst_into_one_write_per_day() -> None:
    store = MemoryStorage()
    sink = LakeAlertLog(store, autoflush=False)
    burst = [firing(f"r{i}", "btc_mxn", T0) for i in range(300)] + [
        firing("late", "btc_mxn", T0 + 86_400)
    ]
    for alert in burst:
        sink.publish(alert)
    assert sink.pending == 301 and store.list("alerts/") == []  # queued, nothing written yet
    assert sink.flush() == 301
    assert sink.pending == 0 and sink.writes == 2  # one read-modify-write per UTC day
    assert [e.rule for e in read_alert_log(store, DAY)] == [f"r{i}" for i in range(300)]
    sink.publish(burst[0])  # already logged: skipped on the next flush
    assert sink.flush() == 1 and len(read_alert_log(store, DAY)) == 300
