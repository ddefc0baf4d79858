"""Restart after a crash (or a clean stop): finish what the journal holds, resume the open window.

Every window from the last one known to be in the lake up to the open one is (re)written: from
the journal's rows, the seconds the process was down becoming ``missing`` rows, and all-``missing``
when the whole window fell inside the downtime (at most ``backfill_max_seconds`` back). The open
window's rows go back into the assembler and the sampler resumes at the first second not
journaled. Nothing observed is lost, nothing is duplicated (a rewrite replaces the same key).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bitsodata.domain.observation import Observation
from bitsodata.domain.windows import window_start
from bitsodata.monitor.journal import Journal
from bitsodata.monitor.windows import CompletedWindow, WindowAssembler


@dataclass(frozen=True, slots=True)
class RecoveryPlan:
    """What a restart does before the first tick."""

    first_tick: int
    """The first second the sampler emits."""
    open_start: int
    """Start of the window ``first_tick`` belongs to."""
    closed: tuple[CompletedWindow, ...]
    """Windows to write now, oldest first."""
    open_rows: tuple[Observation, ...]
    """Journaled rows of the open window, resumed into the assembler."""
    recovered_rows: int
    """Rows read back from the journal (closed and open windows)."""


def plan_recovery(
    rows: Iterable[Observation],
    books: Sequence[str],
    window_seconds: int,
    now: float,
    *,
    written_until: int | None = None,
    backfill_max_seconds: int = 3600,
) -> RecoveryPlan:
    """Pure: the journal's rows and the time of the restart in, the plan out."""
    assembler = WindowAssembler(books, window_seconds)
    count = 0
    last_tick: int | None = None
    for row in rows:
        count += assembler.add(row)
        last_tick = row.tick if last_tick is None else max(last_tick, row.tick)
    first_tick = math.floor(now) + 1
    if last_tick is not None:
        first_tick = max(first_tick, last_tick + 1)
    open_start = window_start(first_tick, window_seconds)
    starts = {s for s in assembler.open_windows() if s < open_start}
    # Windows are written oldest first, so everything from the progress mark (or from the oldest
    # journaled window on a first crash) up to the open window is still owed to the lake.
    first_rows = min(assembler.open_windows(), default=None)
    owed_from = written_until if written_until is not None else first_rows
    starts |= set(_owed_windows(owed_from, open_start, window_seconds, backfill_max_seconds))
    closed = tuple(assembler.complete(s) for s in sorted(starts))
    open_rows = tuple(assembler.rows(open_start))
    return RecoveryPlan(first_tick, open_start, closed, open_rows, count)


def _owed_windows(
    owed_from: int | None, open_start: int, window_seconds: int, backfill_max_seconds: int
) -> range:
    """Windows before the open one not known to be in the lake (capped for long outages)."""
    if owed_from is None:
        return range(0)
    first = max(owed_from, open_start - backfill_max_seconds)
    first = window_start(first + window_seconds - 1, window_seconds)  # round up to a boundary
    return range(first, open_start, window_seconds)


def recover(
    journal: Journal,
    books: Sequence[str],
    window_seconds: int,
    now: float,
    *,
    backfill_max_seconds: int = 3600,
) -> RecoveryPlan:
    """Read the journal and plan the restart; the open window's rows end up in its own segment."""
    segments = journal.segments()
    rows = [row for start in segments for row in journal.read(start)]
    plan = plan_recovery(
        rows,
        books,
        window_seconds,
        now,
        written_until=journal.read_progress(),
        backfill_max_seconds=backfill_max_seconds,
    )
    _regroup_open_window(journal, segments, plan)
    return plan


def _regroup_open_window(journal: Journal, segments: Sequence[int], plan: RecoveryPlan) -> None:
    """Only after a change of ``window_seconds`` can open-window rows sit in another segment."""
    if plan.open_start in segments or not plan.open_rows:
        return
    by_tick: dict[int, list[Observation]] = {}
    for row in plan.open_rows:
        by_tick.setdefault(row.tick, []).append(row)
    for tick in sorted(by_tick):
        journal.append(plan.open_start, tick, by_tick[tick])


def finished_segments(journal: Journal, plan: RecoveryPlan) -> list[int]:
    """Segments to drop once ``plan.closed`` is in the lake (everything but the open window's)."""
    return [start for start in journal.segments() if start != plan.open_start]
