"""Prometheus metrics and /healthz, scraped over HTTP from a real server on loopback."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bitsodata.alerts.webhook import WebhookOutbox
from bitsodata.clock import FakeClock, SystemClock
from bitsodata.exchange.feed import FakeFeed, LinkState
from bitsodata.monitor.http import MetricsServer
from bitsodata.monitor.metrics import CollectorMetrics, judge_health
from tests.alerts.helpers import firing
from tests.deploy.metricnames import CONDITIONAL, CONTRACT
from tests.monitor.helpers import BOOKS, T0, LiveFeed, levels_file, make_collector, top


async def _scrape(port: int) -> tuple[str, httpx.Response]:
    async with httpx.AsyncClient() as client:
        metrics = await client.get(f"http://127.0.0.1:{port}/metrics")
        health = await client.get(f"http://127.0.0.1:{port}/healthz")
    return metrics.text, health


async def test_every_agreed_metric_is_served_with_live_values(tmp_path: Path) -> None:
    clock = FakeClock(T0 - 0.5)
    collector, _storage, feed, _sink = make_collector(
        tmp_path, clock, rules_file=levels_file(tmp_path)
    )
    assert isinstance(feed, LiveFeed)
    feed.stats.count_rest("order_book", "ok")
    feed.stats.ws_reconnects = 2
    collector.start()
    for tick in range(T0, T0 + 10):
        clock.set(tick + 0.001)
        feed.set_top(top("btc_mxn", "99", "100", received_at=tick - 0.25))
        collector.tick(tick)
    collector.writer.write_now()
    server = MetricsServer(collector.metrics.registry, collector.health, host="127.0.0.1", port=0)
    await server.start()
    try:
        assert server.port
        text, health = await _scrape(server.port)
    finally:
        await server.stop()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    names = {name for name, _ in samples}
    always = CONTRACT - CONDITIONAL  # this collector has no webhook and no full books
    assert names >= always, always - names
    assert samples[("bitsodata_spread_percent", (("book", "btc_mxn"),))] == 1.0
    assert samples[("bitsodata_book_age_seconds", (("book", "btc_mxn"),))] == 0.25
    key = ("bitsodata_observations_total", (("book", "usd_mxn"), ("status", "missing")))
    assert samples[key] == 10
    assert samples[("bitsodata_windows_written_total", (("book", "btc_mxn"),))] == 1
    assert samples[("bitsodata_window_ok_ratio", (("book", "usd_mxn"),))] == 0.0
    rest = ("bitsodata_rest_requests_total", (("endpoint", "order_book"), ("outcome", "ok")))
    assert samples[rest] == 1
    assert samples[("bitsodata_ws_reconnects_total", ())] == 2
    assert samples[("bitsodata_last_window_end_timestamp_seconds", (("book", "btc_mxn"),))] == (
        T0 + 10
    )
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert len(BOOKS) == 2


async def test_healthz_is_503_with_reasons_when_unhealthy(tmp_path: Path) -> None:
    clock = FakeClock(T0 + 0.5)
    collector, *_ = make_collector(tmp_path, clock, window_late_seconds=5)
    collector.start()
    clock.set(T0 + 40)  # three windows overdue, nothing written
    server = MetricsServer(collector.metrics.registry, collector.health, host="127.0.0.1", port=0)
    await server.start()
    try:
        assert server.port
        _text, health = await _scrape(server.port)
    finally:
        await server.stop()
    assert health.status_code == 503
    assert health.json()["status"] == "unhealthy" and health.json()["reasons"]


def _link(connected: bool, last: float | None, fallback: bool, locked: float | None) -> LinkState:
    return LinkState(connected, last, fallback, locked)


def test_stream_down_is_unhealthy_only_without_a_working_fallback() -> None:
    now = T0 - T0 % 600 + 1  # no window due yet
    common = {
        "started_at": now - 100.0,
        "last_written_end": None,
        "window_seconds": 600,
        "late_after": 30.0,
        "stale_after": 10.0,
    }
    assert judge_health(now, _link(True, now - 1, False, None), **common).ok  # type: ignore[arg-type]
    polling = _link(False, now - 60, True, None)
    assert judge_health(now, polling, **common).ok  # type: ignore[arg-type]
    locked = _link(False, now - 60, True, now + 30)
    verdict = judge_health(now, locked, **common)  # type: ignore[arg-type]
    assert not verdict.ok and "locked out" in verdict.reasons[0]


class UpRecorder(LiveFeed):
    """A feed (the port the exchange plugs into) noting ``collector_up`` whenever it is read."""

    def __init__(self, clock: FakeClock, stop: asyncio.Event) -> None:
        super().__init__(clock)
        self._halt = stop
        self.metrics: CollectorMetrics | None = None
        self.seen: list[float] = []

    def link_state(self) -> LinkState:
        if self.metrics is not None:  # read once per tick
            self.seen.append(_up(self.metrics))
            if len(self.seen) == 3:
                self._halt.set()
        return super().link_state()


def _up(metrics: CollectorMetrics) -> float:
    value = metrics.registry.get_sample_value("bitsodata_collector_up")
    assert value is not None
    return value


async def test_collector_up_is_one_while_running(tmp_path: Path) -> None:
    clock = FakeClock(T0 + 0.5)
    stop = asyncio.Event()
    feed = UpRecorder(clock, stop)
    collector, *_ = make_collector(tmp_path, clock, feed=feed)
    feed.metrics = collector.metrics
    await collector.run(stop)
    assert feed.seen[:3] == [1.0, 1.0, 1.0]
    assert _up(collector.metrics) == 0.0


async def test_webhook_delivery_failures_and_backlog_are_metrics(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on: every attempt fails
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    outbox = WebhookOutbox(
        f"http://127.0.0.1:{port}/hook", tmp_path / "o", SystemClock(), min_backoff=0.01,
        max_backoff=0.02,
    )  # fmt: skip
    metrics = CollectorMetrics()
    metrics.watch_outbox(outbox, lambda: len(outbox.pending()))
    outbox.publish(firing("wide", "btc_mxn", T0))
    stop = asyncio.Event()
    task = asyncio.create_task(outbox.run(stop))
    while outbox.failures < 3:
        await asyncio.sleep(0.01)
    stop.set()
    await task
    failures = metrics.registry.get_sample_value("bitsodata_alert_delivery_failures_total")
    assert failures is not None and failures >= 3
    assert metrics.registry.get_sample_value("bitsodata_alert_outbox_files") == 1


def test_full_books_are_exported_per_book() -> None:
    from prometheus_client import generate_latest

    from bitsodata.domain.book import OrderBook
    from bitsodata.exchange.books import FullBooks

    class Feed(FakeFeed):
        def __init__(self) -> None:
            super().__init__()
            self.full_books = FullBooks(["btc_mxn", "usd_mxn"])

    feed = Feed()
    sync = feed.full_books.syncs["btc_mxn"]
    sync.on_snapshot(OrderBook("btc_mxn", (), (), sequence=1), sync.snapshot_requested())
    feed.full_books.syncs["usd_mxn"].resync("gap")
    metrics = CollectorMetrics()
    metrics.watch_feed(feed)
    text = generate_latest(metrics.registry).decode()
    assert 'bitsodata_full_book_live{book="btc_mxn"} 1.0' in text
    assert 'bitsodata_full_book_live{book="usd_mxn"} 0.0' in text
    assert 'bitsodata_book_resyncs_total{book="usd_mxn"} 1.0' in text
