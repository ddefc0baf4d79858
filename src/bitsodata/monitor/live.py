"""What a person sees while the collector runs: a live table on a terminal, log lines otherwise."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from rich.console import Console
from rich.live import Live
from rich.table import Table

from bitsodata.alerts.engine import AlertEvent
from bitsodata.domain.observation import Observation
from bitsodata.domain.windows import iso_second
from bitsodata.logs import event

log = logging.getLogger(__name__)

_STYLE = {"ok": "green", "stale": "yellow", "missing": "red", "crossed": "magenta"}


class TickView(Protocol):
    """Shown every tick."""

    def start(self) -> None: ...

    def update(
        self, tick: int, rows: Sequence[Observation], active: Sequence[AlertEvent]
    ) -> None: ...

    def stop(self) -> None: ...


def _num(value: Decimal | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def render_table(tick: int, rows: Sequence[Observation], active: Sequence[AlertEvent]) -> Table:
    """Pure: one line per book (bid, ask, spread, age, status, its firing alerts)."""
    table = Table(title=f"bitsodata spread collector — {iso_second(tick)}", expand=False)
    for header in ("book", "bid", "ask", "spread %", "age", "status"):
        numeric = header in ("bid", "ask", "spread %", "age")
        table.add_column(header, justify="right" if numeric else "left", no_wrap=True)
    table.add_column("alerts", overflow="fold")
    for row in rows:
        alerts = ", ".join(a.rule for a in active if a.book in (row.book, "*"))
        age = "—" if row.age_ms is None else f"{row.age_ms / 1000:.1f}s"
        status = f"[{_STYLE.get(row.status, 'white')}]{row.status}[/]"
        table.add_row(
            row.book, _num(row.bid), _num(row.ask), _num(row.spread, 4), age, status, alerts
        )
    return table


class LiveTable:
    """A rich ``Live`` table refreshed on every tick (stdout must be a terminal)."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console or Console()
        self._live = Live(console=self._console, auto_refresh=False, transient=False)
        self._running = False

    def start(self) -> None:
        self._live.start()
        self._running = True

    def update(self, tick: int, rows: Sequence[Observation], active: Sequence[AlertEvent]) -> None:
        if self._running:  # a redraw scheduled just before the stop is dropped
            self._live.update(render_table(tick, rows, active), refresh=True)

    def stop(self) -> None:
        self._running = False
        self._live.stop()


class LogView:
    """No terminal: a structured summary line every ``every`` ticks (statuses per book)."""

    def __init__(self, every: int = 60) -> None:
        self._every = every

    def start(self) -> None:
        pass

    def update(self, tick: int, rows: Sequence[Observation], active: Sequence[AlertEvent]) -> None:
        if tick % self._every:
            return
        fields: dict[str, object] = {r.book: f"{r.status}:{_num(r.spread, 4)}" for r in rows}
        event(log, "tick", logging.INFO, tick=iso_second(tick), alerts=len(active), **fields)

    def stop(self) -> None:
        pass
