"""Which files hold a question's rows: partition pruning by book, day and hour from key names.

Only listings are made (one per book and day, in both layout versions); no file is opened. A
window file is kept when it can hold a second of [start, end): it starts before ``end`` and the
next window of its book starts after ``start``. A day wholly inside the range is read from its
compacted file when that file is current (as many rows as the day's windows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from bitsodata.domain.windows import DAY_SECONDS
from bitsodata.errors import LakeError
from bitsodata.lake import layout
from bitsodata.lake.source import check_book, days_of
from bitsodata.lake.storage import Storage

_EXTS = (".parquet", ".csv")
DailyCheck = Callable[[str, Sequence[str]], bool]
"""Whether a compacted day file (key) still holds every window file (keys) of its day."""


@dataclass(frozen=True)
class LakeFile:
    """One file to read: its key, book, format, the seconds it can hold [start, end) (a window
    ends where the next one of its book starts, at the latest at midnight), and whether it is a
    compacted day file."""

    key: str
    book: str
    fmt: str
    start: int
    end: int
    daily: bool = False

    def inside(self, start: int, end: int) -> bool:
        """Every second the file can hold is in [start, end): no row filter needed."""
        return start <= self.start and self.end <= end


def day_start(day: date) -> int:
    """Epoch second of the day's midnight (UTC)."""
    return (day.toordinal() - date(1970, 1, 1).toordinal()) * DAY_SECONDS


def day_windows(storage: Storage, table: str, book: str, day: date) -> dict[int, layout.WindowKey]:
    """Window start -> key info for one book's day (version 2 wins over version 1, Parquet over
    CSV, when one window exists twice)."""
    prefixes = [layout.day_prefix(table, book, day)]
    if table == layout.SPREADS:
        prefixes.insert(0, layout.legacy_day_prefix(book, day))
    found: dict[int, layout.WindowKey] = {}
    for prefix in prefixes:
        for key in storage.list(prefix):
            try:
                parsed = layout.parse_key(key)
            except ValueError:
                continue  # not a window file (a stray upload)
            if parsed.book != book:
                continue
            old = found.get(parsed.start)
            if old is None or _rank(parsed) >= _rank(old):
                found[parsed.start] = parsed
    return found


def day_folders(storage: Storage, table: str, book: str) -> list[date]:
    """The days that have a folder of ``book``'s files in ``table`` (either layout), in order."""
    prefixes = [layout.book_prefix(table, book)]
    if table == layout.SPREADS:
        prefixes.append(f"{layout.SPREADS}/book={check_book(book)}/")
    days: set[date] = set()
    for prefix in prefixes:
        for name in storage.folders(prefix):
            try:
                days.add(date.fromisoformat(name.removeprefix("date=")))
            except ValueError:
                continue  # not a day folder
    return sorted(days)


def _rank(parsed: layout.WindowKey) -> tuple[bool, bool]:
    return (not parsed.legacy, parsed.fmt == "parquet")


def window_keys(storage: Storage, table: str, book: str, day: date) -> list[str]:
    """The day's window file keys of ``book``, one per window, in time order."""
    found = day_windows(storage, table, book, day)
    return [found[start].key for start in sorted(found)]


def _daily(storage: Storage, table: str, book: str, day: date) -> str | None:
    prefixes = [layout.daily_day_prefix(book, day, table)]
    if table == layout.SPREADS:
        prefixes.append(layout.legacy_daily_day_prefix(book, day))
    for prefix in prefixes:
        keys = [k for k in storage.list(prefix) if k.endswith(".parquet")]
        if keys:
            return keys[0]
    return None


def plan(
    storage: Storage,
    books: Sequence[str],
    start: int,
    end: int,
    *,
    table: str = layout.SPREADS,
    use_daily: bool = True,
    daily_is_current: DailyCheck | None = None,
) -> list[LakeFile]:
    """The files holding ``books``' rows in [start, end), in (book, time) order."""
    if end <= start:
        raise LakeError("empty time range: the end must be after the start", start=start, end=end)
    files: list[LakeFile] = []
    for book in books:
        check_book(book)
        for day in days_of(start, end):
            files.extend(
                _day_files(storage, table, book, day, start, end, use_daily, daily_is_current)
            )
    return files


def _day_files(
    storage: Storage,
    table: str,
    book: str,
    day: date,
    start: int,
    end: int,
    use_daily: bool,
    daily_is_current: DailyCheck | None,
) -> Iterable[LakeFile]:
    first = day_start(day)
    windows = day_windows(storage, table, book, day)
    whole_day = start <= first and first + DAY_SECONDS <= end
    if use_daily and whole_day:
        daily = _daily(storage, table, book, day)
        keys = [windows[s].key for s in sorted(windows)]
        if daily and (daily_is_current is None or daily_is_current(daily, keys)):
            return [LakeFile(daily, book, "parquet", first, first + DAY_SECONDS, daily=True)]
    starts = sorted(windows)
    nexts = [*starts[1:], first + DAY_SECONDS][: len(starts)]
    return [
        LakeFile(windows[s].key, book, windows[s].fmt, s, following)
        for s, following in zip(starts, nexts, strict=True)
        if s < end and following > start
    ]


def books_in(storage: Storage, table: str = layout.SPREADS) -> list[str]:
    """Books that have a folder of files in ``table`` (either layout version): one listing of
    the table's folders, not of every file under them."""
    found: set[str] = set()
    for folder in storage.folders(f"{table}/"):
        try:
            found.add(layout.check_book(folder.removeprefix("book=")))
        except ValueError:
            continue
    return sorted(found)
