"""Clock-aligned windows ``[T, T + window_seconds)`` and the timestamp text of a tick."""

from __future__ import annotations

import re
from datetime import UTC, datetime

DAY_SECONDS = 86_400


def check_window_seconds(window_seconds: int) -> int:
    """Windows must tile a UTC day so every day starts a window at 00:00."""
    if window_seconds <= 0 or DAY_SECONDS % window_seconds:
        raise ValueError(f"window_seconds must divide {DAY_SECONDS}, got {window_seconds}")
    return window_seconds


def window_start(tick: int, window_seconds: int) -> int:
    """Start (epoch seconds) of the window holding ``tick``."""
    return tick - tick % window_seconds


def window_ticks(start: int, window_seconds: int) -> range:
    """Every whole-second tick of the window starting at ``start``."""
    return range(start, start + window_seconds)


def iso_second(tick: int) -> str:
    """``2022-04-30T04:10:26+00:00`` for a whole epoch second."""
    return datetime.fromtimestamp(tick, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def parse_iso_second(text: str) -> int:
    """Inverse of ``iso_second`` (any ISO-8601 with an offset is accepted)."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


_RELATIVE = re.compile(r"^(?:now\s*)?([+-])\s*(\d{1,9})\s*([smhdw])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": DAY_SECONDS, "w": 7 * DAY_SECONDS}
LAST_INSTANT = 253_402_300_799
"""9999-12-31T23:59:59Z: the last second a date type of every reader holds."""
INSTANT_FORMS = "2024-05-28, 2024-05-28T12:00:00Z, epoch seconds, now, -30s, -15m, -1h, -7d, -2w"


def parse_instant(text: str, now: int | None = None) -> int:
    """Epoch seconds from what people type for a time on a command line.

    ``1700000000`` (epoch seconds), ``2024-05-28`` and ISO-8601 instants (UTC unless an offset),
    ``now``, and times relative to ``now``: ``-30s``, ``-15m``, ``-1h``, ``-7d``, ``-2w`` (also
    ``now-1h``, ``+10m``). Raises ``ValueError`` for anything else, for a relative time when no
    ``now`` is given, and for instants before 1970 or after 9999.
    """
    text = text.strip().lower()
    match = _RELATIVE.match(text)
    if text == "now" or match is not None:
        if now is None:
            raise ValueError("a relative time needs the current time")
        if match is None:  # text == "now"
            return now
        sign, amount, unit = match.groups()
        epoch = now + (1 if sign == "+" else -1) * int(amount) * _UNIT_SECONDS[unit]
    elif text.isdigit():
        epoch = int(text)
    elif not text[:4].isdigit():  # fromisoformat also reads forms nobody types for a time
        raise ValueError(f"not a time: {text!r}")
    else:
        try:
            epoch = parse_iso_second(text.upper())
        except OverflowError:
            raise ValueError("time out of range (1970 to 9999)") from None
    if not 0 <= epoch <= LAST_INSTANT:
        raise ValueError("time out of range (1970 to 9999)")
    return epoch
