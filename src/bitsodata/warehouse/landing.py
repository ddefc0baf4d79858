"""Split source snapshots into daily batches: ``LANDING/date=YYYY-MM-DD/<same file name>``.

A fact row lands on its event's UTC date (optionally 1..``late_days`` days later, keeping its
timestamp: a late arrival); a user row lands on the first day any of that user's facts lands (users
with no facts on the first day). Lines are copied byte for byte, so the loader sees the raw text and
quarantines what it cannot parse: a row whose timestamp cannot be read lands with the row before it
in its file (it came in the same extract). Nothing is dropped: landed rows == source rows.
"""

from __future__ import annotations

import csv
import re
import shutil
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import IO

import numpy as np

from bitsodata.errors import SchemaMismatchError, WarehouseError

USERS_FILE = "user_id_sample_data.csv"
FACT_FILES = (
    "withdrawals_sample_data.csv",
    "deposit_sample_data.csv",
    "event_sample_data.csv",
    "user_level_sample_data.csv",
)
CHUNK_LINES = 65_536
"""Lines read at a time; late-row draws are per chunk, so a run is deterministic per seed."""
_UTC_TS = re.compile(rb"(\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:\+00(?::?00)?|Z)?")


@dataclass
class FileLanding:
    """Counts for one source file."""

    source_rows: int = 0
    """Non-blank data lines in the source."""
    landed_rows: int = 0
    """Rows written by this run (only the chosen day's with ``day``)."""
    late_rows: int = 0
    """Landed rows held back to a later day than their event date."""
    undated_rows: int = 0
    """Landed rows whose timestamp could not be read (they travel with the row before them)."""


@dataclass(frozen=True)
class LandReport:
    """What ``land`` wrote."""

    out: Path
    day: date | None
    days: tuple[str, ...]
    """Day folders written (``YYYY-MM-DD``)."""
    files: dict[str, FileLanding] = field(default_factory=dict)


def event_day(raw: bytes) -> bytes | None:
    """UTC date (``b"YYYY-MM-DD"``) of a timestamp like ``2020-01-10 14:11:05.63+00``, else None."""
    text = raw.strip()
    match = _UTC_TS.fullmatch(text)
    if match is not None:
        return match.group(1) if _valid_day(match.group(1)) else None
    try:
        parsed = datetime.fromisoformat(text.decode())
    except (ValueError, UnicodeDecodeError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).date().isoformat().encode()


_VALID: dict[bytes, bool] = {}


def _valid_day(day: bytes) -> bool:
    known = _VALID.get(day)
    if known is None:
        try:
            date.fromisoformat(day.decode())
            known = True
        except ValueError:
            known = False
        _VALID[day] = known
    return known


def _shift(day: bytes, days: int) -> bytes:
    return (date.fromisoformat(day.decode()) + timedelta(days=days)).isoformat().encode()


def _fields(line: bytes) -> list[bytes]:
    body = line.rstrip(b"\r\n")
    if b'"' not in body:
        return body.split(b",")
    return [f.encode() for f in next(csv.reader([body.decode(errors="replace")]))]


class _Tree:
    """The landing tree being built in a temp folder, one append per (day, file) and chunk."""

    def __init__(self, root: Path, only: bytes | None) -> None:
        self.root = root
        self.only = only
        self.created: set[tuple[bytes, str]] = set()
        self.days: set[bytes] = set()

    def write(self, name: str, header: bytes, day: bytes, lines: list[bytes]) -> None:
        if self.only is not None and day != self.only:
            return
        folder = self.root / f"date={day.decode()}"
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / name).open("ab") as sink:
            if (day, name) not in self.created:
                self.created.add((day, name))
                sink.write(header)
            sink.writelines(lines)
        self.days.add(day)


def _data_lines(src: IO[bytes]) -> Iterator[list[bytes]]:
    while chunk := list(islice(src, CHUNK_LINES)):
        yield [ln if ln.endswith(b"\n") else ln + b"\n" for ln in chunk if ln.strip()]


def _header(src: IO[bytes], path: Path, needed: tuple[str, ...]) -> tuple[bytes, list[str]]:
    header = src.readline()
    names = [c.strip() for c in header.decode(errors="replace").strip().split(",")]
    missing = [c for c in needed if c not in names]
    if missing:
        raise SchemaMismatchError(
            "source file lacks required columns", path=str(path), missing=missing, found=names
        )
    return (header if header.endswith(b"\n") else header + b"\n"), names


@dataclass
class _Plan:
    late_share: float
    late_days: int
    seed: int
    first_seen: dict[bytes, bytes] = field(default_factory=dict)
    first_day: bytes | None = None
    orphans: list[tuple[str, bytes, list[bytes]]] = field(default_factory=list)
    """Rows of files without any readable timestamp; they land on the first day."""


def _land_facts(path: Path, index: int, plan: _Plan, tree: _Tree) -> FileLanding:
    counts = FileLanding()
    with path.open("rb") as src:
        header, names = _header(src, path, ("event_timestamp", "user_id"))
        ts_at, user_at = names.index("event_timestamp"), names.index("user_id")
        previous: bytes | None = None
        pending: list[bytes] = []  # undated rows before the first dated one
        for n_chunk, lines in enumerate(_data_lines(src)):
            rng = np.random.default_rng([plan.seed, index, n_chunk])
            late = rng.random(len(lines)) < plan.late_share
            delay = rng.integers(1, max(plan.late_days, 1) + 1, len(lines))
            by_day: dict[bytes, list[bytes]] = defaultdict(list)
            for i, line in enumerate(lines):
                counts.source_rows += 1
                cols = _fields(line)
                day = event_day(cols[ts_at]) if len(cols) > ts_at else None
                if day is None:
                    counts.undated_rows += 1
                    if previous is None:
                        pending.append(line)
                        continue
                    day = previous
                else:
                    previous = day
                if late[i] and plan.late_days > 0:
                    day = _shift(day, int(delay[i]))
                    counts.late_rows += 1
                if pending:
                    by_day[day].extend(pending)
                    pending = []
                by_day[day].append(line)
                user = cols[user_at].strip() if len(cols) > user_at else b""
                seen = plan.first_seen.get(user)
                if seen is None or day < seen:
                    plan.first_seen[user] = day
            for day, rows in by_day.items():
                plan.first_day = day if plan.first_day is None else min(plan.first_day, day)
                tree.write(path.name, header, day, rows)
                counts.landed_rows += len(rows) if tree.only in (None, day) else 0
        if pending:  # a file without a single readable timestamp: keep its rows anyway
            plan.orphans.append((path.name, header, pending))
    return counts


def _land_orphans(plan: _Plan, tree: _Tree, report: dict[str, FileLanding]) -> None:
    for name, header, lines in plan.orphans:
        if plan.first_day is None:
            raise WarehouseError("no source row has a readable date; nothing can be landed")
        tree.write(name, header, plan.first_day, lines)
        report[name].landed_rows += len(lines) if tree.only in (None, plan.first_day) else 0


def _land_users(path: Path, plan: _Plan, tree: _Tree) -> FileLanding:
    counts = FileLanding()
    with path.open("rb") as src:
        header, names = _header(src, path, ("user_id",))
        user_at = names.index("user_id")
        for lines in _data_lines(src):
            by_day: dict[bytes, list[bytes]] = defaultdict(list)
            for line in lines:
                counts.source_rows += 1
                cols = _fields(line)
                user = cols[user_at].strip() if len(cols) > user_at else b""
                day = plan.first_seen.get(user) or plan.first_day
                if day is None:
                    raise WarehouseError("no source row has a readable date; nothing can be landed")
                by_day[day].append(line)
            for day, rows in by_day.items():
                tree.write(path.name, header, day, rows)
                counts.landed_rows += len(rows) if tree.only in (None, day) else 0
    return counts


def _swap_in(tmp: Path, out: Path, days: set[bytes], only: bytes | None) -> None:
    """Replace each produced day folder atomically; drop stale folders the new landing lacks."""
    trash = tmp / ".old"
    trash.mkdir()
    keep = {f"date={d.decode()}" for d in days}
    for existing in sorted(out.glob("date=*")):
        stale = existing.name not in keep and (
            only is None or existing.name == f"date={only.decode()}"
        )
        if stale:
            existing.rename(trash / existing.name)
    for name in sorted(keep):
        target = out / name
        if target.exists():
            target.rename(trash / name)
        (tmp / name).rename(target)


def land(
    source: Path,
    out: Path,
    *,
    late_share: float = 0.0,
    late_days: int = 3,
    seed: int = 0,
    day: date | None = None,
) -> LandReport:
    """Split the snapshots in ``source`` into daily batches under ``out``.

    Without ``day`` the landing is rebuilt (stale day folders removed); with ``day`` only that day's
    folder is (re)written, atomically, and the rest of ``out`` is left alone.
    """
    if not 0.0 <= late_share <= 1.0 or late_days < 0:
        raise WarehouseError("late_share must be in [0, 1] and late_days >= 0",
                             late_share=late_share, late_days=late_days)  # fmt: skip
    present = [n for n in (*FACT_FILES, USERS_FILE) if (source / n).is_file()]
    if not present:
        raise WarehouseError("no source file found", source=str(source), expected=FACT_FILES)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".land-{uuid.uuid4().hex}"
    only = day.isoformat().encode() if day is not None else None
    tree, plan = _Tree(tmp, only), _Plan(late_share, late_days, seed)
    report: dict[str, FileLanding] = {}
    try:
        for index, name in enumerate(FACT_FILES):
            if name in present:
                report[name] = _land_facts(source / name, index, plan, tree)
        _land_orphans(plan, tree, report)
        if USERS_FILE in present:
            report[USERS_FILE] = _land_users(source / USERS_FILE, plan, tree)
        tmp.mkdir(exist_ok=True)
        _swap_in(tmp, out, tree.days, only)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    days = tuple(sorted(d.decode() for d in tree.days))
    return LandReport(out=out, day=day, days=days, files=report)
