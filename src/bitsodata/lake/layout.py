"""Where things live in the lake: pure functions of (table, book, window start), no I/O.

Schema version 2 (what the collector writes)::

    <table>/<book>/date=<YYYY-MM-DD>/hour=<H>/<book>_<YYYYMMDDTHHMMSS>Z.<ext>

``table`` is ``spreads`` (the brief's files) or ``depth``. Derived tables sit beside them:
``<table>_daily/<book>/date=…/<book>_<YYYYMMDD>.<ext>`` (a compacted day) and
``spreads_minute/<book>/date=…/<book>_<YYYYMMDD>.parquet`` (the day's per-minute rollups).

The book is a plain folder, not a ``book=`` partition: ``book`` is a column of every file (one
of the brief's five), and a folder key of the same name is typed differently by pandas
(dictionary) and by ``pyarrow.dataset`` (string), which then refuse to merge the two. ``date``
and ``hour`` are Hive keys that every reader types by itself (``hour`` has no leading zero,
which made DuckDB read ``08`` as text). Names always carry the seconds, so they sort in time
order whatever the window length.

Version 1 lakes (``spreads/book=<book>/date=…/hour=<HH>/<book>_<YYYYMMDDTHHMM>Z``) are still
read; ``bitsodata spread migrate`` rewrites them into version 2.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

SPREADS = "spreads"
DEPTH = "depth"
TABLES = (SPREADS, DEPTH)
ALERTS = "alerts"
DAILY_SUFFIX = "_daily"
MINUTES = "spreads_minute"
"""Per-minute rollups of ``spreads`` (one Parquet file per book-day, written by compaction)."""
_BOOK = re.compile(r"^[a-z0-9]+_[a-z0-9]+$")
_NAME = re.compile(
    r"^(?P<book>[a-z0-9]+_[a-z0-9]+)_(?P<stamp>\d{8}T\d{4})(?P<sec>\d{2})?Z\.(?P<ext>parquet|csv)$"
)
_V1_FOLDER = re.compile(r"(^|/)book=[a-z0-9]+_[a-z0-9]+/")


def check_book(book: str) -> str:
    """Book ids are lower-case ``major_minor``; anything else could escape the layout."""
    if not _BOOK.match(book):
        raise ValueError(f"not a book id: {book!r}")
    return book


def check_table(table: str) -> str:
    """``spreads`` or ``depth``."""
    if table not in TABLES:
        raise ValueError(f"unknown lake table {table!r} (spreads or depth)")
    return table


def _check_format(fmt: str) -> str:
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown format {fmt!r}")
    return fmt


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def book_prefix(table: str, book: str) -> str:
    """Folder of one book's window files (with the trailing slash)."""
    return f"{check_table(table)}/{check_book(book)}/"


def day_prefix(table: str, book: str, day: date) -> str:
    """Folder of one book's window files of one UTC day."""
    return f"{book_prefix(table, book)}date={day:%Y-%m-%d}/"


def hour_prefix(table: str, book: str, day: date, hour: int) -> str:
    """Folder of one book's window files of one UTC hour."""
    return f"{day_prefix(table, book, day)}hour={hour}/"


def window_key(table: str, book: str, window_start: int, fmt: str = "parquet") -> str:
    """Key of a window file, relative to the lake root."""
    dt = _at(window_start)
    return (
        f"{hour_prefix(table, book, dt.date(), dt.hour)}"
        f"{book}_{dt:%Y%m%dT%H%M%S}Z.{_check_format(fmt)}"
    )


def spread_window_key(book: str, window_start: int, fmt: str = "parquet") -> str:
    """Key of a ``spreads`` window file."""
    return window_key(SPREADS, book, window_start, fmt)


def legacy_day_prefix(book: str, day: date) -> str:
    """Schema version 1 folder of one book's spread windows of one day."""
    return f"{SPREADS}/book={check_book(book)}/date={day:%Y-%m-%d}/"


def legacy_window_key(book: str, window_start: int, fmt: str = "parquet") -> str:
    """Schema version 1 key of a spread window file (read, migrated, never written)."""
    dt = _at(window_start)
    stamp = f"{dt:%Y%m%dT%H%M%S}" if dt.second else f"{dt:%Y%m%dT%H%M}"
    return f"{legacy_day_prefix(book, dt.date())}hour={dt:%H}/{book}_{stamp}Z.{_check_format(fmt)}"


def is_legacy_key(key: str) -> bool:
    """A key in the version 1 layout (``spreads/book=…/``)."""
    return bool(_V1_FOLDER.search(key))


@dataclass(frozen=True)
class WindowKey:
    """What a window file's key says about it."""

    book: str
    start: int
    fmt: str
    legacy: bool
    key: str


@functools.lru_cache(maxsize=1 << 17)
def parse_key(key: str) -> WindowKey:
    """Book, window start, format and layout version of a window file key (either version)."""
    match = _NAME.match(key.rsplit("/", 1)[-1])
    if not match:
        raise ValueError(f"not a window file: {key!r}")
    stamp = match["stamp"]  # YYYYMMDDTHHMM; the constructor rejects impossible dates (strptime
    # did too, at ten times the cost: a month of keys is parsed by every planned question)
    start = datetime(
        int(stamp[:4]),
        int(stamp[4:6]),
        int(stamp[6:8]),
        int(stamp[9:11]),
        int(stamp[11:13]),
        tzinfo=UTC,
    )
    seconds = int(start.timestamp()) + int(match["sec"] or 0)
    return WindowKey(match["book"], seconds, match["ext"], is_legacy_key(key), key)


def parse_window_key(key: str) -> tuple[str, int, str]:
    """Inverse of ``window_key`` (and of the version 1 names): (book, window start, format)."""
    parsed = parse_key(key)
    return parsed.book, parsed.start, parsed.fmt


def daily_key(book: str, day: date, fmt: str = "parquet", table: str = SPREADS) -> str:
    """Compacted day file, in its own table beside (never replacing) the window files."""
    return (
        f"{check_table(table)}{DAILY_SUFFIX}/{check_book(book)}/date={day:%Y-%m-%d}/"
        f"{book}_{day:%Y%m%d}.{_check_format(fmt)}"
    )


def daily_day_prefix(book: str, day: date, table: str = SPREADS) -> str:
    """Folder of one book's compacted file of one day."""
    return f"{check_table(table)}{DAILY_SUFFIX}/{check_book(book)}/date={day:%Y-%m-%d}/"


def legacy_daily_day_prefix(book: str, day: date) -> str:
    """Schema version 1 folder of one book's compacted file of one day."""
    return f"{SPREADS}{DAILY_SUFFIX}/book={check_book(book)}/date={day:%Y-%m-%d}/"


def rollup_key(book: str, day: date) -> str:
    """Per-minute rollup file of one book's day (always Parquet, whatever the lake's format)."""
    return f"{MINUTES}/{check_book(book)}/date={day:%Y-%m-%d}/{book}_{day:%Y%m%d}.parquet"


def alert_log_key(day: date, name: str) -> str:
    """An alert log file of one UTC day."""
    return f"{ALERTS}/date={day:%Y-%m-%d}/{name}"
