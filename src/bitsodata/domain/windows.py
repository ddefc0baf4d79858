"""Clock-aligned windows ``[T, T + window_seconds)`` and the timestamp text of a tick."""

from __future__ import annotations

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


def parse_instant(text: str) -> int:
    """Epoch seconds from ``1700000000``, ``2024-05-28`` or ISO-8601 (UTC unless an offset).

    Raises ``ValueError`` for anything else; command lines turn it into their own error.
    """
    text = text.strip()
    if text.isdigit():
        return int(text)
    return parse_iso_second(text)
