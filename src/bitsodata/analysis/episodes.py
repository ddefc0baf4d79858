"""Alert episodes: when each rule held on each book, from the vectorised replay's arrays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bitsodata.alerts.rules import Rule
from bitsodata.analysis.replay import STILL_FIRING, EpisodeArrays


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


def episodes_of(rule: Rule, book: str, found: EpisodeArrays) -> list[Episode]:
    """Episodes from the arrays of ``analysis.replay.replay_rule``."""
    return [
        Episode(
            rule=rule.name,
            book=book,
            severity=rule.severity,
            threshold=float(rule.above),
            started_at=_at(int(found.started[i])),
            fired_at=_at(int(found.fired[i])),
            ended_at=None if found.ended[i] == STILL_FIRING else _at(int(found.ended[i])),
            peak_spread=float(found.peak[i]),
        )
        for i in range(len(found))
    ]
