"""Instants and intervals as analysts write them: epoch seconds, datetimes, ISO text, ``"1min"``."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from bitsodata.domain.windows import parse_instant
from bitsodata.errors import LakeError

Instant = int | float | datetime | date | str
"""Epoch seconds, an aware (or naive = UTC) datetime, a date (its UTC midnight), or text the
command line accepts (``2024-05-28``, ``2024-05-28T10:00:00Z``, epoch seconds)."""

_UNITS = {
    "s": 1, "sec": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hour": 3600, "hours": 3600,
    "d": 86_400, "day": 86_400, "days": 86_400,
}  # fmt: skip
_INTERVAL = re.compile(r"^\s*(\d+)\s*([a-z]+)\s*$")


def to_epoch(value: Instant) -> int:
    """Whole epoch seconds (UTC) of an instant; a clear ``LakeError`` for anything else."""
    if isinstance(value, bool):
        raise LakeError("not a time: a boolean")
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(aware.timestamp())
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp())
    try:
        return parse_instant(str(value))
    except ValueError:
        raise LakeError(f"not a time: {value!r} (ISO-8601 or epoch seconds)") from None


def parse_interval(value: str | int | timedelta) -> int:
    """Seconds of a resampling interval: ``"1s"``, ``"5min"``, ``"1h"``, ``"1d"``, a timedelta
    or whole seconds; from one second to one day."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    else:
        match = _INTERVAL.match(str(value).lower())
        if not match or match[2] not in _UNITS:
            raise LakeError(f"not an interval: {value!r} (e.g. 1s, 10s, 1min, 15m, 1h, 1d)")
        seconds = int(match[1]) * _UNITS[match[2]]
    if seconds != int(seconds) or not 1 <= seconds <= 86_400:
        raise LakeError(f"interval must be whole seconds from 1 s to 1 day, got {value!r}")
    return int(seconds)
