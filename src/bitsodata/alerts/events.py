"""What an alert says: one FIRING or RESOLVED transition of a rule on a book, JSON-ready."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, cast

from bitsodata.domain.windows import iso_second, parse_iso_second

Kind = Literal["spread", "metric", "data_quality"]
State = Literal["FIRING", "RESOLVED"]
FIRING: State = "FIRING"
RESOLVED: State = "RESOLVED"


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One transition. ``at`` is the tick that caused it; ``since`` the tick the condition began."""

    kind: Kind
    rule: str
    book: str
    state: State
    value: Decimal | None
    """The spread (percent) at ``at``; for data-quality alerts usually None."""
    threshold: Decimal | None
    """The rule's ``above`` (FIRING) or clear level (RESOLVED)."""
    at: int
    since: int
    severity: str
    message: str

    @property
    def key(self) -> str:
        """Stable identity of this transition (receivers and the lake log dedupe on it)."""
        return f"{self.kind}:{self.rule}:{self.book}:{self.state}:{self.at}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: times as ISO-8601 UTC strings, decimals as strings."""
        return {
            "kind": self.kind,
            "rule": self.rule,
            "book": self.book,
            "state": self.state,
            "value": None if self.value is None else str(self.value),
            "threshold": None if self.threshold is None else str(self.threshold),
            "at": iso_second(self.at),
            "since": iso_second(self.since),
            "severity": self.severity,
            "message": self.message,
            "key": self.key,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AlertEvent:
        """Inverse of ``to_dict`` (extra keys such as ``key`` are ignored)."""
        kind, state = data["kind"], data["state"]
        if kind not in ("spread", "metric", "data_quality") or state not in (FIRING, RESOLVED):
            raise ValueError(f"not an alert event: kind={kind!r} state={state!r}")
        return cls(
            kind=cast(Kind, kind),
            rule=str(data["rule"]),
            book=str(data["book"]),
            state=cast(State, state),
            value=_dec(data.get("value")),
            threshold=_dec(data.get("threshold")),
            at=parse_iso_second(data["at"]),
            since=parse_iso_second(data["since"]),
            severity=str(data["severity"]),
            message=str(data.get("message", "")),
        )


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def describe(value: Decimal | None, digits: int = 4) -> str:
    """A percentage for humans: ``0.5123%`` (exact values stay in the event fields)."""
    if value is None:
        return "n/a"
    return f"{value.quantize(Decimal(1).scaleb(-digits)).normalize():f}%"
