"""The sample's users: ids, active period, roles and habits, one numpy array per attribute.

Facts are later drawn month by month among the users active in that month, weighted by these
habits, so every file comes from the same people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from bitsodata.sample import calibration as cal
from bitsodata.sample.render import hex_ids

F64 = npt.NDArray[Any]
I32 = npt.NDArray[Any]
BOOL = npt.NDArray[Any]


def weights(pairs: tuple[tuple[str, float], ...] | tuple[tuple[str, int, float], ...]) -> F64:
    """Normalised weights from the second item of each tuple."""
    w = np.array([p[1] for p in pairs], dtype=np.float64)
    out: F64 = w / w.sum()
    return out


@dataclass
class Population:
    """Per-user arrays (index = user number)."""

    ids: pa.Array
    start_day: I32
    end_day: I32
    w_deposit: F64
    w_withdrawal: F64
    w_event: F64
    home_currency: npt.NDArray[Any]
    uses_app: BOOL
    fail_p: F64
    api_user: BOOL
    has_level: BOOL
    in_snapshot: BOOL
    level: npt.NDArray[Any]
    jurisdiction: npt.NDArray[Any]

    @property
    def size(self) -> int:
        return len(self.start_day)


def _day_of_month_weights(rng: np.random.Generator, n: int, month_starts: I32) -> I32:
    """A start day per user, months weighted by the real monthly volume."""
    month_w = np.asarray(cal.MONTH_WEIGHTS, dtype=np.float64)
    month = rng.choice(len(month_w), size=n, p=month_w / month_w.sum())
    length = np.diff(month_starts)
    return (month_starts[month] + (rng.random(n) * length[month]).astype(np.int32)).astype(np.int32)


def build_population(rng: np.random.Generator, n: int, month_starts: I32) -> Population:
    """Draw ``n`` users; ``month_starts`` are day offsets of each month plus the end (exclusive)."""
    last_day = int(month_starts[-1]) - 1
    start = _day_of_month_weights(rng, n, month_starts)
    life = rng.exponential(cal.MEAN_LIFETIME_DAYS, n)
    forever = rng.random(n) < 1 / 3
    end = np.where(forever, last_day, np.minimum(last_day, start + life)).astype(np.int32)
    depositor = rng.random(n) < cal.DEPOSITOR_SHARE
    share = cal.WITHDRAWER_SHARE * cal.WITHDRAWER_BOOST
    withdrawer = (depositor & (rng.random(n) < share / cal.DEPOSITOR_SHARE * 0.95)) | (
        rng.random(n) < share * 0.05
    )
    has_events = rng.random(n) < cal.EVENT_USER_SHARE
    activity = rng.lognormal(0.0, cal.ACTIVITY_LOG_SIGMA, n)
    has_facts = depositor | withdrawer | has_events
    late = has_facts & (rng.random(n) < cal.LATE_USER_SHARE)
    year = 2020 + (start // 365.25).astype(np.int64)
    app_share = np.array([cal.APP_SHARE_BY_YEAR.get(int(y), 0.05) for y in range(2020, 2024)])
    api = rng.random(n) < cal.API_USER_SHARE
    return Population(
        ids=hex_ids(rng, n),
        start_day=start,
        end_day=end,
        w_deposit=np.where(depositor, activity, 0.0),
        w_withdrawal=np.where(withdrawer, activity * rng.lognormal(0.0, 0.4, n), 0.0),
        w_event=np.where(has_events, np.sqrt(activity), 0.0)
        * np.where(api, cal.API_USER_ACTIVITY, 1),
        home_currency=rng.choice(len(cal.CURRENCIES), n, p=weights(cal.CURRENCIES)).astype(
            np.int16
        ),
        uses_app=rng.random(n) < app_share[np.clip(year - 2020, 0, 3)],
        fail_p=rng.beta(*cal.FAIL_BETA, n),
        api_user=api,
        has_level=rng.random(n) < cal.LEVEL_USER_SHARE,
        in_snapshot=~late,
        level=np.zeros(n, dtype=np.int8),
        jurisdiction=rng.choice(len(cal.JURISDICTIONS), n, p=weights(cal.JURISDICTIONS)).astype(
            np.int8
        ),
    )


def pick_users(rng: np.random.Generator, w: F64, pop: Population, lo: int, hi: int, k: int) -> I32:
    """``k`` users active in days ``[lo, hi)``, weighted by ``w`` times their days active there."""
    overlap = np.minimum(pop.end_day + 1, hi) - np.maximum(pop.start_day, lo)
    cand = np.flatnonzero((overlap > 0) & (w > 0))
    if k == 0 or len(cand) == 0:
        return np.zeros(0, dtype=np.int32)
    cum = np.cumsum(w[cand] * overlap[cand])
    pos = np.searchsorted(cum, rng.random(k) * cum[-1], side="right").clip(0, len(cand) - 1)
    picked: I32 = cand[pos].astype(np.int32)
    return picked
