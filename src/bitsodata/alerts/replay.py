"""Re-run alert rules over stored observations, to try new thresholds on history.

The same ``AlertEngine`` as the live collector, fed from the lake in (tick, book) order, so a replay
says exactly what the rules would have sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bitsodata.alerts.engine import AlertEngine
from bitsodata.alerts.events import FIRING, AlertEvent
from bitsodata.alerts.rules import AnyRule, MetricRule
from bitsodata.domain.observation import Observation
from bitsodata.lake.depthread import iter_depth, with_stored_depth
from bitsodata.lake.query import LakeSource, iter_observations, resolve_books
from bitsodata.lake.reader import LakeReader


@dataclass(frozen=True)
class ReplayReport:
    """What the rules would have done over a span of stored observations."""

    events: tuple[AlertEvent, ...]
    still_firing: tuple[AlertEvent, ...]
    """Alerts that had not resolved by the last observation."""
    observations: int
    by_status: dict[str, int] = field(default_factory=dict)
    first_tick: int | None = None
    last_tick: int | None = None

    def firing_seconds(self) -> dict[tuple[str, str], int]:
        """Seconds each (rule, book) spent firing, counting open alerts up to the last tick."""
        out: Counter[tuple[str, str]] = Counter()
        for event in self.events:
            if event.state != FIRING and event.kind != "data_quality":
                out[(event.rule, event.book)] += event.at - event.since
        for event in self.still_firing:
            if self.last_tick is not None:
                out[(event.rule, event.book)] += self.last_tick + 1 - event.since
        return dict(out)


def replay(observations: Iterable[Observation], rules: Sequence[AnyRule]) -> ReplayReport:
    """Feed every observation through a fresh engine."""
    engine = AlertEngine(rules)
    events: list[AlertEvent] = []
    statuses: Counter[str] = Counter()
    first = last = None
    for obs in observations:
        statuses[obs.status] += 1
        first = obs.tick if first is None else first
        last = obs.tick
        events.extend(engine.observe(obs))
    return ReplayReport(
        events=tuple(events),
        still_firing=engine.active(),
        observations=sum(statuses.values()),
        by_status=dict(statuses),
        first_tick=first,
        last_tick=last,
    )


def replay_lake(
    lake: LakeSource, rules: Sequence[AnyRule], start: int, end: int, book: str | None = None
) -> ReplayReport:
    """Replay the observations with ticks in ``[start, end)`` of a storage, settings or URL.

    With metric rules among ``rules`` the stored depth rows are merged in, so they see the
    metrics the live collector saw.
    """
    observations = iter_observations(lake, book, start, end)
    if any(isinstance(rule, MetricRule) for rule in rules):
        reader = LakeReader(lake)
        try:
            books = resolve_books(reader, [book] if book else None)
        finally:
            reader.con.close()
        observations = with_stored_depth(observations, iter_depth(lake, books, start, end))
    return replay(observations, rules)
