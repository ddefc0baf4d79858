"""When things happen: days weighted by weekday, hours by the real hourly profile, bursts."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from bitsodata.sample import calibration as cal
from bitsodata.sample.population import I32, Population
from bitsodata.sample.render import US_PER_DAY

I64 = npt.NDArray[Any]
_HOUR_P = np.asarray(cal.HOUR_WEIGHTS, dtype=np.float64) / sum(cal.HOUR_WEIGHTS)
_DOW_ACCEPT = np.asarray(cal.WEEKDAY_WEIGHTS, dtype=np.float64) / max(cal.WEEKDAY_WEIGHTS)
FIRST_WEEKDAY = int((np.datetime64(cal.START_DAY, "D").astype(np.int64) + 3) % 7)  # Monday = 0


def time_of_day(rng: np.random.Generator, n: int) -> I64:
    """Microseconds into the day: real hourly profile, milliseconds mostly, microseconds rarely."""
    hour = rng.choice(24, size=n, p=_HOUR_P)
    us = hour * 3_600_000_000 + rng.integers(0, 3_600_000_000, n)
    coarse = rng.random(n) >= cal.SUBMILLISECOND_SHARE
    return np.where(coarse, us // 1000 * 1000, us).astype(np.int64)


def days_between(rng: np.random.Generator, lo: I64, hi: I64) -> I64:
    """A day in ``[lo, hi)`` per row; weekends are rarer (three tries of rejection sampling)."""
    width = np.maximum(hi - lo, 1)
    day = lo + (rng.random(len(lo)) * width).astype(np.int64)
    for _ in range(2):
        redo = rng.random(len(lo)) > _DOW_ACCEPT[(day + FIRST_WEEKDAY) % 7]
        fresh = lo + (rng.random(len(lo)) * width).astype(np.int64)
        day = np.where(redo, fresh, day)
    out: I64 = day.astype(np.int64)
    return out


def session_starts(rng: np.random.Generator, pop: Population, users: I32, lo: int, hi: int) -> I64:
    """Start instant (µs since the first day) of one session per user, inside their active days."""
    a = np.maximum(pop.start_day[users], lo).astype(np.int64)
    b = np.minimum(pop.end_day[users] + 1, hi).astype(np.int64)
    return days_between(rng, a, b) * US_PER_DAY + time_of_day(rng, len(users))


def expand_sessions(
    rng: np.random.Generator, start_us: I64, users: I32, limit_us: int
) -> tuple[I64, I32]:
    """Each session becomes 1+ rows minutes apart (real: 41 % of repeats within 10 minutes)."""
    size = rng.geometric(1.0 - cal.SESSION_FOLLOW_UP, len(users))
    rows_user = np.repeat(users, size)
    base = np.repeat(start_us, size)
    gaps = (rng.exponential(120.0, len(base)) * 1_000_000).astype(np.int64) // 1000 * 1000
    first = np.zeros(len(base), dtype=bool)
    first[np.cumsum(size) - size] = True
    gaps[first] = 0
    csum = np.cumsum(gaps)
    offset = csum - np.repeat(csum[first], size)
    return np.minimum(base + offset, limit_us - 1), rows_user
