"""Audit findings as alert events in the lake's alert log (the same log the collector writes).

A problem window gives one FIRING event per rule; when a later audit finds the window complete, a
RESOLVED event follows. Both carry the window start as ``at`` and ``since``, so event keys are
(rule, book, state, window start) and re-auditing a window never writes an event twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from bitsodata.alerts.events import FIRING, RESOLVED, AlertEvent
from bitsodata.alerts.sinks import Fanout, LakeAlertLog, LogSink, read_alert_log
from bitsodata.domain.windows import iso_second
from bitsodata.errors import LakeUnavailable
from bitsodata.lake.storage import Storage
from bitsodata.orchestration.audit import AuditPolicy, AuditReport, Outcome, WindowVerdict

log = logging.getLogger(__name__)

RULES: dict[Outcome, tuple[str, str]] = {
    "incomplete": ("lake_window_incomplete", "warning"),
    "late": ("lake_window_late", "warning"),
    "missing": ("lake_window_missing", "critical"),
}
"""Outcome -> (rule name, severity) of the data-quality alert it raises."""

_RULE_NAMES = {rule for rule, _ in RULES.values()}


def _share(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(f"{value:.4f}")


def problem_event(verdict: WindowVerdict, policy: AuditPolicy) -> AlertEvent:
    """The FIRING event of a window that is not complete."""
    rule, severity = RULES[verdict.outcome]
    incomplete = verdict.outcome == "incomplete"
    return AlertEvent(
        kind="data_quality",
        rule=rule,
        book=verdict.book,
        state=FIRING,
        value=_share(verdict.ok_share) if incomplete else None,
        threshold=_share(policy.min_ok_share) if incomplete else None,
        at=verdict.start,
        since=verdict.start,
        severity=severity,
        message=f"window {iso_second(verdict.start)} {verdict.outcome}: {verdict.reason}",
    )


def _day(epoch_seconds: int) -> date:
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).date()


def resolution_events(
    report: AuditReport, logged: Callable[[date], Sequence[AlertEvent]]
) -> list[AlertEvent]:
    """RESOLVED events for complete windows whose problem is still FIRING in the alert log."""
    out: list[AlertEvent] = []
    cache: dict[date, Sequence[AlertEvent]] = {}
    for verdict in report.verdicts:
        if verdict.outcome != "complete":
            continue
        day = _day(verdict.start)
        events = cache.setdefault(day, logged(day))
        mine = [
            e
            for e in events
            if e.rule in _RULE_NAMES and e.book == verdict.book and e.since == verdict.start
        ]
        resolved = {e.rule for e in mine if e.state == RESOLVED}
        for rule in sorted({e.rule for e in mine if e.state == FIRING} - resolved):
            out.append(
                AlertEvent(
                    kind="data_quality",
                    rule=rule,
                    book=verdict.book,
                    state=RESOLVED,
                    value=_share(verdict.ok_share),
                    threshold=None,
                    at=verdict.start,
                    since=verdict.start,
                    severity="info",
                    message=f"window {iso_second(verdict.start)} complete: {verdict.reason}",
                )
            )
    return out


def publish_audit(report: AuditReport, policy: AuditPolicy, storage: Storage) -> list[AlertEvent]:
    """Publish the report's events to the task log and the lake alert log (which must succeed)."""
    events = [problem_event(v, policy) for v in report.problems]
    events += resolution_events(report, lambda day: read_alert_log(storage, day))
    alert_log = LakeAlertLog(storage)
    sink = Fanout([LogSink(log), alert_log])
    for alert in events:
        sink.publish(alert)
    if alert_log.pending:
        raise LakeUnavailable("alert log could not be written", pending=alert_log.pending)
    return events
