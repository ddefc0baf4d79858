"""Where things live in the lake: pure functions of (book, window start), no I/O.

``spreads/book=<book>/date=<YYYY-MM-DD>/hour=<HH>/<book>_<YYYYMMDDTHHMM>Z.<ext>``: the book first
because every analysis filters on one book; then date and hour so a time range prunes to a few
folders, with at most 6 files (10-minute windows) per hour folder.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

SPREADS = "spreads"
ALERTS = "alerts"
_BOOK = re.compile(r"^[a-z0-9]+_[a-z0-9]+$")
_NAME = re.compile(
    r"^(?P<book>[a-z0-9]+_[a-z0-9]+)_(?P<stamp>\d{8}T\d{4})(?P<sec>\d{2})?Z\.(?P<ext>parquet|csv)$"
)


def check_book(book: str) -> str:
    """Book ids are lower-case ``major_minor``; anything else could escape the layout."""
    if not _BOOK.match(book):
        raise ValueError(f"not a book id: {book!r}")
    return book


def spread_window_key(book: str, window_start: int, fmt: str = "parquet") -> str:
    """Key of the window file, relative to the lake root."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown format {fmt!r}")
    dt = datetime.fromtimestamp(window_start, tz=UTC)
    # Windows shorter than a minute (demos, tests) need the seconds to stay distinct;
    # minute-aligned windows keep the short ``YYYYMMDDTHHMM`` name.
    stamp = f"{dt:%Y%m%dT%H%M%S}" if dt.second else f"{dt:%Y%m%dT%H%M}"
    return (
        f"{SPREADS}/book={check_book(book)}/date={dt:%Y-%m-%d}/hour={dt:%H}/{book}_{stamp}Z.{fmt}"
    )


def parse_window_key(key: str) -> tuple[str, int, str]:
    """Inverse of ``spread_window_key``: (book, window start, format)."""
    match = _NAME.match(key.rsplit("/", 1)[-1])
    if not match:
        raise ValueError(f"not a window file: {key!r}")
    start = datetime.strptime(match["stamp"], "%Y%m%dT%H%M").replace(tzinfo=UTC)
    return match["book"], int(start.timestamp()) + int(match["sec"] or 0), match["ext"]


def daily_key(book: str, day: date, fmt: str = "parquet") -> str:
    """Compacted day file, beside (never replacing) the window files."""
    return f"{SPREADS}_daily/book={check_book(book)}/date={day:%Y-%m-%d}/{book}_{day:%Y%m%d}.{fmt}"


def alert_log_key(day: date, name: str) -> str:
    """An alert log file of one UTC day."""
    return f"{ALERTS}/date={day:%Y-%m-%d}/{name}"
