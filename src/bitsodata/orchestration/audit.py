"""The lake audit: is every closed window of every book in the lake, whole and mostly ``ok``?

A window ``[s, s + window_seconds)`` is due ``grace`` seconds after it closes. An audit run
ending at ``run_end`` inspects the windows that fell due in ``(run_end - lookback, run_end]``:
``complete`` (exactly ``window_seconds`` rows, one per second, enough ``ok`` rows),
``incomplete`` (wrong rows or too few ``ok``), ``late`` (absent, due less than ``missing_after``
ago) or ``missing`` (absent for longer).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bitsodata.domain.observation import Observation
from bitsodata.domain.windows import iso_second, window_start
from bitsodata.errors import LakeError
from bitsodata.lake.layout import legacy_window_key, spread_window_key
from bitsodata.lake.storage import Storage
from bitsodata.lake.windowfile import FORMATS, decode_window

Outcome = Literal["complete", "incomplete", "late", "missing"]
PROBLEMS: tuple[Outcome, ...] = ("incomplete", "late", "missing")


@dataclass(frozen=True)
class AuditPolicy:
    """What the audit expects of the lake (monitor and orchestration settings)."""

    books: tuple[str, ...]
    window_seconds: int
    fmt: str = "parquet"
    grace_seconds: int = 120
    lookback_seconds: int = 3600
    missing_after_seconds: int = 900
    min_ok_share: float = 0.9


@dataclass(frozen=True)
class WindowVerdict:
    """What the audit found for one window of one book."""

    book: str
    start: int
    outcome: Outcome
    reason: str
    key: str | None = None
    rows: int = 0
    ok_share: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, the window start as ISO-8601 UTC."""
        return {
            "book": self.book,
            "window_start": iso_second(self.start),
            "outcome": self.outcome,
            "reason": self.reason,
            "key": self.key,
            "rows": self.rows,
            "ok_share": self.ok_share,
        }


@dataclass(frozen=True)
class AuditReport:
    """Every window inspected by one audit run, ordered by (book, start)."""

    run_end: int
    verdicts: tuple[WindowVerdict, ...]

    @property
    def problems(self) -> tuple[WindowVerdict, ...]:
        """Windows that are not complete."""
        return tuple(v for v in self.verdicts if v.outcome != "complete")

    def counts(self) -> dict[str, int]:
        """Windows per outcome (every outcome present, zero included)."""
        out: dict[str, int] = {name: 0 for name in ("complete", *PROBLEMS)}
        for verdict in self.verdicts:
            out[verdict.outcome] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary for XCom and logs."""
        return {
            "run_end": iso_second(self.run_end),
            "counts": self.counts(),
            "problems": [v.to_dict() for v in self.problems],
        }


def due_windows(run_end: int, policy: AuditPolicy) -> list[int]:
    """Starts of the windows that fell due in ``(run_end - lookback, run_end]``, oldest first."""
    ws = policy.window_seconds
    last = window_start(run_end - ws - policy.grace_seconds, ws)
    starts = []
    start = last
    while start + ws + policy.grace_seconds > run_end - policy.lookback_seconds:
        starts.append(start)
        start -= ws
    return starts[::-1]


def _find(storage: Storage, book: str, start: int, fmt: str) -> tuple[str, str] | None:
    for candidate in (fmt, *(f for f in FORMATS if f != fmt)):
        for key in (
            spread_window_key(book, start, candidate),
            legacy_window_key(book, start, candidate),
        ):
            if storage.exists(key):
                return key, candidate
    return None


def judge_rows(
    book: str, start: int, rows: Sequence[Observation], policy: AuditPolicy, key: str
) -> WindowVerdict:
    """Complete or incomplete: one row per second of the window, and enough ``ok`` rows."""
    ws = policy.window_seconds
    expected = set(range(start, start + ws))
    ticks = [obs.tick for obs in rows if obs.book == book]
    ok_share = sum(obs.status == "ok" for obs in rows) / ws
    outcome: Outcome = "incomplete"
    if len(rows) != ws or set(ticks) != expected or len(ticks) != len(rows):
        absent = len(expected - set(ticks))
        reason = f"{len(rows)} rows for {ws} seconds ({absent} s without a row)"
    elif ok_share < policy.min_ok_share:
        reason = f"only {ok_share:.1%} of rows ok (minimum {policy.min_ok_share:.1%})"
    else:
        outcome, reason = "complete", f"{ws} rows, {ok_share:.1%} ok"
    return WindowVerdict(book, start, outcome, reason, key=key, rows=len(rows), ok_share=ok_share)


def inspect_window(
    storage: Storage, book: str, start: int, run_end: int, policy: AuditPolicy
) -> WindowVerdict:
    """The verdict on one window (reads the file when it exists)."""
    found = _find(storage, book, start, policy.fmt)
    if found is None:
        overdue = run_end - (start + policy.window_seconds + policy.grace_seconds)
        outcome: Outcome = "missing" if overdue >= policy.missing_after_seconds else "late"
        reason = f"no window file {overdue + policy.grace_seconds} s after the window closed"
        return WindowVerdict(book=book, start=start, outcome=outcome, reason=reason)
    key, fmt = found
    data = storage.get(key)  # a store that cannot be reached raises (retryable), it is no verdict
    try:
        rows = decode_window(data, fmt)
    except LakeError as exc:
        return WindowVerdict(book, start, "incomplete", f"unreadable file: {exc}", key=key)
    return judge_rows(book, start, rows, policy, key)


def iter_verdicts(storage: Storage, run_end: int, policy: AuditPolicy) -> Iterator[WindowVerdict]:
    """Verdicts for every book and due window."""
    for book in policy.books:
        for start in due_windows(run_end, policy):
            yield inspect_window(storage, book, start, run_end, policy)


def audit_lake(storage: Storage, run_end: int, policy: AuditPolicy) -> AuditReport:
    """Inspect every due window of every book; pure reading, nothing is written."""
    return AuditReport(run_end=run_end, verdicts=tuple(iter_verdicts(storage, run_end, policy)))
