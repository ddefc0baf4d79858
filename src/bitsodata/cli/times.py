"""Times typed on the command line, read by the one instant parser against the wall clock."""

from __future__ import annotations

import time

from bitsodata.domain.windows import INSTANT_FORMS, parse_instant
from bitsodata.errors import ConfigError

TIME_HELP = f"one of {INSTANT_FORMS} (UTC unless an offset is given)."


def parse_time(text: str, option: str, now: float | None = None) -> int:
    """Epoch seconds of ``text``; a ``ConfigError`` naming ``option`` for anything else."""
    current = int(time.time() if now is None else now)
    try:
        return parse_instant(text, current)
    except ValueError:
        raise ConfigError(f"{option}: not a time: {text!r} (use {INSTANT_FORMS})") from None
