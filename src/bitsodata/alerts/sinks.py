"""Where alert events go: the log, the lake's alert log, a webhook outbox, memory (tests).

Every sink's ``publish`` is quick and never raises into the sampler: ``Fanout`` isolates failures.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Protocol

from bitsodata.alerts.events import FIRING, AlertEvent
from bitsodata.alerts.webhook import WebhookOutbox
from bitsodata.clock import Clock
from bitsodata.errors import BitsodataError
from bitsodata.lake.layout import alert_log_key
from bitsodata.logs import event
from bitsodata.settings import AlertSettings

__all__ = [
    "AlertSink",
    "Fanout",
    "KeyValueStore",
    "LakeAlertLog",
    "LogSink",
    "MemorySink",
    "WebhookOutbox",
    "build_sinks",
    "read_alert_log",
]

log = logging.getLogger(__name__)

ALERT_LOG_NAME = "alerts.jsonl"


class AlertSink(Protocol):
    """Receives every transition; must return quickly (it runs on the sampler's tick)."""

    def publish(self, event: AlertEvent) -> None: ...


class KeyValueStore(Protocol):
    """The part of ``bitsodata.lake.storage.Storage`` the alert log needs."""

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...


class MemorySink:
    """Keeps events in a list (tests, the live view)."""

    def __init__(self) -> None:
        self.events: list[AlertEvent] = []

    def publish(self, event: AlertEvent) -> None:
        self.events.append(event)


class LogSink:
    """One structured log line per transition (warning when firing, info when resolved)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._log = logger or log

    def publish(self, alert: AlertEvent) -> None:
        level = logging.WARNING if alert.state == FIRING else logging.INFO
        event(self._log, "alert", level, **alert.to_dict())


class Fanout:
    """Publishes to every sink; one failing sink neither stops the others nor the caller."""

    def __init__(self, sinks: Iterable[AlertSink]) -> None:
        self.sinks: tuple[AlertSink, ...] = tuple(sinks)

    def publish(self, alert: AlertEvent) -> None:
        for sink in self.sinks:
            try:
                sink.publish(alert)
            except Exception as exc:  # a sink bug must not stop the sampler
                event(
                    log,
                    "alert_sink_failed",
                    logging.ERROR,
                    sink=type(sink).__name__,
                    key=alert.key,
                    error=str(exc),
                )


def alert_day(alert: AlertEvent) -> date:
    """The UTC day whose log file holds the event."""
    return datetime.fromtimestamp(alert.at, tz=UTC).date()


def encode_line(alert: AlertEvent) -> bytes:
    """One JSON line of the lake alert log."""
    return (json.dumps(alert.to_dict(), sort_keys=True) + "\n").encode()


def read_alert_log(store: KeyValueStore, day: date) -> list[AlertEvent]:
    """Every event logged for a UTC day (empty when none)."""
    key = alert_log_key(day, ALERT_LOG_NAME)
    if not store.exists(key):
        return []
    lines = store.get(key).decode().splitlines()
    return [AlertEvent.from_dict(json.loads(line)) for line in lines if line.strip()]


class LakeAlertLog:
    """Appends events to ``alerts/date=YYYY-MM-DD/alerts.jsonl`` in the lake.

    Object stores cannot append, so a write rewrites the day file (read, add, put). With
    ``autoflush`` (the default, for tools) every ``publish`` writes at once; the collector passes
    ``autoflush=False``: ``publish`` only queues and its delivery lane calls ``flush`` after each
    batch, so hundreds of events fired in one tick cost one read-modify-write per day, not one
    each. Events already in the file (same ``key``) are skipped, so a replayed or retried event
    never doubles. A failed write is kept and retried on the next flush. Thread-safe.
    """

    idempotent = True
    """Publishing an event twice (a replay after a restart) logs it once."""

    def __init__(self, storage: KeyValueStore, *, autoflush: bool = True) -> None:
        self._storage = storage
        self.autoflush = autoflush
        self._pending: list[AlertEvent] = []
        self._lock = threading.Lock()  # guards the queue
        self._writing = threading.Lock()  # one read-modify-write of a day file at a time
        self.writes = 0
        """Day files written so far (one per day per flush)."""

    @property
    def pending(self) -> int:
        """Events not yet written (queued, or the store was failing)."""
        with self._lock:
            return len(self._pending)

    def publish(self, alert: AlertEvent) -> None:
        with self._lock:
            self._pending.append(alert)
        if self.autoflush:
            self.flush()

    def flush(self) -> int:
        """Write every queued event, one read-modify-write per day; returns events handled.

        A day whose write fails keeps its events queued (and is logged); the others go on.
        """
        with self._writing:
            return self._flush()

    def _flush(self) -> int:
        with self._lock:
            batch, self._pending = self._pending, []
        by_day: dict[date, list[AlertEvent]] = {}
        for alert in batch:
            by_day.setdefault(alert_day(alert), []).append(alert)
        failed: list[AlertEvent] = []
        for day in sorted(by_day):
            try:
                self._append(day, by_day[day])
            except (BitsodataError, OSError) as exc:
                event(log, "alert_log_write_failed", logging.ERROR, day=str(day), error=str(exc))
                failed += by_day[day]
        if failed:
            with self._lock:
                self._pending = failed + self._pending
        return len(batch) - len(failed)

    def _append(self, day: date, batch: Sequence[AlertEvent]) -> None:
        key = alert_log_key(day, ALERT_LOG_NAME)
        old = self._storage.get(key) if self._storage.exists(key) else b""
        known = _logged_keys(old)
        new: list[AlertEvent] = []
        for alert in batch:
            if alert.key not in known:
                known.add(alert.key)
                new.append(alert)
        if not new:
            return
        if old and not old.endswith(b"\n"):
            old += b"\n"
        self._storage.put(key, old + b"".join(encode_line(a) for a in new))
        self.writes += 1


def _logged_keys(log_bytes: bytes) -> set[str]:
    """Event keys already in a day file; a foreign or damaged line is kept but cannot block us."""
    keys: set[str] = set()
    for line in log_bytes.decode("utf-8", "replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("key"), str):
            keys.add(record["key"])
    return keys


def build_sinks(
    settings: AlertSettings, storage: KeyValueStore | None, clock: Clock
) -> tuple[Fanout, WebhookOutbox | None]:
    """The collector's sinks: log, lake alert log (when a store is given), webhook (when set).

    The caller runs ``outbox.run(stop)`` as a task when an outbox is returned.
    """
    sinks: list[AlertSink] = [LogSink()]
    if storage is not None:
        sinks.append(LakeAlertLog(storage))
    outbox = None
    if settings.webhook_url is not None:
        outbox = WebhookOutbox(
            settings.webhook_url.get_secret_value(),
            settings.outbox_dir,
            clock,
            timeout=settings.webhook_timeout_seconds,
            max_backoff=settings.webhook_max_backoff_seconds,
        )
        sinks.append(outbox)
    return Fanout(sinks), outbox
