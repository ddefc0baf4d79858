"""Fault switches: which misbehaviours are on, for which book, with which parameter.

Set at start (``--fault NAME[:BOOK][=VALUE][@CHANCE]``) or at run time through the control
endpoint. A REST fault with a chance hits only that share of requests ("occasional" 5xx pages),
drawn from a generator seeded with the simulator's seed, so a run is repeatable.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bitsodata.errors import ConfigError

FAULTS: dict[str, str] = {
    "latency": "delay every REST answer by VALUE seconds (default 2)",
    "http_5xx": "REST answers HTTP VALUE (default 500) with an 0101 error envelope",
    "html_error": "REST answers a Cloudflare-style HTML page with HTTP VALUE (default 403)",
    "malformed_json": "REST answers HTTP 200 with a truncated JSON body",
    "rate_limit": "every REST client is locked out as if it had exceeded the limit",
    "empty_bids": "order books show no bids (REST, WS orders; ticker bid null)",
    "empty_asks": "order books show no asks (REST, WS orders; ticker ask null)",
    "empty_book": "order books show neither bids nor asks",
    "crossed": "order books are crossed: best ask one tick below the best bid",
    "frozen": "books stop changing (no diff-orders/orders/trades; REST sequence stands still)",
    "wide_spread": "force a wide-spread episode (about 1.1-1.8 %) while on, or for VALUE market s",
    "ws_disconnect": "server closes WebSockets (close frame) VALUE s after connecting (default 0)",
    "ws_drop": "server drops WebSockets (no close frame) VALUE s after connecting (default 0)",
    "diff_gap": "every VALUE-th diff-orders message (default 5) is not delivered: a sequence gap",
    "diff_duplicate": "every VALUE-th diff-orders message (default 5) is delivered twice",
    "diff_reorder": "every VALUE-th diff-orders message (default 5) arrives after the next one",
    "legacy": "pre-2023 WS shapes: no sent, diff-orders without s/z, trades with only i/a/r/v",
    "silence": "WebSockets stay open but send nothing, not even keep-alives",
    "hostile": "legal but awkward shapes: numeric error codes, tids as strings, other time styles",
}

PER_REQUEST = frozenset({"latency", "http_5xx", "html_error", "malformed_json", "rate_limit"})
"""REST faults decided request by request: they accept a chance."""

_NUMBER = r"[0-9.eE+-]+"
_SPEC = re.compile(
    rf"^(?P<name>[a-z0-9_]+)(?::(?P<book>[a-z0-9_]+))?(?:=(?P<value>{_NUMBER}))?"
    rf"(?:@(?P<chance>{_NUMBER}))?$"
)


@dataclass(frozen=True, slots=True)
class Fault:
    """One switched-on misbehaviour; ``book`` None means every book."""

    name: str
    book: str | None = None
    value: float | None = None
    chance: float | None = None
    """Share of requests hit (0 < chance <= 1); None: every one. REST faults only."""

    def __post_init__(self) -> None:
        if self.name not in FAULTS:
            known = ", ".join(sorted(FAULTS))
            raise ConfigError(f"unknown fault {self.name!r}; known: {known}", fault=self.name)
        if self.chance is not None:
            if self.name not in PER_REQUEST:
                known = ", ".join(sorted(PER_REQUEST))
                raise ConfigError(f"only {known} take a @CHANCE", fault=self.name)
            if not 0 < self.chance <= 1:
                raise ConfigError("a fault's chance is in (0, 1]", chance=self.chance)

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "book": self.book, "value": self.value, "chance": self.chance}


def parse_fault(text: str) -> Fault:
    """``NAME[:BOOK][=VALUE][@CHANCE]``, e.g. ``latency=1.5``, ``frozen:btc_mxn`` or
    ``http_5xx=503@0.2`` (a 503 on 20 % of requests)."""
    match = _SPEC.match(text.strip())
    if match is None:
        raise ConfigError("a fault is NAME[:BOOK][=VALUE][@CHANCE]", fault=text)
    value, chance = match.group("value"), match.group("chance")
    try:
        number = float(value) if value is not None else None
        share = float(chance) if chance is not None else None
    except ValueError as exc:
        raise ConfigError("fault value and chance are numbers", fault=text) from exc
    return Fault(match.group("name"), match.group("book"), number, share)


class FaultSet:
    """The faults in force; read on every request and message, changed by the control endpoint."""

    def __init__(self, faults: Iterable[Fault] = (), *, seed: int = 0) -> None:
        self._faults: dict[tuple[str, str | None], Fault] = {}
        self._draws = random.Random(f"{seed}:faults")
        for fault in faults:
            self.set(fault)

    def set(self, fault: Fault) -> None:
        self._faults[(fault.name, fault.book)] = fault

    def clear(self, name: str | None = None, book: str | None = None) -> int:
        """Switch off matching faults (all when ``name`` is None); returns how many."""
        keys = [
            key
            for key in self._faults
            if (name is None or key[0] == name) and (book is None or key[1] == book)
        ]
        for key in keys:
            del self._faults[key]
        return len(keys)

    def get(self, name: str, book: str | None = None) -> Fault | None:
        """The fault in force for ``book`` (a book-specific one wins over an all-books one)."""
        if book is not None and (hit := self._faults.get((name, book))) is not None:
            return hit
        return self._faults.get((name, None))

    def on(self, name: str, book: str | None = None) -> bool:
        return self.get(name, book) is not None

    def hits(self, name: str, book: str | None = None) -> Fault | None:
        """The fault, if in force and this request is one it hits (a draw when it has a chance)."""
        fault = self.get(name, book)
        if fault is None or fault.chance is None or self._draws.random() < fault.chance:
            return fault
        return None

    def value(self, name: str, book: str | None, default: float) -> float:
        fault = self.get(name, book)
        if fault is None or fault.value is None:
            return default
        return fault.value

    def any_book(self, name: str) -> bool:
        """On for at least one book (or for all)."""
        return any(key[0] == name for key in self._faults)

    def active(self) -> list[Fault]:
        return sorted(self._faults.values(), key=lambda f: (f.name, f.book or ""))
