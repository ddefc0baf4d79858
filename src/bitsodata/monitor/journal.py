"""The local journal: every tick's observations land here (flushed, fsynced) before anything else.

One segment file per window (``<window_start>.jsonl``), one JSON line per tick holding the rows of
every book, so a torn write (power loss) costs at most the last tick and is cut off on reopen.
A segment is dropped once its window files are in the lake; ``progress.json`` remembers the end of
the last window written, so a restart after a long outage knows which windows were never seen;
``alert-state.json`` holds the alerts firing at the start of each journaled window, so a restart
that replays the journal resumes the alert rules exactly where they were; ``stopped.json`` marks a
clean stop (a crash leaves none), so the next start knows its gap was deliberate.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, cast

from bitsodata.domain.depth import DEPTH_SOURCES, DepthRow, DepthSource
from bitsodata.domain.observation import STATUSES, Observation, Status
from bitsodata.lake.storage import write_atomic
from bitsodata.logs import event

log = logging.getLogger(__name__)

_SUFFIX = ".jsonl"
_PROGRESS = "progress.json"
_ALERT_STATE = "alert-state.json"
_STOPPED = "stopped.json"


def encode_row(obs: Observation) -> dict[str, Any]:
    """An observation as JSON-ready values (decimals as strings: exact round trip)."""
    return {
        "tick": obs.tick,
        "book": obs.book,
        "bid": _s(obs.bid),
        "ask": _s(obs.ask),
        "spread": _s(obs.spread),
        "exchange_timestamp": obs.exchange_timestamp.isoformat()
        if obs.exchange_timestamp
        else None,
        "received_at": obs.received_at,
        "age_ms": obs.age_ms,
        "source": obs.source,
        "status": obs.status,
        "sequence": obs.sequence,
    } | ({"depth": encode_depth(obs.depth)} if obs.depth is not None else {})


def encode_depth(depth: DepthRow) -> dict[str, Any]:
    """A depth row as JSON-ready values; null metrics are left out (absent = null)."""
    return {
        "source": depth.source,
        "sequence": depth.sequence,
        "received_at": depth.received_at,
        "levels": [depth.levels_bid, depth.levels_ask],
        "metrics": {k: str(v) for k, v in depth.metrics.items() if v is not None},
    }


def decode_depth(data: dict[str, Any]) -> DepthRow:
    """Inverse of ``encode_depth`` (the metrics present; readers treat absent ones as null)."""
    source = data["source"]
    if source not in DEPTH_SOURCES:
        raise ValueError(f"unknown depth source {source!r}")
    levels = data["levels"]
    rcv = data.get("received_at")
    return DepthRow(
        source=cast(DepthSource, source),
        sequence=data.get("sequence"),
        received_at=float(rcv) if rcv is not None else None,
        levels_bid=int(levels[0]),
        levels_ask=int(levels[1]),
        metrics={str(k): Decimal(str(v)) for k, v in data["metrics"].items()},
    )


def decode_row(data: dict[str, Any]) -> Observation:
    """Inverse of ``encode_row``."""
    status = data["status"]
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    xts = data.get("exchange_timestamp")
    rcv = data.get("received_at")
    return Observation(
        tick=int(data["tick"]),
        book=str(data["book"]),
        bid=_d(data.get("bid")),
        ask=_d(data.get("ask")),
        spread=_d(data.get("spread")),
        exchange_timestamp=datetime.fromisoformat(xts) if xts else None,
        received_at=float(rcv) if rcv is not None else None,
        age_ms=data.get("age_ms"),
        source=data.get("source"),
        status=cast(Status, status),
        sequence=data.get("sequence"),
        depth=decode_depth(data["depth"]) if data.get("depth") is not None else None,
    )


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _d(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def encode_tick(tick: int, rows: Sequence[Observation]) -> bytes:
    """One journal line: the tick and the rows of every book."""
    line = {"tick": tick, "rows": [encode_row(r) for r in rows]}
    return (json.dumps(line, separators=(",", ":")) + "\n").encode()


class Journal:
    """Append-only segments in ``directory``; one open segment at a time."""

    def __init__(self, directory: Path, *, fsync: bool = True) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._fsync = fsync
        self._open_start: int | None = None
        self._fh: IO[bytes] | None = None

    def path(self, window_start: int) -> Path:
        """The segment file of a window."""
        return self.directory / f"{window_start}{_SUFFIX}"

    def segments(self) -> list[int]:
        """Window starts that have a segment on disk, oldest first."""
        found = []
        for path in self.directory.glob(f"*{_SUFFIX}"):
            stem = path.name.removesuffix(_SUFFIX)
            if stem.isdigit():
                found.append(int(stem))
        return sorted(found)

    def append(self, window_start: int, tick: int, rows: Sequence[Observation]) -> None:
        """Journal one tick (all books); durable when this returns."""
        fh = self._segment(window_start)
        fh.write(encode_tick(tick, rows))
        fh.flush()
        if self._fsync:
            os.fsync(fh.fileno())

    def _segment(self, window_start: int) -> IO[bytes]:
        if self._fh is None or self._open_start != window_start:
            self.close()
            path = self.path(window_start)
            _cut_torn_tail(path)
            self._fh = open(path, "ab")  # noqa: SIM115 - kept open across ticks on purpose
            self._open_start = window_start
        return self._fh

    def read(self, window_start: int) -> list[Observation]:
        """Every row journaled for a window, in file order (a torn last line is ignored)."""
        return [row for _tick, rows in self._ticks(self.path(window_start)) for row in rows]

    def _ticks(self, path: Path) -> Iterator[tuple[int, list[Observation]]]:
        if not path.exists():
            return
        with open(path, "rb") as fh:
            for number, raw in enumerate(fh, 1):
                if not raw.endswith(b"\n"):
                    event(log, "journal_torn_tail", logging.WARNING, path=str(path))
                    return
                try:
                    data = json.loads(raw)
                    yield int(data["tick"]), [decode_row(r) for r in data["rows"]]
                except (ValueError, KeyError, TypeError) as exc:
                    event(
                        log,
                        "journal_bad_line",
                        logging.ERROR,
                        path=str(path),
                        line=number,
                        error=str(exc),
                    )

    def drop(self, window_start: int) -> None:
        """Forget a window whose files are safely in the lake."""
        if self._open_start == window_start:
            self.close()
        self.path(window_start).unlink(missing_ok=True)

    def size_bytes(self) -> int:
        """Bytes held by every segment."""
        return sum(self.path(s).stat().st_size for s in self.segments() if self.path(s).exists())

    def close(self) -> None:
        """Close the open segment (nothing is lost by not calling it: every append is flushed)."""
        if self._fh is not None:
            self._fh.close()
        self._fh, self._open_start = None, None

    def read_progress(self) -> int | None:
        """End (epoch s) of the last window written to the lake, if known."""
        path = self.directory / _PROGRESS
        try:
            return int(json.loads(path.read_text())["written_until"])
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None

    def write_progress(self, window_end: int) -> None:
        """Remember that every window ending at or before ``window_end`` is handled."""
        current = self.read_progress()
        if current is not None and current >= window_end:
            return
        data = json.dumps({"written_until": window_end}).encode()
        write_atomic(self.directory / _PROGRESS, data)

    def mark_stopped(self, last_tick: int | None) -> None:
        """Record a clean stop (a signal or the end of ``--duration``), never written by a crash."""
        write_atomic(self.directory / _STOPPED, json.dumps({"last_tick": last_tick}).encode())

    def take_stopped(self) -> bool:
        """Whether the previous run stopped cleanly; the mark is consumed (a crash leaves none)."""
        path = self.directory / _STOPPED
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def read_alert_state(self) -> dict[str, Any]:
        """What ``write_alert_state`` last saved (empty when nothing, or unreadable)."""
        path = self.directory / _ALERT_STATE
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            return {}
        except ValueError as exc:
            event(log, "alert_state_unreadable", logging.ERROR, path=str(path), error=str(exc))
            return {}
        return data if isinstance(data, dict) else {}

    def write_alert_state(self, data: dict[str, Any]) -> None:
        """Save the alert state the next start resumes from (atomic, durable)."""
        write_atomic(self.directory / _ALERT_STATE, json.dumps(data, sort_keys=True).encode())


def _cut_torn_tail(path: Path) -> None:
    """Drop a partial last line (a write interrupted by power loss) before appending again."""
    if not path.exists():
        return
    with open(path, "rb+") as fh:
        data = fh.read()
        if not data or data.endswith(b"\n"):
            return
        keep = data.rfind(b"\n") + 1
        fh.truncate(keep)
    event(log, "journal_torn_tail_cut", logging.WARNING, path=str(path), bytes=len(data) - keep)
