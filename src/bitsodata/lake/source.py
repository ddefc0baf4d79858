"""What the readers share: turning settings/URLs into a Storage, small checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bitsodata.errors import LakeError
from bitsodata.lake import layout
from bitsodata.lake.storage import Storage, open_storage
from bitsodata.settings import LakeSettings

LakeSource = Storage | LakeSettings | str | Path
"""A lake given as a Storage, as the lake settings, or as a path / ``s3://`` URL."""


def as_storage(source: LakeSource) -> Storage:
    """A ``Storage`` from a storage, the lake settings, or a URL/path."""
    if isinstance(source, LakeSettings):
        return open_storage(source)
    if isinstance(source, str | Path):
        return open_storage(LakeSettings(url=str(source)))
    return source


def check_book(book: str) -> str:
    """A book id, or a ``LakeError`` a user can read."""
    try:
        return layout.check_book(book)
    except ValueError as exc:
        raise LakeError(str(exc), book=book) from None


def day_of(epoch: int) -> date:
    """UTC calendar day of an epoch second."""
    return datetime.fromtimestamp(epoch, tz=UTC).date()


def days_of(start: int, end: int) -> list[date]:
    """UTC days touched by [start, end); an empty range is an error."""
    if end <= start:
        raise LakeError("empty time range: --to must be after --from", start=start, end=end)
    first, last = day_of(start), day_of(end - 1)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def sql_quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
