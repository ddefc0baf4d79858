"""Builds the real collector from settings and runs it until a signal or the duration ends."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence
from functools import partial

from bitsodata.alerts.rules import RulesFile
from bitsodata.alerts.sinks import build_sinks
from bitsodata.clock import Clock, SystemClock
from bitsodata.domain.observation import Observation
from bitsodata.exchange.feed import BitsoFeed
from bitsodata.lake.storage import Storage, open_storage
from bitsodata.lake.windowfile import write_window
from bitsodata.monitor.journal import Journal
from bitsodata.monitor.live import LiveTable, LogView, TickView
from bitsodata.monitor.service import Collector, CollectorReport, Parts
from bitsodata.monitor.writer import UploadQueue
from bitsodata.settings import Settings

SWITCH_INTERVAL = 0.001


def lake_writer(storage: Storage, fmt: str, window_seconds: int) -> partial[str]:
    """``write(book, window_start, rows)`` for the collector, bound to a store and a format."""
    return partial(_write, storage, fmt, window_seconds)


def _write(
    storage: Storage,
    fmt: str,
    window_seconds: int,
    book: str,
    start: int,
    rows: Sequence[Observation],
) -> str:
    return write_window(storage, book, start, rows, fmt, window_seconds=window_seconds)


def build_parts(settings: Settings, clock: Clock, *, live: bool) -> Parts:
    """Real feed, lake, journal, rules, sinks and view from the settings."""
    mon = settings.monitor
    storage = open_storage(settings.lake)
    fanout, outbox = build_sinks(settings.alerts, storage, clock)
    view: TickView = LiveTable() if live else LogView()
    return Parts(
        feed=BitsoFeed(settings.exchange, mon.books, clock),
        write=lake_writer(storage, mon.format, mon.window_seconds),
        journal=Journal(mon.journal_dir),
        rules=RulesFile(settings.alerts.rules_file),
        sinks=fanout.sinks,
        outbox=outbox,
        upload_queue=storage if isinstance(storage, UploadQueue) else None,
        view=view,
    )


async def run_collector(
    settings: Settings, *, duration: float | None = None, live: bool | None = None
) -> CollectorReport:
    """Run until SIGINT/SIGTERM or ``duration`` seconds; the live table when stdout is a TTY."""
    clock = SystemClock()
    use_live = sys.stdout.isatty() if live is None else live
    collector = Collector(settings.monitor, build_parts(settings, clock, live=use_live), clock)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    # Worker threads (window files, alert sinks) hold the GIL for up to the switch interval
    # (5 ms by default) before the event loop can run a due tick: keep that wait short.
    previous_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        return await collector.run(stop, duration=duration)
    finally:
        sys.setswitchinterval(previous_interval)
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
