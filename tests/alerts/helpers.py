"""Small builders shared by the alert tests."""

from __future__ import annotations

import logging
from decimal import Decimal

from bitsodata.alerts.events import AlertEvent
from bitsodata.domain.observation import Observation, Status
from bitsodata.logs import event_name

T0 = 1_700_000_000


def obs(
    tick: int, spread: str | Decimal | None, book: str = "btc_mxn", status: Status = "ok"
) -> Observation:
    """An observation whose spread is given directly (bid/ask are irrelevant to the engine)."""
    value = None if spread is None else Decimal(spread)
    return Observation(tick, book, None, None, value, None, None, None, "ws", status)


def firing(rule: str, book: str, at: int, since: int | None = None) -> AlertEvent:
    """A data-quality FIRING event for sink tests."""
    return AlertEvent(
        "data_quality", rule, book, "FIRING", Decimal("0.75"), Decimal("0.5"), at,
        at if since is None else since, "warning", f"{rule} on {book}",
    )  # fmt: skip


class Records(logging.Handler):
    """Collects the structured events a logger emits (independent of propagation settings)."""

    def __init__(self, name: str) -> None:
        super().__init__(logging.DEBUG)
        self.logger = logging.getLogger(name)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> Records:
        self.logger.addHandler(self)
        self._level = self.logger.level
        self.logger.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self)
        self.logger.setLevel(self._level)

    def events(self, name: str) -> list[dict[str, object]]:
        """The fields of every record with this event name."""
        return [getattr(r, "fields", {}) for r in self.records if event_name(r) == name]


def priced(tick: int, spread: str | None, book: str = "btc_mxn") -> Observation:
    """A full lake row: ask 1000, bid chosen so the spread is exactly ``spread`` percent."""
    if spread is None:
        return Observation.missing(tick, book)
    ask = Decimal(1000)
    bid = ask - ask * Decimal(spread) / 100
    return Observation(tick, book, bid, ask, Decimal(spread), None, tick - 0.2, 200, "ws", "ok")


def episode(start: int, seconds: int, wide: range, book: str = "btc_mxn") -> list[Observation]:
    """Rows from ``start``: spread 0.8 % at the ``wide`` offsets, 0.05 % else; offset 5 missing."""
    rows = []
    for i in range(seconds):
        spread = None if i == 5 else ("0.8" if i in wide else "0.05")
        rows.append(priced(start + i, spread, book))
    return rows
