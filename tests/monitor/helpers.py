"""Builders shared by the monitor tests: tops of book, a live fake feed, a collector on fakes."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from bitsodata.alerts.rules import RulesFile
from bitsodata.alerts.sinks import MemorySink
from bitsodata.clock import Clock, FakeClock
from bitsodata.domain.book import Source, TopOfBook
from bitsodata.domain.depth import NotionalSize
from bitsodata.domain.observation import Observation
from bitsodata.exchange.feed import FakeFeed, LinkState
from bitsodata.lake.layout import spread_window_key
from bitsodata.lake.storage import MemoryStorage, Storage
from bitsodata.lake.windowfile import decode_window
from bitsodata.monitor.app import lake_writer
from bitsodata.monitor.journal import Journal
from bitsodata.monitor.live import TickView
from bitsodata.monitor.service import Collector, Parts
from bitsodata.monitor.writer import UploadQueue
from bitsodata.settings import MonitorSettings

BOOKS = ("btc_mxn", "usd_mxn")
T0 = 1_700_000_000  # 2023-11-14T22:13:20Z, a multiple of 10 and 20 but not of 600


def top(
    book: str = "btc_mxn",
    bid: str | None = "100",
    ask: str | None = "101",
    *,
    received_at: float = T0,
    source: Source = "ws",
    sequence: int | None = None,
) -> TopOfBook:
    return TopOfBook(
        book=book,
        bid=Decimal(bid) if bid is not None else None,
        ask=Decimal(ask) if ask is not None else None,
        exchange_timestamp=None,
        received_at=received_at,
        source=source,
        sequence=sequence,
    )


def link(last_frame_at: float | None, connected: bool = True) -> LinkState:
    return LinkState(
        ws_connected=connected,
        last_frame_at=last_frame_at,
        fallback_active=False,
        locked_out_until=None,
    )


class LiveFeed(FakeFeed):
    """A fake feed whose WebSocket carries keep-alives up to the clock's present, unless cut."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock
        self.cut_at: float | None = None

    def link_state(self) -> LinkState:
        if self.cut_at is not None:
            return link(self.cut_at, connected=False)
        return link(self.clock.now())


def settings(**fields: Any) -> MonitorSettings:
    base: dict[str, Any] = {"books": BOOKS, "window_seconds": 10, "journal_dir": Path("journal")}
    return MonitorSettings(**(base | fields))


def make_collector(
    tmp: Path,
    clock: FakeClock,
    *,
    storage: Storage | None = None,
    feed: FakeFeed | None = None,
    sink: MemorySink | None = None,
    view: TickView | None = None,
    upload_queue: UploadQueue | None = None,
    fsync: bool = False,
    rules_file: Path | None = None,
    depth_sizes: dict[str, tuple[NotionalSize, ...]] | None = None,
    **fields: Any,
) -> tuple[Collector, MemoryStorage, FakeFeed, MemorySink]:
    """A collector on fakes: memory lake (parquet), journal in ``tmp/journal``, default rules
    unless ``rules_file`` names others."""
    mon = settings(journal_dir=tmp / "journal", **fields)
    storage = storage if storage is not None else MemoryStorage()
    feed = feed if feed is not None else LiveFeed(clock)
    sink = sink if sink is not None else MemorySink()
    parts = Parts(
        feed=feed,
        write=lake_writer(storage, mon.format, mon.window_seconds, depth_sizes),
        journal=Journal(mon.journal_dir, fsync=fsync),
        rules=RulesFile(rules_file),
        sinks=(sink,),
        view=view,
        upload_queue=upload_queue,
        depth_sizes=depth_sizes,
    )
    return Collector(mon, parts, clock), storage, feed, sink  # type: ignore[return-value]


def lake_rows(storage: MemoryStorage, fmt: str = "parquet") -> dict[str, list[Observation]]:
    """Every window file's rows, by key."""
    return {
        key: decode_window(storage.get(key), fmt)
        for key in storage.list("spreads/")
        if key.endswith(fmt)
    }


def window_file(
    storage: MemoryStorage, book: str, start: int, fmt: str = "parquet"
) -> list[Observation]:
    return decode_window(storage.get(spread_window_key(book, start, fmt)), fmt)


def ticks_of(rows: Sequence[Observation]) -> list[int]:
    return [r.tick for r in rows]


LEVELS_TOML = "".join(
    f'[[rule]]\nname = "spread-{level}"\nbook = "*"\nabove = {level}\n\n'
    for level in ("0.1", "0.5", "1.0")
)
"""The brief's three levels as plain rules: no wait, no hysteresis (timing-free tests)."""


def levels_file(tmp: Path) -> Path:
    path = tmp / "levels.toml"
    path.write_text(LEVELS_TOML)
    return path
