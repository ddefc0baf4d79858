"""Alert episodes: when each rule held on each book, from replaying rules over stored rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bitsodata.alerts.engine import AlertEngine
from bitsodata.alerts.events import FIRING
from bitsodata.alerts.rules import Rule
from bitsodata.domain.observation import Observation


@dataclass(frozen=True)
class Episode:
    """One spell of a rule firing on a book."""

    rule: str
    book: str
    severity: str
    threshold: float
    """The rule's ``above`` level (percent)."""
    started_at: datetime
    """When the spread first went above the threshold (before any ``for_seconds`` wait)."""
    fired_at: datetime
    """When the alert fired."""
    ended_at: datetime | None
    """When it resolved; None while still firing at the end of the range."""
    peak_spread: float
    """Highest spread (percent) seen while firing."""

    @property
    def seconds(self) -> int | None:
        """Length from ``started_at`` to ``ended_at`` (None while still firing)."""
        if self.ended_at is None:
            return None
        return int((self.ended_at - self.started_at).total_seconds())


def _at(tick: int) -> datetime:
    return datetime.fromtimestamp(tick, tz=UTC)


@dataclass
class _Open:
    rule: Rule
    since: int
    fired: int
    peak: float


def replay_episodes(observations: Iterable[Observation], rules: Sequence[Rule]) -> list[Episode]:
    """Feed the rows (in time order) through a fresh alert engine and pair FIRING/RESOLVED."""
    by_name = {rule.name: rule for rule in rules}
    engine = AlertEngine(rules)
    open_: dict[tuple[str, str], _Open] = {}
    done: list[Episode] = []
    for obs in observations:
        for event in engine.observe(obs):
            if event.kind != "spread" or event.rule not in by_name:
                continue
            key = (event.rule, event.book)
            if event.state == FIRING:
                value = float(event.value) if event.value is not None else 0.0
                open_[key] = _Open(by_name[event.rule], event.since, event.at, value)
            elif key in open_:
                done.append(_episode(open_.pop(key), event.book, event.at))
        if obs.spread is not None:
            for (_, book), spell in open_.items():
                if book == obs.book:
                    spell.peak = max(spell.peak, float(obs.spread))
    done.extend(_episode(spell, book, None) for (_, book), spell in open_.items())
    return sorted(done, key=lambda e: (e.started_at, e.book, e.rule))


def _episode(spell: _Open, book: str, ended: int | None) -> Episode:
    return Episode(
        rule=spell.rule.name,
        book=book,
        severity=spell.rule.severity,
        threshold=float(spell.rule.above),
        started_at=_at(spell.since),
        fired_at=_at(spell.fired),
        ended_at=None if ended is None else _at(ended),
        peak_spread=spell.peak,
    )
