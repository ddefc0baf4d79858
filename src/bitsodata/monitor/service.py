"""The collector: feed -> 1 Hz sampler -> journal -> windows -> lake, with alerts and metrics.

Order on every tick: observe every book (top of book, and its depth when full books are on),
journal the rows (durable), then feed the windows, the
alert rules, the data-quality checks, the metrics and the view. Window files and alert sinks are
written by background tasks, so I/O never delays a tick.

Stopping: SIGINT/SIGTERM, or ``duration`` seconds after the start. The sampler emits every second
up to and including ``floor(start + duration)``; each window whose last second was emitted is
written before the process exits, including the first one (seconds before the start are
``missing`` rows), so ``--duration 45 --window-seconds 10`` leaves 4 or 5 complete files per book
(one per window boundary crossed). The still-open window stays in the journal; the next start
completes it (the seconds it was down become ``missing``) and resumes.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from bitsodata.alerts.engine import AlertEngine, AlertEvent
from bitsodata.alerts.rules import RulesFile
from bitsodata.alerts.sinks import AlertSink
from bitsodata.alerts.webhook import WebhookOutbox
from bitsodata.clock import Clock
from bitsodata.crashpoints import crash_point
from bitsodata.domain.depth import NotionalSize
from bitsodata.domain.observation import Observation
from bitsodata.domain.windows import check_window_seconds, window_start
from bitsodata.errors import ConfigError
from bitsodata.exchange.feed import TopOfBookFeed
from bitsodata.lake.layout import check_book
from bitsodata.logs import event
from bitsodata.monitor.depth import with_depth
from bitsodata.monitor.http import MetricsServer
from bitsodata.monitor.journal import Journal
from bitsodata.monitor.latency import LoopStall, UpdateLag
from bitsodata.monitor.live import LogView, TickView
from bitsodata.monitor.metrics import CollectorMetrics, Health, judge_health
from bitsodata.monitor.observe import observe
from bitsodata.monitor.publisher import AlertPublisher
from bitsodata.monitor.quality import QualityChecks
from bitsodata.monitor.recovery import RecoveryPlan, finished_segments, recover
from bitsodata.monitor.sampler import Sampler
from bitsodata.monitor.windows import CompletedWindow, WindowAssembler
from bitsodata.monitor.writer import UploadQueue, WindowWriter, WriteFn
from bitsodata.settings import MonitorSettings

log = logging.getLogger(__name__)
VIEW_DELAY = 0.2
"""Seconds after a tick at which the view redraws (rendering never competes with a tick)."""


class RunnableFeed(TopOfBookFeed, Protocol):
    """A feed the collector starts and stops."""

    async def run(self, stop: asyncio.Event) -> None: ...


@dataclass(frozen=True, slots=True)
class CollectorReport:
    """What one run did."""

    first_tick: int | None
    last_tick: int | None
    ticks: int
    caught_up: int
    windows_written: int
    windows_left: int
    recovered_rows: int
    lateness_ms: dict[str, float]
    """Tick jitter: p50 / p99 / max of (handler call - whole second), milliseconds."""
    tick_work_ms: dict[str, float]
    """Time to observe, journal (fsync) and dispatch one tick: p50 / p99 / max, milliseconds."""
    update_lag_ms: dict[str, float]
    """Book update receipt -> available to the next observation: p50 / p99 / max, milliseconds."""
    loop_stall_ms: dict[str, float]
    """How late the event loop ran a timer (a frame's wait before it is read), milliseconds."""


@dataclass
class Parts:
    """Everything the collector talks to (real ones from ``build``, fakes in tests)."""

    feed: RunnableFeed
    write: WriteFn
    journal: Journal
    rules: RulesFile
    sinks: Sequence[AlertSink]
    """Where alert events go (each gets its own delivery lane)."""
    outbox: WebhookOutbox | None = None
    upload_queue: UploadQueue | None = None
    view: TickView | None = None
    metrics: CollectorMetrics | None = None
    update_lag: UpdateLag | None = None
    """The feed's ``on_update`` hook, when the feed was built with it (measurements)."""
    tick_lead: float = 0.0
    """``Sampler`` lead in seconds (real clock only): wake early, then land on the second."""
    depth_sizes: Mapping[str, Sequence[NotionalSize]] | None = None
    """Sizes priced per book when depth rows are on (None: no depth rows)."""


class Collector:
    """One collector process."""

    def __init__(self, settings: MonitorSettings, parts: Parts, clock: Clock) -> None:
        self.settings = settings
        self.books = check_settings(settings)
        self.parts = parts
        self.clock = clock
        self.metrics = parts.metrics or CollectorMetrics()
        self.metrics.watch_feed(parts.feed)
        self.metrics.prime(self.books)
        self.view: TickView = parts.view or LogView()
        self.engine = AlertEngine(parts.rules.current())
        self.quality = QualityChecks(
            self.engine,
            stale_after=settings.stale_after_seconds,
            after=settings.quality_alert_after_seconds,
            late_after=settings.window_late_seconds,
        )
        self.assembler = WindowAssembler(self.books, settings.window_seconds)
        self.publisher = AlertPublisher(parts.sinks)
        self.writer = WindowWriter(parts.write, self._written, clock, queue=parts.upload_queue)
        self.metrics.watch_writer(self.writer)
        if parts.outbox is not None:
            outbox = parts.outbox
            self.metrics.watch_outbox(outbox, lambda: len(outbox.pending()))
        self.started_at = clock.now()
        self.last_written_end: int | None = None
        self.windows_written = 0
        self.server: MetricsServer | None = None
        self._orphans: list[int] = []
        self._recovery_left: set[int] = set()
        self._fresh_from: int | None = None
        self._first_seen: dict[str, int] = {}
        """Per book, the first tick of this run with a book at all (not ``missing``)."""
        self._boundaries: dict[int, tuple[AlertEvent, ...]] = {}
        """Window start -> spread alerts firing just before that window's first row."""
        self.tick_work: deque[float] = deque(maxlen=100_000)
        self.loop_stall = LoopStall()

    # -- lifecycle --------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, *, duration: float | None = None) -> CollectorReport:
        """Recover, then tick until ``stop`` is set or ``duration`` seconds have passed."""
        plan = self.start()
        last_tick = math.floor(self.started_at + duration) if duration is not None else None
        sampler = Sampler(
            self.clock,
            self.tick,
            first_tick=plan.first_tick,
            last_tick=last_tick,
            lead=self.parts.tick_lead,
        )
        halts = _Halts()
        tasks = self._start_tasks(halts)
        await self._start_server()
        self.metrics.up.set(1)
        self.view.start()
        event(
            log,
            "collector_started",
            books=",".join(self.books),
            first_tick=plan.first_tick,
            window_seconds=self.settings.window_seconds,
            recovered_rows=plan.recovered_rows,
        )
        try:
            await sampler.run(stop)
        finally:
            self.view.stop()
            await halts.shutdown(tasks)
            self.metrics.up.set(0)
            await self._stop_server()
            self.parts.journal.close()
        self.parts.journal.mark_stopped(sampler.stats.last_tick)  # not reached by a crash
        report = CollectorReport(
            plan.first_tick,
            sampler.stats.last_tick,
            sampler.stats.ticks,
            sampler.stats.caught_up,
            self.windows_written,
            self.writer.pending,
            plan.recovered_rows,
            percentiles(sampler.stats.lateness),
            percentiles(self.tick_work),
            percentiles(self.parts.update_lag.samples if self.parts.update_lag else ()),
            percentiles(self.loop_stall.samples),
        )
        event(
            log,
            "collector_stopped",
            ticks=report.ticks,
            windows=report.windows_written,
            windows_left_in_journal=report.windows_left,
            tick_lateness_ms=report.lateness_ms,
            tick_work_ms=report.tick_work_ms,
            update_lag_ms=report.update_lag_ms,
            loop_stall_ms=report.loop_stall_ms,
        )
        return report

    def _start_tasks(self, halts: _Halts) -> dict[str, list[asyncio.Future[None]]]:
        grace = self.settings.stop_grace_seconds
        feed: list[asyncio.Future[None]] = [asyncio.ensure_future(self._run_feed(halts.feed))]
        if self.parts.outbox is not None:
            feed.append(asyncio.ensure_future(self.parts.outbox.run(halts.feed)))
        return {
            "writer": [asyncio.ensure_future(self.writer.run(halts.writer, grace))],
            "publisher": [asyncio.ensure_future(self.publisher.run(halts.publisher, grace))],
            "feed": [*feed, asyncio.ensure_future(self.loop_stall.run(halts.feed))],
        }

    async def _run_feed(self, halt: asyncio.Event) -> None:
        try:
            await self.parts.feed.run(halt)
        except Exception:  # keep sampling: the rows turn stale/missing and the alerts say why
            log.exception("feed stopped with an error")

    async def _start_server(self) -> None:
        port = self.settings.metrics_port
        if port is None:
            return
        host = self.settings.metrics_host
        self.server = MetricsServer(self.metrics.registry, self.health, host=host, port=port)
        await self.server.start()
        event(log, "metrics_serving", host=host, port=self.server.port)

    async def _stop_server(self) -> None:
        if self.server is not None:
            await self.server.stop()

    # -- recovery ---------------------------------------------------------------------------------

    def start(self) -> RecoveryPlan:
        """Recover from the journal: closed windows queued for writing, the open one resumed."""
        self.started_at = self.clock.now()
        journal = self.parts.journal
        # The seconds before this run's first tick are no incident after a first start or a
        # clean stop (someone stopped it on purpose); after a crash they are a real gap.
        stopped_cleanly = journal.take_stopped()
        fresh = stopped_cleanly or (journal.read_progress() is None and not journal.segments())
        plan = recover(
            journal,
            self.books,
            self.settings.window_seconds,
            self.clock.now(),
            backfill_max_seconds=self.settings.backfill_max_seconds,
        )
        closed_starts = {w.start for w in plan.closed}
        self._orphans = [s for s in finished_segments(journal, plan) if s not in closed_starts]
        self._recovery_left = set(closed_starts)
        # A run begins mid-window: those earlier seconds are `missing` in the file, but after a
        # first start or a clean stop they are not a gap in the data: no "incomplete" window.
        self._fresh_from = plan.first_tick if fresh else None
        warm = sorted(
            [*(r for w in plan.closed for rows in w.rows.values() for r in rows), *plan.open_rows],
            key=lambda r: (r.tick, r.book),
        )
        self._resume_alerts(warm)
        for alert in self.engine.active():
            self.metrics.alert_active.labels(alert.rule, alert.book).set(1)
        self.assembler.add_many(plan.open_rows)
        for window in plan.closed:
            self.writer.submit(window)
        if not plan.closed:
            self._drop_orphans()
        return plan

    def _resume_alerts(self, warm: Sequence[Observation]) -> None:
        """The alert rules as they were, and every event of the journaled ticks published again.

        The rules restart from the alerts that were firing at the start of the oldest journaled
        window (``alert-state.json``), then replay the journal, so no FIRING is repeated and none
        is forgotten. The events of the replay go again to the sinks that keep each event once
        (the webhook outbox, the lake alert log): an event a crash caught between the journal and
        the outbox is delivered now, one already delivered is not sent twice.
        """
        state = self.parts.journal.read_alert_state()
        quality = _decode_events(state.get("quality"))
        self.engine.restore(quality)
        boundaries = {
            int(start): _decode_events(events)
            for start, events in (state.get("boundaries") or {}).items()
            if str(start).isdigit()
        }
        ws = self.settings.window_seconds
        first = window_start(warm[0].tick, ws) if warm else None
        later = sorted(k for k in boundaries if first is None or k >= first)
        resume_at = (later[0] if first is not None else later[-1]) if later else None
        if resume_at is not None:
            self.engine.restore(boundaries[resume_at])
        # The restored alerts go out again too: one saved just before a crash may never have
        # reached the outbox (it keeps each event once, so a delivered one is not sent twice).
        replayed: list[AlertEvent] = [*self.engine.firing_quality(), *self.engine.firing_spread()]
        for row in warm:
            self._mark_boundary(row.tick)
            replayed += self.engine.observe(row)
        if replayed:
            self.publisher.submit(replayed, replayed=True)
            event(log, "alerts_replayed", events=len(replayed))
        horizon = first if first is not None else resume_at
        if self.parts.outbox is not None and horizon is not None:
            self.parts.outbox.forget_before(horizon, {e.key for e in self.engine.active()})

    def _mark_boundary(self, tick: int) -> None:
        """Remember the spread alerts firing just before the first row of a window is judged."""
        start = window_start(tick, self.settings.window_seconds)
        if start not in self._boundaries:
            self._boundaries[start] = self.engine.firing_spread()

    def _save_alert_state(self, window: CompletedWindow) -> None:
        """Before a window leaves the journal: the alerts a restart must resume from."""
        if window.end not in self._boundaries:  # no row after the window judged yet: state now
            self._boundaries[window.end] = self.engine.firing_spread()
        for start in [k for k in self._boundaries if k < window.start]:
            del self._boundaries[start]
        self._write_alert_state()

    def _write_alert_state(self) -> None:
        """Spread alerts at each journaled window's start, data-quality alerts as they are now."""
        self.parts.journal.write_alert_state(
            {
                "boundaries": {
                    str(k): [e.to_dict() for e in events] for k, events in self._boundaries.items()
                },
                "quality": [e.to_dict() for e in self.engine.firing_quality()],
            }
        )

    def _drop_orphans(self) -> None:
        for start in self._orphans:
            self.parts.journal.drop(start)
        self._orphans = []

    # -- every tick -------------------------------------------------------------------------------

    def tick(self, tick: int, _lateness: float = 0.0) -> list[Observation]:
        """One second: observe, journal (durable), then windows, alerts, metrics, view."""
        began = time.perf_counter()  # a measurement only; timing logic uses the injected clock
        feed = self.parts.feed
        link = feed.link_state()
        stale_after = self.settings.stale_after_seconds
        rows = [observe(tick, feed.latest(b), link, stale_after, book=b) for b in self.books]
        sizes = self.parts.depth_sizes
        if sizes is not None:
            rows = [with_depth(row, feed.depth_view(row.book), sizes) for row in rows]
        ws = self.settings.window_seconds
        self.parts.journal.append(window_start(tick, ws), tick, rows)
        self.assembler.add_many(rows)
        events = self._reload_rules()
        self._mark_boundary(tick)
        for row in rows:
            events += self.engine.observe(row)
            self.metrics.observed(row)
            if row.status != "missing":
                self._first_seen.setdefault(row.book, tick)
        events += self.quality.on_tick(tick, link, rows)
        events += self.quality.window_pending(tick, self.writer.oldest_pending_end())
        self._publish(events)
        for window in self.assembler.complete_through(tick):
            self.writer.submit(window)
        self.metrics.journal_bytes.set(self.parts.journal.size_bytes())
        self.metrics.upload_queue.set(self.writer.upload_queue_files)
        self._show(tick, rows)
        self.tick_work.append(time.perf_counter() - began)
        return rows

    def _show(self, tick: int, rows: list[Observation]) -> None:
        """Refresh the view a moment after the tick, well away from the next whole second."""
        active = self.engine.active()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.view.update(tick, rows, active)
            return
        loop.call_later(VIEW_DELAY, self.view.update, tick, rows, active)

    def _reload_rules(self) -> list[AlertEvent]:
        rules = self.parts.rules.reload_if_changed()
        return [] if rules is None else self.engine.set_rules(rules)

    def _publish(self, events: Sequence[AlertEvent]) -> None:
        if not events:
            return
        crash_point("alert_events")  # rows journaled, events not yet handed to any sink
        if any(alert.kind == "data_quality" for alert in events):
            # Data-quality state is not derived from the journal: save it before publishing, so
            # a restart resumes (and re-sends) it. Rare, so this write on the tick is cheap.
            self._write_alert_state()
        for alert in events:
            self.metrics.alerted(alert)
        self.publisher.submit(events)

    # -- windows ----------------------------------------------------------------------------------

    def _written(self, window: CompletedWindow, keys: dict[str, str]) -> None:
        journal = self.parts.journal
        self._save_alert_state(window)
        crash_point("alert_state_saved")
        journal.drop(window.start)
        crash_point("window_dropped")
        journal.write_progress(window.end)
        if self.parts.outbox is not None:
            firing = {e.key for e in self.engine.active()}  # a restart sends these again
            self.parts.outbox.forget_before(window.start, firing)  # no replay reaches the rest
        self.windows_written += 1
        self.last_written_end = max(self.last_written_end or 0, window.end)
        events: list[AlertEvent] = []
        for book, rows in window.rows.items():
            self.metrics.window(book, window.end, rows)
            judged = self._judged(book, rows)
            events += self.quality.window_written(book, window.end, judged)
        event(
            log,
            "window_written",
            window_start=window.start,
            files=len(keys),
            filled=sum(window.filled.values()),
            keys=",".join(keys.values()),
        )
        self._publish(events)
        self._recovery_left.discard(window.start)
        if self._orphans and not self._recovery_left:
            self._drop_orphans()

    def _judged(self, book: str, rows: Sequence[Observation]) -> list[Observation]:
        """The rows of a written window that can be an incident.

        After a first start or a clean stop, the seconds before the run's first observation of
        the book (the run had not begun, or was still connecting) are no gap in the data.
        """
        if self._fresh_from is None:
            return list(rows)
        since = max(self._fresh_from, self._first_seen.get(book, math.inf))
        return [r for r in rows if r.tick >= since]

    def health(self) -> Health:
        """The ``/healthz`` verdict now."""
        return judge_health(
            self.clock.now(),
            self.parts.feed.link_state(),
            started_at=self.started_at,
            last_written_end=self.last_written_end,
            window_seconds=self.settings.window_seconds,
            late_after=self.settings.window_late_seconds,
            stale_after=self.settings.stale_after_seconds,
            lake_error=self.writer.last_error,
        )


def check_settings(settings: MonitorSettings) -> tuple[str, ...]:
    """The books to watch; bad book ids or a window length that does not tile a day are errors."""
    try:
        check_window_seconds(settings.window_seconds)
        books = tuple(check_book(book) for book in settings.books)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if not books or len(set(books)) != len(books):
        raise ConfigError("books must be a non-empty list without repeats", books=books)
    return books


class _Halts:
    """Stop order: the windows reach the lake, then their alerts the sinks, then the links close."""

    def __init__(self) -> None:
        self.writer = asyncio.Event()
        self.publisher = asyncio.Event()
        self.feed = asyncio.Event()

    async def shutdown(self, tasks: dict[str, list[asyncio.Future[None]]]) -> None:
        for name in ("writer", "publisher", "feed"):
            getattr(self, name).set()
            for result in await asyncio.gather(*tasks[name], return_exceptions=True):
                if isinstance(result, Exception):
                    event(log, "task_failed", logging.ERROR, task=name, error=repr(result))


def _decode_events(raw: object) -> list[AlertEvent]:
    """Alert events saved as dicts; unreadable entries are skipped (and logged)."""
    out: list[AlertEvent] = []
    for item in raw if isinstance(raw, list) else []:
        try:
            out.append(AlertEvent.from_dict(item))
        except (ValueError, KeyError, TypeError) as exc:
            event(log, "alert_state_bad_entry", logging.ERROR, error=str(exc))
    return out


def percentiles(samples: Sequence[float] | deque[float]) -> dict[str, float]:
    """p50 / p99 / max of durations in seconds, as milliseconds (empty -> zeros)."""
    ordered = sorted(samples)
    if not ordered:
        return {"p50": 0.0, "p99": 0.0, "max": 0.0}

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    return {"p50": at(0.5), "p99": at(0.99), "max": round(ordered[-1] * 1000, 3)}


def rows_of(window: CompletedWindow) -> list[Observation]:
    """Every row of a completed window, book by book."""
    return [row for rows in window.rows.values() for row in rows]
