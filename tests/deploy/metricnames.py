"""Which metric names the collector really exports, and which ones a PromQL text uses."""

from __future__ import annotations

import re
from decimal import Decimal

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bitsodata.alerts.events import AlertEvent
from bitsodata.domain.observation import Observation
from bitsodata.exchange.books import FullBooks
from bitsodata.exchange.feed import FakeFeed
from bitsodata.monitor.metrics import CollectorMetrics

# The agreed contract between the collector and deploy/ (names fixed before the code was written).
CONTRACT = frozenset(
    {
        "bitsodata_spread_percent",
        "bitsodata_best_bid",
        "bitsodata_best_ask",
        "bitsodata_book_age_seconds",
        "bitsodata_observations_total",
        "bitsodata_alerts_total",
        "bitsodata_alert_active",
        "bitsodata_ws_connected",
        "bitsodata_ws_reconnects_total",
        "bitsodata_rest_requests_total",
        "bitsodata_rest_lockouts_total",
        "bitsodata_journal_bytes",
        "bitsodata_windows_written_total",
        "bitsodata_last_window_end_timestamp_seconds",
        "bitsodata_window_ok_ratio",
        "bitsodata_upload_queue_files",
        "bitsodata_collector_up",
        "bitsodata_window_write_failures_total",
        "bitsodata_alert_delivery_failures_total",
        "bitsodata_alert_outbox_files",
        "bitsodata_full_book_live",
        "bitsodata_book_resyncs_total",
        "bitsodata_book_diff_gaps_total",
        "bitsodata_book_diff_duplicates_total",
    }
)
CONDITIONAL = frozenset(
    {
        "bitsodata_alert_delivery_failures_total",  # with a webhook outbox
        "bitsodata_alert_outbox_files",
        "bitsodata_full_book_live",  # with full books ([depth] enabled)
        "bitsodata_book_resyncs_total",
        "bitsodata_book_diff_gaps_total",
        "bitsodata_book_diff_duplicates_total",
    }
)
"""Agreed metrics a collector exports only when the part behind them runs."""

_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_RANGE = re.compile(r"\[[^\]]*\]")


class _FullBookFeed(FakeFeed):
    """The fake feed keeping full books, as a collector with depth enabled does."""

    def __init__(self) -> None:
        super().__init__()
        self.full_books = FullBooks(("btc_mxn",))


class _Failures:
    failures = 0


def scraped_names() -> frozenset[str]:
    """Sample names on the collector's real ``/metrics`` text after one tick, alert and window."""
    metrics = CollectorMetrics()
    feed = _FullBookFeed()
    feed.stats.count_rest("order_book", "ok")
    metrics.watch_feed(feed)
    metrics.watch_writer(_Failures())
    metrics.watch_outbox(_Failures(), lambda: 0)
    tick = 1_716_940_800
    row = Observation(tick, "btc_mxn", Decimal("100"), Decimal("101"), Decimal("0.99"), None,
                      tick - 0.5, 500, "ws", "ok", 1)  # fmt: skip
    metrics.observed(row)
    alert = AlertEvent("spread", "wide", "btc_mxn", "FIRING", Decimal("0.99"), Decimal("0.5"),
                       tick, tick, "warning", "wide")  # fmt: skip
    metrics.alerted(alert)
    metrics.window("btc_mxn", tick + 600, [row])
    text = generate_latest(metrics.registry).decode()
    return frozenset(
        sample.name for family in text_string_to_metric_families(text) for sample in family.samples
    )


def identifiers(promql: str) -> set[str]:
    """Metric and recording-rule names a PromQL expression uses (not labels, not strings)."""
    text = _RANGE.sub(" ", _QUOTED.sub('""', promql))
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    return {tok for tok in _IDENT.findall(text) if tok.startswith("bitsodata_") or ":" in tok}
