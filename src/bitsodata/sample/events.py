"""Events and the user-level history of one month.

A user's first day brings ``email_verified`` and a first level row; later level or country changes
write a level row and the matching ``level_change_up``/``level_change_down``/``country_updated``
event at the same instant; ordinary sessions are logins and friends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from bitsodata.sample import calibration as cal
from bitsodata.sample.population import I32, Population, pick_users, weights
from bitsodata.sample.render import US_PER_DAY, TimestampRenderer
from bitsodata.sample.timing import I64, expand_sessions, session_starts, time_of_day

NAMES = [n for n, _ in cal.EVENT_NAMES]
NAME_CODES = pa.array(NAMES)
_NAME_P = weights(cal.EVENT_NAMES)
_LOGIN_API = NAMES.index("login_api")
_EMAIL = NAMES.index("email_verified")
_UP, _DOWN = NAMES.index("level_change_up"), NAMES.index("level_change_down")
_COUNTRY = NAMES.index("country_updated")
_JUR_P = weights(cal.JURISDICTIONS)
JURISDICTION_CODES = pa.array([j for j, _ in cal.JURISDICTIONS])
_MEAN_SESSION = 1.0 / (1.0 - cal.SESSION_FOLLOW_UP)


@dataclass
class Rows:
    """Unrendered rows: instants, users and one small-int code column per extra field."""

    at_us: list[I64] = field(default_factory=list)
    users: list[I32] = field(default_factory=list)
    codes: list[npt.NDArray[Any]] = field(default_factory=list)
    levels: list[npt.NDArray[Any]] = field(default_factory=list)

    def add(
        self,
        at: I64,
        users: I32,
        codes: npt.NDArray[Any],
        levels: npt.NDArray[Any] | None = None,
    ) -> None:
        self.at_us.append(at)
        self.users.append(users)
        self.codes.append(codes.astype(np.int64))
        self.levels.append(
            np.zeros(len(at), np.int64) if levels is None else levels.astype(np.int64)
        )

    def sorted(self) -> tuple[I64, I32, npt.NDArray[Any], npt.NDArray[Any]]:
        at = np.concatenate(self.at_us) if self.at_us else np.zeros(0, np.int64)
        order = np.argsort(at, kind="stable")
        cat = [
            np.concatenate(x)[order] if x else np.zeros(0, np.int64)
            for x in (self.users, self.codes, self.levels)
        ]
        return at[order], cat[0].astype(np.int32), cat[1], cat[2]


def _first_days(
    rng: np.random.Generator, pop: Population, lo: int, hi: int, events: Rows, levels: Rows
) -> None:
    new = np.flatnonzero((pop.start_day >= lo) & (pop.start_day < hi))
    at = pop.start_day[new].astype(np.int64) * US_PER_DAY + time_of_day(rng, len(new))
    with_events = pop.w_event[new] > 0
    events.add(at[with_events], new[with_events], np.full(int(with_events.sum()), _EMAIL))
    lv = pop.has_level[new]
    first_level = (rng.random(len(new)) < 0.25).astype(np.int8)
    pop.level[new] = first_level
    delay = rng.integers(1_000, 60_000_000, len(new)) // 1000 * 1000
    levels.add((at + delay)[lv], new[lv], pop.jurisdiction[new][lv], first_level[lv])


def _changes(
    rng: np.random.Generator, pop: Population, lo: int, hi: int, events: Rows, levels: Rows
) -> None:
    active = np.flatnonzero(pop.has_level & (pop.start_day < lo) & (pop.end_day >= lo))
    lvl = rng.random(len(active)) < cal.LEVEL_CHANGE_PER_MONTH
    who = active[lvl]
    up = (pop.level[who] == 0) | ((pop.level[who] < 3) & (rng.random(len(who)) < 0.85))
    pop.level[who] = pop.level[who] + np.where(up, 1, -1).astype(np.int8)
    at = session_starts(rng, pop, who, lo, hi)
    levels.add(at, who, pop.jurisdiction[who], pop.level[who])
    events.add(at, who, np.where(up, _UP, _DOWN))
    moved = active[rng.random(len(active)) < cal.COUNTRY_CHANGE_PER_MONTH]
    shift = rng.integers(1, len(_JUR_P), len(moved))
    pop.jurisdiction[moved] = ((pop.jurisdiction[moved] + shift) % len(_JUR_P)).astype(np.int8)
    at = session_starts(rng, pop, moved, lo, hi)
    levels.add(at, moved, pop.jurisdiction[moved], pop.level[moved])
    events.add(at, moved, np.full(len(moved), _COUNTRY))


def draw_month(
    rng: np.random.Generator, pop: Population, span: tuple[int, int, int], expected: float
) -> tuple[Rows, Rows]:
    """Events (codes = event names) and level rows (codes = jurisdictions) of days ``[lo, hi)``."""
    lo, hi, limit = span
    events, levels = Rows(), Rows()
    _first_days(rng, pop, lo, hi, events, levels)
    _changes(rng, pop, lo, hi, events, levels)
    users = pick_users(rng, pop.w_event, pop, lo, hi, int(rng.poisson(expected / _MEAN_SESSION)))
    at, rows_user = expand_sessions(rng, session_starts(rng, pop, users, lo, hi), users, limit)
    names = rng.choice(len(_NAME_P), len(at), p=_NAME_P)
    api = pop.api_user[rows_user] & (rng.random(len(at)) < cal.API_LOGIN_SHARE)
    events.add(at, rows_user, np.where(api, _LOGIN_API, names))
    return events, levels


def render_events(
    at: I64,
    users: I32,
    codes: npt.NDArray[Any],
    ids: I64,
    pop: Population,
    ts: TimestampRenderer,
) -> dict[str, pa.Array]:
    return {
        "id": pa.array(ids),
        "event_timestamp": ts.render(at),
        "user_id": pop.ids.take(pa.array(users)),
        "event_name": NAME_CODES.take(pa.array(codes)),
    }


def render_levels(
    at: I64,
    users: I32,
    codes: npt.NDArray[Any],
    level: npt.NDArray[Any],
    pop: Population,
    ts: TimestampRenderer,
) -> dict[str, pa.Array]:
    return {
        "user_id": pop.ids.take(pa.array(users)),
        "jurisdiction": JURISDICTION_CODES.take(pa.array(codes)),
        "level": pa.array(level),
        "event_timestamp": ts.render(at),
    }
