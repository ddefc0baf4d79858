"""Prometheus metrics of the collector and its ``/healthz`` verdict (names fixed in interfaces.md).

Per-book gauges and counters are updated on every tick; the feed's counters are read at scrape time
by ``FeedCollector`` so the feed never has to know about Prometheus.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bitsodata.alerts.engine import AlertEvent
from bitsodata.domain.observation import STATUSES, Observation
from bitsodata.domain.windows import window_start
from bitsodata.exchange.feed import LinkState
from bitsodata.exchange.stats import FeedStats
from bitsodata.monitor.bookmetrics import FullBookCollector

NAN = math.nan


class FeedView(Protocol):
    """The feed as the exporter sees it."""

    def link_state(self) -> LinkState: ...

    @property
    def stats(self) -> FeedStats: ...


class FeedCollector(Collector):
    """Link and REST counters straight from ``FeedStats`` at scrape time."""

    def __init__(self, feed: FeedView) -> None:
        self._feed = feed

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        stats, link = self._feed.stats, self._feed.link_state()
        yield GaugeMetricFamily(
            "bitsodata_ws_connected", "1 while the WebSocket is connected", value=link.ws_connected
        )
        yield CounterMetricFamily(
            "bitsodata_ws_reconnects_total", "WebSocket reconnections", value=stats.ws_reconnects
        )
        requests = CounterMetricFamily(
            "bitsodata_rest_requests_total",
            "REST requests sent, by endpoint and outcome",
            labels=("endpoint", "outcome"),
        )
        for key, count in sorted(stats.rest_requests.items()):
            endpoint, _, outcome = key.partition(":")
            requests.add_metric((endpoint, outcome or "unknown"), count)
        yield requests
        yield CounterMetricFamily(
            "bitsodata_rest_lockouts_total", "REST rate-limit lockouts", value=stats.rest_lockouts
        )


class Counted(Protocol):
    """Something that counts its own failures (the window writer, the webhook outbox)."""

    @property
    def failures(self) -> int: ...


class FailureCollector(Collector):
    """Failure counters of the lake writer and the webhook outbox, read at scrape time."""

    def __init__(self) -> None:
        self.writer: Counted | None = None
        self.outbox: Counted | None = None
        self.outbox_files: Callable[[], int] | None = None

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        if self.writer is not None:
            yield CounterMetricFamily(
                "bitsodata_window_write_failures_total",
                "Failed attempts to write a window file to the lake (each is retried)",
                value=self.writer.failures,
            )
        if self.outbox is not None:
            yield CounterMetricFamily(
                "bitsodata_alert_delivery_failures_total",
                "Failed webhook delivery attempts (each is retried from the outbox)",
                value=self.outbox.failures,
            )
        if self.outbox_files is not None:
            yield GaugeMetricFamily(
                "bitsodata_alert_outbox_files",
                "Alert events waiting in the webhook outbox",
                value=self.outbox_files(),
            )


@dataclass(frozen=True, slots=True)
class _BookSeries:
    """One book's per-tick series (``labels()`` looked up once, not every tick)."""

    spread: Gauge
    bid: Gauge
    ask: Gauge
    age: Gauge
    observations: dict[str, Counter]


class CollectorMetrics:
    """Every metric of one collector process, in its own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        r = self.registry = registry or CollectorRegistry()
        self.spread = Gauge(
            "bitsodata_spread_percent", "Spread in percent (ok rows)", ["book"], registry=r
        )
        self.bid = Gauge("bitsodata_best_bid", "Best bid of the last tick", ["book"], registry=r)
        self.ask = Gauge("bitsodata_best_ask", "Best ask of the last tick", ["book"], registry=r)
        self.age = Gauge(
            "bitsodata_book_age_seconds", "Tick minus receipt of the top used", ["book"], registry=r
        )
        self.observations = Counter(
            "bitsodata_observations_total", "Rows observed", ["book", "status"], registry=r
        )
        self.alerts = Counter(
            "bitsodata_alerts_total", "Alert transitions", ["rule", "book", "state"], registry=r
        )
        self.alert_active = Gauge(
            "bitsodata_alert_active", "1 while an alert fires", ["rule", "book"], registry=r
        )
        self.journal_bytes = Gauge("bitsodata_journal_bytes", "Journal size", registry=r)
        self.windows_written = Counter(
            "bitsodata_windows_written_total", "Window files written", ["book"], registry=r
        )
        self.last_window_end = Gauge(
            "bitsodata_last_window_end_timestamp_seconds",
            "End (epoch s) of the last window file written",
            ["book"],
            registry=r,
        )
        self.window_ok_ratio = Gauge(
            "bitsodata_window_ok_ratio", "Share of ok rows in the last window", ["book"], registry=r
        )
        self.upload_queue = Gauge(
            "bitsodata_upload_queue_files", "Files waiting for an upload", registry=r
        )
        self.up = Gauge("bitsodata_collector_up", "1 while the collector runs", registry=r)
        self._series: dict[str, _BookSeries] = {}
        self._failures = FailureCollector()
        r.register(self._failures)

    def watch_writer(self, writer: Counted) -> None:
        """Export the window writer's failure count."""
        self._failures.writer = writer

    def watch_outbox(self, outbox: Counted, files: Callable[[], int]) -> None:
        """Export the webhook outbox's failure count and backlog."""
        self._failures.outbox, self._failures.outbox_files = outbox, files

    def watch_feed(self, feed: FeedView) -> None:
        """Export the feed's link state and counters."""
        self.registry.register(FeedCollector(feed))
        self.registry.register(FullBookCollector(feed))

    def observed(self, row: Observation) -> None:
        """One tick of one book (label children cached: this runs books x 1 Hz)."""
        book = row.book
        series = self._series.get(book)
        if series is None:
            series = self._series[book] = _BookSeries(
                self.spread.labels(book),
                self.bid.labels(book),
                self.ask.labels(book),
                self.age.labels(book),
                {status: self.observations.labels(book, status) for status in STATUSES},
            )
        usable = row.status == "ok" and row.spread is not None
        series.spread.set(float(row.spread) if usable and row.spread is not None else NAN)
        series.bid.set(float(row.bid) if row.bid is not None else NAN)
        series.ask.set(float(row.ask) if row.ask is not None else NAN)
        series.age.set(row.age_ms / 1000 if row.age_ms is not None else NAN)
        series.observations[row.status].inc()

    def alerted(self, alert: AlertEvent) -> None:
        """One alert transition."""
        self.alerts.labels(alert.rule, alert.book, alert.state).inc()
        self.alert_active.labels(alert.rule, alert.book).set(1 if alert.state == "FIRING" else 0)

    def window(self, book: str, end: int, rows: Sequence[Observation]) -> None:
        """One window file in the lake."""
        self.windows_written.labels(book).inc()
        self.last_window_end.labels(book).set(end)
        ok = sum(1 for row in rows if row.status == "ok")
        self.window_ok_ratio.labels(book).set(ok / len(rows) if rows else 0.0)

    def prime(self, books: Sequence[str]) -> None:
        """Create every book's status series at zero, so rates exist before the first fault."""
        for book in books:
            for status in STATUSES:
                self.observations.labels(book, status)


@dataclass(frozen=True, slots=True)
class Health:
    """The ``/healthz`` verdict."""

    ok: bool
    reasons: tuple[str, ...] = field(default=())


def judge_health(
    now: float,
    link: LinkState,
    *,
    started_at: float,
    last_written_end: int | None,
    window_seconds: int,
    late_after: float,
    stale_after: float,
    lake_error: str | None = None,
) -> Health:
    """Unhealthy when the stream is down with no usable fallback, a window file is overdue, or
    the latest write to the lake failed (``lake_error``)."""
    reasons = []
    if lake_error is not None:
        reasons.append(f"lake write failing: {lake_error}")
    silent = link.last_frame_at is None or now - link.last_frame_at > stale_after
    stream_down = not link.ws_connected or silent
    locked = link.locked_out_until is not None and link.locked_out_until > now
    if stream_down and now - started_at > stale_after and (locked or not link.fallback_active):
        reasons.append("stream down and REST fallback " + ("locked out" if locked else "inactive"))
    due_end = window_start(math.floor(now - late_after), window_seconds)
    first_end = window_start(math.floor(started_at), window_seconds) + window_seconds
    if due_end >= first_end and (last_written_end is None or last_written_end < due_end):
        reasons.append(f"no window file written for the window ending at {due_end}")
    return Health(not reasons, tuple(reasons))


HealthProbe = Callable[[], Health]
