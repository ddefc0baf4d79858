"""Prometheus series of the full books, read from the feed at scrape time (no per-tick work)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bitsodata.exchange.books import FullBooks


class FullBookCollector(Collector):
    """Per book: exact or not, and how often its stream broke (gaps, repeats) and was resynced."""

    def __init__(self, feed: object) -> None:
        self._feed = feed

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        books = getattr(self._feed, "full_books", None)
        if not isinstance(books, FullBooks):
            return
        live = GaugeMetricFamily(
            "bitsodata_full_book_live",
            "1 while the book is kept exact from diff-orders",
            labels=["book"],
        )
        counters = {
            name: CounterMetricFamily(f"bitsodata_book_{name}", text, labels=["book"])
            for name, text in (
                ("resyncs", "Full-book resyncs (snapshot requests after a break or a reconnect)"),
                ("diff_gaps", "diff-orders sequence gaps seen"),
                ("diff_duplicates", "diff-orders sequences seen twice"),
            )
        }
        for book, sync in books.syncs.items():
            live.add_metric([book], 1.0 if sync.live else 0.0)
            counters["resyncs"].add_metric([book], sync.stats.resyncs)
            counters["diff_gaps"].add_metric([book], sync.stats.gaps)
            counters["diff_duplicates"].add_metric([book], sync.stats.duplicates)
        yield live
        yield from counters.values()
