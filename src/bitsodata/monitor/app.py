"""Builds the real collector from settings and runs it until a signal or the duration ends."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import sys
from collections.abc import Mapping, Sequence
from functools import partial

from bitsodata.alerts.rules import RulesFile
from bitsodata.alerts.sinks import LakeAlertLog, WebhookOutbox, build_sinks
from bitsodata.clock import Clock, SystemClock
from bitsodata.domain.depth import NotionalSize
from bitsodata.domain.observation import Observation
from bitsodata.exchange.feed import BitsoFeed
from bitsodata.lake.storage import Storage, open_storage
from bitsodata.monitor.journal import Journal
from bitsodata.monitor.latency import UpdateLag
from bitsodata.monitor.live import LiveTable, LogView, TickView
from bitsodata.monitor.service import Collector, CollectorReport, Parts, check_settings
from bitsodata.monitor.writer import UploadQueue, check_lake_writable
from bitsodata.settings import Settings

SWITCH_INTERVAL = 0.001
TICK_LEAD = 0.004
"""The sampler wakes this early and lands on the whole second itself (see ``Sampler``)."""


def lake_writer(
    storage: Storage,
    fmt: str,
    window_seconds: int,
    depth_sizes: Mapping[str, Sequence[NotionalSize]] | None = None,
) -> partial[str]:
    """``write(book, window_start, rows)`` for the collector, bound to a store and a format.

    With ``depth_sizes`` every window also gets its ``depth/`` file (written first: the spread
    file's key is what marks the window done, and a retry rewrites both identically).
    """
    return partial(_write, storage, fmt, window_seconds, depth_sizes)


def _write(
    storage: Storage,
    fmt: str,
    window_seconds: int,
    depth_sizes: Mapping[str, Sequence[NotionalSize]] | None,
    book: str,
    start: int,
    rows: Sequence[Observation],
) -> str:
    # Arrow loads with the first window file, in the writer's thread: not before the first tick
    from bitsodata.lake.depthfile import write_depth_window
    from bitsodata.lake.windowfile import write_window

    if depth_sizes is not None:
        sizes = depth_sizes.get(book, ())
        write_depth_window(storage, book, start, rows, sizes, fmt, window_seconds=window_seconds)
    return write_window(storage, book, start, rows, fmt, window_seconds=window_seconds)


def depth_sizes(settings: Settings) -> dict[str, tuple[NotionalSize, ...]] | None:
    """Sizes priced per watched book, or None when depth is off."""
    if not settings.depth.enabled:
        return None
    return {book: settings.depth.sizes_of(book) for book in settings.monitor.books}


def build_parts(settings: Settings, clock: Clock, *, live: bool) -> Parts:
    """Real feed, lake, journal, rules, sinks and view from the settings."""
    mon = settings.monitor
    storage = open_storage(settings.lake)
    check_lake_writable(storage)  # fail now, not after a run that wrote nothing
    fanout, outbox = build_sinks(settings.alerts, storage, clock)
    # The collector's delivery lane flushes the alert log once per batch (not once per event);
    # the webhook's lane goes first, so its worker thread is the first to start on a burst.
    sinks = sorted(
        (
            LakeAlertLog(storage, autoflush=False) if isinstance(s, LakeAlertLog) else s
            for s in fanout.sinks
        ),
        key=lambda s: not isinstance(s, WebhookOutbox),
    )
    view: TickView = LiveTable() if live else LogView()
    update_lag = UpdateLag(clock)
    sizes = depth_sizes(settings)
    feed = BitsoFeed(
        settings.exchange,
        mon.books,
        clock,
        on_update=update_lag,
        depth=settings.depth if sizes is not None else None,
    )
    return Parts(
        feed=feed,
        write=lake_writer(storage, mon.format, mon.window_seconds, sizes),
        journal=Journal(mon.journal_dir),
        rules=RulesFile(settings.alerts.rules_file),
        sinks=sinks,
        outbox=outbox,
        upload_queue=storage if isinstance(storage, UploadQueue) else None,
        view=view,
        update_lag=update_lag,
        tick_lead=TICK_LEAD,
        depth_sizes=sizes,
    )


async def run_collector(
    settings: Settings, *, duration: float | None = None, live: bool | None = None
) -> CollectorReport:
    """Run until SIGINT/SIGTERM or ``duration`` seconds; the live table when stdout is a TTY."""
    clock = SystemClock()
    check_settings(settings.monitor)  # refuse bad settings before touching the lake
    use_live = sys.stdout.isatty() if live is None else live
    collector = Collector(settings.monitor, build_parts(settings, clock, live=use_live), clock)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    # Everything built so far (modules, settings, parts) lives as long as the process: keep it out
    # of the collector's garbage collections, whose full passes would otherwise scan it all and
    # pause the loop for tens of milliseconds.
    gc.collect()
    gc.freeze()
    # Worker threads (window files, alert sinks) hold the GIL for up to the switch interval
    # (5 ms by default) before the event loop can run a due tick: keep that wait short.
    previous_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        return await collector.run(stop, duration=duration)
    finally:
        gc.unfreeze()
        sys.setswitchinterval(previous_interval)
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
