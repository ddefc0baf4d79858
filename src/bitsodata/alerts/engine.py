"""The alert state machine: observations in, FIRING/RESOLVED transitions out. Pure, no I/O.

Semantics (per rule and book):
- A rule FIRES once at the first tick ``t`` at which the spread was ``> above`` at every second
  from ``t - for_seconds`` to ``t`` (``for_seconds = 0``: the first such tick).
- A firing rule RESOLVES once at the first tick whose spread is ``<= clear_below`` (or
  ``<= above`` when unset). Nothing is emitted in between: no repeats while the condition holds.
- Only ``ok`` rows with a spread count. ``missing``/``stale``/``crossed`` rows (and seconds with
  no row at all) neither start nor clear a spread alert: they break a pending ``for_seconds`` run
  (the spread was not seen to hold) but never resolve a firing alert (it was not seen to stop);
  data-quality problems are reported through ``quality()`` instead.
- ``set_rules``: unchanged rules (same name, same fields) keep their state. A removed or changed
  rule that was firing emits RESOLVED ("rule removed"/"rule changed"), so no receiver keeps an
  alert open forever; a changed rule then starts afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bitsodata.alerts.events import FIRING, RESOLVED, AlertEvent, Kind, State
from bitsodata.alerts.rules import AnyRule, Rule, check_unique
from bitsodata.domain.observation import Observation

__all__ = ["AlertEngine", "AlertEvent"]


@dataclass(slots=True)
class _Track:
    """State of one rule on one book."""

    run_since: int | None = None
    """First tick of the current run of consecutive seconds above the threshold."""
    last_tick: int | None = None
    firing: AlertEvent | None = None


class AlertEngine:
    """Evaluates spread rules on every observation, and data-quality conditions on demand."""

    def __init__(self, rules: Sequence[AnyRule]) -> None:
        self._rules = check_unique(rules)
        self._tracks: dict[tuple[str, str], _Track] = {}
        self._quality: dict[tuple[str, str], AlertEvent] = {}

    @property
    def rules(self) -> tuple[AnyRule, ...]:
        """The rules in force."""
        return self._rules

    def observe(self, obs: Observation) -> list[AlertEvent]:
        """Feed one observation; the transitions it causes (usually none)."""
        spread = obs.spread if obs.status == "ok" else None
        events: list[AlertEvent] = []
        for rule in self._rules:
            if not rule.applies_to(obs.book):
                continue
            track = self._tracks.setdefault((rule.name, obs.book), _Track())
            if track.last_tick is not None and obs.tick <= track.last_tick:
                continue  # duplicate or out of order: already judged
            value = spread if isinstance(rule, Rule) else metric_value(obs, rule.metric)
            if value is None:
                track.run_since = None
                track.last_tick = obs.tick
                continue
            event = self._step(rule, track, obs.book, obs.tick, value)
            if event is not None:
                events.append(event)
        return events

    def _step(
        self, rule: AnyRule, track: _Track, book: str, tick: int, value: Decimal
    ) -> AlertEvent | None:
        consecutive = track.last_tick is not None and tick == track.last_tick + 1
        track.last_tick = tick
        if track.firing is not None:
            if not rule.cleared(value):
                return None
            since = track.firing.since
            track.firing, track.run_since = None, None
            message = rule.resolved_text(book, value, tick - since)
            return _event(rule, book, RESOLVED, value, rule.clear_level, tick, since, message)
        if not rule.breached(value):
            track.run_since = None
            return None
        if track.run_since is None or not consecutive:
            track.run_since = tick
        if tick - track.run_since < rule.for_seconds:
            return None
        held = f" for {tick - track.run_since}s" if rule.for_seconds else ""
        message = rule.firing_text(book, value, held)
        track.firing = _event(
            rule, book, FIRING, value, rule.threshold, tick, track.run_since, message
        )
        return track.firing

    def quality(
        self,
        name: str,
        book: str,
        holding: bool,
        at: int,
        message: str,
        *,
        severity: str = "warning",
        value: Decimal | None = None,
    ) -> list[AlertEvent]:
        """Report whether a data-quality condition holds now; FIRING/RESOLVED once each.

        The caller decides what "holding" means (stream down, book stale longer than N s, window
        file late or incomplete); ``book`` may be ``"*"`` for process-wide conditions.
        """
        key = (name, book)
        firing = self._quality.get(key)
        if holding and firing is None:
            event = AlertEvent(
                "data_quality", name, book, FIRING, value, None, at, at, severity, message
            )
            self._quality[key] = event
            return [event]
        if not holding and firing is not None:
            del self._quality[key]
            return [
                AlertEvent(
                    "data_quality", name, book, RESOLVED, value, None, at, firing.since,
                    firing.severity, message,
                )
            ]  # fmt: skip
        return []

    def set_rules(self, rules: Sequence[AnyRule]) -> list[AlertEvent]:
        """Swap the rules; RESOLVED events for firing alerts of removed or changed rules."""
        new = {rule.name: rule for rule in check_unique(rules)}
        events: list[AlertEvent] = []
        for old in self._rules:
            if new.get(old.name) == old:
                continue
            why = "rule removed" if old.name not in new else "rule changed"
            for (name, book), track in list(self._tracks.items()):
                if name != old.name:
                    continue
                if track.firing is not None:
                    events.append(_retired(old, book, track, why))
                del self._tracks[(name, book)]
        self._rules = tuple(rules)
        return events

    def restore(self, firing: Sequence[AlertEvent]) -> None:
        """Take back alerts that were firing before a restart (FIRING events, as once emitted).

        Events of rules no longer in force, or that do not watch the book, are left out. Restored
        alerts resolve like any other: nothing is emitted now.
        """
        names = {rule.name: rule for rule in self._rules}
        for alert in firing:
            if alert.state != FIRING:
                continue
            if alert.kind == "data_quality":
                self._quality.setdefault((alert.rule, alert.book), alert)
                continue
            rule = names.get(alert.rule)
            if rule is None or not rule.applies_to(alert.book):
                continue
            track = self._tracks.setdefault((alert.rule, alert.book), _Track())
            if track.firing is None:
                track.firing = alert

    def firing_spread(self) -> tuple[AlertEvent, ...]:
        """The FIRING event of every spread alert that has not resolved."""
        return tuple(t.firing for t in self._tracks.values() if t.firing is not None)

    def quality_since(self, name: str, book: str) -> int | None:
        """When the firing data-quality alert ``name`` on ``book`` began (None: not firing)."""
        firing = self._quality.get((name, book))
        return firing.since if firing is not None else None

    def firing_quality(self) -> tuple[AlertEvent, ...]:
        """The FIRING event of every data-quality alert that has not resolved."""
        return tuple(self._quality.values())

    def active(self) -> tuple[AlertEvent, ...]:
        """The FIRING event of every alert (spread and data-quality) that has not resolved."""
        spread = (t.firing for t in self._tracks.values() if t.firing is not None)
        return (*spread, *self._quality.values())


def metric_value(obs: Observation, metric: str) -> Decimal | None:
    """A depth metric of the row (None without a depth row or when the value is null)."""
    return obs.depth.metrics.get(metric) if obs.depth is not None else None


def _event(
    rule: AnyRule,
    book: str,
    state: State,
    value: Decimal | None,
    threshold: Decimal | None,
    at: int,
    since: int,
    message: str,
) -> AlertEvent:
    kind: Kind = "spread" if isinstance(rule, Rule) else "metric"
    return AlertEvent(
        kind, rule.name, book, state, value, threshold, at, since, rule.severity, message
    )


def _retired(rule: AnyRule, book: str, track: _Track, why: str) -> AlertEvent:
    assert track.firing is not None and track.last_tick is not None
    message = f"{book} alert closed: {why} [{rule.name}]"
    return _event(
        rule, book, RESOLVED, None, rule.clear_level, track.last_tick, track.firing.since, message
    )
